"""Which files a change touched, from git: for --changed-since and the pre-commit hook.

Deleted and renamed files count: a page that is gone is exactly what makes
findings appear in files nobody touched.

The revision and the file names come from the pull request under review, so:
names are listed NUL-separated (``-z``; without it git C-quotes names with
quotes or non-ASCII bytes, and such a changed file went unchecked) and decoded
like any file name (``os.fsdecode``); the revision is verified as a commit
before use and never taken for an option (``--changed-since=--output=x``).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from novadoclint.settings import ConfigError


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, check=False, timeout=60
        )
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
    result = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
        cwd=cwd,
        capture_output=True,
        check=False,
        timeout=60,
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
    has_head = (
        subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", "HEAD"], cwd=where, capture_output=True
        ).returncode
        == 0
    )
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
    result = subprocess.run(
        ["git", "cat-file", "blob", "--end-of-options", f"{rev}:{rel}"],
        cwd=top,
        capture_output=True,
    )
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
