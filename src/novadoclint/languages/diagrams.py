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

import functools
import importlib
import re
import threading
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType, ModuleType
from typing import Any, TypeGuard

__all__ = [
    "DIAGRAM_DIRECTIVES",
    "DIAGRAM_PACKAGES",
    "DiagramProblem",
    "check_diagram_syntax",
    "parser_available",
    "undeclared_nodes",
]


@dataclass(frozen=True, slots=True)
class DiagramProblem:
    """One problem in a diagram source.

    ``line`` and ``column`` are 1-based within the text that was checked
    (line 0 means the directive's argument); ``message`` starts in lower case
    and has no final period, so that a rule can embed it in its own sentence.
    """

    line: int
    column: int
    message: str


# Directive name -> module holding its funcparserlib grammar.  The rackdiag and
# packetdiag grammars ship inside the nwdiag distribution.
_FUNCPARSERLIB_MODULES: Mapping[str, str] = MappingProxyType(
    {
        "blockdiag": "blockdiag.parser",
        "seqdiag": "seqdiag.parser",
        "actdiag": "actdiag.parser",
        "nwdiag": "nwdiag.parser",
        "rackdiag": "rackdiag.parser",
        "packetdiag": "packetdiag.parser",
    }
)
_DOT_DIRECTIVES = frozenset({"graphviz", "graph", "digraph"})
# Sphinx wraps the content of these two directives as ``NAME ARG {\nBODY\n}\n``.
_DOT_BODY_DIRECTIVES = frozenset({"graph", "digraph"})
_UNCHECKED_DIRECTIVES = frozenset({"mermaid", "uml"})
# Directives whose diagrams name their nodes in edges, so that a misspelt name
# silently creates a new node.  nwdiag is left out on purpose: a peer link such
# as ``internet -- router`` to a node that sits on no network is its usual
# idiom, not a typo; rackdiag and packetdiag have no edges at all.
_NODE_EDGE_DIRECTIVES = frozenset({"blockdiag", "seqdiag", "actdiag"})

#: Every directive this module knows about.
DIAGRAM_DIRECTIVES: frozenset[str] = frozenset(
    _FUNCPARSERLIB_MODULES.keys() | _DOT_DIRECTIVES | _UNCHECKED_DIRECTIVES
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

_DOT_PARSER_MODULE = "pydot.dot_parser"
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
_FPL_PLACE = re.compile(r"^(\d+),(\d+)-\d+,\d+: ")
_FPL_LEXER_PLACE = re.compile(r"line (\d+) column (\d+)")
_FPL_EXPECTED = re.compile(r", expected: (.+)$")
_FPL_READABLE_EXPECTED = re.compile(r"^(?:'[^']*'(?: or '[^']*')*|end of input)$")
_FPL_STRUCTURAL_OPS = frozenset("{};,=[]")
_FPL_ID_TOKENS = frozenset({"Name", "Number", "String", "IPAddr"})


# --------------------------------------------------------------------------
# public API


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
    if directive in _DOT_DIRECTIVES:
        return _import_optional(_DOT_PARSER_MODULE) is not None
    return (
        _import_optional(_FUNCPARSERLIB_MODULES[directive]) is not None
        and _import_optional("blockdiag.utils") is not None
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
    _require_known(directive)
    _check_name_use(directive, name)
    if not parser_available(directive):
        return ()
    if directive in _DOT_DIRECTIVES:
        return _dot_syntax(directive, text, name)
    return _funcparserlib_syntax(directive, text)


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
    :func:`_typo_of`): once, where it is first used, with the declared name
    as the suggestion.  Diagrams that create all nodes implicitly, diagrams
    that do not parse (see :func:`check_diagram_syntax`), nwdiag, rackdiag,
    packetdiag, mermaid and uml give ``()``.  ``name`` is as for
    :func:`check_diagram_syntax`.
    """
    _require_known(directive)
    _check_name_use(directive, name)
    if not parser_available(directive):
        return ()
    if directive in _DOT_DIRECTIVES:
        return _dot_undeclared(directive, text, name)
    if directive in _NODE_EDGE_DIRECTIVES:
        return _funcparserlib_undeclared(directive, text)
    return ()


def _require_known(directive: str) -> None:
    """Fail loudly on a directive name the caller should not have passed."""
    if directive not in DIAGRAM_DIRECTIVES:
        known = ", ".join(sorted(DIAGRAM_DIRECTIVES))
        raise ValueError(f"unknown diagram directive {directive!r}; known: {known}")


def _check_name_use(directive: str, name: str | None) -> None:
    """Refuse a graph name for directives that take none, to catch caller mix-ups."""
    if name is not None and directive not in _DOT_BODY_DIRECTIVES:
        raise ValueError(f"the {directive!r} directive takes no graph name")


@functools.cache
def _import_optional(module_name: str) -> ModuleType | None:
    """Import an optional grammar module once, or None if it cannot be used.

    Any failure counts as "not installed": a broken optional dependency must
    make the rule say it cannot run, not crash the linter.  pyparsing emits
    diagnostic warnings while pydot builds its grammar when Python runs with
    ``-W error``; they say nothing about the documents, so they are muted.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return importlib.import_module(module_name)
    except Exception:
        return None


def _module(module_name: str) -> Any:
    """Return an optional module already known to import."""
    module = _import_optional(module_name)
    if module is None:  # pragma: no cover - callers check parser_available
        raise RuntimeError(f"{module_name} is not importable")
    return module


# --------------------------------------------------------------------------
# positions


def _line_starts(text: str) -> list[int]:
    """Offsets at which each ``\\n``-separated line of ``text`` starts."""
    starts = [0]
    starts.extend(match.end() for match in re.finditer("\n", text))
    return starts


def _offset_of(text: str, line: int, column: int) -> int:
    """Offset of a 1-based (line, column) in ``text``, clamped to the text."""
    starts = _line_starts(text)
    index = min(max(line, 1), len(starts)) - 1
    return min(starts[index] + max(column, 1) - 1, len(text))


def _position_of(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of an offset in ``text``."""
    offset = min(max(offset, 0), len(text))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


@dataclass(frozen=True, slots=True)
class _Source:
    """A string handed to a parser, and how it maps back onto the caller's text.

    The parsed string is ``prefix + text[start:start + length] + suffix``;
    positions in the wrapper are clamped onto the nearest end of that slice,
    because the caller can only be shown its own lines.
    """

    parsed: str
    text: str
    prefix: int
    start: int
    length: int

    def offset_in_slice(self, parsed_offset: int) -> int:
        """Offset relative to the slice; negative in the prefix, past it in the suffix."""
        return parsed_offset - self.prefix

    def to_text(self, parsed_offset: int) -> tuple[int, int]:
        """Caller's (line, column) for an offset in the parsed string."""
        inner = min(max(self.offset_in_slice(parsed_offset), 0), self.length)
        return _position_of(self.text, self.start + inner)

    def to_text_lc(self, line: int, column: int) -> tuple[int, int]:
        """Caller's (line, column) for a (line, column) in the parsed string."""
        return self.to_text(_offset_of(self.parsed, line, column))


def _near_miss_message(name: str, declared: Sequence[str]) -> str | None:
    """The message for an edge endpoint that misspells a declared node, else None.

    Naming a node in an edge declares it in every one of these languages, so a
    name that is only used is no error in itself: Graphviz and blockdiag
    authors mix declared, styled nodes with nodes created by their edges.  It
    is worth a warning only when it is a typo of a name the diagram declares.
    """
    typo = _typo_of(name, declared)
    if typo is None:
        return None
    return f"edge names {name!r}, which is never declared; did you mean {typo!r}?"


def _typo_of(name: str, declared: Sequence[str]) -> str | None:
    """The declared name that ``name`` misspells, if there is one.

    A typo is one edit (two for names of nine characters or more; letters
    swapped count as one) or a difference of case only.  Names of fewer than
    four characters are too short to tell a typo from another node, and a
    series is not a typo: names that differ only in their digits (``sp3`` and
    ``sp5``, ``db`` and ``db2``), or in one character that is the last of the
    name or a whole word of it (``host_a`` and ``host_b``, ``nodeA`` and
    ``nodeB``), are meant to be different nodes.
    """
    best: tuple[int, str] | None = None
    for candidate in sorted(set(declared)):
        if candidate == name:
            return None
        if candidate.casefold() == name.casefold():
            distance = 0
        elif max(len(candidate), len(name)) < 4 or _series(name, candidate):
            continue
        else:
            distance = _edit_distance(name, candidate)
            if distance > (1 if min(len(candidate), len(name)) < 9 else 2):
                continue
        if best is None or distance < best[0]:
            best = (distance, candidate)
    return best[1] if best is not None else None


_WORD_SEPARATORS = re.compile(r"[\s_.:/-]+")


def _series(a: str, b: str) -> bool:
    """Whether two names look like members of one series rather than a typo."""
    if re.sub(r"\d+", "", a) == re.sub(r"\d+", "", b):
        return True
    if len(a) != len(b):
        return False
    differ = [i for i in range(len(a)) if a[i] != b[i]]
    if len(differ) != 1:
        return False
    where = differ[0]
    if where == len(a) - 1:
        return True
    words_a, words_b = _WORD_SEPARATORS.split(a), _WORD_SEPARATORS.split(b)
    return len(words_a) == len(words_b) and any(
        x != y and len(x) == len(y) == 1 for x, y in zip(words_a, words_b, strict=True)
    )


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, swaps."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


# --------------------------------------------------------------------------
# blockdiag family (funcparserlib)


def _funcparserlib_sources(directive: str, text: str) -> tuple[_Source, ...]:
    """The strings the Sphinx directive would parse, in the order it tries them.

    ``blockdiag.utils.rst`` strips the inline content, parses it, and on any
    failure parses ``'%s { %s }' % (name, code)`` instead: so both a full
    ``seqdiag { ... }`` and a bare body are accepted.  A leading byte order
    mark (files are read as utf-8-sig) is dropped as the directive does.
    """
    start = 1 if text.startswith("\ufeff") else 0
    stripped = text[start:].strip()
    if stripped:
        start = text.index(stripped, start)
    prefix = f"{directive} {{ "
    return (
        _Source(stripped, text, 0, start, len(stripped)),
        _Source(f"{prefix}{stripped} }}", text, len(prefix), start, len(stripped)),
    )


def _funcparserlib_parse(directive: str, text: str) -> tuple[Any, _Source] | None:
    """Parse as the directive does; the tree and the source that parsed, or None."""
    module = _module(_FUNCPARSERLIB_MODULES[directive])
    for source in _funcparserlib_sources(directive, text):
        if not source.length:
            return None
        try:
            return module.parse_string(source.parsed), source
        except Exception:
            continue
    return None


def _funcparserlib_syntax(directive: str, text: str) -> tuple[DiagramProblem, ...]:
    """Check with the real grammar; report the error that got furthest.

    Both the text as written and the wrapped form failed when there is an
    error; the one that got further into the caller's text is the one about
    the author's mistake (the other fails at the first token because of the
    header it lacks or has twice).
    """
    module = _module(_FUNCPARSERLIB_MODULES[directive])
    sources = _funcparserlib_sources(directive, text)
    if not sources[0].length:
        return (DiagramProblem(1, 1, "diagram has no content"),)
    best: DiagramProblem | None = None
    for source in sources:
        try:
            module.parse_string(source.parsed)
        except Exception as exc:
            problem = _funcparserlib_problem(module, exc, source)
            if best is None or (problem.line, problem.column) > (best.line, best.column):
                best = problem
        else:
            return ()
    swallowed = _closing_brace_swallowed(module, directive, sources[1])
    if swallowed is not None:
        return (swallowed,)
    return (best,) if best is not None else ()


def _closing_brace_swallowed(
    module: Any, directive: str, wrapped: _Source
) -> DiagramProblem | None:
    """Explain a bare body whose last line is a ``//`` or ``#`` comment.

    The directive wraps a bare body on one line, ``seqdiag { BODY }``, so a
    comment at the end of the body comments out the closing brace and a
    diagram that looks right fails to build.  The real grammar decides: the
    body parses once the brace is put on a line of its own.
    """
    body = wrapped.text[wrapped.start : wrapped.start + wrapped.length]
    try:
        module.parse_string(f"{directive} {{ {body}\n}}")
    except Exception:
        return None
    last_line_start = body.rfind("\n") + 1
    last_line = body[last_line_start:]
    offset = wrapped.start + last_line_start + len(last_line) - len(last_line.lstrip())
    return DiagramProblem(
        *_position_of(wrapped.text, offset),
        "the comment ending the diagram hides the '}' that the directive adds after"
        " a body without a header",
    )


def _funcparserlib_problem(module: Any, exc: BaseException, source: _Source) -> DiagramProblem:
    """Turn a blockdiag-family ParseException into a positioned problem.

    ``parse_string`` re-raises funcparserlib's error as its own ParseException
    with a message only, but inside its ``except`` block, so the original
    error is ``__context__``: its ``place`` (LexerError) or ``state.max``
    (NoParseError, the index of the offending token) give the position
    without parsing message text.  The messages ("3,10-3,11: got unexpected
    token ..." and "... at line 3 column 10") are the fallback.
    """
    cause = exc.__context__ if exc.__context__ is not None else exc
    place = getattr(cause, "place", None)
    if _is_line_column(place):
        line, column = place
        offset = _offset_of(source.parsed, line, column)
        character = source.parsed[offset : offset + 1] or "end of text"
        return DiagramProblem(*source.to_text(offset), f"unexpected character {character!r}")
    detail = str(cause)
    expected_match = _FPL_EXPECTED.search(detail)
    expected = ""
    if expected_match and _FPL_READABLE_EXPECTED.match(expected_match.group(1)):
        expected = f", expected {expected_match.group(1)}"
    token_index = getattr(getattr(cause, "state", None), "max", None)
    if isinstance(token_index, int):
        tokens = module.tokenize(source.parsed)
        if token_index < len(tokens):
            token = tokens[token_index]
            line, column = token.start
            return DiagramProblem(
                *source.to_text_lc(line, column), f"unexpected {token.value!r}{expected}"
            )
        end = _offset_of(source.parsed, *tokens[-1].end) + 1 if tokens else 0
        return DiagramProblem(*source.to_text(end), f"unexpected end of diagram{expected}")
    for pattern in (_FPL_PLACE, _FPL_LEXER_PLACE):
        match = pattern.search(detail) or pattern.search(str(exc))
        if match:
            line, column = int(match.group(1)), int(match.group(2))
            message = _lower_first(_FPL_PLACE.sub("", str(exc)))
            return DiagramProblem(*source.to_text_lc(line, column), message)
    return DiagramProblem(*source.to_text(len(source.parsed)), _lower_first(str(exc)))


def _is_line_column(value: object) -> TypeGuard[tuple[int, int]]:
    """True for a (line, column) pair of ints, as funcparserlib places are."""
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(item, int) for item in value)
    )


def _lower_first(message: str) -> str:
    """Message convention: lower-case start, no final period."""
    message = message.strip().rstrip(".")
    return message[:1].lower() + message[1:]


def _funcparserlib_undeclared(directive: str, text: str) -> tuple[DiagramProblem, ...]:
    """Compare node statements with edge endpoints in the real parse tree."""
    parsed = _funcparserlib_parse(directive, text)
    if parsed is None:
        return ()
    tree, source = parsed
    module = _module(_FUNCPARSERLIB_MODULES[directive])
    unquote = _module("blockdiag.utils").unquote
    declared: set[str] = set()
    endpoints: list[str] = []
    _walk_blockdiag_tree(module, tree, declared, endpoints)
    declared = {unquote(node) for node in declared}
    if not declared:
        return ()
    missing = {unquote(node) for node in endpoints} - declared
    if not missing:
        return ()
    tokens = module.tokenize(source.parsed)
    positions = _blockdiag_endpoint_positions(tokens, unquote)
    problems = []
    for node in missing:
        message = _near_miss_message(node, sorted(declared))
        if message is None:
            continue
        where = positions.get(node)
        line, column = source.to_text(0) if where is None else source.to_text_lc(*where)
        problems.append(DiagramProblem(line, column, message))
    return tuple(sorted(problems, key=lambda p: (p.line, p.column, p.message)))


def _walk_blockdiag_tree(module: Any, tree: Any, declared: set[str], endpoints: list[str]) -> None:
    """Collect node statement ids and edge endpoint ids from a parse tree.

    The grammars build namedtuples: ``Node(id, attrs)`` for node statements,
    ``Edge`` with ``from_nodes``/``to_nodes`` lists (blockdiag, actdiag) or
    ``from_node``/``to_node``/``followers``/``edge_block`` (seqdiag, whose
    ``loop``/``alt`` fragments, groups and separators are other tuples).
    Everything else is walked through, so nodes declared in groups, lanes and
    fragments count; attribute and class statements name no nodes.
    """
    if isinstance(tree, module.Node):
        declared.add(tree.id)
        return
    if isinstance(tree, module.Edge):
        fields = tree._asdict()
        for key in ("from_node", "to_node"):
            if isinstance(fields.get(key), str):
                endpoints.append(fields[key])
        for key in ("from_nodes", "to_nodes"):
            endpoints.extend(fields.get(key) or ())
        for _edge_type, node in fields.get("followers") or ():
            endpoints.append(node)
        if fields.get("edge_block") is not None:
            _walk_blockdiag_tree(module, fields["edge_block"], declared, endpoints)
        return
    if isinstance(tree, (list, tuple)):
        for item in tree:
            if not isinstance(item, str):
                _walk_blockdiag_tree(module, item, declared, endpoints)


def _blockdiag_endpoint_positions(
    tokens: Sequence[Any], unquote: Any
) -> dict[str, tuple[int, int]]:
    """First (line, column) where each name is used as an edge endpoint.

    The parse tree keeps no positions, so the real lexer's tokens are read
    again: an endpoint is an id next to an edge operator (any operator other
    than ``{};,=[]``), or in a comma list ``A, B -> C`` attached to one.
    """

    def is_edge_op(index: int) -> bool:
        return (
            0 <= index < len(tokens)
            and tokens[index].type == "Op"
            and tokens[index].value not in _FPL_STRUCTURAL_OPS
        )

    def is_id(index: int) -> bool:
        return 0 <= index < len(tokens) and tokens[index].type in _FPL_ID_TOKENS

    def is_comma(index: int) -> bool:
        return 0 <= index < len(tokens) and tokens[index].value == ","

    found: dict[str, tuple[int, int]] = {}
    for index in range(len(tokens)):
        if not is_edge_op(index):
            continue
        members = []
        before = index - 1
        while is_id(before):
            members.append(before)
            if not (is_comma(before - 1) and is_id(before - 2)):
                break
            before -= 2
        after = index + 1
        while is_id(after):
            members.append(after)
            if not (is_comma(after + 1) and is_id(after + 2)):
                break
            after += 2
        for member in members:
            token = tokens[member]
            name = unquote(token.value)
            if name not in found or token.start < found[name]:
                found[name] = token.start
    return found


# --------------------------------------------------------------------------
# Graphviz (pydot's pyparsing grammar)


@functools.cache
def _dot_lock() -> threading.Lock:
    """pydot documents its parser as not thread-safe; serialise its use."""
    return threading.Lock()


def _dot_source(directive: str, text: str, name: str | None) -> _Source:
    """The string Graphviz receives: the text itself, or Sphinx's wrapping.

    ``sphinx.ext.graphviz.GraphvizSimple`` builds
    ``f'{self.name} {self.arguments[0]} {{\\n{dot_code}\\n}}\\n'``.
    """
    if directive in _DOT_BODY_DIRECTIVES:
        prefix = f"{directive} {name if name is not None else 'G'} {{\n"
        parsed = _dot_as_pydot_reads(f"{prefix}{text}\n}}\n")
        return _Source(parsed, text, len(prefix), 0, len(text))
    return _Source(_dot_as_pydot_reads(text), text, 0, 0, len(text))


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
    grammar = _module(_DOT_PARSER_MODULE).GraphParser.parser
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
        if not enabled or not parser_available("graphviz"):
            return False
        if _release(_module("pyparsing")) not in _DOT_FAST_COMMENTS_PYPARSING:
            return False
        if _release(_module("pydot")) not in _DOT_FAST_COMMENTS_PYDOT:
            return False
        grammar = _module(_DOT_PARSER_MODULE).GraphParser.parser
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
    exception_type = _module("pyparsing").ParseException
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


def _dot_syntax(directive: str, text: str, name: str | None) -> tuple[DiagramProblem, ...]:
    """Check a Graphviz source and place pyparsing's error in the caller's text.

    pydot's own ``graph_from_dot_data`` prints the error and returns None, so
    the grammar is called directly to get the ParseException and its offset.
    """
    if directive == "graphviz" and not text.strip():
        return (DiagramProblem(1, 1, "diagram has no content"),)
    source = _dot_source(directive, text, name)
    exception_type = _module("pyparsing").ParseException
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
            line, column = _position_of(text, offset)
            message = f"{wrong!r} in {kind} graph, where Graphviz accepts only {right!r}"
            return (DiagramProblem(line, column, message),)
    return ()


def _dot_problem(loc: int, error: str, source: _Source, name: str | None) -> DiagramProblem:
    """Describe a pyparsing error in the reader's terms, at the caller's position."""
    message = _PYPARSING_LOCATION.sub("", error)
    for grammar_name, shown in _DOT_EXPECTED_NAMES.items():
        message = re.sub(rf"(?<![\w']){re.escape(grammar_name)}(?![\w'])", shown, message)
    message = _lower_first(message)
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
                *_position_of(source.text, closing),
                "unmatched '}' closes the graph before the end of the body",
            )
    # Past the last character (end of text, Sphinx's closing brace): point just
    # after the last thing the author wrote, not at a line they cannot see.
    end = source.start + len(source.text[source.start : source.start + source.length].rstrip())
    offset = min(source.start + min(max(inner, 0), source.length), end)
    return DiagramProblem(*_position_of(source.text, offset), message)


def _dot_undeclared(directive: str, text: str, name: str | None) -> tuple[DiagramProblem, ...]:
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
        message = _near_miss_message(node, declared)
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
    return {node: _position_of(text, edge.get(node, offset)) for node, offset in anywhere.items()}
