"""Rules for diagram directives: extension enabled and installed, source parses, nodes declared.

The grammars live in :mod:`novadoclint.languages.diagrams`, and a source a
directive names is read by the run (:mod:`novadoclint.project.treefiles`). Here they
meet the documents: which directive holds which source, and where in the
``.rst`` file a problem is. Whether the docs build installs the extension's
package is :mod:`.extensions`'s; whether a named file exists, :mod:`.diagram_files`'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from novadoclint import location
from novadoclint.checks.syntax import UNKNOWN_DIRECTIVE_RE
from novadoclint.context import Context, ParsedDoc
from novadoclint.facts import Directive
from novadoclint.findings import Hit, Location, Severity
from novadoclint.languages import diagrams
from novadoclint.parse import Message
from novadoclint.project.vocabulary import providers_of_directive
from novadoclint.registry import Phase, rule
from novadoclint.resolve import DIAGRAM_FILE_DIRECTIVES, relfn2path

NAMED_GRAPHS = frozenset({"graph", "digraph"})


@dataclass(frozen=True, slots=True)
class _Source:
    """A diagram's text and how its lines map onto a file's lines."""

    text: str
    path: str  # the file the text sits in, relative to the source dir
    first_line: int  # line of that file holding the text's first line
    lines: tuple[str, ...] | None  # that file's lines, when known, for columns


def _checked(directive: Directive) -> bool:
    return directive.name in diagrams.DIAGRAM_DIRECTIVES and directive.name not in (
        "mermaid",
        "uml",
    )


def _graph_name(directive: Directive) -> str | None:
    if directive.name in NAMED_GRAPHS:
        return directive.arguments[0] if directive.arguments else None
    return None


def _source(doc: ParsedDoc, ctx: Context, directive: Directive) -> _Source | None:
    """The text Sphinx would draw: the content, or the file the argument names."""
    if directive.name in DIAGRAM_FILE_DIRECTIVES and directive.arguments:
        if directive.content:
            return None  # Sphinx refuses the directive: diagram-syntax says why
        path = relfn2path(directive.arguments[0], doc.path)
        # Outside the project: include-outside-project reports it, unread. Missing:
        # diagram-file-missing reports it. Refused (no regular file, over 10 MB): unread.
        raw = ctx.tree_files.read(path).data
        if raw is None:
            return None
        text = raw.decode("utf-8-sig", "replace").replace("\r\n", "\n")
        return _Source(text, path, 1, tuple(text.split("\n")))
    lines = tuple(doc.lines) if directive.path == doc.path else None
    return _Source(directive.content, directive.path, directive.content_line, lines)


def _place(source: _Source, directive: Directive, line: int, column: int) -> Location:
    """A problem's (line, column) in the diagram text, as a place in its file.

    docutils hands the content over dedented; the lost indentation is what the
    file's line holds before the content's line. Line 0 means the directive's
    argument (a graph name).
    """
    file_line = source.first_line + line - 1
    if line == 0 or file_line < 1:  # the argument, or content docutils left no line for
        return Location(directive.path, directive.line, 1)
    indent = 0
    text_lines = source.text.split("\n")
    if source.lines is not None and 0 < file_line <= len(source.lines) and line <= len(text_lines):
        written = source.lines[file_line - 1].expandtabs(8).rstrip()
        indent = max(len(written) - len(text_lines[line - 1].rstrip()), 0)
    return Location(source.path, file_line, column + indent)


def _diagrams(doc: ParsedDoc) -> Iterator[Directive]:
    return (d for d in doc.facts.directives if _checked(d))


@rule("diagram-extension-missing", Severity.ERROR, Phase.FILE, tags={"diagrams", "extensions"})
def diagram_extension_missing(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A diagram directive whose extension conf.py does not enable.

    ## Why is this bad?
    Sphinx does not know the directive: it warns `Unknown directive type` and
    drops the whole diagram, so readers get nothing where the flow should be,
    and a `-W` build fails. The message names the extension to add to conf.py's
    `extensions` and the package that provides it. Covers the blockdiag family
    (`blockdiag`, `seqdiag`, `actdiag`, `nwdiag`, `rackdiag`, `packetdiag`),
    Graphviz (`graphviz`, `graph`, `digraph`), `mermaid` and `uml`; other
    unknown directives are `unknown-directive`'s.

    ## Example
    ```rst
    .. conf.py: extensions = ['sphinx.ext.todo']
    .. seqdiag::

       seqdiag {
           browser -> server;
       }
    ```

    ## Use instead
    ```rst
    .. conf.py: extensions = ['sphinx.ext.todo', 'sphinxcontrib.seqdiag']
    .. seqdiag::

       seqdiag {
           browser -> server;
       }
    ```

    ## Known problems
    When this rule is ignored, a diagram directive whose extension is missing
    is reported by no rule: `unknown-directive` leaves these names to this one.
    """
    for message in doc.messages:
        match = UNKNOWN_DIRECTIVE_RE.match(message.text)
        name = match.group(1).lower() if match else ""
        if name not in diagrams.DIAGRAM_DIRECTIVES:
            continue
        providers = providers_of_directive(name)
        fix = ""
        if providers:
            first = providers[0]
            fix = f"; enable {first.extension!r} in conf.py (package {first.package!r})"
        unread = ctx.vocabulary.unknown_extensions
        if unread:
            fix += f", unless one of {', '.join(unread)} provides it (extra-directives)"
        yield Hit(
            _message_location(doc, ctx, message, name), f"unknown directive type {name!r}{fix}"
        )


def _message_location(doc: ParsedDoc, ctx: Context, message: Message, name: str) -> Location:
    """Where docutils put its message; in the page, at the directive's name on its line."""
    where = location.message_location(message, ctx.srcdir, doc.path)
    if where.path == doc.path and where.line <= len(doc.lines):
        line = doc.lines[where.line - 1]
        found = re.search(rf"\.\.\s+{re.escape(name)}\s*::", line, re.IGNORECASE)
        if found:
            return Location(where.path, where.line, found.start() + 1)
    return where


@rule("diagram-syntax", Severity.ERROR, Phase.FILE, tags={"diagrams"})
def diagram_syntax(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A diagram whose source does not parse: the build fails when it draws it.

    ## Why is this bad?
    The diagram is only drawn late in the build, after every page was read; a
    syntax error then fails the whole build (or leaves a hole in the page). The
    source is checked with the real grammars: blockdiag's, seqdiag's, actdiag's
    and nwdiag's own parsers, and pydot's Graphviz grammar (plus Graphviz's own
    edge-operator rule: `->` only in a digraph, `--` only in a graph, and the
    two forms of Graphviz's grammar pydot lacks: `;` between attributes and
    comma-separated node lists, `a, b -> c`, which are valid). The
    problem is reported where it is: at its line and column in the `.rst`
    file, or in the diagram file that the directive names. `mermaid` and `uml`
    have no Python grammar and are not checked.

    ## Example
    ```rst
    .. conf.py: extensions = ['sphinxcontrib.seqdiag']
    .. seqdiag::

       seqdiag {
           browser -> server [label = "GET /";
           browser <-- server;
       }
    ```

    ## Use instead
    ```rst
    .. conf.py: extensions = ['sphinxcontrib.seqdiag']
    .. seqdiag::

       seqdiag {
           browser -> server [label = "GET /"];
           browser <-- server;
       }
    ```

    ## Known problems
    The parsers are the optional extra `novadoclint[diagrams]`. Without them
    the rule cannot check and says so plainly, once per document and diagram
    language: `cannot check seqdiag syntax: package 'seqdiag' is not installed`.
    Reading a diagram file that a directive names is this rule's only I/O.
    """
    unchecked: set[str] = set()
    for directive in _diagrams(doc):
        name = directive.name
        if name in NAMED_GRAPHS and not directive.arguments:
            yield Hit(
                Location(directive.path, directive.line),
                f'error in "{name}" directive: 1 argument(s) required, 0 supplied',
            )
            continue
        if name in DIAGRAM_FILE_DIRECTIVES and directive.arguments and directive.content:
            yield Hit(
                Location(directive.path, directive.line),
                f"{name} directive cannot have both content and a filename argument",
            )
            continue
        if not diagrams.parser_available(name):
            package = diagrams.DIAGRAM_PACKAGES[name]
            if package not in unchecked:
                unchecked.add(package)
                yield Hit(
                    Location(directive.path, directive.line),
                    f"cannot check {name} syntax: package {package!r} is not installed; "
                    "install novadoclint[diagrams]",
                )
            continue
        source = _source(doc, ctx, directive)
        if source is None:
            continue
        for problem in diagrams.check_diagram_syntax(
            name, source.text, name=_graph_name(directive)
        ):
            yield Hit(
                _place(source, directive, problem.line, problem.column),
                f"{name} syntax error: {problem.message}",
                cause=doc.docname,
            )


@rule("diagram-undeclared-node", Severity.WARNING, Phase.FILE, tags={"diagrams"})
def diagram_undeclared_node(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """An edge naming a node that misspells one the diagram declares.

    ## Why is this bad?
    In blockdiag, seqdiag, actdiag and Graphviz an edge to an unknown name
    silently creates a new node: a misspelt participant becomes an extra lane
    in the sequence diagram, and the build succeeds. But naming a node in an
    edge is also how these languages declare nodes, and authors mix styled
    node statements with nodes their edges create, so a name used only in
    edges is reported only when the diagram has node statements and the name
    is a typo of a declared one: one edit away (two for names of nine
    characters or more, swapped letters count as one) or a difference of case.
    Diagrams that create every node from its edges are left alone, and so are
    diagrams that do not parse (see `diagram-syntax`).

    ## Example
    ```rst
    .. conf.py: extensions = ['sphinxcontrib.seqdiag']
    .. seqdiag::

       seqdiag {
           browser; server;
           browser -> sevrer;
       }
    ```

    ## Use instead
    ```rst
    .. conf.py: extensions = ['sphinxcontrib.seqdiag']
    .. seqdiag::

       seqdiag {
           browser; server;
           browser -> server;
       }
    ```

    ## Known problems
    Needs the parsers of `novadoclint[diagrams]`; without them it checks
    nothing (`diagram-syntax` says so). nwdiag, rackdiag and packetdiag are not
    checked: a peer link to a node on no network is nwdiag's idiom, and the
    other two have no edges. A typo far from every declared name, or of a name
    of fewer than four characters, is not seen; names of a series that differ
    only in their digits or in one final or one-letter part (`sp3` and `sp5`,
    `host_a` and `host_b`) are taken as different nodes, not as typos.
    """
    for directive in _diagrams(doc):
        if not diagrams.parser_available(directive.name):
            continue
        if directive.name in NAMED_GRAPHS and not directive.arguments:
            continue
        source = _source(doc, ctx, directive)
        if source is None:
            continue
        for problem in diagrams.undeclared_nodes(
            directive.name, source.text, name=_graph_name(directive)
        ):
            yield Hit(
                _place(source, directive, problem.line, problem.column),
                problem.message,
                cause=doc.docname,
            )
