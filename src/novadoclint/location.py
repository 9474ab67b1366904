"""Where a docutils node or a parse.Message is written: one answer for every rule.

docutils names a node's file as it was opened (absolute, or relative to the
working directory), a virtual source for Sphinx's ``rst_prolog``/``rst_epilog``
text (``<rst_prolog>``, ``<rst_epilog>``), or nothing at all; many inline nodes
carry no line. Findings need a path relative to the source dir with ``/``
separators and a 1-based line. The cases, decided once here:

* No source (docutils left it unset): the page being linted.
* A virtual source (``<rst_prolog>``, ``<rst_epilog>``, any ``<...>``): the
  text is in no file. ``prolog="page"`` (the default, and file_path's) reports it at the page,
  as Sphinx does (collect.py's facts, syntax and diagram messages, code
  blocks, link places, suppression comments); ``prolog=None`` answers None:
  the prose rules (checks/prose.py) would look for its columns in the page's
  lines, where it is not, and an unused hyperlink target there is the
  project's, not the page's.
* Another file (an included one): its own path. ``elsewhere`` names the files
  reported by their own lint (an included file that is a document itself,
  for the prose and code-block rules): those answer None.
* A node without a line: its nearest ancestor's line (docutils gives inline
  nodes none), else 1; likewise its nearest ancestor's source.
* A message without a line (some transforms report none): the first line of
  the page holding the name the message quotes when the caller passes the
  page's lines (syntax rules), else 1.

Columns are not known to docutils: a rule that wants one looks for its
markup in the line (all locations here have column 1).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Literal, Protocol

from docutils import nodes

from novadoclint.findings import Location

Prolog = Literal["page"] | None
QUOTED_RE = re.compile(r'"([^"]+)"')


class Reported(Protocol):
    """A docutils system message as parse.Message records it."""

    @property
    def text(self) -> str: ...

    @property
    def source(self) -> str | None: ...

    @property
    def line(self) -> int | None: ...


def relative(path: str, srcdir: str) -> str:
    """A file as docutils names it, relative to the (absolute) source dir, '/'-separated.

    Asked for every node and message located (~5,500 times on nova-2026) about a
    handful of files: answers for absolute paths are kept (others depend on the
    working folder).
    """
    if os.path.isabs(path) and os.path.isabs(srcdir):
        return _relative_absolute(path, srcdir)
    return os.path.relpath(os.path.abspath(path), srcdir).replace(os.sep, "/")


@lru_cache(maxsize=4096)
def _relative_absolute(path: str, srcdir: str) -> str:
    return os.path.relpath(os.path.abspath(path), srcdir).replace(os.sep, "/")


def file_path(source: str | None, srcdir: str, page: str) -> str:
    """The file a docutils source names, text with a virtual source at the page."""
    if not source or source.startswith("<"):
        return page
    return relative(source, srcdir)


def source_path(
    source: str | None,
    srcdir: str,
    page: str,
    *,
    prolog: Prolog = "page",
    elsewhere: Callable[[str], bool] | None = None,
) -> str | None:
    """The file a docutils source names; None when the finding belongs to no file here.

    ``page`` is the linted document's path; see the module docstring for
    ``prolog`` and ``elsewhere``.
    """
    if not source:
        return page
    if source.startswith("<"):
        return page if prolog == "page" else None
    path = relative(source, srcdir)
    if elsewhere is not None and path != page and elsewhere(path):
        return None
    return path


def source_of(node: nodes.Node) -> str | None:
    """The file a node came from, or its nearest ancestor's (an included file for its text)."""
    source = _nearest(node, "source")
    return str(source) if source else None


def line_of(node: nodes.Node) -> int:
    """A node's line, or its nearest ancestor's: docutils leaves many inline nodes without."""
    line = _nearest(node, "line")
    return line if isinstance(line, int) and line else 1


def comment_line(node: nodes.comment, lines: Sequence[str] | None) -> int:
    """The line a comment starts on, in its file's ``lines`` (None: not known here).

    docutils gives a comment the line its state machine stands on when the
    comment is added: its block's last line, or the last of the blank lines
    after it (past an included file's end: docutils appends a blank line and
    a marker comment there). Up from that line over blank lines, then up over
    the comment's own lines, is its first. Without the lines: docutils' line.
    """
    line = line_of(node)
    if lines is None or node.line is None:
        return line  # a line of an ancestor (a comment in a list item has none)
    while line > 1 and (line > len(lines) or not lines[line - 1].strip()):
        line -= 1
    return max(line - node.astext().count("\n"), 1)


def _nearest(node: nodes.Node, attribute: str) -> object:
    """The first set (truthy) value of a node's attribute, up its ancestors; None if none is."""
    current: nodes.Node | None = node
    while current is not None:
        value: object = getattr(current, attribute, None)
        if value:
            return value
        current = current.parent
    return None


def node_location(
    node: nodes.Node,
    srcdir: str,
    page: str,
    *,
    prolog: Prolog = "page",
    elsewhere: Callable[[str], bool] | None = None,
) -> Location | None:
    """Where a node is written (column 1), or None when it belongs to no file here."""
    path = source_path(source_of(node), srcdir, page, prolog=prolog, elsewhere=elsewhere)
    return None if path is None else Location(path, line_of(node))


def message_location(
    message: Reported, srcdir: str, page: str, *, lines: Sequence[str] = ()
) -> Location:
    """Where docutils reports a problem: its own file (maybe an included one) and line.

    Without a line, the first of ``lines`` (the page's) holding the name the
    message quotes; 1 when none does or no lines are given.
    """
    return Location(
        file_path(message.source, srcdir, page),
        max(message.line or guess_line(lines, message.text), 1),
    )


def guess_line(lines: Sequence[str], text: str) -> int:
    """The first line holding the name ``text`` quotes ("..."), else 1."""
    match = QUOTED_RE.search(text)
    if match:
        needle = match.group(1)
        for number, line in enumerate(lines, 1):
            if needle in line:
                return number
    return 1
