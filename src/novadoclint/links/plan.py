"""External links as a whole: where each URL occurs, whether it is well-formed, how to check it.

The link rules and the engine's network phase share these, so they live apart from both:
:func:`link_places` deduplicates the tree's URLs keeping every place, :func:`malformed`
says what is wrong with a URL's syntax (the offline rule reports it, and the network phase
never sends such a URL), and :func:`check` turns conf.py's ``linkcheck_*`` settings and
``[tool.novadoclint.linkcheck]`` into one :class:`~novadoclint.links.http.LinkCheckOptions`
and asks :mod:`novadoclint.links.http` about every URL worth a request, showing its
progress on standard error when that is a terminal (:class:`TerminalProgress`).

A machine without a network is a problem of the environment, not of the links: when
no host name resolves (:class:`~novadoclint.links.http.NetworkUnreachable`), :func:`check`
raises :class:`NetworkDown`, a configuration error: the command says so once and exits
2, reporting no finding, rather than calling every link broken (exit 1) or passing.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TextIO
from urllib.parse import urlsplit

from docutils.utils import urischemes

from novadoclint import saferegex
from novadoclint.cache import DiskCache
from novadoclint.facts import Link
from novadoclint.findings import printable
from novadoclint.index import FactsIndex
from novadoclint.links.http import (
    OFFLINE_AFTER_HOSTS,
    LinkCheckOptions,
    LinkProgress,
    LinkResult,
    NetworkUnreachable,
    authority_ambiguity,
    check_links,
)
from novadoclint.settings import ConfigError, Settings
from novadoclint.sphinxconf import SphinxConf
from novadoclint.untrusted import excerpt

Place = tuple[str, Link]  # (docname, link): the document whose change causes a finding
LinkResults = Mapping[str, LinkResult]

CACHE_NAMESPACE = "links-1"
# Schemes docutils knows, plus what documentation commonly links to besides.
KNOWN_SCHEMES = frozenset(urischemes.schemes) | {
    "git",
    "svn",
    "ircs",
    "sftp",
    "ftps",
    "git+ssh",
    "git+https",
    "svn+ssh",
    "ws",
    "wss",
    "rsync",
    "smb",
    "xmpp",
    "matrix",
    "slack",
    "spotify",
    "vnc",
    "spice",
    "rbd",
    "iscsi",
    "s3",
    "javascript",
}
# Schemes whose URLs name a host: scheme://host[:port]/...
HOST_SCHEMES = frozenset(
    {"http", "https", "ftp", "ftps", "sftp", "ssh", "git", "irc", "ircs", "ws", "wss", "svn"}
    | {"telnet", "gopher", "nntp", "ldap", "rsync", "smb", "git+ssh", "git+https", "svn+ssh"}
)
LIKELY_SCHEMES = ("http", "https", "ftp", "file", "irc", "git", "ssh", "mailto")
SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
LABEL_RE = re.compile(r"^(?!-)[\w-]{1,63}(?<!-)$")  # \w: letters of any script, digits, _
SPACE_RE = re.compile(r"[\s\x00-\x1f\x7f]")
STRAY_RE = re.compile(r"^([^:/?#\s]*?)[a-zA-Z]*://")  # "<http://x", "(see)<http://x"
INNER_URL_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://")
# What docutils links in running text although the author wrote no URL: a bare scheme,
# cut short by a placeholder ("http://<server>/x" becomes a link to "http:/").
CUT_SHORT_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:/{0,3}$")
BOTCHED = (
    (re.compile(r"^(https?|ftp)//", re.I), "missing ':' after the scheme", r"\1://"),
    (re.compile(r"^(https?|ftp);//?", re.I), "';' instead of ':' after the scheme", r"\1://"),
    (re.compile(r"^://"), "missing scheme", "https://"),
    (re.compile(r"^(?=www\.)", re.I), "no scheme, so it is a relative link", "https://"),
)
# Hosts known to serve everything over https (link-insecure); config adds more.
HTTPS_HOSTS = frozenset(
    {
        "docs.openstack.org",
        "specs.openstack.org",
        "governance.openstack.org",
        "releases.openstack.org",
        "wiki.openstack.org",
        "opendev.org",
        "review.opendev.org",
        "github.com",
        "gitlab.com",
        "pypi.org",
        "docs.python.org",
        "www.python.org",
        "launchpad.net",
        "bugs.launchpad.net",
        "blueprints.launchpad.net",
        "en.wikipedia.org",
        "www.rfc-editor.org",
        "datatracker.ietf.org",
    }
)


def link_places(index: FactsIndex) -> dict[str, tuple[Place, ...]]:
    """URL -> every place it is written, each once, in document order; URLs sorted."""
    found: dict[str, dict[tuple[str, int, int], Place]] = {}
    for docname in sorted(index.docs):
        for link in index.docs[docname].links:
            places = found.setdefault(link.url, {})
            places.setdefault((link.path, link.line, link.column), (docname, link))
    return {url: tuple(found[url].values()) for url in sorted(found)}


def malformed(url: str) -> tuple[str, str | None] | None:
    """What is wrong with a URL's syntax, and the likely intended URL; None if well-formed."""
    for pattern, reason, fix in BOTCHED:
        if pattern.match(url):
            return reason, pattern.sub(fix, url, count=1)
    stray = STRAY_RE.match(url)
    if stray and stray.group(1):
        inner = INNER_URL_RE.search(url, len(stray.group(1)))
        guess = url[inner.start() :] if inner else None
        return f"stray text {stray.group(1)!r} before the scheme", guess
    if SPACE_RE.search(url):
        return "contains white space or a control character", SPACE_RE.sub(_escape, url)
    match = SCHEME_RE.match(url)
    if match is None:
        return None  # a relative URL: not ours to judge
    scheme = match.group(1).lower()
    if scheme not in KNOWN_SCHEMES:
        close = difflib.get_close_matches(scheme, LIKELY_SCHEMES, n=1, cutoff=0.6)
        guess = close[0] + url[len(scheme) :] if close else None
        return f"unknown scheme {scheme!r}", guess
    if scheme not in HOST_SCHEMES:
        return None
    rest = url[len(scheme) + 1 :]
    if not rest.startswith("//"):
        fixed = f"{scheme}://{rest.lstrip('/')}"
        return f"missing '//' after '{scheme}:'", fixed
    return _authority_problem(url)


def _escape(match: re.Match[str]) -> str:
    return "".join(f"%{b:02X}" for b in match.group(0).encode())


def _authority_problem(url: str) -> tuple[str, str | None] | None:
    ambiguity = authority_ambiguity(url)  # first: the other checks read it as urlsplit does
    if ambiguity is not None:
        return ambiguity, None
    try:
        parts = urlsplit(url)
    except ValueError:  # unbalanced [ ], or not an IPv6 address between them
        netloc = url.split("//", 1)[1].split("/", 1)[0]
        return f"invalid IPv6 host {netloc.rpartition('@')[2]!r}", None
    host = parts.hostname
    if not host:
        return "empty host", None
    try:
        _ = parts.port
    except ValueError:
        port = parts.netloc.rpartition(":")[2]
        if port.isdigit():
            return f"port {port} out of range (0-65535)", None
        return f"bad port {port!r}", None
    if parts.netloc.endswith(":"):
        return "empty port", url.replace(parts.netloc, parts.netloc[:-1], 1)
    if "[" in parts.netloc:
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return f"invalid IPv6 address {host!r}", None
        return None
    labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
    if not all(LABEL_RE.match(label) for label in labels):
        return f"invalid host name {host!r}", None
    return None


def https_hosts(settings: Settings) -> tuple[frozenset[str], tuple[str, ...]]:
    """Hosts known to serve https: exact names, and ``*.domain`` suffixes from config."""
    extra = tuple(settings.linkcheck.get("https-hosts", ()))
    exact = HTTPS_HOSTS | {h.lower() for h in extra if not h.startswith("*.")}
    suffixes = tuple(h[1:].lower() for h in extra if h.startswith("*."))
    return frozenset(exact), suffixes


def options(conf: SphinxConf, settings: Settings) -> LinkCheckOptions:
    """Sphinx's linkcheck_* settings, then ours on top: lists add up, the rest is replaced.

    conf.py is untrusted, so the values are clamped by LinkCheckOptions rather than obeyed:
    ``linkcheck_timeout`` (the total per request) to 120 s, ``linkcheck_retries`` to 6
    attempts, ``linkcheck_rate_limit_timeout`` to 300 s. ``run-timeout`` (ours only: Sphinx
    has no such setting) bounds the whole check; by default it is derived from the number
    of pages (2 to 30 minutes), at most 3 hours.
    """
    ours = settings.linkcheck
    where = conf.path

    def sphinx(name: str, kinds: tuple[type, ...]) -> Any:
        value = conf.get(f"linkcheck_{name}")
        if value is not None and not isinstance(value, kinds):
            raise ConfigError(where, None, f"linkcheck_{name} has an unexpected type")
        return value

    values: dict[str, Any] = {}
    sphinx_ignore = sphinx("ignore", (list, tuple)) or ()
    values["ignore"] = tuple(dict.fromkeys((*_strings(sphinx_ignore), *ours.get("ignore", ()))))
    anchors = ours.get("anchors", sphinx("anchors", (bool,)))
    if anchors is not None:
        values["anchors"] = anchors
    sphinx_anchors_ignore = sphinx("anchors_ignore", (list, tuple))
    if sphinx_anchors_ignore is not None or "anchors-ignore" in ours:
        base = _strings(sphinx_anchors_ignore) if sphinx_anchors_ignore is not None else ("^!",)
        values["anchors_ignore"] = tuple(dict.fromkeys((*base, *ours.get("anchors-ignore", ()))))
    redirects = dict(sphinx("allowed_redirects", (dict,)) or {})
    redirects.update(ours.get("allowed-redirects", ()))
    values["allowed_redirects"] = tuple(
        (str(k), str(v)) for k, v in redirects.items() if isinstance(v, str)
    )
    headers: dict[str, Any] = dict(sphinx("request_headers", (dict,)) or {})
    headers.update(dict(ours.get("request-headers", ())))
    values["headers"] = tuple(
        (str(prefix), tuple((str(k), str(v)) for k, v in dict(table).items()))
        for prefix, table in headers.items()
        if isinstance(table, (dict, tuple))
    )
    timeout = ours.get("timeout", sphinx("timeout", (int, float)))
    if timeout:
        values["timeout"] = float(timeout)
    attempts = sphinx("retries", (int,))  # Sphinx counts attempts, we count retries
    retries = ours.get("retries", None if attempts is None else max(attempts - 1, 0))
    if retries is not None:
        values["retries"] = retries
    workers = ours.get("workers", sphinx("workers", (int,)))
    if workers:
        values["workers"] = workers
    if "per-host" in ours:
        values["per_host"] = ours["per-host"]
    rate_limit = sphinx("rate_limit_timeout", (int, float))
    if rate_limit is not None:
        values["max_retry_after"] = float(rate_limit)
    run_timeout = ours.get("run-timeout")
    if run_timeout is not None:
        if isinstance(run_timeout, bool) or not isinstance(run_timeout, (int, float)):
            raise ConfigError(where, None, "linkcheck.run-timeout must be a positive number")
        values["run_timeout"] = float(run_timeout)
    for pattern in (*values["ignore"], *values.get("anchors_ignore", ())):
        _check_regex(pattern, where)
    for source, target in values["allowed_redirects"]:
        _check_regex(source, where)
        _check_regex(target, where)
    values.update(
        allow_private=settings.allow_private, use_cache=settings.cache, refresh=settings.refresh
    )
    try:
        return LinkCheckOptions(**values)
    except ValueError as exc:
        raise ConfigError(where, None, f"linkcheck: {exc}") from None


def _strings(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(v for v in values if isinstance(v, str))


def _check_regex(pattern: str, where: str | None) -> None:
    """A pattern saferegex will run (re's syntax, short, bounded repeats); else ConfigError."""
    try:
        saferegex.check(pattern)
    except saferegex.PatternError as exc:
        message = f"linkcheck: bad regular expression {excerpt(pattern)}: {exc}"
        raise ConfigError(where, None, message) from None


def excluded_documents(conf: SphinxConf) -> Callable[[str], bool]:
    """Sphinx's linkcheck_exclude_documents: docnames (regexes) whose links are not checked.

    conf.py is the pull request's, so the patterns run through saferegex. They are
    compiled once per process and pattern list: the network phase and every network
    rule ask, and a pattern that timed out stays given up (and is logged once).
    """
    key = _strings(conf.get("linkcheck_exclude_documents") or ())
    for pattern in key:
        _check_regex(pattern, conf.path)
    if key not in _excluded_compiled:
        if len(_excluded_compiled) > 8:  # one conf.py per run, a few in tests
            _excluded_compiled.clear()
        budget = saferegex.Budget()
        try:
            _excluded_compiled[key] = tuple(saferegex.compile(p, budget) for p in key)
        except saferegex.PatternError as exc:  # the patterns are too costly in all
            raise ConfigError(conf.path, None, f"linkcheck_exclude_documents: {exc}") from None
    patterns = _excluded_compiled[key]
    return lambda docname: any(
        saferegex.match_or_say(p, docname, "conf.py: linkcheck_exclude_documents", "document name")
        for p in patterns
    )


_excluded_compiled: dict[tuple[str, ...], tuple[saferegex.SafePattern, ...]] = {}


class NetworkDown(ConfigError):
    """--check-links on a machine where no host name resolves: exit 2, said once."""

    def __init__(self, offline: NetworkUnreachable) -> None:
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
