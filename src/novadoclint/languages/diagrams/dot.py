"""Graphviz sources (``graphviz``, ``graph``, ``digraph``) through pydot's pyparsing grammar.

Why pydot's grammar: a diagram that Sphinx renders must never be reported,
and a home-made grammar drifts. Its gaps against Graphviz's own grammar are
rewritten before parsing, its errors are looked for inside the block they
name, and implicit nodes are told from misspelt ones. pyparsing is slow, so
each source is parsed once per run and, on the releases checked, pydot's
comments are skipped without being tried where none can start.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from novadoclint.languages.diagrams import optional
from novadoclint.languages.diagrams.positions import (
    DiagramProblem,
    Source,
    lower_first,
    position_of,
)
from novadoclint.languages.diagrams.typos import near_miss_message

__all__ = ["BODY_DIRECTIVES", "DIRECTIVES", "PARSER_MODULE", "check_syntax", "undeclared_nodes"]

DIRECTIVES = frozenset({"graphviz", "graph", "digraph"})
# Sphinx wraps the content of these two directives as ``NAME ARG {\nBODY\n}\n``.
BODY_DIRECTIVES = frozenset({"graph", "digraph"})

PARSER_MODULE = "pydot.dot_parser"
# Names pyparsing gives to pieces of pydot's grammar, as a reader knows them.
_DOT_EXPECTED_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "lbrace": "'{'",
        "rbrace": "'}'",
        "lbrack": "'['",
        "rbrack": "']'",
        "equals": "'='",
        "semi": "';'",
        "comma": "','",
        "colon": "':'",
        "{'DIGRAPH' | 'GRAPH'}": "'digraph' or 'graph'",
    }
)
_DOT_DEFAULT_STATEMENTS = frozenset({"node", "edge", "graph"})
_PYPARSING_LOCATION = re.compile(r"\s+\(at char \d+\), \(line:\d+, col:\d+\)\s*$")


@functools.cache
def _dot_lock() -> threading.Lock:
    """pydot documents its parser as not thread-safe; serialise its use."""
    return threading.Lock()


def _dot_source(directive: str, text: str, name: str | None) -> Source:
    """The string Graphviz receives: the text itself, or Sphinx's wrapping.

    ``sphinx.ext.graphviz.GraphvizSimple`` builds
    ``f'{self.name} {self.arguments[0]} {{\\n{dot_code}\\n}}\\n'``.
    """
    if directive in BODY_DIRECTIVES:
        prefix = f"{directive} {name if name is not None else 'G'} {{\n"
        parsed = _dot_as_pydot_reads(f"{prefix}{text}\n}}\n")
        return Source(parsed, text, len(prefix), 0, len(text))
    return Source(_dot_as_pydot_reads(text), text, 0, 0, len(text))


def _dot_as_pydot_reads(text: str) -> str:
    """The DOT text with two valid forms pydot's grammar lacks rewritten, offsets kept.

    Graphviz's own grammar (``lib/cgraph/grammar.y``) separates attributes
    with ``;`` as well as ``,`` (``node [shape = rect; style = filled]``, also
    in the language reference) and takes a comma-separated list of nodes as a
    statement or an edge end (``{rank=same; "a" "b", "c"}``, ``a, b -> c``).
    pydot accepts neither, and a parser's gap is not the author's error: the
    ``;`` inside brackets becomes ``,``, and a ``,`` between two node ids
    outside brackets a space (the same nodes, each its own statement).
    Character for character, so that positions stay those of the text.
    """
    lexemes = list(_dot_lexemes(text))
    chars = list(text)
    depth = 0
    for index, (kind, value, offset) in enumerate(lexemes):
        if kind != "punct":
            continue
        if value == "[":
            depth += 1
        elif value == "]":
            depth = max(depth - 1, 0)
        elif value == ";" and depth:
            chars[offset] = ","
        elif value == "," and not depth and _dot_node_list_comma(lexemes, index):
            chars[offset] = " "
    return "".join(chars)


def _dot_node_list_comma(lexemes: Sequence[tuple[str, str, int]], index: int) -> bool:
    """Whether the ``,`` at ``index`` separates two node ids (``a:port, "b"``).

    The id before it must be a node's: not the value of an ``a = b``
    assignment (``rank=same, a`` is an error for Graphviz too).
    """
    if index + 1 >= len(lexemes) or lexemes[index + 1][0] != "id":
        return False
    before = index - 1
    while before >= 2 and lexemes[before - 1][1] == ":" and lexemes[before - 2][0] == "id":
        before -= 2
    if before < 0 or lexemes[before][0] != "id":
        return False
    return before == 0 or lexemes[before - 1][1] != "="


def _dot_parse(parsed: str) -> list[Any]:
    """Parse with pydot's grammar, the whole input (trailing junk is an error)."""
    outcome, value = _dot_parse_once(parsed)
    if outcome == "error":
        raise value
    return list(value)


@functools.lru_cache(maxsize=32)
def _dot_parse_once(parsed: str) -> tuple[str, Any]:
    """One pyparsing run per source, shared by the syntax and undeclared-node checks.

    pyparsing takes ~75 ms a graph: parsing each diagram once instead of twice is
    most of diagram-syntax's cost. Results are only read, never changed.
    """
    grammar = optional.loaded_module(PARSER_MODULE).GraphParser.parser
    _dot_fast_comments_once()
    with _dot_lock():
        try:
            return "ok", tuple(grammar.parse_string(parsed, parse_all=True))
        except Exception as exc:
            return "error", exc


# pyparsing and pydot releases (major, minor) whose comment skipping _dot_fast_comments
# was checked against (tests/test_diagramcheck.py, bench/dotparse.py); pydot's two
# ignored expressions are checked too, so other releases parse with pyparsing's own.
_DOT_FAST_COMMENTS_PYPARSING = frozenset({(3, 3)})
_DOT_FAST_COMMENTS_PYDOT = frozenset({(4, 0)})
_DOT_COMMENTS = (
    "Suppress:({Group:({'//' rest of line}) | Group:({'#' rest of line})})",
    "Suppress:(C style comment)",
)
_dot_fast_elements: list[Any] = []  # the grammar's elements given the fast skip


def _release(module: Any) -> tuple[int, ...]:
    """(major, minor) of a module's __version__, () when unreadable."""
    try:
        return tuple(int(part) for part in str(module.__version__).split(".")[:2])
    except (AttributeError, ValueError):
        return ()


@functools.cache
def _dot_fast_comments_once() -> bool:
    return _dot_fast_comments(True)


def _dot_fast_comments(enabled: bool) -> bool:
    """Skip pydot's comments without trying them where none can start (or stop doing so).

    pyparsing tries every ignored expression (pydot's ``//``, ``#`` and ``/* */``
    comments) before every element of the grammar, at every position it tries:
    about four fifths of a parse. None of them can match unless the first
    character after whitespace (any the comments' elements skip) is ``/`` or
    ``#``; there pyparsing's own skip runs, elsewhere it would return the
    position unchanged, and now does so at once. Same tokens, same errors at
    the same places. Returns whether it is on.
    """
    with _dot_lock():
        for element in _dot_fast_elements:
            vars(element).pop("_skipIgnorables", None)
        _dot_fast_elements.clear()
        if not enabled or optional.import_optional(PARSER_MODULE) is None:
            return False
        if _release(optional.loaded_module("pyparsing")) not in _DOT_FAST_COMMENTS_PYPARSING:
            return False
        if _release(optional.loaded_module("pydot")) not in _DOT_FAST_COMMENTS_PYDOT:
            return False
        grammar = optional.loaded_module(PARSER_MODULE).GraphParser.parser
        comments = list(grammar.ignoreExprs)
        if [str(comment) for comment in comments] != list(_DOT_COMMENTS):
            return False
        grammar.streamline()  # elements final before they are patched
        elements = _grammar_elements([grammar])
        white: set[str] = set()
        for element in _grammar_elements(comments):
            white.update(element.whiteChars if element.skipWhitespace else ())
        start = re.compile("[" + re.escape("".join(sorted(white))) + "]*[/#]")
        for element in elements:
            if not element.ignoreExprs:
                continue
            if not all(any(c is comment for comment in comments) for c in element.ignoreExprs):
                continue
            element._skipIgnorables = _fast_skip(element._skipIgnorables, start.match)
            _dot_fast_elements.append(element)
        return bool(_dot_fast_elements)


def _grammar_elements(roots: list[Any]) -> list[Any]:
    """Every pyparsing element reachable from ``roots``, each once."""
    seen: dict[int, Any] = {}
    stack = list(roots)
    while stack:
        element = stack.pop()
        if id(element) not in seen:
            seen[id(element)] = element
            stack.extend(element.recurse())
    return list(seen.values())


def _fast_skip(skip: Any, can_start: Any) -> Any:
    def fast(instring: str, loc: int) -> int:
        if can_start(instring, loc) is None:
            return loc  # what skip returns when no comment matches here
        return int(skip(instring, loc))

    return fast


def _dot_deepest_error(parsed: str, exc: Any) -> tuple[int, str]:
    """Offset and message of the error, looked for inside the block it names.

    pyparsing backtracks: a mistake inside ``subgraph x { ... }`` makes the
    whole block fail, and the error names its ``{`` ("expected '}', found
    '{'").  The block's content is then parsed on its own, as the body of a
    graph, with the same grammar, and the error found there (recursively)
    is the author's.  A block that parses on its own keeps the outer error.
    """
    loc = int(exc.loc)
    message = str(exc)
    exception_type = optional.loaded_module("pyparsing").ParseException
    while parsed.startswith("{", loc):
        close = _dot_matching_brace(parsed, loc)
        if close is None:
            break
        prefix = "graph {"
        try:
            _dot_parse(f"{prefix}{parsed[loc + 1 : close]}}}")
        except exception_type as inner:
            inner_loc = int(inner.loc) - len(prefix)
            if not 0 <= inner_loc < close - loc - 1:
                break
            loc, message = loc + 1 + inner_loc, str(inner)
        except Exception:
            break
        else:
            break
    return loc, message


def _dot_matching_brace(text: str, opening: int) -> int | None:
    """Offset of the ``}`` closing the ``{`` at ``opening``, strings and comments skipped."""
    depth = 0
    for kind, value, offset in _dot_lexemes(text[opening:]):
        if kind != "punct" or value not in "{}":
            continue
        depth += 1 if value == "{" else -1
        if depth == 0:
            return opening + offset
    return None


def check_syntax(directive: str, text: str, name: str | None) -> tuple[DiagramProblem, ...]:
    """Check a Graphviz source and place pyparsing's error in the caller's text.

    pydot's own ``graph_from_dot_data`` prints the error and returns None, so
    the grammar is called directly to get the ParseException and its offset.
    """
    if directive == "graphviz" and not text.strip():
        return (DiagramProblem(1, 1, "diagram has no content"),)
    source = _dot_source(directive, text, name)
    exception_type = optional.loaded_module("pyparsing").ParseException
    try:
        graphs = _dot_parse(source.parsed)
    except exception_type as exc:
        return (_dot_problem(*_dot_deepest_error(source.parsed, exc), source, name),)
    except Exception:
        # A crash inside pydot's parse actions (pydot 4.0.0 failed on node
        # statements with a port) says nothing about the document.
        return ()
    kinds = {graph.get_type() for graph in graphs}
    if len(kinds) != 1:
        # Several graphs of both kinds in one source: which operator Graphviz
        # wants where is not worth guessing for a case no document has.
        return ()
    return _dot_edge_op_problem(text, directed=kinds == {"digraph"})


def _dot_edge_op_problem(text: str, *, directed: bool) -> tuple[DiagramProblem, ...]:
    """Report an edge operator of the wrong kind, which pydot lets through.

    Graphviz's lexer (``lib/cgraph/scan.l``) turns ``->`` into a plain ``-``
    unless the input's first graph is a digraph, and ``--`` unless it is an
    undirected graph, so either mix-up is a syntax error for ``dot``; pydot's
    grammar accepts both operators everywhere.  This is the classic mistake
    with the ``graph`` directive, whose body is wrapped as ``graph NAME {``.
    """
    wrong, right = ("--", "->") if directed else ("->", "--")
    kind = "a directed" if directed else "an undirected"
    for lexeme_kind, value, offset in _dot_lexemes(text):
        if lexeme_kind == "edgeop" and value == wrong:
            line, column = position_of(text, offset)
            message = f"{wrong!r} in {kind} graph, where Graphviz accepts only {right!r}"
            return (DiagramProblem(line, column, message),)
    return ()


def _dot_problem(loc: int, error: str, source: Source, name: str | None) -> DiagramProblem:
    """Describe a pyparsing error in the reader's terms, at the caller's position."""
    message = _PYPARSING_LOCATION.sub("", error)
    for grammar_name, shown in _DOT_EXPECTED_NAMES.items():
        message = re.sub(rf"(?<![\w']){re.escape(grammar_name)}(?![\w'])", shown, message)
    message = lower_first(message)
    if not message or message.startswith(","):
        # pyparsing 3.1.0 and 3.1.1 leave the "Expected ..." part empty.
        message = f"syntax error{message}"
    inner = source.offset_in_slice(loc)
    if inner < 0:
        shown_name = name if name is not None else "G"
        return DiagramProblem(0, 0, f"graph name {shown_name!r} is not a valid DOT id: {message}")
    if inner > source.length and message.startswith("expected end of text"):
        # The graph was closed by a '}' of the body before Sphinx's own one.
        braces = [
            offset
            for kind, value, offset in _dot_lexemes(source.text)
            if kind == "punct" and value == "}"
        ]
        if braces:
            closing = braces[-1]
            return DiagramProblem(
                *position_of(source.text, closing),
                "unmatched '}' closes the graph before the end of the body",
            )
    # Past the last character (end of text, Sphinx's closing brace): point just
    # after the last thing the author wrote, not at a line they cannot see.
    end = source.start + len(source.text[source.start : source.start + source.length].rstrip())
    offset = min(source.start + min(max(inner, 0), source.length), end)
    return DiagramProblem(*position_of(source.text, offset), message)


def undeclared_nodes(directive: str, text: str, name: str | None) -> tuple[DiagramProblem, ...]:
    """Compare node statements with edge endpoints in pydot's graph objects."""
    source = _dot_source(directive, text, name)
    try:
        graphs = _dot_parse(source.parsed)
    except Exception:
        return ()
    missing: dict[str, list[str]] = {}
    for graph in graphs:
        names = _DotNames()
        names.walk_graph(graph, anonymous=False)
        if not names.explicit:
            continue
        for endpoint in names.endpoints:
            if endpoint not in names.declared:
                missing.setdefault(endpoint, sorted(names.declared))
    if not missing:
        return ()
    positions = _dot_endpoint_positions(text)
    problems = []
    for node, declared in missing.items():
        message = near_miss_message(node, declared)
        if message is None:
            continue
        line, column = positions.get(node, (1, 1))
        problems.append(DiagramProblem(line, column, message))
    return tuple(sorted(problems, key=lambda p: (p.line, p.column, p.message)))


class _DotNames:
    """Declared node names and edge endpoint names of one pydot graph.

    Rules, following what Graphviz does and what authors mean:

    * ``node [...]``, ``edge [...]`` and ``graph [...]`` defaults are not
      nodes (pydot turns them into nodes named ``node``/``edge``/``graph``;
      a real node of that name has to be quoted, and pydot keeps the quotes);
    * every node statement, in any subgraph or cluster, declares its node;
    * but only a node statement at the top level, in a named subgraph or
      cluster, or with attributes shows that the author lists nodes: a bare
      ``{rank=same; a b}`` only refers to nodes, so it does not make the
      graph one that declares its nodes;
    * names in a subgraph used as an edge end (``a -> {b c}``) are edge
      endpoints, unless that statement gives them attributes;
    * ports and compass points (``a:p1:ne``) belong to node ``a``.
    """

    __slots__ = ("declared", "endpoints", "explicit")

    def __init__(self) -> None:
        self.declared: set[str] = set()
        self.endpoints: list[str] = []
        self.explicit = False

    def walk_graph(self, graph: Any, *, anonymous: bool) -> None:
        for node in graph.get_nodes():
            raw = node.get_name()
            if raw.lower() in _DOT_DEFAULT_STATEMENTS:
                continue
            self.declared.add(_dot_node_name(raw))
            if not anonymous or node.get_attributes():
                self.explicit = True
        for edge in graph.get_edges():
            self.add_endpoint(edge.get_source())
            self.add_endpoint(edge.get_destination())
        for subgraph in graph.get_subgraphs():
            self.walk_graph(subgraph, anonymous=not subgraph.get_name())

    def add_endpoint(self, point: Any) -> None:
        if isinstance(point, str):
            self.endpoints.append(_dot_node_name(point))
            return
        if not isinstance(point, Mapping):
            return
        for raw, statements in (point.get("nodes") or {}).items():
            if raw.lower() in _DOT_DEFAULT_STATEMENTS:
                continue
            if any(statement.get("attributes") for statement in statements):
                self.declared.add(_dot_node_name(raw))
            else:
                self.endpoints.append(_dot_node_name(raw))
        for edges in (point.get("edges") or {}).values():
            for edge in edges:
                for inner in edge.get("points") or ():
                    self.add_endpoint(inner)
        for subgraphs in (point.get("subgraphs") or {}).values():
            for subgraph in subgraphs:
                self.add_endpoint(subgraph)


def _dot_node_name(raw: str) -> str:
    """Node name of a DOT node id: quotes removed, port and compass dropped.

    ``"a"`` and ``a`` are the same node in Graphviz; ``a:p1:ne`` is node
    ``a``.  HTML ids ``<...>`` are kept as written.
    """
    if raw.startswith('"'):
        match = re.match(r'"((?:\\.|[^"\\])*)"', raw, re.DOTALL)
        if match:
            return match.group(1).replace('\\"', '"')
        return raw
    if raw.startswith("<"):
        return raw
    return raw.split(":", 1)[0]


_DOT_LEXEME = re.compile(
    r"""
    (?P<skip>\s+|//[^\n]*|\#[^\n]*|/\*.*?(?:\*/|\Z))
    |(?P<string>"(?:\\.|[^"\\])*")
    |(?P<html><)
    |(?P<edgeop>->|--)
    |(?P<id>-?[\w.]+)
    |(?P<punct>.)
    """,
    re.DOTALL | re.VERBOSE,
)


def _dot_lexemes(text: str) -> Iterator[tuple[str, str, int]]:
    """(kind, value, offset) of the DOT lexemes of ``text``, comments skipped.

    Only used to find where a name pydot reported is used: pydot's objects
    keep no positions.  Lexical level only; the grammar is pydot's.
    """
    offset = 0
    while offset < len(text):
        match = _DOT_LEXEME.match(text, offset)
        if match is None:  # pragma: no cover - the last alternative takes any char
            return
        kind = match.lastgroup or "punct"
        if kind == "html":
            depth, end = 0, offset
            while end < len(text):
                depth += {"<": 1, ">": -1}.get(text[end], 0)
                end += 1
                if depth == 0:
                    break
            yield "id", text[offset:end], offset
            offset = end
            continue
        if kind == "string":
            kind = "id"
        if kind != "skip":
            yield kind, match.group(), offset
        offset = match.end()


def _dot_endpoint_positions(text: str) -> dict[str, tuple[int, int]]:
    """First (line, column) where each name is used as an edge end in ``text``.

    An id preceded by ``->``/``--``, or followed by one after an optional
    ``:port:compass``, is an endpoint; ids inside ``[...]`` are attribute
    names and values.  Names found only otherwise (inside ``a -> {b c}``)
    fall back to their first use outside attribute lists.
    """
    lexemes = list(_dot_lexemes(text))
    edge: dict[str, int] = {}
    anywhere: dict[str, int] = {}
    depth = 0
    for index, (kind, value, offset) in enumerate(lexemes):
        if value == "[" and kind == "punct":
            depth += 1
        elif value == "]" and kind == "punct":
            depth = max(depth - 1, 0)
        if kind != "id" or depth:
            continue
        node = _dot_node_name(value)
        anywhere.setdefault(node, offset)
        if index > 0 and lexemes[index - 1][0] == "edgeop":
            edge.setdefault(node, offset)
            continue
        after = index + 1
        while (
            after + 1 < len(lexemes) and lexemes[after][1] == ":" and lexemes[after + 1][0] == "id"
        ):
            after += 2
        if after < len(lexemes) and lexemes[after][0] == "edgeop":
            edge.setdefault(node, offset)
    return {node: position_of(text, edge.get(node, offset)) for node, offset in anywhere.items()}
