"""embedded-target-not-url: an embedded link target that is not a URL (`` `text <A title>`_ ``).

A tree rule over the facts (each document's embedded targets, the tree's section
titles and labels), apart from the markup rules of :mod:`hyperlinks`, which read the
prose of a parsed document: a warm run runs it without importing the parser.
"""

from __future__ import annotations

from collections.abc import Iterator

from novadoclint.context import Context
from novadoclint.findings import Hit, Location, Severity, quoted
from novadoclint.index import FactsIndex
from novadoclint.links.syntax import SCHEME_RE
from novadoclint.registry import Phase, rule
from novadoclint.resolve import normalise_label


# prose.TAGS, as the other hyperlink rules: the markup rules' tag
@rule("embedded-target-not-url", Severity.ERROR, Phase.TREE, tags={"markup"})
def embedded_target_not_url(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """An embedded link target that is not a URL and has spaces (`` `text <Some Section>`_ ``).

    ## Why is this bad?
    docutils removes the spaces and makes a link relative to the page:
    `` `previously <Implications for moving servers>`_ `` links to a file
    named `Implicationsformovingservers`, which does not exist. Only Sphinx's
    linkcheck notices. The message suggests the `:ref:` to the section it
    names when one matches (in any document), else the form that links to a
    section of the same page (`` `text <Section title_>`_ ``).

    ## Example
    ```rst
    Moving servers
    ==============

    As discussed `previously <Moving servers>`_, this is slow.
    ```

    ## Use instead
    ```rst
    .. _moving-servers:

    Moving servers
    ==============

    As discussed :ref:`previously <moving-servers>`, this is slow.
    ```
    """
    titles: dict[str, list[tuple[str, int]]] = {}
    for docname in sorted(index.docs):
        for number, section in enumerate(index.docs[docname].sections):
            titles.setdefault(normalise_label(section.title), []).append((docname, number))
    labels_by_section: dict[tuple[str, int], str] = {}
    for name, places in sorted(index.labels.items()):
        for docname, label in places:
            if label.titled and label.section >= 0:
                labels_by_section.setdefault((docname, label.section), name)
    for docname in sorted(index.docs):
        for link in index.docs[docname].embedded_targets:
            target = " ".join(link.target.split())
            if " " not in target or SCHEME_RE.match(target) or target.endswith("_"):
                continue
            hint = _section_hint(docname, link.text, target, titles, labels_by_section, index)
            yield Hit(
                Location(link.path, link.line, link.column),
                f"embedded target {quoted(target)} is not a URL: docutils links to {quoted(link.refuri)}{hint}",
                cause=docname,
            )


def _section_hint(
    docname: str,
    text: str,
    target: str,
    titles: dict[str, list[tuple[str, int]]],
    labels: dict[tuple[str, int], str],
    index: FactsIndex,
) -> str:
    places = titles.get(normalise_label(target), [])
    places.sort(key=lambda place: (place[0] != docname, place))
    for place in places:
        if place in labels:
            return f"; did you mean ':ref:`{text} <{labels[place]}>`'?"
    if places and places[0][0] == docname:
        return f"; did you mean '`{text} <{target}_>`_' (the section on this page)?"
    if places:
        other = places[0][0]
        section = index.docs[other].sections[places[0][1]]
        return (
            f"; the section is in {index.docs[other].path}: add a label before "
            f"{quoted(section.title)} there and use ':ref:`{text} <label>`'"
        )
    return "; use a URL, or :ref: or :doc: for a page of these docs"
