"""Named link targets (``name_``, ``.. _name: URL``): defined and used, within one document.

File rules, apart from the URL rules of :mod:`links` (tree rules, run over cached facts)
so that those import neither docutils' nodes nor the parsed document's locations: docutils
targets never cross documents in Sphinx, so these read the doctree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from docutils import nodes

from novadoclint.context import Context, ParsedDoc
from novadoclint.findings import Hit, Location, Severity
from novadoclint.location import file_path, line_of, source_of, source_path
from novadoclint.registry import Phase, rule
from novadoclint.resolve import did_you_mean

UNKNOWN_TARGET_RE = re.compile(r'^Unknown target name: "(.*)"\.$', re.DOTALL)
# [label]_ is a citation (Sphinx resolves those across the tree); [1]_ [#]_ [#x]_ [*]_ footnotes.
CITATION_RE = re.compile(r"^\[(?![#*\d])[^\]]+\]_$")


@rule("link-target-undefined", Severity.ERROR, Phase.FILE, tags={"links", "syntax"})
def link_target_undefined(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A named hyperlink reference (`` `name`_ ``) with no target of that name in its document.

    ## Why is this bad?
    docutils renders it as red "problematic" text and Sphinx warns
    `Unknown target name`; the reader gets no link. In Sphinx a target only
    serves the document that defines it (an `include` counts as the same
    document), so a target in another page does not help. This rule owns
    docutils' message; `rst-syntax` does not repeat it. Citations (`[label]_`)
    are left out: Sphinx resolves those across the whole tree.

    ## Example
    ```rst
    Read the `release notes`_ first.

    .. _release note: https://docs.openstack.org/releasenotes/nova/
    ```

    ## Use instead
    ```rst
    Read the `release notes`_ first.

    .. _release notes: https://docs.openstack.org/releasenotes/nova/
    ```
    """
    doctree = doc.doctree
    taken: set[tuple[str, int, int]] = set()
    for node in doctree.findall(nodes.problematic):
        message = doctree.ids.get(node.get("refid", ""))
        if not isinstance(message, nodes.system_message) or not message.children:
            continue
        match = UNKNOWN_TARGET_RE.match(message.children[0].astext())
        if match is None or CITATION_RE.match(node.rawsource):
            continue
        name = match.group(1)
        hint = did_you_mean(name, (n for n in doctree.nameids if n != name))
        at = _place(doc, ctx, node, node.rawsource, taken)
        yield Hit(at, f'unknown target name: "{name}"{hint}')


@rule("link-target-unused", Severity.WARNING, Phase.FILE, tags={"links"})
def link_target_unused(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """An external hyperlink target (`.. _name: URL`) that no `` `name`_ `` in its document uses.

    ## Why is this bad?
    The URL is dead weight: often the reference was removed or renamed, or it
    is misspelt and points nowhere (see `link-target-undefined`). Only external
    targets count: an internal label (`.. _name:`) serves `:ref:` from any page.
    Targets in an included file are left alone (another includer may use them),
    as are targets from `rst_prolog` or `rst_epilog`.

    ## Example
    ```rst
    Nova is on `GitHub`_.

    .. _GitHub: https://github.com/openstack/nova
    .. _Launchpad: https://launchpad.net/nova
    ```

    ## Use instead
    ```rst
    Nova is on `GitHub`_; bugs go to `Launchpad`_.

    .. _GitHub: https://github.com/openstack/nova
    .. _Launchpad: https://launchpad.net/nova
    ```
    """
    taken: set[tuple[str, int, int]] = set()
    for target in doc.doctree.findall(nodes.target):
        if (
            "refuri" not in target
            or not target["names"]
            or target.referenced
            or getattr(target, "resolved", False)  # an alias, `.. _a: b_`
            or isinstance(target.parent, nodes.TextElement)  # embedded `text <URL>`_
            or not target.source  # in no file: the project's, not the page's
            or source_path(target.source, ctx.srcdir, doc.path, prolog=None) != doc.path
            or any(_mentioned(doc.text, name) for name in target["names"])
        ):
            continue
        name = target["names"][0]
        at = _place(doc, ctx, target, target.rawsource, taken)
        yield Hit(at, f'hyperlink target "{name}" is not referenced; use it or remove it')


def _mentioned(text: str, name: str) -> bool:
    """A reference to the name in text novadoclint did not parse (an opaque directive's body)."""
    words = r"\s+".join(re.escape(w) for w in name.split())
    pattern = rf"(?<![\w.-]){words}_(?![\w])|`{words}`_(?!_)"
    return re.search(pattern, text, re.IGNORECASE) is not None


def _place(
    doc: ParsedDoc, ctx: Context, node: nodes.Node, needle: str, taken: set[tuple[str, int, int]]
) -> Location:
    """Where an inline node's markup is: docutils gives it its paragraph's first line."""
    path = file_path(source_of(node), ctx.srcdir, doc.path)
    start = line_of(node)
    if path != doc.path or not needle:
        return Location(path, start)
    first = needle.splitlines()[0]
    block = next((a for a in _lineage(node) if isinstance(a, nodes.TextElement)), None)
    span = block.rawsource.count("\n") + 1 if block is not None and block.rawsource else 1
    for number in range(start, min(start + span, len(doc.lines)) + 1):
        column = doc.lines[number - 1].find(first)
        while column >= 0:
            if (path, number, column + 1) not in taken:
                taken.add((path, number, column + 1))
                return Location(path, number, column + 1)
            column = doc.lines[number - 1].find(first, column + 1)
    return Location(path, start)


def _lineage(node: nodes.Node) -> Iterator[nodes.Node]:
    current = node.parent
    while current is not None:
        yield current
        current = current.parent
