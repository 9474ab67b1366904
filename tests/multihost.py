"""Web servers on several loopback addresses (127.0.0.2, 127.0.0.3...), one per "host".

Linux routes all of 127/8 to lo, so each server is a host of its own to the link check
(its own politeness key, its own slots), and all of them count what they see in one
:class:`Traffic`: every request in arrival order, and how many were in flight at once, in
all and per host, counted on the server side. A :class:`Latch` holds requests until a
given number are in flight together, so a test can show that the checker reaches that
concurrency without any assertion on time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

Answer = Callable[["HostHandler"], None]


class Latch:
    """Holds each request until *count* are in flight together (then lets all go, for
    good), or *patience* seconds pass: a checker below that concurrency is merely slow,
    and the test's count shows it."""

    def __init__(self, count: int, patience: float = 10.0) -> None:
        self.count = count
        self.patience = patience
        self.opened = threading.Event()


class Traffic:
    """What every server saw: (host, method, path) in arrival order, and the most requests
    in flight at once in all, per host, and the hosts busy together."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.log: list[tuple[str, str, str]] = []
        self.in_flight: dict[str, int] = {}
        self.max_total = 0
        self.max_per_host: dict[str, int] = {}
        self.max_hosts = 0
        self.latch: Latch | None = None
        self.ports: dict[str, set[int]] = {}  # the client ports (connections) per host

    @contextmanager
    def request(self, host: str, method: str, path: str, port: int) -> Iterator[None]:
        with self.lock:
            self.log.append((host, method, path))
            self.ports.setdefault(host, set()).add(port)
            self.in_flight[host] = self.in_flight.get(host, 0) + 1
            total = sum(self.in_flight.values())
            self.max_total = max(self.max_total, total)
            self.max_per_host[host] = max(self.max_per_host.get(host, 0), self.in_flight[host])
            self.max_hosts = max(self.max_hosts, sum(1 for n in self.in_flight.values() if n))
            latch = self.latch
            if latch is not None and total >= latch.count:
                latch.opened.set()
        try:
            if latch is not None:
                latch.opened.wait(latch.patience)
            yield
        finally:
            with self.lock:
                self.in_flight[host] -= 1

    def hosts_of(self, method: str | None = None) -> list[str]:
        with self.lock:
            return [host for host, m, _ in self.log if method is None or m == method]


class HostHandler(BaseHTTPRequestHandler):
    server: HostServer
    protocol_version = "HTTP/1.1"

    def _dispatch(self) -> None:
        path = urlsplit(self.path).path
        traffic = self.server.traffic
        with traffic.request(self.server.host, self.command, path, self.client_address[1]):
            self.server.answer(self)

    do_GET = _dispatch
    do_HEAD = _dispatch

    def reply(
        self, code: int, headers: tuple[tuple[str, str], ...] = (), body: bytes = b""
    ) -> None:
        body = body or b"<html><body><p id='here'>hello</p></body></html>"
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class HostServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, host: str, traffic: Traffic, answer: Answer) -> None:
        super().__init__((host, 0), HostHandler)
        self.host = host
        self.traffic = traffic
        self.answer = answer
        threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.server_address[1]}{path}"


def ok(handler: HostHandler) -> None:
    handler.reply(200)


@contextmanager
def hosts(*answers: Answer) -> Iterator[tuple[Traffic, list[HostServer]]]:
    """One server per answer function, on 127.0.0.2, 127.0.0.3...; skipped where the
    system gives no loopback address but 127.0.0.1."""
    traffic = Traffic()
    servers: list[HostServer] = []
    try:
        for number, answer in enumerate(answers):
            try:
                servers.append(HostServer(f"127.0.0.{2 + number}", traffic, answer))
            except OSError as exc:
                pytest.skip(f"cannot listen on 127.0.0.{2 + number}: {exc}")
        yield traffic, servers
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
