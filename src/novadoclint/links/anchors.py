"""Anchors in fetched pages: whether the ids and names a link's fragment wants occur.

The body is fed to an HTML parser chunk by chunk as it is decoded (:mod:`.bodies`), and the
search stops as soon as every wanted anchor is found or ``max_body`` decoded bytes are read:
a page may be huge and only its table of contents is needed.
"""

from __future__ import annotations

import codecs
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import unquote

from novadoclint.links.bodies import Undecodable, charset, decoded_body

if TYPE_CHECKING:
    import requests

__all__ = ["AnchorScanner", "scan_anchors"]

#: Unparsed markup (an unclosed tag) the anchor scan accepts before giving up on the page.
MAX_PENDING_MARKUP = 1_000_000


class AnchorScanner(HTMLParser):
    """Collects which of the wanted ids/names occur in a page fed to it chunk by chunk."""

    def __init__(self, candidates: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.candidates = candidates
        self.found: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("id", "name") and value is not None and value in self.candidates:
                self.found.add(value)


def scan_anchors(
    response: requests.Response, wanted: frozenset[str], limit: int
) -> tuple[frozenset[str], int, bool]:
    """Feed the body to an HTML parser until every wanted anchor is found or the cap hits.

    Returns the ids/names found, the DECODED bytes read, and whether the cap cut the
    search short. Stopping early matters: the page may be huge and only its table of
    contents is needed.
    """
    candidates = frozenset(wanted | {unquote(anchor) for anchor in wanted})
    scanner = AnchorScanner(candidates)

    def satisfied() -> bool:
        return all(a in scanner.found or unquote(a) in scanner.found for a in wanted)

    decoder = codecs.getincrementaldecoder(charset(response))(errors="replace")
    scanned = 0
    for chunk in decoded_body(response, limit):
        scanned += len(chunk)
        scanner.feed(decoder.decode(chunk))
        if len(scanner.rawdata) > MAX_PENDING_MARKUP:
            # HTMLParser re-reads what it could not parse at every feed: quadratic
            raise Undecodable(f"one piece of markup is longer than {MAX_PENDING_MARKUP}")
        if satisfied():
            return frozenset(scanner.found), scanned, False
        if scanned >= limit:
            scanner.close()
            return frozenset(scanner.found), scanned, True
    scanner.feed(decoder.decode(b"", final=True))
    scanner.close()
    return frozenset(scanner.found), scanned, False
