"""CPU time of a cold lint, two source checkouts side by side, and their findings compared.

Usage: python bench/cpu.py --src NAME=DIR [--src NAME=DIR ...] [--runs N] [--jobs J]
                           [--out DIR] [--args "..."] [--warm] TREE [TREE ...]

Each ``--src`` is a folder holding the ``novadoclint`` package (a checkout's
``src``, or ``git archive REV src`` unpacked), run as ``python -m novadoclint``
with that folder first on ``PYTHONPATH``. Runs are interleaved (every source on
every tree, then again), cold (``--no-cache``), or with ``--warm`` on a facts
cache primed first per source and tree (under ``--out``), and timed as CPU time
(user + sys of the process and its pool workers, ``RUSAGE_CHILDREN``), which a
busy shared machine bends far less than wall time. One untimed run of
each source on each tree comes first, byte-compiling what it imports into
``--out``'s pycache (``PYTHONPYCACHEPREFIX``, even where
``PYTHONDONTWRITEBYTECODE`` is set): an installed package runs from its
``.pyc`` files, and compiling ~100 modules on every run (~0.2 s) is no cost of
the code measured. Printed: the median CPU
seconds per source and tree, the ratio of each source to the first, and whether
the JSON reports are byte-identical to the first source's (the check that a
speed change changed no finding). Exit 1 when any report differs.
Figures for the notes, never assertions: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def cpu_run(
    src: str,
    tree: str,
    out: Path,
    jobs: int,
    extra: list[str],
    cache: Path | None = None,
    pycache: Path | None = None,
) -> tuple[float, float]:
    """(CPU seconds of the run's process tree, wall seconds); the JSON report in ``out``.

    Cold (``--no-cache``) unless ``cache`` names a facts cache folder to use.
    """
    env = bytecode_env(src, pycache or out.parent / "pycache")
    cmd = [sys.executable, "-m", "novadoclint", "--jobs", str(jobs)]
    if cache is None:
        cmd.append("--no-cache")
    else:
        env["NOVADOCLINT_CACHE_DIR"] = str(cache)
    cmd += ["--format", "json", "-o", str(out), *extra, tree]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{src} on {tree}: exit {done.returncode}\n{done.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def bytecode_env(src: str, pycache: Path) -> dict[str, str]:
    """The environment a run of ``src`` gets: its bytecode kept in ``pycache``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=src, PYTHONPYCACHEPREFIX=str(pycache))
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="+")
    parser.add_argument("--src", action="append", required=True, help="NAME=DIR")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", default="/tmp/novadoclint-bench-cpu")
    parser.add_argument("--args", default="", help="more novadoclint options, one string")
    parser.add_argument("--warm", action="store_true", help="time runs on a primed cache")
    args = parser.parse_args()
    sources = [tuple(s.split("=", 1)) for s in args.src]
    extra = shlex.split(args.args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pycache = out / "pycache"
    for tree in args.trees:  # untimed: compiles what each source imports on each tree
        for _, src in sources:
            cpu_run(src, tree, out / "warmup.json", args.jobs, extra, None, pycache)
    times: dict[tuple[str, str], list[float]] = {}
    walls: dict[tuple[str, str], list[float]] = {}
    caches: dict[tuple[str, str], Path | None] = {}
    for tree in args.trees:
        for name, src in sources:
            if not args.warm:
                caches[(name, tree)] = None
                continue
            primed = caches[(name, tree)] = out / "caches" / f"{name}-{len(caches)}"
            shutil.rmtree(primed, ignore_errors=True)  # primed afresh
            cpu_run(src, tree, out / "prime.json", args.jobs, extra, primed, pycache)
    for run in range(args.runs):
        for tree in args.trees:
            for name, src in sources:
                report = out / name / (tree.strip("/").replace("/", "_") + ".json")
                report.parent.mkdir(parents=True, exist_ok=True)
                cache = caches[(name, tree)]
                cpu, wall = cpu_run(src, tree, report, args.jobs, extra, cache, pycache)
                times.setdefault((name, tree), []).append(cpu)
                walls.setdefault((name, tree), []).append(wall)
                print(f"run {run + 1} {name:>8} {cpu:7.2f} s CPU {wall:7.2f} s wall  {tree}")
    status = 0
    first = sources[0][0]
    kind = "warm" if args.warm else "cold"
    print(
        f"\nmedian CPU seconds ({args.runs} {kind} runs, --jobs {args.jobs}); ratio to {first};"
        " median wall seconds"
    )
    for tree in args.trees:
        base = statistics.median(times[(first, tree)])
        cells = []
        for name, _ in sources:
            median = statistics.median(times[(name, tree)])
            report = out / name / (tree.strip("/").replace("/", "_") + ".json")
            reference = out / first / report.name
            same = report.read_bytes() == reference.read_bytes()
            status |= not same
            mark = "" if same else " DIFFERENT FINDINGS"
            wall = statistics.median(walls[(name, tree)])
            cells.append(f"{name} {median:6.2f} ({median / base:.2f}) {wall:5.2f} wall{mark}")
        print("  ".join(cells), " ", tree)
    return status


if __name__ == "__main__":
    sys.exit(main())
