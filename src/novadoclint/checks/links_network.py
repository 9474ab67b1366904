"""The network rules: pure functions of the link-check results fetched once for the whole tree.

Only with --check-links (:mod:`novadoclint.links.plan` fetches each URL once);
apart from :mod:`links` so that a run without it does not import them. Each finding
is reported at every place the URL is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from http import HTTPStatus
from urllib.parse import urlsplit

from novadoclint.context import Context
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.links.options import excluded_documents
from novadoclint.links.outcome import LinkResult, LinkStatus
from novadoclint.links.plan import LinkResults, link_places
from novadoclint.links.syntax import redact
from novadoclint.registry import Phase, rule


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
