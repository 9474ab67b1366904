"""The real nova trees: no crash, and no unknown directive or role Sphinx would accept."""

from __future__ import annotations

from pathlib import Path

import pytest

from novadoclint.engine import lint

TREES = ["nova-2026", "nova-2017"]


@pytest.mark.parametrize("tree", TREES)
def test_corpus_tree(corpus: Path, tree: str) -> None:
    srcdir = corpus / tree / "doc" / "source"
    run = lint([srcdir], overrides={"jobs": 2})
    rules = {f.rule for f in run.findings}
    assert run.files > 100
    assert "internal-error" not in rules
    assert not rules & {"unknown-directive", "unknown-role", "rst-syntax", "conf-syntax"}
