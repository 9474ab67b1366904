"""A pooled cold run's critical path in CPU seconds: what its wall time is on two idle cores.

Usage: python bench/critical_path.py [--runs N] [--jobs J] [--empty-cache] [--src NAME=DIR ...]
                                    [TREE]

Runs ``novadoclint --no-cache --jobs J`` (default 2; with ``--empty-cache``, a run that
writes the facts cache into a fresh empty folder instead) in a child process per run
and source, interleaved, and reads from inside it, as CPU time (``time.process_time``,
which a busy shared machine bends far less than wall time):

- ``before``: the parent until the pool starts (imports, the project, the vocabulary,
  the tasks' plan);
- ``workers``: each worker's CPU until it finished its last task (``longest`` of them,
  and ``idle``: how much sooner the others finished, the pool's imbalance);
- ``after``: the parent from the pool's return to the end of the run (phase 2, the
  report).

``path = before + longest + after`` is the run's wall time on cores that nothing else
uses: on this shared 2-core machine, where other processes take turns on the cores,
wall time itself varies by 2-5x between runs and cannot tell 50 ms apart. Each
``--src`` is a folder holding the ``novadoclint`` package (``git archive REV src rules``
unpacked); medians per source, and the ratio to the first. Figures for the notes,
never assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT_TREE = Path(__file__).resolve().parents[2] / "shared/corpus/nova-2026/doc/source"


def one_run(tree: str, jobs: int, marks: str, empty_cache: bool) -> dict[str, Any]:
    """In this process: the instrumented run; each worker appends its CPU to ``marks``."""
    from novadoclint import cli, workers

    chunk = workers.work_chunk
    run_pool = workers.run_pool

    def timed_chunk(work: Any, items: Any) -> Any:
        done = chunk(work, items)
        with open(marks, "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()} {time.process_time()}\n")
        return done

    timed_chunk.__module__, timed_chunk.__qualname__ = chunk.__module__, chunk.__qualname__
    spans: dict[str, float] = {}

    def timed_pool(*args: Any, **kwargs: Any) -> Any:
        spans["start"] = time.process_time()
        try:
            return run_pool(*args, **kwargs)
        finally:
            spans["end"] = time.process_time()

    workers.work_chunk = timed_chunk  # type: ignore[assignment]
    workers.run_pool = timed_pool  # type: ignore[assignment]
    from novadoclint import phase1

    phase1.run_pool = timed_pool  # type: ignore[attr-defined]  # where phase1 has it by name
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "report.json")
        os.environ["NOVADOCLINT_CACHE_DIR"] = os.path.join(tmp, "cache")
        cache = [] if empty_cache else ["--no-cache"]
        cli.main([*cache, "--jobs", str(jobs), "--format", "json", "-o", out, tree])
    total = time.process_time()
    last: dict[str, float] = {}
    with open(marks, encoding="utf-8") as f:
        for line in f:
            pid, cpu = line.split()
            last[pid] = max(last.get(pid, 0.0), float(cpu))
    if "start" not in spans:
        raise SystemExit("no pool started: a tree of fewer files than a pool needs?")
    cpus = sorted(last.values())
    return {
        "before": spans["start"],
        "longest": cpus[-1],
        "idle": sum(cpus[-1] - c for c in cpus[:-1]),
        "workers": len(cpus),
        "after": total - spans["end"],
    }


def child(src: str, tree: str, jobs: int, empty_cache: bool) -> dict[str, Any]:
    """One run of ``src``'s package in a fresh interpreter (its imports counted)."""
    with tempfile.TemporaryDirectory() as tmp:
        marks = os.path.join(tmp, "marks")
        env = dict(os.environ, PYTHONPATH=src)
        cmd = [sys.executable, __file__, "--one", marks, "--jobs", str(jobs), tree]
        cmd += ["--empty-cache"] if empty_cache else []
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["path"] = result["before"] + result["longest"] + result["after"]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", nargs="?", default=str(DEFAULT_TREE))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--src", action="append", default=[], help="NAME=DIR")
    parser.add_argument("--empty-cache", action="store_true", help="write a fresh facts cache")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the instrumented run itself
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_run(args.tree, args.jobs, args.one, args.empty_cache)))
        return 0
    here = str(Path(__file__).resolve().parents[1] / "src")
    sources = [tuple(s.split("=", 1)) for s in args.src] or [("here", here)]
    for _, src in sources:  # untimed: bytecode written, the page cache warm
        child(src, args.tree, args.jobs, args.empty_cache)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in sources}
    for number in range(args.runs):
        for name, src in sources:
            run = child(src, args.tree, args.jobs, args.empty_cache)
            runs[name].append(run)
            cells = "  ".join(f"{k} {run[k]:.3f}" for k in ("before", "longest", "idle", "after"))
            print(f"run {number + 1} {name:>8}  path {run['path']:.3f}  {cells}")
    kind = "empty cache" if args.empty_cache else "--no-cache"
    print(f"\nmedian CPU seconds of {args.runs} runs, --jobs {args.jobs}, {kind}  {args.tree}")
    first = statistics.median(r["path"] for r in runs[sources[0][0]])
    for name, _ in sources:
        keys = ("path", "before", "longest", "idle", "after")
        med = {k: statistics.median(r[k] for r in runs[name]) for k in keys}
        cells = "  ".join(f"{k} {med[k]:.3f}" for k in keys[1:])
        print(f"{name:>8}  path {med['path']:.3f} ({med['path'] / first:.2f})  {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
