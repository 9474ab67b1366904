"""Completeness of the rule registry: ids, modules, fixtures, docs, README table."""

from __future__ import annotations

import pkgutil
import re
from dataclasses import replace
from pathlib import Path

import pytest

import novadoclint.checks as checks_pkg
from novadoclint import explain
from novadoclint.checks import (
    ALL_RULES,
    META,
    META_BY_ID,
    MODULE_NAMES,
    MODULES,
    StaleManifest,
    load,
)
from novadoclint.registry import RULE_ID_RE, manifest_source

from harness import FIXTURES

ROOT = Path(__file__).resolve().parents[1]
ENGINE_RULES = {"internal-error", "file-unreadable"}  # emitted by the engine itself


def test_ids_unique_and_well_formed() -> None:
    ids = [r.id for r in ALL_RULES]
    assert len(ids) == len(set(ids))
    assert all(RULE_ID_RE.match(i) for i in ids)


def test_every_checks_module_is_registered() -> None:
    names = {m.name for m in pkgutil.iter_modules(checks_pkg.__path__)} - {"manifest"}
    assert names == {m.__name__.rsplit(".", 1)[1] for m in MODULES} == set(MODULE_NAMES)


def test_manifest_is_generated_from_the_rules() -> None:
    """The metadata a run selects and reports with is the rules' own (ids, severities,
    phases, defaults, tags, fixes, modules): a rule added or changed without
    regenerating it would silently never run, or run under stale settings."""
    written = (ROOT / "src" / "novadoclint" / "checks" / "manifest.py").read_text("utf-8")
    assert written == manifest_source(ALL_RULES, "python tools/update_manifest.py"), (
        "src/novadoclint/checks/manifest.py is stale: run `python tools/update_manifest.py`"
    )
    assert tuple(r.meta() for r in ALL_RULES) == META


def test_load_imports_a_rule_from_the_module_the_manifest_names() -> None:
    by_id = {r.id: r for r in ALL_RULES}
    wanted = ["toctree-entry-missing", "D001", "link-broken"]
    assert load(wanted) == tuple(by_id[i] for i in sorted(wanted))
    assert load([]) == ()


def test_a_stale_manifest_fails_the_run_naming_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule the manifest names but its module lacks (renamed, moved) is an error, never
    a rule silently not run."""
    ghost = replace(META_BY_ID["conf-syntax"], id="ghost-rule")
    monkeypatch.setitem(checks_pkg.META_BY_ID, "ghost-rule", ghost)
    with pytest.raises(StaleManifest, match=r"tools/update_manifest\.py"):
        load(["ghost-rule"])


def test_every_rule_has_firing_and_near_miss_fixtures() -> None:
    for rule in ALL_RULES:
        if rule.id in ENGINE_RULES:
            continue
        cases = [p.parent for p in (FIXTURES / rule.id).glob("*/expected.txt")]
        firing = [c for c in cases if (c / "expected.txt").read_text(encoding="utf-8").strip()]
        quiet = [c for c in cases if not (c / "expected.txt").read_text(encoding="utf-8").strip()]
        assert firing, f"{rule.id}: no fixture case where it fires"
        assert quiet, f"{rule.id}: no near-miss fixture case (empty expected.txt)"


def test_fixture_folders_name_rules() -> None:
    ids = {r.id for r in ALL_RULES}
    for folder in FIXTURES.iterdir():
        if folder.is_dir() and folder.name != "sample":
            assert folder.name in ids, f"fixtures/{folder.name} names no rule"


def test_every_rule_is_documented() -> None:
    for rule in ALL_RULES:
        doc = rule.doc
        assert doc.summary and doc.why and doc.example and doc.use_instead
        assert "```rst" in doc.example and "```rst" in doc.use_instead, rule.id


def test_readme_rules_table_is_generated_from_the_registry() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(
        r"<!-- rules-table:start -->\n(.*?)<!-- rules-table:end -->", readme, re.DOTALL
    )
    assert match, "README.md lacks the rules-table markers"
    assert match.group(1) == explain.rules_table(ALL_RULES), (
        "README rules table is stale: run `python tools/update_readme.py`"
    )
