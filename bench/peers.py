"""Compare novadoclint with its peers on one doc tree: what each peer finds that we do not.

Usage: python bench/peers.py [SRCDIR] [--peers-bin DIR] [--runs N] [--full]

Runs doc8, sphinx-lint, rstcheck and restructuredtext-lint (rst-lint) where
they are installed (in ``--peers-bin``, else next to this Python, else on
PATH; nothing is installed here), and novadoclint on the same tree. For each
peer it prints how many of its findings novadoclint also reports (same file,
line within 1) and lists the others, grouped by message, so that each can be
judged a real problem we miss or a false positive. Wall times of every tool,
measured in the same run, are printed with their ratio to novadoclint's
without its cache (``--no-cache``), and novadoclint's with a warm cache
(a private cache folder, filled by a first run). Figures for notes, never
assertions.

Each peer runs as a maintainer would run it by hand: its defaults, plus
sphinx-lint's ``default-role`` check, which nova enables.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TREE = Path(__file__).resolve().parents[2] / "shared/corpus/nova-2026/doc/source"
LINE_SLACK = 1


@dataclass(frozen=True, order=True)
class Finding:
    path: str  # relative to the source dir, posix
    line: int
    message: str


@dataclass(frozen=True)
class Peer:
    name: str
    executable: str  # looked up in --peers-bin, next to this Python, then on PATH
    arguments: Callable[[Path], list[str]]
    parse: Callable[[str, Path], list[Finding]]
    cwd: Callable[[Path], Path] = lambda srcdir: srcdir


def _relative(path: str, srcdir: Path, cwd: Path) -> str:
    full = (cwd / path).resolve()
    try:
        return full.relative_to(srcdir.resolve()).as_posix()
    except ValueError:
        return os.path.relpath(full, srcdir.resolve()).replace(os.sep, "/")


def _parse_lines(
    pattern: re.Pattern[str], cwd: Callable[[Path], Path]
) -> Callable[[str, Path], list[Finding]]:
    """A parser for one-finding-per-line output; continuation lines join the message."""

    def parse(output: str, srcdir: Path) -> list[Finding]:
        found: list[Finding] = []
        for line in output.splitlines():
            match = pattern.match(line)
            if match:
                path = _relative(match.group("path"), srcdir, cwd(srcdir))
                message = match.group("message").strip()
                found.append(Finding(path, int(match.group("line")), message))
            elif line.startswith(SUMMARY):
                break  # the tool's summary: no more findings
            elif found and line.strip() and not line.startswith(LOGGING):
                last = found.pop()  # a message on several lines
                found.append(Finding(last.path, last.line, f"{last.message} {line.strip()}"))
        return found

    return parse


SUMMARY = ("====", "Error! Issues detected", "Success!", "No problems found", "Total ")
LOGGING = ("WARNING:", "INFO:", "DEBUG:", "ERROR:")
SPHINX_LINT_RE = re.compile(r"^(?P<path>[^:\s][^:]*):(?P<line>\d+): (?P<message>.*)$")
DOC8_RE = re.compile(r"^(?P<path>[^:\s][^:]*):(?P<line>\d+): (?P<message>D\d{3} .*)$")
RSTCHECK_RE = re.compile(r"^(?P<path>[^:\s][^:]*):(?P<line>\d+): (?P<message>\([A-Z]+/\d\) .*)$")
RST_LINT_RE = re.compile(
    r"^(?P<level>INFO|WARNING|ERROR|SEVERE) (?P<path>[^:\s][^:]*):(?P<line>\d+) (?P<message>.*)$"
)


def _rst_lint_parse(output: str, srcdir: Path) -> list[Finding]:
    found: list[Finding] = []
    for line in output.splitlines():
        match = RST_LINT_RE.match(line)
        if match:
            path = _relative(match.group("path"), srcdir, srcdir)
            message = f"{match.group('level')} {match.group('message').strip()}"
            found.append(Finding(path, int(match.group("line")), message))
        elif found and line.strip():
            last = found.pop()
            found.append(Finding(last.path, last.line, f"{last.message} {line.strip()}"))
    return found


PEERS = (
    Peer(
        "sphinx-lint",
        "sphinx-lint",
        lambda srcdir: ["--enable", "default-role", str(srcdir)],
        _parse_lines(SPHINX_LINT_RE, lambda srcdir: srcdir),
    ),
    Peer(
        "doc8",
        "doc8",
        lambda srcdir: [str(srcdir)],
        _parse_lines(DOC8_RE, lambda srcdir: srcdir),
    ),
    Peer(
        "rstcheck",
        "rstcheck",
        lambda srcdir: ["--recursive", str(srcdir)],
        _parse_lines(RSTCHECK_RE, lambda srcdir: srcdir),
    ),
    Peer("rst-lint", "rst-lint", lambda srcdir: [str(srcdir)], _rst_lint_parse),
)


def find_tool(name: str, peers_bin: Path | None) -> str | None:
    for folder in (peers_bin, Path(sys.executable).parent):
        if folder is not None and (folder / name).is_file():
            return str(folder / name)
    return shutil.which(name)


def run(cmd: list[str], cwd: Path, runs: int) -> tuple[list[str], list[float]]:
    """The tool's stdout and stderr (each parsed on its own), and its wall times."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONWARNINGS": "ignore"}
    times: list[float] = []
    output: list[str] = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, check=False)
        times.append(time.perf_counter() - start)
        output = [done.stdout, done.stderr]
    return output, times


def novadoclint_findings(srcdir: Path, runs: int, extra: list[str]) -> tuple[list[Finding], float]:
    cmd = [sys.executable, "-m", "novadoclint", "--format", "json", "--no-cache", *extra, "."]
    env = {**os.environ, "NO_COLOR": "1"}
    times, data = [], {}
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=srcdir, capture_output=True, text=True, env=env, check=False)
        times.append(time.perf_counter() - start)
        data = json.loads(done.stdout or "{}")
    found = [
        Finding(_relative(f["path"], srcdir, srcdir), int(f["line"]), f"{f['rule']} {f['message']}")
        for f in data.get("findings", [])
    ]
    return found, statistics.median(times)


def novadoclint_warm(srcdir: Path, runs: int, extra: list[str]) -> float:
    """Wall time of a run whose cache a first run filled (a private cache folder)."""
    cmd = [sys.executable, "-m", "novadoclint", "--format", "json", *extra, "."]
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NO_COLOR": "1", "NOVADOCLINT_CACHE_DIR": cache}
        subprocess.run(cmd, cwd=srcdir, capture_output=True, env=env, check=False)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(cmd, cwd=srcdir, capture_output=True, env=env, check=False)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def matched(finding: Finding, ours: dict[str, set[int]]) -> bool:
    lines = ours.get(finding.path, set())
    return any(finding.line + d in lines for d in range(-LINE_SLACK, LINE_SLACK + 1))


def group(findings: Iterable[Finding]) -> list[tuple[str, list[Finding]]]:
    by_message: dict[str, list[Finding]] = {}
    for f in sorted(findings):
        by_message.setdefault(f.message, []).append(f)
    return sorted(by_message.items(), key=lambda item: (-len(item[1]), item[0]))


def report(name: str, theirs: list[Finding], ours: dict[str, set[int]], *, full: bool) -> None:
    missed = [f for f in theirs if not matched(f, ours)]
    print(
        f"\n## {name}: {len(theirs)} findings, {len(theirs) - len(missed)} also reported by "
        f"novadoclint, {len(missed)} not"
    )
    if full:
        for f in sorted(missed):
            print(f"  {f.path}:{f.line}: {f.message}")
        return
    for message, places in group(missed):
        where = ", ".join(f"{f.path}:{f.line}" for f in places)
        print(f"  {len(places):>4}x {message}\n        {where}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("srcdir", nargs="?", default=str(DEFAULT_TREE))
    parser.add_argument("--peers-bin", type=Path, help="folder holding the peers' executables")
    parser.add_argument("--runs", type=int, default=1, help="runs per tool for the wall time")
    parser.add_argument("--full", action="store_true", help="one line per unmatched finding")
    parser.add_argument(
        "--novadoclint-args", default="", help="extra novadoclint options, e.g. '--select all'"
    )
    args = parser.parse_args()
    srcdir = Path(args.srcdir).resolve()
    ours, base = novadoclint_findings(srcdir, args.runs, args.novadoclint_args.split())
    by_file: dict[str, set[int]] = {}
    for f in ours:
        by_file.setdefault(f.path, set()).add(f.line)
    print(f"tree: {srcdir}  cores: {os.cpu_count()}  runs per tool: {args.runs}")
    timings = [("novadoclint", base)]
    warm = novadoclint_warm(srcdir, args.runs, args.novadoclint_args.split())
    print(f"novadoclint: {len(ours)} findings")
    for peer in PEERS:
        executable = find_tool(peer.executable, args.peers_bin)
        if executable is None:
            print(f"\n## {peer.name}: not installed, skipped")
            continue
        output, times = run([executable, *peer.arguments(srcdir)], peer.cwd(srcdir), args.runs)
        timings.append((peer.name, statistics.median(times)))
        theirs = [f for stream in output for f in peer.parse(stream, srcdir)]
        report(peer.name, theirs, by_file, full=args.full)
    print("\n## wall time (median), ratio to novadoclint without its cache")
    for name, seconds in timings:
        print(f"  {name:<12} {seconds:6.2f} s  {seconds / base:5.2f}x")
    print(f"  novadoclint with a warm cache: {warm:.2f} s  {warm / base:5.2f}x")


if __name__ == "__main__":
    main()
