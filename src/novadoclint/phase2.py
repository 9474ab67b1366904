"""Phase 2: the cross-document rules, once per tree, over the index of every document's facts.

The tree rules run on every lint (the command line, ``--changed-since``'s lint of
the tree as it was, the language server after each edit), so they run here and
nowhere else; the network rules only with ``--check-links``, after every URL of
the tree was fetched once (:mod:`novadoclint.links.plan`): a fetching begun while
phase 1 parses (:func:`links_ahead`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from novadoclint import checks
from novadoclint.containment import run_guarded
from novadoclint.context import Context
from novadoclint.decide import finalise, is_selected
from novadoclint.facts import RuleHit
from novadoclint.findings import Finding
from novadoclint.index import FactsIndex
from novadoclint.project.discover import build_conf
from novadoclint.project.sphinxconf import SphinxConf, read_conf
from novadoclint.project.vocabulary import Vocabulary
from novadoclint.registry import Phase, Rule, rule_names
from novadoclint.settings import Settings

if TYPE_CHECKING:
    from novadoclint.links.plan import LinkCheck

WHERE = "conf.py"  # what a crashing tree rule's internal-error names: no one document


def tree_hits(index: FactsIndex, ctx: Context) -> list[RuleHit]:
    """What the selected tree rules find, each rule guarded."""
    hits: list[RuleHit] = []
    for rule in tree_rules(ctx.settings):
        hits.extend(run_guarded(rule, WHERE, index, ctx))
    return hits


def tree_rules(settings: Settings) -> tuple[Rule, ...]:
    """The selected tree rules: only their modules are imported (not the parser's users)."""
    return checks.load(_selected(Phase.TREE, settings))


def _selected(phase: Phase, settings: Settings) -> list[str]:
    return [m.id for m in checks.META if m.phase is phase and is_selected(m, settings)]


@contextmanager
def links_ahead(ctx: Context, scope: Callable[[str], bool] | None) -> Iterator[LinkCheck | None]:
    """--check-links with a network rule selected: the link check, to hand to phase 1.

    Phase 1 calls it with documents' facts as they are parsed, so their URLs are fetched
    while the other documents are parsed (:class:`~novadoclint.links.plan.LinkCheck`);
    :func:`network_hits` finishes it. ``scope`` says which files' URLs are fetched
    (--changed-since); None for all. If the run fails first, the fetching stops.
    """
    if not ctx.settings.check_links or not _selected(Phase.NETWORK, ctx.settings):
        yield None
        return
    from novadoclint.links.plan import LinkCheck  # ssl and the HTTP client wait until used

    check = LinkCheck(ctx.sphinx, ctx.settings, scope=scope)
    try:
        yield check
    finally:
        check.stop()


def network_hits(index: FactsIndex, ctx: Context, check: LinkCheck | None) -> list[RuleHit]:
    """Every URL in scope fetched once (cached), then the selected network rules on them."""
    if check is None:
        return []
    results = check.results(index)
    hits: list[RuleHit] = []
    for rule in checks.load(_selected(Phase.NETWORK, ctx.settings)):
        hits.extend(run_guarded(rule, WHERE, index, results, ctx))
    return hits


def requirement_findings(srcdir: Path, settings: Settings) -> list[Finding]:
    """extension-requirement-missing alone: what a change of a requirement file can change.

    Reads conf.py and the packaging files, no document: a commit touching only
    requirements.txt is checked at once.
    """
    meta = checks.META_BY_ID.get("extension-requirement-missing")
    if meta is None or not is_selected(meta, settings):
        return []
    (rule,) = checks.load([meta.id])
    conf_path = srcdir / "conf.py"
    conf = build_conf(read_conf(conf_path) if conf_path.is_file() else SphinxConf(None))
    policy = None
    if settings.profile:  # the policy module (4 records) only where a profile is asked for
        from novadoclint.project.policy import load_policy

        policy = load_policy(settings.profile)
    names = rule_names(checks.META)
    ctx = Context(str(srcdir), settings, conf, Vocabulary((), ()), policy, rule_names=names)
    index = FactsIndex(str(srcdir), conf, {}, frozenset())
    hits = run_guarded(rule, WHERE, index, ctx)
    return finalise(hits, index, settings, checks.META)
