"""languages.diagrams.ranges.collapse writes what pyparsing's range collapse writes.

pydot's grammar is built with it (optional.import_optional installs it before
pydot is imported); a difference would change the grammar's regular
expressions or its names, and with them diagram-syntax's messages.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from novadoclint.languages.diagrams import optional, ranges

pyparsing = pytest.importorskip("pyparsing")
util = pytest.importorskip("pyparsing.util")
core = pytest.importorskip("pyparsing.core")

EDGES = [
    "",
    "a",
    "ab",
    "ba",
    "ac",
    "aaa",
    "abc",
    "cab",
    "fdgeh",
    "jklnpqrtu",
    "jklnpqrjjjtu",
    "ab c",
    "acde[]-",
    "\\^-][",
    "]^",
    "\x00",
    "\x00\x01",
    "\x00\x02",
    "\x00\x01\x02",
    "\x01\x03\x04\x05",
    "\x00\x01\x03",
    "az",
    "xyz{|}",
    "\U0001f600\U0001f601\U0001f602",
    "\uffff\U00010000\U00010001",
]


def pyparsing_own() -> Any:
    """pyparsing's function, whether or not ranges.install() replaced it."""
    return ranges._installed[0] if ranges._installed else util._collapse_string_to_ranges


def unicode_sets() -> Iterator[str]:
    """Every character set pyparsing's Unicode classes offer (pydot uses the BMP's alphanums)."""
    for name in ("BasicMultilingualPlane", "Latin1", "LatinA", "Greek", "Cyrillic", "CJK"):
        charset = getattr(pyparsing.unicode, name)
        for attribute in ("printables", "alphas", "nums", "alphanums", "identchars"):
            yield getattr(charset, attribute)
    yield pyparsing.unicode.BasicMultilingualPlane.alphanums + "_."
    yield pyparsing.printables


@pytest.mark.parametrize("re_escape", [True, False])
def test_edges_are_collapsed_as_pyparsing_does(re_escape: bool) -> None:
    own = pyparsing_own()
    for text in EDGES:
        for given in (text, set(text), list(text), tuple(reversed(text))):
            assert ranges.collapse(given, re_escape) == own(given, re_escape), repr(given)
    assert ranges.collapse("acde[]-") == r"\-\[\]ac-e"  # pyparsing's docstring example


@pytest.mark.parametrize("re_escape", [True, False])
def test_unicode_sets_are_collapsed_as_pyparsing_does(re_escape: bool) -> None:
    own = pyparsing_own()
    for chars in unicode_sets():
        assert ranges.collapse(chars, re_escape) == own(chars, re_escape)
        assert ranges.collapse(set(chars), re_escape) == own(set(chars), re_escape)


def test_random_sets_are_collapsed_as_pyparsing_does() -> None:
    own = pyparsing_own()
    rng = random.Random(15)
    for _ in range(2000):
        span = rng.choice([8, 64, 300, 70_000])
        base = rng.randrange(0, 0x10FFFF - span)
        text = "".join(chr(base + rng.randrange(span)) for _ in range(rng.randrange(1, 60)))
        escape = rng.random() < 0.5
        assert ranges.collapse(text, escape) == own(text, escape), repr(text)


def _words() -> list[Any]:
    chars = pyparsing.unicode.BasicMultilingualPlane.alphanums + "_."
    return [
        pyparsing.Word(chars),  # pydot's identifier
        pyparsing.Word("ab", chars),
        pyparsing.Word(pyparsing.alphas, pyparsing.alphanums + "-", min=2),
        pyparsing.Word(pyparsing.nums, exact=3),
        pyparsing.CharsNotIn("]^-[\\"),
    ]


def test_words_are_the_same_built_either_way() -> None:
    """The same regular expressions and the same names (diagram-syntax's messages)."""
    assert ranges.install(), "the checked pyparsing release should use the fast collapse"
    fast = _words()
    ranges.uninstall()
    try:
        slow = _words()
    finally:
        assert ranges.install()
    for quick, own in zip(fast, slow, strict=True):
        assert getattr(quick, "reString", None) == getattr(own, "reString", None)
        assert str(quick) == str(own)
    assert str(fast[1]).startswith("W:(ab, ")


def test_pydot_grammar_is_built_with_it() -> None:
    pytest.importorskip("pydot")
    assert optional.import_optional("pydot.dot_parser") is not None
    assert ranges._installed
    assert core._collapse_string_to_ranges is ranges.collapse


def test_another_release_keeps_pyparsing_own(monkeypatch: pytest.MonkeyPatch) -> None:
    ranges.uninstall()
    try:
        monkeypatch.setattr(pyparsing, "__version__", "3.4.0")
        assert ranges.install() is False
        assert core._collapse_string_to_ranges is not ranges.collapse
        monkeypatch.undo()
        monkeypatch.setattr(util, "_collapse_string_to_ranges", lambda s, re_escape=True: "")
        assert ranges.install() is False  # not the function that was checked
    finally:
        monkeypatch.undo()
        assert ranges.install() is True
