"""collect(): one walk over a parsed doctree, producing the document's DocFacts.

Pure: reads the doctree and the recording nodes :mod:`novadoclint.parse` left,
never the file system (paths are resolved as strings; existence is phase 2's
business, or the parser's for includes it had to read).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from docutils import nodes

from novadoclint.facts import (
    Directive as DirectiveFact,
)
from novadoclint.facts import (
    DocFacts,
    EmbeddedTarget,
    Image,
    Include,
    Label,
    Link,
    Outside,
    Ref,
    Section,
    Suppression,
    TocEntry,
    TocTree,
)
from novadoclint.links.syntax import SCHEME_RE
from novadoclint.location import file_path, line_of, source_of
from novadoclint.parse import Parsed, directive_record, include_record, outside_record, xref
from novadoclint.project.sphinxconf import SphinxConf

EMBEDDED_RE = re.compile(r"^`(?P<text>.*?)\s*<(?P<target>[^<>]+)>`__?$", re.DOTALL)
# Meant as an absolute URL, but docutils takes it for a relative one: a lost or mistyped
# colon after the scheme, a lost scheme, stray text before it ("<http://x"), or no scheme
# at all before "www.".
BOTCHED_URL_RE = re.compile(r"^(?:(?:https?|ftp);?//|[^:/?#\s]*://|www\.[^/\s]+\.[a-z]{2,})", re.I)
# openstackdocstheme's <project>-doc roles (ext.py, _setup_link_roles); "latest" unless
# .gitreview names a stable branch, which conf.py cannot tell us.
OPENSTACK_DOCS_URL = "https://docs.openstack.org/{}/latest/%s"
SUPPRESS_RE = re.compile(r"^novadoclint:\s*(disable|disable-file)\s*=\s*([\w\s,*-]+)$")
TOC_ENTRY_RE = re.compile(r"^(.+?)\s*<(.+)>$")
# Recorded directives whose content only FILE rules read (code): keep facts small.
CONTENT_FREE = frozenset({"code-block", "sourcecode", "code", "highlight"})
EVERYWHERE = 10**9
# Code blocks are enumerable: a :caption: titles the label before them.
CODE_BLOCKS = frozenset({"code-block", "sourcecode", "code", "literalinclude"})


@dataclass
class _Walk:
    """Mutable state of one walk; the result is frozen into DocFacts."""

    srcdir: str
    docpath: str  # the document's own path, relative to srcdir
    lines: list[str]
    extlinks: Mapping[str, str]  # role -> URL pattern (see extlink_patterns)
    written: frozenset[str] = frozenset()  # URLs written in targets of the document's files
    taken: dict[tuple[int, int], str] = field(default_factory=dict)  # place -> URL located
    sections: list[Section] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)
    toctrees: list[TocTree] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    directives: list[DirectiveFact] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    embedded: list[EmbeddedTarget] = field(default_factory=list)
    outside: list[Outside] = field(default_factory=list)
    # (line, text) -> column of its last occurrence: the same markup twice on a line
    found_at: dict[tuple[int, str], int] = field(default_factory=dict)

    def rel(self, source: str | None) -> str:
        return file_path(source, self.srcdir, self.docpath)

    def column(self, path: str, line: int, text: str) -> int:
        if path != self.docpath or not 0 < line <= len(self.lines) or not text:
            return 1
        needle = text.splitlines()[0]
        start = self.found_at.get((line, needle), 0)
        found = self.lines[line - 1].find(needle, start)
        if found < 0:
            return 1
        self.found_at[(line, needle)] = found + 1
        return found + 1

    def locate(self, path: str, line: int, span: int, url: str, *needles: str) -> tuple[int, int]:
        """The line and column of a link: docutils gives inline nodes their paragraph's line.

        Searches the span for the first needle, skipping places already claimed by another
        occurrence of the same URL, so two links to one URL in a paragraph stay apart.
        """
        if path != self.docpath:
            return line, 1
        last = min(line + max(span, 1), len(self.lines))
        for needle in needles:
            needle = needle.splitlines()[0] if needle else ""
            first: tuple[int, int] | None = None
            for number in range(max(line, 1), last + 1):
                start = self.lines[number - 1].find(needle) if needle else -1
                while start >= 0:
                    place = (number, start + 1)
                    if self.taken.get(place) != url:
                        self.taken[place] = url
                        return place
                    first = first or place
                    start = self.lines[number - 1].find(needle, start + 1)
            if first is not None:
                return first
        return line, 1


def collect(
    parsed: Parsed,
    docname: str,
    docpath: str,
    srcdir: str,
    lines: list[str],
    *,
    extlinks: Mapping[str, str] | None = None,
) -> DocFacts:
    doctree = parsed.doctree
    walk = _Walk(srcdir, docpath, lines, extlinks or {})
    walk.written = frozenset(
        target["refuri"]
        for target in doctree.findall(nodes.target)
        if "refuri" in target and not _generated(source_of(target))
    )
    _visit(doctree, walk, section=-1, level=0, in_list=False)
    metadata = _metadata(doctree)
    return DocFacts(
        docname=docname,
        path=docpath,
        title=walk.sections[0].title if walk.sections else None,
        orphan=any(k == "orphan" for k, _ in metadata),
        metadata=metadata,
        sections=tuple(walk.sections),
        labels=_labels(parsed, walk),
        refs=tuple(walk.refs),
        toctrees=tuple(walk.toctrees),
        includes=tuple(walk.includes),
        images=tuple(walk.images),
        links=tuple(walk.links),
        directives=tuple(walk.directives),
        suppressions=tuple(walk.suppressions),
        dependencies=tuple(sorted({walk.rel(p) for p in parsed.dependencies})),
        embedded_targets=tuple(walk.embedded),
        outside=tuple(walk.outside),
    )


def _visit(node: nodes.Element, walk: _Walk, section: int, level: int, in_list: bool) -> None:
    for child in node.children:
        if isinstance(child, nodes.section):
            title = child.next_node(nodes.title)
            title_line = max(line_of(title) - 1, 1) if title is not None else line_of(child)
            walk.sections.append(
                Section(
                    title=title.astext() if title is not None else "",
                    level=level + 1,
                    path=walk.rel(source_of(title or child)),
                    line=title_line,
                    ids=tuple(child["ids"]),
                    parent=section,
                )
            )
            _visit(child, walk, len(walk.sections) - 1, level + 1, in_list)
            continue
        if isinstance(child, nodes.Element):
            _record(child, walk, section)
            _visit(child, walk, section, level, in_list or isinstance(child, nodes.list_item))


def _record(node: nodes.Element, walk: _Walk, section: int) -> None:
    if isinstance(node, xref):
        _record_xref(node, walk, section)
    elif isinstance(node, directive_record):
        _record_directive(node, walk, section)
    elif isinstance(node, include_record):
        path = walk.rel(node.source)
        target = node["target"]
        resolved = _resolve_file(walk, path, target)
        walk.includes.append(
            Include("include", target, resolved, path, node.line or 1, node["found"])
        )
    elif isinstance(node, outside_record):
        path, line = walk.rel(node.source), node.line or line_of(node)
        walk.outside.append(Outside(node["directive"], node["target"], path, line))
    elif isinstance(node, nodes.image):
        _record_image(node, walk)
    elif isinstance(node, nodes.reference) and "refuri" in node:
        _record_reference(node, walk)
    elif isinstance(node, nodes.target) and "refuri" in node:
        _record_target(node, walk)
    elif isinstance(node, nodes.comment):
        _record_suppression(node, walk)


def _record_xref(node: xref, walk: _Walk, section: int) -> None:
    path, line = walk.rel(node.source), node.line or line_of(node)
    role, target = node["role"], node["target"]
    # docutils gives a role its paragraph's first line: find the line it is written on
    line, column = walk.locate(path, line, _span(node), f"{role}:{target}", node.rawsource)
    in_list = any(isinstance(a, nodes.list_item) for a in _ancestors(node))
    walk.refs.append(Ref(role, target, node["title"], path, line, column, section, in_list))
    if role in walk.extlinks or (role == "download" and SCHEME_RE.match(target)):
        url = expand_extlink(walk.extlinks[role], target) if role in walk.extlinks else target
        kind = "download" if role == "download" else "extlink"
        place = walk.locate(path, line, _span(node), url, node.rawsource)
        walk.links.append(Link(url, path, *place, kind))


def _is_link(uri: str) -> bool:
    """An external URL, or text meant as one that docutils took for a relative URI."""
    if SCHEME_RE.match(uri):
        return not uri.startswith("mailto:")
    return BOTCHED_URL_RE.match(uri) is not None


def _generated(source: str | None) -> bool:
    """Text Sphinx adds to every document (rst_prolog, rst_epilog): no place to report."""
    return source is not None and source.startswith("<")


def _span(node: nodes.Node) -> int:
    """How many lines the text block around an inline node covers."""
    for ancestor in (node, *_ancestors(node)):
        raw = getattr(ancestor, "rawsource", "")
        if isinstance(ancestor, nodes.TextElement) and raw and ancestor is not node:
            return raw.count("\n") + 1
    return 1


def _record_reference(node: nodes.reference, walk: _Walk) -> None:
    uri, source = node["refuri"], source_of(node)
    if _generated(source):
        return
    if not _is_link(uri):
        _record_embedded(node, walk)
        return
    if getattr(node, "resolved", False) and uri in walk.written:
        return  # `name`_ or `name`__: the URL is written, and recorded, at its target
    path = walk.rel(source)
    kind = "standalone" if node.astext() == uri and "name" not in node else "inline"
    needle = uri if kind == "standalone" else node.rawsource
    place = walk.locate(path, line_of(node), _span(node), uri, needle, uri)
    walk.links.append(Link(uri, path, *place, kind))


def _record_embedded(node: nodes.reference, walk: _Walk) -> None:
    """`text <target>`_ with no URL scheme: docutils links to it relative to the page."""
    match = EMBEDDED_RE.match(node.rawsource)
    if match is None or SCHEME_RE.match(node["refuri"]):
        return
    path, target = walk.rel(source_of(node)), match.group("target")
    line, column = walk.locate(path, line_of(node), _span(node), node["refuri"], node.rawsource)
    walk.embedded.append(
        EmbeddedTarget(match.group("text"), target, node["refuri"], path, line, column)
    )


def _record_target(node: nodes.target, walk: _Walk) -> None:
    """``.. _name: URL`` and ``.. __: URL``; embedded ``<URL>`` go with their reference."""
    uri, source = node["refuri"], source_of(node)
    if (
        not (node.get("names") or node.get("anonymous"))
        or isinstance(node.parent, nodes.TextElement)  # embedded in `text <URL>`_
        or getattr(node, "resolved", False)  # an alias: `.. _a: b_`
        or not _is_link(uri)
        or _generated(source)
    ):
        return
    path = walk.rel(source)
    span = node.rawsource.count("\n") + 1
    place = walk.locate(path, line_of(node), span, uri, uri, node.rawsource)
    walk.links.append(Link(uri, path, *place, "target"))


def expand_extlink(pattern: str, target: str) -> str:
    """An extlinks role's URL, as Sphinx builds it: ``%s`` replaced, else target appended."""
    if "%s" not in pattern:
        return pattern + target  # the old form: ('https://x/', 'prefix')
    try:
        return pattern % target
    except (TypeError, ValueError):  # a stray % in the pattern: Sphinx would fail here
        return pattern.replace("%s", target)


def extlink_patterns(conf: SphinxConf) -> dict[str, str]:
    """Role name -> URL pattern, from conf.py's extlinks and openstackdocstheme's projects.

    extlinks count only with sphinx.ext.extlinks enabled, as in Sphinx; both of its forms
    are read: ``role: ('https://x/%s', 'caption %s')`` and the old
    ``role: ('https://x/', 'prefix')``. openstackdocstheme turns each name in
    ``openstackdocs_projects`` (or the deprecated ``openstack_projects``, which wins when
    set) into a ``<name>-doc`` extlinks role.
    """
    patterns: dict[str, str] = {}
    if "openstackdocstheme" in conf.extensions:
        projects = conf.get("openstack_projects")
        if projects is None:
            projects = conf.get("openstackdocs_projects")
        for project in projects if isinstance(projects, (list, tuple)) else ():
            if isinstance(project, str):
                patterns[f"{project}-doc"] = OPENSTACK_DOCS_URL.format(project)
    configured = conf.get("extlinks") if "sphinx.ext.extlinks" in conf.extensions else None
    for role, value in configured.items() if isinstance(configured, Mapping) else ():
        base = value[0] if isinstance(value, (list, tuple)) and value else value
        if isinstance(role, str) and isinstance(base, str):
            patterns[role] = base
    return patterns


def _ancestors(node: nodes.Node) -> Iterator[nodes.Node]:
    current = node.parent
    while current is not None:
        yield current
        current = current.parent


def _record_directive(node: directive_record, walk: _Walk, section: int) -> None:
    name: str = node["name"]
    path, line = walk.rel(node.source), node.line or line_of(node)
    options = dict(node["options"])
    content: str = node["content"]
    content_line: int = node["content_line"]
    if name == "toctree":
        walk.toctrees.append(
            TocTree(
                path,
                line,
                section,
                glob="glob" in options,
                hidden="hidden" in options,
                entries=tuple(_toc_entries(content, content_line)),
            )
        )
    elif name == "literalinclude" and node["arguments"]:
        target = node["arguments"][0]
        resolved = _resolve_file(walk, path, target)
        walk.includes.append(Include(name, target, resolved, path, line, found=True))
    kept = "" if name in CONTENT_FREE else content
    walk.directives.append(
        DirectiveFact(
            name, node["arguments"], node["options"], kept, path, line, content_line, section
        )
    )


def _toc_entries(content: str, first_line: int) -> Iterator[TocEntry]:
    for offset, raw in enumerate(content.splitlines()):
        entry = raw.strip()
        if not entry:
            continue
        match = TOC_ENTRY_RE.match(entry)
        title, target = (match.group(1), match.group(2)) if match else (None, entry)
        yield TocEntry(title, target.strip(), first_line + offset)


def _resolve_file(walk: _Walk, path: str, target: str) -> str:
    """A file argument as Sphinx reads it: absolute from the source dir, else from the file."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(path), target))


def _record_image(node: nodes.image, walk: _Walk) -> None:
    uri: str = node["uri"]
    parent = node.parent
    directive = "figure" if isinstance(parent, nodes.figure) else "image"
    source = source_of(node)
    path, line = walk.rel(source), line_of(node)
    if SCHEME_RE.match(uri):
        if not _generated(source):
            span = node.rawsource.count("\n") + 1
            walk.links.append(Link(uri, path, *walk.locate(path, line, span, uri, uri), "image"))
        return
    walk.images.append(Image(directive, uri, path, line, alt="alt" in node))


def _record_suppression(node: nodes.comment, walk: _Walk) -> None:
    match = SUPPRESS_RE.match(node.astext().strip())
    if not match:
        return
    rules = frozenset(r.strip() for r in match.group(2).split(",") if r.strip())
    path, line = walk.rel(source_of(node)), line_of(node)
    if match.group(1) == "disable-file":
        walk.suppressions.append(Suppression(rules, path, 1, EVERYWHERE))
        return
    last = EVERYWHERE
    following = node.next_node(descend=False, siblings=True)
    if following is not None:
        after = following.next_node(descend=False, siblings=True)
        if after is not None and line_of(after) > line:
            last = line_of(after) - 1
    walk.suppressions.append(Suppression(rules, path, line, last))


def _metadata(doctree: nodes.document) -> tuple[tuple[str, str], ...]:
    """The leading field list, which Sphinx reads as document metadata."""
    for child in doctree.children:
        if isinstance(child, (nodes.comment, nodes.target, nodes.substitution_definition)):
            continue
        if isinstance(child, (nodes.field_list, nodes.docinfo)):
            return tuple(
                (f[0].astext().strip().lower(), f[1].astext().strip())
                for f in child.children
                if isinstance(f, nodes.field) and len(f.children) == 2
            )
        break
    return ()


def _labels(parsed: Parsed, walk: _Walk) -> tuple[Label, ...]:
    """Explicit internal targets, as Sphinx's std domain records labels."""
    doctree = parsed.doctree
    section_index = {id(_section_node(doctree, s)): i for i, s in enumerate(walk.sections)}
    labels = []
    for name, (source, line) in parsed.target_lines.items():
        labelid = doctree.nameids.get(name)
        node = doctree.ids.get(labelid) if labelid else None
        if node is None or "refuri" in node or isinstance(node, (nodes.footnote, nodes.citation)):
            continue
        if isinstance(node, nodes.target) and "refid" in node:
            node = doctree.ids.get(node["refid"], node)
        title = _label_title(node)
        enclosing = _enclosing_section(node)
        section = section_index.get(id(enclosing), -1) if enclosing is not None else -1
        labels.append(Label(name, walk.rel(source), line, section, title is not None, title or ""))
    return tuple(sorted(labels, key=lambda label: (label.path, label.line, label.name)))


def _label_title(node: nodes.Element) -> str | None:
    """The text ``:ref:`label``` shows, None for an anonymous-only label (std domain).

    Sphinx's StandardDomain.process_doc: a section's title, a rubric, a figure's
    or code block's caption, a table's title, a definition term, a field name,
    or the caption of a toctree inside the labelled element.
    """
    if isinstance(node, nodes.section):
        title_node = node.next_node(nodes.title)
        return title_node.astext() if title_node is not None else ""
    if isinstance(node, nodes.rubric):
        return node.astext()
    if isinstance(node, (nodes.table, nodes.figure, nodes.literal_block)):
        caption = node.next_node(nodes.caption) or node.next_node(nodes.title)
        return caption.astext() if caption is not None else None
    if isinstance(node, (nodes.definition_list, nodes.field_list)) and node.children:
        node = node.children[0]  # type: ignore[assignment]
    if isinstance(node, (nodes.definition_list_item, nodes.field)) and node.children:
        first = node.children[0]
        return first.astext() if isinstance(first, (nodes.term, nodes.field_name)) else None
    if isinstance(node, directive_record) and node["name"] in CODE_BLOCKS:
        return dict(node["options"]).get("caption") or None
    for record in node.findall(directive_record):
        if record["name"] == "toctree" and dict(record["options"]).get("caption"):
            return str(dict(record["options"])["caption"])
    return None


def _section_node(doctree: nodes.document, section: Section) -> nodes.Node | None:
    return doctree.ids.get(section.ids[0]) if section.ids else None


def _enclosing_section(node: nodes.Node) -> nodes.Node | None:
    current: nodes.Node | None = node
    while current is not None:
        if isinstance(current, nodes.section):
            return current
        current = current.parent
    return None
