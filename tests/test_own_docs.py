"""The project lints its own documentation with itself."""

from __future__ import annotations

from pathlib import Path

from novadoclint.engine import lint

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_own_docs_are_clean() -> None:
    run = lint([DOCS], overrides={"jobs": 1})
    assert run.files >= 3
    assert [f.render() for f in run.findings] == []
