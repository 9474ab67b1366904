"""A link check's ledger: every URL once, the results known without a request, the pages left.

What a check decides before the network: a pattern or the scheme settles a URL
(:meth:`LinkJudge.precheck <novadoclint.links.judge.LinkJudge.precheck>`), the fragment is
split off (``page#a``, ``page#b`` and ``page`` share one fetch of ``page``), and the result
cache (:mod:`.results`) answers what an earlier run learnt. Apart from the coordinator
(:mod:`.checker`) because a re-run whose every result is cached needs nothing else: it never
imports the HTTP client, ssl, the guard or the scheduler.

URLs may come in several batches (:meth:`Ledger.add`, as phase 1 parses the documents that
hold them); each batch says which pages, and which of their anchors, are still to fetch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from novadoclint.links.judge import LinkJudge
from novadoclint.links.options import LinkCheckOptions
from novadoclint.links.outcome import LinkResult
from novadoclint.links.results import ResultCache
from novadoclint.safety.cache import DiskCache

__all__ = ["Ledger", "Pages"]

#: Pages to fetch: fetch URL -> the anchors wanted of it (None: the status only).
Pages = dict[str, frozenset[str | None]]


class Ledger:
    """One check's URLs and their results; raises ``ValueError`` for patterns saferegex
    refuses (see :class:`~novadoclint.links.judge.LinkJudge`)."""

    def __init__(self, options: LinkCheckOptions, cache: DiskCache | None) -> None:
        self.judge = LinkJudge(options)
        self._cache = ResultCache(options, cache)
        self.results: dict[str, LinkResult] = {}  # input URL -> its result, once known
        self._seen: set[str] = set()
        # fetch URL -> anchor -> the input URLs that share that check
        self._members: dict[str, dict[str | None, list[str]]] = {}
        self._cached: dict[tuple[str, str | None], LinkResult] = {}

    def add(self, urls: Iterable[str]) -> Pages:
        """Take the URLs not seen before: settle what needs no request; return the pages,
        and the anchors of each, that are newly wanted."""
        wanted: dict[str, set[str | None]] = {}
        for url in urls:
            if url in self._seen:
                continue
            self._seen.add(url)
            early = self.judge.precheck(url)
            if early is not None:
                self.results[url] = early
                continue
            fetch_url, anchor = self.judge.split(url)
            by_anchor = self._members.setdefault(fetch_url, {})
            if anchor not in by_anchor:
                by_anchor[anchor] = []
                cached = self._cache.get(fetch_url, anchor)
                if cached is None:
                    wanted.setdefault(fetch_url, set()).add(anchor)
                else:
                    self._cached[fetch_url, anchor] = cached
            by_anchor[anchor].append(url)
            known = self._cached.get((fetch_url, anchor))
            if known is not None:
                self.results[url] = dataclasses.replace(known, url=url)
        return {fetch_url: frozenset(anchors) for fetch_url, anchors in wanted.items()}

    def settle(
        self, fetch_url: str, page: dict[str | None, LinkResult], *, cacheable: bool
    ) -> None:
        """A fetched page's results, for every URL that shares them (and the cache)."""
        for anchor, result in page.items():
            if cacheable:
                self._cache.put(fetch_url, anchor, result)
            for url in self._members[fetch_url][anchor]:
                self.results[url] = dataclasses.replace(result, url=url)
