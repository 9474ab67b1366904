"""What checking a link can conclude, as values every part of the link check shares.

:class:`LinkResult` is what callers get back; the exceptions here carry a verdict reached
before any usable HTTP response (the guard refused the host, DNS failed, a redirect looped)
out of whichever collaborator reached it, up to the coordinator that turns it into a result.
"""

from __future__ import annotations

import contextlib
import enum
import http
from dataclasses import dataclass

__all__ = [
    "DnsFailure",
    "HostDown",
    "LinkProgress",
    "LinkResult",
    "LinkStatus",
    "NetworkUnreachable",
    "RedirectTrouble",
    "Stopped",
    "Verdict",
    "join_anchor",
    "seconds_text",
    "short_error",
    "status_text",
]


class LinkStatus(str, enum.Enum):
    """The outcome of checking one link. Values are stable: they appear in cached records."""

    OK = "ok"
    BROKEN = "broken"
    REDIRECTED = "redirected"
    ANCHOR_MISSING = "anchor-missing"
    SKIPPED = "skipped"
    IGNORED = "ignored"
    UNCHECKED = "unchecked"


@dataclass(frozen=True, slots=True)
class LinkResult:
    """What is known about *url*: a status, a human reason, the final HTTP code if any, and
    the URL a redirect chain ended at (``None`` when there was no redirect)."""

    url: str
    status: LinkStatus
    message: str
    code: int | None = None
    final_url: str | None = None


@dataclass(frozen=True, slots=True)
class LinkProgress:
    """How far a check is, after a page (one URL without its fragment) is done.

    *host* is the host name of that page ("" before the first), *host_done* and
    *host_total* count that host's pages; *hosts_done* counts the hosts all of whose pages
    are done.
    """

    done: int
    total: int
    host: str = ""
    host_done: int = 0
    host_total: int = 0
    hosts_done: int = 0
    hosts_total: int = 0


class NetworkUnreachable(Exception):
    """No host name resolves: the machine is offline (or has no DNS), so no link could be
    judged. *hosts* are the public names whose lookups failed, sorted; *pages* is how many
    pages the check had to fetch."""

    def __init__(self, hosts: tuple[str, ...], pages: int) -> None:
        super().__init__(f"no host name resolved ({len(hosts)} tried)")
        self.hosts = hosts
        self.pages = pages


class Verdict(Exception):
    """A verdict reached without a usable HTTP response (guard, DNS, scheme, redirects)."""

    def __init__(
        self,
        status: LinkStatus,
        message: str,
        *,
        code: int | None = None,
        final_url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.final_url = final_url


class RedirectTrouble(Verdict):
    """A redirect loop or an over-long chain; after ``HEAD`` it is worth trying ``GET``."""


class HostDown(Verdict):
    """The host's circuit breaker is open: too many failures in a row, so no more requests."""


class DnsFailure(Verdict):
    """The host name did not resolve: said of the link, but never cached (it may be the
    machine's resolver that failed)."""


class Stopped(Exception):
    """The run ended (deadline or Ctrl-C) while this check waited: its result is not used."""


def join_anchor(fetch_url: str, anchor: str | None) -> str:
    """The input URL a page and an anchor stand for (the fragment is never fetched)."""
    return fetch_url if anchor is None else f"{fetch_url}#{anchor}"


def short_error(exc: BaseException) -> str:
    """*exc* in at most 200 characters: a message shows it, and servers write long ones."""
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def seconds_text(seconds: float) -> str:
    """A duration as messages show it: ``15`` rather than ``15.0``."""
    return f"{seconds:g}"


def status_text(code: int, reason: str) -> str:
    """``404 Not Found``: the code and the server's reason, or the standard phrase."""
    if not reason:
        with contextlib.suppress(ValueError):
            reason = http.HTTPStatus(code).phrase
    return f"{code} {reason}".strip()
