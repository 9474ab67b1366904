"""Syntax and node-name checks for diagram sources found in Sphinx documents.

The rules ``diagram-syntax`` and ``diagram-undeclared-node`` hand this module
the source of a diagram directive (its inline content, or the text of the file
it names) and translate the returned lines, which are 1-based and counted by
``"\\n"`` within the text given, to lines of the ``.rst`` file.  Nothing here
touches docutils.

Why the real grammars: a diagram that Sphinx renders must never be reported,
and a home-made grammar drifts from the one the build uses.  So the
blockdiag family is checked with ``blockdiag.parser``, ``seqdiag.parser``,
``actdiag.parser``, ``nwdiag.parser``, ``rackdiag.parser`` and
``packetdiag.parser`` (funcparserlib grammars), and Graphviz sources with the
pyparsing grammar of pydot.  These packages are optional; when one is missing,
:func:`parser_available` says so and the checks return nothing, so that the
rule can say plainly that it cannot run.  Mermaid and PlantUML have no
pure-Python grammar and are never checked.

Lines and columns are 1-based and count characters.  For the ``graph`` and
``digraph`` directives a problem with the directive's argument (the graph
name) is returned with line 0 and column 0, meaning "the directive line".
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from novadoclint.languages.diagrams import blockdiag, dot, optional
from novadoclint.languages.diagrams.positions import DiagramProblem

__all__ = [
    "DIAGRAM_DIRECTIVES",
    "DIAGRAM_PACKAGES",
    "DiagramProblem",
    "check_diagram_syntax",
    "parser_available",
    "undeclared_nodes",
]


_UNCHECKED_DIRECTIVES = frozenset({"mermaid", "uml"})

#: Every directive this package knows about.
DIAGRAM_DIRECTIVES: frozenset[str] = frozenset(
    blockdiag.MODULES.keys() | dot.DIRECTIVES | _UNCHECKED_DIRECTIVES
)

#: Directive -> PyPI distribution whose parser checks it.  ``mermaid`` and
#: ``uml`` are absent: no installable package gives them a pure-Python check.
DIAGRAM_PACKAGES: Mapping[str, str] = MappingProxyType(
    {
        "blockdiag": "blockdiag",
        "seqdiag": "seqdiag",
        "actdiag": "actdiag",
        "nwdiag": "nwdiag",
        "rackdiag": "nwdiag",
        "packetdiag": "nwdiag",
        "graphviz": "pydot",
        "graph": "pydot",
        "digraph": "pydot",
    }
)


def parser_available(directive: str) -> bool:
    """Tell whether ``directive`` can be checked on this installation.

    False for ``mermaid`` and ``uml`` (no pure-Python grammar exists) and when
    the optional package that holds the grammar is not installed or does not
    import, so that the rule can report that it cannot run instead of
    silently passing.
    """
    _require_known(directive)
    if directive in _UNCHECKED_DIRECTIVES:
        return False
    if directive in dot.DIRECTIVES:
        return optional.import_optional(dot.PARSER_MODULE) is not None
    return (
        optional.import_optional(blockdiag.MODULES[directive]) is not None
        and optional.import_optional("blockdiag.utils") is not None
    )


def check_diagram_syntax(
    directive: str, text: str, *, name: str | None = None
) -> tuple[DiagramProblem, ...]:
    """Return the syntax error of a diagram source, if its grammar rejects it.

    ``text`` is what the directive holds: for ``graph`` and ``digraph`` only
    the body, which is wrapped here exactly as Sphinx wraps it
    (``digraph NAME {\\nBODY\\n}\\n``; ``name`` is the directive's argument,
    a placeholder when omitted).  For the blockdiag family the content is
    accepted either whole (``seqdiag { ... }``) or as a bare body, as the
    directives do.  At most one problem is returned: after the first error
    a parser knows nothing reliable.  Returns ``()`` when the source is valid
    or when :func:`parser_available` is False.
    """
    if not _checkable(directive, name):
        return ()
    if directive in dot.DIRECTIVES:
        return dot.check_syntax(directive, text, name)
    return blockdiag.check_syntax(directive, text)


def undeclared_nodes(
    directive: str, text: str, *, name: str | None = None
) -> tuple[DiagramProblem, ...]:
    """Report edge endpoints that misspell a node the diagram declares.

    Why: in these languages an edge to an unknown name silently creates a
    new node, so ``browser -> webservr`` draws a stray participant instead of
    failing.  But naming a node in an edge is also how every one of them
    declares nodes, and authors mix both styles, so a name used only in edges
    is reported only when the diagram declares nodes explicitly (a node
    statement) and the name is a typo of a declared one (see
    :func:`.typos.typo_of`): once, where it is first used, with the declared name
    as the suggestion.  Diagrams that create all nodes implicitly, diagrams
    that do not parse (see :func:`check_diagram_syntax`), nwdiag, rackdiag,
    packetdiag, mermaid and uml give ``()``.  ``name`` is as for
    :func:`check_diagram_syntax`.
    """
    if not _checkable(directive, name):
        return ()
    if directive in dot.DIRECTIVES:
        return dot.undeclared_nodes(directive, text, name)
    if directive in blockdiag.NODE_EDGE_DIRECTIVES:
        return blockdiag.undeclared_nodes(directive, text)
    return ()


def _checkable(directive: str, name: str | None) -> bool:
    """Whether a check can run: a caller's mix-up fails loudly, a missing parser is False."""
    _require_known(directive)
    _check_name_use(directive, name)
    return parser_available(directive)


def _require_known(directive: str) -> None:
    """Fail loudly on a directive name the caller should not have passed."""
    if directive not in DIAGRAM_DIRECTIVES:
        known = ", ".join(sorted(DIAGRAM_DIRECTIVES))
        raise ValueError(f"unknown diagram directive {directive!r}; known: {known}")


def _check_name_use(directive: str, name: str | None) -> None:
    """Refuse a graph name for directives that take none, to catch caller mix-ups."""
    if name is not None and directive not in dot.BODY_DIRECTIVES:
        raise ValueError(f"the {directive!r} directive takes no graph name")
