"""Where a cold run's CPU goes, stage by stage, and how far it sits above the docutils floor.

Usage: python bench/floor.py [SRCDIR] [--rounds N] [--top K] [--peers BIN_DIR]
       [--sphinx-bin BIN_DIR]

Runs phase 1 in this one process, document by document, as a ``--jobs 1 --no-cache`` run
does (:func:`novadoclint.phase1.project_context`, the same parse, collector and file rules),
and times each stage with ``time.process_time`` (CPU, so a busy machine does not bend it):

- ``read``: reading and decoding the bytes;
- ``parse``: :func:`novadoclint.parse.parse`: docutils' parser and transforms with Sphinx's
  vocabulary, the part no Sphinx-aware checker built on docutils can skip;
- ``collect``: the facts record;
- ``rules``: the file rules, with the ``--top`` costliest named;
- ``docutils``: for scale, plain ``docutils.core.publish_doctree`` of the same texts with
  docutils' defaults (Sphinx's directives and roles unknown, so reported, not run).

Each stage's figure is its best over ``--rounds`` rounds. The ``floor`` is ``parse``: a
cold run (``--jobs 1``) cannot cost less, and ``--peers`` / ``--sphinx-bin`` add doc8's and
``sphinx-build -b dummy``'s CPU (user+sys of the process tree) on a copy of the same tree, as
multiples of that floor, so a target such as "10x faster than Sphinx" can be set against what
the parse allows. Figures for the notes, never assertions.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from docutils.core import publish_doctree
from warm_vs_peers import sphinx_copy

from novadoclint import parse
from novadoclint.checks import ALL_RULES
from novadoclint.collect import collect, extlink_patterns
from novadoclint.containment import run_guarded
from novadoclint.context import ParsedDoc
from novadoclint.phase1 import document_gc, project_context, source_lines
from novadoclint.project.discover import load_project
from novadoclint.registry import Phase
from novadoclint.settings import load

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TREE = ROOT.parent / "shared" / "corpus" / "nova-2026" / "doc" / "source"


class Stopwatch:
    """CPU seconds summed per stage: ``with watch("parse"): ...``."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.process_time()
        try:
            yield
        finally:
            spent = time.process_time() - start
            self.totals[stage] = self.totals.get(stage, 0.0) + spent


def text_setting(value: object) -> str:
    return value if isinstance(value, str) else ""


def one_round(srcdir: Path) -> dict[str, float]:
    """One pass of phase 1 over the tree, each stage's CPU seconds summed over its documents."""
    project = load_project(srcdir, True)
    settings = load(srcdir, rules=ALL_RULES, overrides={"cache": False, "jobs": 1})
    ctx = project_context(project, settings)
    conf = ctx.sphinx
    language = conf.get("language") or "en"
    prolog, epilog = text_setting(conf.get("rst_prolog")), text_setting(conf.get("rst_epilog"))
    rules = [r for r in ALL_RULES if r.phase is Phase.FILE]
    watch = Stopwatch()
    with parse.namespace(ctx.vocabulary):
        for docname, path in sorted(project.docs.items()):
            if path.endswith(".md"):
                continue
            absolute = os.path.join(ctx.srcdir, path)
            with document_gc():
                with watch("read"):
                    raw = Path(absolute).read_bytes()
                    text = raw.decode("utf-8-sig", "replace")
                with watch("parse"):
                    parsed = parse.parse(
                        text, absolute, ctx.srcdir, language=language, prolog=prolog, epilog=epilog
                    )
                lines = source_lines(text)
                with watch("collect"):
                    extlinks = extlink_patterns(conf)
                    facts = collect(parsed, docname, path, ctx.srcdir, lines, extlinks=extlinks)
                doc = ParsedDoc(
                    docname, path, raw, text, lines, parsed.doctree, parsed.messages, facts, None
                )
                for rule in rules:
                    with watch("rule " + rule.id):
                        list(run_guarded(rule, path, doc, ctx))
                del parsed, doc
    return watch.totals


def plain_docutils(srcdir: Path, paths: list[str]) -> float:
    """CPU seconds of docutils' own publish_doctree over the same files, defaults only."""
    overrides = {"report_level": 5, "halt_level": 5, "file_insertion_enabled": False}
    start = time.process_time()
    for path in paths:
        text = Path(srcdir, path).read_text("utf-8", "replace")
        publish_doctree(text, source_path=str(Path(srcdir, path)), settings_overrides=overrides)
        gc.collect(1)
    return time.process_time() - start


def child_cpu(command: list[str], cwd: Path) -> float:
    """User+sys CPU seconds of a command's whole process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("srcdir", nargs="?", default=str(DEFAULT_TREE))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--top", type=int, default=10, help="costliest rules to name")
    parser.add_argument("--peers", help="folder holding doc8")
    parser.add_argument("--sphinx-bin", help="folder holding sphinx-build")
    args = parser.parse_args()
    srcdir = Path(args.srcdir).resolve()
    best: dict[str, float] = {}
    for _ in range(args.rounds):
        for key, seconds in one_round(srcdir).items():
            best[key] = min(best.get(key, seconds), seconds)
    project = load_project(srcdir, True)
    paths = sorted(p for p in project.docs.values() if not p.endswith(".md"))
    plain = min(plain_docutils(srcdir, paths) for _ in range(args.rounds))

    rule_keys = sorted((k for k in best if k.startswith("rule ")), key=lambda k: -best[k])
    rules_total = sum(best[k] for k in rule_keys)
    stages = {
        "read": best.get("read", 0.0),
        "parse": best["parse"],
        "collect": best["collect"],
        "rules": rules_total,
    }
    total = sum(stages.values())
    floor = stages["parse"]
    print(f"{srcdir}: {len(paths)} reStructuredText documents, best of {args.rounds} rounds, CPU")
    for name, seconds in stages.items():
        print(f"  {name:<10} {seconds:7.3f} s  {seconds / total:5.1%}")
    for key in rule_keys[: args.top]:
        print(f"    {key[5:]:<28} {best[key]:7.3f} s")
    print(f"  {'phase 1':<10} {total:7.3f} s  {total / floor:.2f}x the parse (the floor)")
    print(f"  {'docutils':<10} {plain:7.3f} s  plain publish_doctree, docutils' defaults")
    if args.peers or args.sphinx_bin:
        with tempfile.TemporaryDirectory() as tmp:
            peers(srcdir, Path(tmp), floor, args.peers, args.sphinx_bin)


def peers(srcdir: Path, work: Path, floor: float, doc8: str | None, sphinx: str | None) -> None:
    """novadoclint's, doc8's and Sphinx's CPU on one copy, as multiples of the floor."""
    python = Path(sphinx or doc8 or "", "python")
    copy, dropped = sphinx_copy(srcdir, python, work)
    ours = [sys.executable, "-m", "novadoclint", "--jobs", "1", "--no-cache", str(copy)]
    commands = [("novadoclint", ours)]
    if doc8:
        commands.append(("doc8", [str(Path(doc8, "doc8")), str(copy)]))
    if sphinx:
        out = work / "out"
        build = [str(Path(sphinx, "sphinx-build")), "-b", "dummy", "-n", "-E", "-q"]
        commands.append(("sphinx dummy", [*build, str(copy), str(out), "-d", str(out / "d")]))
        print(f"  (sphinx builds a copy without {', '.join(dropped) or 'nothing'})")
    for name, command in commands:
        seconds = child_cpu(command, work)
        print(f"  {name:<12} {seconds:7.3f} s CPU  {seconds / floor:5.2f}x the floor")


if __name__ == "__main__":
    main()
