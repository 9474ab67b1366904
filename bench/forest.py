"""Lint every Sphinx tree of a forest folder and print what each one gets.

Usage: python bench/forest.py [FOREST ...] [--jobs N] [--select RULES] [--json FILE]
                             [--findings DIR]

FOREST is a folder of repositories (default: ``../shared/forest`` and
``../shared/corpus``). In each repository the source dirs are the folders at the
shallowest depth that hold a ``conf.py`` (Sphinx's ``doc``, pytest's ``doc/en``,
nova's ``doc/source``, ``api-ref/source`` and ``api-guide/source``), skipping
test data, build output and hidden folders: a repository's ``tests/roots/*/conf.py``
are fixtures, not its documentation.

For each source dir: files checked, wall time of a cold run (``--no-cache``),
findings by severity, then by rule; a summary line closes. The precision work
(issue 12) reads these counts: an error-level finding on a tree that builds under
``sphinx-build -W`` upstream is a false error until a reader shows it is real.
Figures for notes, never assertions.

``--findings DIR`` also writes each tree's JSON findings (the report without its
timings) to one file per tree, so that two builds compare with ``diff -r``: how a
refactor shows that behaviour did not change (issue 14).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
SKIP = {"tests", "test", "testing", "node_modules", "build", "_build", "dist", "venv", ".tox"}
SEVERITIES = ("error", "warning", "info")


@dataclass
class TreeResult:
    srcdir: Path
    files: int = 0
    seconds: float = 0.0
    exit_code: int = 0
    by_severity: Counter[str] = field(default_factory=Counter)
    by_rule: Counter[tuple[str, str]] = field(default_factory=Counter)
    findings: list[dict[str, object]] = field(default_factory=list)


def novadoclint() -> str:
    beside = Path(sys.executable).parent / "novadoclint"
    return str(beside) if beside.exists() else shutil.which("novadoclint") or "novadoclint"


def source_dirs(repo: Path) -> list[Path]:
    """The folders at the shallowest depth holding a conf.py, test data and hidden folders aside."""
    found: dict[int, list[Path]] = {}
    for folder, subdirs, files in os.walk(repo):
        here = Path(folder)
        depth = len(here.relative_to(repo).parts)
        if found and depth > min(found):
            subdirs.clear()
            continue
        subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and d not in SKIP)
        if "conf.py" in files:
            found.setdefault(depth, []).append(here)
    return sorted(found[min(found)]) if found else []


def repositories(forests: list[Path]) -> Iterator[Path]:
    for forest in forests:
        yield from sorted(p for p in forest.iterdir() if p.is_dir() and not p.name.startswith("."))


def lint(srcdir: Path, jobs: int | None, select: str | None) -> TreeResult:
    cmd = [novadoclint(), "--no-cache", "--format", "json", str(srcdir)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    if select:
        cmd += ["--select", select]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    result = TreeResult(srcdir, seconds=time.perf_counter() - start, exit_code=done.returncode)
    if done.returncode not in (0, 1):
        tail = done.stderr.strip().splitlines()[-1:] or ["no message"]
        print(f"  {srcdir}: exit {done.returncode}: {tail[0]}", file=sys.stderr)
        return result
    report = json.loads(done.stdout)
    result.files = report["summary"]["files"]
    result.findings = report["findings"]
    for finding in report["findings"]:
        result.by_severity[finding["severity"]] += 1
        result.by_rule[(finding["rule"], finding["severity"])] += 1
    return result


def show(result: TreeResult, base: Path) -> None:
    counts = ", ".join(f"{result.by_severity[s]} {s}" for s in SEVERITIES)
    try:
        name = result.srcdir.relative_to(base)
    except ValueError:
        name = result.srcdir
    print(f"{name}: {result.files} files, {result.seconds:.1f} s, {counts}")
    for (rule, severity), count in sorted(result.by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"    {count:6d}  {severity:7s} {rule}")


def write_findings(result: TreeResult, repo: Path, folder: Path) -> None:
    """One file per tree, named after its path, holding only what must not change."""
    name = "_".join((repo.name, *result.srcdir.relative_to(repo).parts)) + ".json"
    folder.mkdir(parents=True, exist_ok=True)
    data = {"exit_code": result.exit_code, "files": result.files, "findings": result.findings}
    (folder / name).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("forests", nargs="*", type=Path)
    parser.add_argument("--jobs", type=int, help="passed to novadoclint")
    parser.add_argument("--select", help="passed to novadoclint (default: the default rules)")
    parser.add_argument("--json", type=Path, help="also write the counts as JSON to this file")
    parser.add_argument("--findings", type=Path, help="also write each tree's findings here")
    args = parser.parse_args(argv)
    forests = args.forests or [p for p in (SHARED / "forest", SHARED / "corpus") if p.is_dir()]
    results: list[TreeResult] = []
    for repo in repositories(forests):
        for srcdir in source_dirs(repo):
            results.append(lint(srcdir, args.jobs, args.select))
            show(results[-1], repo.parent)
            if args.findings:
                write_findings(results[-1], repo, args.findings)
    total = Counter[str]()
    for result in results:
        total.update(result.by_severity)
    files = sum(r.files for r in results)
    seconds = sum(r.seconds for r in results)
    counts = ", ".join(f"{total[s]} {s}" for s in SEVERITIES)
    print(f"summary: {len(results)} trees, {files} files, {seconds:.1f} s, {counts}")
    if args.json:
        data = [
            {
                "srcdir": str(r.srcdir),
                "files": r.files,
                "seconds": round(r.seconds, 2),
                "by_severity": dict(r.by_severity),
                "by_rule": {f"{rule} ({sev})": n for (rule, sev), n in sorted(r.by_rule.items())},
            }
            for r in results
        ]
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
