"""Rules for code blocks: content parses in its language, lexer names Pygments or Sphinx knows.

The blocks come from the doctree: ``code-block`` / ``sourcecode`` / ``code``
(and sphinx.ext.doctest's ``testcode`` / ``doctest``) are recorded directives,
``::`` literal blocks are docutils nodes whose language is the last
``highlight`` directive before them, else conf.py's ``highlight_language``.
The syntax checks themselves live in :mod:`novadoclint.languages.code`.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

from docutils import nodes

from novadoclint import location, parse
from novadoclint.context import Context, ParsedDoc
from novadoclint.findings import Hit, Location, Severity
from novadoclint.languages.code import check_code, language_family, lexer_known, lexer_near_miss
from novadoclint.project.discover import is_document
from novadoclint.registry import Phase, rule

CODE_DIRECTIVES = frozenset({"code-block", "sourcecode", "code"})
# sphinx.ext.doctest: the directive says the language.
DOCTEST_DIRECTIVES = {"testcode": "python3", "testsetup": "python3", "testcleanup": "python3"}
DOCTEST_SESSIONS = frozenset({"doctest"})
# Sphinx highlights these leniently (or not at all) and never warns: not checked.
UNCHECKED = frozenset({"", "default", "guess", "none", "text"})
CONFIG_FILE_NAMES = frozenset({"conf", "config", "configuration", "cnf"})  # mean "ini"
SPHINX_LEVEL = 2  # nested rst: what Sphinx would print (WARNING and above)


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """One block of code as Sphinx will highlight it, located in its own file."""

    language: str
    text: str
    path: str
    line: int  # file line of the first content line
    indent: int  # columns before the content in the file
    explicit: bool  # the directive names the language (not the highlight default)


def _rel(doc: ParsedDoc, ctx: Context, source: str | None) -> str | None:
    """A node's file relative to the source dir; None when it is reported elsewhere.

    An included file that is a document itself is linted (and reported) on its own.
    """
    return location.source_path(
        source, ctx.srcdir, doc.path, elsewhere=lambda path: is_document(ctx.sphinx, path)
    )


def _indent(doc: ParsedDoc, path: str, line: int, count: int) -> int:
    """Columns before a block's content in its file (0 when the file is an included one)."""
    if path != doc.path:
        return 0
    rows = [r for r in doc.lines[line - 1 : line - 1 + count] if r.strip()]
    return min((len(r) - len(r.lstrip()) for r in rows), default=0)


def code_blocks(doc: ParsedDoc, ctx: Context) -> Iterator[CodeBlock]:
    """Every highlighted block of the document, in document order, with its language."""
    configured = ctx.sphinx.get("highlight_language")
    current = configured if isinstance(configured, str) else "default"
    paths: dict[str | None, str | None] = {}
    for node in _block_nodes(doc.doctree):
        if node.source not in paths:
            paths[node.source] = _rel(doc, ctx, node.source)
        if isinstance(node, parse.directive_record):
            name: str = node["name"]
            arguments: tuple[str, ...] = node["arguments"]
            if name == "highlight":
                current = arguments[0] if arguments else current
                continue
            if not node["content_line"]:
                continue
            if name in CODE_DIRECTIVES:
                language, explicit = (arguments[0], True) if arguments else (current, False)
            elif name in DOCTEST_SESSIONS:
                language, explicit = "pycon", True
            else:
                language, explicit = DOCTEST_DIRECTIVES[name], True
            text: str = node["content"]
            place, line = paths[node.source], node["content_line"]
        else:
            assert isinstance(node, nodes.literal_block)
            if node.rawsource != node.astext():
                continue  # parsed-literal: Sphinx does not highlight it
            text = node.astext()
            language, explicit = current, False
            place, line = paths[node.source], node.line or 1
        if place is None:
            continue
        count = text.count("\n") + 1
        yield CodeBlock(language, text, place, line, _indent(doc, place, line, count), explicit)


BLOCK_DIRECTIVES = CODE_DIRECTIVES | {"highlight", *DOCTEST_DIRECTIVES, *DOCTEST_SESSIONS}


def _block_nodes(doctree: nodes.document) -> Iterator[nodes.Element]:
    """Literal blocks and code directives in document order (a plain walk: findall is slower)."""
    stack: list[nodes.Node] = [doctree]
    while stack:
        node = stack.pop()
        if isinstance(node, nodes.system_message):
            continue  # docutils' error report: its literal block is the faulty markup's source
        if isinstance(node, nodes.literal_block):
            yield node
        elif isinstance(node, parse.directive_record) and node["name"] in BLOCK_DIRECTIVES:
            yield node
            stack.extend(reversed(node.children))
        elif isinstance(node, nodes.Element) and not isinstance(node, nodes.TextElement):
            stack.extend(reversed(node.children))


@rule("code-block-syntax", Severity.ERROR, Phase.FILE, tags={"code"})
def code_block_syntax(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A code block whose content does not parse in the language it declares.

    ## Why is this bad?
    Readers copy examples. Sphinx highlights what it can and never says that a
    Python example misses a comma or a JSON body has a trailing comma, so the
    mistake ships. Checked: Python (Python 2 is reported as such), Python
    console sessions, JSON, YAML, INI, TOML, XML and nested reStructuredText;
    shell scripts with `--check-shell`. Blocks in Sphinx's lenient `default`
    language (plain `::` blocks when conf.py sets no `highlight_language`)
    are not checked, as Sphinx does not complain about them either.

    Examples are mostly excerpts and are read as such: elisions (`...`,
    `# ...`) and placeholders (`<server-id>`); a signature or a lone `if`
    without its body; code that starts indented (a method cut out of its
    class); a bracket whose rest is elided; JSON members without their
    braces, or keys whose values the reader fills in; XML start tags left
    open, or the end of an element opened before the excerpt; a TOML key
    shown twice as alternatives. A line in another language under a Python
    lexer (a shell command, a hosts entry, another expression language) is
    no Python mistake. In an rst example, directives and roles novadoclint
    does not know are what the example shows, and a `::` block that an `rst`
    highlight default reaches is an rst example only when it holds explicit
    markup. What is reported is what a reader would copy and fail with: a
    syntax error inside an otherwise complete snippet.

    A block that does not name its language (a `::` block reached by a
    `highlight` directive or `highlight_language`) is often output, a log or
    a tree rather than code: it is checked only as Sphinx checks it, by
    lexing it with Pygments and reporting a token the lexer rejects (Sphinx's
    "Lexing literal_block ... resulted in an error", which fails `-W`); never
    for Python, whose lexers Sphinx runs without that check.

    ## Example
    ```rst
    .. code-block:: json

       {
           "name": "vm1",
           "flavor": "m1.small",
       }
    ```

    ## Use instead
    ```rst
    .. code-block:: json

       {
           "name": "vm1",
           "flavor": "m1.small"
       }
    ```

    ## Options
    `check-shell = true` (or `--check-shell`) also runs `bash -n` on `bash`,
    `sh` and `shell` blocks that hold no prompt (a subprocess per block).
    """
    check_shell = ctx.settings.check_shell
    for block in code_blocks(doc, ctx):
        language = block.language.strip().lower()
        if language in UNCHECKED:
            continue
        if language_family(language) == "rst":
            yield from _nested_rst(doc, ctx, block)
            continue
        if not block.explicit:
            yield from _as_sphinx_lexes(block, language)
            continue
        for problem in check_code(language, block.text, check_shell=check_shell):
            message = problem.message
            if message.startswith("python 2 syntax"):
                message += "; port it to python 3, or declare the block `python2`"
            at = Location(block.path, block.line + problem.line - 1, block.indent + problem.column)
            yield Hit(at, message)


# Sphinx's own lexers for these, run without Pygments' raiseonerror filter: never a warning.
SPHINX_LENIENT = frozenset({"py", "python", "py3", "python3", "pycon", "pycon3"})


def _as_sphinx_lexes(block: CodeBlock, language: str) -> Iterator[Hit]:
    """An inherited language: what Sphinx's highlighter reports, a token the lexer rejects."""
    if language in SPHINX_LENIENT:
        return
    from pygments.lexers import get_lexer_by_name
    from pygments.token import Error
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language, stripnl=False)
    except ClassNotFound:
        return  # code-block-lexer-unknown's
    offset = 0
    for token, text in lexer.get_tokens(block.text):
        if token is Error:
            before = block.text[:offset]
            line = before.count("\n")
            column = offset - (before.rfind("\n") + 1)
            at = Location(block.path, block.line + line, block.indent + column + 1)
            yield Hit(
                at,
                f"pygments cannot lex this block as {language!r} (the highlight default) "
                f"at {text!r}: Sphinx warns (-W fails); fix it, or give the block its own "
                "language (`.. code-block:: text`)",
            )
            return
        offset += len(text)


# Explicit markup that only reStructuredText has: a directive, a target, a substitution.
RST_MARKUP_RE = re.compile(r"^[ \t]*\.\.[ \t]+(?:[\w:+.-]+::|_|\|)", re.MULTILINE)
# A name the example uses that novadoclint does not know: the extension it illustrates.
UNKNOWN_NAME_RE = re.compile(r"^(?:Unknown directive type|Unknown interpreted text role) \"")


def _nested_rst(doc: ParsedDoc, ctx: Context, block: CodeBlock) -> Iterator[Hit]:
    """An rst example parsed as rst, with the run's vocabulary, located in the file.

    Only structural errors count: a directive or role the example uses and
    novadoclint does not know is what the example illustrates (often the
    extension the page documents).  A ``::`` block that an ``rst`` highlight
    default reaches is an rst example only when it holds explicit markup: pages
    about markup show Python modules, shell commands and settings that way too.
    """
    if not block.explicit and not RST_MARKUP_RE.search(block.text):
        return
    source = os.path.join(ctx.srcdir, block.path)
    parsed = parse.parse(block.text, source, ctx.srcdir)
    for message in parsed.messages:
        if message.level < SPHINX_LEVEL or (message.source or source) != source:
            continue
        if UNKNOWN_NAME_RE.match(message.text):
            continue
        text = " ".join(message.text.split()).rstrip(".")
        line = block.line + max(message.line or 1, 1) - 1
        yield Hit(
            Location(block.path, line, block.indent + 1),
            f"rst syntax error: {text[:1].lower()}{text[1:]}",
        )


@rule("code-block-lexer-unknown", Severity.ERROR, Phase.FILE, tags={"code"})
def code_block_lexer_unknown(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A code block or `highlight` directive naming a lexer neither Pygments nor Sphinx knows.

    ## Why is this bad?
    Sphinx warns `Pygments lexer name 'x' is not known` and shows the block
    unhighlighted; with `-W` the build fails. Usually a typo (`pyhton`) or a
    language name that is not a Pygments alias (`conf`: use `ini`). `none`,
    `text`, `default` and `guess` are fine: Sphinx accepts them, and so is a
    lexer the project registers (`app.add_lexer` in conf.py's `setup()` or a
    local extension). When conf.py enables an extension novadoclint cannot
    read, a name that is no typo of a known lexer may be that extension's:
    `extension-unreadable` lists it instead; a typo (`pyhton`) is still
    reported.

    ## Example
    ```rst
    .. code-block:: pyhton

       import os
    ```

    ## Use instead
    ```rst
    .. code-block:: python

       import os
    ```
    """
    registered = {lexer.lower() for lexer in ctx.vocabulary.lexers}
    unreadable = bool(ctx.vocabulary.unknown_extensions)
    for directive in doc.facts.directives:
        name, arguments = directive.name, directive.arguments
        if (name not in CODE_DIRECTIVES and name != "highlight") or not arguments:
            continue
        language = arguments[0]
        if lexer_known(language) or language.strip().lower() in registered:
            continue
        if unreadable and lexer_near_miss(language) is None:
            continue  # maybe an unreadable extension's lexer: extension-unreadable lists it
        path, line = directive.path, directive.line
        if path != doc.path and is_document(ctx.sphinx, path):
            continue  # an included document: its own lint reports it
        column = 1
        if path == doc.path and 0 < line <= len(doc.lines):
            column = doc.lines[line - 1].find(language) + 1 or 1
        yield Hit(
            Location(path, line, column),
            f"pygments lexer name {language!r} is not known{_closest_lexer(language)}",
        )


def _closest_lexer(language: str) -> str:
    from pygments.lexers import get_all_lexers

    if language.lower() in CONFIG_FILE_NAMES:
        return "; did you mean 'ini'?"

    aliases = [a for _, names, *_ in get_all_lexers() for a in names]
    close = difflib.get_close_matches(language.lower(), aliases, n=1, cutoff=0.7)
    return f"; did you mean {close[0]!r}?" if close else ""
