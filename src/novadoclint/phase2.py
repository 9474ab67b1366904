"""Phase 2: the cross-document rules, once per tree, over the index of every document's facts.

The tree rules run on every lint (the command line, ``--changed-since``'s lint of
the tree as it was, the language server after each edit), so they run here and
nowhere else; the network rules only with ``--check-links``, after every URL of
the tree was fetched once (:mod:`novadoclint.links.plan`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from novadoclint.checks import ALL_RULES
from novadoclint.containment import run_guarded
from novadoclint.context import Context
from novadoclint.decide import finalise, is_selected
from novadoclint.facts import RuleHit
from novadoclint.findings import Finding
from novadoclint.index import FactsIndex
from novadoclint.project.discover import build_conf
from novadoclint.project.policy import load_policy
from novadoclint.project.sphinxconf import SphinxConf, read_conf
from novadoclint.project.vocabulary import Vocabulary
from novadoclint.registry import Phase, rule_names
from novadoclint.settings import Settings

WHERE = "conf.py"  # what a crashing tree rule's internal-error names: no one document


def tree_hits(index: FactsIndex, ctx: Context) -> list[RuleHit]:
    """What the selected tree rules find, each rule guarded."""
    hits: list[RuleHit] = []
    for rule in ALL_RULES:
        if rule.phase is Phase.TREE and is_selected(rule, ctx.settings):
            hits.extend(run_guarded(rule, WHERE, index, ctx))
    return hits


def network_hits(
    index: FactsIndex, ctx: Context, scope: Callable[[str], bool] | None
) -> list[RuleHit]:
    """--check-links: fetch every URL once (cached), then run the selected network rules.

    ``scope`` says which files' URLs are fetched (--changed-since); None for all.
    """
    rules = [r for r in ALL_RULES if r.phase is Phase.NETWORK and is_selected(r, ctx.settings)]
    if not rules:
        return []
    from novadoclint.links import plan  # the HTTP client and ssl: only with --check-links

    results = plan.check(index, ctx.settings, scope=scope)
    hits: list[RuleHit] = []
    for rule in rules:
        hits.extend(run_guarded(rule, WHERE, index, results, ctx))
    return hits


def requirement_findings(srcdir: Path, settings: Settings) -> list[Finding]:
    """extension-requirement-missing alone: what a change of a requirement file can change.

    Reads conf.py and the packaging files, no document: a commit touching only
    requirements.txt is checked at once.
    """
    rule = next((r for r in ALL_RULES if r.id == "extension-requirement-missing"), None)
    if rule is None or not is_selected(rule, settings):
        return []
    conf_path = srcdir / "conf.py"
    conf = build_conf(read_conf(conf_path) if conf_path.is_file() else SphinxConf(None))
    policy = load_policy(settings.profile)
    names = rule_names(ALL_RULES)
    ctx = Context(str(srcdir), settings, conf, Vocabulary((), ()), policy, rule_names=names)
    index = FactsIndex(str(srcdir), conf, {}, frozenset())
    hits = run_guarded(rule, WHERE, index, ctx)
    return finalise(hits, index, settings, ALL_RULES)
