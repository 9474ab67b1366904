"""A hostile web server for the link checker's security tests: 127.0.0.1 only, self-stopping.

Each connection is served on its own daemon thread from raw sockets, so a behaviour can do
what no well-behaved server does: drip one header line at a time, never answer, send a
gzip bomb. Every request's method, path and headers are logged for assertions. A server
stops when its ``with`` block ends, and each behaviour gives up after ``lifetime`` seconds
whatever happens, so a test can never leave a thread sending forever.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]


Behaviour = Callable[["HostileServer", socket.socket, Request], None]


@dataclass
class HostileServer:
    """Answers each request with ``routes[path]`` (404 otherwise); logs what it received."""

    routes: dict[str, Behaviour] = field(default_factory=dict)
    lifetime: float = 20.0
    log: list[Request] = field(default_factory=list)
    accepted: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _sock: socket.socket | None = None

    @property
    def port(self) -> int:
        assert self._sock is not None
        return int(self._sock.getsockname()[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def requests(self) -> list[Request]:
        with self._lock:
            return list(self.log)

    def start(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.05)
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        if self._sock is not None:
            self._sock.close()

    def _accept_loop(self) -> None:
        assert self._sock is not None
        while not self.stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self.accepted += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        """Serve requests on one connection until it closes, the server stops or time is up."""
        ends = time.monotonic() + self.lifetime
        conn.settimeout(0.1)
        buffer = b""
        try:
            while not self.stop.is_set() and time.monotonic() < ends:
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    return
                buffer += data
                while b"\r\n\r\n" in buffer:
                    head, _, buffer = buffer.partition(b"\r\n\r\n")
                    request = _parse(head)
                    with self._lock:
                        self.log.append(request)
                    route = self.routes.get(request.path.partition("?")[0], not_found)
                    route(self, conn, request)
        except OSError:
            pass
        finally:
            conn.close()

    def wait(self, seconds: float) -> bool:
        """Sleep up to *seconds*; False if the server is stopping (behaviours then give up)."""
        return not self.stop.wait(seconds)


def _parse(head: bytes) -> Request:
    lines = head.decode("latin-1").split("\r\n")
    method, path, *_ = [*lines[0].split(" "), "", ""][:3]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Request(method, path, headers)


def respond(
    conn: socket.socket,
    request: Request,
    status: str = "200 OK",
    body: bytes = b"<html><body>hello</body></html>",
    headers: tuple[tuple[str, str], ...] = (),
) -> None:
    lines = [
        f"HTTP/1.1 {status}",
        f"Content-Length: {len(body)}",
        *(f"{k}: {v}" for k, v in headers),
    ]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    conn.sendall(head + (b"" if request.method == "HEAD" else body))


def not_found(server: HostileServer, conn: socket.socket, request: Request) -> None:
    respond(conn, request, "404 Not Found", b"<p>not here</p>")


def ok(server: HostileServer, conn: socket.socket, request: Request) -> None:
    respond(conn, request)


def hang(server: HostileServer, conn: socket.socket, request: Request) -> None:
    """Accept the request and say nothing until the server stops."""
    ends = time.monotonic() + server.lifetime
    while time.monotonic() < ends and server.wait(0.05):
        pass


def hang_on_head(server: HostileServer, conn: socket.socket, request: Request) -> None:
    if request.method == "HEAD":
        hang(server, conn, request)
    else:
        ok(server, conn, request)


def drip(interval: float, lines: int) -> Behaviour:
    """A 200 whose header lines arrive one every *interval* seconds, *lines* of them."""

    def behaviour(server: HostileServer, conn: socket.socket, request: Request) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for number in range(lines):
            if not server.wait(interval):
                return
            conn.sendall(f"X-Drip-{number}: {number}\r\n".encode())
        conn.sendall(b"Content-Type: text/html\r\nContent-Length: 2\r\n\r\nok")

    return behaviour


def gzip_bomb(decoded_size: int, layers: int = 2) -> bytes:
    """*decoded_size* zero bytes, gzipped *layers* times (2: ~1 KB per 100 MB decoded)."""
    data = b"\0" * decoded_size
    for _ in range(layers):
        data = gzip.compress(data, compresslevel=9)
    return data


def bomb(status: str, body: bytes, layers: int = 2, content_type: str = "text/html") -> Behaviour:
    """Answer *status* with a body gzipped *layers* times, declared as such."""
    encoding = ", ".join(["gzip"] * layers)
    headers = (("Content-Encoding", encoding), ("Content-Type", content_type))

    def behaviour(server: HostileServer, conn: socket.socket, request: Request) -> None:
        respond(conn, request, status, body, headers)

    return behaviour


@contextmanager
def hostile(routes: dict[str, Behaviour], lifetime: float = 20.0) -> Iterator[HostileServer]:
    server = HostileServer(dict(routes), lifetime)
    server.start()
    try:
        yield server
    finally:
        server.close()
