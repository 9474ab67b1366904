"""DiskCache: every way a cache file can be wrong is a miss, and writes never break a run."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from novadoclint.safety.cache import DiskCache, default_cache_dir

SRC = Path(__file__).resolve().parents[1] / "src"


class FakeClock:
    """Wall-clock stand-in so expiry is tested by moving time, not by sleeping."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_round_trip_and_miss(tmp_path: Path) -> None:
    cache = DiskCache("v1", tmp_path)
    assert cache.get("absent") is None
    value = {"facts": (1, 2, 3), "text": "ünïcode", "nested": [b"bytes", None]}
    cache.put("key", value)
    assert cache.get("key") == value
    assert cache.get("other key") is None
    assert cache.directory == tmp_path / "v1"


def test_keys_are_hashed_to_safe_file_names(tmp_path: Path) -> None:
    cache = DiskCache("v1", tmp_path)
    key = "https://example.org/a b/../../etc/passwd#frag\0\udcff"
    cache.put(key, 42)
    assert cache.get(key) == 42
    path = cache.path_for(key)
    assert path.parent.parent == cache.directory
    assert len(path.parent.name + path.name) == 64


def test_overwrite_replaces_value(tmp_path: Path) -> None:
    cache = DiskCache("v1", tmp_path)
    cache.put("k", "old")
    cache.put("k", "new")
    assert cache.get("k") == "new"


def test_other_version_is_not_seen(tmp_path: Path) -> None:
    DiskCache("novadoclint-0.1.0", tmp_path).put("k", "value")
    assert DiskCache("novadoclint-0.2.0", tmp_path).get("k") is None
    assert DiskCache("novadoclint-0.1.0", tmp_path).get("k") == "value"


def test_odd_fingerprint_gets_a_safe_directory(tmp_path: Path) -> None:
    cache = DiskCache("../../escape/" + "x" * 200, tmp_path)
    cache.put("k", 1)
    assert cache.directory.parent == tmp_path
    assert cache.directory.name.startswith("fp-")
    assert cache.get("k") == 1


def test_file_moved_into_another_namespace_is_a_miss(tmp_path: Path) -> None:
    old, new = DiskCache("old", tmp_path), DiskCache("new", tmp_path)
    old.put("k", "value")
    target = new.path_for("k")
    target.parent.mkdir(parents=True)
    os.replace(old.path_for("k"), target)
    assert new.get("k") is None


def test_file_under_another_key_is_a_miss(tmp_path: Path) -> None:
    cache = DiskCache("v1", tmp_path)
    cache.put("a", "value of a")
    target = cache.path_for("b")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(cache.path_for("a").read_bytes())
    assert cache.get("b") is None


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: data[: len(data) // 2], id="truncated-half"),
        pytest.param(lambda data: data[:-1], id="truncated-last-byte"),
        pytest.param(lambda data: data[:12], id="truncated-in-header"),
        pytest.param(lambda data: b"garbage" * 100, id="garbage"),
        pytest.param(lambda data: data[:-3] + bytes([data[-3] ^ 0xFF]) + data[-2:], id="bitflip"),
        pytest.param(lambda data: b"OLDMAGIC\n" + data[10:], id="old-format"),
    ],
)
def test_corrupted_file_is_a_miss(tmp_path: Path, mangle: Callable[[bytes], bytes]) -> None:
    cache = DiskCache("v1", tmp_path)
    cache.put("k", list(range(1000)))
    path = cache.path_for("k")
    path.write_bytes(mangle(path.read_bytes()))
    assert cache.get("k") is None
    cache.put("k", "rewritten")  # a bad file does not stop the entry from being rewritten
    assert cache.get("k") == "rewritten"


def test_valid_digest_but_unpicklable_payload_is_a_miss(tmp_path: Path) -> None:
    cache = DiskCache("v1", tmp_path)
    cache.put("k", 1)
    path = cache.path_for("k")
    payload = b"\x80\x05not really a pickle."
    magic = path.read_bytes()[:10]
    path.write_bytes(magic + hashlib.sha256(payload).digest() + payload)
    assert cache.get("k") is None


def test_unreadable_entry_is_a_miss(tmp_path: Path) -> None:
    cache = DiskCache("v1", tmp_path)
    cache.path_for("k").mkdir(parents=True)  # a directory where the file should be
    assert cache.get("k") is None


def test_ttl_expiry(tmp_path: Path) -> None:
    clock = FakeClock()
    cache = DiskCache("v1", tmp_path, clock=clock)
    cache.put("short", "s", ttl=10)
    cache.put("long", "l", ttl=1000)
    cache.put("forever", "f")
    clock.now += 9.9
    assert cache.get("short") == "s"
    clock.now += 0.1
    assert cache.get("short") is None
    assert cache.get("long") == "l"
    clock.now += 10_000_000
    assert cache.get("long") is None
    assert cache.get("forever") == "f"


def test_non_positive_ttl_stores_nothing(tmp_path: Path) -> None:
    cache = DiskCache("v1", tmp_path)
    cache.put("k", 1, ttl=0)
    cache.put("j", 1, ttl=-5)
    assert cache.get("k") is None
    assert cache.get("j") is None
    assert not cache.directory.exists()


def test_write_errors_are_swallowed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # A plain file where the cache root should be makes every mkdir fail, even for root
    # (for whom a read-only directory would still be writable).
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    cache = DiskCache("v1", blocker)
    with caplog.at_level("DEBUG", logger="novadoclint.safety.cache"):
        cache.put("k", "value")
    assert cache.get("k") is None
    assert "cannot write" in caplog.text


def test_failed_write_leaves_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = DiskCache("v1", tmp_path)

    def full_disk(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    cache.put("k", "value")
    monkeypatch.undo()
    assert cache.get("k") is None
    assert [p for p in cache.directory.rglob("*") if p.is_file()] == []


def test_unpicklable_value_is_a_caller_bug(tmp_path: Path) -> None:
    cache = DiskCache("v1", tmp_path)
    with pytest.raises(Exception):  # noqa: B017 - pickle raises several types
        cache.put("k", lambda: None)
    assert cache.get("k") is None


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NOVADOCLINT_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "novadoclint"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/ignored")
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "novadoclint"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "novadoclint"
    monkeypatch.setenv("NOVADOCLINT_CACHE_DIR", str(tmp_path / "override"))
    assert default_cache_dir() == tmp_path / "override"
    assert DiskCache("v9").directory == tmp_path / "override" / "v9"


def test_concurrent_writers_threads(tmp_path: Path) -> None:
    """Readers racing writers only ever see a miss or one complete value."""
    cache = DiskCache("v1", tmp_path)
    values = [bytes([i]) * 200_000 for i in range(8)]
    bad: list[object] = []
    stop = threading.Event()

    def writer(value: bytes) -> None:
        for _ in range(25):
            cache.put("shared", value)

    def reader() -> None:
        while not stop.is_set():
            got = cache.get("shared")
            if got is not None and got not in values:
                bad.append(got)

    readers = [threading.Thread(target=reader) for _ in range(2)]
    writers = [threading.Thread(target=writer, args=(v,)) for v in values]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in readers:
        thread.join()
    assert bad == []
    assert cache.get("shared") in values
    leftovers = [p.name for p in cache.directory.rglob(".tmp-*")]
    assert leftovers == []


_WRITER_SCRIPT = """
import sys
from novadoclint.safety.cache import DiskCache
cache = DiskCache("v1", sys.argv[1])
value = sys.argv[2] * 300_000
for i in range(40):
    cache.put("shared", value)
    cache.put("own-" + sys.argv[2], i)
"""


def test_concurrent_writers_processes(tmp_path: Path) -> None:
    """Two runs at once (separate processes) leave a complete, readable cache."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    letters = "abcd"
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER_SCRIPT, str(tmp_path), letter], env=env)
        for letter in letters
    ]
    cache = DiskCache("v1", tmp_path)
    seen_bad: list[int] = []
    while any(proc.poll() is None for proc in procs):
        got = cache.get("shared")
        if got is not None and got not in {letter * 300_000 for letter in letters}:
            seen_bad.append(len(str(got)))
    assert [proc.wait() for proc in procs] == [0, 0, 0, 0]
    assert seen_bad == []
    assert cache.get("shared") in {letter * 300_000 for letter in letters}
    assert [cache.get("own-" + letter) for letter in letters] == [39, 39, 39, 39]
    assert list(cache.directory.rglob(".tmp-*")) == []
