"""Rules for external links' URLs: well-formed, and https where the host serves it.

Tree rules reading the facts (every URL and the places it is written), so a warm run
runs them without the parser. Named targets defined and used are file rules in
:mod:`links_targets` (they read the doctree); the rules of --check-links, whether a
URL is alive, are in :mod:`links_network`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import cast
from urllib.parse import urlsplit

from novadoclint.context import Context
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.links import syntax as link_syntax
from novadoclint.links.options import https_hosts
from novadoclint.links.plan import link_places
from novadoclint.links.syntax import CUT_SHORT_RE, malformed, redact
from novadoclint.project.derived import DerivedCache, row
from novadoclint.registry import Phase, rule


@rule("link-malformed", Severity.ERROR, Phase.TREE, tags={"links"})
def link_malformed(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A link that is not a well-formed absolute URL, with the reason and the likely fix.

    ## Why is this bad?
    Browsers turn `http//host` or `www.host` into a link relative to the page
    (a 404 on the docs site), and a bad host or port can never be reached; Sphinx
    builds such pages without a word. Checked: a lost or mistyped colon or scheme,
    white space, an unknown scheme, a missing `//`, an empty or invalid host, a bad
    port, stray text before the scheme (`<http://host`). `mailto:`, `irc://`,
    `git://`, `ftp://` and `file:` links are fine, an `extlinks` role is checked as
    the URL it expands to (not as its template), and running text that docutils
    links although no URL was written (`http://<server>/path` links `http:/`)
    is left alone.

    ## Example
    ```rst
    See `the guide <http//example.com/guide>`_ and `the API <https://api.example.com:80a/>`_.
    ```

    ## Use instead
    ```rst
    See `the guide <http://example.com/guide>`_ and `the API <https://api.example.com:8080/>`_.
    ```

    ## Known problems
    Custom application schemes (`vscode:`, `zoommtg:`) are reported as unknown.
    """
    places_of = link_places(index)
    problems = _malformed_all(index, places_of)
    for url, places in places_of.items():
        problem = problems[url]
        if problem is None:
            continue
        reason, fix = problem
        hint = f"; did you mean {redact(fix)!r}?" if fix else ""
        for docname, link in places:
            if link.kind == "standalone" and CUT_SHORT_RE.match(url):
                continue  # running text docutils linked: "http://<server>/x" gives "http:/"
            at = Location(link.path, link.line, link.column)
            yield Hit(at, f"malformed URL {redact(url)!r}: {reason}{hint}", cause=docname)


Problem = tuple[str, str | None] | None  # malformed's answer: the reason and the likely URL


def _malformed_all(index: FactsIndex, urls: Iterable[str]) -> dict[str, Problem]:
    """malformed() of each URL, kept per source dir between runs (~5 ms of nova's 557 URLs)."""
    modules = (__file__, link_syntax.__file__)
    cache = DerivedCache("malformed", modules, enabled=index.cache_enabled)
    key = cache.key("urls", index.srcdir)
    kept = cache.get(key, _well_formed)
    known = cast("dict[str, Problem]", kept) if kept is not None else {}
    found = {url: known[url] if url in known else malformed(url) for url in urls}
    if found != known:
        cache.put(key, found)
    return found


def _well_formed(entry: object) -> bool:
    """A kept entry as _malformed_all writes it (the cache is untrusted)."""
    return type(entry) is dict and all(
        type(url) is str and (problem is None or row(problem, str, (str, None)))
        for url, problem in entry.items()
    )


@rule("link-insecure", Severity.WARNING, Phase.TREE, enabled=False, tags={"links"})
def link_insecure(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """An `http://` link to a host that serves https.

    ## Why is this bad?
    The page is fetched in clear text (or through a redirect) where https is
    there for the taking: readers can be tampered with on the way, and link
    checkers report a redirect on every run.

    ## Example
    ```rst
    The code is on `GitHub <http://github.com/openstack/nova>`_.
    ```

    ## Use instead
    ```rst
    The code is on `GitHub <https://github.com/openstack/nova>`_.
    ```

    ## Options
    `https-hosts` in `[tool.novadoclint.linkcheck]` adds hosts to the built-in list
    (docs.openstack.org, opendev.org, github.com, pypi.org and a few more): exact
    names, or `*.example.org` for every subdomain.
    """
    exact, suffixes = https_hosts(ctx.settings)
    for url, places in link_places(index).items():
        if url[:7].lower() != "http://" or malformed(url) is not None:
            continue
        host = (urlsplit(url).hostname or "").rstrip(".")
        if host in exact or (suffixes and host.endswith(suffixes)):
            fixed = "https://" + url[7:]
            for docname, link in places:
                at = Location(link.path, link.line, link.column)
                message = (
                    f"insecure link {redact(url)!r}: {host} serves https; use {redact(fixed)!r}"
                )
                yield Hit(at, message, docname)


# -- network rules: only with --check-links --------------------------------------------------
