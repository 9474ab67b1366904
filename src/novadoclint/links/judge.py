"""How a link is judged: the configured patterns, and the verdict on a page's last answer.

What a tree's settings say about its links (URLs to ignore, anchors not to check, redirects
that are fine) is applied here, before a request (:meth:`LinkJudge.precheck`,
:meth:`LinkJudge.split`) and after one (:meth:`LinkJudge.judge`). The patterns come from
conf.py or ``.novadoclint.toml``, that is from the pull request: they run through
:mod:`novadoclint.safety.saferegex`, with a time limit per match and one budget in all.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING
from urllib.parse import unquote

from novadoclint.links.options import LinkCheckOptions
from novadoclint.links.outcome import LinkResult, LinkStatus, join_anchor, status_text
from novadoclint.links.syntax import unfetchable
from novadoclint.safety import saferegex

if TYPE_CHECKING:  # the HTTP core is imported only by a run that fetches
    from novadoclint.links.http import Fetch

__all__ = ["LinkJudge"]


class LinkJudge:
    """One run's compiled patterns, and the verdicts that use them."""

    def __init__(self, options: LinkCheckOptions) -> None:
        self._options = options
        budget = saferegex.Budget()
        self._ignore = tuple(saferegex.compile(p, budget) for p in options.ignore)
        self._anchors_ignore = tuple(saferegex.compile(p, budget) for p in options.anchors_ignore)
        self._allowed = tuple(
            (saferegex.compile(source, budget), saferegex.compile(target, budget))
            for source, target in options.allowed_redirects
        )
        self._pattern_lock = threading.Lock()  # allowed redirects are judged on worker threads

    def precheck(self, url: str) -> LinkResult | None:
        """Results that need no network: ignored URLs, other schemes, unparsable URLs."""
        for pattern in self._ignore:
            if saferegex.match_or_say(pattern, url, "linkcheck: ignore", "URL"):
                return LinkResult(
                    url, LinkStatus.IGNORED, f"ignored by pattern {pattern.pattern!r}"
                )
        refusal = unfetchable(url)
        if refusal is not None:
            return LinkResult(url, *refusal)
        return None

    def split(self, url: str) -> tuple[str, str | None]:
        """The URL to fetch (no fragment) and the anchor to look for, if it must be checked."""
        fetch_url, _, fragment = url.partition("#")
        if not fragment or not self._options.anchors:
            return fetch_url, None
        if any(
            saferegex.match_or_say(p, fragment, "linkcheck: anchors-ignore", "anchor")
            for p in self._anchors_ignore
        ):
            return fetch_url, None
        return fetch_url, fragment

    def judge(self, fetch_url: str, anchor: str | None, fetch: Fetch) -> LinkResult:
        """The result for *anchor* (None: the page itself) of the answer *fetch* got."""
        url = join_anchor(fetch_url, anchor)
        final_url = fetch.final_url if fetch.redirected else None
        answer = status_text(fetch.code, fetch.reason)
        if fetch.code == 429:
            attempts = self._options.retries + 1
            message = f"rate limited: {answer} (gave up after {attempts} attempts)"
            return LinkResult(url, LinkStatus.UNCHECKED, message, fetch.code, final_url)
        if not 200 <= fetch.code < 300:
            return LinkResult(url, LinkStatus.BROKEN, answer, fetch.code, final_url)
        note = ""
        if anchor is not None:
            if fetch.not_scanned:
                note = f"; anchor not checked ({fetch.not_scanned})"
            elif anchor not in fetch.found and unquote(anchor) not in fetch.found:
                message = f"anchor {anchor!r} not found"
                if fetch.truncated:
                    message += f" in the first {fetch.scanned} bytes"
                return LinkResult(url, LinkStatus.ANCHOR_MISSING, message, fetch.code, final_url)
        if fetch.permanent_code is not None:
            if not self.redirect_allowed(fetch_url, fetch.final_url):
                message = (
                    f"permanently redirected to {fetch.final_url} "
                    f"({status_text(fetch.permanent_code, '')})"
                )
                return LinkResult(
                    url, LinkStatus.REDIRECTED, message, fetch.permanent_code, final_url
                )
            note = f" after allowed redirect to {fetch.final_url}{note}"
        elif fetch.redirected:
            note = f" after temporary redirect to {fetch.final_url}{note}"
        return LinkResult(url, LinkStatus.OK, answer + note, fetch.code, final_url)

    def redirect_allowed(self, source: str, target: str) -> bool:
        """Whether a permanent redirect from *source* to *target* is configured as fine."""
        with self._pattern_lock:
            return any(
                saferegex.match_or_say(src, source, "linkcheck: allowed-redirects", "URL")
                and saferegex.match_or_say(dst, target, "linkcheck: allowed-redirects", "URL")
                for src, dst in self._allowed
            )
