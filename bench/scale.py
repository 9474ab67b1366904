"""How novadoclint's time and memory grow with the size of a doc tree.

Usage: python bench/scale.py [--sizes 1000 5000 20000] [--runs N] [--jobs J]
                             [--workdir DIR] [--warm] [--profile SIZE]

For each size, bench/gen_tree.py writes a synthetic tree shaped like nova's
(kept in --workdir and reused when it is already there), then a cold lint
(``--no-cache``) runs in a subprocess. Printed per size: median wall time,
median CPU time (user + sys of the whole process tree: a busy machine bends it
far less than wall time), peak memory of the whole process tree (parent and
pool workers, summed, sampled from /proc every 20 ms) and of the biggest single
process (getrusage), and time per page. Then the growth exponents: the log-log
slope of a least-squares fit of time and memory against pages (1.0 is linear),
and the CPU exponent of each step between two sizes (issue 15's target: at most
1.1 from 1k to 4k and from 4k to 20k). ``--profile SIZE`` runs that size once
in one process under cProfile and prints what dominates. ``--warm`` adds warm
runs (a primed facts cache: the cross-document work alone), and with
``--profile`` profiles a warm run instead.
Figures for the notes, never assertions: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import math
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_tree  # a sibling script, not a package

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def novadoclint() -> str:
    beside = Path(sys.executable).parent / "novadoclint"
    return str(beside) if beside.exists() else shutil.which("novadoclint") or "novadoclint"


def tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants, now."""
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * PAGE_SIZE
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def run_once(cmd: Sequence[str], cache: Path | None = None) -> tuple[float, int, int, float]:
    """(wall seconds, peak summed RSS of the process tree, peak RSS of one process, CPU seconds).

    CPU: user + sys of the run and its pool workers (RUSAGE_CHILDREN, before and after).
    """
    peak = 0
    done = threading.Event()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if cache is not None:
        env["NOVADOCLINT_CACHE_DIR"] = str(cache)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited with {proc.returncode}")
    return wall, peak, usage.ru_maxrss * 1024, cpu


def slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Least-squares slope of log(y) against log(x): the growth exponent."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = statistics.mean(lx), statistics.mean(ly)
    den = sum((a - mx) ** 2 for a in lx)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / den if den else 0.0


def ensure_tree(workdir: Path, n: int, profiles: Sequence[gen_tree.Profile]) -> Path:
    tree = workdir / f"tree-{n}"
    if not (tree / "conf.py").exists():
        size = gen_tree.generate(n, tree, profiles, seed=n)
        print(f"generated {n} pages ({size / 2**20:.0f} MiB) in {tree}", flush=True)
    return tree


def profile(tree: Path, *, warm: bool, top: int = 30) -> None:
    """One in-process lint under cProfile (jobs 1, so workers do not hide the work).

    Warm: after an unprofiled run that fills a temporary cache, so what is left
    is discovery, cache reads, the cross-document rules and finalising.
    """
    from novadoclint.engine import lint

    overrides = {"jobs": 1, "cache": warm, "time_budget": 0}
    with tempfile.TemporaryDirectory(prefix="novadoclint-cache-") as cache:
        os.environ["NOVADOCLINT_CACHE_DIR"] = cache
        if warm:
            lint([tree], overrides=overrides)
        profiler = cProfile.Profile()
        profiler.enable()
        lint([tree], overrides=overrides)
        profiler.disable()
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(top)
        print(out.getvalue())


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, help="passed as --jobs (default: novadoclint's)")
    parser.add_argument("--workdir", type=Path, help="where trees are kept (default: a temp dir)")
    parser.add_argument("--model", type=Path, default=gen_tree.DEFAULT_MODEL)
    parser.add_argument("--profile", type=int, metavar="SIZE", help="profile this size instead")
    parser.add_argument(
        "--warm", action="store_true", help="also time warm runs (a primed facts cache)"
    )
    args = parser.parse_args(argv)
    temp = None
    if args.workdir is None:
        temp = tempfile.TemporaryDirectory(prefix="novadoclint-scale-")
        args.workdir = Path(temp.name)
    profiles = gen_tree.measure(args.model)
    if args.profile:
        profile(ensure_tree(args.workdir, args.profile, profiles), warm=args.warm)
        return
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    print(f"cores: {os.cpu_count()}  runs: {args.runs}  jobs: {args.jobs or 'all'}")
    print(
        f"{'pages':>7} {'median s':>9} {'CPU s':>8} {'ms/page':>8} {'tree MiB':>9}"
        + f" {'max proc MiB':>13}"
        + (f" {'warm s':>8} {'warm CPU':>9} {'warm MiB':>9}" if args.warm else "")
    )
    rows: list[tuple[int, float, int, float]] = []
    warm_rows: list[tuple[int, float, int, float]] = []
    for n in args.sizes:
        tree = ensure_tree(args.workdir, n, profiles)
        cmd = [novadoclint(), "--no-cache", "--no-color", *jobs, str(tree)]
        samples = [run_once(cmd) for _ in range(args.runs)]
        wall = statistics.median(s[0] for s in samples)
        peak = max(s[1] for s in samples)
        single = max(s[2] for s in samples)
        cpu = statistics.median(s[3] for s in samples)
        rows.append((n, wall, peak, cpu))
        line = (
            f"{n:>7} {wall:9.2f} {cpu:8.2f} {1000 * wall / n:8.2f} {peak / 2**20:9.0f}"
            f" {single / 2**20:13.0f}"
        )
        if args.warm:
            cache = args.workdir / f"cache-{n}"
            warm_cmd = [c for c in cmd if c != "--no-cache"]
            run_once(warm_cmd, cache)  # fill the cache
            warm = [run_once(warm_cmd, cache) for _ in range(args.runs)]
            warm_cpu = statistics.median(w[3] for w in warm)
            warm_rows.append(
                (n, statistics.median(w[0] for w in warm), max(w[1] for w in warm), warm_cpu)
            )
            line += f" {warm_rows[-1][1]:8.2f} {warm_cpu:9.2f} {warm_rows[-1][2] / 2**20:9.0f}"
        print(line, flush=True)
    if len(rows) > 1:
        sizes = [r[0] for r in rows]
        print(f"time exponent   {slope(sizes, [r[1] for r in rows]):.2f}  (target <= 1.1)")
        print(f"CPU exponent    {slope(sizes, [r[3] for r in rows]):.2f}  (target <= 1.1)")
        print(f"memory exponent {slope(sizes, [r[2] for r in rows]):.2f}  (target <= 1.1)")
        for (a, _, _, cpu_a), (b, _, _, cpu_b) in itertools.pairwise(rows):
            step = slope([a, b], [cpu_a, cpu_b])
            print(f"CPU exponent {a} -> {b} pages: {step:.2f}  (target <= 1.1)")
    if len(warm_rows) > 1:
        sizes = [r[0] for r in warm_rows]
        print(f"warm time exponent   {slope(sizes, [r[1] for r in warm_rows]):.2f}")
        print(f"warm CPU exponent    {slope(sizes, [r[3] for r in warm_rows]):.2f}")
        print(f"warm memory exponent {slope(sizes, [r[2] for r in warm_rows]):.2f}")
    if temp is not None:
        temp.cleanup()


if __name__ == "__main__":
    main()
