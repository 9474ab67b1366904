"""inline-*, default-role* and dangling-hyphen rules: interpreted text and inline markup printed as written.

Backticks without a role, glued to a word, left unbalanced or nested in bold
text are printed as written or in italics; a hyphen ending a line is printed
with a space after it. Sphinx says nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from docutils import nodes

from novadoclint.context import Context, ParsedDoc
from novadoclint.edits import Edit, Fix, FixSafety
from novadoclint.findings import Hit, Location, Severity, quoted
from novadoclint.prose import (
    LEADING_BACKTICK_RE,
    TAGS,
    Span,
    edge_fix,
    elements,
    in_table,
    is_interpreted,
    link_in_backticks,
    span_location,
    texts,
    written_here,
    written_range,
)
from novadoclint.registry import Phase, rule

GLUED_INTERPRETED_RE = re.compile(
    r"(?P<word>[\w.)\]]*\w[.)\]]*)(?P<open>``?)(?P<body>[^`\s](?:[^`]*[^`\s])?)(?P=open)"
    r"(?P<after>_{0,2})(?![`\w])"
)
UNSAFE = FixSafety.UNSAFE
WORD_OPENERS = " \t\n([{\"'"  # before a word that stands on its own
LONE_DOUBLE_BACKTICK_RE = re.compile(r"(?<!`)``(?!`)")
NESTED_MARKUP_RE = re.compile(
    r"(?<![\w`])(?:``[^`\s](?:[^`]*?[^`\s])?``|(?::[\w.+:-]+:)?`[^`\s](?:[^`]*?[^`\s])?`_{0,2})"
    r"(?![\w`])"
)
DANGLING_HYPHEN_RE = re.compile(r"(?P<word>[\w-]*[a-z])-\n[ \t]*(?P<next>[\w-]+)")
# "unit, functional-\nand integration tests": a suspended hyphen, right with its space.
CONJUNCTIONS = frozenset({"and", "or", "nor", "but", "to", "vs", "versus"})
# A list item's marker, alone before the word: removing the word would empty the item's line.
LIST_MARKER_RE = re.compile(r"[*+\-\u2022\u2023\u2043]|\(?(?:\d+|#|[A-Za-z]|[ivxlcdmIVXLCDM]+)[.)]")


def _default_role_unset(ctx: Context) -> bool:
    return not ctx.sphinx.get("default_role") and "default_role" not in ctx.sphinx.unknown


@rule("default-role", Severity.WARNING, Phase.FILE, tags=TAGS, fix=FixSafety.UNSAFE)
def default_role(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """Text in single backticks with no role, where conf.py sets no `default_role`.

    ## Why is this bad?
    Without a `default_role` in conf.py, `` `nova-compute` `` is a title
    reference: it renders in italics, not as code. It is nearly always a
    Markdown habit for an inline literal, which takes double backticks.
    Not reported when conf.py sets `default_role`, or for links missing their
    underscore (hyperlink-missing-underscore says that). The fix, unsafe
    because a title may be meant, doubles the backticks; not where the text
    holds a backslash (an escape in interpreted text is a backslash in a
    literal), nor right after a colon (a role missing a colon, which the
    role rules mend). The two backticks it adds may take a line past D001's
    limit: rewrap it when reviewing the fix.

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
    if not _default_role_unset(ctx) or not written_here(doc, ctx, "`"):
        return
    for span in elements(doc, ctx):
        if not isinstance(span.node, nodes.title_reference) or not is_interpreted(span.node):
            continue
        if link_in_backticks(span) or LEADING_BACKTICK_RE.match(span.text):
            continue
        body = span.text[1:-1]
        at = span_location(doc, span, 0, span.text)
        mend = ("`", "``"), ("`", "``")
        # after a colon it is a role's text with the role miswritten: the role rules mend it
        glued = isinstance(span.before, nodes.Text) and str(span.before).endswith(":")
        fix = (
            None
            if glued or "\\" in body
            else edge_fix(
                doc, ctx, span, at, span.text, *mend, UNSAFE, title="Double the backticks"
            )
        )
        yield Hit(
            at,
            f"default role used: {quoted(span.text)} renders in italics; did you mean '``{body}``'?",
            fix=fix,
        )


@rule("default-role-missing-space", Severity.WARNING, Phase.FILE, tags=TAGS, fix=FixSafety.SAFE)
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

    The fix adds the space where the word stands on its own (after a space or
    an opening bracket) and the backticks stay as written; doubling single
    ones is default-role's unsafe fix.
    """
    if not written_here(doc, ctx, "`"):
        return
    double = _default_role_unset(ctx)
    for span in texts(doc, ctx):
        if span.broken or "`" not in span.text:
            continue
        for match in GLUED_INTERPRETED_RE.finditer(span.text):
            start = match.start()
            if (start and span.text[start - 1] == ":") or match.group("after"):
                continue  # a role missing its colon, or a reference: other rules
            word, body = match.group("word"), match.group("body")
            opening = match.group("open")
            quote = "``" if double or opening == "``" else "`"
            at = span_location(doc, span, start, match.group())
            alone = not start or span.text[start - 1] in WORD_OPENERS
            mend = (word + opening, f"{word} {opening}")
            fixable = alone and quote == opening
            yield Hit(
                at,
                f"missing space before interpreted text: {quoted(match.group())}; "
                f"did you mean '{word} {quote}{body}{quote}'?",
                fix=edge_fix(doc, ctx, span, at, match.group(), mend, title="Add the space")
                if fixable
                else None,
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
    if not written_here(doc, ctx, "``"):
        return
    for span in texts(doc, ctx):
        if span.broken or span.within or "``" not in span.text:
            continue
        for match in LONE_DOUBLE_BACKTICK_RE.finditer(span.text):
            start = max(match.start() - 20, 0)
            context = " ".join(span.text[start : match.end() + 20].split())
            needle = span.text[max(match.start() - 8, 0) : match.end()].splitlines()[-1]
            yield Hit(
                span_location(doc, span, match.start(), needle),
                f"unbalanced inline literal: a lone '``' in {quoted(context)} is printed as it is; "
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
    if not written_here(doc, ctx, "*") or not written_here(doc, ctx, "`"):
        return
    for span in texts(doc, ctx):
        if not span.within or span.broken:
            continue
        for match in NESTED_MARKUP_RE.finditer(span.text):
            yield Hit(
                span_location(doc, span, match.start(), match.group()),
                f"inline markup does not nest: {quoted(match.group())} inside {span.within} text "
                f"is printed as written; end the {span.within} text before it",
            )


@rule("dangling-hyphen", Severity.WARNING, Phase.FILE, tags=TAGS, fix=UNSAFE)
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
    The fix, unsafe because a word split by hyphenation (``recom-`` then
    ``mended``) takes no hyphen, moves the hyphenated start down to the
    next line, as in the example.
    """
    if not written_here(doc, ctx, "-\n", "-\r\n"):
        return
    for span in texts(doc, ctx):
        for match in DANGLING_HYPHEN_RE.finditer(span.text) if "-\n" in span.text else ():
            word, following = match.group("word"), match.group("next")
            if following.lower() in CONJUNCTIONS:
                continue
            at = span_location(doc, span, match.start(), f"{word}-")
            yield Hit(
                at,
                f"line ends with a dangling hyphen: {quoted(word + '- ' + following)} is rendered "
                f"with a space; did you mean {quoted(word + '-' + following)}?",
                fix=_hyphen_fix(doc, span, at, match.group()),
            )


def _hyphen_fix(doc: ParsedDoc, span: Span, at: Location, written: str) -> Fix | None:
    """``word-`` moved from the end of its line to the start of the next word, or None.

    The space before the word goes with it (no trailing whitespace is left), so
    the word must follow a space with more text before it on its line: alone on
    its line, or after a list's bullet, its removal would change the block.
    None in a table, in bold or italic text, in a paragraph docutils reported,
    or where the text at the finding is not the word (an included file, the
    prolog, a word written twice on its line).
    """
    if span.within or span.broken or in_table(span.node):
        return None
    found = written_range(doc, at, written)
    if found is None:
        return None
    start, end = found
    head = written.split("\n", 1)[0]  # the word and its hyphen
    row = doc.text[doc.text.rfind("\n", 0, start) + 1 : start]
    kept = row.rstrip(" \t")
    if kept == row or not kept.strip() or LIST_MARKER_RE.fullmatch(kept.strip()):
        return None
    following = end - len(written.rsplit("\n", 1)[1].lstrip(" \t"))
    cut = Edit(at.path, start - (len(row) - len(kept)), start + len(head), "")
    return Fix((cut, Edit(at.path, following, following, head)), UNSAFE, "Move the word down")
