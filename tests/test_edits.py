"""Fixes as values: a replacement placed by line and column, refused where the text differs."""

from __future__ import annotations

from novadoclint.edits import Edit, Fix, FixSafety, line_starts, replace_at

TEXT = "Title\r\n=====\r\n\nSee :ref:label and\tmore.\n"


def test_line_starts_count_only_newlines() -> None:
    assert line_starts(TEXT) == [0, 7, 14, 15, 40]
    assert line_starts("") == [0]


def test_replace_at_places_the_edit_by_line_and_column() -> None:
    fix = replace_at("a.rst", TEXT, 4, 5, ":ref:label", ":ref:`label`")
    assert fix == Fix((Edit("a.rst", 19, 29, ":ref:`label`"),), FixSafety.SAFE)
    start, end = fix.edits[0].start, fix.edits[0].end
    assert TEXT[start:end] == ":ref:label"
    unsafe = replace_at("a.rst", TEXT, 4, 5, ":ref:label", "x", safety=FixSafety.UNSAFE)
    assert unsafe is not None and unsafe.safety is FixSafety.UNSAFE


def test_replace_at_refuses_text_that_is_not_there() -> None:
    assert replace_at("a.rst", TEXT, 4, 6, ":ref:label", "x") is None  # one column off
    assert replace_at("a.rst", TEXT, 9, 1, "x", "y") is None  # no such line
    assert replace_at("a.rst", TEXT, 0, 1, "T", "y") is None
    assert replace_at("a.rst", TEXT, 1, 0, "T", "y") is None
    # a column past the end of its line never reaches into the next one
    assert replace_at("a.rst", TEXT, 1, 8, "=", "-") is None
    assert replace_at("a.rst", TEXT, 1, 1, "Title", "Heading") is not None
