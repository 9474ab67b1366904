"""A small synchronous LSP client over stdio: for the tests and ``bench/``.

Starts a server process, sends requests and notifications, and collects what
the server sends (notifications, and requests such as ``client/registerCapability``,
answered with ``null``) on a reader thread.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

Message = dict[str, Any]


LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")


class LspError(Exception):
    pass


def offset(text: str, position: Message) -> int:
    """An LSP position (UTF-16 columns; lines end at CR, LF or CRLF) as an index into text.

    Written apart from the server's conversion, as an editor's would be: what
    the tests and bench/ check the server's edits with.
    """
    starts = [0, *(m.end() for m in LINE_BREAK_RE.finditer(text))]
    start = starts[position["line"]]
    line = LINE_BREAK_RE.split(text[start:], maxsplit=1)[0]
    units, index = 0, 0
    while units < position["character"] and index < len(line):
        units += 2 if ord(line[index]) > 0xFFFF else 1
        index += 1
    if units > position["character"]:
        raise ValueError(f"a position inside a surrogate pair: {position}")
    return start + index  # past the line's end: its end, as LSP says


def apply_text_edits(text: str, edits: Sequence[Message]) -> str:
    """What an editor does with a document's TextEdits: all at once, on the old text."""
    spans = sorted(
        (offset(text, e["range"]["start"]), offset(text, e["range"]["end"]), e["newText"])
        for e in edits
    )
    for (_, one_end, _), (other_start, _, _) in itertools.pairwise(spans):
        if one_end > other_start:
            raise ValueError("overlapping text edits")
    for start, stop, new in reversed(spans):
        text = text[:start] + new + text[stop:]
    return text


class Client:
    def __init__(
        self,
        command: Sequence[str] | None = None,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        cmd = list(command or [sys.executable, "-m", "novadoclint.lsp"])
        self.process = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
        )
        self.next_id = 0
        self.responses: dict[int, Message] = {}
        self.notifications: list[Message] = []
        self.arrived = threading.Condition()
        self.writing = threading.Lock()
        self.stderr: list[bytes] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()
        threading.Thread(target=self._drain, args=(self.process.stderr,), daemon=True).start()

    # -- wire --------------------------------------------------------------------

    def write(self, message: Message) -> None:
        self.write_raw(json.dumps({"jsonrpc": "2.0", **message}).encode())

    def write_raw(self, body: bytes) -> None:
        self.write_frames([body])

    def write_many(self, messages: Sequence[Message]) -> None:
        """Several messages in one write: the server reads them back to back."""
        self.write_frames([json.dumps({"jsonrpc": "2.0", **m}).encode() for m in messages])

    def write_frames(self, bodies: Sequence[bytes]) -> None:
        assert self.process.stdin is not None
        data = b"".join(b"Content-Length: %d\r\n\r\n" % len(body) + body for body in bodies)
        with self.writing:  # the reader thread answers the server's requests meanwhile
            self.process.stdin.write(data)
            self.process.stdin.flush()

    def _read(self, stream: IO[bytes]) -> None:
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if length is None:
                continue
            message = json.loads(stream.read(length))
            if "method" in message and "id" in message:  # a request from the server
                self.write({"id": message["id"], "result": None})
            with self.arrived:
                if "method" in message:
                    self.notifications.append(message)
                else:
                    self.responses[message["id"]] = message
                self.arrived.notify_all()

    def _drain(self, stream: IO[bytes]) -> None:
        for line in stream:
            self.stderr.append(line)

    # -- calls -------------------------------------------------------------------

    def request(self, method: str, params: Any = None, timeout: float = 60) -> Any:
        self.next_id += 1
        number = self.next_id
        self.write({"id": number, "method": method, "params": params})
        return self.answer(number, timeout, method)

    def answer(self, number: int, timeout: float = 60, what: str = "a request") -> Any:
        """The result of request ``number`` (LspError for an error answer)."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: number in self.responses, timeout):
                raise TimeoutError(f"no answer to {what} in {timeout} s")
            answer = self.responses.pop(number)
        if "error" in answer:
            raise LspError(answer["error"])
        return answer.get("result")

    def notify(self, method: str, params: Any = None) -> None:
        self.write({"method": method, "params": params})

    def wait_for(
        self, test: Callable[[Message], bool], timeout: float = 60, since: int = 0
    ) -> Message:
        """The first notification from index ``since`` on that passes ``test``."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for message in self.notifications[since:]:
                    if test(message):
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no such notification")
                self.arrived.wait(left)

    def mark(self) -> int:
        with self.arrived:
            return len(self.notifications)

    def diagnostics(self, uri: str, since: int = 0, timeout: float = 60) -> list[Message]:
        """The next diagnostics published for ``uri`` (from notification ``since`` on)."""
        message = self.wait_for(
            lambda m: (
                m["method"] == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
            ),
            timeout,
            since,
        )
        return list(message["params"]["diagnostics"])

    def published(self, uri: str) -> list[Message] | None:
        """The last diagnostics published for ``uri`` so far (None: never)."""
        with self.arrived:
            for message in reversed(self.notifications):
                if (
                    message["method"] == "textDocument/publishDiagnostics"
                    and message["params"]["uri"] == uri
                ):
                    return list(message["params"]["diagnostics"])
        return None

    # -- session -----------------------------------------------------------------

    def initialize(self, root: Path, capabilities: Message | None = None) -> Any:
        result = self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": root.resolve().as_uri(),
                "workspaceFolders": [{"uri": root.resolve().as_uri(), "name": root.name}],
                "capabilities": capabilities or {},
            },
        )
        self.notify("initialized", {})
        return result

    def close(self) -> int:
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit")
            return self.process.wait(timeout=10)
        except (OSError, TimeoutError, subprocess.TimeoutExpired):
            self.process.kill()
            return self.process.wait()
