"""The location service: each case of a docutils place decided once (novadoclint.location)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from docutils import nodes
from docutils.core import publish_doctree

from novadoclint.findings import Location
from novadoclint.location import (
    comment_line,
    file_path,
    guess_line,
    line_of,
    message_location,
    node_location,
    relative,
    source_of,
    source_path,
)
from novadoclint.parse import Message

SRCDIR = os.path.abspath("/srv/docs/source")
PAGE = "admin/index.rst"
INCLUDED = os.path.join(SRCDIR, "admin", "common.inc")


def _paragraph() -> nodes.paragraph:
    doctree = publish_doctree(
        "Title\n=====\n\nSome *emphasis* here.\n",
        source_path=os.path.join(SRCDIR, PAGE),
        settings_overrides={"report_level": 5},
    )
    found = next(iter(doctree.findall(nodes.paragraph)))
    return found


def test_relative_is_posix_and_relative_to_the_source_dir() -> None:
    assert relative(os.path.join(SRCDIR, "a", "b.rst"), SRCDIR) == "a/b.rst"
    assert relative(os.path.join(SRCDIR, "..", "README.rst"), SRCDIR) == "../README.rst"


def test_relative_keeps_answers_only_for_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative path is read from the working folder, which may change between calls."""
    srcdir = str(tmp_path / "source")
    (tmp_path / "source" / "a").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "source")
    assert relative("a/x.rst", srcdir) == "a/x.rst"
    monkeypatch.chdir(tmp_path / "source" / "a")
    assert relative("a/x.rst", srcdir) == "a/a/x.rst"
    absolute = str(tmp_path / "source" / "a" / ".." / "b.rst")
    assert relative(absolute, srcdir) == relative(absolute, srcdir) == "b.rst"
    assert relative(absolute, str(tmp_path)) == "source/b.rst"


def test_no_source_is_the_page() -> None:
    assert file_path(None, SRCDIR, PAGE) == PAGE
    assert source_path(None, SRCDIR, PAGE) == PAGE
    assert source_path("", SRCDIR, PAGE, prolog=None) == PAGE


def test_prolog_text_is_the_page_or_nowhere_as_the_caller_asks() -> None:
    for virtual in ("<rst_prolog>", "<rst_epilog>", "<string>"):
        assert file_path(virtual, SRCDIR, PAGE) == PAGE
        assert source_path(virtual, SRCDIR, PAGE) == PAGE
        assert source_path(virtual, SRCDIR, PAGE, prolog=None) is None


def test_an_included_file_is_its_own_path_unless_reported_elsewhere() -> None:
    assert file_path(INCLUDED, SRCDIR, PAGE) == "admin/common.inc"
    assert source_path(INCLUDED, SRCDIR, PAGE) == "admin/common.inc"
    everything = lambda path: True  # noqa: E731
    assert source_path(INCLUDED, SRCDIR, PAGE, elsewhere=everything) is None
    # the page itself is never elsewhere
    own = os.path.join(SRCDIR, PAGE)
    assert source_path(own, SRCDIR, PAGE, elsewhere=everything) == PAGE


def test_a_node_without_line_or_source_takes_its_ancestors() -> None:
    paragraph = _paragraph()
    emphasis = paragraph.next_node(nodes.emphasis)
    assert emphasis is not None and emphasis.line is None and emphasis.source is None
    assert line_of(emphasis) == paragraph.line == 4
    assert source_of(emphasis) == os.path.join(SRCDIR, PAGE)
    assert node_location(emphasis, SRCDIR, PAGE) == Location(PAGE, 4)


def test_a_lone_node_is_at_line_one_of_the_page() -> None:
    orphan = nodes.emphasis("", "x")
    assert line_of(orphan) == 1
    assert source_of(orphan) is None
    assert node_location(orphan, SRCDIR, PAGE) == Location(PAGE, 1)


def test_a_node_of_prolog_text() -> None:
    node = nodes.paragraph("", "x")
    node.source, node.line = "<rst_prolog>", 2
    assert node_location(node, SRCDIR, PAGE) == Location(PAGE, 2)
    assert node_location(node, SRCDIR, PAGE, prolog=None) is None


def test_a_message_in_an_included_file() -> None:
    message = Message(2, "Unknown directive type.", INCLUDED, 7)
    assert message_location(message, SRCDIR, PAGE) == Location("admin/common.inc", 7)


def test_a_message_without_line_is_guessed_from_the_name_it_quotes() -> None:
    lines = ["Title", "=====", "", 'See "nowhere"_ and `nowhere`_.']
    message = Message(3, 'Unknown target name: "nowhere".', None, None)
    assert message_location(message, SRCDIR, PAGE, lines=lines) == Location(PAGE, 4)
    assert message_location(message, SRCDIR, PAGE) == Location(PAGE, 1)
    assert guess_line(lines, "no quotes at all") == 1
    prolog = Message(2, "Duplicate implicit target.", "<rst_epilog>", 0)
    assert message_location(prolog, SRCDIR, PAGE, lines=lines) == Location(PAGE, 1)


def _comments(text: str) -> list[nodes.comment]:
    settings = {"report_level": 5}
    return list(publish_doctree(text, settings_overrides=settings).findall(nodes.comment))


def test_a_comment_starts_where_it_is_written_not_where_docutils_numbers_it() -> None:
    """docutils numbers a comment by the last line it read (blank lines after it included)."""
    text = (
        "A\n\n.. note: x\n\n\n\n"  # line 3, three blank lines after
        ".. warning:\n   one\n\n   two\n   three\n\n"  # line 7, a blank line inside
        ".. tip: y\n.. tip: z\n"  # lines 13 and 14, no blank line between
        "\n- .. note: in a list\n"  # line 16: docutils gives it no line, its list item one
    )
    lines = text.splitlines()
    found = _comments(text)
    assert [line_of(c) for c in found] == [6, 12, 13, 15, 16]  # docutils' own numbers
    assert found[-1].line is None
    assert [comment_line(c, lines) for c in found] == [3, 7, 13, 14, 16]
    assert [comment_line(c, None) for c in found] == [6, 12, 13, 15, 16]


def test_a_comment_at_the_end_of_an_included_file() -> None:
    """docutils adds a blank line and a marker after an included file: past its last line."""
    included = _comments("Text.\n\n.. note: x\n\n")[0]
    included.line = 5  # as in the including page's doctree: the appended blank line
    assert comment_line(included, ["Text.", "", ".. note: x", ""]) == 3
