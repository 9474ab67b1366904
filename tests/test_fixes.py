"""Applying fixes: one text's edits, from the end backwards, overlaps left for the next pass."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from novadoclint.edits import Edit, Fix, FixSafety
from novadoclint.factscache import _well_formed_fix, record_types
from novadoclint.findings import Finding, Hit, Location, Run, Severity
from novadoclint.fixes import (
    Change,
    Source,
    apply_edits,
    fix_text,
    fix_until_done,
    overlaps,
    plan,
    relocated,
    select,
    summary,
    unified_diff,
    write,
)
from novadoclint.safety.cache import DiskCache

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


# --- the driver: read, plan, write, repeat -------------------------------------------------


def finding(path: str, *edits: Edit, safety: FixSafety = FixSafety.SAFE, line: int = 1) -> Finding:
    fix = Fix(edits, safety) if edits else None
    return Finding(path, line, 1, "D002", "m", Severity.WARNING, fix=fix)


def test_plan_takes_whole_fixes_in_order_and_defers_overlaps(tmp_path: Path) -> None:
    path = tmp_path / "a.rst"
    path.write_bytes(b"abcdef\n")
    p = str(path)
    first = finding(p, Edit(p, 0, 2, "X"), Edit(p, 4, 5, "Y"))
    overlapping = finding(p, Edit(p, 5, 6, "Z"), Edit(p, 1, 3, "W"), line=2)  # 1-3 hits 0-2
    same = finding(p, Edit(p, 0, 2, "X"), line=3)  # the same edit, reached twice
    unsafe = finding(p, Edit(p, 6, 6, "!"), safety=FixSafety.UNSAFE, line=4)
    step = plan([first, overlapping, same, unsafe, finding(p)], [str(tmp_path)])
    assert (step.fixed, step.deferred, step.notes) == (2, 1, ())
    assert [c.after for c in step.changes] == ["XcdYf\n"]
    with_unsafe = plan([first, unsafe], [str(tmp_path)], unsafe=True)
    assert [c.after for c in with_unsafe.changes] == ["XcdYf!\n"]
    assert path.read_bytes() == b"abcdef\n"  # planning writes nothing


def test_plan_refuses_files_outside_the_project_and_not_utf8(tmp_path: Path) -> None:
    project, outside = tmp_path / "project", tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (outside / "x.rst").write_text("secret  \n")
    (project / "link.rst").symlink_to(outside / "x.rst")
    (project / "latin.rst").write_bytes(b"caf\xe9  \n")
    (project / "missing.rst").symlink_to(project / "nowhere.rst")
    paths = [str(project / name) for name in ("link.rst", "latin.rst", "missing.rst")]
    paths.append(str(project / ".." / "outside" / "x.rst"))
    step = plan([finding(p, Edit(p, 0, 1, "")) for p in paths], [str(project)])
    assert step.changes == () and step.fixed == 0
    assert step.notes == (
        f"{paths[0]} is outside the project: not fixed",
        f"{paths[1]} is not UTF-8: not fixed",
        f"cannot read {paths[2]}: No such file or directory; not fixed",
        f"{paths[3]} is outside the project: not fixed",
    )
    assert (outside / "x.rst").read_text() == "secret  \n"


def test_plan_drops_a_range_past_the_end_of_a_changed_file(tmp_path: Path) -> None:
    path = tmp_path / "a.rst"
    path.write_text("ab\n")
    p = str(path)
    step = plan([finding(p, Edit(p, 2, 9, ""))], [str(tmp_path)])
    assert step.changes == () and step.notes == (
        f"{p}: the file changed since it was linted; not fixed",
    )


def test_write_keeps_bom_line_endings_and_mode(tmp_path: Path) -> None:
    path = tmp_path / "a.rst"
    path.write_bytes(b"\xef\xbb\xbfTitle  \r\n=====\r\n")
    path.chmod(0o640)
    p = str(path)
    step = plan([finding(p, Edit(p, 5, 7, ""))], [str(tmp_path)])
    for change in step.changes:
        write(change)
    assert path.read_bytes() == b"\xef\xbb\xbfTitle\r\n=====\r\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["a.rst"]  # no temporary file left


def test_write_through_a_link_inside_the_project_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "real.rst").write_text("x  \n")
    (tmp_path / "link.rst").symlink_to("real.rst")
    p = str(tmp_path / "link.rst")
    for change in plan([finding(p, Edit(p, 1, 3, ""))], [str(tmp_path)]).changes:
        write(change)
    assert (tmp_path / "link.rst").is_symlink()
    assert (tmp_path / "real.rst").read_text() == "x\n"


def test_fix_until_done_re_lints_and_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "a.rst"
    path.write_text("aaa")
    p = str(path)

    def lint() -> Run:  # a rule that always finds one more 'a' to double
        text = path.read_text()
        return Run(".", 1, (finding(p, Edit(p, 0, 0, "a")),) if len(text) < 6 else ())

    outcome = fix_until_done(lint(), lint, [str(tmp_path)])
    assert (outcome.passes, outcome.bounded, outcome.fixed) == (3, False, 1)
    assert path.read_text() == "aaaaaa" and outcome.changed == (p,)
    assert summary(outcome) == "Found 1 finding (1 fixed, 0 remaining)."
    path.write_text("")
    bounded = fix_until_done(lint(), lint, [str(tmp_path)], passes=2)
    assert (bounded.passes, bounded.bounded) == (2, True)
    assert summary(bounded) == "Found 1 finding (1 fixed, 1 remaining)."


def test_deferred_fixes_are_counted_when_a_later_pass_applies_them(tmp_path: Path) -> None:
    path = tmp_path / "a.rst"
    path.write_text("abc\n")
    p = str(path)

    def lint() -> Run:
        text = path.read_text()
        found = []
        if "b" in text:
            found.append(finding(p, Edit(p, text.index("b"), text.index("b") + 1, "B")))
        if "c" in text:  # overlaps the first: waits for the second pass
            at = text.index("c")
            found.append(finding(p, Edit(p, at - 1, at + 1, text[at - 1] + "C"), line=2))
        return Run(".", 1, tuple(found))

    outcome = fix_until_done(lint(), lint, [str(tmp_path)])
    assert path.read_text() == "aBC\n" and outcome.passes == 2
    assert (outcome.found, outcome.fixed) == (2, 2)


def test_unified_diff_marks_a_missing_newline_and_escapes_controls() -> None:
    source = Source("doc/a.rst", "/x", b"", "one\r\ntwo\x1b[31m\tend", False)
    diff = unified_diff([Change(source, "one\ntwo\x1b[31m\tend\n")])
    assert diff == (
        "--- a/doc/a.rst\n+++ b/doc/a.rst\n@@ -1,2 +1,2 @@\n"
        "-one\\r\n-two\\x1b[31m\tend\n\\ No newline at end of file\n"
        "+one\n+two\\x1b[31m\tend\n"
    )
    assert unified_diff([Change(source, source.text)]) == ""


def test_relocated_moves_edit_paths_with_the_finding() -> None:
    fix = Fix((Edit("sub/a.rst", 1, 2, ""), Edit("../inc.txt", 0, 0, "x")), FixSafety.UNSAFE)
    moved = relocated(fix, "doc/source")
    assert moved == Fix(
        (Edit("doc/source/sub/a.rst", 1, 2, ""), Edit("doc/inc.txt", 0, 0, "x")),
        FixSafety.UNSAFE,
    )
    assert relocated(None, "doc") is None


def test_fix_text_runs_the_same_passes_in_memory() -> None:
    """The language server's fix-all: --fix's passes, re-linted in memory, counted alike."""

    def doubling(text: str) -> list[Finding]:  # one more 'a' until there are six
        return [finding("a.rst", Edit("a.rst", 0, 0, "a"))] if len(text) < 6 else []

    def capitals(text: str) -> list[Finding]:
        found = []
        if "b" in text:
            at = text.index("b")
            found.append(finding("a.rst", Edit("a.rst", at, at + 1, "B")))
        if "c" in text:  # overlaps the first: waits for the second pass
            at = text.index("c")
            found.append(finding("a.rst", Edit("a.rst", at - 1, at + 1, text[at - 1] + "C")))
        return found

    assert fix_text("aaa", "a.rst", doubling("aaa"), doubling) == ("aaaaaa", 1)
    assert fix_text("aaa", "a.rst", doubling("aaa"), doubling, passes=2) == ("aaaaa", 1)
    assert fix_text("abc\n", "a.rst", capitals("abc\n"), capitals) == ("aBC\n", 2)
    assert fix_text("abc\n", "a.rst", capitals("abc\n"), capitals, passes=1) == ("aBc\n", 1)
    assert fix_text("abc\n", "b.rst", capitals("abc\n"), capitals) == ("abc\n", 0)


def test_select_leaves_other_files_stale_ranges_and_unsafe_fixes_out() -> None:
    texts = {"a.rst": "abc"}
    other = finding("b.rst", Edit("b.rst", 0, 1, ""))
    stale = finding("a.rst", Edit("a.rst", 2, 9, ""), line=2)
    unsafe = finding("a.rst", Edit("a.rst", 0, 1, "A"), safety=FixSafety.UNSAFE, line=3)
    kept = finding("a.rst", Edit("a.rst", 1, 2, "B"), line=4)
    chosen = select([other, stale, unsafe, kept], texts)
    assert (chosen.fixed, chosen.deferred, chosen.stale) == (1, 0, (stale,))
    assert chosen.apply("a.rst", "abc") == "aBc"
    assert select([other, stale, unsafe, kept], texts, unsafe=True).apply("a.rst", "abc") == "ABc"


def test_overlaps_is_apply_edits_rule() -> None:
    assert overlaps(edit(0, 2, ""), edit(1, 3, "")) and overlaps(edit(1, 1, "x"), edit(1, 1, "y"))
    assert not overlaps(edit(0, 2, ""), edit(2, 3, "")) and not overlaps(
        edit(1, 1, "x"), edit(1, 1, "x")
    )
    assert not overlaps(edit(0, 2, "z"), edit(2, 2, "x")) and not overlaps(
        edit(2, 2, "x"), edit(0, 2, "")
    )


def test_fixes_survive_the_phase1_cache(tmp_path: Path) -> None:
    """A hit's fix pickles and is read back by the restricted unpickler; a crafted one is not."""
    cache = DiskCache("t", tmp_path, types=record_types())
    hit = Hit(Location("a.rst", 1), "m", None, Fix((Edit("a.rst", 0, 1, ""),), FixSafety.UNSAFE))
    cache.put("k", (hit,))
    assert cache.get("k") == (hit,)
    assert _well_formed_fix(hit.fix)
    assert not _well_formed_fix(Fix((("a.rst", 0, 1, ""),), FixSafety.SAFE))  # type: ignore[arg-type]
    assert not _well_formed_fix(Fix((Edit("a.rst", 0, 1, b""),), FixSafety.SAFE))  # type: ignore[arg-type]
