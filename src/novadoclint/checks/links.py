"""Rules for external links: well-formed, targets defined and used, and (with --check-links) alive.

The offline rules read the facts (every URL and the places it is written) or, for named
targets, the doctree: docutils targets never cross documents in Sphinx. The network rules
are pure functions of the link-check results the engine fetched once for the whole tree
(:mod:`novadoclint.links.plan`), reported at every place the URL is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import cast
from urllib.parse import urlsplit

from docutils import nodes

from novadoclint.context import Context, ParsedDoc
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.links import syntax as link_syntax
from novadoclint.links.options import excluded_documents, https_hosts
from novadoclint.links.outcome import LinkResult, LinkStatus
from novadoclint.links.plan import LinkResults, link_places
from novadoclint.links.syntax import CUT_SHORT_RE, malformed, redact
from novadoclint.location import file_path, line_of, source_of, source_path
from novadoclint.project.derived import DerivedCache, row
from novadoclint.registry import Phase, rule
from novadoclint.resolve import did_you_mean

UNKNOWN_TARGET_RE = re.compile(r'^Unknown target name: "(.*)"\.$', re.DOTALL)
# [label]_ is a citation (Sphinx resolves those across the tree); [1]_ [#]_ [#x]_ [*]_ footnotes.
CITATION_RE = re.compile(r"^\[(?![#*\d])[^\]]+\]_$")


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


@rule("link-target-undefined", Severity.ERROR, Phase.FILE, tags={"links", "syntax"})
def link_target_undefined(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A named hyperlink reference (`` `name`_ ``) with no target of that name in its document.

    ## Why is this bad?
    docutils renders it as red "problematic" text and Sphinx warns
    `Unknown target name`; the reader gets no link. In Sphinx a target only
    serves the document that defines it (an `include` counts as the same
    document), so a target in another page does not help. This rule owns
    docutils' message; `rst-syntax` does not repeat it. Citations (`[label]_`)
    are left out: Sphinx resolves those across the whole tree.

    ## Example
    ```rst
    Read the `release notes`_ first.

    .. _release note: https://docs.openstack.org/releasenotes/nova/
    ```

    ## Use instead
    ```rst
    Read the `release notes`_ first.

    .. _release notes: https://docs.openstack.org/releasenotes/nova/
    ```
    """
    doctree = doc.doctree
    taken: set[tuple[str, int, int]] = set()
    for node in doctree.findall(nodes.problematic):
        message = doctree.ids.get(node.get("refid", ""))
        if not isinstance(message, nodes.system_message) or not message.children:
            continue
        match = UNKNOWN_TARGET_RE.match(message.children[0].astext())
        if match is None or CITATION_RE.match(node.rawsource):
            continue
        name = match.group(1)
        hint = did_you_mean(name, (n for n in doctree.nameids if n != name))
        at = _place(doc, ctx, node, node.rawsource, taken)
        yield Hit(at, f'unknown target name: "{name}"{hint}')


@rule("link-target-unused", Severity.WARNING, Phase.FILE, tags={"links"})
def link_target_unused(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """An external hyperlink target (`.. _name: URL`) that no `` `name`_ `` in its document uses.

    ## Why is this bad?
    The URL is dead weight: often the reference was removed or renamed, or it
    is misspelt and points nowhere (see `link-target-undefined`). Only external
    targets count: an internal label (`.. _name:`) serves `:ref:` from any page.
    Targets in an included file are left alone (another includer may use them),
    as are targets from `rst_prolog` or `rst_epilog`.

    ## Example
    ```rst
    Nova is on `GitHub`_.

    .. _GitHub: https://github.com/openstack/nova
    .. _Launchpad: https://launchpad.net/nova
    ```

    ## Use instead
    ```rst
    Nova is on `GitHub`_; bugs go to `Launchpad`_.

    .. _GitHub: https://github.com/openstack/nova
    .. _Launchpad: https://launchpad.net/nova
    ```
    """
    taken: set[tuple[str, int, int]] = set()
    for target in doc.doctree.findall(nodes.target):
        if (
            "refuri" not in target
            or not target["names"]
            or target.referenced
            or getattr(target, "resolved", False)  # an alias, `.. _a: b_`
            or isinstance(target.parent, nodes.TextElement)  # embedded `text <URL>`_
            or not target.source  # in no file: the project's, not the page's
            or source_path(target.source, ctx.srcdir, doc.path, prolog=None) != doc.path
            or any(_mentioned(doc.text, name) for name in target["names"])
        ):
            continue
        name = target["names"][0]
        at = _place(doc, ctx, target, target.rawsource, taken)
        yield Hit(at, f'hyperlink target "{name}" is not referenced; use it or remove it')


def _mentioned(text: str, name: str) -> bool:
    """A reference to the name in text novadoclint did not parse (an opaque directive's body)."""
    words = r"\s+".join(re.escape(w) for w in name.split())
    pattern = rf"(?<![\w.-]){words}_(?![\w])|`{words}`_(?!_)"
    return re.search(pattern, text, re.IGNORECASE) is not None


def _place(
    doc: ParsedDoc, ctx: Context, node: nodes.Node, needle: str, taken: set[tuple[str, int, int]]
) -> Location:
    """Where an inline node's markup is: docutils gives it its paragraph's first line."""
    path = file_path(source_of(node), ctx.srcdir, doc.path)
    start = line_of(node)
    if path != doc.path or not needle:
        return Location(path, start)
    first = needle.splitlines()[0]
    block = next((a for a in _lineage(node) if isinstance(a, nodes.TextElement)), None)
    span = block.rawsource.count("\n") + 1 if block is not None and block.rawsource else 1
    for number in range(start, min(start + span, len(doc.lines)) + 1):
        column = doc.lines[number - 1].find(first)
        while column >= 0:
            if (path, number, column + 1) not in taken:
                taken.add((path, number, column + 1))
                return Location(path, number, column + 1)
            column = doc.lines[number - 1].find(first, column + 1)
    return Location(path, start)


def _lineage(node: nodes.Node) -> Iterator[nodes.Node]:
    current = node.parent
    while current is not None:
        yield current
        current = current.parent


# -- network rules: only with --check-links --------------------------------------------------


def _network_hits(
    index: FactsIndex, results: LinkResults, message: Callable[[LinkResult], str | None]
) -> Iterator[Hit]:
    """A finding at every place of every URL whose result has a message."""
    skip_doc = excluded_documents(index.conf)
    for url, places in link_places(index).items():
        result = results.get(url)
        text = message(result) if result is not None else None
        if text is None:
            continue
        for docname, link in places:
            if not skip_doc(docname):
                yield Hit(Location(link.path, link.line, link.column), text, cause=docname)


@rule("link-broken", Severity.ERROR, Phase.NETWORK, tags={"links", "network"})
def link_broken(index: FactsIndex, results: LinkResults, ctx: Context) -> Iterator[Hit]:
    """A link whose page cannot be fetched: 4xx or 5xx, DNS failure, refused, timeout, TLS error.

    ## Why is this bad?
    Readers follow it to an error page. Each reason is named, as the server or
    the network gave it, after the retries `linkcheck_retries` allows.

    ## Example
    ```rst
    See the `old wiki page <https://wiki.example.org/RemovedPage>`_.
    ```

    ## Use instead
    ```rst
    See the `current guide <https://docs.example.org/guide/>`_.
    ```

    ## Options
    Runs only with `--check-links` (selecting it without that option does no
    network check: a note on standard error says so). conf.py's
    `linkcheck_ignore`, `linkcheck_timeout`, `linkcheck_retries` (attempts),
    `linkcheck_workers`, `linkcheck_request_headers`, `linkcheck_exclude_documents`
    and `linkcheck_rate_limit_timeout` are honoured, and so is
    `[tool.novadoclint.linkcheck]` (`ignore`, `timeout`, `retries` (retries after
    the first attempt), `workers`, `per-host`, `request-headers`), which adds to
    or overrides them. The timeout is the total time one request may take
    (connecting, headers and body; each redirect hop is one). conf.py is
    untrusted: the timeout is capped at 120 s, the retries at 5 (a failed HEAD
    is always followed by one GET), a Retry-After at 300 s. Results are cached
    in the user cache directory (`$NOVADOCLINT_CACHE_DIR`, else
    `$XDG_CACHE_HOME/novadoclint`): a working link for a day, a broken one for
    an hour; `--refresh` checks again, `--no-cache` neither reads nor writes
    the cache.
    """

    def message(result: LinkResult) -> str | None:
        if result.status is not LinkStatus.BROKEN:
            return None
        after = f" (after redirect to {result.final_url})" if result.final_url else ""
        return f"broken link {redact(result.url)!r}: {result.message}{after}"

    yield from _network_hits(index, results, message)


@rule("link-redirected", Severity.WARNING, Phase.NETWORK, tags={"links", "network"})
def link_redirected(index: FactsIndex, results: LinkResults, ctx: Context) -> Iterator[Hit]:
    """A link that is permanently redirected (301, 308), with the URL it ends at.

    ## Why is this bad?
    The page moved for good: every reader pays a round trip, and the old URL
    tends to break when the redirect is dropped. Temporary redirects (302, 303,
    307) are not reported.

    ## Example
    ```rst
    The `contributor guide <http://docs.openstack.org/infra/manual/>`_.
    ```

    ## Use instead
    ```rst
    The `contributor guide <https://docs.opendev.org/opendev/infra-manual/latest/>`_.
    ```

    ## Options
    Runs only with `--check-links`. Redirects matching conf.py's
    `linkcheck_allowed_redirects` (source regex: target regex) or
    `allowed-redirects` in `[tool.novadoclint.linkcheck]` are accepted.
    """

    def message(result: LinkResult) -> str | None:
        if result.status is not LinkStatus.REDIRECTED or not result.final_url:
            return None
        fragment = result.url.partition("#")[2]
        final = result.final_url + (f"#{fragment}" if fragment else "")
        code = result.code or 301
        what = f"{code} {HTTPStatus(code).phrase}" if code in (301, 308) else str(code)
        return f"link {redact(result.url)!r} is permanently redirected ({what}); use {final!r}"

    yield from _network_hits(index, results, message)


@rule("link-anchor-missing", Severity.WARNING, Phase.NETWORK, tags={"links", "network"})
def link_anchor_missing(index: FactsIndex, results: LinkResults, ctx: Context) -> Iterator[Hit]:
    """A link whose `#fragment` is no `id` or `name` in the page it points to.

    ## Why is this bad?
    The page opens at the top instead of at the section meant; usually the
    section was renamed. Anchors are looked for in the HTML as Sphinx's
    linkcheck does (ids and names, percent-encoding undone).

    ## Example
    ```rst
    See `the options <https://docs.example.org/config.html#old-section>`_.
    ```

    ## Use instead
    ```rst
    See `the options <https://docs.example.org/config.html#new-section>`_.
    ```

    ## Options
    Runs only with `--check-links`. conf.py's `linkcheck_anchors = False` (or
    `anchors = false` in `[tool.novadoclint.linkcheck]`) turns anchor checks off;
    `linkcheck_anchors_ignore` / `anchors-ignore` are regexes of anchors not to
    check (default `^!`).

    ## Known problems
    Anchors that a page adds with JavaScript (GitHub's `#L10` line links, for
    example) are not in its HTML: ignore them with `anchors-ignore`.
    """

    def message(result: LinkResult) -> str | None:
        if result.status is not LinkStatus.ANCHOR_MISSING:
            return None
        page = redact(result.url.partition("#")[0])
        return f"{result.message} in {page!r}"

    yield from _network_hits(index, results, message)


@rule("link-skipped", Severity.INFO, Phase.NETWORK, tags={"links", "network"})
def link_skipped(index: FactsIndex, results: LinkResults, ctx: Context) -> Iterator[Hit]:
    """An http(s) link that was not checked: a private address, or a host that kept refusing.

    ## Why is this bad?
    It is not bad in itself, but nobody knows whether it works. Links to
    loopback, private, link-local or cloud-metadata addresses are never
    contacted unless `--allow-private` is given: documentation is untrusted
    input, and a link check run on a pull request must not probe the CI
    network. A host that still answers 429 after the retries is reported here
    too, rather than as broken, and so are the remaining links of a host that
    timed out or refused three times in a row (it is not asked again in that
    run) and the links not reached when the whole check's deadline passed
    (`run-timeout`; by default 2 to 30 minutes, from the number of pages).

    ## Example
    ```rst
    The dashboard is at http://192.168.1.10/dashboard.
    ```

    ## Use instead
    ```rst
    The dashboard is at ``http://192.168.1.10/dashboard``.
    ```

    ## Options
    Runs only with `--check-links`; `--allow-private` lifts the address guard.
    """

    def message(result: LinkResult) -> str | None:
        if result.status not in (LinkStatus.SKIPPED, LinkStatus.UNCHECKED):
            return None
        if urlsplit(result.url).scheme.lower() not in ("http", "https"):
            return None  # other schemes are not checked, by design: nothing to say
        reason = result.message.removeprefix("not contacted: ")
        return f"link {redact(result.url)!r} not checked: {reason}"

    yield from _network_hits(index, results, message)
