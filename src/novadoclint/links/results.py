"""Link results kept between runs, so a re-run makes no requests for links already known.

On top of :class:`~novadoclint.safety.cache.DiskCache`, with a lifetime per outcome
(:func:`ttl_for`). Keys hash the URL (the cache stores its keys, and a URL may hold a
password) and the options that change a result, so a config change is not served stale;
their prefix ``novadoclint.linkcheck`` predates this module and is kept, so users' caches
stay valid.
"""

from __future__ import annotations

import hashlib

from novadoclint.links.options import LinkCheckOptions
from novadoclint.links.outcome import LinkResult, LinkStatus, join_anchor
from novadoclint.safety.cache import DiskCache

__all__ = ["ResultCache", "ttl_for"]

#: Bumped when the cached record shape or its meaning changes.
_CACHE_RECORD = "linkresult-2"


def ttl_for(status: LinkStatus, options: LinkCheckOptions) -> float | None:
    """How long an outcome may be cached; ``None`` for outcomes that are never cached.

    Skipped, ignored and unchecked results are cheap or depend on the environment (DNS, the
    guard, the options), so they are recomputed every run.
    """
    if status is LinkStatus.OK:
        return options.ttl_ok
    if status is LinkStatus.REDIRECTED:
        return options.ttl_redirected
    if status in (LinkStatus.BROKEN, LinkStatus.ANCHOR_MISSING):
        return options.ttl_broken
    return None


class ResultCache:
    """One run's view of the result cache: its options decide the keys and lifetimes."""

    def __init__(self, options: LinkCheckOptions, cache: DiskCache | None) -> None:
        self._options = options
        self._cache = cache
        self._scope = self._fingerprint()

    def _fingerprint(self) -> str:
        """Hash of the options that change a result, so a config change is not served stale.

        Hashed (never stored) because headers may carry credentials.
        """
        relevant = (
            sorted((prefix, sorted(headers)) for prefix, headers in self._options.headers),
            self._options.allowed_redirects,
            self._options.max_body,
            self._options.allow_private,
            self._options.user_agent,
        )
        return hashlib.sha256(repr(relevant).encode("utf-8", "surrogatepass")).hexdigest()[:24]

    def key(self, fetch_url: str, anchor: str | None) -> str:
        """The URL is hashed: the cache stores its keys, and a URL may hold a password."""
        what = fetch_url if anchor is None else f"{fetch_url}\0#{anchor}"
        digest = hashlib.sha256(what.encode("utf-8", "surrogatepass")).hexdigest()
        return f"novadoclint.linkcheck\0{_CACHE_RECORD}\0{self._scope}\0{digest}"

    def get(self, fetch_url: str, anchor: str | None) -> LinkResult | None:
        """The cached result, unless there is none, it is stale or unreadable, or the run
        asked for fresh results (``refresh``)."""
        if self._cache is None or self._options.refresh:
            return None
        record = self._cache.get(self.key(fetch_url, anchor))
        if not (isinstance(record, tuple) and len(record) == 4):
            return None
        status, message, code, final_url = record
        try:
            status = LinkStatus(status)
        except ValueError:
            return None
        if (
            ttl_for(status, self._options) is None
            or not isinstance(message, str)
            or not (code is None or isinstance(code, int))
            or not (final_url is None or isinstance(final_url, str))
        ):
            return None
        return LinkResult(join_anchor(fetch_url, anchor), status, message, code, final_url)

    def put(self, fetch_url: str, anchor: str | None, result: LinkResult) -> None:
        """Keep *result* for as long as its outcome may be trusted (:func:`ttl_for`)."""
        if self._cache is None:
            return
        ttl = ttl_for(result.status, self._options)
        if ttl is None or ttl <= 0:
            return
        record = (result.status.value, result.message, result.code, result.final_url)
        self._cache.put(self.key(fetch_url, anchor), record, ttl=ttl)
