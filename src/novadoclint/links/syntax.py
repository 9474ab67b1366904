"""Whether a URL is well-formed, and the one reading of it that every request decision uses.

Two questions, asked by different parts and answered here side by side so the URL rules
stay in one place: :func:`malformed` is the author's mistake (a lost colon, a bad port: the
offline rule link-malformed reports it, and the network phase never sends such a URL);
:func:`unfetchable` is why the fetcher will not send a URL it was given anyway (another
scheme, no host, an authority two parsers read apart), and :func:`read_target` is how a URL
that is sent is read, once, as requests sends it. :func:`redact` hides passwords in URLs
wherever a URL is shown or stored.
"""

from __future__ import annotations

import difflib
import functools
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from docutils.utils import urischemes

from novadoclint.links.outcome import LinkStatus, Verdict, short_error

__all__ = [
    "CUT_SHORT_RE",
    "FETCHED_SCHEMES",
    "Target",
    "authority_ambiguity",
    "malformed",
    "read_target",
    "redact",
    "unfetchable",
    "without_userinfo",
]

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
#: The only schemes the link check fetches.
FETCHED_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
#: An authority no two URL parsers can read differently: a plain host name or IPv4, a port.
_PLAIN_AUTHORITY = re.compile(r"[A-Za-z0-9._-]+(?::[0-9]{1,5})?\Z")
#: ``scheme://user:password@``: the password is what :func:`redact` hides.
_USERINFO_PASSWORD = re.compile(
    r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/?#@\s:'\"]*):[^/?#@\s'\"]*@"
)


@functools.lru_cache(maxsize=8192)
def malformed(url: str) -> tuple[str, str | None] | None:
    """What is wrong with a URL's syntax, and the likely intended URL; None if well-formed.

    Kept per URL: the link-malformed rule and the --check-links plan both ask of every URL.
    """
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


def redact(text: str) -> str:
    """*text* with the password of every ``scheme://user:password@`` in it shown as ``***``.

    Documentation may carry credentials in URLs; a report or a cache must not repeat them.
    """
    return _USERINFO_PASSWORD.sub(r"\g<head>:***@", text)


def authority_ambiguity(url: str) -> str | None:
    """Why two URL parsers may connect *url* to different hosts, or ``None``.

    ``urlsplit`` (which a guard or a header table would use) and urllib3 (which requests
    connects with) disagree on some authorities: for ``http://a\\@b/`` the first reads host
    ``b``, the second host ``a``. Such a URL cannot be checked safely, so it is refused.
    Only URLs of the ``scheme://authority`` form are judged; plain ones are answered without
    importing urllib3.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if _PLAIN_AUTHORITY.match(authority):
        return None
    if "\\" in authority:
        return "a backslash in the host part (URL parsers disagree on which host it names)"
    try:
        split = urlsplit(url)
        split_port = split.port
    except ValueError:
        return None  # not a URL anyone connects to: other checks name the problem
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    try:
        parsed = parse_url(url)
    except LocationParseError:
        return "a host part URL parsers read differently"
    host = split.hostname or ""
    try:
        # urlsplit's host, normalised by urllib3's own rules (lower case, IDNA), to compare
        normalised = parse_url(f"{scheme}://{'[' + host + ']' if ':' in host else host}/").host
    except LocationParseError:
        normalised = None
    userinfo = split.netloc.rpartition("@")[0] if "@" in split.netloc else None
    if (
        normalised != parsed.host
        or split_port != parsed.port
        or (None if userinfo is None else unquote(userinfo))
        != (None if parsed.auth is None else unquote(parsed.auth))
    ):
        return "a host part URL parsers read differently"
    return None


def unfetchable(url: str) -> tuple[LinkStatus, str] | None:
    """Why the link check sends no request for *url*, or ``None`` when it may be fetched.

    Not the same question as :func:`malformed`: ``mailto:`` is well-formed and unfetched,
    and the messages say what the fetcher saw (Python's own words for a bad port).
    """
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a bad port
    except ValueError as exc:
        return LinkStatus.BROKEN, redact(f"invalid URL: {exc}")
    scheme = parts.scheme.lower()
    if scheme not in FETCHED_SCHEMES:
        what = f"scheme {scheme!r}" if scheme else "a URL without a scheme"
        return LinkStatus.UNCHECKED, f"{what} is not checked (only http, https)"
    if not parts.hostname:
        return LinkStatus.BROKEN, "invalid URL: no host name"
    problem = authority_ambiguity(url)
    if problem is not None:
        return LinkStatus.BROKEN, f"ambiguous URL, not fetched: {problem}"
    return None


@dataclass(frozen=True, slots=True)
class Target:
    """One hop's URL as it is sent, and the one reading of it that every decision uses."""

    url: str
    scheme: str
    host: str  # lower case, IDNA, no IPv6 brackets: what the connection goes to
    port: int
    path: str


def read_target(url: str, where: str = "") -> Target:
    """Prepare *url* as requests sends it and read it once; a :class:`Verdict` if that fails.

    The prepared URL is then parsed by urllib3 and by ``urlsplit`` (which requests' adapter
    uses to pick the connection's host): if they differ, the URL is refused, so the host the
    guard checks is the host connected to.
    """
    import requests
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    problem = authority_ambiguity(url)
    if problem is not None:
        raise Verdict(LinkStatus.BROKEN, f"{where}ambiguous URL: {problem}")
    prepared = requests.PreparedRequest()
    try:
        prepared.prepare_url(url, None)
        sent = str(prepared.url)
        parsed = parse_url(sent)
        split = urlsplit(sent)
        split_port = split.port
    except (requests.RequestException, LocationParseError, ValueError) as exc:
        raise Verdict(LinkStatus.BROKEN, f"{where}invalid URL: {short_error(exc)}") from None
    scheme = (parsed.scheme or "").lower()
    host = (parsed.host or "").strip("[]").lower()
    if scheme not in FETCHED_SCHEMES:
        message = f"{where}scheme {scheme!r} is not checked (only http, https)"
        raise Verdict(LinkStatus.UNCHECKED, message)
    if not host:
        raise Verdict(LinkStatus.BROKEN, f"{where}invalid URL: no host name")
    if (
        authority_ambiguity(sent) is not None
        or (split.hostname or "") != host
        or split_port != parsed.port
    ):
        raise Verdict(LinkStatus.BROKEN, f"{where}ambiguous URL: parsers read {sent!r} apart")
    port = parsed.port or _DEFAULT_PORTS[scheme]
    path = (parsed.path or "/") + (f"?{parsed.query}" if parsed.query is not None else "")
    return Target(sent, scheme, host, port, path)


def without_userinfo(url: str) -> str:
    """*url* with no ``user:password@``: credentials never follow a redirect."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
