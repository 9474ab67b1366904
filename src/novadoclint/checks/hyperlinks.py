"""hyperlink-* rules and embedded-target-not-url: links written so that nothing is clickable, or clicks to nowhere.

Without its backticks and trailing underscore a link is italic text, and a
target with spaces is no URL: docutils makes a relative link of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from novadoclint.context import Context, ParsedDoc
from novadoclint.edits import FixSafety
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.links.syntax import SCHEME_RE
from novadoclint.prose import (
    TAGS,
    Span,
    edge_fix,
    elements,
    link_in_backticks,
    quoted,
    span_location,
    texts,
    written_here,
)
from novadoclint.registry import Phase, rule
from novadoclint.resolve import normalise_label

LINK_MISSING_BACKTICK_RE = re.compile(r">`__?(?![\w`])")
LINK_WRITTEN_RE = re.compile(r"(?P<text>\S*)\s*<(?P<target>[^<>\s]*)>`__?")


@rule("hyperlink-missing-underscore", Severity.WARNING, Phase.FILE, tags=TAGS, fix=FixSafety.SAFE)
def hyperlink_missing_underscore(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A hyperlink reference missing its trailing underscore (`` `text <https://x>` ``).

    ## Why is this bad?
    Without the `_` after the closing backtick it is not a link but
    interpreted text: the link text and the URL in angle brackets render in
    italics, and nothing is clickable. Sphinx says nothing.

    ## Example
    ```rst
    See the `API reference <https://docs.openstack.org/api-ref/compute/>`.
    ```

    ## Use instead
    ```rst
    See the `API reference <https://docs.openstack.org/api-ref/compute/>`_.
    ```

    The fix adds the underscore, unless the link's text is already the name
    of another target of the page (docutils would report the duplicate name).
    """
    if not written_here(doc, ctx, "`"):
        return
    links = [span for span in elements(doc, ctx) if link_in_backticks(span) is not None]
    clashes = _clashing_names(doc, links)
    for span in links:
        at = span_location(doc, span, 0, span.text)
        fixable = _link_name(span) not in clashes
        yield Hit(
            at,
            f"hyperlink missing its trailing underscore: {quoted(span.text)}; "
            f"did you mean {quoted(span.text + '_')}?",
            fix=edge_fix(
                doc, ctx, span, at, span.text, ("", ""), ("`", "`_"), title="Add the underscore"
            )
            if fixable
            else None,
        )


def _link_name(span: Span) -> str:
    """The target name `text <url>`_ would define: its text, as docutils normalises names."""
    match = link_in_backticks(span)
    text = match.group("text") if match else ""
    return " ".join(text.split()).lower() if text else ""


def _clashing_names(doc: ParsedDoc, links: list[Span]) -> frozenset[str]:
    """Link names the fix would define twice: the page's targets, or two links to two places."""
    targets: dict[str, set[str]] = {}
    for span in links:
        match = link_in_backticks(span)
        if match is not None:
            targets.setdefault(_link_name(span), set()).add(match.group("target"))
    taken = {name for name in targets if name in doc.doctree.nameids}
    return frozenset(taken | {name for name, places in targets.items() if len(places) > 1})


@rule("hyperlink-missing-backtick", Severity.WARNING, Phase.FILE, tags=TAGS)
def hyperlink_missing_backtick(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A hyperlink reference missing its opening backtick (``text <https://x>`_``).

    ## Why is this bad?
    Without the opening backtick docutils sees a bare URL between `<` and
    `` >`_ ``: the angle brackets, backtick and underscore are printed and the
    link text is not a link. Sphinx says nothing.

    ## Example
    ```rst
    Read NEWS <https://github.com/openstack/nova/blob/master/NEWS>`_ first.
    ```

    ## Use instead
    ```rst
    Read `NEWS <https://github.com/openstack/nova/blob/master/NEWS>`_ first.
    ```
    """
    if not written_here(doc, ctx, ">`"):
        return
    for span in texts(doc, ctx):
        if span.broken or ">`" not in span.text:
            continue
        for match in LINK_MISSING_BACKTICK_RE.finditer(span.text):
            at = span_location(doc, span, match.start(), match.group())
            written, column = _written_link(doc, at)
            fixed = f"`{written}" if written else "`text <target>`_"
            yield Hit(
                Location(at.path, at.line, column or at.column),
                f"hyperlink reference missing its opening backtick: {quoted(written or match.group())}; "
                f"did you mean {quoted(fixed)}?",
            )


def _written_link(doc: ParsedDoc, at: Location) -> tuple[str, int]:
    """The ``text <target>`_`` ending at a location as written, and its column ('', 0 if unknown)."""
    if at.path != doc.path or not 0 < at.line <= len(doc.lines):
        return "", 0
    line = doc.lines[at.line - 1][: at.column + 3]
    found = [m for m in LINK_WRITTEN_RE.finditer(line) if m.end() >= at.column]
    return (found[-1].group().strip(), found[-1].start() + 1) if found else ("", 0)


@rule("embedded-target-not-url", Severity.ERROR, Phase.TREE, tags=TAGS)
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
