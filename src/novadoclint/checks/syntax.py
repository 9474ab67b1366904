"""reStructuredText syntax as docutils reports it, read the way Sphinx reads it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from novadoclint.context import Context, ParsedDoc
from novadoclint.findings import Hit, Location, Severity
from novadoclint.languages.diagrams import DIAGRAM_DIRECTIVES
from novadoclint.location import message_location
from novadoclint.parse import Message
from novadoclint.project.vocabulary import providers_of_directive, providers_of_role
from novadoclint.prose import known_directives, known_roles
from novadoclint.registry import Phase, rule
from novadoclint.resolve import near_miss

UNKNOWN_DIRECTIVE_RE = re.compile(r'^Unknown directive type "([^"]+)"')
UNKNOWN_ROLE_RE = re.compile(r'^Unknown interpreted text role "([^"]+)"')
# Follow-ups docutils adds to an unknown role or directive: one finding is enough.
ECHO_RE = re.compile(r'^(No (directive|role) entry for|Trying "[^"]+" as canonical)')
OWNED_ELSEWHERE_RE = re.compile(r"^Unknown target name: ")  # link-target-undefined's
SPHINX_LEVEL = 2  # Sphinx shows WARNING and above; INFO stays quiet


def _location(doc: ParsedDoc, ctx: Context, message: Message, needle: str = "") -> Location:
    """A message's place: its own file (an included one, maybe), line, and column of needle."""
    at = message_location(message, ctx.srcdir, doc.path, lines=doc.lines)
    if needle and at.path == doc.path and at.line <= len(doc.lines):
        column = doc.lines[at.line - 1].lower().find(needle.lower()) + 1 or 1
        return Location(at.path, at.line, column)
    return at


def _unknown_hint(name: str, near: str | None, providers: tuple[object, ...], ctx: Context) -> str:
    """Why a name is unknown: a likely typo, or the table's extension conf.py does not enable.

    With extensions novadoclint cannot read, one of them may provide the name: the
    table's other providers are not named then.
    """
    unread = ctx.vocabulary.unknown_extensions
    hint = f"; did you mean {near!r}?" if near else ""
    if not unread:
        return hint or provider_hint(name, providers)
    names = ", ".join(repr(e) for e in unread)
    which = f"one of {names}" if len(unread) > 1 else names
    return f"{hint} (unless {which}, which novadoclint cannot read, provides it)"


def _sentence(text: str) -> str:
    """A docutils message in our style: one line, lowercase start, no final period."""
    first = " ".join(line.strip() for line in text.strip().splitlines()).rstrip(".")
    return first[:1].lower() + first[1:]


@rule("rst-syntax", Severity.ERROR, Phase.FILE, tags={"syntax"})
def rst_syntax(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """Reports reStructuredText errors and warnings docutils raises, as Sphinx shows them.

    ## Why is this bad?
    Sphinx prints these as warnings and renders the broken markup as literal text
    or drops it; with `-W` the whole docs build fails, late, after minutes.
    Only what Sphinx itself would report is reported: directives and roles that
    Sphinx or an enabled extension provides are known, and absolute include
    paths are read from the source dir, as Sphinx reads them.

    ## Example
    ```rst
    Title
    ===

    * a list item
    continued without indentation
    ```

    ## Use instead
    ```rst
    Title
    =====

    * a list item
      continued with indentation
    ```
    """
    for message in doc.messages:
        if message.level < SPHINX_LEVEL:
            continue
        text = message.text
        if UNKNOWN_DIRECTIVE_RE.match(text) or UNKNOWN_ROLE_RE.match(text) or ECHO_RE.match(text):
            continue
        if OWNED_ELSEWHERE_RE.match(text):
            continue
        yield Hit(_location(doc, ctx, message), _sentence(text))


@rule("unknown-directive", Severity.ERROR, Phase.FILE, tags={"syntax"})
def unknown_directive(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """Reports directives that neither docutils, Sphinx nor an enabled extension provides.

    ## Why is this bad?
    Sphinx drops the whole block and warns `Unknown directive type`; usually the
    extension that provides it is not enabled in conf.py, or the name is misspelt.
    The message names the extension (and its package) when novadoclint knows one,
    or the known name one letter off (`did you mean 'code-block'?`).

    When conf.py enables an extension novadoclint cannot read (not in its table,
    not in the project, not installed in the docs environment), an unknown name
    may be that extension's: it is reported only when it is one edit (or one swap
    of neighbours) away from a known name, and no other extension is named as
    its provider then. The others are listed once by `extension-unreadable`.

    Diagram directives (`seqdiag`, `graphviz`...) are `diagram-extension-missing`'s.

    ## Example
    ```rst
    .. automodule:: nova.compute
    ```

    ## Use instead
    ```rst
    .. conf.py: extensions = ['sphinx.ext.autodoc']
    .. automodule:: nova.compute
    ```
    """
    for message in doc.messages:
        match = UNKNOWN_DIRECTIVE_RE.match(message.text)
        if match and match.group(1).lower() not in DIAGRAM_DIRECTIVES:
            name = match.group(1)
            near = near_miss(name, known_directives(ctx.vocabulary))
            if near is None and ctx.vocabulary.unknown_extensions:
                continue  # maybe an unreadable extension's: extension-unreadable lists it
            hint = _unknown_hint(name, near, providers_of_directive(name), ctx)
            yield Hit(_location(doc, ctx, message, ".. "), f"unknown directive type {name!r}{hint}")


@rule("unknown-role", Severity.ERROR, Phase.FILE, tags={"syntax"})
def unknown_role(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """Reports roles that neither docutils, Sphinx nor an enabled extension provides.

    ## Why is this bad?
    Sphinx renders the text as a red "problematic" node and warns
    `Unknown interpreted text role`; usually a typo or a missing extension.

    When conf.py enables an extension novadoclint cannot read, an unknown role
    may be that extension's: it is reported only when it is one edit (or one
    swap of neighbours) away from a known role (`:reff:`); the others are
    listed once by `extension-unreadable`.

    ## Example
    ```rst
    See :refs:`install`.
    ```

    ## Use instead
    ```rst
    See :ref:`install`.
    ```
    """
    for message in doc.messages:
        match = UNKNOWN_ROLE_RE.match(message.text)
        if match:
            name = match.group(1)
            near = near_miss(name, known_roles(ctx.vocabulary))
            if near is None and ctx.vocabulary.unknown_extensions:
                continue  # maybe an unreadable extension's: extension-unreadable lists it
            hint = _unknown_hint(name, near, providers_of_role(name), ctx)
            yield Hit(
                _location(doc, ctx, message, f":{name}:"),
                f"unknown interpreted text role {name!r}{hint}",
            )


def provider_hint(name: str, providers: tuple[object, ...]) -> str:
    if not providers:
        return ""
    first = providers[0]
    ext, package = getattr(first, "extension", "?"), getattr(first, "package", "?")
    return f"; {name} is provided by {ext} (package {package}), which conf.py does not enable"


@rule("encoding", Severity.ERROR, Phase.FILE, tags={"syntax"})
def encoding(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """Reports a source file that is not valid UTF-8.

    ## Why is this bad?
    Sphinx reads sources as UTF-8 and stops with a UnicodeDecodeError on the
    first bad byte, so nothing of the page is built. The rest of the tree is
    still linted; the file itself is linted with the bad bytes replaced.

    ## Example
    ```rst
    .. A file saved as Latin-1: "caf\\xe9" is one byte, not valid UTF-8.
    ```

    ## Use instead
    ```rst
    .. The same file saved as UTF-8.
    ```
    """
    if doc.decode_error is not None:
        offset, line, reason = doc.decode_error
        yield Hit(Location(doc.path, line), f"not valid UTF-8 at byte {offset}: {reason}")
