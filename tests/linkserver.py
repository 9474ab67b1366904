"""A local web server for the network rules' tests and fixture cases; never the internet.

A fixture case with a ``server.toml`` is served: its routes are answered by a
ThreadingHTTPServer on 127.0.0.1, ``{server}`` in the case's files stands for
that server's address (``{closed}`` for a port where nothing listens), and the case
runs with ``--check-links --no-cache`` (``--allow-private`` unless the file says
``allow-private = false``). Messages show ``{server}`` again, so expected.txt does
not depend on the port.

server.toml::

    allow-private = true              # optional
    [routes."/ok"]
    status = 200                      # default 200
    body = "<h1 id='intro'>Hi</h1>"   # optional
    location = "/new"                 # for redirects; "{server}" allowed
    content-type = "text/html"        # optional
    # any other path: 404
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from novadoclint.engine import lint_project
from novadoclint.findings import Finding
from novadoclint.project.discover import load_project
from novadoclint.settings import Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TEXT_SUFFIXES = (".rst", ".txt", ".py", ".toml", ".inc")


@dataclass(frozen=True)
class Route:
    status: int = 200
    body: str = "<html><body><p>hello</p></body></html>"
    location: str | None = None
    content_type: str = "text/html; charset=utf-8"


class _Handler(BaseHTTPRequestHandler):
    server: LinkServer
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        path = urlsplit(self.path).path
        self.server.record(self.command, path, dict(self.headers.items()))
        route = self.server.routes.get(path, Route(404, "<p>not here</p>"))
        body = route.body.encode() if self.command == "GET" else b""
        self.send_response(route.status)
        if route.location is not None:
            self.send_header("Location", route.location.replace("{server}", self.server.base))
        self.send_header("Content-Type", route.content_type)
        self.send_header("Content-Length", str(len(route.body.encode())))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _answer
    do_HEAD = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


class LinkServer(ThreadingHTTPServer):
    """Answers by path from a route table and logs (method, path, headers) of each request."""

    daemon_threads = True

    def __init__(self, routes: Mapping[str, Route]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes = dict(routes)
        self.log: list[tuple[str, str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def record(self, method: str, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.log.append((method, path, headers))

    def requests(self) -> list[tuple[str, str]]:
        with self._lock:
            return [(method, path) for method, path, _ in self.log]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


@contextmanager
def serving(routes: Mapping[str, Route]) -> Iterator[LinkServer]:
    server = LinkServer(routes)
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def closed_port() -> Iterator[str]:
    """An address where a connection is refused: a port bound (so nobody takes it), unheard."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


@contextmanager
def no_proxy() -> Iterator[None]:
    """A proxy in the environment would swallow requests meant for the local server."""
    names = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
    saved = {n: os.environ.get(n) for name in names for n in (name, name.upper())}
    for name in saved:
        os.environ.pop(name, None)
    os.environ["no_proxy"] = os.environ["NO_PROXY"] = "127.0.0.1,localhost"
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def read_server_toml(path: Path) -> tuple[dict[str, Route], bool]:
    with path.open("rb") as f:
        data: dict[str, Any] = tomllib.load(f)
    routes = {
        route_path: Route(
            status=int(spec.get("status", 200)),
            body=str(spec.get("body", Route.body)),
            location=spec.get("location"),
            content_type=str(spec.get("content-type", Route.content_type)),
        )
        for route_path, spec in data.get("routes", {}).items()
    }
    return routes, bool(data.get("allow-private", True))


def lint_served(case: Path, settings: Settings) -> list[Finding]:
    """Lint a copy of the case with its server running, as ``--check-links`` would."""
    routes, allow_private = read_server_toml(case / "server.toml")
    settings = replace(settings, check_links=True, allow_private=allow_private, cache=False)
    with (
        serving(routes) as server,
        closed_port() as closed,
        no_proxy(),
        tempfile.TemporaryDirectory() as tmp,
    ):
        copy = Path(tmp) / case.name
        shutil.copytree(case, copy)
        for path in copy.rglob("*"):
            if path.is_file() and path.suffix in TEXT_SUFFIXES:
                text = path.read_text(encoding="utf-8")
                text = text.replace("{server}", server.base).replace("{closed}", closed)
                path.write_text(text, encoding="utf-8")
        findings, _ = lint_project(load_project(copy, (copy / "conf.py").is_file()), settings)

    def placeholders(text: str) -> str:
        return text.replace(server.base, "{server}").replace(closed, "{closed}")

    return [replace(f, message=placeholders(f.message)) for f in findings]
