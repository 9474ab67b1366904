"""How to check links: conf.py's ``linkcheck_*`` and ``[tool.novadoclint.linkcheck]`` as one value.

:class:`LinkCheckOptions` is what the fetcher obeys; :func:`options` builds it from a
tree's settings (Sphinx's first, ours on top), and the other readers here turn the rest of
those settings into what the link rules and the plan ask (documents left out, hosts known
to serve https). conf.py and the settings come with the pull request, so every value is
checked or clamped here, before any request is made, and every pattern runs through
:mod:`novadoclint.safety.saferegex`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from novadoclint import __version__, about
from novadoclint.project.sphinxconf import SphinxConf
from novadoclint.safety import saferegex
from novadoclint.safety.untrusted import excerpt
from novadoclint.settings import ConfigError, Settings

__all__ = [
    "DEFAULT_USER_AGENT",
    "HTTPS_HOSTS",
    "MAX_BACKOFF",
    "MAX_RETRIES",
    "MAX_RETRY_AFTER",
    "MAX_RUN_TIMEOUT",
    "MAX_TIMEOUT",
    "MAX_WORKERS",
    "LinkCheckOptions",
    "excluded_documents",
    "https_hosts",
    "options",
]

DEFAULT_USER_AGENT = f"novadoclint/{__version__} (+{about.HOMEPAGE}; link checker)"
#: Upper bounds of the options (conf.py's values are clamped to them, not refused).
MAX_TIMEOUT = 120.0
MAX_RETRIES = 5
MAX_RETRY_AFTER = 300.0
MAX_BACKOFF = 10.0
MAX_RUN_TIMEOUT = 3 * 3600.0
MAX_WORKERS = 64
#: Hosts known to serve everything over https (link-insecure); config adds more.
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


@dataclass(frozen=True, slots=True)
class LinkCheckOptions:
    """How to check links; the fields mirror Sphinx's ``linkcheck_*`` settings where one exists.

    Regexes (``ignore``, ``anchors_ignore``, ``allowed_redirects``) are applied with
    ``re.match``, as Sphinx does, so they are anchored at the start; they come from the
    tree, so they run through :mod:`novadoclint.safety.saferegex` (a pattern that times out no
    longer matches, and is logged once). ``headers`` maps a URL
    prefix (scheme, host, port and a path prefix) or ``'*'`` to request headers; the most
    specific matching prefix wins and entries are not merged, as in Sphinx. Lifetimes are in
    seconds.

    ``timeout`` is the TOTAL time one request may take (connecting, headers and body; each
    redirect hop is a request of its own), at most :data:`MAX_TIMEOUT` (120 s). ``retries``
    (after the first attempt) is at most :data:`MAX_RETRIES` (5); a failed ``HEAD`` is
    always followed by one ``GET`` however few retries are allowed. ``backoff`` is the base
    delay of the exponential retry backoff (at most :data:`MAX_BACKOFF`, 10 s; one pause at
    most 60 s), and ``max_retry_after`` caps how long a ``Retry-After`` is obeyed at a time
    (at most :data:`MAX_RETRY_AFTER`, 300 s). ``run_timeout`` bounds the whole run (``None``:
    derived from the number of pages, ``timeout``, ``retries`` and ``workers``, between 2
    and 30 minutes; at most :data:`MAX_RUN_TIMEOUT`, 3 hours). After ``host_failures``
    time-outs or refused connections in a row, a host's remaining links are not fetched.
    Larger values are clamped to these caps, silently: a conf.py written for Sphinx must
    still work.

    ``workers`` is how many requests may be in flight in all (Sphinx's
    ``linkcheck_workers``: that many threads, each checking one link at a time; Sphinx's
    default is 5, lychee's 128), ``per_host`` how many to one host (by its address; 6, as
    browsers open, lowered while the host pushes back: :mod:`.throttle`). The default, 32
    workers, makes the hosts' limits, not the pool, the bound on a tree of many hosts
    (nova's 412 pages over 107 hosts: 48 or 64 threads were no faster, their contention
    for the interpreter lock costs what they gain); no more threads are started than the
    hosts' slots can use.
    """

    timeout: float = 15.0
    retries: int = 2
    backoff: float = 0.5
    max_retry_after: float = 60.0
    run_timeout: float | None = None
    host_failures: int = 3
    workers: int = 32
    per_host: int = 6
    headers: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    ignore: tuple[str, ...] = ()
    anchors: bool = True
    anchors_ignore: tuple[str, ...] = ("^!",)
    allowed_redirects: tuple[tuple[str, str], ...] = ()
    allow_private: bool = False
    max_body: int = 5_000_000
    user_agent: str = DEFAULT_USER_AGENT
    use_cache: bool = True
    refresh: bool = False
    ttl_ok: float = 86400.0
    ttl_broken: float = 3600.0
    ttl_redirected: float = 86400.0

    def __post_init__(self) -> None:
        """Reject values that would hang or do nothing; clamp those that would wait too long."""
        if not self.timeout > 0:  # also NaN
            raise ValueError(f"timeout must be positive, not {self.timeout!r}")
        if self.retries < 0:
            raise ValueError(f"retries must be zero or more, not {self.retries!r}")
        if not (self.backoff >= 0 and self.max_retry_after >= 0):
            raise ValueError("backoff and max_retry_after must not be negative")
        if self.run_timeout is not None and not self.run_timeout > 0:
            raise ValueError(f"run_timeout must be positive, not {self.run_timeout!r}")
        if self.workers < 1 or self.per_host < 1 or self.host_failures < 1:
            raise ValueError("workers, per_host and host_failures must be at least 1")
        if self.max_body < 0:
            raise ValueError(f"max_body must not be negative, not {self.max_body!r}")
        caps: dict[str, float | int] = {
            "timeout": MAX_TIMEOUT,
            "retries": MAX_RETRIES,
            "backoff": MAX_BACKOFF,
            "max_retry_after": MAX_RETRY_AFTER,
            "workers": MAX_WORKERS,
            "per_host": MAX_WORKERS,
        }
        if self.run_timeout is not None:
            caps["run_timeout"] = MAX_RUN_TIMEOUT
        for name, cap in caps.items():
            if getattr(self, name) > cap:
                object.__setattr__(self, name, cap)


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
