"""The cache may be restored from an earlier CI job or shared: it must never run code.

A crafted entry is refused before it is unpickled when its header does not match, and
what is unpickled can only be data; a cache directory someone else could have written
is refused with one warning; planted symlinks and FIFOs redirect or block nothing.
The forging helpers understand the format before and after the header carried the key,
so each test fails on a cache that unpickles first.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import struct
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from novadoclint import phase1
from novadoclint.engine import lint
from novadoclint.safety import cache as cache_module
from novadoclint.safety.cache import DiskCache

SRC = Path(__file__).resolve().parents[1] / "src"
MAX_PAYLOAD = getattr(cache_module, "MAX_PAYLOAD", 8 * 2**20)
needs_posix = pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX owners and modes")


class Evil:
    """Unpickling this runs ``func(arg)``: the classic pickle payload."""

    def __init__(self, func: object, arg: str) -> None:
        self.func, self.arg = func, arg

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return self.func, (self.arg,)


def evil_payloads(marker: Path) -> list[bytes]:
    """Pickles that create *marker* when loaded, through several globals."""
    code = f"open({str(marker)!r}, 'w').close()"
    return [pickle.dumps(Evil(exec, code), protocol=proto) for proto in (2, 5)] + [
        pickle.dumps(Evil(eval, code)),
        pickle.dumps(Evil(os.system, f"touch '{marker}'")),
        # a record tuple around the payload, as the old format read it
        pickle.dumps(("v1", "k", None, Evil(exec, code))),
    ]


def with_payload(data: bytes, payload: bytes) -> bytes:
    """*data* (a cache file) with its payload replaced and its header made to match it."""
    if data.startswith(b"NDLCACHE1\n"):  # magic, sha256(payload), payload
        return data[:10] + hashlib.sha256(payload).digest() + payload
    assert data.startswith(b"NDLCACHE2\n")
    head = struct.Struct("<32s32sdQ32s")
    fingerprint, key, expires, _, _ = head.unpack_from(data, 10)
    new = head.pack(fingerprint, key, expires, len(payload), hashlib.sha256(payload).digest())
    return data[:10] + new + payload


def poison(path: Path, payload: bytes) -> None:
    path.write_bytes(with_payload(path.read_bytes(), payload))


@pytest.fixture
def no_unpickling(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every attempt to unpickle a cache payload (the test then asserts none)."""
    calls: list[str] = []

    class Refuse:
        def __init__(self, *args: object, **kwargs: object) -> None:
            calls.append("Unpickler")
            raise AssertionError("the payload was unpickled")

    def refuse_loads(*args: object, **kwargs: object) -> object:
        calls.append("loads")
        raise AssertionError("the payload was unpickled")

    monkeypatch.setattr(cache_module, "_Unpickler", Refuse, raising=False)
    monkeypatch.setattr(pickle, "loads", refuse_loads)
    return calls


# -- a crafted payload cannot run code --------------------------------------------------------


def test_crafted_payload_runs_nothing(tmp_path: Path) -> None:
    cache = DiskCache("v1", tmp_path / "cache")
    marker = tmp_path / "pwned"
    for payload in evil_payloads(marker):
        cache.put("k", "honest value")
        poison(cache.path_for("k"), payload)
        assert cache.get("k") is None
        assert not marker.exists()
    cache.put("k", "rewritten")  # the poisoned entry is simply replaced
    assert cache.get("k") == "rewritten"


def test_only_the_named_record_classes_are_rebuilt(tmp_path: Path) -> None:
    from novadoclint.facts import TocEntry
    from novadoclint.findings import Location

    cache = DiskCache("v1", tmp_path, types=[TocEntry])
    entry = TocEntry("title", "target", 3)
    cache.put("k", (entry, [1, 2.5], {"a": {b"b", None}}, frozenset({True})))
    assert cache.get("k") == (entry, [1, 2.5], {"a": {b"b", None}}, frozenset({True}))
    # a class of the package that this cache does not name: not resolved
    poison(cache.path_for("k"), pickle.dumps(Location("x", 1)))
    assert cache.get("k") is None
    # nor is an attribute reached through a named class (its module's globals...)
    for name in ("TocEntry.__init__", "TocEntry.__init__.__globals__", "dataclass"):
        poison(cache.path_for("k"), global_pickle("novadoclint.facts", name))
        assert cache.get("k") is None
    poison(cache.path_for("k"), global_pickle("novadoclint.facts", "TocEntry"))
    assert cache.get("k") is TocEntry  # the check above is of the names, not the pickles


def global_pickle(module: str, name: str) -> bytes:
    """A protocol-4 pickle of the global *module*.*name* (STACK_GLOBAL), resolved when loaded."""

    def text(value: str) -> bytes:
        raw = value.encode()
        return pickle.SHORT_BINUNICODE + bytes([len(raw)]) + raw

    return pickle.PROTO + b"\x04" + text(module) + text(name) + pickle.STACK_GLOBAL + pickle.STOP


def test_a_value_the_reader_would_refuse_is_not_written(tmp_path: Path) -> None:
    import decimal

    from novadoclint.findings import Location

    cache = DiskCache("v1", tmp_path)
    with pytest.raises(pickle.PicklingError):
        cache.put("k", decimal.Decimal(1))
    with pytest.raises(pickle.PicklingError):
        cache.put("k", (1, Location("x", 1)))
    assert cache.get("k") is None
    named = DiskCache("v1", tmp_path, types=[Location])
    for value in [(Location("x", 1), decimal.Decimal), (Location, len), [Location, os.system]]:
        with pytest.raises(pickle.PicklingError):
            named.put("k", value)
    named.put("k", (Location, Location("x", 1)))
    assert named.get("k") == (Location, Location("x", 1))


# -- the header is checked before the payload is decoded -------------------------------------


def test_entry_under_another_key_is_not_decoded(tmp_path: Path, no_unpickling: list[str]) -> None:
    cache = DiskCache("v1", tmp_path)
    cache.put("a", "value of a")
    target = cache.path_for("b")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(cache.path_for("a").read_bytes())
    assert cache.get("b") is None
    assert no_unpickling == []


def test_entry_of_another_fingerprint_is_not_decoded(
    tmp_path: Path, no_unpickling: list[str]
) -> None:
    old, new = DiskCache("old", tmp_path), DiskCache("new", tmp_path)
    old.put("k", "value")
    target = new.path_for("k")
    target.parent.mkdir(parents=True)
    os.replace(old.path_for("k"), target)
    assert new.get("k") is None
    assert no_unpickling == []


def test_expired_entry_is_not_decoded(tmp_path: Path, no_unpickling: list[str]) -> None:
    now = [1000.0]
    cache = DiskCache("v1", tmp_path, clock=lambda: now[0])
    cache.put("k", "value", ttl=10)
    now[0] += 11
    assert cache.get("k") is None
    assert no_unpickling == []


def test_oversized_entry_is_refused_unread(tmp_path: Path, no_unpickling: list[str]) -> None:
    cache = DiskCache("v1", tmp_path)
    cache.put("k", "small")
    poison(cache.path_for("k"), pickle.dumps(b"x" * (MAX_PAYLOAD + 1), protocol=5))
    assert cache.get("k") is None
    assert no_unpickling == []


def test_oversized_value_is_not_stored(tmp_path: Path) -> None:
    cache = DiskCache("v1", tmp_path)
    cache.put("k", b"x" * (MAX_PAYLOAD + 1))
    assert not cache.path_for("k").exists()
    assert cache.get("k") is None


# -- a directory someone else can write is refused, once, and left alone ---------------------


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if not p.is_dir()]


@needs_posix
@pytest.mark.parametrize("mode", [0o777, 0o770, 0o722])
def test_group_or_world_writable_root_is_refused(
    tmp_path: Path, mode: int, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "shared"
    root.mkdir()
    good = DiskCache("v1", root)
    good.put("planted", "value")  # written while the directory was still private
    root.chmod(mode)
    cache = DiskCache("v1", root)
    before = files_in(root)
    with caplog.at_level("WARNING", logger="novadoclint.safety.cache"):
        assert cache.get("planted") is None
        cache.put("k", "value")
        DiskCache("v2", root).put("k", "value")  # another namespace, same root
    assert files_in(root) == before
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1, warnings
    assert f"not using the cache directory {root}" in warnings[0]
    assert f"group or others can write it (mode {mode:04o})" in warnings[0]
    assert "running uncached" in warnings[0]


@needs_posix
def test_directory_of_another_user_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "theirs"
    DiskCache("v1", root).put("planted", "value")
    owner = root.stat().st_uid
    monkeypatch.setattr(os, "geteuid", lambda: owner + 1)
    cache = DiskCache("v1", root)
    before = files_in(root)
    with caplog.at_level("WARNING", logger="novadoclint.safety.cache"):
        assert cache.get("planted") is None
        cache.put("k", "value")
    assert files_in(root) == before
    assert f"owned by uid {owner}, not by the current user (uid {owner + 1})" in caplog.text


@needs_posix
def test_writable_namespace_directory_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = DiskCache("v1", tmp_path)
    cache.put("planted", "value")
    cache.directory.chmod(0o777)
    fresh = DiskCache("v1", tmp_path)
    with caplog.at_level("WARNING", logger="novadoclint.safety.cache"):
        assert fresh.get("planted") is None
    assert f"group or others can write {cache.directory}" in caplog.text


@needs_posix
def test_missing_root_is_created_private(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        cache = DiskCache("v1", tmp_path / "new" / "cache")
        cache.put("k", "value")
    finally:
        os.umask(old)
    path = cache.path_for("k")
    for directory in (tmp_path / "new" / "cache", cache.directory, path.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert cache.get("k") == "value"


# -- planted symlinks and FIFOs ----------------------------------------------------------------


@needs_posix
def test_symlinked_namespace_directory_redirects_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root, elsewhere = tmp_path / "cache", tmp_path / "elsewhere"
    root.mkdir(mode=0o700)
    elsewhere.mkdir(mode=0o700)
    (root / "v1").symlink_to(elsewhere)
    cache = DiskCache("v1", root)
    with caplog.at_level("WARNING", logger="novadoclint.safety.cache"):
        cache.put("k", "value")
    assert list(elsewhere.iterdir()) == []
    assert f"{root / 'v1'} is a symbolic link" in caplog.text


@needs_posix
def test_symlinked_entry_is_neither_followed_nor_written_through(tmp_path: Path) -> None:
    cache = DiskCache("v1", tmp_path / "cache")
    other = DiskCache("v1", tmp_path / "other")
    other.put("k", "value from elsewhere")
    outside = other.path_for("k")
    original = outside.read_bytes()
    link = cache.path_for("k")
    link.parent.mkdir(parents=True, mode=0o700)
    (tmp_path / "cache").chmod(0o700)
    cache.directory.chmod(0o700)
    link.symlink_to(outside)
    assert cache.get("k") is None  # not read through the link
    cache.put("k", "new value")
    assert outside.read_bytes() == original
    assert not cache.path_for("k").is_symlink()
    assert cache.get("k") == "new value"


@needs_posix
def test_fifo_entry_does_not_block(tmp_path: Path) -> None:
    cache = DiskCache("v1", tmp_path)
    cache.put("k", "value")
    path = cache.path_for("k")
    path.unlink()
    os.mkfifo(path)
    got: list[object] = []
    reader = threading.Thread(target=lambda: got.append(cache.get("k")), daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():  # unblock the thread before failing, so the run can end
        with open(path, "wb"):
            pass
        pytest.fail("reading a FIFO planted as a cache entry blocked")
    assert got == [None]


# -- end to end: a poisoned facts cache ----------------------------------------------------------

TREE = {
    "conf.py": "extensions = []\n",
    "index.rst": "Index\n=====\n\n.. toctree::\n\n   a\n   b\n\n.. include:: part.inc\n",
    "part.inc": "See :doc:`missing`.\n",
    "a.rst": "A\n=\n\nSee :doc:`b` and :ref:`nowhere`.\n\nTrailing \n",
    "b.rst": "B\n=\n\nSee :doc:`a`.\n",
}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "doc"
    root.mkdir()
    for name, text in TREE.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def findings(tree: Path) -> list[str]:
    return [f.render() for f in lint([tree], overrides={"jobs": 1}).findings]


def test_poisoned_facts_cache_runs_nothing_and_changes_nothing(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_dir = Path(os.environ["NOVADOCLINT_CACHE_DIR"])
    cold = findings(tree)
    assert cold and findings(tree) == cold  # warm
    entries = files_in(cache_dir)
    # the three documents' facts in their pack, and what conf.py writes (project.derived)
    assert sorted(e.parent.parent.name.split("-")[0] for e in entries) == ["facts", "writers"]
    marker = tmp_path / "pwned"
    for entry, payload in zip(entries, evil_payloads(marker), strict=False):
        poison(entry, payload)
    parsed: list[str] = []
    real = phase1.phase1_file

    def spy(ctx, rule_ids, item):  # type: ignore[no-untyped-def]
        parsed.append(item[1])
        return real(ctx, rule_ids, item)

    monkeypatch.setattr(phase1, "phase1_file", spy)
    assert findings(tree) == cold
    assert not marker.exists()
    assert sorted(parsed) == ["a.rst", "b.rst", "index.rst"]  # uncached, then stored again
    parsed.clear()
    assert findings(tree) == cold
    assert parsed == []


def test_facts_entry_of_the_wrong_shape_is_a_miss(tree: Path) -> None:
    cache_dir = Path(os.environ["NOVADOCLINT_CACHE_DIR"])
    cold = findings(tree)
    for entry in files_in(cache_dir):
        poison(entry, pickle.dumps(((), "not a result")))
    assert findings(tree) == cold


@needs_posix
def test_cli_warns_once_and_lints_uncached(tree: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared-cache"
    shared.mkdir()
    shared.chmod(0o777)
    env = {**os.environ, "PYTHONPATH": str(SRC), "NOVADOCLINT_CACHE_DIR": str(shared)}
    command = [sys.executable, "-m", "novadoclint", "--no-color", str(tree)]
    run = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert run.returncode == 1, run.stderr
    lines = [line for line in run.stderr.splitlines() if "cache" in line]
    assert lines == [
        f"novadoclint: warning: not using the cache directory {shared}: group or others "
        "can write it (mode 0777), so its entries could have been written by someone else; "
        "running uncached (make it yours and not writable by others, e.g. chmod go-w, "
        "or set NOVADOCLINT_CACHE_DIR to another directory)"
    ]
    assert list(shared.iterdir()) == []
    private = {**env, "NOVADOCLINT_CACHE_DIR": str(tmp_path / "private")}
    again = subprocess.run(command, capture_output=True, text=True, env=private, check=False)
    assert again.stdout == run.stdout


@needs_posix
def test_forged_dependency_on_a_fifo_does_not_block(tree: Path, tmp_path: Path) -> None:
    """An entry names the files it depends on: a forged one may name a FIFO or /dev/zero."""
    from novadoclint.factscache import FactsCache, record_types

    cache_dir = Path(os.environ["NOVADOCLINT_CACHE_DIR"])
    cold = findings(tree)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (namespace,) = [p.name for p in cache_dir.iterdir() if p.name.startswith("facts-")]
    facts_cache = DiskCache(namespace, cache_dir, types=record_types())
    pack = facts_cache.get(f"pack\0{tree}")
    assert isinstance(pack, dict)
    for name in ("index.rst", "a.rst", "b.rst"):
        key = FactsCache.key(name, (tree / name).read_bytes())
        assert pack[name][0] == key
        forged = (((str(fifo), "0" * 64),), pack[name][1][1])
        pack[name] = (key, forged)  # in the pack, and as the document's own entry
        facts_cache.put(key, forged)
    facts_cache.put(f"pack\0{tree}", pack)
    got: list[list[str]] = []
    runner = threading.Thread(target=lambda: got.append(findings(tree)), daemon=True)
    runner.start()
    runner.join(60)
    if runner.is_alive():  # unblock the run before failing
        with open(fifo, "wb"):
            pass
        runner.join(60)
        pytest.fail("a FIFO named as a cached entry's dependency blocked the run")
    assert got == [cold]
