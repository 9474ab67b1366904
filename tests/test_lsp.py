"""novadoclint-lsp end to end: the real server over stdio, on temporary trees.

Diagnostics on initialize, unsaved edits re-linting the whole tree (a label
removed in one file shows in the files using it, restoring clears them), save,
close, file watcher events, conf.py reloads, and a malformed request.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls")

from novadoclint.lsp.client import Client, LspError

INDEX = """\
Index
=====

.. toctree::

   a
   b

See :ref:`a-label` and :doc:`b`.
"""
A = """\
.. _a-label:

A
=

Text.
"""
B = """\
B
=

Back to :ref:`a-label`, also :ref:`nolabel`.
"""


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    root.mkdir()
    (root / ".git").mkdir()
    write_tree(root, {"conf.py": "project = 't'\n", "index.rst": INDEX, "a.rst": A, "b.rst": B})
    return root


@pytest.fixture
def client(tree: Path, tmp_path: Path) -> Iterator[Client]:
    env = {**os.environ, "NOVADOCLINT_CACHE_DIR": str(tmp_path / "cache")}
    cmd = [sys.executable, "-m", "novadoclint.lsp"]
    c = Client(cmd, cwd=tmp_path, env=env)
    yield c
    c.close()


def uri(root: Path, name: str) -> str:
    return (root / name).resolve().as_uri()


def codes(diagnostics: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    return [(d["range"]["start"]["line"], d["code"], d["message"]) for d in diagnostics]


def open_doc(client: Client, root: Path, name: str, text: str | None = None) -> None:
    client.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": uri(root, name),
                "languageId": "restructuredtext",
                "version": 1,
                "text": (root / name).read_text() if text is None else text,
            }
        },
    )


def change_doc(client: Client, root: Path, name: str, text: str, version: int = 2) -> None:
    client.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri(root, name), "version": version},
            "contentChanges": [{"text": text}],
        },
    )


def test_initialize_publishes_every_file_with_findings(client: Client, tree: Path) -> None:
    client.initialize(tree)
    found = client.diagnostics(uri(tree, "b.rst"))
    assert len(found) == 1
    diagnostic = found[0]
    assert diagnostic["code"] == "ref-label-missing"
    assert diagnostic["source"] == "novadoclint"
    assert diagnostic["severity"] == 1  # error
    assert diagnostic["codeDescription"]["href"].startswith("https://")
    # the whole role, 0-based: line 4 of the file, ':ref:`nolabel`'
    line = B.splitlines()[3]
    start, end = diagnostic["range"]["start"], diagnostic["range"]["end"]
    assert (start["line"], end["line"]) == (3, 3)
    assert line[start["character"] : end["character"]] == ":ref:`nolabel`"
    # a file without findings gets nothing at start
    assert client.published(uri(tree, "a.rst")) is None


def test_removing_a_label_shows_in_other_files_and_restoring_clears(
    client: Client, tree: Path
) -> None:
    client.initialize(tree)
    client.diagnostics(uri(tree, "b.rst"))
    open_doc(client, tree, "a.rst")
    mark = client.mark()
    change_doc(client, tree, "a.rst", A.replace(".. _a-label:\n\n", ""))
    in_b = client.diagnostics(uri(tree, "b.rst"), mark)
    in_index = client.diagnostics(uri(tree, "index.rst"), mark)
    assert "undefined label: 'a-label'" in [m for _, _, m in codes(in_b)]
    assert codes(in_index) == [(8, "ref-label-missing", "undefined label: 'a-label'")]
    assert (tree / "a.rst").read_text() == A  # nothing written to disk
    mark = client.mark()
    change_doc(client, tree, "a.rst", A, version=3)
    assert client.diagnostics(uri(tree, "index.rst"), mark) == []
    assert [c for _, c, _ in codes(client.diagnostics(uri(tree, "b.rst"), mark))] == [
        "ref-label-missing"
    ]  # nolabel only, as at start


def test_an_edit_without_effect_publishes_nothing_new(client: Client, tree: Path) -> None:
    client.initialize(tree)
    client.diagnostics(uri(tree, "b.rst"))
    open_doc(client, tree, "a.rst")
    mark = client.mark()
    change_doc(client, tree, "a.rst", A + "\nMore text.\n")
    open_doc(client, tree, "b.rst")  # as on disk: nothing to re-lint
    change_doc(client, tree, "b.rst", B, version=3)  # the same text
    # a later edit that does publish shows the debounced run is over
    change_doc(client, tree, "b.rst", B + "\nSee :doc:`gone`.\n", version=4)
    found = client.diagnostics(uri(tree, "b.rst"), mark)
    assert [c for _, c, _ in codes(found)] == ["ref-label-missing", "doc-ref-missing"]
    published = [m["params"]["uri"] for m in client.notifications[mark:]]
    assert uri(tree, "a.rst") not in published
    assert uri(tree, "index.rst") not in published


def test_closing_a_document_goes_back_to_the_file(client: Client, tree: Path) -> None:
    client.initialize(tree)
    client.diagnostics(uri(tree, "b.rst"))
    open_doc(client, tree, "b.rst")
    mark = client.mark()
    change_doc(client, tree, "b.rst", "B\n=\n\nNothing wrong.\n")
    assert client.diagnostics(uri(tree, "b.rst"), mark) == []
    mark = client.mark()
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri(tree, "b.rst")}})
    assert len(client.diagnostics(uri(tree, "b.rst"), mark)) == 1


def test_saving_conf_py_reloads_the_tree(client: Client, tree: Path) -> None:
    (tree / "b.rst").write_text("B\n=\n\nSee :ref:`a`.\n")  # a section title
    client.initialize(tree)
    assert [c for _, c, _ in codes(client.diagnostics(uri(tree, "b.rst")))] == ["ref-label-missing"]
    mark = client.mark()
    (tree / "conf.py").write_text("extensions = ['sphinx.ext.autosectionlabel']\n")
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri(tree, "conf.py")}})
    assert client.diagnostics(uri(tree, "b.rst"), mark) == []
    mark = client.mark()
    (tree / "conf.py").write_text("project = 't'\n")
    client.notify(
        "workspace/didChangeWatchedFiles",
        {"changes": [{"uri": uri(tree, "conf.py"), "type": 2}]},
    )
    assert len(client.diagnostics(uri(tree, "b.rst"), mark)) == 1


def test_config_file_edit_reloads(client: Client, tree: Path) -> None:
    client.initialize(tree)
    client.diagnostics(uri(tree, "b.rst"))
    mark = client.mark()
    (tree / ".novadoclint.toml").write_text('ignore = ["ref-label-missing"]\n')
    client.notify(
        "workspace/didChangeWatchedFiles",
        {"changes": [{"uri": uri(tree, ".novadoclint.toml"), "type": 1}]},
    )
    assert client.diagnostics(uri(tree, "b.rst"), mark) == []


def test_watched_files_keep_the_index_true_to_disk(client: Client, tree: Path) -> None:
    client.initialize(tree)
    client.diagnostics(uri(tree, "b.rst"))
    mark = client.mark()
    (tree / "a.rst").unlink()
    (tree / "c.rst").write_text(":orphan:\n\nC\n=\n\nSee :doc:`missing`.\n")
    client.notify(
        "workspace/didChangeWatchedFiles",
        {
            "changes": [
                {"uri": uri(tree, "a.rst"), "type": 3},
                {"uri": uri(tree, "c.rst"), "type": 1},
            ]
        },
    )
    assert [c for _, c, _ in codes(client.diagnostics(uri(tree, "c.rst"), mark))] == [
        "doc-ref-missing"
    ]
    in_index = codes(client.diagnostics(uri(tree, "index.rst"), mark))
    assert {c for _, c, _ in in_index} == {"toctree-entry-missing", "ref-label-missing"}


def test_an_included_file_saved_re_lints_its_includer(client: Client, tree: Path) -> None:
    write_tree(
        tree, {"a.rst": "A\n=\n\n.. include:: part.txt\n", "part.txt": ".. _a-label:\n\nX\n"}
    )
    client.initialize(tree)
    first = client.diagnostics(uri(tree, "index.rst"))  # the label is no section's
    assert {c for _, c, _ in codes(first)} == {"ref-title-missing"}
    mark = client.mark()
    (tree / "part.txt").write_text("No label.\n")
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri(tree, "part.txt")}})
    assert {c for _, c, _ in codes(client.diagnostics(uri(tree, "index.rst"), mark))} == {
        "ref-label-missing"
    }


def test_duplicate_label_has_related_information(client: Client, tree: Path) -> None:
    (tree / "b.rst").write_text(".. _a-label:\n\nB\n=\n")
    client.initialize(tree)
    found = client.diagnostics(uri(tree, "b.rst"))
    assert [d["code"] for d in found] == ["duplicate-label"]
    related = found[0]["relatedInformation"]
    assert [(r["location"]["uri"], r["location"]["range"]["start"]["line"]) for r in related] == [
        (uri(tree, "a.rst"), 0)
    ]


def test_hover_on_a_diagnostic_explains_the_rule(client: Client, tree: Path) -> None:
    client.initialize(tree)
    client.diagnostics(uri(tree, "b.rst"))
    position = {"line": 3, "character": 32}
    answer = client.request(
        "textDocument/hover", {"textDocument": {"uri": uri(tree, "b.rst")}, "position": position}
    )
    text = answer["contents"]["value"]
    assert "ref-label-missing" in text and "Why is this bad?" in text
    outside = {"line": 3, "character": 2}  # on the line, not on the diagnostic
    answer = client.request(
        "textDocument/hover", {"textDocument": {"uri": uri(tree, "b.rst")}, "position": outside}
    )
    assert answer is None or "Why is this bad?" not in answer["contents"]["value"]


def test_malformed_messages_leave_the_server_alive(client: Client, tree: Path) -> None:
    client.initialize(tree)
    client.diagnostics(uri(tree, "b.rst"))
    client.write_raw(b"{this is no json")
    with pytest.raises(LspError):
        client.request("novadoclint/noSuchMethod", {})
    # params of the wrong shape: pygls answers nothing (it cannot read the id back
    # from a message it failed to read) but says so, and goes on
    mark = client.mark()
    client.notify("textDocument/hover", {"textDocument": 3})
    shown = client.wait_for(lambda m: m["method"] == "window/showMessage", since=mark)
    assert "Invalid Params" in shown["params"]["message"]
    # a notification about a file outside every tree is ignored
    client.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": "file:///nowhere/x.rst",
                "languageId": "rst",
                "version": 1,
                "text": ":doc:`x`",
            }
        },
    )
    mark = client.mark()
    open_doc(client, tree, "b.rst")
    change_doc(client, tree, "b.rst", "B\n=\n")
    assert client.diagnostics(uri(tree, "b.rst"), mark) == []
    assert client.process.poll() is None


def test_a_workspace_above_the_trees_finds_them(tmp_path: Path) -> None:
    top = tmp_path / "repo"
    write_tree(
        top,
        {
            "doc/source/conf.py": "",
            "doc/source/index.rst": "I\n=\n\n:doc:`nope`\n",
            "api-ref/source/conf.py": "",
            "api-ref/source/index.rst": "I\n=\n\n:ref:`nope`\n",
            "pkg/conf.py": "",
            "pkg/__init__.py": "",
            ".tox/x/conf.py": "",
        },
    )
    (top / ".git").mkdir()
    env = {**os.environ, "NOVADOCLINT_CACHE_DIR": str(tmp_path / "cache")}
    client = Client(cwd=tmp_path, env=env)
    try:
        client.initialize(top)
        doc = client.diagnostics(uri(top, "doc/source/index.rst"))
        api = client.diagnostics(uri(top, "api-ref/source/index.rst"))
        assert [d["code"] for d in doc] == ["doc-ref-missing"]
        assert [d["code"] for d in api] == ["ref-label-missing"]
    finally:
        client.close()


def test_the_console_script_answers_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "novadoclint.lsp", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.startswith("novadoclint-lsp ")


def test_the_latency_bench_runs_on_a_small_tree(tree: Path) -> None:
    (tree / "source").mkdir()
    for name in ("conf.py", "index.rst", "a.rst", "b.rst"):
        (tree / name).rename(tree / "source" / name)
    bench = Path(__file__).resolve().parents[1] / "bench" / "lsp_latency.py"
    out = subprocess.run(
        [
            sys.executable,
            str(bench),
            str(tree),
            "--page",
            "source/a.rst",
            "--runs",
            "2",
            "--compare",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    assert "findings: CLI 1, server 1" in out
    assert "differs" not in out
    assert "median" in out
    assert "codeAction quickfix, 2 runs" in out and "codeAction source.fixAll, 2 runs" in out


@pytest.mark.parametrize(("offered", "start"), [(None, 3), (["utf-8"], 5), (["utf-32"], 2)])
def test_ranges_are_in_the_agreed_position_encoding(
    tree: Path, tmp_path: Path, offered: list[str] | None, start: int
) -> None:
    (tree / "b.rst").write_text("B\n=\n\n\U0001f600 :ref:`nolabel`\n")
    env = {**os.environ, "NOVADOCLINT_CACHE_DIR": str(tmp_path / "cache")}
    client = Client(cwd=tmp_path, env=env)
    try:
        capabilities = {"general": {"positionEncodings": offered}} if offered else {}
        client.initialize(tree, capabilities)
        (found,) = client.diagnostics(uri(tree, "b.rst"))
        rng = found["range"]
        assert (rng["start"]["character"], rng["end"]["character"]) == (start, start + 14)
        # and positions coming in are read in the same units
        answer = client.request(
            "textDocument/hover",
            {"textDocument": {"uri": uri(tree, "b.rst")}, "position": rng["start"]},
        )
        assert "ref-label-missing" in answer["contents"]["value"]
    finally:
        client.close()


def test_workspace_folders_added_and_removed(client: Client, tree: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    write_tree(other, {"conf.py": "", "index.rst": "O\n=\n\n:doc:`gone`\n"})
    client.initialize(tree)
    client.diagnostics(uri(tree, "b.rst"))
    mark = client.mark()
    folder = {"uri": other.resolve().as_uri(), "name": "other"}
    client.notify(
        "workspace/didChangeWorkspaceFolders", {"event": {"added": [folder], "removed": []}}
    )
    assert [d["code"] for d in client.diagnostics(uri(other, "index.rst"), mark)] == [
        "doc-ref-missing"
    ]
    mark = client.mark()
    client.notify(
        "workspace/didChangeWorkspaceFolders", {"event": {"added": [], "removed": [folder]}}
    )
    assert client.diagnostics(uri(other, "index.rst"), mark) == []  # cleared
    # the first tree is still served
    open_doc(client, tree, "b.rst")
    mark = client.mark()
    change_doc(client, tree, "b.rst", "B\n=\n")
    assert client.diagnostics(uri(tree, "b.rst"), mark) == []


def test_a_finding_in_a_file_outside_the_source_dir_has_its_plain_uri(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_tree(
        repo,
        {
            "doc/conf.py": "",
            "doc/index.rst": "I\n=\n\n.. include:: ../README.rst\n",
            "README.rst": "Read me, :ref:`nolabel`.\n",
        },
    )
    (repo / ".git").mkdir()
    env = {**os.environ, "NOVADOCLINT_CACHE_DIR": str(tmp_path / "cache")}
    client = Client(cwd=tmp_path, env=env)
    try:
        client.initialize(repo)
        found = client.diagnostics(uri(repo, "README.rst"))  # not .../doc/../README.rst
        assert [d["code"] for d in found] == ["ref-label-missing"]
        assert found[0]["range"]["start"] == {"line": 0, "character": 9}
        # saved there, it re-lints the document including it
        mark = client.mark()
        (repo / "README.rst").write_text("Read me.\n")
        client.notify("textDocument/didSave", {"textDocument": {"uri": uri(repo, "README.rst")}})
        assert client.diagnostics(uri(repo, "README.rst"), mark) == []
    finally:
        client.close()


CRASHING_SERVER = """
from novadoclint import phase2
from novadoclint.registry import Phase, Rule
from novadoclint.checks import ALL_RULES

def crash(index, ctx):
    if any("boom" in d.title.lower() for d in index.docs.values() if d.title):
        raise RuntimeError("boom")
    return []

base = next(r for r in ALL_RULES if r.phase is Phase.TREE)
crashing = Rule("crash-test", base.severity, Phase.TREE, crash, base.doc)
selected = phase2.tree_rules
phase2.tree_rules = lambda settings: (*selected(settings), crashing)
from novadoclint.lsp.server import main
main()
"""


def test_a_crashing_rule_leaves_the_server_alive(tree: Path, tmp_path: Path) -> None:
    env = {**os.environ, "NOVADOCLINT_CACHE_DIR": str(tmp_path / "cache")}
    client = Client([sys.executable, "-c", CRASHING_SERVER], cwd=tmp_path, env=env)
    try:
        client.initialize(tree)
        client.diagnostics(uri(tree, "b.rst"))
        open_doc(client, tree, "a.rst")
        mark = client.mark()
        change_doc(client, tree, "a.rst", A.replace("A\n=", "Boom\n===="))
        found = client.diagnostics(uri(tree, "conf.py"), mark)
        assert [d["code"] for d in found] == ["internal-error"]
        assert "crash-test crashed" in found[0]["message"]
        mark = client.mark()
        change_doc(client, tree, "a.rst", A, version=3)
        assert client.diagnostics(uri(tree, "conf.py"), mark) == []
        assert client.process.poll() is None
    finally:
        client.close()
