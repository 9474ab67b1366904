"""Parsing as Sphinx parses: no finding from docutils' own error reports or from
title styles that Sphinx keeps apart (issue 12)."""

from __future__ import annotations

from pathlib import Path

from novadoclint.findings import Finding

from harness import lint_case

CONF = "project = 'case'\nextensions = ['sphinx.ext.ifconfig']\n"


def lint(tmp_path: Path, text: str, *rules: str) -> list[Finding]:
    (tmp_path / "conf.py").write_text(CONF, encoding="utf-8")
    (tmp_path / "index.rst").write_text(text, encoding="utf-8")
    return lint_case(tmp_path, select=rules)


def rendered(findings: list[Finding]) -> list[str]:
    return [f.render() for f in findings]


HEAD = "Title\n=====\n\nPart\n----\n\nText.\n\n"


AFTER = "Release\n-------\n\nNotes\n~~~~~\n\nText.\n"


def test_titles_in_only_use_their_own_styles(tmp_path: Path) -> None:
    """pytest's changelog: a draft section inside only, then the releases."""
    inner = "   Draft\n   ~~~~~\n\n   Deeper\n   ^^^^^^\n\n   Text.\n\n"
    text = "Title\n=====\n\n.. only:: html\n\n" + inner + AFTER
    assert lint(tmp_path, text, "rst-syntax") == []


def test_titles_in_ifconfig_use_their_own_styles(tmp_path: Path) -> None:
    text = "Title\n=====\n\n.. ifconfig:: flag\n\n   Draft\n   ~~~~~\n\n   Text.\n\n" + AFTER
    assert lint(tmp_path, text, "rst-syntax") == []


def test_the_document_styles_come_back_after_only(tmp_path: Path) -> None:
    """The content's styles do not leak out: the document's own levels are checked on."""
    text = (
        HEAD
        + ".. only:: html\n\n   Inner\n   ~~~~~\n\n   Text.\n\n"
        + "Third\n~~~~~\n\nText.\n\nSecond again\n------------\n\nNew\n*****\n\nText.\n"
    )
    found = rendered(lint(tmp_path, text, "rst-syntax"))
    assert len(found) == 1
    assert "title level inconsistent" in found[0]


def test_a_skipped_level_inside_only_is_still_reported(tmp_path: Path) -> None:
    text = HEAD + (
        ".. only:: html\n\n   A\n   =\n\n   B\n   -\n\n   C\n   ~\n\n"
        "   B2\n   --\n\n   Skip\n   ^^^^\n\n   Text.\n"
    )
    found = rendered(lint(tmp_path, text, "rst-syntax"))
    assert len(found) == 1
    assert "title level inconsistent" in found[0]


UNKNOWN = ".. highlight:: python\n\n.. frobnicate:: arg\n\n   not python {at all,\n\n"


def test_the_source_quoted_in_a_docutils_error_is_no_code_block(tmp_path: Path) -> None:
    text = HEAD + UNKNOWN + "Fine::\n\n   print('x')\n"
    found = rendered(lint(tmp_path, text, "code-block-syntax", "unknown-directive"))
    assert len(found) == 1
    assert "unknown-directive" in found[0]


def test_a_broken_block_beside_a_docutils_error_is_reported(tmp_path: Path) -> None:
    text = HEAD + UNKNOWN + "Broken:\n\n.. code-block:: python\n\n   print('x'\n"
    found = rendered(lint(tmp_path, text, "code-block-syntax", "unknown-directive"))
    assert [f.split(" ")[2] for f in found] == ["unknown-directive", "code-block-syntax"]
