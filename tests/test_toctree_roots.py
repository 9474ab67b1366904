"""The documents Sphinx's builders start from, read from conf.py's values."""

from __future__ import annotations

from novadoclint.checks.toctree import builder_roots
from novadoclint.facts import empty_facts
from novadoclint.index import FactsIndex
from novadoclint.project.sphinxconf import SphinxConf


def _index(*docnames: str, **conf: object) -> FactsIndex:
    docs = {name: empty_facts(name, name + ".rst") for name in docnames}
    return FactsIndex("/nowhere", SphinxConf(None, dict(conf)), docs, frozenset())


def test_builder_roots_are_the_start_documents_the_tree_has() -> None:
    index = _index(
        "index",
        "start",
        "pdf-index",
        "contents",
        "cli/tool",
        root_doc="start",
        latex_documents=[("pdf-index", "book.tex", "Book", "Author", "manual")],
        texinfo_documents=(("contents", "book", "Book", "Author", "book", "One", "Misc"),),
        man_pages=[("cli/tool", "tool", "Tool", ["Author"], 1), ("cli/gone", "gone", "", [], 1)],
    )
    assert builder_roots(index) == {"start", "pdf-index", "contents", "cli/tool"}


def test_builder_roots_skip_values_of_other_shapes() -> None:
    index = _index(
        "index",
        "book",
        latex_documents="book",  # not a list of entries
        texinfo_documents=[["book"], (), "book", (3, "x")],
        man_pages=None,  # computed where conf.py could not be read
    )
    assert builder_roots(index) == {"index", "book"}
    assert builder_roots(_index("index")) == {"index"}
    assert builder_roots(_index("other")) == frozenset()  # the root document is missing
