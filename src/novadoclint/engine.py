"""The pipeline, as a table of contents: each step is one call into the module that owns it.

discover (:mod:`~novadoclint.scope`) -> phase 1, each document on its own
(:mod:`~novadoclint.phase1`) -> index (:mod:`~novadoclint.index`) -> tree rules
and, with --check-links, network rules (:mod:`~novadoclint.phase2`) -> decide
what is reported (:mod:`~novadoclint.decide`, :mod:`~novadoclint.changes` for
--changed-since) -> a :class:`~novadoclint.findings.Run` for the reporters.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from novadoclint import changes, scope
from novadoclint.checks import META
from novadoclint.decide import finalise, past_unreadable, unreadable_hits
from novadoclint.edits import relocated
from novadoclint.facts import DocFacts, RuleHit
from novadoclint.findings import Finding, Run
from novadoclint.index import FactsIndex
from novadoclint.phase1 import project_context, run_phase1_cached
from novadoclint.phase2 import links_ahead, network_hits, requirement_findings, tree_hits
from novadoclint.project.discover import Project, load_project
from novadoclint.settings import Settings, load


def lint(
    paths: Sequence[Path],
    *,
    config: Path | None = None,
    overrides: dict[str, Any] | None = None,
    on_project: Callable[[Project, Settings], None] | None = None,
    since: str | None = None,
    changed_lines: bool = False,
    on_left_alone: Callable[[Sequence[Path]], None] | None = None,
) -> Run:
    """Lint the Sphinx projects the paths belong to; paths in findings are cwd-relative.

    A file outside every source dir is reported through the trees whose
    documents include it, and left alone when none does (see :mod:`scope`).
    With ``since`` (a git revision), report only findings in files changed since
    then, and findings elsewhere that the change caused: those a lint of the tree
    as it was at ``since`` does not have. With ``changed_lines`` too, findings in
    the changed files only on the lines the change touched (and those it caused).
    """
    changed = changes.changed_since(since) if since else None
    touched = None
    if since and changed_lines and changed is not None:
        touched = changes.changed_lines(since)
    scopes, left_alone = scope.plan(paths, changed)
    if on_left_alone is not None and left_alone:
        on_left_alone(left_alone)
    all_findings: list[Finding] = []
    checked: list[str] = []
    for srcdir, tree in sorted(scopes.items()):
        settings = load(srcdir, rules=META, config=config, overrides=overrides)
        base = os.path.relpath(srcdir)
        docs: list[str] = []
        if tree.only_packaging:
            found = requirement_findings(srcdir, settings)
        else:
            found, docs = _lint_tree(srcdir, tree, settings, on_project, since, changed, touched)
        all_findings.extend(
            replace(f, path=_cwd_relative(base, f.path), fix=relocated(f.fix, base)) for f in found
        )
        checked.extend(_cwd_relative(base, p) for p in docs)
    shown = os.path.relpath(next(iter(sorted(scopes)))) if scopes else "."
    return Run(shown, len(checked), tuple(sorted(set(all_findings))), tuple(checked))


def _lint_tree(
    srcdir: Path,
    tree: scope.TreeScope,
    settings: Settings,
    on_project: Callable[[Project, Settings], None] | None,
    since: str | None,
    changed: Sequence[Path] | None,
    touched: Mapping[Path, frozenset[int] | None] | None,
) -> tuple[list[Finding], list[str]]:
    """One tree's findings in its scope, and the documents it reports on."""
    project = load_project(srcdir, tree.has_conf)
    if on_project is not None:
        on_project(project, settings)
    files = None if tree.files is None else tree.files | tree.included
    before = None
    if since and changed is not None and files is not None:
        before = changes.old_documents(since, changed, srcdir, files, project.conf)
    lines = None if touched is None else changes.tree_lines(touched, srcdir, files)
    facts: list[DocFacts] = []
    found, _ = lint_project(
        project,
        settings,
        only_paths=frozenset(files) if files is not None else None,
        before=before,
        lines=lines,
        facts_out=facts,
    )
    read = scope.confirmed(tree, facts)
    if tree.included:
        if not read and tree.files is not None and not tree.files and not tree.packaging:
            return [], []  # its files only name the file: no document includes it
        found = [f for f in found if not scope.within(f.path, tree.included - read)]
    if tree.packaging and tree.files is not None:
        found = sorted({*found, *requirement_findings(srcdir, settings)})
    docs = [p for p in sorted(project.docs.values()) if files is None or scope.within(p, files)]
    return found, [*docs, *sorted(read)]


def lint_project(
    project: Project,
    settings: Settings,
    *,
    only_paths: frozenset[str] | None = None,
    before: dict[str, bytes | None] | None = None,
    lines: Mapping[str, frozenset[int] | None] | None = None,
    facts_out: list[DocFacts] | None = None,
) -> tuple[list[Finding], int]:
    """Lint one Sphinx source dir; findings carry paths relative to the source dir.

    With ``lines`` (--changed-lines: the lines of each changed file the change
    touched, None for all of a file), findings in the scope are reported only on
    those lines; with ``before``, those the change caused are reported wherever
    they are. ``facts_out`` receives the documents' facts.
    """
    ctx = project_context(project, settings)
    items = sorted(project.docs.items())
    in_reach = None if only_paths is None else (lambda path: scope.within(path, only_paths))
    with links_ahead(ctx, in_reach) as links:  # --check-links: fetching while phase 1 parses
        results = run_phase1_cached(ctx, items, settings.jobs or os.cpu_count() or 1, links)
        docs = {r.facts.docname: r.facts for r in results}
        index = FactsIndex(str(project.srcdir), project.conf, docs, project.files, settings.cache)
        if facts_out is not None:
            facts_out.extend(r.facts for r in results)
        hits: list[RuleHit] = [h for r in results for h in r.hits]
        hits.extend(unreadable_hits(project))
        hits.extend(tree_hits(index, ctx))
        hits.extend(network_hits(index, ctx, links))
    findings = past_unreadable(finalise(hits, index, settings, META), project)
    return changes.reported(findings, ctx, results, index, only_paths, before, lines), len(items)


def _cwd_relative(base: str, path: str) -> str:
    return os.path.normpath(os.path.join(base, path)).replace(os.sep, "/")
