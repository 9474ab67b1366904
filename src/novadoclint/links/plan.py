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

import logging
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, TextIO

from novadoclint.facts import DocFacts, Link
from novadoclint.findings import printable
from novadoclint.index import FactsIndex
from novadoclint.links.options import LinkCheckOptions, excluded_documents, options
from novadoclint.links.outcome import LinkProgress, LinkResult, NetworkUnreachable
from novadoclint.links.syntax import malformed
from novadoclint.project.sphinxconf import SphinxConf
from novadoclint.safety.cache import DiskCache
from novadoclint.settings import ConfigError, Settings

if TYPE_CHECKING:
    from novadoclint.links.checker import Checker
    from novadoclint.links.ledger import Ledger

__all__ = [
    "LinkCheck",
    "LinkResults",
    "NetworkDown",
    "Place",
    "TerminalProgress",
    "check",
    "link_places",
]

_log = logging.getLogger(__name__)

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
    return LinkCheck(index.conf, settings, scope=scope, progress=progress).results(index)


class LinkCheck:
    """The tree's link check, begun while phase 1 still parses: :func:`check` in two steps.

    Called with documents' facts as phase 1 hands them over, it starts fetching their URLs
    at once (:meth:`Checker.fetch <novadoclint.links.checker.Checker.fetch>`), so that the
    network waits while the processor parses; :meth:`results` then checks the tree's
    whole list, as :func:`check` does, and the results are the same. Settings that cannot
    work are not reported early: the documents' URLs then wait, and :meth:`results`
    raises as :func:`check` does (so does anything else going wrong early: the early
    check is dropped and :meth:`results` begins anew). A check whose every result is known
    without a request (cached) never imports the HTTP client.
    """

    def __init__(
        self,
        conf: SphinxConf,
        settings: Settings,
        *,
        scope: Callable[[str], bool] | None = None,
        progress: TerminalProgress | None = None,
    ) -> None:
        self._conf = conf
        self._settings = settings
        self._scope = scope
        self._skip_doc = excluded_documents(conf)
        self._shown = TerminalProgress() if progress is None else progress
        self._options: LinkCheckOptions | None = None
        self._ledger: Ledger | None = None
        self._checker: Checker | None = None
        self._early = True  # False once the settings failed: results() says why

    def wanted(self, docname: str, docpath: str, link: Link) -> bool:
        """Whether *link*, written in document *docname* (file *docpath*), is checked."""
        if self._skip_doc(docname):
            return False
        return self._scope is None or self._scope(link.path) or self._scope(docpath)

    def __call__(self, documents: Iterable[DocFacts]) -> None:
        """Start fetching these documents' URLs; phase 1 goes on with the others."""
        if not self._early:
            return
        written = dict.fromkeys(
            link.url
            for doc in documents
            for link in doc.links
            if self.wanted(doc.docname, doc.path, link)
        )
        try:
            pages = self._plan().add(url for url in written if malformed(url) is None)
            if pages:
                self._network().fetch(pages)
        except Exception:  # settings that cannot work, or worse: results() meets it again
            _log.debug("link check: not begun while parsing", exc_info=True)
            self._early = False
            self.stop()
            self._ledger = self._checker = None

    def results(self, index: FactsIndex) -> dict[str, LinkResult]:
        """Every URL of the tree in scope checked once, by URL, sorted; see :func:`check`."""
        urls = [
            url
            for url, places in link_places(index).items()
            if malformed(url) is None
            and any(self.wanted(doc, index.docs[doc].path, link) for doc, link in places)
        ]
        try:
            ledger = self._plan()
            pages = ledger.add(urls)
            if self._checker is None and not pages:  # all known: no request to make
                return {url: ledger.results[url] for url in dict.fromkeys(urls)}
            checker = self._network()
            checker.fetch(pages)
            return checker.finish(urls)
        except NetworkUnreachable as exc:
            raise NetworkDown(exc) from None
        except ValueError as exc:
            raise ConfigError(self._conf.path, None, f"linkcheck: {exc}") from None
        finally:
            self._shown.close()

    def stop(self) -> None:
        """Stop fetching: the run failed before :meth:`results` (nothing is reported)."""
        if self._checker is not None:
            self._checker.stop()

    def _plan(self) -> Ledger:
        """The URLs' ledger; the settings are read (and may fail) here, once."""
        if self._ledger is None:
            from novadoclint.links.ledger import Ledger

            opts = self._options = options(self._conf, self._settings)
            cache = DiskCache(CACHE_NAMESPACE) if self._settings.cache and opts.use_cache else None
            self._ledger = Ledger(opts, cache)
        return self._ledger

    def _network(self) -> Checker:
        """The coordinator of the fetches, made when the first page must be fetched."""
        if self._checker is None:
            from novadoclint.links.checker import Checker  # ssl, the HTTP client: only here

            ledger = self._plan()
            assert self._options is not None
            self._checker = Checker(self._options, None, self._shown, ledger=ledger)
        return self._checker
