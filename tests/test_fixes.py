"""Applying fixes: one text's edits, from the end backwards, overlaps left for the next pass."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from novadoclint.edits import Edit
from novadoclint.fixes import apply_edits

TEXT = "Title\r\n=====\r\n\nSee :ref:label and\tmore.\n"


def edit(start: int, end: int, new: str) -> Edit:
    return Edit("a.rst", start, end, new)


def test_edits_apply_from_the_end_backwards_whatever_their_order() -> None:
    edits = [edit(19, 29, ":ref:`label`"), edit(0, 5, "Heading"), edit(33, 34, "        ")]
    expected = "Heading\r\n=====\r\n\nSee :ref:`label` and        more.\n"
    assert apply_edits(TEXT, edits) == (expected, ())
    assert apply_edits(TEXT, reversed(edits)) == (expected, ())
    assert apply_edits(TEXT, iter(edits)) == (expected, ())  # any iterable, read once


def test_no_edits_leave_the_text_as_it_is() -> None:
    assert apply_edits(TEXT, []) == (TEXT, ())
    assert apply_edits("", [edit(0, 0, "\n")]) == ("\n", ())


def test_identical_edits_count_once() -> None:
    # an included file's fix, reached through the two documents that include it
    twice = [edit(5, 6, ""), edit(5, 6, "")]
    assert apply_edits(TEXT, twice) == (TEXT[:5] + TEXT[6:], ())
    insert = [edit(len(TEXT), len(TEXT), "x"), edit(len(TEXT), len(TEXT), "x")]
    assert apply_edits(TEXT, insert) == (TEXT + "x", ())


def test_an_overlapping_edit_is_skipped_and_returned() -> None:
    first, second = edit(19, 29, ":ref:`label`"), edit(23, 24, "")
    text, skipped = apply_edits(TEXT, [second, first])
    assert text == TEXT.replace(":ref:label", ":ref:`label`")
    assert skipped == (second,)
    # same start: the shorter range sorts first and is taken
    shorter, longer = edit(0, 2, "x"), edit(0, 5, "y")
    assert apply_edits(TEXT, [longer, shorter]) == ("x" + TEXT[2:], (longer,))
    # a range inside a taken one, and one straddling its end
    outer, inner, straddle = edit(0, 10, "z"), edit(3, 4, "q"), edit(9, 12, "w")
    assert apply_edits(TEXT, [straddle, inner, outer]) == ("z" + TEXT[10:], (inner, straddle))


def test_touching_edits_both_apply() -> None:
    left, right = edit(0, 5, "A"), edit(5, 7, "\n")  # end of one is the start of the next
    assert apply_edits(TEXT, [right, left]) == ("A\n" + TEXT[7:], ())
    # an insertion at either end of a replaced range touches it without overlapping
    before, replaced, after = edit(0, 0, "<"), edit(0, 5, "T"), edit(5, 5, ">")
    assert apply_edits(TEXT, [after, replaced, before]) == ("<T>" + TEXT[5:], ())


def test_two_different_insertions_at_one_place_are_an_overlap() -> None:
    first, second = edit(5, 5, "a"), edit(5, 5, "b")
    assert apply_edits(TEXT, [second, first]) == (TEXT[:5] + "a" + TEXT[5:], (second,))


def test_a_range_outside_the_text_or_a_second_file_is_an_error() -> None:
    with pytest.raises(ValueError, match="outside"):
        apply_edits(TEXT, [edit(0, len(TEXT) + 1, "")])
    with pytest.raises(ValueError, match="outside"):
        apply_edits(TEXT, [edit(3, 2, "")])
    with pytest.raises(ValueError, match="one file"):
        apply_edits(TEXT, [edit(0, 1, ""), Edit("b.rst", 0, 1, "")])


@st.composite
def texts_and_edits(draw: st.DrawFn) -> tuple[str, list[Edit]]:
    text = draw(st.text(alphabet="ab\r\n\t ", max_size=30))
    bounds = st.integers(min_value=0, max_value=len(text))
    edits = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        start, end = sorted((draw(bounds), draw(bounds)))
        edits.append(edit(start, end, draw(st.text(alphabet="xy\n", max_size=3))))
    return text, edits


@given(texts_and_edits())
def test_taken_edits_are_exactly_what_changed(case: tuple[str, list[Edit]]) -> None:
    """The taken edits, applied one at a time from the end, give the text; each skip collides."""
    text, edits = case
    result, skipped = apply_edits(text, edits)
    taken = sorted(set(edits) - set(skipped), reverse=True)
    assert len(taken) + len(skipped) == len(set(edits))
    expected = text
    for one in taken:
        expected = expected[: one.start] + one.new + expected[one.end :]
    assert result == expected
    for a, b in zip(sorted(taken), sorted(taken)[1:], strict=False):
        assert a.end <= b.start and not (a.start == a.end == b.start == b.end)
    # every skipped edit collides with a taken one
    for one in skipped:
        assert any(
            (one.start < t.end and t.start < one.end) or one.start == one.end == t.start == t.end
            for t in taken
        ), one
