"""Rules for markup mistakes docutils accepts silently (roles without backticks, links missing their underscore...).

docutils parses these without a word: the text renders with its colons and
backticks showing, in italics, or as a link to nowhere. Every rule reads the
doctree, not raw lines, so literals and code blocks never fire: prose is the
text of paragraphs, titles, list items and table cells outside literals,
roles and references. Each rule first tests the raw text with a cheap regex,
and walks the doctree only when the mistake can be there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, partial

from docutils import nodes
from docutils.parsers.rst.languages import en

from novadoclint.collect import URL_RE, normalise_label
from novadoclint.context import Context, ParsedDoc
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.location import line_of, source_of, source_path
from novadoclint.parse import directive_record, xref
from novadoclint.project import is_document
from novadoclint.registry import Phase, rule
from novadoclint.vocabulary import Vocabulary

TAGS = {"markup"}
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
OPENERS = "([{\"'"
TRAILING_PUNCTUATION = ".,;:!?)]}'\""

NAME = r"[A-Za-z][\w.+-]*(?::[A-Za-z][\w.+-]*)*"
BEFORE = r"(?<![^\s(\[{\"'])"  # start of text, whitespace or an opener
ROLE_NO_BACKTICKS_RE = re.compile(BEFORE + rf":(?P<name>{NAME}):(?P<target>[^\s`:][^\s`]*)")
ROLE_TAIL_RE = re.compile(BEFORE + rf":(?P<name>{NAME}):$")
GLUED_TAIL_RE = re.compile(r"(?P<token>[^\s`]+):$")
ROLE_NO_COLON_RE = re.compile(BEFORE + rf":(?P<name>{NAME})`(?P<body>[^`\s][^`]*)`")
ROLE_RE = re.compile(rf"^:(?P<name>{NAME}):`(?P<body>.*)`$", re.DOTALL)
UNESCAPED_BACKTICK_RE = re.compile(r"(?<!\\)`")
# A whole role inside another role's text: markup quoted, as in :literal:`:manpage:`ls(1)``.
QUOTED_ROLE_RE = re.compile(r":[\w.+:-]+:`[^`]+`")
LEADING_BACKTICK_RE = re.compile(rf"^`:(?P<name>{NAME}):`(?P<body>[^`]+)`$", re.DOTALL)
INTERPRETED_RE = re.compile(r"^`(?P<body>[^`].*?)`$", re.DOTALL)
LINK_IN_BACKTICKS_RE = re.compile(r"^`(?P<text>[^`]*?)\s*<(?P<target>[^<>`\s]+)>`$", re.DOTALL)
LINK_MISSING_BACKTICK_RE = re.compile(r">`__?(?![\w`])")
LINK_WRITTEN_RE = re.compile(r"(?P<text>\S*)\s*<(?P<target>[^<>\s]*)>`__?")
GLUED_INTERPRETED_RE = re.compile(
    r"(?P<word>[\w.)\]]*\w[.)\]]*)(?P<open>``?)(?P<body>[^`\s](?:[^`]*[^`\s])?)(?P=open)"
    r"(?P<after>_{0,2})(?![`\w])"
)
LONE_DOUBLE_BACKTICK_RE = re.compile(r"(?<!`)``(?!`)")
NESTED_MARKUP_RE = re.compile(
    r"(?<![\w`])(?:``[^`\s](?:[^`]*?[^`\s])?``|(?::[\w.+:-]+:)?`[^`\s](?:[^`]*?[^`\s])?`_{0,2})"
    r"(?![\w`])"
)
DANGLING_HYPHEN_RE = re.compile(r"(?P<word>[\w-]*[a-z])-\n[ \t]*(?P<next>[\w-]+)")
# "unit, functional-\nand integration tests": a suspended hyphen, right with its space.
CONJUNCTIONS = frozenset({"and", "or", "nor", "but", "to", "vs", "versus"})
COMMENT_DIRECTIVE_RE = re.compile(r"^(?P<name>[A-Za-z][\w-]*(?::[\w-]+)*)(?P<rest>.*)$")
MISSING_SPACE_RE = re.compile(r"^\.\.(?P<name>[A-Za-z][\w-]*(?::[\w-]+)*)::?(?:\s|$)")
THREE_DOTS_RE = re.compile(r"^\.\.\.\s+(?P<name>[A-Za-z][\w-]*(?::[\w-]+)*)::?(?:\s|$)")
OPTION_LINE_RE = re.compile(r"^:[^:\s][^:]*:(?:\s|$)")
IMAGE_FILE_RE = re.compile(r"\.(?:png|jpe?g|gif|svg|bmp|tiff?|webp|pdf|\*)$", re.IGNORECASE)

# Directives whose argument is one word: a second line before the blank line is content.
ONE_WORD_ARGUMENT = frozenset({"code-block", "sourcecode", "code", "highlight"})
VERSION_DIRECTIVES = frozenset({"versionadded", "versionchanged", "deprecated", "versionremoved"})


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
    found = doc.views.get("markup")
    if not isinstance(found, MarkupView):
        found = doc.views["markup"] = _walk(doc, ctx)
    return found


def _walk(doc: ParsedDoc, ctx: Context) -> MarkupView:
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


def locate(doc: ParsedDoc, path: str, line: int, needle: str, before: str = "") -> Location:
    """Where a piece of markup is written: docutils gives inline text its paragraph's line.

    ``before`` is the text known to precede the needle on its line: it tells
    two occurrences of the needle on one line apart.
    """
    needle = needle.strip().splitlines()[0] if needle.strip() else ""
    if path != doc.path or not needle:
        return Location(path, max(line, 1))
    numbers = [n for n in (line, line - 1, line + 1, line - 2, line + 2, line - 3, line + 3)]
    for text, shift in ((before + needle, len(before)), (needle, 0)) if before else ((needle, 0),):
        for number in numbers:
            if 0 < number <= len(doc.lines):
                found = doc.lines[number - 1].find(text)
                if found >= 0:
                    return Location(path, number, found + shift + 1)
    return Location(path, max(line, 1))


def _at(doc: ParsedDoc, span: Span, offset: int, needle: str) -> Location:
    start = span.text.rfind("\n", 0, offset) + 1
    line = span.line + span.text.count("\n", 0, offset)
    return locate(doc, span.path, line, needle, span.text[start:offset])


@cache
def known_roles(vocabulary: Vocabulary) -> frozenset[str]:
    """Role names this project can use: docutils' and the vocabulary's (lowercase)."""
    return frozenset({*en.roles, *(n.lower() for n, _, _ in vocabulary.roles)})


@cache
def known_directives(vocabulary: Vocabulary) -> frozenset[str]:
    return frozenset({*en.directives, *(n.lower() for n, _, _ in vocabulary.directives)})


@cache
def role_domains(vocabulary: Vocabulary) -> frozenset[str]:
    """Domain prefixes (``py``, ``c``, ``std``...) of the project's qualified roles."""
    return frozenset(n.split(":", 1)[0].lower() for n, _, _ in vocabulary.roles if ":" in n)


def _texts(doc: ParsedDoc, ctx: Context) -> tuple[Span, ...]:
    return view(doc, ctx).texts


def _elements(doc: ParsedDoc, ctx: Context) -> tuple[Span, ...]:
    return view(doc, ctx).elements


def _q(text: str) -> str:
    """Markup quoted for a message: on one line, backslashes kept as written."""
    return "'" + " ".join(text.split()) + "'"


def _strip_trailing(target: str) -> str:
    while target and target[-1] in TRAILING_PUNCTUATION:
        target = target[:-1]
    return target


def _is_interpreted(node: nodes.Node | None) -> bool:
    """Interpreted text with no role prefix: `x` (title_reference, or the default role's node)."""
    if not isinstance(node, nodes.Element):
        return False
    raw = node.rawsource
    return raw.startswith("`") and not raw.startswith("``") and raw.endswith("`")


# --------------------------------------------------------------------------- roles


@rule("role-missing-backticks", Severity.WARNING, Phase.FILE, tags=TAGS)
def role_missing_backticks(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A role written without backticks (`:ref:foo`).

    ## Why is this bad?
    docutils only sees a role when its text is in backticks; otherwise the
    colons and the name are printed as they are, and the reference is never
    made. Sphinx says nothing. Only names of roles the project knows are
    reported, so text such as `:30:` is left alone.

    ## Example
    ```rst
    See :ref:minimal-downtime-upgrade for the steps.
    ```

    ## Use instead
    ```rst
    See :ref:`minimal-downtime-upgrade` for the steps.
    ```
    """
    roles = known_roles(ctx.vocabulary)
    for span in _texts(doc, ctx):
        for match in ROLE_NO_BACKTICKS_RE.finditer(span.text):
            name, target = match.group("name"), _strip_trailing(match.group("target"))
            if name.lower() not in roles or not target:
                continue
            raw = f":{name}:{target}"
            yield Hit(
                _at(doc, span, match.start(), raw),
                f"role with no backticks: {_q(raw)}; did you mean ':{name}:`{target}`'?",
            )


@rule("role-double-backticks", Severity.WARNING, Phase.FILE, tags=TAGS)
def role_double_backticks(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A role written with double backticks (``:ref:``foo`` ``).

    ## Why is this bad?
    A role takes single backticks. With double ones docutils reads plain text
    `:ref:` followed by an inline literal: the role name is printed and no
    reference is made. Sphinx says nothing.

    ## Example
    ```rst
    Run :command:``nova-manage db sync`` first.
    ```

    ## Use instead
    ```rst
    Run :command:`nova-manage db sync` first.
    ```
    """
    if ":``" not in doc.text:
        return
    roles = known_roles(ctx.vocabulary)
    for span in _texts(doc, ctx):
        match = ROLE_TAIL_RE.search(span.text)
        after = span.after
        if not match or not isinstance(after, nodes.literal) or after.rawsource[:2] != "``":
            continue
        name = match.group("name")
        if name.lower() not in roles:
            continue
        raw = f":{name}:{after.rawsource}"
        yield Hit(
            _at(doc, span, match.start(), raw),
            f"role with double backticks: {_q(raw)}; did you mean ':{name}:`{after.astext()}`'?",
        )


def _glued(span: Span, ctx: Context) -> tuple[str, str, str, int] | None:
    """``word:ref:`x``` or ``ref:`x```: (kind, written, fixed, offset) for a Text before `x`."""
    after = span.after
    if not _is_interpreted(after):
        return None
    assert isinstance(after, nodes.Element)
    match = GLUED_TAIL_RE.search(span.text)
    if not match:
        return None
    token = match.group("token")
    offset = match.start("token")
    stripped = token.lstrip(OPENERS)
    offset += len(token) - len(stripped)
    if not stripped or stripped.startswith(":"):
        return None
    roles, domains = known_roles(ctx.vocabulary), role_domains(ctx.vocabulary)
    parts = stripped.split(":")
    whole, tail = stripped.lower(), ":".join(parts[1:]).lower()
    written = f"{stripped}:{after.rawsource}"
    if (len(parts) > 1 and parts[0].lower() in domains and whole in roles) or (
        whole in roles and not (tail and tail in roles)
    ):
        return "colon", written, f":{stripped}:{after.rawsource}", offset
    if tail and tail in roles:
        word, role = parts[0], ":".join(parts[1:])
        return "space", written, f"{word} :{role}:{after.rawsource}", offset
    return None


@rule("role-missing-space-before", Severity.WARNING, Phase.FILE, tags=TAGS)
def role_missing_space_before(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A role glued to the word before it (``word:ref:`x` ``).

    ## Why is this bad?
    A role must start after a space or punctuation. Glued to a word, docutils
    prints `word:ref:` as text and renders `` `x` `` in italics (or with the
    default role): no reference, and no warning from Sphinx.

    ## Example
    ```rst
    Read the:ref:`upgrade notes <upgrades>` first.
    ```

    ## Use instead
    ```rst
    Read the :ref:`upgrade notes <upgrades>` first.
    ```
    """
    if "`" not in doc.text:
        return
    for span in _texts(doc, ctx):
        found = _glued(span, ctx)
        if found is not None and found[0] == "space":
            _, written, fixed, offset = found
            yield Hit(
                _at(doc, span, offset, written),
                f"missing space before role: {_q(written)}; did you mean {_q(fixed)}?",
            )


@rule("role-missing-colon", Severity.WARNING, Phase.FILE, tags=TAGS)
def role_missing_colon(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A role missing one of its colons (``ref:`x` ``, ``c:func:`x` ``, ``:ref`x` ``).

    ## Why is this bad?
    Without both colons docutils does not see a role: the name is printed as
    text and the backticked part renders in italics or with its backticks
    showing. Sphinx says nothing.

    ## Example
    ```rst
    See ref:`upgrades` and :doc`install`.
    ```

    ## Use instead
    ```rst
    See :ref:`upgrades` and :doc:`install`.
    ```
    """
    if "`" not in doc.text:
        return
    roles = known_roles(ctx.vocabulary)
    for span in _texts(doc, ctx):
        found = _glued(span, ctx)
        if found is not None and found[0] == "colon":
            _, written, fixed, offset = found
            yield Hit(
                _at(doc, span, offset, written),
                f"role missing its leading colon: {_q(written)}; did you mean {_q(fixed)}?",
            )
        for match in ROLE_NO_COLON_RE.finditer(span.text) if "`" in span.text else ():
            name, body = match.group("name"), match.group("body")
            if name.lower() in roles:
                yield Hit(
                    _at(doc, span, match.start(), match.group()),
                    f"role missing the colon before its backtick: {_q(match.group())}; "
                    f"did you mean ':{name}:`{body}`'?",
                )


def _role_spans(doc: ParsedDoc, ctx: Context) -> Iterator[tuple[Span, re.Match[str]]]:
    for span in _elements(doc, ctx):
        match = ROLE_RE.match(span.text)
        if match:
            yield span, match


@rule("role-extra-backtick", Severity.WARNING, Phase.FILE, tags=TAGS)
def role_extra_backtick(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A role with an extra backtick at the start or end of its text (``:func:`foo`` ``).

    ## Why is this bad?
    docutils keeps the extra backtick as part of the role's text: the target
    becomes ``foo` `` and the reference is broken or shows a stray backtick.
    Sphinx says nothing when the role is not a cross-reference.

    ## Example
    ```rst
    Use :command:`nova-manage`` to do it.
    ```

    ## Use instead
    ```rst
    Use :command:`nova-manage` to do it.
    ```
    """
    if ":`" not in doc.text:
        return
    for span, match in _role_spans(doc, ctx):
        body = match.group("body")
        inner = body.lstrip("`")
        if inner.endswith("`") and not inner.endswith("\\`"):  # an escaped one is text
            inner = inner.rstrip("`")
        if body == inner or UNESCAPED_BACKTICK_RE.search(inner):
            continue
        fixed = f":{match.group('name')}:`{inner}`"
        yield Hit(
            _at(doc, span, 0, span.text),
            f"extra backtick in role: {_q(span.text)}; did you mean {_q(fixed)}?",
        )


@rule("role-missing-space-after", Severity.WARNING, Phase.FILE, tags=TAGS)
def role_missing_space_after(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A role followed directly by a letter (``:class:`Flavor`s``), which swallows the text after it.

    ## Why is this bad?
    A role's closing backtick must be followed by a space or punctuation. When
    a letter follows, docutils looks further for the end and takes everything
    up to the next backtick as the role's text: the sentence disappears into a
    broken reference. Escape the space: ``:class:`Flavor`\\ s``.

    ## Example
    ```rst
    Create :class:`Flavor`s with `openstack`.
    ```

    ## Use instead
    ```rst
    Create :class:`Flavor`\\ s with ``openstack``.
    ```

    A role whose text holds a whole role (``:literal:`:manpage:`ls(1)```) shows
    markup on purpose and is left alone.
    """
    if ":`" not in doc.text:
        return
    for span, match in _role_spans(doc, ctx):
        body = match.group("body")
        inner = body.strip("`")
        first = UNESCAPED_BACKTICK_RE.search(inner)
        if first is None or QUOTED_ROLE_RE.search(body):
            continue  # none, or the text quotes a whole role: markup shown as markup
        name = match.group("name")
        word = re.match(r"\S*", inner[first.end() :])
        glued = word.group() if word else ""
        written = f":{name}:`{inner[: first.start()]}`{glued}"
        fixed = f":{name}:`{inner[: first.start()]}`\\ {glued}"
        yield Hit(
            _at(doc, span, 0, written),
            f"role runs into the text after it: {_q(written)}; did you mean {_q(fixed)}?",
        )


@rule("role-leading-backtick", Severity.WARNING, Phase.FILE, tags=TAGS)
def role_leading_backtick(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A role with a backtick in front of it (`` `:ref:`x` ``).

    ## Why is this bad?
    The leading backtick opens interpreted text that swallows the role: the
    role name and its backticks are printed in italics and no reference is made.

    ## Example
    ```rst
    See `:ref:`upgrades` first.
    ```

    ## Use instead
    ```rst
    See :ref:`upgrades` first.
    ```
    """
    if ":`" not in doc.text:
        return
    for span in _elements(doc, ctx):
        match = LEADING_BACKTICK_RE.match(span.text)
        if match:
            fixed = f":{match.group('name')}:`{match.group('body')}`"
            yield Hit(
                _at(doc, span, 0, span.text),
                f"superfluous backtick in front of role: {_q(span.text)}; did you mean {_q(fixed)}?",
            )


@rule("role-exclamation-tilde", Severity.WARNING, Phase.FILE, tags=TAGS)
def role_exclamation_tilde(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A cross-reference with both `!` and `~` (``:meth:`!~list.pop` ``).

    ## Why is this bad?
    `!` turns the link off and `~` shortens the title, but not together: with
    `!` first Sphinx prints `~list.pop` as it is, with `~` first it looks for a
    target named `!list.pop`. Write the short name after `!`.

    ## Example
    ```rst
    Call :meth:`!~list.pop` last.
    ```

    ## Use instead
    ```rst
    Call :meth:`!pop` last.
    ```
    """
    if "!~" not in doc.text and "~!" not in doc.text:
        return
    for span in _elements(doc, ctx):
        node = span.node
        if not isinstance(node, xref) or node["target"][:2] not in ("!~", "~!"):
            continue
        short = node["target"][2:].rsplit(".", 1)[-1]
        fixed = f":{node['role']}:`!{short}`"
        yield Hit(
            _at(doc, span, 0, span.text),
            f"role with both '!' and '~': {_q(span.text)}; did you mean {_q(fixed)}?",
        )


# --------------------------------------------------------------------------- hyperlinks


def _link_in_backticks(span: Span) -> re.Match[str] | None:
    """`text <https://x>` or `text <name_>` written as interpreted text."""
    if not _is_interpreted(span.node):
        return None
    match = LINK_IN_BACKTICKS_RE.match(span.text)
    if match is None:
        return None
    target = match.group("target")
    return match if URL_RE.match(target) or target.endswith("_") else None


@rule("hyperlink-missing-underscore", Severity.WARNING, Phase.FILE, tags=TAGS)
def hyperlink_missing_underscore(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A hyperlink reference missing its trailing underscore (`` `text <https://x>` ``).

    ## Why is this bad?
    Without the `_` after the closing backtick it is not a link but
    interpreted text: the link text and the URL in angle brackets render in
    italics, and nothing is clickable. Sphinx says nothing.

    ## Example
    ```rst
    See the `API reference <https://docs.openstack.org/api-ref/compute/>`.
    ```

    ## Use instead
    ```rst
    See the `API reference <https://docs.openstack.org/api-ref/compute/>`_.
    ```
    """
    if "`" not in doc.text:
        return
    for span in _elements(doc, ctx):
        if _link_in_backticks(span) is not None:
            yield Hit(
                _at(doc, span, 0, span.text),
                f"hyperlink missing its trailing underscore: {_q(span.text)}; "
                f"did you mean {_q(span.text + '_')}?",
            )


@rule("hyperlink-missing-backtick", Severity.WARNING, Phase.FILE, tags=TAGS)
def hyperlink_missing_backtick(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A hyperlink reference missing its opening backtick (``text <https://x>`_``).

    ## Why is this bad?
    Without the opening backtick docutils sees a bare URL between `<` and
    `` >`_ ``: the angle brackets, backtick and underscore are printed and the
    link text is not a link. Sphinx says nothing.

    ## Example
    ```rst
    Read NEWS <https://github.com/openstack/nova/blob/master/NEWS>`_ first.
    ```

    ## Use instead
    ```rst
    Read `NEWS <https://github.com/openstack/nova/blob/master/NEWS>`_ first.
    ```
    """
    if ">`" not in doc.text:
        return
    for span in _texts(doc, ctx):
        if span.broken or ">`" not in span.text:
            continue
        for match in LINK_MISSING_BACKTICK_RE.finditer(span.text):
            at = _at(doc, span, match.start(), match.group())
            written, column = _written_link(doc, at)
            fixed = f"`{written}" if written else "`text <target>`_"
            yield Hit(
                Location(at.path, at.line, column or at.column),
                f"hyperlink reference missing its opening backtick: {_q(written or match.group())}; "
                f"did you mean {_q(fixed)}?",
            )


def _written_link(doc: ParsedDoc, at: Location) -> tuple[str, int]:
    """The ``text <target>`_`` ending at a location as written, and its column ('', 0 if unknown)."""
    if at.path != doc.path or not 0 < at.line <= len(doc.lines):
        return "", 0
    line = doc.lines[at.line - 1][: at.column + 3]
    found = [m for m in LINK_WRITTEN_RE.finditer(line) if m.end() >= at.column]
    return (found[-1].group().strip(), found[-1].start() + 1) if found else ("", 0)


@rule("embedded-target-not-url", Severity.ERROR, Phase.TREE, tags=TAGS)
def embedded_target_not_url(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """An embedded link target that is not a URL and has spaces (`` `text <Some Section>`_ ``).

    ## Why is this bad?
    docutils removes the spaces and makes a link relative to the page:
    `` `previously <Implications for moving servers>`_ `` links to a file
    named `Implicationsformovingservers`, which does not exist. Only Sphinx's
    linkcheck notices. The message suggests the `:ref:` to the section it
    names when one matches (in any document), else the form that links to a
    section of the same page (`` `text <Section title_>`_ ``).

    ## Example
    ```rst
    Moving servers
    ==============

    As discussed `previously <Moving servers>`_, this is slow.
    ```

    ## Use instead
    ```rst
    .. _moving-servers:

    Moving servers
    ==============

    As discussed :ref:`previously <moving-servers>`, this is slow.
    ```
    """
    titles: dict[str, list[tuple[str, int]]] = {}
    for docname in sorted(index.docs):
        for number, section in enumerate(index.docs[docname].sections):
            titles.setdefault(normalise_label(section.title), []).append((docname, number))
    labels_by_section: dict[tuple[str, int], str] = {}
    for name, places in sorted(index.labels.items()):
        for docname, label in places:
            if label.titled and label.section >= 0:
                labels_by_section.setdefault((docname, label.section), name)
    for docname in sorted(index.docs):
        for link in index.docs[docname].embedded_targets:
            target = " ".join(link.target.split())
            if " " not in target or URL_RE.match(target) or target.endswith("_"):
                continue
            hint = _section_hint(docname, link.text, target, titles, labels_by_section, index)
            yield Hit(
                Location(link.path, link.line, link.column),
                f"embedded target {_q(target)} is not a URL: docutils links to {_q(link.refuri)}{hint}",
                cause=docname,
            )


def _section_hint(
    docname: str,
    text: str,
    target: str,
    titles: dict[str, list[tuple[str, int]]],
    labels: dict[tuple[str, int], str],
    index: FactsIndex,
) -> str:
    places = titles.get(normalise_label(target), [])
    places.sort(key=lambda place: (place[0] != docname, place))
    for place in places:
        if place in labels:
            return f"; did you mean ':ref:`{text} <{labels[place]}>`'?"
    if places and places[0][0] == docname:
        return f"; did you mean '`{text} <{target}_>`_' (the section on this page)?"
    if places:
        other = places[0][0]
        section = index.docs[other].sections[places[0][1]]
        return (
            f"; the section is in {index.docs[other].path}: add a label before "
            f"{_q(section.title)} there and use ':ref:`{text} <label>`'"
        )
    return "; use a URL, or :ref: or :doc: for a page of these docs"


# --------------------------------------------------------------------------- interpreted text


def _default_role_unset(ctx: Context) -> bool:
    return not ctx.sphinx.get("default_role") and "default_role" not in ctx.sphinx.unknown


@rule("default-role", Severity.WARNING, Phase.FILE, tags=TAGS)
def default_role(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """Text in single backticks with no role, where conf.py sets no `default_role`.

    ## Why is this bad?
    Without a `default_role` in conf.py, `` `nova-compute` `` is a title
    reference: it renders in italics, not as code. It is nearly always a
    Markdown habit for an inline literal, which takes double backticks.
    Not reported when conf.py sets `default_role`, or for links missing their
    underscore (hyperlink-missing-underscore says that).

    ## Example
    ```rst
    Restart the `nova-compute` service.
    ```

    ## Use instead
    ```rst
    Restart the ``nova-compute`` service.
    ```

    ## Known problems
    Titles of books or standards, what the default role is meant for, are
    reported too: use `:title-reference:` (or `:t:`) for those.
    """
    if not _default_role_unset(ctx) or "`" not in doc.text:
        return
    for span in _elements(doc, ctx):
        if not isinstance(span.node, nodes.title_reference) or not _is_interpreted(span.node):
            continue
        if _link_in_backticks(span) or LEADING_BACKTICK_RE.match(span.text):
            continue
        body = span.text[1:-1]
        yield Hit(
            _at(doc, span, 0, span.text),
            f"default role used: {_q(span.text)} renders in italics; did you mean '``{body}``'?",
        )


@rule("default-role-missing-space", Severity.WARNING, Phase.FILE, tags=TAGS)
def default_role_missing_space(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """Backticked text glued to the word before it (``the`sum` ``).

    ## Why is this bad?
    Inline markup must start after a space or punctuation. Glued to a word,
    the backticks are printed as they are. Sphinx says nothing.

    ## Example
    ```rst
    Run the``nova-manage`` command.
    ```

    ## Use instead
    ```rst
    Run the ``nova-manage`` command.
    ```
    """
    if "`" not in doc.text:
        return
    double = _default_role_unset(ctx)
    for span in _texts(doc, ctx):
        if span.broken or "`" not in span.text:
            continue
        for match in GLUED_INTERPRETED_RE.finditer(span.text):
            start = match.start()
            if (start and span.text[start - 1] == ":") or match.group("after"):
                continue  # a role missing its colon, or a reference: other rules
            word, body = match.group("word"), match.group("body")
            quote = "``" if double or match.group("open") == "``" else "`"
            yield Hit(
                _at(doc, span, start, match.group()),
                f"missing space before interpreted text: {_q(match.group())}; "
                f"did you mean '{word} {quote}{body}{quote}'?",
            )


@rule("inline-literal-unbalanced", Severity.WARNING, Phase.FILE, tags=TAGS)
def inline_literal_unbalanced(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A lone ```` `` ```` that opens or closes no inline literal (``` ``x`` y`` ```).

    ## Why is this bad?
    docutils prints the stray double backtick as it is, and the text meant to
    be a literal is not one. Sphinx says nothing.

    ## Example
    ```rst
    Set ``debug`` to ``True`` or False`` here.
    ```

    ## Use instead
    ```rst
    Set ``debug`` to ``True`` or ``False`` here.
    ```
    """
    if "``" not in doc.text:
        return
    for span in _texts(doc, ctx):
        if span.broken or span.within or "``" not in span.text:
            continue
        for match in LONE_DOUBLE_BACKTICK_RE.finditer(span.text):
            start = max(match.start() - 20, 0)
            context = " ".join(span.text[start : match.end() + 20].split())
            needle = span.text[max(match.start() - 8, 0) : match.end()].splitlines()[-1]
            yield Hit(
                _at(doc, span, match.start(), needle),
                f"unbalanced inline literal: a lone '``' in {_q(context)} is printed as it is; "
                "close the literal or remove it",
            )


@rule("inline-markup-nested", Severity.WARNING, Phase.FILE, tags=TAGS)
def inline_markup_nested(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """Inline markup inside bold or italic text (``**see ``nova-manage``**``).

    ## Why is this bad?
    reStructuredText inline markup does not nest: inside `**...**` or
    `*...*` an inline literal, role or link is not markup, and its backticks
    and colons are printed as they are. Close the bold or italic text before it.

    ## Example
    ```rst
    - **Q: What is the difference between ``nova-novncproxy`` and the others?**
    ```

    ## Use instead
    ```rst
    - **Q: What is the difference between** ``nova-novncproxy`` **and the others?**
    ```
    """
    if "*" not in doc.text or "`" not in doc.text:
        return
    for span in _texts(doc, ctx):
        if not span.within or span.broken:
            continue
        for match in NESTED_MARKUP_RE.finditer(span.text):
            yield Hit(
                _at(doc, span, match.start(), match.group()),
                f"inline markup does not nest: {_q(match.group())} inside {span.within} text "
                f"is printed as written; end the {span.within} text before it",
            )


@rule("dangling-hyphen", Severity.WARNING, Phase.FILE, tags=TAGS)
def dangling_hyphen(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A line of prose ending in a hyphen inside a word (``non-`` then ``blocking``).

    ## Why is this bad?
    reStructuredText joins the lines of a paragraph with a space, so the word
    renders as `non- blocking`. Keep hyphenated words on one line.

    ## Example
    ```rst
    The call is non-
    blocking.
    ```

    ## Use instead
    ```rst
    The call is
    non-blocking.
    ```

    A hyphen before a conjunction (``functional-`` then ``and integration``)
    is a suspended hyphen, rendered rightly with its space, and left alone.
    """
    if "-\n" not in doc.text and "-\r\n" not in doc.text:
        return
    for span in _texts(doc, ctx):
        for match in DANGLING_HYPHEN_RE.finditer(span.text) if "-\n" in span.text else ():
            word, following = match.group("word"), match.group("next")
            if following.lower() in CONJUNCTIONS:
                continue
            yield Hit(
                _at(doc, span, match.start(), f"{word}-"),
                f"line ends with a dangling hyphen: {_q(word + '- ' + following)} is rendered "
                f"with a space; did you mean {_q(word + '-' + following)}?",
            )


# --------------------------------------------------------------------------- directives


@rule("directive-missing-colon", Severity.WARNING, Phase.FILE, tags=TAGS)
def directive_missing_colon(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A comment meant as a directive: `.. note:` (one colon) or `.. note` (none).

    ## Why is this bad?
    A directive needs two colons after its name. With one, or none, the whole
    block is a comment: the note, warning or code block silently disappears
    from the page. Comments starting with a directive name and more words
    (`.. note that ...`), and upper-case markers (`.. TODO: ...`), are left alone,
    as is `.. todo: ...` unless conf.py sets `todo_include_todos = True`: by
    default the todo directive shows nothing either.

    ## Example
    ```rst
    .. warning:
       This deletes every instance.
    ```

    ## Use instead
    ```rst
    .. warning::
       This deletes every instance.
    ```
    """
    if ".. " not in doc.text:
        return
    directive_names = known_directives(ctx.vocabulary)
    for node, path in view(doc, ctx).comments:
        text = node.astext()
        first = text.split("\n", 1)[0].rstrip()
        match = COMMENT_DIRECTIVE_RE.match(first)
        if not match or match.group("name").lower() not in directive_names:
            continue
        name, rest = match.group("name"), match.group("rest")
        single = re.match(r"^:(?!:)(\s|$)", rest)
        if single:
            if name.isupper():
                continue  # NOTE:, TODO: comment markers
            if name.lower() == "todo" and ctx.sphinx.get("todo_include_todos") is not True:
                continue  # the todo directive shows nothing either (todo_include_todos)
            fixed = f".. {name}::{rest[1:]}"
        elif name != name.lower():
            continue
        elif not rest.strip() or (
            re.fullmatch(r"\s+\S+", rest) and (name in VERSION_DIRECTIVES or "\n" not in text)
        ):
            fixed = f".. {name}::{rest}"
        else:
            continue
        yield Hit(
            locate(doc, path, line_of(node), f".. {first}"),
            f"comment looks like a directive: '.. {first}'; did you mean {_q(fixed.rstrip())}?",
        )


def _paragraph_starts(doc: ParsedDoc, ctx: Context) -> Iterator[tuple[nodes.paragraph, str, str]]:
    for node, path in view(doc, ctx).paragraphs:
        if node.rawsource.startswith(".."):
            yield node, path, node.astext().split("\n", 1)[0]


@rule("directive-missing-space", Severity.WARNING, Phase.FILE, tags=TAGS)
def directive_missing_space(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A directive with no space after the two dots (`..note::`).

    ## Why is this bad?
    Explicit markup starts with `.. ` and a space. Without it the line is a
    paragraph: the directive's name is printed and its content becomes a
    literal block or plain text. Sphinx says nothing.

    ## Example
    ```rst
    ..note::

       Back up the database first.
    ```

    ## Use instead
    ```rst
    .. note::

       Back up the database first.
    ```
    """
    directive_names = known_directives(ctx.vocabulary)
    for node, path, first in _paragraph_starts(doc, ctx):
        match = MISSING_SPACE_RE.match(first)
        if match and match.group("name").lower() in directive_names:
            name = match.group("name")
            yield Hit(
                locate(doc, path, line_of(node), f"..{name}"),
                f"'..{name}::' is not a directive (no space after '..'); "
                f"did you mean '.. {name}::'?",
            )


@rule("directive-three-dots", Severity.WARNING, Phase.FILE, tags=TAGS)
def directive_three_dots(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A directive written with three dots (`... note::`).

    ## Why is this bad?
    Explicit markup starts with exactly two dots. With three the line is a
    paragraph: `... note:` is printed and the content becomes a literal
    block or plain text. Sphinx says nothing.

    ## Example
    ```rst
    ... versionchanged:: 2.1

       The option is now ignored.
    ```

    ## Use instead
    ```rst
    .. versionchanged:: 2.1

       The option is now ignored.
    ```
    """
    directive_names = known_directives(ctx.vocabulary)
    for node, path, first in _paragraph_starts(doc, ctx):
        match = THREE_DOTS_RE.match(first)
        if match and match.group("name").lower() in directive_names:
            name = match.group("name")
            yield Hit(
                locate(doc, path, line_of(node), "..."),
                f"'... {name}::' is not a directive (three dots); did you mean '.. {name}::'?",
            )


@rule("directive-missing-blank-line", Severity.WARNING, Phase.FILE, tags=TAGS)
def directive_missing_blank_line(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A directive whose content starts right below it, with no blank line in between.

    ## Why is this bad?
    docutils reads the lines after the directive line, up to the first blank
    line, as its arguments and options. For a `code-block` the code becomes
    the language argument and the block is empty (Sphinx stops with an error
    about arguments, or shows nothing); for an `image` or `figure` the
    caption is glued to the file name, which then does not exist.

    ## Example
    ```rst
    .. code-block:: console
       $ openstack server list
    ```

    ## Use instead
    ```rst
    .. code-block:: console

       $ openstack server list
    ```
    """
    if ".. " not in doc.text:
        return
    for node, path in view(doc, ctx).blocks:
        block = node.rawsource.splitlines()
        head = re.match(r"^\s*\.\.\s+(?P<name>[\w:-]+)\s*::\s*(?P<argument>.*)$", block[0])
        if head is None:
            continue
        name, argument = head.group("name"), head.group("argument").strip()
        glued = []
        option_indent = -1  # indentation of the option whose value may continue
        for offset, row in enumerate(block[1:], 1):
            if not row.strip():
                break
            indent = len(row) - len(row.lstrip())
            if OPTION_LINE_RE.match(row.strip()):
                option_indent = indent
            elif indent > option_indent >= 0:
                continue  # an option's value, continued
            else:
                option_indent = -1
                glued.append((offset, row.strip()))
        if name in ("image", "figure"):
            glued = glued if IMAGE_FILE_RE.search(argument) else []
        elif not argument and glued:
            glued = glued[1:]  # the argument itself may sit on the next line
        if not glued:
            continue
        offset, text = glued[0]
        yield Hit(
            locate(doc, path, line_of(node) + offset, text),
            f"no blank line after the {_q(name)} directive: {_q(text)} is read as part of its "
            "argument, not as content; add a blank line before it",
        )


def _has_block_text(node: nodes.Node) -> bool:
    if isinstance(node, directive_record):
        return node["name"] in ONE_WORD_ARGUMENT
    return isinstance(node, nodes.image) and node.rawsource.lstrip().startswith("..")
