"""D001's linear check gives doc8's CheckMaxLineLength findings, line for line.

(And D002's and D003's prefilters pass every line doc8's checks report.)

doc8's own check (the one D001 ran before) and checks/style.py's are run on the
same doctrees and lines: every fixture document and hand-made near misses, at
several limits, with and without allow-long-titles. bench/cpu.py compares the
JSON findings on the corpus and forest trees.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from doc8 import checks as doc8_checks
from docutils import nodes

from novadoclint import parse
from novadoclint.checks.style import (
    LINE_CHECK_CAN_FIRE,
    _checks,
    _doc8_directive_lines,
    _doc8_long_lines,
)
from novadoclint.settings import Doc8Options

from harness import FIXTURES

LONG = "word " * 30

SAMPLES = {
    "plain": f"Title\n=====\n\n{LONG}\n\nshort\n",
    "no-space": "x" * 120 + "\n\n  " + "y" * 120 + "\n",
    "url": f"see https://example.org/{'a' * 90} and more words\n\n{LONG}http://x\n",
    "literal": f"::\n\n    {LONG}\n\nText::\n\n    {LONG}\n\n{LONG}\n",
    "quoted-literal": f"Text::\n\n> {LONG}\n> {LONG}\n\n{LONG}\n",
    "directive": f".. note::\n\n   {LONG}\n\n{LONG}\n\nab cd:: {LONG}\n",
    "definition": f"{LONG}\n   its definition\n\n* {LONG}\n   x\n\n1. {LONG}\n     y\n",
    "title": f"{LONG}\n{'=' * 160}\n\n{'-' * 160}\n{LONG}\n{'-' * 160}\n\ntext\n",
    "target": f".. _{LONG}:\n\n`{LONG}`_\n\n.. _{LONG}: {LONG}\n",
    "table": f"+---+\n| a |\n+---+\n\n==== ====\n{LONG} b\n==== ====\n\n{LONG}\n",
    "messages": f"* item\n{LONG}\n\n.. unknown:: {LONG}\n\n`{LONG}\n\n{LONG}\n",
    "before-first": f"\n\n{LONG}\n\n.. |sub| replace:: {LONG}\n\n{LONG} |sub|\n",
    "blocks": f"{LONG}\n\n    {LONG}\n\n    -- {LONG}\n\n| {LONG}\n|   {LONG}\n",
    "fields": f":field: {LONG}\n:other: {LONG}\n\n-o {LONG}\n\n{LONG}\n",
    "empty": "",
}


class Doc8File:
    """What doc8's check reads of a file."""

    extension = ".rst"

    def __init__(self, text: str, document: nodes.document) -> None:
        self.text, self.document = text, document

    def lines_iter(self) -> Iterator[str]:
        for raw in self.text.encode().splitlines(True):
            yield raw.decode().removesuffix("\n").removesuffix("\r")


def _texts() -> Iterator[tuple[str, str, Path]]:
    for name, text in SAMPLES.items():
        yield name, text, Path("/tmp/sample") / f"{name}.rst"
    for path in sorted(FIXTURES.rglob("*.rst")):
        yield str(path.relative_to(FIXTURES)), path.read_text("utf-8", "replace"), path


CASES = list(_texts())


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_same_findings_as_doc8(case: tuple[str, str, Path]) -> None:
    _, text, path = case
    try:
        document = parse.parse(text, str(path), str(path.parent)).doctree
    except parse.NestedTooDeep:
        pytest.skip("not parsed")
    file = Doc8File(text, document)
    lines = list(file.lines_iter())
    for limit in (79, 40, 10):
        for titles in (True, False):
            cfg = {"max_line_length": limit, "allow_long_titles": titles, "sphinx": True}
            expected = list(doc8_checks.CheckMaxLineLength(cfg).report_iter(file))
            assert list(_doc8_long_lines(lines, document, limit, titles)) == expected


def test_samples_fire_and_miss() -> None:
    """The samples exercise both sides: lines reported and long lines exempt."""
    reported = exempt = 0
    for name, text in SAMPLES.items():
        path = Path("/tmp/sample") / f"{name}.rst"
        document = parse.parse(text, str(path), str(path.parent)).doctree
        lines = list(Doc8File(text, document).lines_iter())
        found = {n for n, _, _ in _doc8_long_lines(lines, document, 79, True)}
        reported += len(found)
        exempt += sum(1 for i, line in enumerate(lines, 1) if len(line) > 79 and i not in found)
    assert reported >= 10 and exempt >= 15


# Lines D002 and D003 must see: whitespace of every kind last, tabs anywhere.
EDGE_LINES = [
    "",
    " ",
    "\t",
    "text ",
    "text\t",
    "text\x0b",
    "text\x0c",
    "text\x1c",
    "text\x1f",
    "text\x85",
    "text\xa0",
    "text\u2028",
    "text\u3000",
    "text \u200b",
    "\u200b",
    "\ttext",
    "  \ttext",
    "text\ttext",
    "\x0b\ttext",
    "\xa0\ttext",
    "text\t ",
]


def _lines() -> Iterator[str]:
    yield from EDGE_LINES
    for _, text, _ in CASES:
        for raw in text.encode().splitlines(True):
            yield raw.decode("utf-8", "replace").removesuffix("\n").removesuffix("\r")


@pytest.mark.parametrize("code", sorted(LINE_CHECK_CAN_FIRE))
def test_line_prefilters_pass_every_line_doc8_reports(code: str) -> None:
    """checks/style.py hands doc8's line checks only the lines they can report."""
    check = _checks(Doc8Options())[code]
    can_fire = LINE_CHECK_CAN_FIRE[code]
    reported = skipped = 0
    for line in _lines():
        fires = bool(list(check.report_iter(line)))
        assert can_fire(line) or not fires, repr(line)
        reported += fires
        skipped += not can_fire(line)
    assert reported >= 8 and skipped > 1000  # both sides are exercised


def test_re_whitespace_is_str_isspace() -> None:
    """D002's prefilter reads doc8's r"\\s$" as str.isspace, for every code point."""
    pattern = re.compile(r"\s")
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert bool(pattern.match(char)) == char.isspace(), hex(code)


def _directive_lines_by_doc8s_patterns(lines: list[str]) -> list[bool]:
    """checks/style.py's _doc8_directive_lines as it was, with doc8's regexes verbatim."""
    blank, indented = re.compile(r"^(\s*)$"), re.compile(r"^(\s+)(.*)$")
    directive = (re.compile(r"^\s*..\s(.*?)::\s*"), re.compile(r"^::\s*$"))
    listed, leading = re.compile(r"^\s*(\* |- |#\. |\d+\. )"), re.compile(r"^\s*")
    count = len(lines)
    follow = [0] * (count + 1)
    for i in range(count - 1, -1, -1):
        if blank.match(lines[i]) or indented.match(lines[i]):
            follow[i] = follow[i + 1] + 1
    cover = [0] * (count + 1)
    for i, line in enumerate(lines):
        if directive[0].match(line) or directive[1].match(line):
            cover[i] += 1
            cover[i + follow[i + 1] + 1] -= 1
    widths = [len(leading.match(line).group()) for line in lines]  # type: ignore[union-attr]
    for i in range(count - 1):
        if blank.match(lines[i]) or listed.match(lines[i]):
            continue
        if widths[i] < widths[i + 1]:
            cover[i] += 1
            cover[i + 1] -= 1
    exempt, depth = [], 0
    for i in range(count):
        depth += cover[i]
        exempt.append(depth > 0)
    return exempt


def test_directive_lines_as_doc8s_patterns_find_them() -> None:
    """The string tests that stand for doc8's blank, indented, directive and indent patterns."""
    spaces = [" ", "\t", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u2003", "\u3000"]
    shapes = ["{s}", "{s}x", "x{s}", "{s}.. note::", ".. x{s}::", "{s}::", "::{s}", "x::y"]
    shapes += ["{s}* item", "{s}1. item", "..{s}a::", "{s}{s}text", ""]
    edges = [shape.format(s=s) for s in spaces for shape in shapes]
    lines = [*edges, *_lines()]
    assert _doc8_directive_lines(lines) == _directive_lines_by_doc8s_patterns(lines)
    for first in edges:  # each edge line before each other one: the indent comparisons
        pairs = [line for other in edges for line in (first, other)]
        assert _doc8_directive_lines(pairs) == _directive_lines_by_doc8s_patterns(pairs)
