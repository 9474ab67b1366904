"""doc8's style checks (D000-D005), run with doc8's own check classes on our parse.

doc8 parses every file twice (a doctree plus restructuredtext-lint); here its
checks read the doctree and lines phase 1 already has, through a small adapter
with the attributes they use. Ids and options stay doc8's, so a project's
``[doc8]`` configuration keeps working.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from docutils import nodes

from novadoclint.context import Context, ParsedDoc
from novadoclint.edits import Edit, Fix, FixSafety
from novadoclint.findings import Hit, Location, Severity
from novadoclint.registry import Phase, rule
from novadoclint.settings import Doc8Options


class _Doc8File:
    """The slice of doc8's ParsedFile its checks read, backed by our parse."""

    def __init__(self, doc: ParsedDoc) -> None:
        self._doc = doc
        self._lines = doc.raw.splitlines(True)
        self.lines = self._lines
        self.document = doc.doctree
        self.extension = "." + doc.path.rsplit(".", 1)[-1] if "." in doc.path else ".rst"
        self.filename = doc.path
        self.errors = [_Doc8Error(m.level, m.text, m.line) for m in doc.messages]
        self._decoded: dict[bool, list[str]] = {}
        self._spans: list[tuple[int, int, int]] | None = None

    def spans(self) -> list[tuple[int, int, int]]:
        """_doc8_spans of the text, made once, when a fixable finding first asks."""
        if self._spans is None:
            self._spans = _doc8_spans(self._doc.text)
        return self._spans

    def lines_iter(self, remove_trailing_newline: bool = True) -> Iterator[str]:
        """doc8's decoded lines, decoded once per document for the six D-rules."""
        decoded = self._decoded.get(remove_trailing_newline)
        if decoded is None:
            decoded = [raw.decode("utf-8", "replace") for raw in self._lines]
            if remove_trailing_newline:
                decoded = [line.removesuffix("\n").removesuffix("\r") for line in decoded]
            self._decoded[remove_trailing_newline] = decoded
        return iter(decoded)


class _Doc8Error:
    def __init__(self, level: int, message: str, line: int | None) -> None:
        self.level, self.message, self.line = level, message, line


def preload() -> None:
    """doc8 (it imports stevedore and its command line, ~40 ms) for phase 1's parent to
    import before it forks; not with the module, which importing must not cost that."""
    from doc8 import checks  # noqa: F401


@cache
def _checks(options: Doc8Options) -> dict[str, Any]:
    """doc8's check objects, built once per process per options (not per file)."""
    from doc8 import checks as doc8_checks

    cfg = {
        "max_line_length": options.max_line_length,
        "allow_long_titles": options.allow_long_titles,
        "sphinx": options.sphinx,
    }
    return {
        "D000": doc8_checks.CheckValidity(cfg),
        "D001": doc8_checks.CheckMaxLineLength(cfg),
        "D002": doc8_checks.CheckTrailingWhitespace(cfg),
        "D003": doc8_checks.CheckIndentationNoTab(cfg),
        "D004": doc8_checks.CheckCarriageReturn(cfg),
        "D005": doc8_checks.CheckNewlineEndOfFile(cfg),
    }


# doc8's CheckMaxLineLength patterns, as it writes them ("..": any two characters).
DOC8_DIRECTIVE_RES = (re.compile(r"^\s*..\s(.*?)::\s*"), re.compile(r"^::\s*$"))
DOC8_LIST_RE = re.compile(r"^\s*(\* |- |#\. |\d+\. )")
SKIPPED, TITLED = 1, 2  # what a node is to D001: a target or literal block; a title


def _doc8_long_lines(
    lines: list[str], document: nodes.Node, limit: int, allow_long_titles: bool
) -> Iterator[tuple[int, str, str]]:
    """doc8's CheckMaxLineLength on an .rst file (``_rst_checker``), in linear time.

    The same exemptions, line for line: the lines of a directive (``..`` line and
    what is indented or blank after it) and definition terms, lines with no space
    to break at or with a URL, and lines whose smallest enclosing doctree nodes
    (by line span) include a target or a literal block, or a title with
    ``allow-long-titles``. doc8 walks a node's whole subtree for every node and
    every node for every long line; here each node's span is computed bottom-up
    once, and each node is matched only against the long lines inside its span
    (tests/test_d001_linear.py compares the two).
    """
    long_lines = [i for i, line in enumerate(lines) if len(line) > limit]
    if not long_lines:
        return
    exempt = _doc8_directive_lines(lines)
    candidates = []
    for i in long_lines:
        stripped = lines[i].lstrip()
        if exempt[i] or " " not in stripped:
            continue
        if "http://" in stripped or "https://" in stripped:
            continue
        candidates.append(i + 1)
    if not candidates:
        return
    spans, first_line = _doc8_node_spans(document)
    best: dict[int, tuple[int, int]] = {}  # line -> (smallest span, kinds of those nodes)
    for start, end, kinds in spans:
        span = end - start
        for at in range(bisect_left(candidates, start), bisect_right(candidates, end)):
            number = candidates[at]
            known = best.get(number)
            if known is None or span < known[0]:
                best[number] = (span, kinds)
            elif span == known[0]:
                best[number] = (span, known[1] | kinds)
    for number in candidates:
        before = number < first_line and spans  # doc8: the first node, whatever its span
        kinds = spans[0][2] if before else best.get(number, (0, 0))[1]
        if kinds & SKIPPED or (allow_long_titles and kinds & TITLED):
            continue
        yield number, "D001", "Line too long"


def _doc8_directive_lines(lines: list[str]) -> list[bool]:
    """Per line, whether doc8's _extract_directives puts it in a directive or a term.

    doc8's patterns as string tests (re's ``\\s`` is str.isspace; no line break in a
    line): blank or indented, an empty line or one starting with whitespace; both
    directive patterns need ``::``; the leading whitespace is what lstrip() takes.
    """
    count = len(lines)
    # follow[i]: how many lines from i on are blank or indented (doc8's directive body)
    follow = [0] * (count + 1)
    for i in range(count - 1, -1, -1):
        line = lines[i]
        if not line or line[0].isspace():  # blank or indented
            follow[i] = follow[i + 1] + 1
    cover = [0] * (count + 1)
    for i, line in enumerate(lines):
        if "::" in line and any(pattern.match(line) for pattern in DOC8_DIRECTIVE_RES):
            cover[i] += 1
            cover[i + follow[i + 1] + 1] -= 1
    leading = [len(line) - len(line.lstrip()) for line in lines]
    for i in range(count - 1):
        if leading[i] >= leading[i + 1]:
            continue
        line = lines[i]
        if not line or line.isspace() or DOC8_LIST_RE.match(line):  # blank, or a list item
            continue
        cover[i] += 1
        cover[i + 1] -= 1
    exempt, depth = [], 0
    for i in range(count):
        depth += cover[i]
        exempt.append(depth > 0)
    return exempt


def _doc8_node_spans(document: nodes.Node) -> tuple[list[tuple[int, int, int]], int]:
    """doc8's _extract_node_lines: (first line, last line, kinds) per node, and the first line.

    In document order, nodes inside a system message left out, as doc8 leaves
    them; a node's span covers its own line, its descendants' lines, a title's
    underline and overline (its raw source's lines before its line) and a literal
    block's last line. A text node spans its parent's line alone: each element with
    text gets that span once, after its own (a span twice changes no smallest span).
    """
    found: list[nodes.Element] = []  # preorder elements, each with its line, parent and flags
    line_of: list[int | None] = []
    parent_of: list[int] = []
    muted: list[bool] = []
    texts: list[bool] = []
    stack: list[tuple[nodes.Element, int]] = [(document, -1)]  # type: ignore[list-item]
    while stack:
        node, parent = stack.pop()
        index = len(found)
        line = node.line
        if line is None and parent >= 0:
            line = line_of[parent]
        found.append(node)
        line_of.append(line)
        parent_of.append(parent)
        muted.append((parent >= 0 and muted[parent]) or isinstance(node, nodes.system_message))
        children = node.children
        elements = [(c, index) for c in reversed(children) if isinstance(c, nodes.Element)]
        texts.append(len(elements) < len(children))
        stack.extend(elements)
    low = [0 if line is None else line for line in line_of]  # a None line is never read
    high = low[:]
    for index in range(len(found) - 1, -1, -1):  # children before their parent
        line = line_of[index]
        if line is None:
            continue
        node = found[index]
        lo, hi = low[index], high[index]
        if isinstance(node, nodes.title):
            start = line - len(node.rawsource.splitlines())
            if start >= 0:
                lo = min(lo, start)
        elif isinstance(node, nodes.literal_block):
            end = line + len(node.rawsource.splitlines()) - 1
            lo, hi = min(lo, end), max(hi, end)
        low[index], high[index] = lo, hi
        parent = parent_of[index]
        if parent >= 0 and line_of[parent] is not None:
            low[parent] = min(low[parent], lo)
            high[parent] = max(high[parent], hi)
    spans = []
    first_line = -1
    for index, node in enumerate(found):
        line = line_of[index]
        if line is None or muted[index]:
            continue
        if first_line == -1:
            first_line = line
        kinds = SKIPPED if isinstance(node, (nodes.target, nodes.literal_block)) else 0
        if isinstance(node, (nodes.title, nodes.subtitle, nodes.section)):
            kinds |= TITLED
        spans.append((low[index], high[index], kinds))
        if texts[index]:
            spans.append((line, line, 0))  # its text nodes'
    return spans, first_line


# doc8's lines are the bytes' splitlines: \r\n, \r and \n end a line, nothing else does
DOC8_LINE_END_RE = re.compile(r"\r\n|\r|\n")
# what docutils (str.splitlines) takes for the end of a line and doc8 does not: a fix that
# removed or moved one would join or split lines as docutils reads them
LINE_BREAKS = frozenset("\x1c\x1d\x1e\x85\u2028\u2029")
FIXED = frozenset({"D002", "D003", "D004", "D005"})
TAB_WIDTH = 8  # docutils' tab_width, which Sphinx keeps: string2lines' expandtabs(8)


def _doc8_spans(text: str) -> list[tuple[int, int, int]]:
    """Per doc8 line, the offsets in the text of its start, its end and its line break's end."""
    spans, start = [], 0
    for match in DOC8_LINE_END_RE.finditer(text):
        spans.append((start, match.start(), match.end()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text), len(text)))
    return spans


def _fix(code: str, doc: ParsedDoc, number: int, spans: list[tuple[int, int, int]]) -> Fix | None:
    """The mend of doc8's finding ``code`` on line ``number``, as docutils reads it unchanged.

    docutils expands a line's tabs to 8 columns and strips its trailing
    whitespace before it parses (``string2lines``), and takes any line break
    for one: so removing trailing whitespace (D002), expanding the indentation's
    tabs (D003), ``\\n`` for ``\\r\\n`` or ``\\r`` (D004) and a final ``\\n``
    (D005) leave the document as it was, in literal blocks too, where doc8
    reports them as well. None where the text is not what doc8 read (the file
    is not UTF-8) or a character docutils takes for a line break is involved.
    """
    if doc.decode_error is not None or not 1 <= number <= len(spans):
        return None
    start, end, after = spans[number - 1]
    line = doc.text[start:end]
    if code == "D002":
        kept = line.rstrip()
        cut = line[len(kept) :]
        if not cut or LINE_BREAKS.intersection(cut):
            return None
        return Fix(
            (Edit(doc.path, start + len(kept), end, ""),),
            FixSafety.SAFE,
            "Remove the trailing whitespace",
        )
    if code == "D003":
        indent = line[: len(line) - len(line.lstrip())]
        if "\t" not in indent or LINE_BREAKS.intersection(indent):
            return None
        expanded = indent.expandtabs(TAB_WIDTH)
        return Fix(
            (Edit(doc.path, start, start + len(indent), expanded),),
            FixSafety.SAFE,
            "Expand the tabs",
        )
    if code == "D004":
        if doc.text[end:after] not in ("\r\n", "\r"):
            return None
        return Fix(
            (Edit(doc.path, end, after, "\n"),), FixSafety.SAFE, "End the line with a line feed"
        )
    if code == "D005":
        if after != len(doc.text) or end != after:
            return None
        # \n even in a CRLF file: a \r would be a new D004 finding (D004 mends the others)
        return Fix((Edit(doc.path, end, end, "\n"),), FixSafety.SAFE, "Add the final newline")
    return None


def _run(code: str, doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    options = ctx.settings.doc8
    if code in options.ignore:
        return
    check = _checks(options)[code]
    from doc8 import checks as doc8_checks  # imported by _checks: a lookup

    # one adapter per document, shared by the six D-rules
    adapter = doc.views.get(_Doc8File, lambda: _Doc8File(doc))
    if code == "D001" and adapter.extension.lower() == ".rst":
        lines = list(adapter.lines_iter())
        found = _doc8_long_lines(
            lines, adapter.document, options.max_line_length, options.allow_long_titles
        )
        for number, _, message in found:
            yield Hit(Location(doc.path, number), message[:1].lower() + message[1:])
    elif isinstance(check, doc8_checks.LineCheck):
        can_fire = LINE_CHECK_CAN_FIRE.get(code, _any_line)
        for number, line in enumerate(adapter.lines_iter(), 1):
            if not can_fire(line):
                continue
            for _, message in check.report_iter(line):
                fix = _fix(code, doc, number, adapter.spans())
                yield Hit(Location(doc.path, number), message.lower()[:1] + message[1:], fix=fix)
    else:
        for number, _, message in check.report_iter(adapter):
            text = message.strip().splitlines()[0].rstrip(".")
            at = int(number or 1)
            fix = _fix(code, doc, at, adapter.spans()) if code in FIXED else None
            yield Hit(Location(doc.path, at), text[:1].lower() + text[1:], fix=fix)


def _any_line(line: str) -> bool:
    return True


def _ends_in_space(line: str) -> bool:
    return line[-1:].isspace()


def _has_tab(line: str) -> bool:
    return "\t" in line


# Which lines doc8's line checks can report, so that the others are never handed to
# them (a generator per line per rule was most of D002's and D003's time): D002's
# r"\s$" needs whitespace last (re's \s is str.isspace; a line has no "\n" left to
# match before), D003 a tab in the leading whitespace. tests/test_d001_linear.py
# checks both against doc8 on every line.
LINE_CHECK_CAN_FIRE: dict[str, Callable[[str], bool]] = {
    "D002": _ends_in_space,
    "D003": _has_tab,
}


@rule("D000", Severity.ERROR, Phase.FILE, enabled=False, tags={"style", "doc8"})
def d000(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """doc8's D000: invalid reStructuredText (kept for configs naming it; use rst-syntax).

    ## Why is this bad?
    The markup does not parse. `rst-syntax` reports the same problems with
    Sphinx's vocabulary known, so this id is off by default to avoid reporting
    each problem twice; enable it only where tooling expects doc8's ids.

    ## Example
    ```rst
    * a list item
    continued without indentation
    ```

    ## Use instead
    ```rst
    * a list item
      continued with indentation
    ```
    """
    yield from _run("D000", doc, ctx)


@rule("D001", Severity.WARNING, Phase.FILE, tags={"style", "doc8"})
def d001(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """doc8's D001: a line longer than the maximum (79 by default).

    ## Why is this bad?
    Long lines make reviews and diffs harder to read. As in doc8, literal
    blocks, directives' content, URLs, targets and lines with no space to break
    at are exempt, and titles too with `allow-long-titles`.

    ## Options
    `max-line-length` and `allow-long-titles` in `[doc8]` (tox.ini, setup.cfg,
    doc8.ini) or `[tool.doc8]` (pyproject.toml).

    ## Example
    ```rst
    This sentence goes on and on and on and on and on and on and on, past eighty columns.
    ```

    ## Use instead
    ```rst
    This sentence goes on and on and on and on and on and on and on,
    past eighty columns.
    ```
    """
    limit = ctx.settings.doc8.max_line_length
    if any(len(line) > limit for line in doc.lines):  # doc8's check walks the whole doctree
        yield from _run("D001", doc, ctx)


@rule("D002", Severity.WARNING, Phase.FILE, tags={"style", "doc8"}, fix=FixSafety.SAFE)
def d002(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """doc8's D002: trailing whitespace.

    ## Why is this bad?
    Invisible noise that shows up in diffs and trips `git diff --check`.

    ## Example
    ```rst
    A line ending in spaces.
    ```

    ## Use instead
    ```rst
    A line ending in spaces.
    ```
    """
    yield from _run("D002", doc, ctx)


@rule("D003", Severity.WARNING, Phase.FILE, tags={"style", "doc8"}, fix=FixSafety.SAFE)
def d003(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """doc8's D003: a tab used for indentation.

    ## Why is this bad?
    reStructuredText expands tabs to 8 columns; mixed with spaces, the
    structure the reader sees differs from the one docutils parses.

    ## Example
    ```rst
    * item
        continued with a tab
    ```

    ## Use instead
    ```rst
    * item
      continued with spaces
    ```
    """
    yield from _run("D003", doc, ctx)


@rule("D004", Severity.WARNING, Phase.FILE, tags={"style", "doc8"}, fix=FixSafety.SAFE)
def d004(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """doc8's D004: a carriage return (Windows line ending).

    ## Why is this bad?
    Mixed line endings make noisy diffs; the project's files use `\\n`.

    ## Example
    ```rst
    .. a line ending in \\r\\n
    ```

    ## Use instead
    ```rst
    .. a line ending in \\n
    ```
    """
    yield from _run("D004", doc, ctx)


@rule("D005", Severity.WARNING, Phase.FILE, tags={"style", "doc8"}, fix=FixSafety.SAFE)
def d005(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """doc8's D005: no newline at the end of the file.

    ## Why is this bad?
    Tools that concatenate or diff files mis-handle the last line.

    ## Example
    ```rst
    .. the last line has no final newline
    ```

    ## Use instead
    ```rst
    .. the last line ends with a newline
    ```
    """
    yield from _run("D005", doc, ctx)
