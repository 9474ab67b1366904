"""Hostile trees and hostile caches: a clear finding, no traceback, no hang, the rest linted.

Each test builds a small tree around one hostile thing and a bystander page
with a known problem (``see :doc:`nowhere```), then checks three things: the
hostile thing is reported by name, nothing else crashed, and the bystander's
finding is still there. Runs are in-process (``jobs 1``, no cache) unless the
test is about the pool or the cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from novadoclint import phase1
from novadoclint.engine import lint
from novadoclint.findings import Finding, Run
from novadoclint.project.discover import Project
from novadoclint.safety.cache import DiskCache
from novadoclint.settings import Settings

BYSTANDER = "bystander.rst"
BYSTANDER_TEXT = "Bystander\n=========\n\nSee :doc:`nowhere`.\n"
BYSTANDER_FINDING = "bystander.rst:4:5: error doc-ref-missing unknown document: 'nowhere'"


def write_tree(root: Path, files: dict[str, str | bytes], toctree: Iterable[str] = ()) -> Path:
    """conf.py, an index listing ``toctree`` and the bystander, then ``files``."""
    entries = "".join(f"   {e}\n" for e in (*toctree, "bystander"))
    base: dict[str, str | bytes] = {
        "conf.py": "extensions = []\n",
        "index.rst": f"Index\n=====\n\n.. toctree::\n\n{entries}",
        BYSTANDER: BYSTANDER_TEXT,
    }
    for name, content in {**base, **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def run(root: Path, **overrides: Any) -> Run:
    settings: dict[str, Any] = {"jobs": 1, "cache": False, **overrides}
    cwd = os.getcwd()
    os.chdir(root)  # findings then carry paths relative to the tree
    try:
        return lint([Path(".")], overrides=settings)
    finally:
        os.chdir(cwd)


def rendered(result: Run) -> list[str]:
    return [f.render() for f in result.findings]


def by_rule(result: Run, rule: str) -> list[Finding]:
    return [f for f in result.findings if f.rule == rule]


def assert_bystander_linted(result: Run) -> None:
    assert BYSTANDER_FINDING in rendered(result)


# -- cycles and loops ------------------------------------------------------------------


def test_include_and_toctree_cycles(tmp_path: Path) -> None:
    files = {
        "a.rst": "A\n=\n\n.. toctree::\n\n   b\n\n.. include:: a.rst\n",
        "b.rst": "B\n=\n\n.. toctree::\n\n   a\n   b\n\n.. include:: one.inc\n",
        "one.inc": "One\n\n.. include:: two.inc\n",
        "two.inc": "Two\n\n.. include:: one.inc\n",
    }
    result = run(write_tree(tmp_path, files, toctree=["a"]))
    circular = [f for f in result.findings if "circular inclusion" in f.message]
    assert {f.path for f in circular} == {"a.rst", "two.inc"}
    assert not by_rule(result, "internal-error")
    assert_bystander_linted(result)


def test_symlink_loops_and_dangling_links(tmp_path: Path) -> None:
    write_tree(tmp_path, {"sub/page.rst": "Page\n====\n"}, toctree=["loop", "dangling", "sub/page"])
    (tmp_path / "sub" / "up").symlink_to("..")  # a folder loop: walked once
    (tmp_path / "sub" / "again").symlink_to(tmp_path / "sub")  # a second way in
    (tmp_path / "loop.rst").symlink_to("loop2.rst")
    (tmp_path / "loop2.rst").symlink_to("loop.rst")
    (tmp_path / "dangling.rst").symlink_to("nowhere.rst")
    result = run(tmp_path)
    assert result.files == 6  # index, bystander, sub/page, loop, loop2, dangling
    unreadable = {f.path: f.message for f in by_rule(result, "file-unreadable")}
    assert unreadable == {
        "dangling.rst": "cannot read dangling.rst: No such file or directory",
        "loop.rst": "cannot read loop.rst: Too many levels of symbolic links",
        "loop2.rst": "cannot read loop2.rst: Too many levels of symbolic links",
    }
    assert not by_rule(result, "internal-error")
    assert_bystander_linted(result)


HOSTILE_GLOB = "*a" * 12 + "*b"  # a backtracking regex needs minutes on a long name


def test_hostile_globs_do_not_hang(tmp_path: Path) -> None:
    long_name = "a" * 60
    files = {
        "conf.py": f"extensions = []\nexclude_patterns = [{HOSTILE_GLOB + '.rst'!r}]\n",
        f"{long_name}.rst": "Long\n====\n",
        "globbed.rst": f"Globbed\n=======\n\n.. toctree::\n   :glob:\n\n   {HOSTILE_GLOB}\n",
        f"{long_name}b.rst": "Excluded\n========\n",
    }
    start = time.perf_counter()
    result = run(write_tree(tmp_path, files, toctree=["globbed", long_name]))
    assert time.perf_counter() - start < 60  # a hang guard, not a benchmark: ~1 s
    assert result.files == 4  # index, bystander, globbed, the long name; "...ab" is excluded
    assert not by_rule(result, "internal-error")
    assert_bystander_linted(result)


# -- size ------------------------------------------------------------------------------

PARAGRAPH = (
    "Lorem ipsum dolor sit amet, *consectetur* adipiscing elit, sed do\n"
    "eiusmod ``tempor`` incididunt ut labore et dolore magna aliqua, see\n"
    ":ref:`label-{0}` and `a link <https://example.org/{0}>`__.\n\n"
)


def test_50_mb_file_is_cut_by_the_time_budget(tmp_path: Path) -> None:
    """docutils needs about 8 s per MB (some 7 minutes here): the budget names the file."""
    chunks, size, i = [], 0, 0
    while size < 50 * 2**20:
        title = f"Section {i}"
        chunk = f".. _label-{i}:\n\n{title}\n{'=' * len(title)}\n\n" + PARAGRAPH.format(i) * 5
        chunks.append(chunk)
        size += len(chunk)
        i += 1
    write_tree(tmp_path, {"big.rst": "".join(chunks)}, toctree=["big"])
    start = time.perf_counter()
    result = run(tmp_path, time_budget=2)
    elapsed = time.perf_counter() - start
    errors = [f.render() for f in by_rule(result, "internal-error")]
    assert errors == [
        "big.rst:1:1: error internal-error big.rst took longer than the 2 s per-file "
        "time budget; not checked"
    ]
    assert_bystander_linted(result)
    print(f"50 MB file: {elapsed:.1f} s with a 2 s budget")


QUADRATIC = {  # docutils needs minutes on each, in 60 KB: Sphinx would hang on them too
    "stars.rst": ":orphan:\n\n" + "*a " * 20_000 + "\n",  # unmatched start-strings
    "ticks.rst": ":orphan:\n\n" + "`a " * 20_000 + "\n",
}


def test_time_budget_holds_in_worker_processes(tmp_path: Path) -> None:
    pages = {f"page{i}.rst": f"Page {i}\n{'=' * (5 + len(str(i)))}\n" for i in range(8)}
    write_tree(tmp_path, {**pages, **QUADRATIC}, toctree=sorted(p[:-4] for p in pages))
    result = run(tmp_path, jobs=2, time_budget=1)
    assert sorted(f.render() for f in by_rule(result, "internal-error")) == [
        f"{name}:1:1: error internal-error {name} took longer than the 1 s per-file time "
        "budget; not checked"
        for name in sorted(QUADRATIC)
    ]
    assert_bystander_linted(result)
    assert result.files == 12


def test_100000_toctree_entries_lose_no_finding(tmp_path: Path) -> None:
    entries = "".join(f"   page{i}\n" for i in range(100_000))
    files = {"big.rst": f"Big\n===\n\n.. toctree::\n   :maxdepth: 1\n\n{entries}"}
    start = time.perf_counter()
    result = run(write_tree(tmp_path, files, toctree=["big"]))
    elapsed = time.perf_counter() - start
    missing = by_rule(result, "toctree-entry-missing")
    assert len(missing) == 100_000
    assert {f.line for f in missing} == set(range(7, 100_007))
    assert not by_rule(result, "internal-error")
    assert_bystander_linted(result)
    print(f"100,000 toctree entries: {elapsed:.1f} s")


# -- recursion -------------------------------------------------------------------------

DEEP = 10_000


def deep_block_quotes() -> str:
    return "".join(" " * i + "para\n\n" for i in range(DEEP))  # 50 MB of indentation


def deep_lists() -> str:
    return "".join("  " * i + "- item\n\n" for i in range(2_000))  # 8 MB; same refusal


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("block quotes, indented", deep_block_quotes),
        ("bullet lists, indented", deep_lists),
        ("bullet lists, one line", lambda: "- " * DEEP + "item\n"),
        ("enumerated lists, one line", lambda: "1. " * DEEP + "item\n"),
        ("directives, one line", lambda: ".. note:: " * DEEP + "item\n"),
    ],
)
def test_deep_nesting_is_an_internal_error_for_that_file(
    tmp_path: Path, name: str, make: Any
) -> None:
    write_tree(tmp_path, {"deep.rst": ":orphan:\n\n" + make()})
    result = run(tmp_path)
    errors = by_rule(result, "internal-error")
    assert [(f.path, f.line) for f in errors] == [("deep.rst", 1)]
    assert "NestedTooDeep" in errors[0].message
    assert "nested" in errors[0].message
    assert_bystander_linted(result)


def test_deep_nesting_leaves_the_next_file_alone(tmp_path: Path) -> None:
    """A crash mid-parse must not leak a default role into the next document."""
    files = {
        "a.rst": ":orphan:\n\n.. default-role:: math\n\n" + "- " * DEEP + "item\n",
        "b.rst": ":orphan:\n\nB\n=\n\nSome `interpreted` text.\n",
    }
    result = run(write_tree(tmp_path, files))
    assert [f.path for f in by_rule(result, "internal-error")] == ["a.rst"]
    assert [f.rule for f in result.findings if f.path == "b.rst"] == ["default-role"]


# -- the file system changes under us --------------------------------------------------


@pytest.mark.parametrize("cache", [False, True])
def test_file_deleted_while_linting(tmp_path: Path, cache: bool) -> None:
    write_tree(tmp_path, {"gone.rst": "Gone\n====\n"}, toctree=["gone"])

    def delete(project: Project, settings: Settings) -> None:
        assert "gone" in project.docs  # discovered, then removed before phase 1 reads it
        (tmp_path / "gone.rst").unlink()

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = lint([Path(".")], overrides={"jobs": 1, "cache": cache}, on_project=delete)
    finally:
        os.chdir(cwd)
    assert [f.render() for f in by_rule(result, "file-unreadable")] == [
        "gone.rst:1:1: error file-unreadable cannot read gone.rst: No such file or directory"
    ]
    assert not by_rule(result, "internal-error")
    assert_bystander_linted(result)


@pytest.mark.parametrize("edited", ["page.rst", "part.inc"])
def test_file_edited_while_linting_is_not_cached_stale(
    tmp_path: Path, edited: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editor saves while we lint: the next run must see the new text, not our old parse."""
    files = {"page.rst": "Page\n====\n\n.. include:: part.inc\n", "part.inc": "See :doc:`old`.\n"}
    write_tree(tmp_path / "tree", files, toctree=["page"])
    monkeypatch.setenv("NOVADOCLINT_CACHE_DIR", str(tmp_path / "cache"))
    real = phase1.phase1_file

    def edit_after_parsing(ctx: Any, rule_ids: Any, item: tuple[str, str]) -> Any:
        result = real(ctx, rule_ids, item)
        if item[1] == "page.rst":
            new = "See :doc:`new`.\n"
            text = f"Page\n====\n\n{new}" if edited == "page.rst" else new
            (tmp_path / "tree" / edited).write_text(text, encoding="utf-8")
        return result

    monkeypatch.setattr(phase1, "phase1_file", edit_after_parsing)
    first = [f.message for f in by_rule(run(tmp_path / "tree", cache=True), "doc-ref-missing")]
    assert "unknown document: 'old'" in first
    monkeypatch.setattr(phase1, "phase1_file", real)
    second = [f.message for f in by_rule(run(tmp_path / "tree", cache=True), "doc-ref-missing")]
    assert "unknown document: 'new'" in second
    assert "unknown document: 'old'" not in second


def test_internal_errors_are_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A budget overrun depends on the machine's load: the next run must try the file again."""
    write_tree(tmp_path / "tree", {"deep.rst": ":orphan:\n\n" + "- " * DEEP + "item\n"})
    monkeypatch.setenv("NOVADOCLINT_CACHE_DIR", str(tmp_path / "cache"))
    first = rendered(run(tmp_path / "tree", cache=True))
    parsed: list[str] = []
    real = phase1.phase1_file

    def spy(ctx: Any, rule_ids: Any, item: tuple[str, str]) -> Any:
        parsed.append(item[1])
        return real(ctx, rule_ids, item)

    monkeypatch.setattr(phase1, "phase1_file", spy)
    assert rendered(run(tmp_path / "tree", cache=True)) == first
    assert parsed == ["deep.rst"]


# -- conf.py ---------------------------------------------------------------------------


def test_non_utf8_conf_py(tmp_path: Path) -> None:
    conf = b"extensions = []\nproject = 'caf\xe9'\nmaster_doc = 'start'\n"
    result = run(write_tree(tmp_path, {"conf.py": conf}))
    problems = [f.render() for f in by_rule(result, "conf-syntax")]
    assert len(problems) == 1
    assert problems[0].startswith("conf.py:2:")
    assert "conf.py does not parse, using Sphinx's defaults" in problems[0]
    assert "utf-8" in problems[0]
    assert not by_rule(result, "internal-error")
    assert_bystander_linted(result)


def test_latin1_conf_py_with_a_coding_cookie_is_read(tmp_path: Path) -> None:
    conf = b"# -*- coding: latin-1 -*-\nproject = 'caf\xe9'\nextensions = []\n"
    result = run(write_tree(tmp_path, {"conf.py": conf}))
    assert not by_rule(result, "conf-syntax")
    assert_bystander_linted(result)


def test_conf_py_and_local_extensions_are_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    conf = (
        "import os, sys\n"
        "sys.path.insert(0, os.path.abspath('.'))\n"
        f"open({str(marker)!r}, 'w').write('conf.py ran')\n"
        f"os.system('touch {marker}')\n"
        "import evil\n"
        "extensions = ['evil']\n"
        "while True:\n"
        "    pass\n"
        "raise SystemExit(1)\n"
    )
    evil = f"open({str(marker)!r}, 'w').write('evil ran')\ndef setup(app):\n    pass\n"
    result = run(write_tree(tmp_path, {"conf.py": conf, "evil.py": evil}))
    assert not marker.exists()
    assert not by_rule(result, "internal-error")
    assert not by_rule(result, "conf-syntax")
    assert_bystander_linted(result)


DOUBLED = "x = ['a']\n" + "x.extend(x)\n" * 18  # 262,144 items
HOSTILE_CONFS = {
    "nested parentheses": ("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n", True),
    "a million unary minuses": ("x = " + "-" * 1_000_000 + "1\n", True),
    "a long sum": ("x = 1" + "+1" * 100_000 + "\n", True),
    "a gigabyte format width": ("x = '%999999999d' % 1\nextensions = []\n", False),
    "a star format width": ("x = '%*d' % (999999999, 1)\n", False),
    "a list holding itself": ("extensions = []\nextensions.append(extensions)\n", False),
    "doubling forty times": ("x = ['a']\n" + "x.extend(x)\n" * 40, False),
    "a string doubling": (
        "x = 'ab'\n" + "x += x\n" * 40 + "y = 'ab'\n" + "y = y + y\n" * 40,
        False,
    ),
    "a shared tree 2**60 leaves wide": ("x = [1]\n" + "x = [x, x]\n" * 60, False),
    "nesting 5,000 deep": ("x = 1\n" + "x = [x]\n" * 5000, False),
    "repeated costly calls": (DOUBLED + "y = str(x)\n" * 2000, False),
    "bad sys.path and list edits": (
        "import sys\nsys.path.insert(0, 1)\nsys.path.extend(5)\nx = []\nx.insert('a', 1)\n",
        False,
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_CONFS))
def test_hostile_conf_py(tmp_path: Path, name: str) -> None:
    """Read with ast, never run; yet evaluating literals must not crash, hang or eat memory."""
    text, unparsable = HOSTILE_CONFS[name]
    result = run(write_tree(tmp_path, {"conf.py": text}))
    problems = by_rule(result, "conf-syntax")
    assert len(problems) == unparsable
    if unparsable:
        assert "conf.py does not parse, using Sphinx's defaults" in problems[0].message
    assert not by_rule(result, "internal-error")
    assert_bystander_linted(result)


# -- caches ----------------------------------------------------------------------------

CACHED_TREE = {
    f"page{i}.rst": f"Page {i}\n{'=' * (5 + len(str(i)))}\n\nSee :doc:`page{i + 1}`.\n"
    for i in range(12)
}


def cli(tree: Path, cache_dir: Path | str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "NOVADOCLINT_CACHE_DIR": str(cache_dir), "NO_COLOR": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "novadoclint", "--format", "json", *args, "."],
        cwd=tree,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    return out


def test_two_runs_at_once_on_one_cache(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "tree", CACHED_TREE, toctree=[f"page{i}" for i in range(12)])
    cache = tmp_path / "cache"
    expected = finish(cli(tree, cache, "--no-cache"))
    for _ in range(2):  # both cold, then both warm
        first, second = cli(tree, cache, "--jobs", "2"), cli(tree, cache, "--jobs", "1")
        assert finish(first) == expected
        assert finish(second) == expected
    assert not list(cache.rglob(".tmp-*"))  # every write was completed and renamed


@pytest.mark.parametrize("where", ["root", "namespace"])
def test_cache_dir_that_cannot_be_written(tmp_path: Path, where: str) -> None:
    """Running as root, permissions cannot stop us: a file stands where a folder must be."""
    tree = write_tree(tmp_path / "tree", CACHED_TREE, toctree=[f"page{i}" for i in range(12)])
    expected = finish(cli(tree, tmp_path / "fresh", "--no-cache"))
    blocked = tmp_path / "blocked"
    if where == "root":
        blocked.write_text("not a folder")
    else:  # the cache root exists, but each namespace folder in it is a file
        finish(cli(tree, blocked))
        for namespace in [p for p in blocked.iterdir() if p.is_dir()]:
            shutil.rmtree(namespace)
            namespace.write_text("not a folder")
    assert finish(cli(tree, blocked)) == expected
    assert finish(cli(tree, blocked)) == expected


def corrupt_entries(root: Path, damage: Any) -> int:
    count = 0
    for entry in list(root.rglob("*")):
        if entry.is_file() and not entry.name.startswith(".tmp-"):
            damage(entry)
            count += 1
    return count


def _flip_last_byte(entry: Path) -> None:
    data = bytearray(entry.read_bytes())
    data[-1] ^= 0xFF
    entry.write_bytes(bytes(data))


def _foreign_record(entry: Path) -> None:
    """A valid entry, written by another fingerprint (another version) for this key."""
    other = DiskCache("facts-another-version", entry.parent.parent.parent)
    key = "stand-in"
    other.put(key, ("not", "facts"))
    entry.write_bytes(other.path_for(key).read_bytes())


def _folder_instead(entry: Path) -> None:
    entry.unlink()
    entry.mkdir()


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda e: e.write_bytes(b""), id="empty"),
        pytest.param(
            lambda e: e.write_bytes(e.read_bytes()[: len(e.read_bytes()) // 2]), id="truncated"
        ),
        pytest.param(_flip_last_byte, id="bit-flip"),
        pytest.param(lambda e: e.write_bytes(os.urandom(200)), id="garbage"),
        pytest.param(_foreign_record, id="other-version"),
        pytest.param(_folder_instead, id="folder-instead"),
    ],
)
def test_damaged_cache_entries_are_misses(
    tmp_path: Path, damage: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = write_tree(tmp_path / "tree", CACHED_TREE, toctree=[f"page{i}" for i in range(12)])
    cache = tmp_path / "cache"
    monkeypatch.setenv("NOVADOCLINT_CACHE_DIR", str(cache))
    cold = rendered(run(tree, cache=False))
    run(tree, cache=True)
    # the pack of index, bystander and 12 pages (factscache), and what conf.py writes
    # (project.derived): both damaged
    assert corrupt_entries(cache, damage) == 2
    parsed: list[str] = []
    real = phase1.phase1_file

    def spy(ctx: Any, rule_ids: Any, item: tuple[str, str]) -> Any:
        parsed.append(item[1])
        return real(ctx, rule_ids, item)

    monkeypatch.setattr(phase1, "phase1_file", spy)
    assert rendered(run(tree, cache=True)) == cold
    assert len(parsed) == 14  # every damaged entry was a miss, and was parsed again
    parsed.clear()
    assert rendered(run(tree, cache=True)) == cold
    if damage is not _folder_instead:  # a folder where the entry goes cannot be replaced
        assert parsed == []  # the entry was written again, whole


def test_cache_from_another_version_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = write_tree(tmp_path / "tree", CACHED_TREE, toctree=[f"page{i}" for i in range(12)])
    cache = tmp_path / "cache"
    monkeypatch.setenv("NOVADOCLINT_CACHE_DIR", str(cache))
    cold = rendered(run(tree, cache=False))
    run(tree, cache=True)
    from novadoclint import factscache

    monkeypatch.setattr(factscache, "FACTS_VERSION", factscache.FACTS_VERSION + 1000)
    parsed: list[str] = []
    real = phase1.phase1_file

    def spy(ctx: Any, rule_ids: Any, item: tuple[str, str]) -> Any:
        parsed.append(item[1])
        return real(ctx, rule_ids, item)

    monkeypatch.setattr(phase1, "phase1_file", spy)
    assert rendered(run(tree, cache=True)) == cold
    assert len(parsed) == 14
    facts = [p for p in cache.iterdir() if p.is_dir() and p.name.startswith("facts-")]
    assert len(facts) == 2  # side by side, untouched
