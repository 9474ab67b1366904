"""The server's state: one ``Tree`` per Sphinx source dir of the workspace.

A tree keeps every document's phase-1 result, so that an edit re-parses one
document and re-runs only the cross-document rules over the index (the engine's
``lint_project`` does both phases for the whole tree; the pieces it is made of
are public and reused here: :mod:`~novadoclint.phase1`'s ``run_phase1_cached``
and ``phase1_bytes``, ``FactsIndex``, :mod:`~novadoclint.phase2`'s ``tree_hits``,
and ``decide.finalise``).

The editor's unsaved text (the overlay) replaces a document's bytes on disk
while it is open. Network rules never run here.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from novadoclint import parse
from novadoclint.checks import ALL_RULES
from novadoclint.context import Context
from novadoclint.decide import finalise
from novadoclint.facts import Directive, DocFacts, Phase1Result, RuleHit
from novadoclint.findings import Finding
from novadoclint.index import FactsIndex
from novadoclint.lsp.actions import decoded
from novadoclint.phase1 import (
    file_rule_ids,
    phase1_bytes,
    phase1_file,
    project_context,
    run_phase1_cached,
)
from novadoclint.phase2 import tree_hits
from novadoclint.project.discover import Project, find_srcdir, load_project
from novadoclint.safety import untrusted
from novadoclint.settings import Settings, load

log = logging.getLogger(__name__)

#: Folders no Sphinx tree of the workspace lives in (as the CLI's discovery prunes).
PRUNED = frozenset({"node_modules", "__pycache__", "site-packages", "_build"})
#: Files whose change can change every finding: reload the tree.
CONFIG_NAMES = frozenset(
    {
        "conf.py",
        "pyproject.toml",
        ".novadoclint.toml",
        "tox.ini",
        "setup.cfg",
        ".doc8.ini",
        "doc8.ini",
    }
)


#: Where ``generated.of`` keeps the tree's BuildOutput on an index (what the build
#: writes: reading local extensions' Python and tox.ini takes most of phase 2 on
#: nova). It depends on conf.py, the settings, the file list and the documents'
#: autosummary directives only, so an edit elsewhere reuses the last one.
BUILD_OUTPUT = "_build_output"
#: How much earlier than a read a file's modification time must be for the text on disk
#: to be the one read: a file system's clock is coarse (a tick, up to 10 ms) and rounds down.
CLOCK_SLACK = 0.05


@dataclass(frozen=True)
class Read:
    """Where a document's last parse took its text: what its fixes' offsets count in."""

    text: str | None  # the editor's text; None: the file on disk ...
    at: float  # ... as it was at this time (time.time() before the read)


def _generator_facts(facts: Mapping[str, DocFacts]) -> tuple[tuple[str, Directive], ...]:
    """The facts BuildOutput reads from documents: their autosummary directives."""
    return tuple(
        (docname, directive)
        for docname, doc in facts.items()
        for directive in doc.directives
        if directive.name == "autosummary"
    )


def discover(folder: Path) -> list[tuple[Path, bool]]:
    """The Sphinx source dirs of a workspace folder: (source dir, has conf.py).

    The folder's own tree when a ``conf.py`` is at or above it (as the CLI finds
    it for a path); otherwise every folder below holding a ``conf.py`` that is no
    Python package's module. Hidden folders, ``_build`` and installs are not searched.
    """
    folder = folder.resolve()
    if not folder.is_dir():
        return []
    srcdir, has_conf = find_srcdir(folder)
    if has_conf:
        return [(srcdir, True)]
    found: list[tuple[Path, bool]] = []
    for top, subfolders, names in os.walk(folder):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d not in PRUNED)
        if "conf.py" in names and "__init__.py" not in names:
            found.append((Path(top), True))
            subfolders[:] = []  # a tree's folders are its own
    return sorted(found)


def is_config(srcdir: Path, path: Path) -> bool:
    """Whether a change to ``path`` can change the whole tree's findings."""
    if path.name not in CONFIG_NAMES:
        return False
    folder = path.resolve().parent
    return folder == srcdir or folder in srcdir.parents


@dataclass
class Tree:
    """One source dir: its project, settings, documents' results and findings."""

    srcdir: Path
    has_conf: bool
    overlay: dict[str, str] = field(default_factory=dict)  # rel path -> unsaved text
    project: Project | None = None
    settings: Settings | None = None
    ctx: Context | None = None
    results: dict[str, Phase1Result] = field(default_factory=dict)  # rel path -> result
    index: FactsIndex | None = None
    findings: dict[str, tuple[Finding, ...]] = field(default_factory=dict)  # rel path -> found
    error: str | None = None  # why the tree could not be linted (a config error)
    generation: int = 0  # bumped when the project or its settings are read again
    built: tuple[object, object] | None = None  # (key, generated.BuildOutput) of the last run
    reads: dict[str, Read] = field(default_factory=dict)  # rel path -> its last parse's text
    linted: dict[str, Read] = field(default_factory=dict)  # ... when the findings were made

    # -- loading ---------------------------------------------------------------

    def load(self) -> None:
        """Read conf.py, the config and the file list, lint every document."""
        self.results = {}
        self.reads = {}
        self.generation += 1
        started = time.time()
        try:
            self.settings = load(self.srcdir, rules=ALL_RULES, overrides={"check_links": False})
            self.project = load_project(self.srcdir, self.has_conf)
        except Exception as exc:  # ConfigError, ProjectError, an unreadable conf.py
            log.warning("cannot lint %s: %s", self.srcdir, exc)
            self.error = str(exc)
            self.project = self.settings = self.ctx = self.index = None
            self.findings, self.linted = {}, {}
            return
        self.error = None
        self.ctx = project_context(self.project, self.settings)
        items = sorted(self.project.docs.items())
        jobs = self.settings.jobs or os.cpu_count() or 1
        for result in run_phase1_cached(self.ctx, items, jobs):
            self.results[result.facts.path] = result
            self.reads[result.facts.path] = Read(None, started)
        for path in list(self.overlay):
            self._parse(path)
        self._phase2()

    def relist(self) -> None:
        """Walk the folder again (a file was created or deleted); keep unchanged results."""
        if self.project is None or self.ctx is None:
            self.load()
            return
        self.project = load_project(self.srcdir, self.has_conf)
        self.generation += 1
        paths = set(self.project.docs.values())
        for path in list(self.results):
            if path not in paths:
                del self.results[path]
                self.reads.pop(path, None)
        new = [p for p in sorted(paths) if p not in self.results]
        self._parse_all(new)
        self._phase2()

    # -- edits -----------------------------------------------------------------

    def relative(self, path: Path) -> str | None:
        """The posix path of ``path`` relative to the source dir; None if outside it,
        unless a document includes it (``../README.rst``: '../' kept)."""
        resolved = path.resolve()
        try:
            return resolved.relative_to(self.srcdir).as_posix()
        except ValueError:
            pass
        rel = os.path.relpath(resolved, self.srcdir).replace(os.sep, "/")
        if any(rel in r.facts.dependencies for r in self.results.values()):
            return rel
        return None

    def update(self, paths: Iterable[str]) -> None:
        """Re-parse the given documents (and those including them), then phase 2."""
        if self.project is None:
            return
        self._parse_all(self._affected(paths))
        self._phase2()

    def _affected(self, paths: Iterable[str]) -> list[str]:
        wanted = set(paths)
        docs = set(self.project.docs.values()) if self.project else set()
        out = {p for p in wanted if p in docs}
        for path, result in self.results.items():
            if wanted & set(result.facts.dependencies):
                out.add(path)
        return sorted(out)

    def _parse_all(self, paths: Iterable[str]) -> None:
        for path in paths:
            self._parse(path)

    def _parse(self, path: str) -> None:
        """Phase 1 for one document: the editor's text when open, else the file."""
        if self.project is None or self.ctx is None:
            return
        docname = self.project.docname_of.get(path)
        if docname is None:
            return
        text = self.overlay.get(path)
        self.reads.pop(path, None)  # until the parse is done: a crash leaves no text known
        started = time.time()
        with parse.namespace(self.ctx.vocabulary):  # the tree's roles and directives
            if text is None:
                self.results[path] = phase1_file(self.ctx, file_rule_ids(), (docname, path))
            else:
                raw = text.encode("utf-8", "surrogateescape")
                self.results[path] = phase1_bytes(self.ctx, file_rule_ids(), docname, path, raw)
        self.reads[path] = Read(text, started)

    def _phase2(self) -> None:
        """The cross-document rules over the index, then what is reported (decide)."""
        self.index, self.findings = self._lint(self.results, keep=True)
        self.linted = dict(self.reads)

    def _lint(
        self, results: Mapping[str, Phase1Result], *, keep: bool = False
    ) -> tuple[FactsIndex, dict[str, tuple[Finding, ...]]]:
        """The index of ``results`` and the findings reported for each file (``keep``: what
        the build writes is remembered for the next run)."""
        assert self.project is not None and self.ctx is not None and self.settings is not None
        facts = {r.facts.docname: r.facts for r in results.values()}
        index = FactsIndex(str(self.srcdir), self.project.conf, facts, self.project.files)
        key = (self.generation, _generator_facts(facts))
        if self.built is not None and self.built[0] == key:
            vars(index)[BUILD_OUTPUT] = self.built[1]
        hits: list[RuleHit] = [h for r in results.values() for h in r.hits]
        hits.extend(tree_hits(index, self.ctx))
        output = vars(index).get(BUILD_OUTPUT)
        if keep:
            self.built = (key, output) if output is not None else None
        grouped: dict[str, list[Finding]] = {}
        for finding in finalise(hits, index, self.settings, ALL_RULES):
            path = os.path.normpath(finding.path).replace(os.sep, "/")
            grouped.setdefault(path, []).append(replace(finding, path=path))
        return index, {path: tuple(found) for path, found in grouped.items()}

    def lint_text(self, path: str, text: str) -> tuple[Finding, ...]:
        """The findings of document ``path`` were its text ``text``: phase 1 for it, phase 2
        over the tree, nothing kept (a code action's next pass of fixes, in memory)."""
        if self.project is None or self.ctx is None:
            return ()
        docname = self.project.docname_of.get(path)
        if docname is None:
            return ()
        raw = text.encode("utf-8", "surrogateescape")
        with parse.namespace(self.ctx.vocabulary):
            result = phase1_bytes(self.ctx, file_rule_ids(), docname, path, raw)
        _, findings = self._lint({**self.results, path: result})
        return findings.get(path, ())

    def linted_text(self, path: str) -> str | None:
        """The text ``path``'s findings were computed on, decoded as phase 1 decodes it
        (their fixes' offsets count in it); None when it is not known for sure.

        A document's: the editor's text it was parsed from, or the file on disk
        when it has not been modified since it was read (a change the client has
        not told of yet would otherwise give edits for text that is gone). An
        included file's findings come from the documents including it, each
        reading it from disk: the file, when none read it before its last change.
        """
        read = self.linted.get(path)
        if read is not None and read.text is not None:
            return decoded(read.text)
        if read is not None:
            return self._unchanged_since(path, read.at)
        includers = [
            self.linted.get(doc)
            for doc, result in self.results.items()
            if path in result.facts.dependencies
        ]
        if not includers or None in includers:
            return None
        return self._unchanged_since(path, min(r.at for r in includers if r is not None))

    def _unchanged_since(self, path: str, at: float) -> str | None:
        """The file's text if it was last modified before ``at``; else None."""
        try:
            if os.stat(self.srcdir / path).st_mtime >= at - CLOCK_SLACK:
                return None
            raw = untrusted.read_bytes(self.srcdir / path, untrusted.MAX_DOCUMENT_BYTES)
            return raw.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):  # gone, or not UTF-8: --fix leaves it alone too
            return None

    # -- reading ---------------------------------------------------------------

    def text(self, path: str) -> str | None:
        """A file's text as the editor sees it (overlay first); None if unreadable."""
        if path in self.overlay:
            return self.overlay[path]
        try:
            return (self.srcdir / path).read_text("utf-8", "replace")
        except OSError:
            return None

    def all_findings(self) -> Mapping[str, tuple[Finding, ...]]:
        return self.findings
