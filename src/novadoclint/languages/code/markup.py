"""Markup in code blocks: XML through expat, and reStructuredText left to the caller.

Why expat: it is the parser the standard library ships, and it names the
line and column of the first error; a fragment of several elements is
wrapped in one root, as documentation shows them.
"""

from __future__ import annotations

import re

from novadoclint.languages.code.snippets import (
    ELISION_RE,
    CodeProblem,
    blank,
    clamp,
    line_at,
    lower_first,
)

# --------------------------------------------------------------------------- xml

XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
_XML_WRAPPER = "novadoclint-root"


def _expat_error(data: str) -> tuple[int, int, int, str, int] | None:
    """Parse with expat (no namespace processing).

    Returns (line, col0, code, message, elements open) at the first error.
    """
    from xml.parsers import expat

    parser = expat.ParserCreate()
    depth = 0

    def start(name: str, attributes: object) -> None:
        nonlocal depth
        depth += 1

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as err:
        message = expat.ErrorString(err.code) or "not well-formed"
        return err.lineno, err.offset, err.code or 0, message, depth
    return None


END_TAG_RE = re.compile(r"</[^<>]*>")


def check_xml(lexer: str, text: str) -> tuple[CodeProblem, ...]:
    """Check XML well-formedness of a document or an excerpt of one.

    Namespace prefixes are not resolved (snippets omit ``xmlns`` declarations);
    several top-level elements are allowed; errors on elision lines are dropped.
    An excerpt may leave elements open at its end (a bare start tag, a tree cut
    off) and close elements opened before it: only a mismatch inside it counts.
    """
    lines = text.splitlines()
    leading = len(text) - len(text.lstrip())
    skipped_lines = text[:leading].count("\n")
    body = text.lstrip()
    error = _expat_error(body)
    if error is None:
        return ()
    shift = 0
    if "<!DOCTYPE" not in body:
        declaration = XML_DECL_RE.match(body)
        if declaration:
            body = blank(declaration.group()) + body[declaration.end() :]
        opening, closing = f"<{_XML_WRAPPER}>", f"</{_XML_WRAPPER}>"
        shift = len(opening)
        for _ in range(body.count("</") + 1):
            wrapped = opening + body + closing
            error = _expat_error(wrapped)
            if error is None:
                return ()
            line, col0, _, _, depth = error
            at = _offset(wrapped, line, col0)
            at -= 2 if wrapped[at - 2 : at] == "</" else 0  # expat points after the "</"
            if at >= len(opening) + len(body):
                return ()  # elements left open at the end: the excerpt stops there
            tag = END_TAG_RE.match(wrapped, at)
            if depth != 1 or tag is None:
                break
            # closes an element opened before the excerpt
            start = at - len(opening)
            body = body[:start] + blank(tag.group()) + body[start + len(tag.group()) :]
    line, col0, _, message, _ = error
    column = col0 + 1 - (shift if line == 1 else 0)
    lineno = clamp(line + skipped_lines, lines)
    if ELISION_RE.search(line_at(lines, lineno)):
        return ()
    return (CodeProblem(lineno, max(1, column), f"xml syntax error: {lower_first(message)}"),)


def _offset(text: str, line: int, col0: int) -> int:
    """The index in text of a 1-based line and 0-based column."""
    index = 0
    for _ in range(line - 1):
        index = text.index("\n", index) + 1
    return index + col0


# --------------------------------------------------------------------------- rst


def check_rst(lexer: str, text: str) -> tuple[CodeProblem, ...]:
    """Nested reStructuredText is parsed by the caller, with docutils."""
    return ()
