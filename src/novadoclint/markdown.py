"""Markdown documents: which files MyST makes documents, and their phase-1 facts.

With ``myst_parser`` (or ``myst_nb``, which loads it) in conf.py's
``extensions``, Sphinx reads ``.md`` files as documents: MyST's setup calls
``app.add_source_suffix(".md", "markdown")``, and Sphinx merges the suffixes
extensions register into ``source_suffix`` at config-inited (a suffix the user
left to the default file type takes the extension's), so ``.md`` is a document
whatever ``source_suffix`` says, and so is any suffix it maps to
``'markdown'``. ``myst_nb`` and ``nbsphinx`` make ``.ipynb`` notebooks
documents (nbsphinx also excludes ``**.ipynb_checkpoints``).

Such a document is not reStructuredText and is never given to docutils. Its
facts are read here, from the lines, with MyST's block syntax (CommonMark plus
MyST's extensions, as ``myst_parser/mdit_to_docutils`` renders them):

* the title (the first heading) and the sections (ATX ``#`` and setext
  headings outside fences, nested by level as MyST does);
* ``(label)=`` targets, titled when a heading follows, or a figure or table
  (by its caption, as Sphinx titles enumerable nodes), or a directive with a
  ``:caption:``;
* toctrees, written as fenced directives ````` ```{toctree} ````` (backticks or
  tildes) or ``:::{toctree}`` (colon fence), with ``:glob:``/``:hidden:``
  options as ``:key:`` lines or a ``---`` YAML block, in the document or
  inside container directives (admonitions, ``only``, tabs, dropdowns...);
* ``![alt](path)`` images and ``{image}``/``{figure}`` directives,
  ``{include}`` directives, and ``orphan`` from the YAML front matter;
* everything inside ``{eval-rst}`` blocks, parsed as reStructuredText.

Everything else is unchecked: roles, links and references written in
Markdown (``{ref}`` and ``{doc}`` roles, ``[text](target)``), directive names,
code blocks and the markup itself produce no facts and no finding; no file
rule runs on a Markdown document. In a notebook the Markdown cells are read,
raw cells of reStructuredText as ``{eval-rst}`` blocks, nbsphinx's toctree
cells (``nbsphinx-toctree`` metadata: their links) and its ``orphan``
metadata; every fact is placed at line 1.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from novadoclint.facts import (
    DocFacts,
    Image,
    Include,
    Label,
    Outside,
    Ref,
    Section,
    TocEntry,
    TocTree,
)
from novadoclint.links.syntax import SCHEME_RE
from novadoclint.project.sphinxconf import SphinxConf
from novadoclint.safety import untrusted

__all__ = [
    "MARKDOWN_EXTENSIONS",
    "document_suffixes",
    "is_markdown",
    "markdown_facts",
]

#: Extensions that make Sphinx read Markdown with MyST's parser.
MARKDOWN_EXTENSIONS = frozenset({"myst_parser", "myst_nb"})
#: Extensions that make Sphinx read Jupyter notebooks (``.ipynb``).
NOTEBOOK_EXTENSIONS = frozenset({"myst_nb", "nbsphinx"})
# Raw cells nbsphinx (and myst_nb) hand to the reStructuredText parser.
RST_MIMETYPES = frozenset({"text/restructuredtext", "text/x-rst"})
# File types MyST's parsers are registered for ('myst-nb' is myst_nb's name).
MARKDOWN_FILETYPES = frozenset({"markdown", "myst-nb"})
NOTEBOOK_SUFFIX = ".ipynb"

FENCE_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>.*)$")
DIRECTIVE_INFO = re.compile(r"^\s*\{(?P<name>[\w:.+-]+)\}\s*(?P<argument>.*?)\s*$")
ATX_HEADING = re.compile(r"^ {0,3}(?P<hashes>#{1,6})(?:[ \t]+(?P<text>.*?))?[ \t]*$")
ATX_CLOSING = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
SETEXT_UNDERLINE = re.compile(r"^ {0,3}(?P<char>=+|-+)[ \t]*$")
HTML_COMMENT = re.compile(r"^ {0,3}<!--")
TARGET = re.compile(r"^ {0,3}\((?P<name>[^()\s][^()]*)\)=\s*$")
OPTION_LINE = re.compile(r"^:(?P<key>[\w-]+):(?:\s+(?P<value>.*))?$")
YAML_KEY = re.compile(r"^(?P<key>[\w-]+):\s*(?P<value>.*?)\s*$")
TOC_ENTRY = re.compile(r"^(.+?)\s*<(.+)>$")
# Lines that cannot be a setext heading's text: they start another block.
NOT_PARAGRAPH = re.compile(r"^\s*(?:$|#|>|[-*+]\s|\d+[.)]\s|\||`{3}|~{3}|:{3}|\(.*\)=\s*$)")
INLINE_CODE = re.compile(r"(`+)(?:.+?)\1", re.DOTALL)
IMAGE = re.compile(r"!\[(?P<alt>(?:[^\]\\]|\\.)*)\]\(\s*<?(?P<src>[^\s)>]+)>?(?:\s+[\"'(].*?)?\)")
EMPHASIS = re.compile(r"(\*{1,3}|_{1,3})(?=\S)(.+?)(?<=\S)\1")
MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
MARKDOWN_LINK_PARTS = re.compile(r"(?<!!)\[([^\]]*)\]\(\s*<?([^\s)>]+)>?[^)]*\)")
ROLE = re.compile(r"\{[\w:.+-]+\}`([^`]*)`")
EXPLICIT_TITLE = re.compile(r"^(.*?)\s*<[^<>]*>$")

# Directives whose content MyST parses as Markdown: toctrees, targets and images
# inside them count (their headings are rubrics, not sections); so do those in
# any directive written with a colon fence, MyST's fence for Markdown content
# (``:::{myst-example}``, a project's own directive). Any other directive's
# content (code, math, tables of data...) is not looked into.
CONTAINERS = frozenset(
    {
        "admonition",
        "attention",
        "caution",
        "danger",
        "error",
        "hint",
        "important",
        "note",
        "seealso",
        "tip",
        "todo",
        "warning",
        "versionadded",
        "versionchanged",
        "deprecated",
        "version-added",
        "version-changed",
        "version-deprecated",
        "version-removed",
        "only",
        "ifconfig",
        "container",
        "div",
        "topic",
        "sidebar",
        "margin",
        "epigraph",
        "highlights",
        "pull-quote",
        "compound",
        "figure",
        "figure-md",
        "dropdown",
        "tab",
        "tab-set",
        "tab-item",
        "tabbed",
        "card",
        "grid",
        "grid-item",
        "grid-item-card",
        "glossary",
    }
)
IMAGE_DIRECTIVES = frozenset({"image", "figure"})
# A label before one of these is titled by its caption (Sphinx's enumerable
# nodes); before any other directive, only when the directive has a :caption:.
CAPTIONED = frozenset({"figure", "figure-md", "table", "list-table", "csv-table"})


# --------------------------------------------------------------------------
# which files are Markdown documents


def markdown_suffixes(conf: SphinxConf) -> tuple[str, ...]:
    """Suffixes read by MyST or a notebook parser, merged into source_suffix as Sphinx does.

    With ``myst_parser`` or ``myst_nb``, ``.md`` always is one: MyST registers
    it, and the merge lets an extension's file type replace the default one (a
    list or a bare string in conf.py); a dict in conf.py may map more suffixes
    to ``'markdown'``. ``myst_nb`` and ``nbsphinx`` register ``.ipynb``
    (nbsphinx: ``'jupyter_notebook'``). Empty without any of them.
    """
    extensions = set(conf.extensions)
    found: list[str] = []
    if extensions & MARKDOWN_EXTENSIONS:
        found.append(".md")
        value = conf.get("source_suffix")
        if isinstance(value, dict):
            found.extend(
                suffix
                for suffix, filetype in value.items()
                if isinstance(suffix, str) and filetype in MARKDOWN_FILETYPES
            )
    if extensions & NOTEBOOK_EXTENSIONS:
        found.append(NOTEBOOK_SUFFIX)
    return tuple(dict.fromkeys(found))


def excluded_by_extensions(conf: SphinxConf) -> tuple[str, ...]:
    """Patterns extensions add to ``exclude_patterns``: nbsphinx's checkpoint folders."""
    return ("**.ipynb_checkpoints",) if "nbsphinx" in conf.extensions else ()


def document_suffixes(conf: SphinxConf, rst: Sequence[str]) -> tuple[str, ...]:
    """Every suffix of a document: ``rst`` (conf.py's own) and then MyST's."""
    return tuple(dict.fromkeys([*rst, *markdown_suffixes(conf)]))


def is_markdown(conf: SphinxConf, path: str) -> bool:
    """Whether the document at ``path`` is read by MyST, not by docutils."""
    return any(path.endswith(suffix) for suffix in markdown_suffixes(conf))


# --------------------------------------------------------------------------
# facts


RstFacts = Callable[[str], DocFacts]
"""The facts of a block of reStructuredText, its lines counted from 1."""


@dataclass
class _Reader:
    """Mutable state of one read; the result is frozen into DocFacts."""

    srcdir: str
    docpath: str
    lines: Sequence[str]
    rst: RstFacts | None
    notebook: bool = False
    sections: list[Section] = field(default_factory=list)
    levels: list[int] = field(default_factory=list)  # heading level of each open section
    labels: list[Label] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)
    toctrees: list[TocTree] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    outside: list[Outside] = field(default_factory=list)
    dependencies: set[str] = field(default_factory=set)
    pending: list[tuple[str, int]] = field(default_factory=list)  # labels awaiting a title

    def line(self, number: int) -> int:
        return 1 if self.notebook else number

    @property
    def section(self) -> int:
        return len(self.sections) - 1 if self.levels else -1

    def heading(self, text: str, level: int, line: int) -> None:
        title = plain_text(text)
        while self.levels and self.levels[-1] >= level:
            self.levels.pop()
        parent = self._open_section()
        from docutils.nodes import make_id  # a MyST page's headings only: a warm run reads none

        ids = (make_id(title),) if make_id(title) else ()
        self.sections.append(Section(title, len(self.levels) + 1, self.docpath, line, ids, parent))
        self.levels.append(level)
        self.settle(title, len(self.sections) - 1)

    def _open_section(self) -> int:
        """Index of the section the next heading nests in (the last one still open)."""
        if not self.levels:
            return -1
        depth = len(self.levels)
        for index in range(len(self.sections) - 1, -1, -1):
            if self.sections[index].level == depth:
                return index
        return -1  # pragma: no cover - levels and sections grow together

    def settle(self, title: str | None, section: int) -> None:
        """Labels waiting for what follows them: titled by it, or not."""
        for name, line in self.pending:
            self.labels.append(
                Label(name, self.docpath, line, section, title is not None, title or "")
            )
        self.pending.clear()


def markdown_facts(
    text: str,
    docname: str,
    path: str,
    srcdir: str,
    *,
    rst: RstFacts | None = None,
) -> DocFacts:
    """The facts of a Markdown document (or a notebook's Markdown cells).

    ``rst`` parses the content of ``{eval-rst}`` blocks; without it they are
    skipped.
    """
    notebook = path.endswith(NOTEBOOK_SUFFIX)
    lines = notebook_markdown(text) if notebook else text.splitlines()
    reader = _Reader(srcdir, path, lines, rst, notebook)
    start, metadata = front_matter(lines)
    _read_blocks(reader, start, len(lines), top=True)
    reader.settle(None, reader.section)
    sections = tuple(
        replace(s, line=reader.line(s.line)) if notebook else s for s in reader.sections
    )
    return DocFacts(
        docname=docname,
        path=path,
        title=sections[0].title if sections else None,
        orphan=any(key == "orphan" for key, _ in metadata),
        metadata=metadata,
        sections=sections,
        labels=tuple(sorted(reader.labels, key=lambda label: (label.path, label.line, label.name))),
        refs=tuple(reader.refs),
        toctrees=tuple(reader.toctrees),
        includes=tuple(reader.includes),
        images=tuple(reader.images),
        links=(),
        directives=(),
        suppressions=(),
        dependencies=tuple(sorted(reader.dependencies)),
        outside=tuple(reader.outside),
    )


def notebook_markdown(text: str) -> list[str]:
    """A notebook as the Markdown its parser reads, a blank line between cells.

    Markdown cells as they are; raw cells of reStructuredText as
    ``{eval-rst}`` blocks; a Markdown cell with nbsphinx's
    ``nbsphinx-toctree`` metadata as the toctree nbsphinx makes of its links;
    nbsphinx's ``orphan`` notebook metadata as front matter. Code cells and
    their outputs are left out.
    """
    try:
        notebook = json.loads(text)
    except ValueError:
        return []
    if not isinstance(notebook, dict):
        return []
    lines: list[str] = []
    settings = _mapping(_mapping(notebook.get("metadata")).get("nbsphinx"))
    if settings.get("orphan"):
        lines.extend(["---", "orphan: true", "---"])
    cells = notebook.get("cells")
    for cell in cells if isinstance(cells, list) else ():
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        cell_lines = ("".join(source) if isinstance(source, list) else str(source)).splitlines()
        metadata = _mapping(cell.get("metadata"))
        kind = cell.get("cell_type")
        if kind == "markdown" and "nbsphinx-toctree" in metadata:
            lines.extend(_nbsphinx_toctree(cell_lines, _mapping(metadata["nbsphinx-toctree"])))
        elif kind == "markdown":
            lines.extend(cell_lines)
        elif kind == "raw":
            mimetype = metadata.get("raw_mimetype") or metadata.get("format") or ""
            if str(mimetype).lower() in RST_MIMETYPES:
                fence = "`" * (
                    max((len(m) for m in re.findall(r"`+", "\n".join(cell_lines))), default=0) + 3
                )
                lines.extend([f"{fence}{{eval-rst}}", *cell_lines, fence])
        lines.append("")
    return lines


def _mapping(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _nbsphinx_toctree(cell_lines: Sequence[str], options: dict[str, object]) -> list[str]:
    """nbsphinx's toctree cell: its links are the entries (its heading is the caption)."""
    entries = [
        f"{title} <{target}>" if title else target
        for line in cell_lines
        for title, target in MARKDOWN_LINK_PARTS.findall(line)
        if not SCHEME_RE.match(target)
    ]
    flags = [f":{key}:" for key, value in options.items() if value is True]
    return ["```{toctree}", *flags, "", *entries, "```"]


def front_matter(lines: Sequence[str]) -> tuple[int, tuple[tuple[str, str], ...]]:
    """Index of the first line after the YAML front matter, and its top-level keys."""
    if not lines or lines[0].rstrip() != "---":
        return 0, ()
    for end in range(1, len(lines)):
        if lines[end].rstrip() in ("---", "..."):
            found = (YAML_KEY.match(line) for line in lines[1:end])
            metadata = tuple(
                (match.group("key").lower(), match.group("value"))
                for match in found
                if match and match.group("key") not in ("myst", "mystnb", "substitutions")
            )
            return end + 1, metadata
    return 0, ()


def plain_text(text: str) -> str:
    """A heading's text as docutils shows it: inline markup reduced to its words."""
    text = INLINE_CODE.sub(lambda m: m.group(0).strip("`").strip(), text)
    text = ROLE.sub(lambda m: _role_text(m.group(1)), text)
    text = MARKDOWN_LINK.sub(r"\1", text)
    text = EMPHASIS.sub(r"\2", text)
    return " ".join(text.replace("\\", "").split())


def _role_text(target: str) -> str:
    match = EXPLICIT_TITLE.match(target)
    return match.group(1) if match and match.group(1) else target


@dataclass(frozen=True)
class _Fence:
    name: str | None  # the directive, for ``{name}`` info strings
    argument: str
    first: int  # index of the opening line
    content: int  # index of the first content line
    end: int  # index of the closing line (len(lines) when unclosed)
    colon: bool = False  # a ``:::`` fence, MyST's for directives holding Markdown


def _fence_at(lines: Sequence[str], index: int, stop: int) -> _Fence | None:
    """The fenced block opening at ``index``, as CommonMark closes it."""
    match = FENCE_OPEN.match(lines[index])
    if match is None:
        return None
    fence, info = match.group("fence"), match.group("info")
    char = fence[0]
    if char == "`" and "`" in info:
        return None  # not a fence: an inline code span
    directive = DIRECTIVE_INFO.match(info)
    if char == ":" and directive is None:
        return None  # a colon fence is MyST's only for directives
    closing = re.compile(rf"^ {{0,3}}{re.escape(char)}{{{len(fence)},}}[ \t]*$")
    end = next((i for i in range(index + 1, stop) if closing.match(lines[i])), stop)
    name = directive.group("name").lower() if directive else None
    argument = directive.group("argument") if directive else ""
    return _Fence(name, argument, index, index + 1, end, colon=char == ":")


def _read_blocks(reader: _Reader, start: int, stop: int, *, top: bool) -> None:
    """Read lines[start:stop]: headings (at the top level only), targets, fences, images."""
    lines = reader.lines
    index = start
    previous = ""  # the last line, when it may be a paragraph's
    while index < stop:
        line = lines[index]
        fence = _fence_at(lines, index, stop)
        if fence is not None:
            if fence.name is not None:
                _directive(reader, fence)
            elif reader.pending:
                reader.settle(None, reader.section)
            index, previous = fence.end + 1, ""
            continue
        if HTML_COMMENT.match(line):
            end = next((i for i in range(index, stop) if "-->" in lines[i]), stop - 1)
            index, previous = end + 1, ""
            continue
        target = TARGET.match(line)
        if target:
            reader.pending.append((_normalise_label(target.group("name")), reader.line(index + 1)))
            index, previous = index + 1, ""
            continue
        heading = ATX_HEADING.match(line)
        setext = SETEXT_UNDERLINE.match(line)
        if heading and top:
            text = ATX_CLOSING.sub("", heading.group("text") or "")
            reader.heading(text, len(heading.group("hashes")), index + 1)
            index, previous = index + 1, ""
            continue
        if setext and top and previous and not NOT_PARAGRAPH.match(previous):
            level = 1 if setext.group("char").startswith("=") else 2
            reader.heading(previous, level, index)
            index, previous = index + 1, ""
            continue
        if line.strip():
            underlined = (
                top
                and index + 1 < stop
                and SETEXT_UNDERLINE.match(lines[index + 1]) is not None
                and not NOT_PARAGRAPH.match(line)
            )
            if reader.pending and not underlined:
                reader.settle(None, reader.section)
            _images(reader, line, index + 1)
        previous = line if line.strip() and not line.startswith("    ") else ""
        index += 1


def _directive(reader: _Reader, fence: _Fence) -> None:
    """Facts of one fenced directive: toctree, image, include, eval-rst, or a container."""
    name = fence.name or ""
    lines = reader.lines
    options, body = _options(lines, fence.content, fence.end)
    line = reader.line(fence.first + 1)
    if reader.pending:
        caption = options.get("caption")
        if name in CAPTIONED:
            caption = caption or ("" if name.startswith("figure") else fence.argument)
        reader.settle(caption, reader.section)
    if name == "toctree":
        entries = tuple(
            _toc_entry(lines[i].strip(), reader.line(i + 1))
            for i in range(body, fence.end)
            if lines[i].strip()
        )
        reader.toctrees.append(
            TocTree(
                reader.docpath,
                line,
                reader.section,
                glob="glob" in options,
                hidden="hidden" in options,
                entries=entries,
            )
        )
    elif name in IMAGE_DIRECTIVES and fence.argument:
        _image(reader, name, fence.argument, line, alt="alt" in options)
    elif name == "include" and fence.argument:
        _include(reader, fence.argument, line)
    elif name == "eval-rst":
        _eval_rst(reader, fence.content, fence.end)
        return
    if name in CONTAINERS or fence.colon:
        _read_blocks(reader, body, fence.end, top=False)


def _options(lines: Sequence[str], start: int, stop: int) -> tuple[dict[str, str], int]:
    """A directive's options (``:key: value`` lines or a ``---`` YAML block).

    Also the index of the first content line, after the options.
    """
    options: dict[str, str] = {}
    index = start
    if index < stop and lines[index].strip() == "---":
        for end in range(index + 1, stop):
            if lines[end].strip() == "---":
                for raw in lines[index + 1 : end]:
                    match = YAML_KEY.match(raw.strip())
                    if match:
                        options[match.group("key").lower()] = match.group("value")
                return options, end + 1
        return options, index
    while index < stop:
        match = OPTION_LINE.match(lines[index].strip())
        if not match:
            break
        options[match.group("key").lower()] = match.group("value") or ""
        index += 1
    return options, index


def _toc_entry(entry: str, line: int) -> TocEntry:
    match = TOC_ENTRY.match(entry)
    title, target = (match.group(1), match.group(2)) if match else (None, entry)
    return TocEntry(title, target.strip(), line)


def _normalise_label(name: str) -> str:
    """docutils' fully_normalize_name, as MyST names its targets."""
    return " ".join(name.strip().lower().split())


def _images(reader: _Reader, line: str, number: int) -> None:
    """``![alt](path)`` images of one line, inline code spans left out."""
    for match in IMAGE.finditer(INLINE_CODE.sub("", line)):
        _image(
            reader, "image", match.group("src"), reader.line(number), alt=bool(match.group("alt"))
        )


def _image(reader: _Reader, directive: str, target: str, line: int, *, alt: bool) -> None:
    if SCHEME_RE.match(target) or target.startswith(("#", "{", "data:")):
        return
    reader.images.append(Image(directive, target, reader.docpath, line, alt))


def _include(reader: _Reader, target: str, line: int) -> None:
    """An ``{include}``: recorded as rST's are, a file outside the project never looked at."""
    if target.startswith("/"):
        resolved = posixpath.normpath(target.lstrip("/"))
    else:
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(reader.docpath), target))
    srcdir = os.path.abspath(reader.srcdir)
    found = untrusted.resolve_inside(untrusted.project_root(srcdir), os.path.join(srcdir, resolved))
    if found is None:
        reader.outside.append(Outside("include", target, reader.docpath, line))
        return
    reader.dependencies.add(resolved)
    exists = os.path.isfile(found)
    reader.includes.append(Include("include", target, resolved, reader.docpath, line, exists))


def _eval_rst(reader: _Reader, start: int, stop: int) -> None:
    """An ``{eval-rst}`` block: reStructuredText, parsed as such; its facts join the document's."""
    if reader.rst is None or start >= stop:
        return
    text = "\n".join(reader.lines[start:stop])
    facts = reader.rst(text)

    def shift(line: int) -> int:
        return reader.line(line + start)

    def here(path: str) -> bool:
        return path == reader.docpath

    section = reader.section
    reader.labels.extend(
        replace(label, line=shift(label.line), section=section) if here(label.path) else label
        for label in facts.labels
    )
    reader.refs.extend(
        replace(ref, line=shift(ref.line), section=section) if here(ref.path) else ref
        for ref in facts.refs
    )
    reader.toctrees.extend(
        replace(
            toctree,
            line=shift(toctree.line),
            section=section,
            entries=tuple(replace(e, line=shift(e.line)) for e in toctree.entries),
        )
        if here(toctree.path)
        else toctree
        for toctree in facts.toctrees
    )
    reader.images.extend(
        replace(image, line=shift(image.line)) if here(image.path) else image
        for image in facts.images
    )
    reader.includes.extend(
        replace(include, line=shift(include.line)) if here(include.path) else include
        for include in facts.includes
    )
    reader.outside.extend(
        replace(item, line=shift(item.line)) if here(item.path) else item for item in facts.outside
    )
    reader.dependencies.update(facts.dependencies)
