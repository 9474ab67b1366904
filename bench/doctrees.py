"""Doctrees with and without parse.lazy_states on real trees: they must be the same.

Usage: python bench/doctrees.py TREE [TREE ...]

Lints each tree in this process (``--no-cache --jobs 1``) twice, once with
docutils' transition tables built lazily (novadoclint's default) and once with
docutils' own eager State.__init__, recording every parse: the doctree's
pformat, the messages and the dependencies. Prints the documents compared per
tree and each one that differs; exit 1 if any does. tests/test_parse_reuse.py
checks the same on the fixtures.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any

from novadoclint import cli, parse


def record(tree: str) -> dict[str, tuple[Any, ...]]:
    seen: dict[str, tuple[Any, ...]] = {}
    original = parse.parse

    def recording(*args: Any, **kwargs: Any) -> parse.Parsed:
        parsed = original(*args, **kwargs)
        key = f"{args[1]}#{len(seen)}"
        seen[key] = (parsed.doctree.pformat(), parsed.messages, parsed.dependencies)
        return parsed

    parse.parse = recording  # type: ignore[assignment]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "report.json")
            cli.main(["--no-cache", "--jobs", "1", "--format", "json", "-o", out, tree])
    finally:
        parse.parse = original  # type: ignore[assignment]
    return seen


def main(trees: list[str]) -> int:
    status = 0
    for tree in trees:
        assert parse.lazy_states(True), "lazy states unavailable on this docutils"
        lazy = record(tree)
        parse.lazy_states(False)
        eager = record(tree)
        parse.lazy_states(True)
        differ = [key for key in lazy.keys() | eager.keys() if lazy.get(key) != eager.get(key)]
        print(f"{len(lazy)} documents, {len(differ)} differ  {tree}")
        for key in sorted(differ):
            print("  differs:", key)
        status |= bool(differ)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
