"""novadoclint cold and warm against doc8, sphinx-lint and a Sphinx dummy build, in one run.

Usage: python bench/warm_vs_peers.py [SRCDIR] [--runs N] [--peers-bin DIR]
                                    [--sphinx-bin DIR] [--no-sphinx] [--warm-only]
                                    [--src [NAME=]DIR ...]

Times, on the same tree, interleaved run by run so that machine noise hits
every tool alike:

- ``cold``: ``novadoclint --no-cache`` (every file parsed);
- ``warm``: ``novadoclint`` with a primed facts cache in a temporary
  ``NOVADOCLINT_CACHE_DIR`` (nothing changed since the last run);
- ``doc8`` and ``sphinx-lint`` from ``--peers-bin`` (default ``/tmp/peers/bin``,
  a venv made with ``pip install doc8 sphinx-lint sphinx``);
- ``sphinx``: ``sphinx-build -b dummy -n -j auto -E`` from ``--sphinx-bin``
  (default: ``--peers-bin``) on a copy of the tree
  whose ``conf.py`` lists only the extensions that Python can import
  (local ``ext.*`` extensions and uninstalled ones are dropped and printed).
  The copy holds the source dir's whole repository folder (up to the folder
  above ``doc/``), so ``../../etc`` includes still resolve.

``--warm-only`` times ``warm`` and ``sphinx-lint`` alone (the warm target's
pair, a few seconds a round instead of a minute); ``--src DIR`` runs
``python -m novadoclint`` from DIR (a checkout's ``src``, or ``git archive``
unpacked) instead of the installed command. Given as ``NAME=DIR`` and repeated,
each source gets its rows (``warm-NAME``...) in the same interleaved rounds, so
that two versions are compared against one sphinx-lint under the same noise.

One untimed round first primes the facts cache, each tool's bytecode and the
page cache. Prints each median with its spread, then the ratios the targets
are about.
Figures for the notes, never assertions: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

DEFAULT_TREE = Path(__file__).resolve().parents[2] / "shared/corpus/nova-2026/doc/source"
DEFAULT_PEERS = Path("/tmp/peers/bin")


def novadoclint() -> str:
    beside = Path(sys.executable).parent / "novadoclint"
    return str(beside) if beside.exists() else shutil.which("novadoclint") or "novadoclint"


def timed(cmd: Sequence[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: findings (or, for sphinx-build -n, warnings)
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise SystemExit(f"{cmd[0]} exited with {done.returncode}: {' / '.join(tail)}")
    return elapsed


def extensions_of(conf: Path) -> list[str]:
    for node in ast.parse(conf.read_bytes()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "extensions" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            return [v for v in value if isinstance(v, str)]
    return []


def importable(python: Path, modules: Sequence[str]) -> set[str]:
    """Modules the peers' Python can import (checked there, never in this process)."""
    probe = (
        "import importlib.util, sys\n"
        "for m in sys.argv[1:]:\n"
        "    try:\n"
        "        ok = importlib.util.find_spec(m) is not None\n"
        "    except (ImportError, ValueError):\n"
        "        ok = False\n"
        "    print(m, ok)\n"
    )
    out = subprocess.run(
        [str(python), "-c", probe, *modules], capture_output=True, text=True, check=True
    ).stdout
    return {line.split()[0] for line in out.splitlines() if line.endswith(" True")}


def sphinx_copy(srcdir: Path, python: Path, workdir: Path) -> tuple[Path, list[str]]:
    """A copy of the tree Sphinx can build here: unavailable extensions dropped from conf.py."""
    repo = srcdir.parent.parent if srcdir.parent.name == "doc" else srcdir.parent
    copy = workdir / "repo"
    shutil.copytree(repo, copy, symlinks=True)
    conf = copy / srcdir.relative_to(repo) / "conf.py"
    wanted = extensions_of(conf)
    ok = importable(python, [e for e in wanted if not e.startswith("ext.")])
    dropped = [e for e in wanted if e not in ok]
    text = conf.read_text(encoding="utf-8")
    text += f"\n# bench/warm_vs_peers.py: dropped {dropped}\n"
    text += f"extensions = {[e for e in wanted if e in ok]!r}\n"
    conf.write_text(text, encoding="utf-8")
    return conf.parent, dropped


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("srcdir", nargs="?", type=Path, default=DEFAULT_TREE)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--peers-bin", type=Path, default=DEFAULT_PEERS)
    parser.add_argument("--sphinx-bin", type=Path, help="where sphinx-build is (default: peers)")
    parser.add_argument("--no-sphinx", action="store_true", help="skip the Sphinx dummy build")
    parser.add_argument(
        "--warm-only", action="store_true", help="time the warm run and sphinx-lint only"
    )
    parser.add_argument(
        "--src",
        action="append",
        default=[],
        metavar="[NAME=]DIR",
        help="run python -m novadoclint from this folder (repeat with NAME= to compare)",
    )
    args = parser.parse_args(argv)
    srcdir = args.srcdir.resolve()
    work = Path(tempfile.mkdtemp(prefix="novadoclint-peers-"))
    env = {**os.environ, "NO_COLOR": "1", "NOVADOCLINT_CACHE_DIR": str(work / "cache")}
    # The peers were pip-installed with their bytecode; let ours be written too.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    envs: dict[str, dict[str, str]] = {}  # a command's own environment (its PYTHONPATH)
    commands: dict[str, list[str]] = {}
    sources = [(n, d) if d else ("", n) for n, _, d in (s.partition("=") for s in args.src)]
    for name, folder in sources or [("", "")]:
        suffix = f"-{name}" if name else ""
        ours = [novadoclint()]
        if folder:
            ours = [sys.executable, "-m", "novadoclint"]
            envs[f"warm{suffix}"] = envs[f"cold{suffix}"] = {
                **env,
                "PYTHONPATH": str(Path(folder).resolve()),
            }
        if not args.warm_only:
            commands[f"cold{suffix}"] = [*ours, "--no-cache", str(srcdir)]
        commands[f"warm{suffix}"] = [*ours, str(srcdir)]
    for name in ("sphinx-lint",) if args.warm_only else ("doc8", "sphinx-lint"):
        exe = args.peers_bin / name
        if exe.exists():
            commands[name] = [str(exe), str(srcdir)]
        else:
            print(f"{name}: not in {args.peers_bin}, skipped")
    sphinx_bin = args.sphinx_bin or args.peers_bin
    build = sphinx_bin / "sphinx-build"
    skip_sphinx = args.no_sphinx or args.warm_only
    if not skip_sphinx and build.exists():
        copy, dropped = sphinx_copy(srcdir, sphinx_bin / "python", work)
        print(f"sphinx: building a copy without {', '.join(dropped) or 'nothing'}")
        out = work / "out"
        commands["sphinx"] = [
            *(str(build), "-b", "dummy", "-n", "-j", "auto", "-E", "-q"),
            *(str(copy), str(out), "-d", str(out / ".doctrees")),
        ]
    elif not skip_sphinx:
        print(f"sphinx-build: not in {sphinx_bin}, skipped")
    try:
        for name, cmd in commands.items():  # prime the cache, the bytecode, the page cache
            timed(cmd, envs.get(name, env), work)
            shutil.rmtree(work / "out", ignore_errors=True)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                if name == "sphinx":
                    shutil.rmtree(work / "out", ignore_errors=True)
                times[name].append(timed(cmd, envs.get(name, env), work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"tree: {srcdir}  runs: {args.runs}  cores: {os.cpu_count()}")
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        spread = f"min {min(values):.3f}, max {max(values):.3f}"
        print(f"{name:<16} median {median[name]:7.3f} s  ({spread})")
    targets = [  # issue 15's
        ("cold / doc8", "cold", "doc8", "<= 0.2"),
        ("warm / sphinx-lint", "warm", "sphinx-lint", "<= 0.5"),
        ("warm / cold", "warm", "cold", ""),
        ("cold / sphinx", "cold", "sphinx", "<= 0.1"),
        ("warm / sphinx", "warm", "sphinx", ""),
    ]
    for name, _ in sources or [("", "")]:
        suffix = f"-{name}" if name else ""
        for label, a, b, target in targets:
            a, b = (f"{x}{suffix}" if x in ("warm", "cold") else x for x in (a, b))
            if a in median and b in median:
                ratio = median[a] / median[b]
                label = label.replace("warm", f"warm{suffix}").replace("cold", f"cold{suffix}")
                print(f"{label:<24} {ratio:6.3f}  ({1 / ratio:5.1f}x)  target {target or '-'}")


if __name__ == "__main__":
    main()
