"""hyperlink-* rules: links written so that nothing is clickable.

Without its backticks and trailing underscore a link is italic text. A target
with spaces, which is no URL (docutils makes a relative link of it), is
:mod:`.embedded`'s: a tree rule, run without the parser these rules read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from novadoclint.context import Context, ParsedDoc
from novadoclint.edits import FixSafety
from novadoclint.findings import Hit, Location, Severity, quoted
from novadoclint.prose import (
    TAGS,
    Span,
    edge_fix,
    elements,
    link_in_backticks,
    span_location,
    texts,
    written_here,
)
from novadoclint.registry import Phase, rule

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
