"""Time a full lint of a doc tree with novadoclint and with doc8, in one run.

Usage: python bench/lint_vs_doc8.py [SRCDIR] [--runs N]

Prints the median wall time of each over N runs and their ratio. Peers found
on PATH (or next to this Python) are run; nothing is installed. Timings are
figures for the note, never assertions: the machines are noisy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_TREE = Path(__file__).resolve().parents[2] / "shared/corpus/nova-2026/doc/source"


def tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def timed(cmd: list[str], runs: int, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("srcdir", nargs="?", default=str(DEFAULT_TREE))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "NO_COLOR": "1"}
    commands = {
        "novadoclint": [tool("novadoclint") or "novadoclint", "--no-cache", args.srcdir],
        "doc8": [tool("doc8") or "doc8", args.srcdir],
        "sphinx-lint": [tool("sphinx-lint") or "sphinx-lint", args.srcdir],
    }
    if (
        "--no-cache"
        not in subprocess.run(
            [commands["novadoclint"][0], "--help"], capture_output=True, text=True
        ).stdout
    ):
        commands["novadoclint"].remove("--no-cache")
    results: dict[str, float] = {}
    print(f"tree: {args.srcdir}  runs: {args.runs}  cores: {os.cpu_count()}")
    for name, cmd in commands.items():
        if shutil.which(cmd[0]) is None and not Path(cmd[0]).exists():
            print(f"{name:<12} not installed, skipped")
            continue
        times = timed(cmd, args.runs, env)
        results[name] = statistics.median(times)
        print(
            f"{name:<12} median {results[name]:6.2f} s"
            f"  (min {min(times):.2f}, max {max(times):.2f})"
        )
    base = results.get("novadoclint")
    if base:
        for name, value in results.items():
            if name != "novadoclint":
                print(f"novadoclint / {name}: {base / value:.2f}  ({value / base:.1f}x faster)")


if __name__ == "__main__":
    main()
