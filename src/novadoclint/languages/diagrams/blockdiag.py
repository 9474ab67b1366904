"""The blockdiag family's grammars: blockdiag, seqdiag, actdiag, nwdiag, rackdiag, packetdiag.

Why the real parsers (funcparserlib grammars in each package): a diagram that
Sphinx renders must never be reported, and a home-made grammar drifts from the
one the build uses. Positions come back in the caller's text (see
:mod:`.positions`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeGuard

from novadoclint.languages.diagrams import optional
from novadoclint.languages.diagrams.positions import (
    DiagramProblem,
    Source,
    lower_first,
    offset_of,
    position_of,
)
from novadoclint.languages.diagrams.typos import near_miss_message

__all__ = ["MODULES", "NODE_EDGE_DIRECTIVES", "check_syntax", "undeclared_nodes"]

# Directive name -> module holding its funcparserlib grammar.  The rackdiag and
# packetdiag grammars ship inside the nwdiag distribution.
MODULES: Mapping[str, str] = MappingProxyType(
    {
        "blockdiag": "blockdiag.parser",
        "seqdiag": "seqdiag.parser",
        "actdiag": "actdiag.parser",
        "nwdiag": "nwdiag.parser",
        "rackdiag": "rackdiag.parser",
        "packetdiag": "packetdiag.parser",
    }
)
# Directives whose diagrams name their nodes in edges, so that a misspelt name
# silently creates a new node.  nwdiag is left out on purpose: a peer link such
# as ``internet -- router`` to a node that sits on no network is its usual
# idiom, not a typo; rackdiag and packetdiag have no edges at all.
NODE_EDGE_DIRECTIVES = frozenset({"blockdiag", "seqdiag", "actdiag"})
_FPL_PLACE = re.compile(r"^(\d+),(\d+)-\d+,\d+: ")
_FPL_LEXER_PLACE = re.compile(r"line (\d+) column (\d+)")
_FPL_EXPECTED = re.compile(r", expected: (.+)$")
_FPL_READABLE_EXPECTED = re.compile(r"^(?:'[^']*'(?: or '[^']*')*|end of input)$")
_FPL_STRUCTURAL_OPS = frozenset("{};,=[]")
_FPL_ID_TOKENS = frozenset({"Name", "Number", "String", "IPAddr"})


def _funcparserlib_sources(directive: str, text: str) -> tuple[Source, ...]:
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
        Source(stripped, text, 0, start, len(stripped)),
        Source(f"{prefix}{stripped} }}", text, len(prefix), start, len(stripped)),
    )


def _funcparserlib_parse(directive: str, text: str) -> tuple[Any, Source] | None:
    """Parse as the directive does; the tree and the source that parsed, or None."""
    module = optional.loaded_module(MODULES[directive])
    for source in _funcparserlib_sources(directive, text):
        if not source.length:
            return None
        try:
            return module.parse_string(source.parsed), source
        except Exception:
            continue
    return None


def check_syntax(directive: str, text: str) -> tuple[DiagramProblem, ...]:
    """Check with the real grammar; report the error that got furthest.

    Both the text as written and the wrapped form failed when there is an
    error; the one that got further into the caller's text is the one about
    the author's mistake (the other fails at the first token because of the
    header it lacks or has twice).
    """
    module = optional.loaded_module(MODULES[directive])
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


def _closing_brace_swallowed(module: Any, directive: str, wrapped: Source) -> DiagramProblem | None:
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
        *position_of(wrapped.text, offset),
        "the comment ending the diagram hides the '}' that the directive adds after"
        " a body without a header",
    )


def _funcparserlib_problem(module: Any, exc: BaseException, source: Source) -> DiagramProblem:
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
        offset = offset_of(source.parsed, line, column)
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
        end = offset_of(source.parsed, *tokens[-1].end) + 1 if tokens else 0
        return DiagramProblem(*source.to_text(end), f"unexpected end of diagram{expected}")
    for pattern in (_FPL_PLACE, _FPL_LEXER_PLACE):
        match = pattern.search(detail) or pattern.search(str(exc))
        if match:
            line, column = int(match.group(1)), int(match.group(2))
            message = lower_first(_FPL_PLACE.sub("", str(exc)))
            return DiagramProblem(*source.to_text_lc(line, column), message)
    return DiagramProblem(*source.to_text(len(source.parsed)), lower_first(str(exc)))


def _is_line_column(value: object) -> TypeGuard[tuple[int, int]]:
    """True for a (line, column) pair of ints, as funcparserlib places are."""
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(item, int) for item in value)
    )


def undeclared_nodes(directive: str, text: str) -> tuple[DiagramProblem, ...]:
    """Compare node statements with edge endpoints in the real parse tree."""
    parsed = _funcparserlib_parse(directive, text)
    if parsed is None:
        return ()
    tree, source = parsed
    module = optional.loaded_module(MODULES[directive])
    unquote = optional.loaded_module("blockdiag.utils").unquote
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
        message = near_miss_message(node, sorted(declared))
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
