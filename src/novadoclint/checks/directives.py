"""directive-* rules: directives written so that docutils reads a comment, a paragraph or a wrong argument.

docutils reads `.. note:` as a comment, `..note::` and `... note::` as a
paragraph, and a line right under a directive as part of its argument.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from docutils import nodes

from novadoclint.context import Context, ParsedDoc
from novadoclint.edits import Edit, Fix, FixSafety, line_starts, replace_at
from novadoclint.findings import Hit, Location, Severity, quoted
from novadoclint.location import comment_line, line_of
from novadoclint.prose import (
    TAGS,
    known_directives,
    locate,
    stays_short,
    view,
    written_file,
    written_here,
)
from novadoclint.registry import Phase, rule

COMMENT_DIRECTIVE_RE = re.compile(r"^(?P<name>[A-Za-z][\w-]*(?::[\w-]+)*)(?P<rest>.*)$")
MISSING_SPACE_RE = re.compile(r"^\.\.(?P<name>[A-Za-z][\w-]*(?::[\w-]+)*)::?(?:\s|$)")
THREE_DOTS_RE = re.compile(r"^\.\.\.\s+(?P<name>[A-Za-z][\w-]*(?::[\w-]+)*)::?(?:\s|$)")
OPTION_LINE_RE = re.compile(r"^:[^:\s][^:]*:(?:\s|$)")
IMAGE_FILE_RE = re.compile(r"\.(?:png|jpe?g|gif|svg|bmp|tiff?|webp|pdf|\*)$", re.IGNORECASE)
VERSION_DIRECTIVES = frozenset({"versionadded", "versionchanged", "deprecated", "versionremoved"})
# Directives whose first line may be all their content: `.. note: Back up first.`
FIRST_LINE_CONTENT = VERSION_DIRECTIVES | frozenset(
    {"note", "warning", "tip", "important", "caution", "danger", "error", "hint", "attention"}
    | {"seealso", "todo"}
)
# A comment turned into one of these reads or injects another file: not mended blind.
READS_FILES = frozenset({"include", "literalinclude", "raw", "csv-table"})
# Directives of the blank-line rule whose content the glued lines are: code, a figure's caption.
TAKE_CONTENT = frozenset({"code-block", "sourcecode", "code", "figure"})


def _in_table(node: nodes.Node) -> bool:
    """Inside a table a line's length is the grid's: a fix that changes it breaks the table."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.table):
            return True
        parent = parent.parent
    return False


def _mend(
    doc: ParsedDoc, ctx: Context, node: nodes.Node, at: Location, old: str, new: str, title: str
) -> Fix | None:
    """Replace ``old`` by ``new`` where a directive's finding points, in the file it is
    written in: the document, or a file it includes (see :func:`prose.written_file`)."""
    written = written_file(doc, ctx, at.path)
    if written is None or _in_table(node):
        return None
    if not stays_short(doc, ctx, at.line, len(new) - len(old), written.lines):
        return None
    starts = list(written.starts)
    return replace_at(
        at.path, written.text, at.line, at.column, old, new, starts=starts, title=title
    )


@rule("directive-missing-colon", Severity.WARNING, Phase.FILE, tags=TAGS, fix=FixSafety.SAFE)
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

    The fix writes the missing colons, where the comment has content for
    the directive (indented lines, or a first line an admonition or version
    directive can take), and not for directives that read other files.
    """
    if not written_here(doc, ctx, ".. "):
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
        written = written_file(doc, ctx, path)
        start = comment_line(node, written.lines if written is not None else None)
        at = locate(doc, path, start, f".. {first}", ctx=ctx)
        colons = ":" if single else ""
        titles = ("Add the two colons", "Add the second colon")
        content = "\n" in text or (
            rest[len(colons) :].strip() and name.lower() in FIRST_LINE_CONTENT
        )
        mend = (
            _mend(doc, ctx, node, at, f".. {name}{colons}", f".. {name}::", titles[len(colons)])
            if content and name.lower() not in READS_FILES
            else None
        )
        yield Hit(
            at,
            f"comment looks like a directive: '.. {first}'; did you mean {quoted(fixed.rstrip())}?",
            fix=mend,
        )


def _lookalikes(
    doc: ParsedDoc, ctx: Context, pattern: re.Pattern[str]
) -> Iterator[tuple[nodes.paragraph, str, str]]:
    """(paragraph, path, name): paragraphs whose first line is a known directive miswritten so."""
    directive_names = known_directives(ctx.vocabulary)
    for node, path in view(doc, ctx).paragraphs:
        if node.rawsource.startswith(".."):
            match = pattern.match(node.astext().split("\n", 1)[0])
            if match and match.group("name").lower() in directive_names:
                yield node, path, match.group("name")


def _lookalike_fix(
    doc: ParsedDoc,
    ctx: Context,
    node: nodes.paragraph,
    name: str,
    at: Location,
    old: str,
    new: str,
    title: str,
) -> Fix | None:
    """The paragraph made a directive, where its line starts with the lookalike.

    It must be one line, written with both colons, with content for the
    directive: text after the colons, or the literal block docutils made of
    the indented block after them. A directive that reads another file is
    not mended blind.
    """
    first, _, more = node.astext().partition("\n")
    after = first.split(":", 1)[1].lstrip(":") if ":" in first else ""
    following = node.next_node(descend=False, siblings=True)
    if more.strip() or not (after.strip() or isinstance(following, nodes.literal_block)):
        return None  # a second line would end the directive without a blank line
    written = written_file(doc, ctx, at.path)
    if name.lower() in READS_FILES or written is None or not 1 <= at.line <= len(written.lines):
        return None
    row = written.lines[at.line - 1]
    if at.column != 1 + len(row) - len(row.lstrip()):  # the lookalike opens its line
        return None
    rest = row.lstrip()[len(old) :].lstrip()
    if not rest.removeprefix(name).startswith("::"):
        return None  # one colon: the space alone would make a comment of it
    if not after.strip() and not _indented_after(written.lines, at.line):
        return None  # a quoted literal block (`> text`): not indented, not the directive's
    return _mend(doc, ctx, node, at, old, new, title)


def _indented_after(lines: Sequence[str], number: int) -> bool:
    """Whether the first non-blank line after line ``number`` is indented more than it."""
    row = lines[number - 1]
    for line in lines[number:]:
        if line.strip():
            return len(line) - len(line.lstrip()) > len(row) - len(row.lstrip())
    return False


@rule("directive-missing-space", Severity.WARNING, Phase.FILE, tags=TAGS, fix=FixSafety.SAFE)
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
    for node, path, name in _lookalikes(doc, ctx, MISSING_SPACE_RE):
        at = locate(doc, path, line_of(node), f"..{name}", ctx=ctx)
        yield Hit(
            at,
            f"'..{name}::' is not a directive (no space after '..'); did you mean '.. {name}::'?",
            fix=_lookalike_fix(
                doc, ctx, node, name, at, f"..{name}", f".. {name}", "Add the space after '..'"
            ),
        )


@rule("directive-three-dots", Severity.WARNING, Phase.FILE, tags=TAGS, fix=FixSafety.SAFE)
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
    for node, path, name in _lookalikes(doc, ctx, THREE_DOTS_RE):
        at = locate(doc, path, line_of(node), "...", ctx=ctx)
        yield Hit(
            at,
            f"'... {name}::' is not a directive (three dots); did you mean '.. {name}::'?",
            fix=_lookalike_fix(doc, ctx, node, name, at, "...", "..", "Remove the third dot"),
        )


@rule("directive-missing-blank-line", Severity.WARNING, Phase.FILE, tags=TAGS, fix=FixSafety.SAFE)
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

    The fix adds the blank line, for a code block or a figure (its caption)
    whose glued lines are followed by no option; none for an `image` or a
    `highlight`, which take no content.
    """
    if not written_here(doc, ctx, ".. "):
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
        at = locate(doc, path, line_of(node) + offset, text)
        rest = block[offset:]
        rest = rest[: next((n for n, row in enumerate(rest) if not row.strip()), len(rest))]
        takes_content = name.lower() in TAKE_CONTENT and not any(
            OPTION_LINE_RE.match(row.strip()) for row in rest
        )
        yield Hit(
            at,
            f"no blank line after the {quoted(name)} directive: {quoted(text)} is read as part of its "
            "argument, not as content; add a blank line before it",
            fix=_blank_line_before(doc, node, at, text) if takes_content else None,
        )


def _blank_line_before(doc: ParsedDoc, node: nodes.Node, at: Location, text: str) -> Fix | None:
    """A blank line inserted above line ``at.line`` of the document, which must read ``text``.

    Not in a table (a grid's rows must stay aligned), nor in an included file or
    the prolog; the blank line ends as the line above it does (a CRLF file stays CRLF).
    """
    if at.path != doc.path or _in_table(node) or not 2 <= at.line <= len(doc.lines):
        return None
    if doc.lines[at.line - 1].strip() != text or not doc.lines[at.line - 2].strip():
        return None
    starts = line_starts(doc.text)
    start = starts[at.line - 1]
    newline = "\r\n" if doc.text[start - 2 : start] == "\r\n" else "\n"
    return Fix((Edit(at.path, start, start, newline),), FixSafety.SAFE, "Add the blank line")
