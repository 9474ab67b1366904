"""What the pre-commit hook costs on a one-file change in a real tree, with a warm cache.

Usage: python bench/precommit_warm.py [TREE_ROOT] [--runs N]

Copies the tree (default: the nova-2026 corpus) into a temporary git repository,
warms the facts cache with one full run, edits one page, then times the hook's
command (``novadoclint --changed-since HEAD``) and, for scale, a cold full lint.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_TREE = Path(__file__).resolve().parents[2] / "shared/corpus/nova-2026"
PAGE = "doc/source/admin/index.rst"


def novadoclint() -> str:
    beside = Path(sys.executable).parent / "novadoclint"
    return str(beside) if beside.exists() else "novadoclint"


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", nargs="?", default=str(DEFAULT_TREE))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        shutil.copytree(args.tree, repo)
        env = {
            **os.environ,
            "NOVADOCLINT_CACHE_DIR": str(Path(tmp) / "cache"),
            "GIT_AUTHOR_NAME": "bench",
            "GIT_AUTHOR_EMAIL": "bench@example.org",
            "GIT_COMMITTER_NAME": "bench",
            "GIT_COMMITTER_EMAIL": "bench@example.org",
        }
        for cmd in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-qm", "x"]):
            subprocess.run(cmd, cwd=repo, env=env, check=True)
        tool = novadoclint()
        cold = run([tool, "--no-cache", "doc/source"], repo, env)
        run([tool, "doc/source"], repo, env)  # warm the cache
        page = repo / PAGE
        original = page.read_text(encoding="utf-8")
        times = []
        for i in range(args.runs):
            page.write_text(original + f"\nEdited {i}: see :doc:`/index`.\n", encoding="utf-8")
            times.append(run([tool, "--changed-since", "HEAD"], repo, env))
        warm_full = run([tool, "doc/source"], repo, env)
    hook = statistics.median(times)
    print(f"tree: {args.tree}  runs: {args.runs}  cores: {os.cpu_count()}")
    print(f"cold full lint (--no-cache):         {cold:6.2f} s")
    print(f"warm full lint:                      {warm_full:6.2f} s")
    print(f"hook, one file changed (median):     {hook:6.2f} s  (min {min(times):.2f})")
    print(f"hook / cold: {hook / cold:.2f}  ({cold / hook:.1f}x faster)")


if __name__ == "__main__":
    main()
