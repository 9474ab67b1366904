"""A label defined twice: Sphinx keeps one and :ref: links to whichever document it read last."""

from __future__ import annotations

from collections.abc import Iterator

from novadoclint.context import Context
from novadoclint.facts import Label
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.registry import Phase, rule
from novadoclint.resolve import warning_suppressed


@rule("duplicate-label", Severity.WARNING, Phase.TREE, tags={"references"})
def duplicate_label(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A label defined in two documents (or by two sections, with autosectionlabel).

    ## Why is this bad?
    Sphinx keeps one of the two and `:ref:` silently links to whichever
    document it read last, so readers land on the wrong page. It warns
    "duplicate label" only when the first definition sits before a title;
    this rule reports every label defined in more than one document. A label
    in a file that two documents `include` is defined twice too.

    ## Example
    ```rst
    .. file: index.rst
    .. _setup:

    Index
    =====
    .. file: install.rst
    .. _setup:

    Installing
    ==========
    ```

    ## Use instead
    ```rst
    .. file: index.rst
    .. _overview:

    Index
    =====
    .. file: install.rst
    .. _setup:

    Installing
    ==========
    ```
    """
    first: dict[str, tuple[str, Label]] = {}  # the std domain's anonlabels, in read order
    titled: dict[str, str] = {}  # its labels: name -> docname of the titled definition
    sections = index.section_labels
    by_doc: dict[str, list[tuple[str, Label]]] = {}
    for name, places in sections.items():
        for docname, label in places:
            by_doc.setdefault(docname, []).append((name, label))
    reported: set[tuple[str, str, int]] = set()  # a file included thrice: one finding
    for docname in sorted(index.docs):
        for label in index.docs[docname].labels:
            prior = first.get(label.name)
            place = (label.name, label.path, label.line)
            if prior is not None and prior[0] != docname and place not in reported:
                reported.add(place)
                yield _duplicate(index, label, prior, docname)
            first.setdefault(label.name, (docname, label))
            if label.titled:
                titled[label.name] = docname
        for name, label in by_doc.get(docname, ()):
            if name in titled and not warning_suppressed(
                index.conf.values, "autosectionlabel", docname
            ):
                yield _duplicate(index, label, first[name], docname, section=True)
            first.setdefault(name, (docname, label))
            titled[name] = docname


def _duplicate(
    index: FactsIndex,
    label: Label,
    prior: tuple[str, Label],
    docname: str,
    *,
    section: bool = False,
) -> Hit:
    other_doc, other = prior
    where, here = index.docs[other_doc].path, index.docs[docname].path
    if section:
        hint = "; autosectionlabel labels section titles: rename the section or the other label"
    elif other.path != label.path:
        hint = "; rename one of them"
    elif label.path in (where, here):
        includer = here if label.path == where else where
        hint = (
            f"; {label.path} is a document and is also included by {includer}: "
            "give files meant for inclusion another suffix (.txt) or no labels"
        )
    else:
        hint = (
            f"; {label.path} is included by both {where} and {here}: "
            "keep labels out of files included more than once"
        )
    return Hit(
        Location(label.path, label.line),
        f"duplicate label {label.name}, other instance in {where}{hint}",
        cause=other_doc,  # reported at the later definition: a change to either shows it
    )
