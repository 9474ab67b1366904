"""Where a cross-reference's target is written, and the fix that writes another in its place.

The cross-document rules (a ``:doc:`` or ``:ref:`` target, a toctree entry)
know what is wrong from the facts, which carry no text; a fix is a character
range of the file's text. The rule reads that text through
``index.tree_files.source_text`` and these functions find the exact span of
the target as written: inside the role's backquotes, after an explicit
``Title <`` if there is one, in the entry line of a toctree. Where the text
there is not the target the facts name (a role docutils placed on its
paragraph's first line, one split over lines, escaped characters, a file
changed since it was read), there is no fix: a fix that does not match what
it means to replace is worse than none. The new target is written as the
author wrote the old one (written_like, toc_rewrite), and toc_fixes decides
which missing toctree entries get one.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections import Counter
from collections.abc import Sequence

from novadoclint.edits import Fix, FixSafety, line_starts, replace_at, retarget_title
from novadoclint.facts import Ref, TocEntry, TocTree
from novadoclint.index import FactsIndex, TocLink
from novadoclint.project.treefiles import TreeFiles
from novadoclint.resolve import GLOB_RE, Suggestions, TocTarget, strip_suffix, toc_target

# A role's opening as written: rST's :name:` (docutils' simplename, a domain's
# name:role too) or MyST's {name}`.
ROLE_OPEN_RE = re.compile(r"(?::(?P<rst>\w+(?:[-.+:]\w+)*):|\{(?P<myst>\w+(?:[-.+:]\w+)*)\})`")
# parse.TITLE_TARGET_RE and collect.TOC_ENTRY_RE: where a title ends and the target starts.
TITLE_TARGET_RE = re.compile(r"^(.+?)\s*<(.*?)>$", re.DOTALL)
TOC_ENTRY_RE = re.compile(r"^(.+?)\s*<(.+)>$")
# A replacement holding these would be read back as other markup (a title, an escape).
UNSAFE_CHARS = frozenset("`<>\\\n\r")


def role_target_fix(files: TreeFiles, ref: Ref, new: str) -> Fix | None:
    """The unsafe fix writing ``new`` for the target of ``ref``, or None.

    Only the target is replaced: a ``Title <target>`` keeps its title, and
    the role and its backquotes stay as written. The role is the one that
    starts at the reference's line and column; a reference at column 1 (one
    in an included file, where docutils gives only the paragraph's line) may
    also be the only role of its name and target on that line.
    """
    if not new or new == ref.target or UNSAFE_CHARS & set(new):
        return None
    text = files.source_text(ref.path)
    if text is None:
        return None
    starts = line_starts(text)
    if not 1 <= ref.line <= len(starts):
        return None
    begin = starts[ref.line - 1]
    end = starts[ref.line] if ref.line < len(starts) else len(text)
    found: dict[int, int] = {}  # where a role of ref's name and target starts -> its target
    for opening in ROLE_OPEN_RE.finditer(text, begin, end):
        if (opening.group("rst") or opening.group("myst")).lower() != ref.role:
            continue
        if text.count("``", begin, opening.start()) % 2:
            continue  # inside an inline literal: the text a role's place was searched for
        target = _target_start(text, opening.end(), ref)
        if target is not None:
            found[opening.start()] = target
    at = found.get(begin + ref.column - 1)
    if at is None and ref.column == 1 and len(found) == 1:
        (at,) = found.values()
    if at is None:
        return None
    return _replace(ref.path, text, starts, at, ref.target, new)


def _target_start(text: str, content: int, ref: Ref) -> int | None:
    """Where the target starts in a role's text from ``content``, if it names ref's target."""
    close = text.find("`", content)
    if close < 0:
        return None
    inner = text[content:close]
    if "\\" in inner:
        return None  # docutils unescapes: the facts' target is not the text as written
    match = TITLE_TARGET_RE.match(inner)
    if (match is not None) != (ref.title is not None):
        return None
    first, last = match.span(2) if match is not None else (0, len(inner))
    written = inner[first:last]
    if written.strip() != ref.target or UNSAFE_CHARS & set(written):
        return None  # a target over lines, or one with a '<' read as a title's end
    return content + first + len(written) - len(written.lstrip())


def written_like(written: str, fromdoc: str, candidate: str, *, included: bool) -> str:
    """The docname ``candidate`` as a target written like ``written`` in ``fromdoc``.

    Absolute (``/candidate``) when ``written`` was, or when it sits in an
    included file (each document including it reads it from its own
    folder); else relative to the document's folder, with ``../`` only when
    ``written`` used it, and absolute for a document in no folder below.
    """
    folder = posixpath.dirname(fromdoc)
    if written.lstrip("~").startswith("/") or included:
        return "/" + candidate
    if written.startswith("../"):
        return posixpath.relpath(candidate, folder or ".")
    if not folder:
        return candidate
    if candidate.startswith(folder + "/"):
        return candidate[len(folder) + 1 :]
    return "/" + candidate


def toc_rewrite(
    fromdoc: str,
    entry: TocEntry,
    candidate: str,
    glob: bool,
    suffixes: Sequence[str],
    included: bool,
) -> str | None:
    """A toctree entry's target naming ``candidate``, written like it, its suffix kept.

    None when Sphinx would read the new entry as anything but that document
    (a glob pattern under ``:glob:``, a URL).
    """
    suffix = entry.target[len(strip_suffix(entry.target, suffixes)) :]
    new = written_like(entry.target, fromdoc, candidate, included=included) + suffix
    read = toc_target(fromdoc, entry.title, new, glob=glob, suffixes=suffixes)
    return new if read == TocTarget("doc", candidate) else None


def toc_fix(
    files: TreeFiles,
    fromdoc: str,
    docpath: str,
    toctree: TocTree,
    entry: TocEntry,
    candidate: str,
    suffixes: Sequence[str],
) -> Fix | None:
    """The unsafe fix making a toctree entry of ``fromdoc`` (at ``docpath``) list ``candidate``."""
    included = toctree.path != docpath
    new = toc_rewrite(fromdoc, entry, candidate, toctree.glob, suffixes, included)
    return None if new is None else toc_entry_fix(files, toctree.path, entry, new)


def toc_entry_fix(files: TreeFiles, path: str, entry: TocEntry, new: str) -> Fix | None:
    """The unsafe fix writing ``new`` for a toctree entry's target (its title kept), or None."""
    if not new or new == entry.target or UNSAFE_CHARS & set(new):
        return None
    text = files.source_text(path)
    if text is None:
        return None
    starts = line_starts(text)
    if not 1 <= entry.line <= len(starts):
        return None
    begin = starts[entry.line - 1]
    end = starts[entry.line] if entry.line < len(starts) else len(text)
    line = text[begin:end].rstrip("\r\n")
    written = line.strip()
    match = TOC_ENTRY_RE.match(written)
    if (match is not None) != (entry.title is not None):
        return None
    first = match.start(2) if match is not None else 0
    if match is not None:
        first += len(match.group(2)) - len(match.group(2).lstrip())
    start = begin + len(line) - len(line.lstrip()) + first
    return _replace(path, text, starts, start, entry.target, new)


def _replace(path: str, text: str, starts: list[int], start: int, old: str, new: str) -> Fix | None:
    """replace_at, placed by an offset: the line and column of ``start``."""
    line = bisect.bisect_right(starts, start)
    column = start - starts[line - 1] + 1
    title = retarget_title(new)
    return replace_at(
        path, text, line, column, old, new, safety=FixSafety.UNSAFE, starts=starts, title=title
    )


def toc_fixes(index: FactsIndex, suggest: Suggestions, links: list[TocLink]) -> dict[int, Fix]:
    """id(link) -> the fix of each missing entry whose hint names one document (closest).

    toctree-entry-missing's: none for a document a toctree lists already, or
    that two missing entries name, which the fixes would list twice.
    """
    named = {
        id(link): suggest.unique(link.target, besides=link.parent)
        for link in links
        if link.status == "missing" and (link.toctree.glob or not GLOB_RE.match(link.entry.target))
    }
    claims = Counter(named.values())
    fixes: dict[int, Fix] = {}
    for link in links:
        doc, parent = named.get(id(link)), link.parent
        if doc is None or claims[doc] > 1 or doc not in index.docs or doc in index.toc_parents:
            continue
        docpath, suffixes = index.docs[parent].path, index.conf.source_suffixes
        fix = toc_fix(index.tree_files, parent, docpath, link.toctree, link.entry, doc, suffixes)
        if fix is not None:
            fixes[id(link)] = fix
    return fixes
