"""External links, one concern per module, in the order a check goes through them.

* :mod:`.syntax`: whether a URL is well-formed (:func:`malformed`), whether the check sends
  it, and the one reading of it every request decision uses; :func:`redact`.
* :mod:`.options`: conf.py's ``linkcheck_*`` and ``[tool.novadoclint.linkcheck]`` merged
  into :class:`LinkCheckOptions` (:func:`options`).
* :mod:`.plan`: the run's plan: which URLs of the tree are checked, the progress line, and
  the check begun while phase 1 parses (:class:`~.plan.LinkCheck`).
* :mod:`.ledger`: every URL once, the results known without a request (patterns, the
  result cache of :mod:`.results`), the pages left to fetch: all a re-run whose results
  are all cached needs.
* :mod:`.checker`: :func:`check_links`, the coordinator and its retry policy, over
  :mod:`.judge` (patterns and verdicts),
  :mod:`.guard` (which addresses may be contacted, DNS pinning, offline detection),
  :mod:`.schedule` (which page a worker takes next: a host with a free slot),
  :mod:`.throttle` (adaptive per-host slots, Retry-After, backoff, circuit breaker) and
  :mod:`.http` (one request chain: headers, redirects), which reads bodies through
  :mod:`.bodies` and :mod:`.anchors` within the time limits of :mod:`.deadline`.
* :mod:`.outcome`: the values they share (:class:`LinkResult`, :class:`LinkStatus`...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from novadoclint.links.options import LinkCheckOptions, options
from novadoclint.links.outcome import LinkProgress, LinkResult, LinkStatus, NetworkUnreachable
from novadoclint.links.syntax import authority_ambiguity, malformed, redact

if TYPE_CHECKING:
    from novadoclint.links.checker import check_links

__all__ = [
    "LinkCheckOptions",
    "LinkProgress",
    "LinkResult",
    "LinkStatus",
    "NetworkUnreachable",
    "authority_ambiguity",
    "check_links",
    "malformed",
    "options",
    "redact",
]


def __getattr__(name: str) -> Any:
    """``check_links``, its module imported on first use (PEP 562).

    Every lint imports this package (the link rules read URLs offline), but only
    --check-links needs the checker and what it pulls in: ssl and the HTTP
    client, some 70 ms of every run's start-up.
    """
    if name != "check_links":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from novadoclint.links.checker import check_links

    return check_links
