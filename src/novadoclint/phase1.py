"""Phase 1: each document on its own, read, parsed, collected into facts, file rules run.

One document at a time, so the work spreads over processes (:mod:`novadoclint.workers`)
and a document whose bytes did not change comes from the facts cache
(:mod:`novadoclint.factscache`) instead. Whatever goes wrong with one file (it
cannot be read, it takes too long, the parser crashes) becomes a finding about
that file, and the run goes on (:mod:`novadoclint.containment`).
"""

from __future__ import annotations

import gc
import logging
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache, partial
from pathlib import Path

from novadoclint import checks
from novadoclint.containment import BudgetExceeded, run_guarded, time_budget
from novadoclint.context import Context, ParsedDoc
from novadoclint.facts import DocFacts, Phase1Result, RuleHit, empty_facts
from novadoclint.factscache import FactsCache
from novadoclint.findings import Hit, Location
from novadoclint.project import vocabulary
from novadoclint.project.discover import Project
from novadoclint.registry import Phase, rule_names
from novadoclint.safety import untrusted
from novadoclint.settings import Settings
from novadoclint.workers import pool_size, run_pool

log = logging.getLogger(__name__)

SERIAL_BELOW = 8  # files: a pool costs more than it saves
#: Hears of documents' facts while phase 1 parses others (see run_phase1).
Early = Callable[[Sequence[DocFacts]], None]
# The young generations' thresholds while a document is checked (allocations, young
# collections): see document_gc.
DOCUMENT_GC_THRESHOLDS = (20_000, 50)
VERTICAL_SPACE_RE = re.compile("[\v\f]")
# An include directive's argument: what it reads is parsed as part of the document.
INCLUDE_RE = re.compile(rb"^[ \t]*\.\.[ \t]+include[ \t]*::[ \t]*([^\s<][^\r\n]*)", re.MULTILINE)


def project_context(project: Project, settings: Settings) -> Context:
    """What every rule of one tree reads: its settings, conf.py, vocabulary and policy."""
    confdir = project.srcdir if project.conf.path else None
    vocab = vocabulary.build(
        project.conf,
        confdir,
        extra_directives=settings.extra_directives,
        extra_roles=settings.extra_roles,
        python=settings.python,
        python_root=settings.python_root,
        cache=settings.cache,
    )
    policy = None
    if settings.profile:  # the policy module (4 records) only where a profile is asked for
        from novadoclint.project.policy import load_policy

        policy = load_policy(settings.profile)
    names = rule_names(checks.META)
    return Context(str(project.srcdir), settings, project.conf, vocab, policy, rule_names=names)


def file_rule_ids() -> tuple[str, ...]:
    """The ids of the file rules: how they travel to workers (see :func:`phase1_file`)."""
    return tuple(r.id for r in checks.META if r.phase is Phase.FILE)


def run_phase1_cached(
    ctx: Context, items: Sequence[tuple[str, str]], jobs: int, early: Early | None = None
) -> list[Phase1Result]:
    """Phase 1 through the facts cache: only documents whose bytes changed are parsed.

    ``early`` (see :func:`run_phase1`) hears of the cached documents with the first ones
    parsed, or at once when none is to be parsed (no pool will fork).
    """
    if not ctx.settings.cache:
        return run_phase1(ctx, items, jobs, early)
    cache = FactsCache(ctx, file_rule_ids())
    found = {item: cache.lookup(item[1]) for item in items}
    misses = [item for item, result in found.items() if result is None]
    if not misses:
        cache.finish()  # all found: rewrites the tree's pack if some came from elsewhere
    known = [result.facts for result in found.values() if result is not None]
    if early is not None and not misses:
        early(known)
        return [r for r in found.values() if r is not None]

    def heard(facts: Sequence[DocFacts]) -> None:
        assert early is not None
        early([*known, *facts])
        known.clear()

    waiting = {item[1] for item in misses}

    def store(results: list[Phase1Result]) -> None:
        """A pool task's results stored as it finishes, while the workers parse the rest."""
        for result in results:
            if result.facts.path in waiting:
                waiting.discard(result.facts.path)
                cache.store(result.facts.path, result)

    parsed = run_phase1(ctx, misses, jobs, heard if early is not None else None, store)
    for item, result in zip(misses, parsed, strict=True):
        if item[1] in waiting:  # run inline, or a result not stored as it arrived
            cache.store(item[1], result)
        found[item] = result
    return [r for r in found.values() if r is not None]


def run_phase1(
    ctx: Context,
    items: Sequence[tuple[str, str]],
    jobs: int,
    early: Early | None = None,
    arrived: Callable[[list[Phase1Result]], None] | None = None,
) -> list[Phase1Result]:
    """Phase 1 over every document: in a process pool, or inline for small runs.

    ``early`` hears of the documents' facts as the pool's tasks finish, while the
    others are parsed (--check-links fetches their URLs meanwhile), and ``arrived`` of
    their results (the facts cache stores them meanwhile). Only from the pool:
    the threads it may start then are never forked, and inline they would use the CPU
    time each file's budget counts.
    """
    if not items:  # a warm run: docutils' directives are not even registered
        return []
    from novadoclint import parse

    rule_ids = file_rule_ids()
    preload(rule_ids)  # here, before a pool forks: not once in each worker
    work = partial(phase1_file, ctx, rule_ids)
    workers = pool_size(jobs, len(items))
    if workers > 1 and len(items) >= SERIAL_BELOW:
        try:
            sizes, diagrams = file_costs(ctx, items)
            done = _heard(early, arrived)
            return run_pool(work, items, workers, ctx.vocabulary, sizes, diagrams, done)
        except OSError as exc:  # flake8's serial fallback
            log.warning("cannot start worker processes (%s); running serially", exc)
    with parse.namespace(ctx.vocabulary):
        return [work(item) for item in items]


def preload(rule_ids: tuple[str, ...]) -> None:
    """Import what parsing a document needs: the parser and what registering the
    vocabulary imports, the walk, the file rules' modules.

    Only a run that parses pays for them (a warm run imports none); called before the
    pool forks, so that every worker inherits them instead of importing them again.
    """
    from novadoclint import collect, markdown, parse  # noqa: F401

    parse.preload()
    checks.preload(rule_ids)


def _heard(
    early: Early | None, arrived: Callable[[list[Phase1Result]], None] | None
) -> Callable[[list[Phase1Result]], None] | None:
    """What the pool calls with each task's results: ``arrived``, then ``early`` with facts."""
    if early is None and arrived is None:
        return None

    def heard(results: list[Phase1Result]) -> None:
        if arrived is not None:
            arrived(results)
        if early is not None:
            early([result.facts for result in results])

    return heard


def file_costs(ctx: Context, items: Sequence[tuple[str, str]]) -> tuple[list[int], list[bool]]:
    """Each document's size in bytes with the files it includes (0 if it cannot be read)
    and whether it holds a diagram.

    The pool's work goes heaviest first; the documents with diagrams go to one
    worker, so that one process, not each, builds a diagram grammar.
    """
    diagram_re = _diagram_re()
    sizes, diagrams = [], []
    for _, path in items:
        try:
            raw = untrusted.read_bytes(Path(ctx.srcdir, path), untrusted.MAX_DOCUMENT_BYTES)
        except OSError:
            raw = b""
        sizes.append(len(raw) + included_bytes(raw, path, ctx.srcdir))
        diagrams.append(diagram_re.search(raw) is not None)
    return sizes, diagrams


def included_bytes(raw: bytes, path: str, srcdir: str) -> int:
    """The sizes of the files a document's include directives name: they are parsed with it.

    nova's api-microversion-history.rst is 78 bytes that include 45 KB: weighed as 78,
    it was the last task of the pool and finished alone. Found as parse's include finds
    them (from the document's folder, ``/`` from the source dir), only inside the
    project (untrusted.project_root), and only stat'ed; what is not found weighs 0.
    """
    if b"include" not in raw:
        return 0
    root = untrusted.project_root(srcdir)
    total = 0
    for match in INCLUDE_RE.finditer(raw):
        written = match.group(1).decode("utf-8", "replace").strip()
        if written.startswith("/"):
            target = os.path.join(srcdir, written.lstrip("/"))
        else:
            target = os.path.join(srcdir, os.path.dirname(path), written)
        inside = untrusted.resolve_inside(root, os.path.abspath(target))
        if inside is None:
            continue
        try:
            total += os.stat(inside).st_size
        except (OSError, ValueError):
            continue
    return total


@cache
def _diagram_re() -> re.Pattern[bytes]:
    """A line starting a diagram directive (the directives' names are shipped: fixed)."""
    from novadoclint.languages.diagrams import DIAGRAM_DIRECTIVES

    names = b"|".join(re.escape(name.encode()) for name in sorted(DIAGRAM_DIRECTIVES))
    return re.compile(rb"^[ \t]*\.\.[ \t]+(?:" + names + rb")[ \t]*::", re.MULTILINE)


def phase1_file(ctx: Context, rule_ids: tuple[str, ...], item: tuple[str, str]) -> Phase1Result:
    """Read, parse, collect and run the file rules on one document.

    Rules travel to workers by id: a Rule holds its function, which pickles by name.
    """
    docname, path = item
    try:
        raw = untrusted.read_bytes(Path(ctx.srcdir, path), untrusted.MAX_DOCUMENT_BYTES)
    except OSError as exc:  # also untrusted.Refused: a FIFO, a device, a huge file
        hit = Hit(Location(path, 1), f"cannot read {path}: {exc.strerror or exc}")
        return Phase1Result(empty_facts(docname, path), (("file-unreadable", hit),))
    budget = ctx.settings.time_budget
    try:
        with time_budget(budget):
            return phase1_bytes(ctx, rule_ids, docname, path, raw)
    except BudgetExceeded:
        message = f"{path} took longer than the {budget:g} s per-file time budget; not checked"
        hit = Hit(Location(path, 1), message)
        return Phase1Result(empty_facts(docname, path), (("internal-error", hit),))


@contextmanager
def document_gc() -> Iterator[None]:
    """Collect one document's garbage once, when it is done, not over and over while it lives.

    A doctree is a web of cycles (each node points at its parent) that lives
    until its document is done, and docutils makes many more (a state machine
    per nested parse). With Python's default thresholds the young collections
    promote the living doctree to the oldest generation, where it dies and
    full collections traverse it again and again (nova-2026, --jobs 1: 0.7 s
    of collecting, 0.3 s with this). Rarer young collections while a document
    is checked, and one of the young generations after it, free it at once;
    the thresholds (and gc.disable(), if a caller set it) are the caller's
    again after.
    """
    saved = gc.get_threshold()
    gc.set_threshold(*DOCUMENT_GC_THRESHOLDS, *saved[2:])
    try:
        yield
    finally:
        gc.set_threshold(*saved)
        gc.collect(1)


def phase1_bytes(
    ctx: Context, rule_ids: tuple[str, ...], docname: str, path: str, raw: bytes
) -> Phase1Result:
    """Parse, collect and run the file rules on one document's bytes, its garbage freed after."""
    with document_gc():
        return _phase1_bytes(ctx, rule_ids, docname, path, raw)


def _phase1_bytes(
    ctx: Context, rule_ids: tuple[str, ...], docname: str, path: str, raw: bytes
) -> Phase1Result:
    from novadoclint import markdown, parse  # a run that parses only (see preload)
    from novadoclint.collect import collect, extlink_patterns

    rules = checks.load(rule_ids)
    absolute = os.path.join(ctx.srcdir, path)
    decode_error = None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        decode_error = (exc.start, line, exc.reason)
        text = raw.decode("utf-8", "replace")
    conf = ctx.sphinx
    if markdown.is_markdown(conf, path):
        return phase1_markdown(ctx, docname, path, text)
    try:
        parsed = parse.parse(
            text,
            absolute,
            ctx.srcdir,
            language=conf.get("language") or "en",
            prolog=_text_setting(conf.get("rst_prolog")),
            epilog=_text_setting(conf.get("rst_epilog")),
        )
        lines = source_lines(text)
        extlinks = extlink_patterns(conf)
        facts = collect(parsed, docname, path, ctx.srcdir, lines, extlinks=extlinks)
    except Exception as exc:
        log.debug("parsing %s failed", path, exc_info=True)
        hit = Hit(Location(path, 1), f"parsing {path} crashed: {type(exc).__name__}: {exc}")
        return Phase1Result(empty_facts(docname, path), (("internal-error", hit),))
    doc = ParsedDoc(
        docname, path, raw, text, lines, parsed.doctree, parsed.messages, facts, decode_error
    )
    hits: list[RuleHit] = []
    for rule in rules:
        hits.extend(run_guarded(rule, path, doc, ctx))
    return Phase1Result(facts, tuple(hits))


def phase1_markdown(ctx: Context, docname: str, path: str, text: str) -> Phase1Result:
    """A document MyST reads: its facts only (see :mod:`novadoclint.markdown`).

    No file rule runs: they read reStructuredText. ``{eval-rst}`` blocks are
    parsed as the rST they are, for their facts.
    """
    from novadoclint import markdown, parse
    from novadoclint.collect import collect, extlink_patterns

    conf = ctx.sphinx
    absolute = os.path.join(ctx.srcdir, path)
    extlinks = extlink_patterns(conf)

    def rst(block: str) -> DocFacts:
        parsed = parse.parse(block, absolute, ctx.srcdir, language=conf.get("language") or "en")
        lines = source_lines(block)
        return collect(parsed, docname, path, ctx.srcdir, lines, extlinks=extlinks)

    try:
        facts = markdown.markdown_facts(text, docname, path, ctx.srcdir, rst=rst)
    except Exception as exc:
        log.debug("reading %s failed", path, exc_info=True)
        hit = Hit(Location(path, 1), f"reading {path} crashed: {type(exc).__name__}: {exc}")
        return Phase1Result(empty_facts(docname, path), (("internal-error", hit),))
    return Phase1Result(facts, ())


def source_lines(text: str) -> list[str]:
    """The lines as docutils numbers them (string2lines: \\v and \\f are spaces)."""
    return VERTICAL_SPACE_RE.sub(" ", text).splitlines()


def _text_setting(value: object) -> str:
    return value if isinstance(value, str) else ""
