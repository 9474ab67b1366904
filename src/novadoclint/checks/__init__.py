"""The rule registry: every rule module, the rules' metadata, and the rules loaded on demand.

No plugin discovery and no global dict: adding a rule module means adding it
to MODULE_NAMES (a test fails when a module under checks/ is missing here), and
adding a rule means running ``python tools/update_manifest.py``, which writes
each rule's :class:`~novadoclint.registry.RuleMeta` into :mod:`.manifest` (a
test fails while it is stale). A run selects, validates and finalises with the
manifest (:data:`META`) and imports a rule's module only to run it
(:func:`load`; :func:`preload` before phase 1's pool forks): a warm run, whose
documents all come from the cache, imports the selected tree rules alone, and
neither the parser nor the file rules' grammars.

``ALL_RULES``, ``RULES_BY_ID`` and ``MODULES`` import every rule module when
first read: for --explain, --list-rules, SARIF's rule table and the tests.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

from novadoclint.checks import manifest
from novadoclint.registry import Rule, RuleMeta

if TYPE_CHECKING:  # built by __getattr__ when first read
    ALL_RULES: tuple[Rule, ...]
    RULES_BY_ID: dict[str, Rule]
    MODULES: tuple[ModuleType, ...]

MODULE_NAMES = (
    "internal",
    "syntax",
    "conf",
    "unreadable",
    "style",
    "roles",
    "hyperlinks",
    "embedded",
    "inline",
    "directives",
    "codeblocks",
    "references",
    "assumed",
    "labels",
    "nitpick",
    "toctree",
    "indexlists",
    "placement",
    "files",
    "images",
    "redirects",
    "links",
    "links_targets",
    "links_network",
    "diagrams",
    "diagram_files",
    "extensions",
    "suppressions",
    "apiref",
    "apiref_definitions",
    "apiref_status",
)
META: tuple[RuleMeta, ...] = manifest.RULES  # every rule, sorted by id
META_BY_ID: dict[str, RuleMeta] = {m.id: m for m in META}


class StaleManifest(RuntimeError):
    """The manifest names a rule its module does not define: regenerate the manifest."""


def load(ids: Iterable[str]) -> tuple[Rule, ...]:
    """The rules of these ids, sorted by id, importing only the modules that define them."""
    return _load(tuple(sorted(set(ids))))


@cache  # the rules are shipped code: fixed for the life of the process
def _load(ids: tuple[str, ...]) -> tuple[Rule, ...]:
    found: list[Rule] = []
    for rule_id in ids:
        module = importlib.import_module(META_BY_ID[rule_id].module)
        rule = vars(module).get(_names(module).get(rule_id, ""))
        if not isinstance(rule, Rule):
            raise StaleManifest(
                f"{module.__name__} defines no rule {rule_id!r}: run `python tools/update_manifest.py`"
            )
        found.append(rule)
    return tuple(found)


def preload(ids: Iterable[str]) -> None:
    """Import the rules' modules and what their rules import on a first run (a module's
    ``preload()``): called before phase 1's pool forks, so each worker inherits them."""
    rules = load(ids)
    for name in sorted({rule.module for rule in rules}):
        hook = getattr(importlib.import_module(name), "preload", None)
        if callable(hook):
            hook()


@cache
def _names(module: ModuleType) -> dict[str, str]:
    """A rule module's rules: id -> the name it is bound to."""
    return {obj.id: name for name, obj in vars(module).items() if isinstance(obj, Rule)}


def _modules() -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(f"{__name__}.{name}") for name in MODULE_NAMES)


@cache
def _all_rules() -> tuple[Rule, ...]:
    """Every rule every module defines, whatever the manifest says (the test compares)."""
    found = (o for m in _modules() for o in vars(m).values() if isinstance(o, Rule))
    return tuple(sorted(found, key=lambda r: r.id))


def __getattr__(name: str) -> object:
    """ALL_RULES, RULES_BY_ID and MODULES: every rule module imported, on first use."""
    if name == "MODULES":
        return _modules()
    if name == "ALL_RULES":
        return _all_rules()
    if name == "RULES_BY_ID":
        return {r.id: r for r in _all_rules()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
