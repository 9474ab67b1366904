"""Suppression comments that suppress nothing: a typo must not pass as a working comment.

What the comments suppress is decided in :mod:`novadoclint.decide`; this rule
only reports the comments that name no rule or that novadoclint cannot read.
"""

from __future__ import annotations

from collections.abc import Iterator

from docutils import nodes

from novadoclint.collect import SUPPRESS_RE
from novadoclint.context import Context, ParsedDoc
from novadoclint.findings import Hit, Location, Severity
from novadoclint.location import file_path, line_of, source_of
from novadoclint.registry import Phase, rule, unknown_selector
from novadoclint.safety.untrusted import excerpt

PREFIX = "novadoclint:"


@rule("suppression-unknown-rule", Severity.ERROR, Phase.FILE)
def suppression_unknown_rule(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A `.. novadoclint: disable=` comment naming no rule, or one novadoclint cannot read.

    ## Why is this bad?
    The comment suppresses nothing for the name it gets wrong, so the findings
    it was written for are still reported, or, worse, the author believes a
    problem is handled that is not. A comment is read when it is
    `novadoclint: disable=` or `disable-file=` followed by rule ids, patterns
    (`link-*`), tags or `all`, separated by commas; anything else after
    `novadoclint:` is reported too. The message suggests the nearest rule id.

    ## Example
    ```rst
    .. novadoclint: disable=doc-ref-mising

    See :doc:`generated/page`.
    ```

    ## Use instead
    ```rst
    .. novadoclint: disable=doc-ref-missing

    See :doc:`generated/page`.
    ```
    """
    for node in doc.doctree.findall(nodes.comment):
        text = node.astext().strip()
        if not text.startswith(PREFIX):
            continue
        path = file_path(source_of(node), ctx.srcdir, doc.path)
        if path.startswith("../"):
            continue  # outside the source dir
        at = Location(path, _line(doc, path, line_of(node), text.splitlines()[0]))
        match = SUPPRESS_RE.match(text)
        if not match:
            yield Hit(
                at,
                f"a novadoclint comment that is not read: {excerpt(text)} "
                "(write 'novadoclint: disable=RULE[,RULE]' or 'novadoclint: disable-file=RULE')",
            )
            continue
        for name in (n.strip() for n in match.group(2).split(",")):
            problem = unknown_selector(name, ctx.rule_names) if name else None
            if problem:
                yield Hit(at, f"'{match.group(1)}=' suppresses nothing: {problem}")


def _line(doc: ParsedDoc, path: str, line: int, first: str) -> int:
    """The line the comment's text starts on: docutils gives a comment the line after it
    (or its last line). In an included file, whose lines a rule does not read, the line
    before docutils' (a one-line comment followed by a blank line, as they are written)."""
    if path != doc.path:
        return max(1, line - 1)
    for number in range(min(line, len(doc.lines)), max(0, line - 50), -1):
        if first in doc.lines[number - 1]:
            return number
    return line
