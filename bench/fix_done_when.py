"""Measure issue 16's done-when for --fix on a copy of a tree: what it fixes, and what it breaks.

Usage: python bench/fix_done_when.py [SRCDIR] [--sphinx-build PATH]

Copies the project holding SRCDIR (default: the nova-2017 corpus) into a
temporary folder, five times, and on the copies: ``--fix`` then a re-lint
(findings that still carry a safe fix, findings new by path, rule and
message, files added or removed); a second ``--fix``; ``--diff`` on an
untouched copy, with and without ``--unsafe-fixes``, applied with ``patch
-p1`` and compared with the fixed copy by ``diff -r``; ``--fix
--unsafe-fixes`` (default-role's findings before and after, new findings by
rule, docutils' system messages of every document before and after); and,
with Sphinx, ``sphinx-build -b dummy`` through ``bench/oracle.py``'s setup
on the original, the safe and the unsafe copy (warnings compared by file and
text: a fix may move a line). Figures for the
notes, never assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from oracle import project_root, run_sphinx, sphinx_tools

from novadoclint import parse
from novadoclint.checks import ALL_RULES
from novadoclint.edits import FixSafety
from novadoclint.phase1 import project_context
from novadoclint.project.discover import load_project
from novadoclint.settings import load

DEFAULT_TREE = Path(__file__).resolve().parents[2] / "shared/corpus/nova-2017/doc/source"
Key = tuple[str, str, str]


def novadoclint(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "novadoclint", "--no-cache", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def findings(cwd: Path, src: str, *args: str) -> list[dict[str, object]]:
    done = novadoclint(cwd, "--format", "json", *args, src)
    return list(json.loads(done.stdout)["findings"])


def keys(found: list[dict[str, object]]) -> Counter[Key]:
    return Counter((str(f["path"]), str(f["rule"]), str(f["message"])) for f in found)


def files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def summary(done: subprocess.CompletedProcess[str]) -> str:
    found = re.findall(r"Found \d+ findings? \(\d+ fixed, \d+ remaining\)\.", done.stderr)
    return found[-1] if found else "(no summary)"


def diff_applied(copy: Path, fixed: Path, rel: str, unsafe: bool = False) -> str:
    """--diff on ``copy``, applied there with ``patch -p1``, compared with --fix's tree."""
    diff = novadoclint(copy, "--diff", *(["--unsafe-fixes"] if unsafe else []), rel)
    applied = subprocess.run(
        ["patch", "-s", "-p1"], cwd=copy, input=diff.stdout, text=True, check=False
    )
    same = subprocess.run(["diff", "-r", str(copy), str(fixed)], capture_output=True, check=False)
    shown = sum(1 for line in diff.stdout.splitlines() if line.startswith("+++ "))
    verdict = "empty" if same.returncode == 0 else "DIFFERS"
    return (
        f"exit {diff.returncode}, {shown} files; patch exit {applied.returncode}; "
        f"diff -r against --fix's tree: {verdict}"
    )


def system_messages(src: Path) -> Counter[tuple[str, str]]:
    """docutils' warnings and errors of every document, by file and text (a fix moves lines)."""
    settings = load(src, rules=ALL_RULES)
    project = load_project(src, True)
    ctx = project_context(project, settings)
    out: Counter[tuple[str, str]] = Counter()
    with parse.namespace(ctx.vocabulary):
        for rel in sorted(project.docs.values()):
            if not rel.endswith(".rst"):
                continue
            text = (src / rel).read_text(encoding="utf-8-sig", errors="replace")
            parsed = parse.parse(text, str(src / rel), str(src))
            for message in parsed.messages:
                if message.level >= 2:
                    where = os.path.relpath(message.source, src) if message.source else rel
                    out[(where, message.text)] += 1
    return out


def sphinx_warnings(root: Path, src: Path, work: Path, tools: tuple[str, str]) -> Counter[str]:
    run = run_sphinx(root, src, work, tools, [])
    out: Counter[str] = Counter()
    for line in run.stderr.splitlines():
        if "WARNING" in line or "ERROR" in line:
            line = line.replace(str(root) + os.sep, "")
            out[re.sub(r"^([^:]+):\d+:", r"\1:", line)] += 1  # a fix may move a line
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("srcdir", nargs="?", default=str(DEFAULT_TREE))
    parser.add_argument(
        "--sphinx-build", help="sphinx-build of an environment with the docs' needs"
    )
    args = parser.parse_args()
    srcdir = Path(args.srcdir).resolve()
    root = project_root(srcdir)
    rel = srcdir.relative_to(root).as_posix()
    work = Path(tempfile.mkdtemp(prefix="novadoclint-fix-"))
    try:
        names = ("orig", "safe", "diffed", "unsafe", "unsafe-diffed")
        copies = {name: work / name / root.name for name in names}
        for copy in copies.values():
            shutil.copytree(root, copy, symlinks=True)
        orig, safe, diffed, unsafe = (copies[n] for n in ("orig", "safe", "diffed", "unsafe"))
        before = findings(orig, rel)
        print(f"tree: {srcdir} ({len(before)} findings, default rules)")

        done = novadoclint(safe, "--fix", "--format", "json", rel)
        after = findings(safe, rel)
        originals = files(orig)
        changed = [p for p, data in files(safe).items() if originals.get(p) != data]
        print(f"--fix: {summary(done)} {len(changed)} files changed")
        print(f"  re-lint: {len(after)} findings; with a safe fix left: "
              f"{safe_fixes_left(safe, rel)}; "
              f"new (path, rule, message): {sum((keys(after) - keys(before)).values())}; "
              f"files added or removed: {len(set(originals) ^ set(files(safe)))}")  # fmt: skip
        fixed_by_rule = keys(before) - keys(after)
        print("  fixed by rule: " + ", ".join(
            f"{rule} {n}" for rule, n in sorted(Counter(
                k[1] for k in fixed_by_rule.elements()).items())))  # fmt: skip
        snapshot = files(safe)
        again = novadoclint(safe, "--fix", "--format", "json", rel)
        print(f"second --fix: {summary(again)} files changed: {files(safe) != snapshot}")

        print("--diff: " + diff_applied(diffed, safe, rel))

        done = novadoclint(unsafe, "--fix", "--unsafe-fixes", "--format", "json", rel)
        unsafe_after = findings(unsafe, rel)
        roles = [
            sum(1 for f in found if f["rule"] == "default-role") for found in (before, unsafe_after)
        ]
        new = keys(unsafe_after) - keys(before)
        by_rule = dict(Counter(k[1] for k in new.elements())) or "none"
        print(f"--fix --unsafe-fixes: {summary(done)} default-role {roles[0]} -> {roles[1]}; "
              f"new findings by rule: {by_rule}")  # fmt: skip
        print("--diff --unsafe-fixes: " + diff_applied(copies["unsafe-diffed"], unsafe, rel, True))
        old, fixed = (system_messages(copy / rel) for copy in (orig, unsafe))
        added = sum((fixed - old).values())
        print(f"  docutils system messages (level >= 2) of every document: "
              f"{sum(old.values())} -> {sum(fixed.values())}; new: {added}")  # fmt: skip

        tools = sphinx_tools(args.sphinx_build)
        if tools is None:
            print("sphinx-build: not installed (pass --sphinx-build)")
            return
        warned = {}
        for name in ("orig", "safe", "unsafe"):
            warned[name] = sphinx_warnings(
                copies[name], copies[name] / rel, work / f"s-{name}", tools
            )
        for name in ("safe", "unsafe"):
            new_warnings = warned[name] - warned["orig"]
            total = sum(warned["orig"].values())
            print(f"sphinx-build -b dummy, {name} fixes: {total} warnings -> "
                  f"{sum(warned[name].values())}; new: {sum(new_warnings.values())}")  # fmt: skip
            for line in sorted(new_warnings)[:10]:
                print(f"  new: {line}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def safe_fixes_left(cwd: Path, rel: str) -> int:
    """Findings that still carry a safe fix, read in process (no report shows fixes)."""
    from novadoclint.engine import lint

    here = os.getcwd()
    os.chdir(cwd)
    try:
        run = lint([Path(rel)], overrides={"cache": False})
    finally:
        os.chdir(here)
    return sum(1 for f in run.findings if f.fix is not None and f.fix.safety is FixSafety.SAFE)


if __name__ == "__main__":
    main()
