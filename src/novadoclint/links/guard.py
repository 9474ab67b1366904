"""The address guard: which hosts a link check may contact, and that it contacts only those.

Documentation is the pull request's, so a link may point at the CI machine's own services
(``http://127.0.0.1:8080/admin``, ``http://169.254.169.254/`` cloud metadata). By default
nothing on loopback, private, link-local, reserved, multicast or cloud-metadata addresses is
contacted; ``allow_private`` (``--allow-private``) lifts this. The guard resolves the host
name itself just before each request (within ``timeout``: a resolver can hang) and the
connection goes to the addresses it approved (:func:`connect_pinned`), never to a second
DNS answer, so a name that rebinds to a private address after the check is not followed.

The lookups also tell a machine without a network from a tree of broken links: when the
first :data:`OFFLINE_AFTER_HOSTS` distinct public host names looked up all fail and no name
has resolved to a public address (or, with ``allow_private``, a private-use one), the guard
stops the run (:attr:`AddressGuard.offline`).
"""

from __future__ import annotations

import contextlib
import ipaddress
import queue
import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any

from novadoclint.links.deadline import RunClock, current_deadline
from novadoclint.links.options import LinkCheckOptions
from novadoclint.links.outcome import DnsFailure, LinkStatus, Verdict, seconds_text, short_error
from novadoclint.links.syntax import Target

__all__ = [
    "OFFLINE_AFTER_HOSTS",
    "AddressGuard",
    "address_refusal",
    "connect_pinned",
    "network_evidence",
    "public_name",
]

#: Distinct public host names whose lookups all failed, none resolving, that mean "offline".
OFFLINE_AFTER_HOSTS = 8
#: Top-level names no public host has (RFC 2606, 6761, 6762, 8375; common private ones):
#: a lookup failing for them says nothing about the network.
_PRIVATE_TLDS = frozenset(
    {"example", "invalid", "test", "localhost", "local", "internal", "lan", "localdomain"}
)
_METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
#: Where an intranet's hosts live (RFC 1918, RFC 4193).
_PRIVATE_USE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


class AddressGuard:
    """Resolves and approves each hop's host for one run, and counts what the lookups show
    about the network."""

    def __init__(self, options: LinkCheckOptions, clock: RunClock) -> None:
        self._options = options
        self._clock = clock
        self._lock = threading.Lock()
        # is the network there? public names whose lookup failed / that resolved publicly
        self._dns_failed: dict[str, None] = {}
        self._dns_resolved: set[str] = set()
        self._offline = False

    @property
    def offline(self) -> bool:
        """Whether the lookups so far show a machine without a network."""
        return self._offline

    def failed_names(self) -> tuple[str, ...]:
        """The public names whose lookups failed, sorted."""
        with self._lock:
            return tuple(sorted(self._dns_failed))

    def any_resolved(self) -> bool:
        """Whether any public name resolved (then failures are the links', not the machine's)."""
        with self._lock:
            return bool(self._dns_resolved)

    def approve(
        self, target: Target, where: str, *, redirected: bool
    ) -> tuple[str, tuple[str, ...]]:
        """Refuse hosts the service must not contact; return the host's politeness key and
        the addresses approved (the only ones the connection may use).

        The key is the host's (lowest) address, so many names for one server share its
        slots, its Retry-After and its circuit breaker.
        """
        final_url = target.url if redirected else None
        sockaddrs = self._resolve(target.host, target.port, where, final_url)
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in sockaddrs]
        if not self._options.allow_private:
            for address in addresses:
                reason = address_refusal(address)
                if reason is not None:
                    message = (
                        f"{where}not contacted: {target.host} resolves to {address}, a {reason} "
                        "address; private addresses are refused by default "
                        "(--allow-private lifts this)"
                    )
                    raise Verdict(LinkStatus.SKIPPED, message, final_url=final_url)
        key = str(min(addresses, key=lambda a: (a.version, int(a))))
        return key, tuple(sockaddrs)

    def _resolve(self, host: str, port: int, where: str, final_url: str | None) -> list[str]:
        """The addresses *host* stands for (as socket addresses, IPv6 scope kept): itself if
        it is an IP literal, else DNS's answer within ``timeout`` (a resolver can hang)."""
        with contextlib.suppress(ValueError):
            ipaddress.ip_address(host.split("%", 1)[0])
            return [host]
        seconds = max(0.01, min(self._options.timeout, self._clock.left()))
        try:
            infos = _getaddrinfo_within(host, port, seconds)
        except socket.gaierror as exc:
            self._note_lookup(host, resolved=False)
            message = f"{where}DNS failure: {host}: {exc.strerror or exc}"
            raise DnsFailure(LinkStatus.BROKEN, message, final_url=final_url) from exc
        except TimeoutError as exc:
            self._note_lookup(host, resolved=False)
            message = f"{where}DNS failure: {host}: no answer within {seconds_text(seconds)} s"
            raise DnsFailure(LinkStatus.BROKEN, message, final_url=final_url) from exc
        except (UnicodeError, OSError) as exc:
            message = f"{where}invalid host name {host!r}: {short_error(exc)}"
            raise Verdict(LinkStatus.BROKEN, message, final_url=final_url) from exc
        addresses: list[str] = []
        for info in infos:
            literal = str(info[4][0])
            with contextlib.suppress(ValueError):
                ipaddress.ip_address(literal.split("%", 1)[0])
                if literal not in addresses:
                    addresses.append(literal)
        if not addresses:
            message = f"{where}DNS failure: {host}: no address"
            raise DnsFailure(LinkStatus.BROKEN, message, final_url=final_url)
        if network_evidence(addresses, allow_private=self._options.allow_private):
            self._note_lookup(host, resolved=True)
        return addresses

    def _note_lookup(self, host: str, *, resolved: bool) -> None:
        """Count a lookup of a public name; stop the run once the network is clearly absent.

        Only names a public host may have count: a failure for ``controller`` or
        ``docs.example`` (placeholders in documentation) says nothing about the network, and
        neither does an answer :func:`network_evidence` does not take (``/etc/hosts``, a
        captive resolver). Once one name resolved, failures are the links'.
        """
        if not public_name(host):
            return
        with self._lock:
            if resolved:
                self._dns_resolved.add(host)
                return
            self._dns_failed.setdefault(host, None)
            if len(self._dns_failed) >= OFFLINE_AFTER_HOSTS and not self._dns_resolved:
                self._offline = True
                self._clock.stop.set()


def connect_pinned(connection: Any, new_conn: Callable[[], socket.socket]) -> socket.socket:
    """Open *connection*'s socket to an address the guard approved, never a fresh DNS answer.

    urllib3 would resolve the name again, and a second answer may differ from the one the
    guard checked (DNS rebinding: public first, 169.254.169.254 next). TLS still verifies
    the certificate against the name.
    """
    hop = current_deadline()
    name: str = connection._dns_host
    if hop is None or not hop.addresses or name.rstrip(".").lower() != hop.host.rstrip("."):
        return new_conn()
    last: Exception | None = None
    for address in hop.addresses:
        connection._dns_host = address
        try:
            return new_conn()
        except OSError as exc:  # urllib3's NewConnectionError, ConnectTimeoutError
            last = exc
        finally:
            connection._dns_host = name
    assert last is not None
    raise last


def _getaddrinfo_within(host: str, port: int, seconds: float) -> list[Any]:
    """``socket.getaddrinfo`` for TCP, or ``TimeoutError`` after *seconds*.

    getaddrinfo cannot be interrupted, so it runs on a daemon thread that is abandoned if
    the resolver does not answer in time.
    """
    answer: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()

    def lookup() -> None:
        try:
            answer.put((True, socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))
        except BaseException as exc:  # handed to the caller's thread
            answer.put((False, exc))

    threading.Thread(target=lookup, name="novadoclint-dns", daemon=True).start()
    try:
        ok, value = answer.get(timeout=seconds)
    except queue.Empty:
        raise TimeoutError(f"no DNS answer within {seconds} s") from None
    if not ok:
        raise value
    return list(value)


def address_refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why *address* must not be contacted without ``--allow-private``, or ``None``."""
    if address in _METADATA_ADDRESSES:
        return "cloud metadata"
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return address_refusal(embedded)
    for flag, label in (
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (address.is_unspecified, "unspecified"),
        (address.is_reserved, "reserved"),
        (address.is_private, "private"),
        (not address.is_global, "non-public"),
    ):
        if flag:
            return label
    return None


def public_name(host: str) -> bool:
    """Whether *host* (lower case, IDNA) may be a public host name: dotted, no IP literal,
    no top-level name reserved for examples, tests or private networks."""
    labels = host.rstrip(".").split(".")
    if len(labels) < 2 or labels[-1] in _PRIVATE_TLDS or labels[-2:] == ["home", "arpa"]:
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return True
    return False


def network_evidence(addresses: Iterable[str], *, allow_private: bool) -> bool:
    """Whether a name resolving to *addresses* shows that the resolver works.

    A public address does. With ``allow_private`` (an intranet's documentation) so does an
    address of the private-use ranges (RFC 1918, unique local): an intranet's DNS answered.
    Loopback (``/etc/hosts``), documentation and other reserved ranges (what a captive or
    sandbox resolver answers for every name) do not.
    """
    for literal in addresses:
        address = ipaddress.ip_address(literal.split("%", 1)[0])
        if address_refusal(address) is None:
            return True
        if allow_private and any(address in network for network in _PRIVATE_USE):
            return True
    return False
