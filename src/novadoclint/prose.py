"""The prose the markup rules read, gathered in one walk of a document's doctree.

docutils parses markup mistakes without a word: the text renders with its
colons and backticks showing, in italics, or as a link to nowhere. The rules
that find them (checks/roles.py, hyperlinks.py, inline.py, directives.py)
read the doctree, not raw lines, so literals and code blocks never fire:
prose is the text of paragraphs, titles, list items and table cells outside
literals, roles and references. The walk is done once per document, by the
first rule that needs it, and kept in the document's views.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, partial

from docutils import nodes
from docutils.parsers.rst.languages import en

from novadoclint.context import Context, ParsedDoc
from novadoclint.edits import Edit, Fix, FixSafety, line_starts
from novadoclint.findings import Location
from novadoclint.links.syntax import SCHEME_RE
from novadoclint.location import line_of, source_of, source_path
from novadoclint.parse import directive_record
from novadoclint.project.discover import is_document
from novadoclint.project.vocabulary import Vocabulary
from novadoclint.safety import untrusted

TAGS = frozenset({"markup"})  # the tag of every rule reading the prose
# Subtrees holding no prose: literals, comments, raw data, docutils' own error reports.
NOT_PROSE = (
    nodes.FixedTextElement,
    nodes.system_message,
    nodes.target,
    nodes.image,
    nodes.raw,
)
# Inline elements whose text is prose too (``*emphasis*``, ``**strong**``).
PROSE_INLINE = (nodes.emphasis, nodes.strong)
# Directives whose argument is one word: a second line before the blank line is content.
ONE_WORD_ARGUMENT = frozenset({"code-block", "sourcecode", "code", "highlight"})
NAME = r"[A-Za-z][\w.+-]*(?::[A-Za-z][\w.+-]*)*"
LEADING_BACKTICK_RE = re.compile(rf"^`:(?P<name>{NAME}):`(?P<body>[^`]+)`$", re.DOTALL)
VERTICAL_SPACE_RE = re.compile("[\v\f]")  # docutils' string2lines makes them spaces
LINK_IN_BACKTICKS_RE = re.compile(r"^`(?P<text>[^`]*?)\s*<(?P<target>[^<>`\s]+)>`$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of prose: a Text node, or an inline element (role, literal, reference) as written."""

    text: str  # the Text, or the element's source (rawsource)
    node: nodes.Node
    before: nodes.Node | None  # previous sibling
    after: nodes.Node | None  # next sibling
    path: str
    line: int  # estimated line of text[0]
    broken: bool  # its paragraph holds markup docutils already reported
    within: str  # "" in plain prose, else "bold" or "italic": markup inside does not nest


@dataclass(frozen=True, slots=True)
class MarkupView:
    """What the markup rules read from one document, gathered in one walk."""

    texts: tuple[Span, ...]  # Text nodes of prose
    elements: tuple[Span, ...]  # inline elements in prose: roles, literals, references
    comments: tuple[tuple[nodes.comment, str], ...]  # with their file
    paragraphs: tuple[tuple[nodes.paragraph, str], ...]
    blocks: tuple[tuple[nodes.Element, str], ...]  # directives whose block text is kept


def view(doc: ParsedDoc, ctx: Context) -> MarkupView:
    """The document's markup view, built by the first rule that needs it."""
    return doc.views.get(MarkupView, lambda: _walk(doc, ctx))


def _walk(doc: ParsedDoc, ctx: Context) -> MarkupView:
    """One pass over the doctree; prolog text and included documents are left out."""
    paths: dict[str | None, str | None] = {}
    elsewhere = partial(is_document, ctx.sphinx)

    def place(node: nodes.Node) -> str | None:
        source = source_of(node)
        if source not in paths:
            # prolog text: not in the page's lines; an included document: linted on its own
            paths[source] = source_path(
                source, ctx.srcdir, doc.path, prolog=None, elsewhere=elsewhere
            )
        return paths[source]

    problems = any(m.level >= 2 for m in doc.messages)  # else no problematic nodes
    # Substitutions are copied where they are used: check the definition, not the copies.
    copies = frozenset(
        str(child) if isinstance(child, nodes.Text) else getattr(child, "rawsource", "")
        for definition in doc.doctree.substitution_defs.values()
        for child in definition.children
    )
    spans: list[Span] = []
    comments: list[tuple[nodes.comment, str]] = []
    paragraphs: list[tuple[nodes.paragraph, str]] = []
    blocks: list[tuple[nodes.Element, str]] = []
    stack: list[nodes.Node] = [doc.doctree]
    while stack:
        node = stack.pop()
        if isinstance(node, NOT_PROSE):
            path = place(node)
            if path is not None and isinstance(node, nodes.comment):
                comments.append((node, path))
            elif path is not None and _has_block_text(node):
                blocks.append((node, path))
            continue
        if isinstance(node, nodes.TextElement):
            path = place(node)
            if path is not None:
                if isinstance(node, nodes.paragraph):
                    paragraphs.append((node, path))
                broken = problems and any(isinstance(c, nodes.problematic) for c in node.children)
                skip = frozenset() if isinstance(node, nodes.substitution_definition) else copies
                _inline(node, path, line_of(node), broken, "", skip, spans)
            continue
        if isinstance(node, nodes.Element):
            if _has_block_text(node):
                path = place(node)
                if path is not None:
                    blocks.append((node, path))
            stack.extend(reversed(node.children))
    return MarkupView(
        tuple(s for s in spans if isinstance(s.node, nodes.Text)),
        tuple(s for s in spans if not isinstance(s.node, nodes.Text)),
        tuple(comments),
        tuple(paragraphs),
        tuple(blocks),
    )


def _inline(
    element: nodes.Element,
    path: str,
    line: int,
    broken: bool,
    within: str,
    skip: frozenset[str],
    out: list[Span],
) -> int:
    """Spans of a paragraph-like element; ``skip`` holds text copied from substitutions."""
    children = element.children
    for index, child in enumerate(children):
        before = children[index - 1] if index else None
        after = children[index + 1] if index + 1 < len(children) else None
        if isinstance(child, nodes.Text):
            text = str(child)
            # what the text rules look for
            if (":" in text or "`" in text or "-\n" in text) and text not in skip:
                out.append(Span(text, child, before, after, path, line, broken, within))
            line += text.count("\n")
        elif isinstance(child, PROSE_INLINE) and child.rawsource[:1] == "*":
            kind = "bold" if isinstance(child, nodes.strong) else "italic"
            nested = broken or any(isinstance(c, nodes.problematic) for c in child.children)
            line = _inline(child, path, line, nested, kind, skip, out)
        elif isinstance(child, nodes.Element) and not isinstance(child, NOT_PROSE):
            raw = child.rawsource or child.astext()
            if raw[:1] in (":", "`") and raw not in skip:  # roles and interpreted text
                out.append(Span(raw, child, before, after, path, line, broken, within))
            line += raw.count("\n")
    return line


def locate(
    doc: ParsedDoc, path: str, line: int, needle: str, before: str = "", ctx: Context | None = None
) -> Location:
    """Where a piece of markup is written: docutils gives inline text its paragraph's line.

    ``before`` is the text known to precede the needle on its line: it tells
    two occurrences of the needle on one line apart. In an included file the
    needle is looked for in that file's lines when ``ctx`` is given (see
    :func:`written_file`), else the finding keeps docutils' line and no column.
    """
    needle = needle.strip().splitlines()[0] if needle.strip() else ""
    written = written_file(doc, ctx, path) if path != doc.path and needle else None
    if (path != doc.path and written is None) or not needle:
        return Location(path, max(line, 1))
    lines = doc.lines if written is None else written.lines
    numbers = [n for n in (line, line - 1, line + 1, line - 2, line + 2, line - 3, line + 3)]
    for text, shift in ((before + needle, len(before)), (needle, 0)) if before else ((needle, 0),):
        for number in numbers:
            if 0 < number <= len(lines):
                found = lines[number - 1].find(text)
                if found >= 0:
                    return Location(path, number, found + shift + 1)
    return Location(path, max(line, 1))


def span_location(doc: ParsedDoc, span: Span, offset: int, needle: str) -> Location:
    """Where the needle at ``offset`` of a span is: the text before it tells repeats apart."""
    start = span.text.rfind("\n", 0, offset) + 1
    line = span.line + span.text.count("\n", 0, offset)
    return locate(doc, span.path, line, needle, span.text[start:offset])


@cache
def known_roles(vocabulary: Vocabulary) -> frozenset[str]:
    """Role names this project can use: docutils' and the vocabulary's (lowercase)."""
    return frozenset({*en.roles, *(n.lower() for n, _, _ in vocabulary.roles)})


@cache
def known_directives(vocabulary: Vocabulary) -> frozenset[str]:
    """Directive names this project can use: docutils' and the vocabulary's (lowercase)."""
    return frozenset({*en.directives, *(n.lower() for n, _, _ in vocabulary.directives)})


def texts(doc: ParsedDoc, ctx: Context) -> tuple[Span, ...]:
    """The prose's Text nodes: where markup docutils did not see stays as text."""
    return view(doc, ctx).texts


def elements(doc: ParsedDoc, ctx: Context) -> tuple[Span, ...]:
    """The prose's inline elements (roles, literals, references) as written."""
    return view(doc, ctx).elements


def is_interpreted(node: nodes.Node | None) -> bool:
    """Interpreted text with no role prefix: `x` (title_reference, or the default role's node)."""
    if not isinstance(node, nodes.Element):
        return False
    raw = node.rawsource
    return raw.startswith("`") and not raw.startswith("``") and raw.endswith("`")


def link_in_backticks(span: Span) -> re.Match[str] | None:
    """`text <https://x>` or `text <name_>` written as interpreted text."""
    if not is_interpreted(span.node):
        return None
    match = LINK_IN_BACKTICKS_RE.match(span.text)
    if match is None:
        return None
    target = match.group("target")
    return match if SCHEME_RE.match(target) or target.endswith("_") else None


def _has_block_text(node: nodes.Node) -> bool:
    """A directive whose argument lines the blank-line rule reads (kept in its rawsource)."""
    if isinstance(node, directive_record):
        return node["name"] in ONE_WORD_ARGUMENT
    return isinstance(node, nodes.image) and node.rawsource.lstrip().startswith("..")


@dataclass(frozen=True, slots=True)
class _LineStarts:
    """The offset where each line of a document's text starts, computed once per document."""

    starts: tuple[int, ...]


def _starts(doc: ParsedDoc) -> tuple[int, ...]:
    return doc.views.get(_LineStarts, lambda: _LineStarts(tuple(line_starts(doc.text)))).starts


@dataclass(frozen=True, slots=True)
class Written:
    """A file's text as a fix edits it (decoded as --fix reads it), its lines, their starts."""

    text: str
    lines: tuple[str, ...]
    starts: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _Included:
    """The included files a document's fixes edit, each read once (None: not to be fixed)."""

    files: dict[str, Written | None]


def written_file(doc: ParsedDoc, ctx: Context | None, path: str) -> Written | None:
    """The text of the file a finding is in: the document's, or a file it includes.

    An included file is fixed in the file itself (issue 16): docutils read it
    moments ago for this document, and it is read again here, only when a fix
    needs it, as ``--fix`` will read it: a regular file inside the project
    (the repository holding the source dir, reached without a link leading
    out), UTF-8, a BOM outside the text. None for any other file, and for
    prolog text, which is in no file.
    """
    if path == doc.path:
        return Written(doc.text, tuple(doc.lines), _starts(doc))
    if ctx is None or path.startswith("<"):
        return None
    files = doc.views.get(_Included, lambda: _Included({})).files
    if path not in files:
        files[path] = _read_included(ctx.srcdir, path)
    return files[path]


def _read_included(srcdir: str, path: str) -> Written | None:
    real = untrusted.resolve_inside(untrusted.project_root(srcdir), os.path.join(srcdir, path))
    if real is None or not os.path.isfile(real):
        return None
    try:
        text = untrusted.read_bytes(real, untrusted.MAX_DOCUMENT_BYTES).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    lines = tuple(VERTICAL_SPACE_RE.sub(" ", text).splitlines())  # as docutils numbers them
    return Written(text, lines, tuple(line_starts(text)))


@dataclass(frozen=True, slots=True)
class _IncludedText:
    """The texts of the files a document includes and docutils parsed into its doctree."""

    texts: tuple[str | None, ...]  # None: not readable here (a prefilter then lets a rule run)


def written_here(doc: ParsedDoc, ctx: Context, *needles: str) -> bool:
    """Whether one of ``needles`` is written in the document or in a file it includes.

    A rule's cheap prefilter: ``doc.text`` is the page's own text, and an
    included file's markup is parsed into the doctree too, where the rule
    finds it. An included file that is a document is linted on its own and
    not looked in; one that cannot be read again here counts as holding the
    needles. Each included file is read once per document, and only when the
    page's own text holds none of the needles.
    """
    if any(needle in doc.text for needle in needles):
        return True
    if not doc.facts.includes:
        return False
    texts = doc.views.get(_IncludedText, lambda: _included_texts(doc, ctx)).texts
    return any(text is None or any(n in text for n in needles) for text in texts)


def _included_texts(doc: ParsedDoc, ctx: Context) -> _IncludedText:
    paths = dict.fromkeys(
        include.resolved
        for include in doc.facts.includes
        if include.directive == "include" and include.found
    )
    texts = []
    for path in paths:
        if is_document(ctx.sphinx, path):
            continue
        written = written_file(doc, ctx, path)
        texts.append(None if written is None else written.text)
    return _IncludedText(tuple(texts))


def written_range(
    doc: ParsedDoc, at: Location, written: str, ctx: Context | None = None
) -> tuple[int, int] | None:
    """Where ``written`` is written in its file's text, from ``at`` on, as [start, end).

    docutils gives a paragraph's text without its indentation: a line break of
    ``written`` may stand for a line break and any indentation in the file. In
    an included file (with ``ctx``: see :func:`written_file`) the finding has
    no column: ``written`` is looked for on its line. None when the text at
    ``at`` is not ``written`` (prolog text, escapes docutils removed, a
    location found by a search that missed), or when its first line is
    written twice on the line (a search finds the first).
    """
    source = written_file(doc, ctx, at.path)
    if source is None or not written or not 1 <= at.line <= len(source.starts) or at.column < 1:
        return None
    starts, text = source.starts, source.text
    pieces = written.split("\n")
    row = text[starts[at.line - 1] : starts[at.line] if at.line < len(starts) else None]
    if row.count(pieces[0]) != 1:
        return None  # twice on its line: a search for it may have found the other one
    column = at.column if at.path == doc.path else row.find(pieces[0]) + 1
    start = starts[at.line - 1] + column - 1
    if "\n" in text[starts[at.line - 1] : start]:
        return None
    pattern = re.escape(pieces[0]) + "".join(
        r"\r?\n[ \t]*" + re.escape(piece.lstrip(" \t")) for piece in pieces[1:]
    )
    match = re.compile(pattern).match(text, start)
    return (start, match.end()) if match else None


def _title_fits(lines: Sequence[str], title: nodes.Node, at: Location, growth: int) -> bool:
    """Whether a title grown by ``growth`` characters stays within its adornment lines."""
    if growth <= 0:
        return True
    if not 1 <= at.line < len(lines) or "\n" in title.astext():
        return False
    width = len(lines[at.line - 1].rstrip()) + growth

    def adornment(number: int) -> str | None:
        row = lines[number - 1].rstrip() if 1 <= number <= len(lines) else ""
        return row if len(row) >= 2 and len(set(row)) == 1 and not row[0].isalnum() else None

    under, over = adornment(at.line + 1), adornment(at.line - 1)
    if under is None or len(under) < width:
        return False
    return over is None or len(over) >= width


def stays_short(
    doc: ParsedDoc, ctx: Context, line: int, growth: int, lines: Sequence[str] | None = None
) -> bool:
    """Whether a line grown by ``growth`` characters stays within D001's limit, or was over it.

    A safe fix must not bring a new finding: a line pushed past the limit would
    be doc8's D001. An unsafe fix is reviewed, and rewrapping is the reviewer's.
    ``lines`` are the file's, when it is not the document (an included file).
    """
    lines = doc.lines if lines is None else lines
    if growth <= 0 or not 1 <= line <= len(lines):
        return True
    limit, length = ctx.settings.doc8.max_line_length, len(lines[line - 1])
    return length + growth <= limit or length > limit


def in_table(node: nodes.Node) -> bool:
    """Whether the node lies in a table: a cell's width is the grid's, a fix must not change it."""
    parent = node if isinstance(node, nodes.Element) else node.parent
    while parent is not None:
        if isinstance(parent, nodes.table):
            return True
        parent = parent.parent
    return False


def edge_fix(
    doc: ParsedDoc,
    ctx: Context,
    span: Span,
    at: Location,
    written: str,
    head: tuple[str, str],
    tail: tuple[str, str] = ("", ""),
    safety: FixSafety = FixSafety.SAFE,
    *,
    title: str = "",
) -> Fix | None:
    """A fix rewriting the start and the end of markup written at ``at``, or None.

    ``head`` and ``tail`` are (old, new): ``written`` must start with head's old
    text and end with tail's; what lies between, line breaks and indentation
    included, stays as it is. None where the change could break the markup
    around it or is not where the rule thinks: in a table (the cell's width is
    the grid's), inside bold or italic text (markup does not nest there), in a
    paragraph docutils already reported, in a title its underline would no
    longer cover, on a line a safe fix would make too long for D001, in
    prolog text, or where the text at ``at`` is not ``written``. In an
    included file the edits are that file's (see :func:`written_file`).
    ``title`` names the fix where an editor offers it (:attr:`Fix.title`).
    """
    (head_old, head_new), (tail_old, tail_new) = head, tail
    if span.within or span.broken or not written.startswith(head_old):
        return None
    if not written.endswith(tail_old) or len(head_old) + len(tail_old) > len(written):
        return None
    if in_table(span.node):
        return None
    heading = None
    parent = span.node if isinstance(span.node, nodes.Element) else span.node.parent
    while parent is not None:
        if isinstance(parent, nodes.title) and heading is None:
            heading = parent
        parent = parent.parent
    growth = len(head_new) - len(head_old) + len(tail_new) - len(tail_old)
    source = written_file(doc, ctx, at.path)
    if source is None or (
        heading is not None and not _title_fits(source.lines, heading, at, growth)
    ):
        return None
    found = written_range(doc, at, written, ctx)
    ranges = [found] if found is not None else _twins(doc, ctx, span, at, written, source)
    if not ranges:
        return None
    if safety is FixSafety.SAFE:
        grown: dict[int, int] = {}
        for start, end in ranges:
            last = at.line + source.text.count("\n", start, end)  # the line the tail is on
            grown[at.line] = grown.get(at.line, 0) + len(head_new) - len(head_old)
            grown[last] = grown.get(last, 0) + len(tail_new) - len(tail_old)
        if not all(
            stays_short(doc, ctx, number, more, source.lines) for number, more in grown.items()
        ):
            return None
    edits = []
    for start, end in ranges:
        if head_old != head_new:
            edits.append(Edit(at.path, start, start + len(head_old), head_new))
        if tail_old != tail_new:
            edits.append(Edit(at.path, end - len(tail_old), end, tail_new))
    return Fix(tuple(edits), safety, title) if edits else None


def _twins(
    doc: ParsedDoc, ctx: Context, span: Span, at: Location, written: str, source: Written
) -> list[tuple[int, int]]:
    """Every place of markup written twice or more on its line, when each is one of its twins.

    A search cannot tell the two of ``* `volume` -> `volume` -`` apart: both are
    one finding, at the first. When every occurrence on the line stands on
    its own (no backtick, colon, word or underscore glued to it) and the
    paragraph has as many elements written so on that line, the fix mends
    them all; else none.
    """
    if not isinstance(span.node, nodes.Element) or "\n" in written:
        return []
    if not 1 <= at.line <= len(source.starts):
        return []
    twins = [
        other
        for other in view(doc, ctx).elements
        if other.node.parent is span.node.parent
        and (other.text, other.line, other.path, other.within)
        == (written, span.line, span.path, "")
    ]
    begin = source.starts[at.line - 1]
    stop = source.starts[at.line] if at.line < len(source.starts) else len(source.text)
    row = source.text[begin:stop]
    places = [
        match.start()
        for match in re.finditer(re.escape(written), row)
        if not _glued_to(row, match.start(), match.end())
    ]
    if len(places) < 2 or len(places) != len(twins) or row.count(written) != len(places):
        return []
    return [(begin + place, begin + place + len(written)) for place in places]


def _glued_to(row: str, start: int, end: int) -> bool:
    before = row[start - 1] if start > 0 else " "
    after = row[end] if end < len(row) else " "
    return before in "`:_" or before.isalnum() or after in "`_" or after.isalnum()
