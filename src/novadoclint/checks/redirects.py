"""Redirects a build publishes (``.htaccess`` under ``html_extra_path``) and their whereto tests.

The files are not documents: the rules read them through
:mod:`novadoclint.languages.htaccess`, whose parsing and matching are pure.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from novadoclint.context import Context
from novadoclint.edits import Fix, FixSafety, replace_at, retarget_title
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.languages import htaccess
from novadoclint.languages.htaccess import Chain, Problem, Redirect, RedirectTest
from novadoclint.project import generated
from novadoclint.project.derived import DerivedCache, row
from novadoclint.registry import Phase, rule
from novadoclint.resolve import doc_candidate, doc_hint, matches_any
from novadoclint.safety import saferegex, untrusted

SPECIAL_PAGES = frozenset({"genindex", "search", "py-modindex", "modindex"})  # built, not written
# Every target and every test is tried on every rule: quadratic in the file. nova's 90 rules
# take milliseconds; a 10 MB file of 400,000 rules would take days, so a run stops here.
RULE_SECONDS = 20.0
SAFE_PAGE_RE = re.compile(r"[\w./+-]+")  # a docname written bare in a target word


@dataclass(frozen=True)
class RulesFile:
    """One published .htaccess: its rules and unreadable lines, or why it was not read.

    ``verdicts`` and ``routes`` are what parse_rules and first_match keep of
    the file (see :func:`_keep`), ``key`` where they are kept.
    """

    path: str
    rules: tuple[Redirect, ...] = ()
    problems: tuple[Problem, ...] = ()
    refused: str | None = None
    key: str = ""
    verdicts: dict[str, saferegex.Verdict] = field(default_factory=dict)
    routes: dict[str, htaccess.Route | None] = field(default_factory=dict)
    kept: int = -1  # how many answers the cache held: more are kept at the end of the rule


def _rules_files(index: FactsIndex) -> Iterator[RulesFile]:
    """Every .htaccess html_extra_path publishes, parsed with a fresh regex budget.

    What a file's regexes are (their saferegex verdicts) and where its rules
    send each URL tried are kept in the cache under the file's bytes, so a
    warm run neither compiles a regex nor matches one (about 35 ms on nova's
    87 RedirectMatch lines, half of it importing and running ``regex``'s compiler).
    """
    root = index.tree_files.root  # the project, as for includes
    cache = _cache(index)
    for path in htaccess.htaccess_paths(index.conf.strings("html_extra_path"), index.files):
        try:
            text = htaccess.read_text(index.tree_files, path, root)
        except untrusted.Refused as exc:
            yield RulesFile(path, refused=exc.strerror)
            continue
        if text is None:
            continue
        key = cache.key(text.encode("utf-8", "surrogateescape"))
        entry = cache.get(key, _well_formed)
        verdicts, routes = entry if isinstance(entry, tuple) else ({}, {})
        kept = len(verdicts) + len(routes) if entry is not None else -1
        verdicts = dict(verdicts)
        rules, problems = htaccess.parse_rules(text, verdicts=verdicts)
        if any(r is not None and r[0] >= len(rules) for r in routes.values()):
            routes, kept = {}, -1  # not made from this file
        yield RulesFile(path, rules, problems, None, key, verdicts, dict(routes), kept)


def _cache(index: FactsIndex) -> DerivedCache:
    """Where the files' verdicts and routes are kept: they follow this code and ``regex``."""
    modules = (htaccess.__file__, saferegex.__file__, saferegex.engine_file() or "regex?")
    return DerivedCache("redirects", modules, enabled=index.cache_enabled)


def _well_formed(entry: object) -> bool:
    """A kept entry as _keep writes it: (verdicts, routes) of plain values (it is untrusted)."""
    if not row(entry, dict, dict):
        return False
    verdicts, routes = cast("tuple[dict[object, object], dict[object, object]]", entry)
    return all(type(k) is str and type(v) in (str, tuple) for k, v in verdicts.items()) and all(
        type(k) is str and (v is None or (row(v, int, (str, None)) and cast("Any", v)[0] >= 0))
        for k, v in routes.items()
    )  # a verdict's tuple is checked by saferegex.compile


def _parsed_tests(
    index: FactsIndex, text: str
) -> tuple[tuple[RedirectTest, ...], tuple[Problem, ...]]:
    """htaccess.parse_tests of the test file, kept under its bytes (shlex: ~5 ms on nova's)."""
    cache = _cache(index)
    key = cache.key("tests", text.encode("utf-8", "surrogateescape"))
    entry = cache.get(key, _tests_well_formed)
    if isinstance(entry, tuple):
        tests, problems = entry
        return tuple(RedirectTest(*t) for t in tests), tuple(Problem(*p) for p in problems)
    parsed = htaccess.parse_tests(text)
    plain = (
        tuple((t.line, t.path, t.status, t.target) for t in parsed[0]),
        tuple((p.line, p.column, p.message) for p in parsed[1]),
    )
    cache.put(key, plain)
    return parsed


def _tests_well_formed(entry: object) -> bool:
    """A kept parse of a test file: (tests, problems) as _parsed_tests writes them."""
    if not row(entry, tuple, tuple):
        return False
    tests, problems = cast("tuple[tuple[object, ...], tuple[object, ...]]", entry)
    return all(row(t, int, str, int, (str, None)) for t in tests) and all(
        row(p, int, int, str) for p in problems
    )


def _keep(index: FactsIndex, found: RulesFile) -> None:
    """Keep what a rule learnt of the file, unless a regex failed (then some answers may too)."""
    if found.refused is not None or len(found.routes) + len(found.verdicts) == found.kept:
        return
    if any(r.regex is not None and r.regex.failure is not None for r in found.rules):
        return  # a timeout or a spent budget: the answers depend on the machine's speed
    _cache(index).put(found.key, (found.verdicts, found.routes))


def _regex_trouble(path: str, rules: Sequence[Redirect]) -> Iterator[Hit]:
    """Once per rule whose regex timed out, and once when the file's budget ran out."""
    for redirect in rules:
        pattern = redirect.regex
        if pattern is None or pattern.failure in (None, saferegex.SKIPPED):
            continue
        at = Location(path, redirect.line, 1)
        if pattern.failure == saferegex.TIMED_OUT:
            yield Hit(
                at,
                f"RedirectMatch regex {pattern.shown()} took over {saferegex.TIMEOUT} s on one "
                "URL (catastrophic backtracking?); treated as not matching",
            )
        else:
            yield Hit(
                at,
                f"RedirectMatch regexes of this file took over {pattern.budget.total} s in all; "
                "this rule and the others not yet tried are treated as not matching",
            )


@rule(
    "redirect-target-missing", Severity.ERROR, Phase.TREE, tags={"redirects"}, fix=FixSafety.UNSAFE
)
def redirect_target_missing(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A redirect in a published `.htaccess` whose target page, after any further redirects, is no document.

    Reads `redirect` and `redirectmatch` lines (and `redirectpermanent`,
    `redirecttemp`) of the `.htaccess` files `html_extra_path` copies to the
    site. Targets under the site's `/<project>/<version>/` prefix (learnt from
    the rules: nova's `^/nova/([^/]+)/`) map to documents: `.html` dropped, a
    folder URL to its `index`. A target that another rule redirects is
    followed, as a browser would, up to 10 hops; loops are reported.
    Unreadable rule lines are reported too. With `--unsafe-fixes`, a target
    `.../page.html` whose hint names one document, no other as close, is
    pointed at that document's page, unless another rule redirects it on.

    ## Why is this bad?
    A redirect exists because readers and search engines still hold the old
    URL; sending them to a page that was since renamed or removed ends in a
    404 after all, and nothing in a Sphinx build notices.

    ## Example
    ```rst
    .. conf.py: html_extra_path = ['_extra']
    .. file: _extra/.htaccess
    redirectmatch 301 ^/nova/([^/]+)/old-install.html$ /nova/$1/admin/instal.html
    .. file: index.rst
    .. toctree::

       admin/install
    .. file: admin/install.rst
    Installing
    ==========
    ```

    ## Use instead
    ```rst
    .. conf.py: html_extra_path = ['_extra']
    .. file: _extra/.htaccess
    redirectmatch 301 ^/nova/([^/]+)/old-install.html$ /nova/$1/admin/install.html
    .. file: index.rst
    .. toctree::

       admin/install
    .. file: admin/install.rst
    Installing
    ==========
    ```

    ## Known problems
    Regexes are read with Python's `re` syntax (and run by the `regex`
    module, which has a time limit), which reads the PCRE Apache uses the
    same way for the usual patterns. A target whose page part depends on a
    captured group (`/nova/$1/reference/$2.html`) names no one page and is
    checked only where another rule leads into it. Pages Sphinx builds
    without a source (`genindex`, `search`), `generated-files` and the pages
    the build writes (sphinxcontrib.apidoc's, autosummary's stubs: see
    `generated-assumed`) count as present; targets outside the project (`/placement/$1/`, full URLs) are
    not checked. Each regex match has a time limit (0.1 s) and each file a
    budget (5 s): a regex that exceeds them is reported and treated as not
    matching. A `.htaccess` that is a symbolic link out of the repository, is
    no regular file, or is over 10 MB is reported and not read.
    """
    for found in _rules_files(index):
        if found.refused is not None:
            yield Hit(Location(found.path, 1), f"{found.path} not read: {found.refused}")
            continue
        for problem in found.problems:
            yield Hit(Location(found.path, problem.line, problem.column), problem.message)
        project = htaccess.site_project(found.rules)
        deadline = time.monotonic() + RULE_SECONDS
        for redirect in found.rules:
            if time.monotonic() > deadline:
                yield _stopped(found.path, found.rules, redirect.line)
                break
            yield from _check_target(index, ctx, found, redirect, project)
        yield from _regex_trouble(found.path, found.rules)
        _keep(index, found)


def _stopped(path: str, rules: Sequence[Redirect], line: int) -> Hit:
    """The one finding of a run cut short by RULE_SECONDS (a huge, probably generated, file)."""
    return Hit(
        Location(path, line, 1),
        f"checking stopped here after {RULE_SECONDS:g} s: each of the {len(rules)} rules is "
        "tried on every URL; split the file or check it in smaller parts",
    )


def _check_target(
    index: FactsIndex, ctx: Context, found: RulesFile, redirect: Redirect, project: str | None
) -> Iterator[Hit]:
    path, rules = found.path, found.rules
    if redirect.target is None:
        return
    url = htaccess.sample_url(redirect.target, project)
    if url is None:
        return
    at = Location(path, redirect.line, redirect.column)
    chain = htaccess.follow(rules, url, routes=found.routes)
    if chain.loop:
        cycle = _cycle(chain, url)
        if redirect.line == min(h.rule.line for h in cycle):
            lines = ", ".join(str(h.rule.line) for h in cycle)
            yield Hit(at, f"redirect loop: {_path(chain, url)} (lines {lines}); break the cycle")
        return
    if chain.too_long:
        yield Hit(
            at,
            f"redirect chain longer than {htaccess.MAX_HOPS} hops: {_path(chain, url)}; "
            "point the first rule at the final page",
        )
        return
    if chain.end is None:  # the chain ends in a rule without target: 410 gone
        last = chain.hops[-1].rule
        yield Hit(
            at,
            f"redirect target leads to a page gone for good (line {last.line} answers "
            f"{last.status}); point it at a live page or make this rule answer 410 too",
        )
        return
    page = htaccess.page_of(chain.end, project)
    name = htaccess.docname_of(page) if page is not None else None
    if name is None or _exists(index, ctx, name):
        return
    if chain.hops and htaccess.sample_url(chain.hops[-1].rule.target or "", project):
        return  # the last rule's own target is checked (and reported) on its own line
    hint = doc_hint(name, index.docs)
    if chain.hops:
        first = htaccess.page_of(url, project)
        via = htaccess.docname_of(first) if first is not None else None
        yield Hit(
            at,
            f"redirect target {via or url!r} goes on through line {chain.hops[-1].rule.line} "
            f"to {name!r}, which is no document{hint}",
        )
    else:
        fix = _target_fix(index, found, redirect, project, name) if hint else None
        yield Hit(at, f"redirect target {name!r} is no document{hint}", fix=fix)


def _target_fix(
    index: FactsIndex, found: RulesFile, redirect: Redirect, project: str | None, name: str
) -> Fix | None:
    """The target's page replaced by the one document the hint names (``x.html`` pages only).

    None unless the new target, followed through the file's rules as a
    browser would, ends on that document's page.
    """
    candidate = doc_candidate(name, index.docs)
    written = redirect.target or ""
    where = written.split("#", 1)[0].split("?", 1)[0]
    page = name + ".html"
    if candidate is None or not where.endswith("/" + page) or not SAFE_PAGE_RE.fullmatch(candidate):
        return None
    new = where[: -len(page)] + candidate + ".html" + written[len(where) :]
    url = htaccess.sample_url(new, project)
    chain = htaccess.follow(found.rules, url, routes=found.routes) if url is not None else None
    if chain is None or chain.hops or chain.end is None:
        return None
    end = htaccess.page_of(chain.end, project)
    if end is None or htaccess.docname_of(end) != candidate:
        return None
    path = found.path
    text = index.tree_files.source_text(path)
    if text is None:
        return None
    column = redirect.column
    title = retarget_title(candidate)
    return replace_at(
        path, text, redirect.line, column, written, new, safety=FixSafety.UNSAFE, title=title
    )


def _cycle(chain: Chain, start: str) -> tuple[htaccess.Hop, ...]:
    """The hops that repeat: from the URL seen again back to itself."""
    urls = [start, *(h.url for h in chain.hops)]
    return chain.hops[urls.index(urls[-1]) :]


def _path(chain: Chain, start: str) -> str:
    return " -> ".join([start, *(h.url or "(gone)" for h in chain.hops)])


def _exists(index: FactsIndex, ctx: Context, name: str) -> bool:
    if name in index.docs or name in SPECIAL_PAGES:
        return True
    suffixes = index.conf.source_suffixes
    if any(matches_any(name + s, ctx.settings.generated_files) for s in suffixes):
        return True
    return generated.of(index, ctx).doc(name) is not None  # a page the build writes


@rule("redirect-test-mismatch", Severity.ERROR, Phase.TREE, tags={"redirects"})
def redirect_test_mismatch(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A whereto redirect test that no `.htaccess` rule satisfies.

    The test file (nova's `doc/test/redirect-tests.txt`, the format the
    `whereto` tool reads) lists `path status [target]` lines. Each path is run
    through the published `.htaccess` rules (the first matching rule wins): a
    test whose path no rule matches (unless it expects 200), or that the
    first rule sends elsewhere or with another status, is reported, as are
    unreadable test lines and rules no test exercises (whereto fails on those
    by default too).

    ## Why is this bad?
    The tests run only in a separate CI job after a full build; catching a
    rule and its test drifting apart while editing saves a round trip, and a
    stale test hides a redirect that no longer does what it promises.

    ## Options
    `redirect-tests` (config): the test file, relative to the config file,
    inside the repository. Default: `../test/redirect-tests.txt` from the
    source dir (nova's layout); a missing default file turns the rule off, a
    missing configured one is reported, as is a test file that is a symbolic
    link out of the repository, no regular file, or over 10 MB (not read).

    ## Example
    ```rst
    .. conf.py: html_extra_path = ['_extra']
    .. file: .novadoclint.toml
    redirect-tests = "redirect-tests.txt"
    .. file: redirect-tests.txt
    /nova/latest/old-install.html 301 /nova/latest/install.html
    .. file: _extra/.htaccess
    redirectmatch 301 ^/nova/([^/]+)/old-install.html$ /nova/$1/admin/install.html
    .. file: index.rst
    Index
    =====
    ```

    ## Use instead
    ```rst
    .. conf.py: html_extra_path = ['_extra']
    .. file: .novadoclint.toml
    redirect-tests = "redirect-tests.txt"
    .. file: redirect-tests.txt
    /nova/latest/old-install.html 301 /nova/latest/admin/install.html
    .. file: _extra/.htaccess
    redirectmatch 301 ^/nova/([^/]+)/old-install.html$ /nova/$1/admin/install.html
    .. file: index.rst
    Index
    =====
    ```

    ## References
    - whereto: https://docs.openstack.org/whereto/latest/
    - Apache mod_alias: https://httpd.apache.org/docs/2.4/mod/mod_alias.html
    """
    configured = ctx.settings.redirect_tests
    tests_path = htaccess.DEFAULT_TESTS
    if configured:  # shown, like every path, relative to the source dir
        tests_path = os.path.relpath(configured, index.srcdir).replace(os.sep, "/")
    # A refused .htaccess is reported by redirect-target-missing, which owns its problems.
    files = [f for f in _rules_files(index) if f.refused is None]
    if not files:
        return
    root = ctx.settings.config_root if configured else None
    try:
        text = htaccess.read_text(index.tree_files, tests_path, root or index.tree_files.root)
    except untrusted.Refused as exc:
        yield Hit(
            Location(tests_path, 1), f"redirect test file {tests_path!r} not read: {exc.strerror}"
        )
        return
    if text is None:
        if configured:
            yield Hit(Location(tests_path, 1), f"redirect test file {tests_path!r} not found")
        return
    tests, problems = _parsed_tests(index, text)
    for problem in problems:
        yield Hit(Location(tests_path, problem.line, problem.column), problem.message)
    rules_path, rules = files[-1].path, files[-1].rules  # Sphinx copies extra paths in order
    used: set[int] = set()
    deadline = time.monotonic() + RULE_SECONDS
    for test in tests:
        if time.monotonic() > deadline:
            yield _stopped(tests_path, rules, test.line)
            yield from _regex_trouble(rules_path, rules)
            return  # which rules no test exercises is unknown now
        at = Location(tests_path, test.line)
        hop = htaccess.first_match(rules, test.path, files[-1].routes)
        if hop is not None:
            used.add(hop.rule.line)
        if hop is None and test.status != 200:
            expected = f"{test.status} {test.target or ''}".rstrip()
            yield Hit(
                at,
                f"no redirect rule matches {test.path!r}, expected {expected}; "
                f"add a rule to {rules_path} or fix the test",
            )
        elif hop is not None and test.status == 200:
            yield Hit(
                at,
                f"{rules_path}:{hop.rule.line} redirects {test.path!r} to "
                f"{hop.url!r}, but the test expects no redirect (200)",
            )
        elif hop is not None and (hop.status, hop.url) != (test.status, test.target):
            yield Hit(
                at,
                f"{rules_path}:{hop.rule.line} redirects {test.path!r} to "
                f"{hop.url!r} ({hop.status}), but the test expects {test.target!r} "
                f"({test.status}); fix the rule or the test",
            )
    for redirect in rules:
        if redirect.line not in used:
            yield Hit(
                Location(rules_path, redirect.line, 1),
                f"no test in {tests_path} exercises this redirect; add one (whereto fails on "
                "untested rules)",
            )
    yield from _regex_trouble(rules_path, rules)
    for found in files:
        _keep(index, found)
