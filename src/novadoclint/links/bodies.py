"""Response bodies, read raw and decoded here, incrementally, so memory stays bounded.

A 2 KB gzip-of-gzip is gigabytes decoded, so requests' own decoding is never used: the raw
body is decompressed chunk by chunk with every zlib call asked for at most one chunk, and
``max_body`` limits the DECODED bytes. A body only drained for connection reuse is read
raw, up to 64 KB. Only text encodings decode it (:func:`charset`).
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import re
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from novadoclint.links.outcome import short_error

if TYPE_CHECKING:
    import requests

__all__ = ["Undecodable", "charset", "decoded_body", "release"]

_log = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
#: A body is drained (raw, undecoded) up to this size so its connection can be reused.
DRAIN_LIMIT = 64 * 1024
INFLATE_WBITS = 32 + zlib.MAX_WBITS  # zlib or gzip header, detected
CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)


class Undecodable(Exception):
    """A body this module will not decode (an unknown or broken content coding)."""


def release(response: requests.Response) -> None:
    """Give the connection back to the pool when that is cheap, else drop it.

    The rest of the body is read RAW (never decompressed: a small gzip bomb is gigabytes
    decoded) and only up to :data:`DRAIN_LIMIT`; a longer body is abandoned with its
    connection rather than downloaded to save a reconnect.
    """
    try:
        budget = DRAIN_LIMIT
        while budget > 0:
            chunk = response.raw.read(min(budget, CHUNK_SIZE), decode_content=False)
            if not chunk:
                response.raw.release_conn()  # the whole body is read: the connection is reusable
                return
            budget -= len(chunk)
    except Exception as exc:  # urllib3's own errors (ProtocolError...) are not OSErrors
        _log.debug("linkcheck: dropping a connection: %s", short_error(exc))
    finally:
        response.close()


def decoded_body(response: requests.Response, limit: int) -> Iterator[bytes]:
    """The body's bytes after its content codings, in chunks, never more than *limit* in all.

    The raw body is decompressed here, incrementally, with every zlib call asked for at most
    one chunk of output, so a compressed bomb costs *limit* bytes, not its decoded size.
    """
    codings = [
        c.strip().lower()
        for c in response.headers.get("Content-Encoding", "").split(",")
        if c.strip().lower() not in ("", "identity")
    ]
    for coding in codings:
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise Undecodable(f"content encoding {coding}")
    stream: Iterator[bytes] = _raw_chunks(response)
    for _ in codings:  # gzip, gzip: undo both, each stage pulled lazily by the next
        stream = _inflate(stream)
    produced = 0
    try:
        for chunk in stream:
            chunk = chunk[: limit - produced]
            produced += len(chunk)
            if chunk:
                yield chunk
            if produced >= limit:
                return
    except zlib.error as exc:
        raise Undecodable(f"body does not decompress: {exc}") from None


def _raw_chunks(response: requests.Response) -> Iterator[bytes]:
    while True:
        chunk = response.raw.read(CHUNK_SIZE, decode_content=False)
        if not chunk:
            return
        yield chunk


def _inflate(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Decompress a zlib or gzip stream, yielding at most one chunk size per step."""
    inflater = zlib.decompressobj(INFLATE_WBITS)
    for chunk in chunks:
        data = chunk
        while data and not inflater.eof:
            out = inflater.decompress(data, CHUNK_SIZE)
            data = inflater.unconsumed_tail
            if out:
                yield out
        if inflater.eof:
            return
    tail = inflater.flush(CHUNK_SIZE)
    if tail:
        yield tail


def charset(response: requests.Response) -> str:
    """The declared charset if it is a text encoding Python knows, else UTF-8.

    ``codecs.lookup`` also finds bytes-to-bytes codecs (``bz2_codec``, ``zlib_codec``,
    ``base64``...) that would turn the scan into a decompressor; those are refused.
    """
    match = CHARSET.search(response.headers.get("Content-Type", ""))
    if match:
        with contextlib.suppress(LookupError):
            info = codecs.lookup(match.group(1))
            if getattr(info, "_is_text_encoding", True):
                return info.name
    return "utf-8"
