"""The run's link plan: which URLs of the tree are checked, once each, and how it is shown.

The link rules and the engine's network phase share these, so they live apart from both:
:func:`link_places` deduplicates the tree's URLs keeping every place, and :func:`check`
asks :func:`~novadoclint.links.checker.check_links` about every well-formed URL
(:func:`~novadoclint.links.syntax.malformed`) in scope with the options the tree's settings
give (:func:`~novadoclint.links.options.options`), showing its progress on standard error
when that is a terminal (:class:`TerminalProgress`).

A machine without a network is a problem of the environment, not of the links: when
no host name resolves (:class:`~novadoclint.links.outcome.NetworkUnreachable`),
:func:`check` raises :class:`NetworkDown`, a configuration error: the command says so once
and exits 2, reporting no finding, rather than calling every link broken (exit 1) or
passing.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Mapping
from typing import TextIO

from novadoclint.facts import Link
from novadoclint.findings import printable
from novadoclint.index import FactsIndex
from novadoclint.links.options import excluded_documents, options
from novadoclint.links.outcome import LinkProgress, LinkResult, NetworkUnreachable
from novadoclint.links.syntax import malformed
from novadoclint.safety.cache import DiskCache
from novadoclint.settings import ConfigError, Settings

__all__ = ["LinkResults", "NetworkDown", "Place", "TerminalProgress", "check", "link_places"]

Place = tuple[str, Link]  # (docname, link): the document whose change causes a finding
LinkResults = Mapping[str, LinkResult]

CACHE_NAMESPACE = "links-1"


def link_places(index: FactsIndex) -> dict[str, tuple[Place, ...]]:
    """URL -> every place it is written, each once, in document order; URLs sorted."""
    found: dict[str, dict[tuple[str, int, int], Place]] = {}
    for docname in sorted(index.docs):
        for link in index.docs[docname].links:
            places = found.setdefault(link.url, {})
            places.setdefault((link.path, link.line, link.column), (docname, link))
    return {url: tuple(found[url].values()) for url in sorted(found)}


class NetworkDown(ConfigError):
    """--check-links on a machine where no host name resolves: exit 2, said once."""

    def __init__(self, offline: NetworkUnreachable) -> None:
        from novadoclint.links.guard import OFFLINE_AFTER_HOSTS

        shown = ", ".join(offline.hosts[:OFFLINE_AFTER_HOSTS])
        super().__init__(
            None,
            None,
            "--check-links: the network is unreachable: no host name resolved "
            f"({shown}), so the links ({offline.pages} pages) were not checked and nothing "
            "is reported; check the connection or the DNS settings, or lint without "
            "--check-links",
        )
        self.offline = offline


class TerminalProgress:
    """One line on a terminal, rewritten as pages are checked, cleared at the end.

    ``links: 120/661 pages, 14/52 hosts done; docs.openstack.org 40/300``: at most ten
    times a second, cut to the terminal's width, host names through ``printable`` (they
    come from the documents). Nothing is written when *stream* is no terminal, so CI logs
    and captured output stay clean.
    """

    INTERVAL = 0.1

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = sys.stderr if stream is None else stream
        try:
            self.enabled = self._stream.isatty()
        except (AttributeError, ValueError, OSError):
            self.enabled = False
        self._shown = False
        self._last = 0.0

    def __call__(self, progress: LinkProgress) -> None:
        if not self.enabled or progress.total == 0:
            return
        now = time.monotonic()
        if self._shown and progress.done < progress.total and now - self._last < self.INTERVAL:
            return
        self._last = now
        text = (
            f"novadoclint: links: {progress.done}/{progress.total} pages, "
            f"{progress.hosts_done}/{progress.hosts_total} hosts done"
        )
        if progress.host:
            text += f"; {printable(progress.host)} {progress.host_done}/{progress.host_total}"
        width = shutil.get_terminal_size((80, 24)).columns - 1
        self._write(f"\r{text[:width]}\x1b[K")
        self._shown = True

    def close(self) -> None:
        """Clear the line, so what follows on the terminal starts at its beginning."""
        if self._shown:
            self._write("\r\x1b[K")
            self._shown = False

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # a closed or broken terminal: stop showing progress
            self.enabled = False


def check(
    index: FactsIndex,
    settings: Settings,
    *,
    scope: Callable[[str], bool] | None = None,
    progress: TerminalProgress | None = None,
) -> dict[str, LinkResult]:
    """Check every well-formed URL of the tree (or of the places in scope) once.

    Raises ConfigError for settings that cannot work (a bad regex, a header prefix that is
    no URL), before any request is made, and :class:`NetworkDown` when no host name
    resolves. *progress* shows how far the check is (by default on standard error, if
    that is a terminal).
    """
    opts = options(index.conf, settings)
    skip_doc = excluded_documents(index.conf)

    def wanted(docname: str, link: Link) -> bool:
        if skip_doc(docname):
            return False
        return scope is None or scope(link.path) or scope(index.docs[docname].path)

    urls = [
        url
        for url, places in link_places(index).items()
        if malformed(url) is None and any(wanted(doc, link) for doc, link in places)
    ]
    from novadoclint.links.checker import check_links  # ssl, the HTTP client: only here

    cache = DiskCache(CACHE_NAMESPACE) if settings.cache else None
    shown = TerminalProgress() if progress is None else progress
    try:
        return check_links(urls, opts, cache=cache, progress=shown)
    except NetworkUnreachable as exc:
        raise NetworkDown(exc) from None
    except ValueError as exc:
        raise ConfigError(index.conf.path, None, f"linkcheck: {exc}") from None
    finally:
        shown.close()
