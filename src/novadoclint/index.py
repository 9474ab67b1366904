"""FactsIndex: every document's facts plus derived, lazily computed lookups.

Built once after phase 1 and read by every cross-document rule; each derived
view is computed on first use, in one pass over the facts. The name rules
themselves live in :mod:`novadoclint.resolve`; this module only applies them
to the whole tree (labels, the toctree graph, reachability, included and
generated files, and which paths leave the project).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from novadoclint import data, resolve
from novadoclint.facts import DocFacts, Label, TocEntry, TocTree
from novadoclint.project.discover import outside_links
from novadoclint.project.sphinxconf import SphinxConf
from novadoclint.project.treefiles import TreeFiles
from novadoclint.safety.untrusted import project_root, resolve_inside


@dataclass(frozen=True, slots=True)
class TocLink:
    """One toctree entry, resolved as Sphinx's TocTree.parse_content does.

    ``status`` is ``ok`` (a document, or a glob that matched), ``url``, ``self``,
    ``virtual`` (genindex, modindex, search), ``missing``, ``excluded``, ``own``
    (the toctree's own document), ``empty-glob`` or ``duplicate`` (already in
    this toctree); ``children`` are the documents the entry adds to the tree.
    """

    parent: str
    toctree: TocTree
    entry: TocEntry
    status: str
    target: str  # the joined docname or glob pattern
    children: tuple[str, ...]


@dataclass(frozen=True)
class FactsIndex:
    srcdir: str  # absolute
    conf: SphinxConf
    docs: Mapping[str, DocFacts]  # docname -> facts
    files: frozenset[str]  # every file under the source dir, relative posix
    # Tree-wide answers derived from files (project.derived) may be kept in the cache:
    # only a lint run that may use the cache says so (--no-cache, the editor's index do not).
    cache_enabled: bool = False

    @cached_property
    def tree_files(self) -> TreeFiles:
        """The non-document files tree rules read (parameters, .htaccess, requirements)."""
        return TreeFiles(self.srcdir)

    @cached_property
    def labels(self) -> Mapping[str, tuple[tuple[str, Label], ...]]:
        """Label name -> every (docname, label) defining it, explicit targets only."""
        found: dict[str, list[tuple[str, Label]]] = {}
        for docname in sorted(self.docs):
            for label in self.docs[docname].labels:
                found.setdefault(label.name, []).append((docname, label))
        return {name: tuple(places) for name, places in found.items()}

    @cached_property
    def section_labels(self) -> Mapping[str, tuple[tuple[str, Label], ...]]:
        """Labels sphinx.ext.autosectionlabel makes from section titles (empty when off)."""
        if "sphinx.ext.autosectionlabel" not in self.conf.extensions:
            return {}
        prefix = bool(self.conf.get("autosectionlabel_prefix_document", False))
        maxdepth = self.conf.get("autosectionlabel_maxdepth")
        found: dict[str, list[tuple[str, Label]]] = {}
        for docname in sorted(self.docs):
            doc = self.docs[docname]
            for number, section in enumerate(doc.sections):
                if isinstance(maxdepth, int) and maxdepth and section.level - 1 >= maxdepth:
                    continue
                name = resolve.section_label(docname, section.title, prefix_document=prefix)
                label = Label(name, section.path, section.line, number, True, section.title)
                found.setdefault(name, []).append((docname, label))
        return {name: tuple(places) for name, places in found.items()}

    @cached_property
    def all_labels(self) -> Mapping[str, tuple[tuple[str, Label], ...]]:
        """Explicit and section labels together: the std domain's anonlabels."""
        merged = dict(self.labels)
        for name, places in self.section_labels.items():
            merged[name] = merged.get(name, ()) + places
        return merged

    @cached_property
    def label_suggestions(self) -> resolve.Suggestions:
        """did_you_mean over every label, its answers shared by the rules that hint at
        one: three rules walk the same misses, and each hint searches every label."""
        return resolve.Suggestions(self.all_labels)

    @cached_property
    def toc_links(self) -> tuple[TocLink, ...]:
        """Every toctree entry of every document, resolved, in document order."""
        suffixes = self.conf.source_suffixes
        excludes = self.conf.strings("exclude_patterns")
        links: list[TocLink] = []
        for docname in sorted(self.docs):
            for toctree in self.docs[docname].toctrees:
                links.extend(self._resolve_toctree(docname, toctree, suffixes, excludes))
        return tuple(links)

    def _resolve_toctree(
        self,
        docname: str,
        toctree: TocTree,
        suffixes: tuple[str, ...],
        excludes: tuple[str, ...],
    ) -> list[TocLink]:
        """TocTree.parse_content: globs, titles, URLs, 'self', duplicates, exclusions."""
        used: set[str] = set()  # Sphinx removes each included document from the pool
        links = []
        for entry in toctree.entries:
            target = resolve.toc_target(
                docname, entry.title, entry.target, glob=toctree.glob, suffixes=suffixes
            )
            name = target.docname
            children: tuple[str, ...] = ()
            if target.kind == "glob":
                pool = (d for d in self.docs if d != docname and d not in used)
                children = tuple(resolve.glob_docs(name, pool))
                used.update(children)
                status = "ok" if children else "empty-glob"
            elif target.kind in ("url", "self"):
                status = target.kind
            elif name in resolve.VIRTUAL_DOCS and name not in self.docs:
                status = "virtual"
            elif name == docname:
                status = "own"
            elif name not in self.docs:
                path = name + (suffixes[0] if suffixes else "")  # Project.doc2path
                status = "excluded" if resolve.excluded(path, excludes) else "missing"
            else:
                status = "duplicate" if name in used else "ok"
                used.add(name)
                children = (name,)
            links.append(TocLink(docname, toctree, entry, status, name, children))
        return links

    @cached_property
    def toctree_includes(self) -> Mapping[str, tuple[str, ...]]:
        """Document -> the documents its toctrees include (Sphinx's env.toctree_includes)."""
        found: dict[str, list[str]] = {}
        for link in self.toc_links:
            if link.children:
                found.setdefault(link.parent, []).extend(link.children)
        return {parent: tuple(children) for parent, children in found.items()}

    @cached_property
    def toc_parents(self) -> Mapping[str, tuple[TocLink, ...]]:
        """Document -> every toctree entry that includes it (env.files_to_rebuild, located)."""
        found: dict[str, list[TocLink]] = {}
        for link in self.toc_links:
            for child in link.children:
                found.setdefault(child, []).append(link)
        return {child: tuple(links) for child, links in found.items()}

    @cached_property
    def reachable(self) -> frozenset[str]:
        """Documents reachable from the root document through toctrees (cycle-safe BFS)."""
        root = self.conf.root_doc
        if root not in self.docs:
            return frozenset()
        seen = {root}
        queue = deque([root])
        while queue:
            for child in self.toctree_includes.get(queue.popleft(), ()):
                if child not in seen:
                    seen.add(child)
                    queue.append(child)
        return frozenset(seen)

    @cached_property
    def included_docs(self) -> frozenset[str]:
        """Documents some document pulls in with ``include`` (BuildEnvironment.included)."""
        suffixes = self.conf.source_suffixes
        found: set[str] = set()
        for doc in self.docs.values():
            for include in doc.includes:
                target = include.target
                if include.directive != "include" or target.startswith("<"):
                    continue
                name = resolve.path2doc(resolve.relfn2path(target, doc.path), suffixes)
                if name is not None:
                    found.add(name)
        return frozenset(found)

    @cached_property
    def generated_files(self) -> frozenset[str]:
        """Files (or fnmatch globs) enabled extensions write into the source dir when building."""
        table = data.load("extensions").get("extension", {})
        conf = self.conf
        return resolve.generated_paths(conf.values, conf.unknown, conf.extensions, table)

    @cached_property
    def generators_disabled(self) -> Mapping[str, str]:
        """File -> a known extension that would write it, were conf.py to enable it."""
        table = data.load("extensions").get("extension", {})
        conf, found = self.conf, dict[str, str]()
        for ext in sorted(table):
            if ext in conf.extensions or not table[ext].get("generates"):
                continue
            for path in resolve.generated_paths(conf.values, conf.unknown, (ext,), table):
                found.setdefault(path, ext)
        return found

    def canonical(self, path: str) -> str:
        """A source-dir-relative path in its shortest form ('../../doc/x' -> '../x')."""
        if not path.startswith("../"):
            return path
        absolute = os.path.normpath(os.path.join(self.srcdir, path))
        return os.path.relpath(absolute, self.srcdir).replace(os.sep, "/")

    def exists(self, path: str) -> bool:
        """A path relative to the source dir ("../" allowed) names an existing file.

        A path outside the project counts as existing, unexamined: include-outside-project
        reports it, and no finding may tell whether a file out there exists.
        """
        if path in self.files or self.leaves(path):
            return True
        return os.path.isfile(os.path.join(self.srcdir, path))

    @cached_property
    def root(self) -> str:
        """The project's boundary: the repository holding the source dir (project_root)."""
        return project_root(self.srcdir)

    def leaves(self, path: str) -> bool:
        """A path relative to the source dir (or absolute) resolves outside the project."""
        return resolve_inside(self.root, os.path.join(self.srcdir, path)) is None

    @cached_property
    def outside_links(self) -> tuple[str, ...]:
        """Symbolic links in the tree that resolve outside the project: never followed."""
        return tuple(sorted(outside_links(self.srcdir, self.files)))
