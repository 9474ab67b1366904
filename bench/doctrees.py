"""Doctrees on real trees, two ways of parsing compared: they must be the same.

Usage: python bench/doctrees.py TREE [TREE ...]
       python bench/doctrees.py --against SRC TREE [TREE ...]

Lints each tree (``--no-cache --jobs 1``) recording every parse: the doctree's
pformat, the messages and the dependencies. By default twice in this process,
once with docutils' transition tables built lazily (novadoclint's default) and
once with docutils' own eager State.__init__. With ``--against SRC`` (a folder
holding another ``novadoclint`` package, ``git archive REV src`` unpacked), the
tree is linted once by this checkout and once by SRC in a subprocess: every
change to how documents are parsed (and to what a parse leaves behind for the
next) is checked against the code before it. Prints the documents compared per
tree and each one that differs; exit 1 if any does. tests/test_parse_reuse.py
checks the lazy tables on the fixtures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from typing import Any

from novadoclint import cli, parse

Record = dict[str, list[Any]]


def record(tree: str) -> Record:
    seen: Record = {}
    original = parse.parse

    def recording(*args: Any, **kwargs: Any) -> parse.Parsed:
        parsed = original(*args, **kwargs)
        key = f"{args[1]}#{len(seen)}"
        messages = [[m.level, m.text, m.source, m.line] for m in parsed.messages]
        seen[key] = [parsed.doctree.pformat(), messages, list(parsed.dependencies)]
        return parsed

    parse.parse = recording  # type: ignore[assignment]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "report.json")
            cli.main(["--no-cache", "--jobs", "1", "--format", "json", "-o", out, tree])
    finally:
        parse.parse = original  # type: ignore[assignment]
    return seen


def record_elsewhere(src: str, tree: str) -> Record:
    """The same records, made by the package in ``src`` (this script run with it first)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "records.json")
        env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
        cmd = [sys.executable, os.path.abspath(__file__), "--dump", out, tree]
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        with open(out, encoding="utf-8") as f:
            loaded: Record = json.load(f)
    return loaded


def compare(tree: str, ours: Record, theirs: Record) -> int:
    differ = [key for key in ours.keys() | theirs.keys() if ours.get(key) != theirs.get(key)]
    print(f"{len(ours)} documents, {len(differ)} differ  {tree}")
    for key in sorted(differ):
        print("  differs:", key)
    return bool(differ)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="+")
    parser.add_argument("--against", help="a folder holding another novadoclint package")
    parser.add_argument("--dump", help=argparse.SUPPRESS)  # record one tree as JSON
    args = parser.parse_args()
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as f:
            json.dump(record(args.trees[0]), f)
        return 0
    status = 0
    if not args.against:  # only this checkout has it: the --against run records with SRC's own
        from novadoclint import docutils_speedups
    for tree in args.trees:
        if args.against:
            status |= compare(tree, record(tree), record_elsewhere(args.against, tree))
            continue
        assert docutils_speedups.lazy_states(True), "lazy states unavailable on this docutils"
        lazy = record(tree)
        docutils_speedups.lazy_states(False)
        eager = record(tree)
        docutils_speedups.lazy_states(True)
        status |= compare(tree, lazy, eager)
    return status


if __name__ == "__main__":
    sys.exit(main())
