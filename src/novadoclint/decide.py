"""What is reported and what fails the run: the one place that decides.

Every output path goes through here: the engine stamps and filters findings
with :func:`finalise` (selection, suppression comments, per-path ignores,
``exclude``, severity overrides) and, for a folder it cannot read, reports the
folder (:func:`unreadable_hits`) instead of the documents it seems to lack
(:func:`past_unreadable`); the command line applies a baseline with
:func:`apply_baseline`, and the exit code (:func:`exit_code`) and every
format that shows pass or fail (JUnit) ask :func:`fails`, which reads the
fail level the run carries (``fail-on`` from the config file or ``--fail-on``).
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from novadoclint import baseline
from novadoclint.facts import DocFacts, RuleHit, Suppression
from novadoclint.findings import Finding, Hit, Location, Run, Severity
from novadoclint.index import FactsIndex
from novadoclint.project.discover import Project, excluded
from novadoclint.registry import Described, Named, matches
from novadoclint.scope import within
from novadoclint.settings import ConfigError, Settings

EXIT_OK, EXIT_FINDINGS, EXIT_INTERNAL = 0, 1, 3
ALWAYS = frozenset({"internal-error", "file-unreadable"})  # reported whatever is selected
PATTERN_CHARS = "*?["
MISSING_DOCUMENT_RULES = frozenset({"toctree-entry-missing", "doc-ref-missing"})
QUOTED_RE = re.compile(r"'([^']*)'")


def is_selected(rule: Described, settings: Settings) -> bool:
    """Whether a rule runs and is reported: select, extend-select, ignore, defaults.

    An ignore pattern beats a select pattern; a rule named by its exact id in
    select or extend-select beats an ignore pattern.
    """
    if rule.id in ALWAYS:
        return True
    if any(matches(rule, p) for p in settings.ignore):
        return any(p == rule.id for p in (*settings.select, *settings.extend_select))
    if settings.select:
        return any(matches(rule, p) for p in (*settings.select, *settings.extend_select))
    return rule.enabled or any(matches(rule, p) for p in settings.extend_select)


def finalise(
    hits: Iterable[RuleHit], index: FactsIndex, settings: Settings, rules: Iterable[Described]
) -> list[Finding]:
    """Hits -> findings: stamp id and severity; drop what is not selected, suppressed by a
    comment, ignored for its path or in an excluded file; sort and dedupe.

    ``rules`` is every rule's metadata (the manifest, :data:`novadoclint.checks.META`):
    no rule's module is needed to report its findings."""
    by_id = {r.id: r for r in rules}
    overrides = dict(settings.severity)
    found = suppressions(index.docs.values())
    selected = {rid: is_selected(r, settings) for rid, r in by_id.items()}
    srcdir = index.srcdir
    findings = set()
    for rule_id, hit in hits:
        if not selected.get(rule_id, True):
            continue
        at = hit.at
        rule = by_id.get(rule_id)
        if suppressed(found, at, rule_id, rule) or path_ignored(settings, srcdir, at.path, rule):
            continue
        severity = overrides.get(rule_id, rule.severity if rule is not None else Severity.ERROR)
        findings.add(
            Finding(at.path, at.line, at.column, rule_id, hit.message, severity, hit.cause, hit.fix)
        )
    return sorted(findings)


def unreadable_hits(project: Project) -> list[RuleHit]:
    """A folder of the tree that cannot be listed: its files are unknown, so say so."""
    return [
        (
            "file-unreadable",
            Hit(
                Location(folder, 1),
                f"cannot read folder {folder}: {reason}; the documents in it are not checked",
            ),
        )
        for folder, reason in project.unreadable
        if not excluded(project.conf, folder)
    ]


def past_unreadable(findings: list[Finding], project: Project) -> list[Finding]:
    """Without the findings that only say a document in an unreadable folder is missing."""
    folders = [folder for folder, _ in project.unreadable]
    if not folders:
        return findings

    def hidden(finding: Finding) -> bool:
        if finding.rule not in MISSING_DOCUMENT_RULES:
            return False
        quoted = QUOTED_RE.findall(finding.message)
        base = os.path.dirname(finding.path)
        names = {
            os.path.normpath(os.path.join(base, q.lstrip("/")) if not q.startswith("/") else q[1:])
            for q in quoted[:1]
        } | {q.lstrip("/") for q in quoted[:1]}
        return any(within(name.replace(os.sep, "/"), folders) for name in names)

    return [f for f in findings if not hidden(f)]


def suppressions(docs: Iterable[DocFacts]) -> dict[str, list[Suppression]]:
    """The ``.. novadoclint: disable=`` comments of the documents, by the file they are in."""
    found: dict[str, list[Suppression]] = {}
    for doc in docs:
        for s in doc.suppressions:
            found.setdefault(s.path, []).append(s)
    return found


def suppressed(
    found: dict[str, list[Suppression]], at: Location, rule_id: str, rule: Named | None = None
) -> bool:
    """A comment covering the line names the rule: its id, ``all``, a pattern or a tag."""
    return any(
        s.first_line <= at.line <= s.last_line and _named(s.rules, rule_id, rule)
        for s in found.get(at.path, ())
    )


def _named(names: Iterable[str], rule_id: str, rule: Named | None) -> bool:
    if rule is None:
        return any(n in (rule_id, "all") for n in names)
    return any(matches(rule, n) for n in names)


def config_relative(settings: Settings, srcdir: str, path: str) -> str:
    """A source-dir-relative path as config patterns see it: relative to the config file's
    folder (as ruff's per-file-ignores), or to the source dir without a config file."""
    if settings.config_path is None:
        return path
    base = os.path.dirname(os.path.abspath(settings.config_path))
    return os.path.relpath(os.path.join(srcdir, path), base).replace(os.sep, "/")


def pattern_matches(pattern: str, path: str) -> bool:
    """A glob of a config file against a config-relative path; a folder covers its files."""
    cleaned = posixpath.normpath(pattern)
    return fnmatch.fnmatchcase(path, cleaned) or fnmatch.fnmatchcase(
        path, cleaned.rstrip("/") + "/*"
    )


def path_ignored(settings: Settings, srcdir: str, path: str, rule: Named | str | None) -> bool:
    """per-path-ignores, ``exclude`` and doc8's ignore-path-errors."""
    rule_id = rule if isinstance(rule, str) else rule.id if rule is not None else ""
    if settings.exclude or settings.per_path_ignores:
        rel = config_relative(settings, srcdir, path)
        if any(pattern_matches(p, rel) for p in settings.exclude):
            return True
        for glob, rules in settings.per_path_ignores:
            if pattern_matches(glob, rel) and _ignores(rules, rule_id, rule):
                return True
    for glob, codes in settings.doc8.ignore_path_errors:
        if (path == glob or path.endswith("/" + glob.lstrip("./"))) and rule_id in codes:
            return True
    return False


def _ignores(names: Iterable[str], rule_id: str, rule: Named | str | None) -> bool:
    if rule is not None and not isinstance(rule, str):
        return any(matches(rule, n) for n in names)
    return any(fnmatch.fnmatchcase(rule_id, n) or n == "all" for n in names)


def unmatched_patterns(
    settings: Settings, srcdir: str, files: Iterable[str]
) -> list[tuple[str, str]]:
    """The (key, pattern) of per-path-ignores and exclude that match no file of the tree.

    A pattern whose folder exists outside the source dir is for another tree of
    the repository (``api-guide/source/*`` while linting ``doc/source``): not
    reported. One whose folder does not exist, or lies in this tree, is.
    """
    patterns = [("exclude", p) for p in settings.exclude]
    patterns += [("per-path-ignores", glob) for glob, _ in settings.per_path_ignores]
    if not patterns:
        return []
    rels = [config_relative(settings, srcdir, f) for f in files]
    unmatched = []
    for key, pattern in patterns:
        if any(pattern_matches(pattern, rel) for rel in rels):
            continue
        if not _in_another_tree(settings, srcdir, pattern):
            unmatched.append((key, pattern))
    return unmatched


def _in_another_tree(settings: Settings, srcdir: str, pattern: str) -> bool:
    if settings.config_path is None:
        return False
    literal = pattern
    for char in PATTERN_CHARS:
        literal = literal.split(char, 1)[0]
    base = os.path.dirname(os.path.abspath(settings.config_path))
    if literal == pattern:  # no glob: a folder, or a file whose folder says which tree
        target = os.path.normpath(os.path.join(base, pattern))
        if not os.path.isdir(target):
            target = os.path.dirname(target)
    else:
        target = os.path.normpath(os.path.join(base, literal.rpartition("/")[0]))
    if not os.path.isdir(target):
        return False
    source = os.path.abspath(srcdir)
    overlaps = os.path.commonpath([target, source]) in (target, source)
    return not overlaps


def apply_baseline(run: Run, path: Path) -> Run:
    """The run without the findings the baseline records (entries count); ConfigError if
    the file cannot be read."""
    known = baseline.read(path)
    base = path.resolve().parent
    kept = []
    for finding in run.findings:
        key = baseline.key(finding, base)
        if known[key] > 0:
            known[key] -= 1
        else:
            kept.append(finding)
    return replace(run, findings=tuple(kept))


def fail_level(levels: Sequence[tuple[str | None, Severity]]) -> Severity:
    """The run's fail level from each source dir's settings (config path, fail-on).

    Source dirs of one run that disagree are a configuration error: which level
    a finding fails at must not depend on the order the trees were linted in.
    """
    distinct = sorted({level for _, level in levels})
    if len(distinct) > 1:
        shown = ", ".join(
            sorted({f"{path or 'the defaults'} says {level}" for path, level in levels})
        )
        raise ConfigError(
            None,
            None,
            f"'fail-on' differs between the source dirs of this run ({shown}): "
            "use --fail-on or lint them one at a time",
        )
    return distinct[0] if distinct else Severity.WARNING


def fails(finding: Finding, run: Run) -> bool:
    """Whether a finding fails the run: at or above its fail level."""
    return finding.severity >= run.fail_on


def exit_code(run: Run) -> int:
    """0, 1 (a finding at or above the fail level) or 3 (a rule or the parser crashed)."""
    if any(f.rule == "internal-error" for f in run.findings):
        return EXIT_INTERNAL
    return EXIT_FINDINGS if any(fails(f, run) for f in run.findings) else EXIT_OK
