"""Time limits of a link check: the run's deadline and stop signal, and each request's.

A request's ``timeout`` is a TOTAL deadline (connect, headers, body), which no socket
timeout can express (it bounds one read, so a server sending a byte a second is never cut
off): :class:`DeadlineSocket` reads in short slices and checks the deadline between them,
and Ctrl-C or the run's deadline stop every wait within a fraction of a second.
"""

from __future__ import annotations

import contextlib
import io
import math
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from novadoclint.links.outcome import Stopped

__all__ = [
    "READ_SLICE",
    "DeadlineSocket",
    "RequestDeadline",
    "RunClock",
    "current_deadline",
    "request_deadline",
]

#: A blocking socket read waits at most this long before the deadline and Ctrl-C are checked.
READ_SLICE = 0.25


class RunClock:
    """The run's stop signal (set at its deadline, on Ctrl-C, or when it is done) and its
    deadline: every wait of every collaborator obeys both."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.ends = math.inf

    def left(self) -> float:
        """Seconds until the run's deadline (negative once it has passed)."""
        return self.ends - time.monotonic()

    def wait(self, seconds: float) -> None:
        """Sleep, unless the run stops first (then :class:`Stopped`)."""
        if self.stop.wait(min(seconds, max(0.0, self.ends - time.monotonic()))):
            raise Stopped
        if time.monotonic() >= self.ends:
            raise Stopped


@dataclass(frozen=True, slots=True)
class RequestDeadline:
    """When the request in flight must be over, and the run's stop signal (Ctrl-C, deadline);
    and the addresses the guard approved for its host, the only ones it may connect to."""

    at: float
    stop: threading.Event
    host: str = ""
    addresses: tuple[str, ...] = ()

    def read_slice(self) -> float:
        """How long the next socket read may block; ``TimeoutError`` when time is up."""
        if self.stop.is_set():
            raise TimeoutError("link check stopped")
        remaining = self.at - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("request deadline reached")
        return min(remaining, READ_SLICE)


#: .deadline: the RequestDeadline of this thread's request, if any. Per thread, because the
#: sockets that obey it are deep inside urllib3, which has no way to hand it down.
_in_flight = threading.local()


@contextlib.contextmanager
def request_deadline(deadline: RequestDeadline) -> Iterator[None]:
    """Make *deadline* the one this thread's socket reads and connections obey."""
    _in_flight.deadline = deadline
    try:
        yield
    finally:
        _in_flight.deadline = None


def current_deadline() -> RequestDeadline | None:
    """The deadline of the request this thread has in flight, if any."""
    deadline: RequestDeadline | None = getattr(_in_flight, "deadline", None)
    return deadline


class DeadlineSocket:
    """A connected socket whose reads give up at the request's deadline or when the run stops.

    A socket timeout bounds one read, so a server sending a byte a second is never cut off;
    here each read waits a short slice at most and the deadline is checked between slices.
    Everything else is the wrapped socket's (plain or TLS).
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def recv_into(self, buffer: Any, *args: Any) -> int:
        while True:
            deadline = current_deadline()
            if deadline is None:
                return int(self._sock.recv_into(buffer, *args))
            self._sock.settimeout(deadline.read_slice())
            try:
                return int(self._sock.recv_into(buffer, *args))
            except TimeoutError:
                continue

    def recv(self, size: int, *args: Any) -> bytes:
        buffer = bytearray(size)
        count = self.recv_into(buffer, size, *args)
        return bytes(buffer[:count])

    def makefile(self, mode: str = "r", buffering: int | None = None, **_: Any) -> Any:
        """A buffered reader whose reads come through :meth:`recv_into` (http.client's fp)."""
        if mode != "rb":
            raise ValueError(f"unsupported mode {mode!r}")
        self._sock._io_refs += 1  # type: ignore[attr-defined]  # as socket.makefile does
        raw = socket.SocketIO(self, "rb")  # type: ignore[arg-type]
        return io.BufferedReader(raw, buffering or io.DEFAULT_BUFFER_SIZE)
