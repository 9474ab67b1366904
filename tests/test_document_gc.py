"""A document's doctree is freed when its file is done, by phase 1 itself.

A doctree is all cycles (each node points at its parent): left to Python's
collector it reached the oldest generation and full collections traversed it
again and again (issue 15: half of nova-2026's collecting). phase1.document_gc
collects the young generations once per document, and parse drops the state
machines docutils keeps between parses, which held the last doctree.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from novadoclint import parse, phase1
from novadoclint.checks import ALL_RULES
from novadoclint.project.discover import load_project
from novadoclint.settings import load

DOCUMENT = """\
Title
=====

* a list item with *emphasis*

  * nested, with a reference_ and ``literal``

.. note:: a note

   term
      definition

.. _reference: https://example.org/

Section
-------

.. code-block:: python

   print("hi")
"""


@pytest.fixture
def automatic_gc_off() -> Iterator[None]:
    """No automatic collection: only what phase 1 collects itself is freed."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _context(tmp_path: Path) -> Any:
    (tmp_path / "conf.py").write_text("project = 'x'\n")
    (tmp_path / "index.rst").write_text(DOCUMENT)
    (tmp_path / "other.rst").write_text(DOCUMENT.replace("Title", "Other"))
    settings = load(tmp_path, rules=ALL_RULES, overrides={"cache": False})
    return phase1.project_context(load_project(tmp_path, True), settings)


def test_each_doctree_is_freed_when_its_document_is_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, automatic_gc_off: None
) -> None:
    ctx = _context(tmp_path)
    doctrees: list[weakref.ref[Any]] = []
    original = parse.parse

    def spy(*args: Any, **kwargs: Any) -> parse.Parsed:
        parsed = original(*args, **kwargs)
        doctrees.append(weakref.ref(parsed.doctree))
        return parsed

    monkeypatch.setattr(parse, "parse", spy)
    thresholds = gc.get_threshold()
    with parse.namespace(ctx.vocabulary):
        for item in (("index", "index.rst"), ("other", "other.rst")):
            result = phase1.phase1_file(ctx, phase1.file_rule_ids(), item)
            assert result.facts.sections  # the document was parsed and its facts kept
            assert doctrees[-1]() is None, f"{item[1]}'s doctree outlived its document"
    assert len(doctrees) == 2
    assert gc.get_threshold() == thresholds  # the caller's settings are the caller's again
    assert not gc.isenabled()


def test_thresholds_come_back_when_a_document_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = _context(tmp_path)
    thresholds = gc.get_threshold()

    def stopped(*args: Any, **kwargs: Any) -> Any:
        assert gc.get_threshold()[:2] == phase1.DOCUMENT_GC_THRESHOLDS
        raise KeyboardInterrupt

    monkeypatch.setattr(parse, "parse", stopped)
    with pytest.raises(KeyboardInterrupt):
        phase1.phase1_bytes(ctx, phase1.file_rule_ids(), "index", "index.rst", b"Text\n")
    assert gc.get_threshold() == thresholds


def test_docutils_keeps_no_machine_between_parses(tmp_path: Path) -> None:
    parsed = parse.parse(DOCUMENT, str(tmp_path / "index.rst"), str(tmp_path))
    assert "<bullet_list" in parsed.doctree.pformat()
    from docutils.parsers.rst import states

    assert getattr(states.RSTState, "nested_sm_cache", []) == []
