"""doc8's style checks (D000-D005), run with doc8's own check classes on our parse.

doc8 parses every file twice (a doctree plus restructuredtext-lint); here its
checks read the doctree and lines phase 1 already has, through a small adapter
with the attributes they use. Ids and options stay doc8's, so a project's
``[doc8]`` configuration keeps working.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from doc8 import checks as doc8_checks

from novadoclint.context import Context, ParsedDoc
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

    def lines_iter(self, remove_trailing_newline: bool = True) -> Iterator[str]:
        for raw in self._lines:
            line = raw.decode("utf-8", "replace")
            if remove_trailing_newline:
                line = line.removesuffix("\n").removesuffix("\r")
            yield line


class _Doc8Error:
    def __init__(self, level: int, message: str, line: int | None) -> None:
        self.level, self.message, self.line = level, message, line


@cache
def _checks(options: Doc8Options) -> dict[str, Any]:
    """doc8's check objects, built once per process per options (not per file)."""
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


def _run(code: str, doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    options = ctx.settings.doc8
    if code in options.ignore:
        return
    check = _checks(options)[code]
    adapter = doc.views.get("doc8")
    if adapter is None:  # one adapter per document, shared by the six D-rules
        adapter = doc.views["doc8"] = _Doc8File(doc)
    if isinstance(check, doc8_checks.LineCheck):
        for number, line in enumerate(adapter.lines_iter(), 1):
            for _, message in check.report_iter(line):
                yield Hit(Location(doc.path, number), message.lower()[:1] + message[1:])
    else:
        for number, _, message in check.report_iter(adapter):
            text = message.strip().splitlines()[0].rstrip(".")
            yield Hit(Location(doc.path, int(number or 1)), text[:1].lower() + text[1:])


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


@rule("D002", Severity.WARNING, Phase.FILE, tags={"style", "doc8"})
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


@rule("D003", Severity.WARNING, Phase.FILE, tags={"style", "doc8"})
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


@rule("D004", Severity.WARNING, Phase.FILE, tags={"style", "doc8"})
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


@rule("D005", Severity.WARNING, Phase.FILE, tags={"style", "doc8"})
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
