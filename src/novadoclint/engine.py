"""The pipeline: discover, phase 1 (parallel), index, phase 2, finalise (decide.py).

Reads like a table of contents (flake8's Application): every step lives in its
own module; this one only wires them and guards each rule so that a crash
becomes an ``internal-error`` finding and the other rules still run.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from novadoclint import changes, markdown, parse, scope, untrusted, vocabulary
from novadoclint.checks import ALL_RULES
from novadoclint.collect import collect, extlink_patterns
from novadoclint.context import Context, ParsedDoc
from novadoclint.decide import finalise, is_selected
from novadoclint.facts import DocFacts, empty_facts
from novadoclint.factscache import FactsCache
from novadoclint.findings import Finding, Hit, Location, Run
from novadoclint.index import FactsIndex
from novadoclint.links import plan as linkplan
from novadoclint.policy import load_policy
from novadoclint.project import Project, build_conf, excluded, is_document, load_project
from novadoclint.registry import Phase, Rule
from novadoclint.resolve import strip_suffix
from novadoclint.settings import Settings, load
from novadoclint.sphinxconf import SphinxConf, read_conf
from novadoclint.vocabulary import Vocabulary

log = logging.getLogger(__name__)

SERIAL_BELOW = 8  # files: a pool costs more than it saves

RuleHit = tuple[str, Hit]


@dataclass(frozen=True)
class Phase1Result:
    facts: DocFacts
    hits: tuple[RuleHit, ...]


def run_guarded(rule: Rule, path: str, *args: Any) -> list[RuleHit]:
    """Run one rule; an exception becomes an internal-error finding."""
    try:
        return [(rule.id, hit) for hit in rule.check(*args)]
    except Exception as exc:
        log.debug("rule %s crashed on %s", rule.id, path, exc_info=True)
        message = f"rule {rule.id} crashed on {path}: {type(exc).__name__}: {exc}"
        return [("internal-error", Hit(Location(path, 1), message))]


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


class BudgetExceeded(BaseException):
    """One file used up its time budget (a pathological input, or a parser bug).

    A BaseException, so that the guards around rules and parsing do not swallow it.
    """


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (SIGALRM; where unavailable, no limit)."""
    usable = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise BudgetExceeded

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def phase1_bytes(
    ctx: Context, rule_ids: tuple[str, ...], docname: str, path: str, raw: bytes
) -> Phase1Result:
    """Parse, collect and run the file rules on one document's bytes."""
    rules = [r for r in ALL_RULES if r.id in rule_ids]
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


VERTICAL_SPACE_RE = re.compile("[\v\f]")


def source_lines(text: str) -> list[str]:
    """The lines as docutils numbers them (string2lines: \v and \f are spaces)."""
    return VERTICAL_SPACE_RE.sub(" ", text).splitlines()


def _text_setting(value: object) -> str:
    return value if isinstance(value, str) else ""


def run_phase1(ctx: Context, items: Sequence[tuple[str, str]], jobs: int) -> list[Phase1Result]:
    """Phase 1 over every document: in a process pool, or inline for small runs."""
    work = partial(phase1_file, ctx, file_rule_ids())
    workers = pool_size(jobs, len(items))
    if workers > 1 and len(items) >= SERIAL_BELOW:
        try:
            return run_pool(work, items, workers, ctx.vocabulary)
        except OSError as exc:  # flake8's serial fallback
            log.warning("cannot start worker processes (%s); running serially", exc)
    with parse.namespace(ctx.vocabulary):
        return [work(item) for item in items]


def pool_size(jobs: int, files: int) -> int:
    """Worker processes to start: never more than the usable cores or the files to parse.

    ``jobs`` may come from a repository's config, that is from the pull request
    under review: ``jobs = 100000`` forked that many processes.
    """
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:
        cores = os.cpu_count() or 1
    return max(1, min(jobs, cores, files))


class Terminated(BaseException):
    """SIGTERM arrived while workers ran: unwind like Ctrl-C, so that they are stopped.

    A BaseException, so that the guards around rules do not swallow it.
    """


def run_pool(
    work: Callable[[tuple[str, str]], Phase1Result],
    items: Sequence[tuple[str, str]],
    workers: int,
    vocab: Vocabulary,
) -> list[Phase1Result]:
    """Map work over items in worker processes that never outlive this run.

    Ctrl-C, SIGTERM or any error terminates the workers at once: leaving the
    pool's ``with`` would wait for every queued file first, and a killed parent
    would leave them running for good.
    """
    size = max(1, len(items) // (workers * 4))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    context = multiprocessing.get_context()
    # A forkserver (Python 3.14's default) is the workers' parent, not this process.
    parent = None if context.get_start_method() == "forkserver" else os.getpid()
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=init_worker,
        initargs=(vocab, parent),
    )
    try:
        with sigterm_raises():
            futures = [pool.submit(work_chunk, work, chunk) for chunk in chunks]
            results = [result for future in futures for result in future.result()]
    except BaseException:
        stop_workers(pool)
        raise
    pool.shutdown()
    return results


def work_chunk(
    work: Callable[[tuple[str, str]], Phase1Result], chunk: Sequence[tuple[str, str]]
) -> list[Phase1Result]:
    """One task of the pool: several files, so that small ones do not pay a round trip each.

    Not ``pool.map``: its cleanup cancels the queued futures, and Python 3.11's
    pool then fails on them (InvalidStateError) when the workers are terminated.
    """
    return [work(item) for item in chunk]


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """Raise Terminated on SIGTERM inside the block; the previous handler is restored after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stop_workers(pool: ProcessPoolExecutor, grace: float = 2.0) -> None:
    """Terminate the pool's workers now (SIGTERM, then SIGKILL after grace seconds).

    ``_processes`` is private, but the public shutdown() waits for running tasks
    (Python 3.14's terminate_workers() is this).
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(grace)
        if process.is_alive():
            process.kill()
            process.join(grace)
    pool.shutdown(wait=False)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def init_worker(vocab: Vocabulary, parent: int | None) -> None:
    """Set up a worker: the vocabulary; the parent alone handles Ctrl-C and SIGTERM.

    The terminal sends Ctrl-C to every process of the group: workers ignore it
    and the parent terminates them. SIGTERM gets its default action back (the
    parent's handler was inherited by fork). On Linux the kernel sends SIGTERM
    when the parent dies, even by SIGKILL; a parent already gone means exit now.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):  # no prctl: the getppid check remains
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if parent is not None and os.getppid() != parent:
        os._exit(1)
    parse.install(vocab)


def run_phase1_cached(
    ctx: Context, items: Sequence[tuple[str, str]], jobs: int
) -> list[Phase1Result]:
    """Phase 1 through the facts cache: only documents whose bytes changed are parsed."""
    if not ctx.settings.cache:
        return run_phase1(ctx, items, jobs)
    cache = FactsCache(ctx, file_rule_ids())
    found = {item: cache.lookup(item[1]) for item in items}
    misses = [item for item, result in found.items() if result is None]
    for item, result in zip(misses, run_phase1(ctx, misses, jobs), strict=True):
        cache.store(item[1], result)
        found[item] = result
    return [r for r in found.values() if r is not None]


def file_rule_ids() -> tuple[str, ...]:
    return tuple(r.id for r in ALL_RULES if r.phase is Phase.FILE)


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
    confdir = project.srcdir if project.conf.path else None
    vocab = vocabulary.build(
        project.conf,
        confdir,
        extra_directives=settings.extra_directives,
        extra_roles=settings.extra_roles,
        python=settings.python,
        python_root=settings.python_root,
    )
    policy = load_policy(settings.profile)
    ctx = Context(str(project.srcdir), settings, project.conf, vocab, policy)
    items = sorted(project.docs.items())
    jobs = settings.jobs or os.cpu_count() or 1
    results = run_phase1_cached(ctx, items, jobs)
    index = FactsIndex(
        str(project.srcdir),
        project.conf,
        {r.facts.docname: r.facts for r in results},
        project.files,
    )
    if facts_out is not None:
        facts_out.extend(r.facts for r in results)
    hits: list[RuleHit] = [h for r in results for h in r.hits]
    hits.extend(_unreadable_hits(project))
    for rule in ALL_RULES:
        if rule.phase is Phase.TREE and is_selected(rule, settings):
            hits.extend(run_guarded(rule, "conf.py", index, ctx))
    if settings.check_links:
        hits.extend(run_network(index, ctx, only_paths))
    findings = _past_unreadable(finalise(hits, index, settings, ALL_RULES), project)
    sites = _include_sites(results, only_paths)
    if only_paths is not None and before is not None:
        known = _findings_before(ctx, results, before, project.files)
        return [
            f
            for f in findings
            if _in_scope(f, only_paths, lines, sites) or (f.path, f.rule, f.message) not in known
        ], len(items)
    if only_paths is not None:
        docpaths = {d.docname: d.path for d in index.docs.values()}
        findings = [
            f
            for f in findings
            if _in_scope(f, only_paths, lines, sites)
            or (
                lines is None
                and f.cause is not None
                and _within(docpaths.get(f.cause, ""), only_paths)
            )
        ]
    elif lines is not None:
        findings = [f for f in findings if _in_scope(f, None, lines)]
    return findings, len(items)


def _include_sites(
    results: Sequence[Phase1Result], only_paths: frozenset[str] | None
) -> frozenset[tuple[str, int]]:
    """Where documents include a file in the scope: a changed (or deleted) included file
    changes the findings there (include-missing), in a document the change did not touch."""
    if only_paths is None:
        return frozenset()
    return frozenset(
        (inc.path, inc.line)
        for r in results
        for inc in r.facts.includes
        if _within(inc.resolved, only_paths)
    )


def _in_scope(
    finding: Finding,
    only_paths: frozenset[str] | None,
    lines: Mapping[str, frozenset[int] | None] | None,
    sites: frozenset[tuple[str, int]] = frozenset(),
) -> bool:
    """In the files reported on; with --changed-lines, on a line the change touched."""
    if (finding.path, finding.line) in sites:
        return True
    if lines is None:
        return only_paths is None or _within(finding.path, only_paths)
    if finding.path not in lines:
        return False
    touched = lines[finding.path]
    return touched is None or finding.line in touched


def _unreadable_hits(project: Project) -> list[RuleHit]:
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


MISSING_DOCUMENT_RULES = frozenset({"toctree-entry-missing", "doc-ref-missing"})
QUOTED_RE = re.compile(r"'([^']*)'")


def _past_unreadable(findings: list[Finding], project: Project) -> list[Finding]:
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
        return any(_within(name.replace(os.sep, "/"), folders) for name in names)

    return [f for f in findings if not hidden(f)]


def _findings_before(
    ctx: Context,
    results: Sequence[Phase1Result],
    before: dict[str, bytes | None],
    files: frozenset[str],
) -> set[tuple[str, str, str]]:
    """The findings of the tree as it was: unchanged documents, changed ones' old bytes."""
    old = {r.facts.path: r for r in results if r.facts.path not in before}
    with parse.namespace(ctx.vocabulary):
        for path, raw in before.items():
            if raw is not None:
                docname = strip_suffix(path, ctx.sphinx.source_suffixes)
                old[path] = phase1_bytes(ctx, file_rule_ids(), docname, path, raw)
    index = FactsIndex(
        ctx.srcdir, ctx.sphinx, {r.facts.docname: r.facts for r in old.values()}, files
    )
    hits: list[RuleHit] = [h for r in old.values() for h in r.hits]
    for rule in ALL_RULES:
        if rule.phase is Phase.TREE and is_selected(rule, ctx.settings):
            hits.extend(run_guarded(rule, "conf.py", index, ctx))
    return {(f.path, f.rule, f.message) for f in finalise(hits, index, ctx.settings, ALL_RULES)}


def run_network(
    index: FactsIndex, ctx: Context, only_paths: frozenset[str] | None
) -> list[RuleHit]:
    """--check-links: fetch every URL once (cached), then run the selected network rules."""
    rules = [r for r in ALL_RULES if r.phase is Phase.NETWORK and is_selected(r, ctx.settings)]
    if not rules:
        return []
    scope = None if only_paths is None else (lambda path: _within(path, only_paths))
    results = linkplan.check(index, ctx.settings, scope=scope)
    hits: list[RuleHit] = []
    for rule in rules:
        hits.extend(run_guarded(rule, "conf.py", index, results, ctx))
    return hits


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
        settings = load(srcdir, config=config, overrides=overrides)
        if tree.only_packaging:
            base = os.path.relpath(srcdir)
            all_findings.extend(_relative(f, base) for f in lint_requirements(srcdir, settings))
            continue
        found, docs = _lint_tree(srcdir, tree, settings, on_project, since, changed, touched)
        base = os.path.relpath(srcdir)
        all_findings.extend(_relative(f, base) for f in found)
        checked.extend(_relative_path(base, p) for p in docs)
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
        changed_here = {os.path.relpath(p, srcdir).replace(os.sep, "/") for p in changed} & files
        before = {
            rel: changes.old_content(since, srcdir / rel)
            for rel in sorted(changed_here)
            if is_document(project.conf, rel) and not (srcdir / rel).is_dir()
        } or None
    lines = None
    if touched is not None:
        lines = {os.path.relpath(p, srcdir).replace(os.sep, "/"): at for p, at in touched.items()}
        if files is not None:
            lines = {rel: at for rel, at in lines.items() if _within(rel, files)}
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
        found = [f for f in found if not _within(f.path, tree.included - read)]
    if tree.packaging and tree.files is not None:
        found = sorted({*found, *lint_requirements(srcdir, settings)})
    docs = [p for p in sorted(project.docs.values()) if files is None or _within(p, files)]
    return found, [*docs, *sorted(read)]


def lint_requirements(srcdir: Path, settings: Settings) -> list[Finding]:
    """extension-requirement-missing alone: what a change of a requirement file can change.

    Reads conf.py and the packaging files, no document: a commit touching only
    requirements.txt is checked at once.
    """
    rule = next((r for r in ALL_RULES if r.id == "extension-requirement-missing"), None)
    if rule is None or not is_selected(rule, settings):
        return []
    conf_path = srcdir / "conf.py"
    conf = build_conf(read_conf(conf_path) if conf_path.is_file() else SphinxConf(None))
    ctx = Context(str(srcdir), settings, conf, Vocabulary((), ()), load_policy(settings.profile))
    index = FactsIndex(str(srcdir), conf, {}, frozenset())
    hits = run_guarded(rule, "conf.py", index, ctx)
    return finalise(hits, index, settings, ALL_RULES)


def _within(path: str, scopes: Iterable[str]) -> bool:
    """A path is one of the given files, or inside one of the given folders."""
    return any(path == s or path.startswith(s.rstrip("/") + "/") or s == "." for s in scopes)


def _relative_path(base: str, path: str) -> str:
    return os.path.normpath(os.path.join(base, path)).replace(os.sep, "/")


def _relative(finding: Finding, base: str) -> Finding:
    path = os.path.normpath(os.path.join(base, finding.path)).replace(os.sep, "/")
    return replace(finding, path=path)
