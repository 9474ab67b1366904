"""index-list-toctree-mismatch: an index page's bullet lists paired with its hidden toctrees.

A pure function of one index page's facts, read through project/indexpage.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from novadoclint.context import Context
from novadoclint.facts import DocFacts
from novadoclint.findings import Hit, Severity
from novadoclint.index import FactsIndex
from novadoclint.project.indexpage import INTRO, Entry, entries
from novadoclint.registry import Phase, rule


def _title(doc: DocFacts, section: int) -> str:
    return doc.sections[section].title if section >= 0 else INTRO


@rule("index-list-toctree-mismatch", Severity.WARNING, Phase.TREE, tags={"placement"})
def index_list_toctree_mismatch(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A section of an index page whose `:doc:` list and hidden toctree name different documents.

    Index pages such as nova's `reference/index.rst` pair, in each section, a
    bullet list of `:doc:` links (what readers see) with a `:hidden:` toctree
    (what puts the pages in the navigation). A page qualifies when at least
    one of its sections holds both; then each such section's list and hidden
    toctree must name the same documents, and a document's list item must sit
    in the same section as its toctree entry. Pages with visible toctrees, or
    lists that only cross-link, never qualify.

    ## Why is this bad?
    A page in the hidden toctree but not in the list is in the sidebar yet
    invisible on the index page; a page in the list but not in the toctree is
    missing from the navigation (and from the PDF's structure); a list item in
    one section whose toctree entry sits in another puts the page under two
    different headings in the HTML and the navigation.

    ## Example
    ```rst
    Reference
    =========

    Internals
    ---------

    * :doc:`rpc`: how the services talk to each other
    * :doc:`scheduling`: where instances land

    .. toctree::
       :hidden:

       rpc
       vm-states
    ```

    ## Use instead
    ```rst
    Reference
    =========

    Internals
    ---------

    * :doc:`rpc`: how the services talk to each other
    * :doc:`scheduling`: where instances land
    * :doc:`vm-states`: the life cycle of an instance

    .. toctree::
       :hidden:

       rpc
       scheduling
       vm-states
    ```
    """
    suffixes = index.conf.source_suffixes
    for docname in sorted(index.docs):
        yield from _pairing(index.docs[docname], suffixes, index.docs)


def _pairing(doc: DocFacts, suffixes: Sequence[str], docs: Iterable[str]) -> Iterator[Hit]:
    if not any(t.hidden for t in doc.toctrees):
        return
    found = entries(doc, suffixes, docs)
    listed: dict[str, dict[int, Entry]] = {}
    in_toc: dict[str, dict[int, Entry]] = {}
    for entry in found:
        side = listed if entry.in_list else in_toc
        current = side.setdefault(entry.docname, {}).get(entry.section)
        if current is None or (entry.hidden and not current.hidden):
            side[entry.docname][entry.section] = entry
    list_sections = {e.section for e in found if e.in_list}
    paired = {e.section for e in found if e.hidden and e.section in list_sections}
    if not paired:
        return
    for name, by_section in listed.items():
        tocs = in_toc.get(name, {})
        for section, item in by_section.items():
            if section in tocs:
                continue
            elsewhere = [s for s in tocs if s not in by_section]
            here = _title(doc, section)
            if elsewhere:
                there = _title(doc, elsewhere[0])
                yield Hit(
                    item.at,
                    f"{name!r} is listed under {here!r} but its toctree entry is under "
                    f"{there!r}; move the list item or the toctree entry so both sit in one "
                    "section",
                    cause=name,
                )
            elif section in paired:
                yield Hit(
                    item.at,
                    f"{name!r} is listed under {here!r} but missing from its toctree; add it "
                    "to the section's toctree or drop the list item",
                    cause=name,
                )
    for name, by_section in in_toc.items():
        items = listed.get(name, {})
        if any(s not in by_section for s in items):
            continue  # a list item in another section: reported above
        for section, entry in by_section.items():
            if entry.hidden and section in paired and section not in items:
                yield Hit(
                    entry.at,
                    f"{name!r} is in the toctree of {_title(doc, section)!r} but not in its "
                    "list; add a list item for it or drop the toctree entry",
                    cause=name,
                )
