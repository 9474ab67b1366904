"""Which files a change touched, from git, and which findings it answers for.

For --changed-since, --changed-lines and the pre-commit hook. Deleted and
renamed files count: a page that is gone is exactly what makes findings
appear in files nobody touched. A change answers for the findings in the files
it touched (on the lines it touched, with --changed-lines), at the places that
include a changed file, and for any finding a lint of the tree as it was
before the change does not have (:func:`reported`).

The revision and the file names come from the pull request under review, so:
names are listed NUL-separated (``-z``; without it git C-quotes names with
quotes or non-ASCII bytes, and such a changed file went unchecked) and decoded
like any file name (``os.fsdecode``); the revision is verified as a commit
before use and never taken for an option (``--changed-since=--output=x``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from novadoclint.checks import META
from novadoclint.context import Context
from novadoclint.decide import finalise
from novadoclint.facts import Phase1Result, RuleHit
from novadoclint.findings import Finding
from novadoclint.index import FactsIndex
from novadoclint.phase1 import file_rule_ids, phase1_bytes
from novadoclint.phase2 import tree_hits
from novadoclint.project.discover import is_document
from novadoclint.project.sphinxconf import SphinxConf
from novadoclint.resolve import strip_suffix
from novadoclint.scope import within
from novadoclint.settings import ConfigError

if TYPE_CHECKING:
    import subprocess

Lines = Mapping[str, frozenset[int] | None]  # path -> the lines a change touched (None: all)


def _run(
    args: list[str], cwd: Path, timeout: float | None = None
) -> subprocess.CompletedProcess[bytes]:
    """git, its output captured: subprocess is imported only by --changed-since, which runs it."""
    import subprocess

    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, check=False, timeout=timeout
    )


def _git(args: list[str], cwd: Path) -> bytes:
    import subprocess  # imported by _run: a lookup

    try:
        result = _run(args, cwd, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ConfigError(None, None, f"--changed-since needs git: {exc}") from None
    if result.returncode != 0:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
        message = lines[-1] if lines else "failed"
        raise ConfigError(None, None, f"--changed-since: git {' '.join(args)}: {message}")
    return result.stdout


def _names(output: bytes) -> list[str]:
    """File names from a ``-z`` listing."""
    return [os.fsdecode(name) for name in output.split(b"\0") if name]


def _toplevel(where: Path) -> Path:
    return Path(os.fsdecode(_git(["rev-parse", "--show-toplevel"], where).rstrip(b"\n")))


def verify(rev: str, cwd: Path) -> str:
    """The commit id rev names; a ConfigError (exit 2) naming it when there is none."""
    if rev.startswith("-") or not rev:
        raise ConfigError(None, None, f"--changed-since: not a revision: {rev!r}")
    result = _run(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], cwd, 60
    )
    if result.returncode != 0:
        raise ConfigError(None, None, f"--changed-since: unknown revision {rev!r}")
    return result.stdout.decode("ascii").strip()


def changed_since(rev: str, cwd: Path | None = None) -> list[Path] | None:
    """Absolute paths changed since rev (work tree and index), untracked files included.

    None when the repository has no commit yet (an initial commit changes everything).
    """
    where = (cwd or Path.cwd()).resolve()
    top = _toplevel(where)
    has_head = _run(["rev-parse", "--verify", "--quiet", "HEAD"], where).returncode == 0
    if not has_head:
        return None
    commit = verify(rev, where)
    names = _names(_git(["diff", "--name-only", "-z", "--no-renames", commit, "--"], where))
    untracked = ["ls-files", "-z", "--others", "--exclude-standard", "--full-name"]
    names += _names(_git(untracked, top))
    return sorted({(top / name).resolve() for name in names})


def old_content(rev: str, path: Path) -> bytes | None:
    """A file's bytes at rev, or None when it did not exist there."""
    if rev.startswith("-"):
        return None
    top = _toplevel(path.parent if path.parent.exists() else Path.cwd())
    try:
        rel = path.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return None
    result = _run(["cat-file", "blob", "--end-of-options", f"{rev}:{rel}"], top)
    return result.stdout if result.returncode == 0 else None


HUNK_RE = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
ESCAPES = {b"a": 7, b"b": 8, b"t": 9, b"n": 10, b"v": 11, b"f": 12, b"r": 13, b'"': 34, b"\\": 92}


def changed_lines(rev: str, cwd: Path | None = None) -> dict[Path, frozenset[int] | None]:
    """The lines each file changed since rev has now (``git diff -U0`` hunks, new side).

    A hunk that only removes lines touches the lines on either side of the gap.
    Untracked files (and files the diff shows no hunk for, such as binary ones)
    map to None: every line is new. Deleted files are left out: no line remains.
    """
    where = (cwd or Path.cwd()).resolve()
    top = _toplevel(where)
    commit = verify(rev, where)
    diff = _git(
        [
            "-c",
            "core.quotePath=true",
            "diff",
            "-U0",
            "--no-renames",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            commit,
            "--",
        ],
        top,
    )
    touched: dict[Path, set[int] | None] = {}
    current: set[int] | None = None
    for line in diff.split(b"\n"):
        if line.startswith(b"diff --git "):
            current = None
        elif line.startswith(b"+++ "):
            name = _unquote(line[4:])
            if name is None or not name.startswith(b"b/"):
                current = None  # /dev/null: deleted
                continue
            current = set()
            touched[(top / os.fsdecode(name[2:])).resolve()] = current
        elif current is not None and line.startswith(b"@@"):
            hunk = HUNK_RE.match(line)
            if hunk:
                start, count = int(hunk.group(1)), int(hunk.group(2) or b"1")
                if count:
                    current.update(range(start, start + count))
                else:
                    current.update({max(start, 1), start + 1})
    for listed in _names(_git(["diff", "--name-only", "-z", "--no-renames", commit, "--"], top)):
        path = (top / listed).resolve()
        if path.exists() and not touched.get(path):
            touched[path] = None  # a binary file, a mode change: judged whole
    untracked = ["ls-files", "-z", "--others", "--exclude-standard", "--full-name"]
    for listed in _names(_git(untracked, top)):
        touched[(top / listed).resolve()] = None
    return {
        path: None if lines is None else frozenset(lines)
        for path, lines in touched.items()
        if path.exists()
    }


def _unquote(name: bytes) -> bytes | None:
    """A file name of a diff header: git C-quotes one with special bytes; None for /dev/null."""
    name = name.rstrip(b"\t")  # git ends names with spaces with a tab
    if name == b"/dev/null":
        return None
    if not (name.startswith(b'"') and name.endswith(b'"') and len(name) >= 2):
        return name
    out = bytearray()
    body, i = name[1:-1], 0
    while i < len(body):
        char = body[i : i + 1]
        if char != b"\\":
            out += char
            i += 1
            continue
        following = body[i + 1 : i + 2]
        if following in ESCAPES:
            out.append(ESCAPES[following])
            i += 2
        elif body[i + 1 : i + 4].isdigit():
            out.append(int(body[i + 1 : i + 4], 8) & 0xFF)
            i += 4
        else:
            out += following
            i += 2
    return bytes(out)


# -- the findings a change answers for ------------------------------------------------


def old_documents(
    rev: str, changed: Sequence[Path], srcdir: Path, files: set[str], conf: SphinxConf
) -> dict[str, bytes | None] | None:
    """The changed documents of a tree (in ``files``) as they were at rev (None: not there)."""
    here = {os.path.relpath(p, srcdir).replace(os.sep, "/") for p in changed} & files
    return {
        rel: old_content(rev, srcdir / rel)
        for rel in sorted(here)
        if is_document(conf, rel) and not (srcdir / rel).is_dir()
    } or None


def tree_lines(
    touched: Mapping[Path, frozenset[int] | None], srcdir: Path, files: set[str] | None
) -> dict[str, frozenset[int] | None]:
    """The touched lines of a tree's files (of ``files`` only, unless None), relative paths."""
    lines = {os.path.relpath(p, srcdir).replace(os.sep, "/"): at for p, at in touched.items()}
    if files is not None:
        lines = {rel: at for rel, at in lines.items() if within(rel, files)}
    return lines


def reported(
    findings: list[Finding],
    ctx: Context,
    results: Sequence[Phase1Result],
    index: FactsIndex,
    only_paths: frozenset[str] | None,
    before: dict[str, bytes | None] | None,
    lines: Lines | None,
) -> list[Finding]:
    """The findings the change answers for (all of them without a scope or lines).

    With ``before`` (the changed documents' old bytes), also every finding the
    tree as it was does not have; without, the findings another document's
    change caused (``cause``).
    """
    sites = _include_sites(results, only_paths)
    if only_paths is not None and before is not None:
        known = _findings_before(ctx, results, before, index.files)
        return [
            f
            for f in findings
            if in_scope(f, only_paths, lines, sites) or (f.path, f.rule, f.message) not in known
        ]
    if only_paths is not None:
        docpaths = {d.docname: d.path for d in index.docs.values()}
        return [
            f
            for f in findings
            if in_scope(f, only_paths, lines, sites)
            or (
                lines is None
                and f.cause is not None
                and within(docpaths.get(f.cause, ""), only_paths)
            )
        ]
    if lines is not None:
        return [f for f in findings if in_scope(f, None, lines)]
    return findings


def in_scope(
    finding: Finding,
    only_paths: frozenset[str] | None,
    lines: Lines | None,
    sites: frozenset[tuple[str, int]] = frozenset(),
) -> bool:
    """In the files reported on; with --changed-lines, on a line the change touched."""
    if (finding.path, finding.line) in sites:
        return True
    if lines is None:
        return only_paths is None or within(finding.path, only_paths)
    if finding.path not in lines:
        return False
    touched = lines[finding.path]
    return touched is None or finding.line in touched


def _include_sites(
    results: Sequence[Phase1Result], only_paths: frozenset[str] | None
) -> frozenset[tuple[str, int]]:
    """Where documents include a file in the scope: a changed (or deleted) included file
    changes the findings there (include-missing), in a document the change did not touch."""
    if only_paths is None:
        return frozenset()
    return frozenset(
        (inc.path, inc.line)
        for r in results
        for inc in r.facts.includes
        if within(inc.resolved, only_paths)
    )


def _findings_before(
    ctx: Context,
    results: Sequence[Phase1Result],
    before: dict[str, bytes | None],
    files: frozenset[str],
) -> set[tuple[str, str, str]]:
    """The findings of the tree as it was: unchanged documents, changed ones' old bytes."""
    from novadoclint import parse  # the old bytes are parsed: a run that parses anyway

    old = {r.facts.path: r for r in results if r.facts.path not in before}
    with parse.namespace(ctx.vocabulary):
        for path, raw in before.items():
            if raw is not None:
                docname = strip_suffix(path, ctx.sphinx.source_suffixes)
                old[path] = phase1_bytes(ctx, file_rule_ids(), docname, path, raw)
    index = FactsIndex(
        ctx.srcdir, ctx.sphinx, {r.facts.docname: r.facts for r in old.values()}, files
    )
    hits: list[RuleHit] = [h for r in old.values() for h in r.hits]
    hits.extend(tree_hits(index, ctx))
    return {(f.path, f.rule, f.message) for f in finalise(hits, index, ctx.settings, META)}
