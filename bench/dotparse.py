"""pydot's grammar with and without the fast comment skip of languages.diagrams.dot.

Usage: python bench/dotparse.py TREE [TREE ...]

Lints the trees in this process (``--no-cache --jobs 1``), keeping every DOT
source diagram-syntax parses, then parses them all with pyparsing's own comment
skip and with dot._dot_fast_comments, interleaved three times: prints
the CPU seconds of each and whether the outcomes (the graphs' DOT text, or the
error, its message, position and the deepest error diagram-syntax reports)
are the same. Exit 1 if any differs. tests/test_diagramcheck.py checks the same
on hand-made sources and the fixtures' graphs.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from typing import Any

from novadoclint import cli
from novadoclint.languages.diagrams import dot


def sources(trees: list[str]) -> list[str]:
    found: list[str] = []
    original = dot._dot_parse_once

    def recording(parsed: str) -> tuple[str, Any]:
        found.append(parsed)
        return original(parsed)

    dot._dot_parse_once = recording  # type: ignore[assignment]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "report.json")
            for tree in trees:
                cli.main(["--no-cache", "--jobs", "1", "--format", "json", "-o", out, tree])
    finally:
        dot._dot_parse_once = original  # type: ignore[assignment]
    return list(dict.fromkeys(found))


def outcomes(texts: list[str]) -> tuple[list[Any], float]:
    dot._dot_parse_once.cache_clear()
    found: list[Any] = []
    start = time.process_time()
    for text in texts:
        outcome, value = dot._dot_parse_once(text)
        if outcome == "ok":
            found.append([graph.to_string() for graph in value])
        elif hasattr(value, "loc"):
            deepest = dot._dot_deepest_error(text, value)
            found.append((type(value).__name__, str(value), value.loc, deepest))
        else:
            found.append((type(value).__name__, str(value)))
    return found, time.process_time() - start


def main(trees: list[str]) -> int:
    texts = sources(trees)
    print(f"{len(texts)} distinct DOT sources, {sum(map(len, texts))} characters")
    status = 0
    for run in range(3):
        dot._dot_fast_comments(False)
        slow, slow_time = outcomes(texts)
        on = dot._dot_fast_comments(True)
        fast, fast_time = outcomes(texts)
        same = slow == fast
        status |= not same
        state = "on" if on else "off"
        print(
            f"run {run + 1}: pyparsing's skip {slow_time:.2f} s, fast skip ({state})"
            f" {fast_time:.2f} s CPU; outcomes {'the same' if same else 'DIFFER'}"
        )
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
