"""The scheduling and the per-host limits change when a page is fetched, never its result.

A mixed set of answers (working, missing, moved, redirected, HEAD refused, failing, anchors
found and missing, a refused connection) spread over three hosts on 127.0.0.N: every URL's
status, code and message is the one the checker gave before the scheduler (commit 251e491:
this file passes there too, with ``PYTHONPATH`` on its ``src``), however many workers and
slots there are.
"""

from __future__ import annotations

import socket

import pytest
from multihost import HostHandler, hosts

from novadoclint.links.checker import check_links
from novadoclint.links.options import LinkCheckOptions
from novadoclint.links.outcome import LinkStatus

PAGE = b"<html><body><h1 id='present'>here</h1></body></html>"


def answer(handler: HostHandler) -> None:
    path = handler.path.split("?", 1)[0]
    if path.startswith("/ok"):
        handler.reply(200, body=PAGE)
    elif path == "/moved":
        handler.reply(301, headers=(("Location", "/ok-new"),))
    elif path == "/temporary":
        handler.reply(302, headers=(("Location", "/ok-there"),))
    elif path == "/nohead":
        handler.reply(405 if handler.command == "HEAD" else 200, body=PAGE)
    elif path == "/failing":
        handler.reply(500)
    elif path == "/forbidden":
        handler.reply(403)
    else:
        handler.reply(404)


EXPECTED = {
    "/ok": (LinkStatus.OK, 200, "200 OK"),
    "/ok#present": (LinkStatus.OK, 200, "200 OK"),
    "/ok#absent": (LinkStatus.ANCHOR_MISSING, 200, "anchor 'absent' not found"),
    "/moved": (
        LinkStatus.REDIRECTED,
        301,
        "permanently redirected to {host}/ok-new (301 Moved Permanently)",
    ),
    "/temporary": (LinkStatus.OK, 200, "200 OK after temporary redirect to {host}/ok-there"),
    "/nohead": (LinkStatus.OK, 200, "200 OK"),
    "/failing": (LinkStatus.BROKEN, 500, "500 Internal Server Error"),
    "/forbidden": (LinkStatus.BROKEN, 403, "403 Forbidden"),
    "/gone": (LinkStatus.BROKEN, 404, "404 Not Found"),
}


@pytest.mark.parametrize(("workers", "per_host"), [(1, 1), (4, 2), (32, 6)])
def test_every_result_is_as_before(workers: int, per_host: int) -> None:
    with hosts(answer, answer, answer) as (_, servers):
        refused = socket.socket()
        refused.bind(("127.0.0.2", 0))  # bound, never listening: connections are refused
        closed = f"http://127.0.0.2:{refused.getsockname()[1]}/"
        try:
            urls = [server.url(path) for server in servers for path in EXPECTED] + [closed]
            options = LinkCheckOptions(
                allow_private=True,
                use_cache=False,
                retries=0,
                backoff=0.01,
                workers=workers,
                per_host=per_host,
            )
            results = check_links(urls, options)
        finally:
            refused.close()
    assert list(results) == urls
    got = {
        url: (r.status, r.code, r.message.replace(server.url(""), "{host}"))
        for server in servers
        for url, r in results.items()
        if url.startswith(server.url("/"))
    }
    assert got == {
        server.url(path): expected for server in servers for path, expected in EXPECTED.items()
    }
    assert (results[closed].status, results[closed].message) == (
        LinkStatus.BROKEN,
        "connection refused",
    )
