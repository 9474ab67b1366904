"""Cross-references between documents: :doc: targets, :ref: labels."""

from __future__ import annotations

from collections.abc import Iterator

from novadoclint.context import Context
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.registry import Phase, rule
from novadoclint.resolve import did_you_mean, resolve_doc


@rule("doc-ref-missing", Severity.ERROR, Phase.TREE, tags={"references"})
def doc_ref_missing(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A `:doc:` reference whose target is no document.

    ## Why is this bad?
    Sphinx renders it as plain text and logs `unknown document` in a long
    build; readers meet a dead end, and the build fails only where `-W` is set.
    Targets are resolved as Sphinx does: relative to the referring document
    unless they start with `/`, with `~` and `!` prefixes and explicit titles.

    ## Example
    ```rst
    .. file: index.rst
    See :doc:`instal` for the steps.
    .. file: install.rst
    Installing
    ==========
    ```

    ## Use instead
    ```rst
    .. file: index.rst
    See :doc:`install` for the steps.
    .. file: install.rst
    Installing
    ==========
    ```
    """
    suffixes = index.conf.source_suffixes
    for docname in sorted(index.docs):
        for ref in index.docs[docname].refs:
            if ref.role not in ("doc", "std:doc"):
                continue
            if resolve_doc(index.docs, docname, ref.target, suffixes) is None:
                hint = did_you_mean(ref.target.lstrip("~!/"), index.docs)
                yield Hit(
                    Location(ref.path, ref.line, ref.column),
                    f"unknown document: {ref.target!r}{hint}",
                    cause=docname,
                )
