"""novadoclint-lsp's code actions end to end: the real server over stdio.

Quickfixes from the findings' fixes (directive-missing-colon, D002 on a line
with characters outside the BMP, where UTF-16 and code points differ), the
``source.fixAll.novadoclint`` action on unsaved text giving what ``--fix``
writes, unsafe fixes kept out of it, no quickfix for text that is not the
text the findings were computed on, and fix-all asked for by name (on save)
linting such a text in memory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls")

from novadoclint.lsp.client import Client, apply_text_edits

INDEX = """\
Index
=====

.. toctree::

   page
"""
# line 3 has two characters outside the BMP (two UTF-16 units each) before its
# trailing blanks; the default role (line 9) has an unsafe fix only
PAGE = (
    "Page\n"
    "====\n"
    "\n"
    "Smile \U0001f600 and \U0001f389 here.   \n"
    "\n"
    ".. note: Back up the database first.\n"
    "\n"
    "Plain text.\n"
    "\n"
    "Use `value` here.\n"
)
VERSIONED = {"workspace": {"workspaceEdit": {"documentChanges": True}}}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    root.mkdir()
    (root / ".git").mkdir()
    (root / "conf.py").write_text("project = 't'\n")
    (root / "index.rst").write_text(INDEX)
    (root / "page.rst").write_bytes(PAGE.encode())
    return root


def start(tmp_path: Path) -> Client:
    env = {**os.environ, "NOVADOCLINT_CACHE_DIR": str(tmp_path / "cache")}
    return Client([sys.executable, "-m", "novadoclint.lsp"], cwd=tmp_path, env=env)


@pytest.fixture
def client(tree: Path, tmp_path: Path) -> Iterator[Client]:
    c = start(tmp_path)
    c.initialize(tree)
    c.diagnostics(uri(tree, "page.rst"))  # the first lint is done
    yield c
    c.close()


def uri(root: Path, name: str) -> str:
    return (root / name).resolve().as_uri()


def open_doc(client: Client, root: Path, name: str, text: str) -> None:
    document = {"uri": uri(root, name), "languageId": "rst", "version": 1, "text": text}
    client.notify("textDocument/didOpen", {"textDocument": document})


def change_doc(client: Client, root: Path, name: str, text: str, version: int) -> None:
    client.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri(root, name), "version": version},
            "contentChanges": [{"text": text}],
        },
    )


def actions(
    client: Client,
    root: Path,
    name: str,
    line: int,
    *,
    end: int | None = None,
    only: list[str] | None = None,
) -> list[dict[str, Any]]:
    context: dict[str, Any] = {"diagnostics": []}
    if only is not None:
        context["only"] = only
    rng = {  # the lines' whole text: past its end means its end
        "start": {"line": line, "character": 0},
        "end": {"line": line if end is None else end, "character": 1000},
    }
    params = {"textDocument": {"uri": uri(root, name)}, "range": rng, "context": context}
    return list(client.request("textDocument/codeAction", params) or [])


def text_edits(edit: dict[str, Any], target: str) -> list[dict[str, Any]]:
    if "documentChanges" in edit:
        (change,) = edit["documentChanges"]
        assert change["textDocument"]["uri"] == target
        return list(change["edits"])
    assert list(edit["changes"]) == [target]
    return list(edit["changes"][target])


def only_kind(found: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [a for a in found if a["kind"] == kind]


def test_a_quickfix_for_directive_missing_colon(client: Client, tree: Path) -> None:
    found = only_kind(actions(client, tree, "page.rst", 5), "quickfix")
    assert [a["diagnostics"][0]["code"] for a in found] == ["directive-missing-colon"]
    action = found[0]
    assert action["isPreferred"] is True
    assert action["title"] == "Add the second colon"  # the fix's title
    assert action["diagnostics"][0]["range"]["start"]["line"] == 5
    edits = text_edits(action["edit"], uri(tree, "page.rst"))
    assert apply_text_edits(PAGE, edits) == PAGE.replace(".. note:", ".. note::")
    assert (tree / "page.rst").read_text() == PAGE  # the server writes nothing


def test_d002_after_characters_outside_the_bmp_counts_utf16_units(
    client: Client, tree: Path
) -> None:
    found = only_kind(actions(client, tree, "page.rst", 3), "quickfix")
    assert [a["diagnostics"][0]["code"] for a in found] == ["D002"]
    assert found[0]["title"] == "Remove the trailing whitespace"
    (edit,) = text_edits(found[0]["edit"], uri(tree, "page.rst"))
    kept = "Smile \U0001f600 and \U0001f389 here."
    # 19 code points, 21 UTF-16 units: the blanks start at 21, the line ends at 24
    assert len(kept) == 19
    assert edit["range"] == {
        "start": {"line": 3, "character": 21},
        "end": {"line": 3, "character": 24},
    }
    assert edit["newText"] == ""
    assert apply_text_edits(PAGE, [edit]) == PAGE.replace("here.   \n", "here.\n")


def test_an_unsafe_fix_is_a_quickfix_and_never_in_fix_all(client: Client, tree: Path) -> None:
    found = only_kind(actions(client, tree, "page.rst", 9), "quickfix")
    assert [a["diagnostics"][0]["code"] for a in found] == ["default-role"]
    assert found[0]["isPreferred"] is False
    assert found[0]["title"] == "Double the backticks (unsafe)"
    edits = text_edits(found[0]["edit"], uri(tree, "page.rst"))
    assert apply_text_edits(PAGE, edits) == PAGE.replace("`value`", "``value``")
    (fix_all,) = actions(client, tree, "page.rst", 0, only=["source.fixAll"])
    assert fix_all["kind"] == "source.fixAll.novadoclint"
    after = apply_text_edits(PAGE, text_edits(fix_all["edit"], uri(tree, "page.rst")))
    assert "Use `value` here." in after  # the unsafe fix is not applied
    assert ".. note:: Back up" in after and "here.   \n" not in after


def test_kinds_the_client_did_not_ask_for_are_left_out(client: Client, tree: Path) -> None:
    whole = actions(client, tree, "page.rst", 0, end=10)
    assert sorted(a["kind"] for a in whole) == [
        "quickfix",
        "quickfix",
        "quickfix",
        "source.fixAll.novadoclint",
    ]
    assert {a["kind"] for a in actions(client, tree, "page.rst", 0, end=10, only=["quickfix"])} == {
        "quickfix"
    }
    assert [a["kind"] for a in actions(client, tree, "page.rst", 0, only=["source"])] == [
        "source.fixAll.novadoclint"
    ]
    assert actions(client, tree, "page.rst", 0, only=["refactor"]) == []
    assert actions(client, tree, "page.rst", 1) == [
        a for a in whole if a["kind"] == "source.fixAll.novadoclint"
    ]


def fix_with_the_cli(tree: Path, tmp_path: Path, text: str) -> str:
    """What ``novadoclint --fix`` writes for page.rst holding ``text``, on a copy."""
    copy = tmp_path / "cli"
    shutil.copytree(tree, copy)
    (copy / "page.rst").write_bytes(text.encode())
    env = {**os.environ, "NOVADOCLINT_CACHE_DIR": str(tmp_path / "cli-cache")}
    done = subprocess.run(
        [sys.executable, "-m", "novadoclint", "--fix", "."],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return (copy / "page.rst").read_bytes().decode()


# unsaved text: a tab-indented line (D003), a directive with one colon and
# trailing blanks on its line (two fixes on one line), a blank line of a tab and
# spaces (D002 and D003 mend the same characters: D003's waits for the re-lint,
# which finds it gone), a CRLF line (D004) and no final newline (D005)
OVERLAY = (
    "Page\n"
    "====\n"
    "\n"
    "\U0001f600 first.  \n"
    "\n"
    ".. warning:  \n"
    "\tIndented by a tab.\n"
    "\t  \n"
    "A CRLF line.\r\n"
    "Use `value` here."
)


def test_fix_all_on_unsaved_text_is_what_the_command_line_writes(
    client: Client, tree: Path, tmp_path: Path
) -> None:
    open_doc(client, tree, "page.rst", PAGE)
    mark = client.mark()
    change_doc(client, tree, "page.rst", OVERLAY, 2)
    shown = client.diagnostics(uri(tree, "page.rst"), mark)
    assert {"D002", "D003", "D004", "D005", "directive-missing-colon"} <= {d["code"] for d in shown}
    (action,) = actions(client, tree, "page.rst", 0, only=["source.fixAll"])
    after = apply_text_edits(OVERLAY, text_edits(action["edit"], uri(tree, "page.rst")))
    assert after == fix_with_the_cli(tree, tmp_path, OVERLAY)
    assert after != OVERLAY and "`value`" in after
    assert (tree / "page.rst").read_text() == PAGE  # the overlay is not written
    # fixed, the text has no safe fix left: no fix-all, no preferred quickfix
    mark = client.mark()
    change_doc(client, tree, "page.rst", after, 3)
    client.diagnostics(uri(tree, "page.rst"), mark)
    left = actions(client, tree, "page.rst", 0, end=20)
    assert [(a["kind"], a["isPreferred"]) for a in left] == [("quickfix", False)]


def test_edits_name_the_version_they_are_for(tree: Path, tmp_path: Path) -> None:
    client = start(tmp_path)
    try:
        offered = client.initialize(tree, VERSIONED)["capabilities"]["codeActionProvider"]
        assert offered["codeActionKinds"] == ["quickfix", "source.fixAll.novadoclint"]
        client.diagnostics(uri(tree, "page.rst"))
        open_doc(client, tree, "page.rst", PAGE)
        mark = client.mark()
        change_doc(client, tree, "page.rst", PAGE.replace("Plain text.", "Plain text.   "), 7)
        client.diagnostics(uri(tree, "page.rst"), mark)
        found = actions(client, tree, "page.rst", 7)
        (change,) = found[0]["edit"]["documentChanges"]
        assert change["textDocument"] == {"uri": uri(tree, "page.rst"), "version": 7}
        assert "changes" not in found[0]["edit"]
    finally:
        client.close()


def change_and_ask(
    client: Client,
    root: Path,
    text: str,
    version: int,
    line: int,
    only: list[str] | None,
    name: str = "page.rst",
) -> Any:
    """A didChange and at once, in the same write (nothing runs between them, the
    debounced lint cannot), a code action request: its answer."""
    change = {
        "method": "textDocument/didChange",
        "params": {
            "textDocument": {"uri": uri(root, name), "version": version},
            "contentChanges": [{"text": text}],
        },
    }
    context: dict[str, Any] = {"diagnostics": []}
    if only is not None:
        context["only"] = only
    client.next_id += 1
    question = {
        "id": client.next_id,
        "method": "textDocument/codeAction",
        "params": {
            "textDocument": {"uri": uri(root, name)},
            "range": {
                "start": {"line": line, "character": 0},
                "end": {"line": line, "character": 80},
            },
            "context": context,
        },
    }
    client.write_many([change, question])
    return client.answer(client.next_id)


def test_no_edit_for_a_newer_text_waiting_for_its_lint(client: Client, tree: Path) -> None:
    open_doc(client, tree, "page.rst", PAGE)
    assert actions(client, tree, "page.rst", 5)  # the open text is the linted text
    # the findings and their offsets are of the old text, one line off now
    stale = "New first line.\n" + PAGE
    mark = client.mark()
    assert change_and_ask(client, tree, stale, 2, 6, None) is None
    assert change_and_ask(client, tree, stale + "\n", 3, 6, ["quickfix"]) is None
    # once re-linted, the fixes are back, for the new text
    client.diagnostics(uri(tree, "page.rst"), mark)
    (action,) = only_kind(actions(client, tree, "page.rst", 6), "quickfix")
    after = apply_text_edits(stale + "\n", text_edits(action["edit"], uri(tree, "page.rst")))
    assert after == stale.replace(".. note:", ".. note::") + "\n"


def test_fix_all_on_save_lints_a_text_waiting_for_its_lint(tree: Path, tmp_path: Path) -> None:
    """An editor's fix on save may come before the lint of the last keystrokes: fix-all
    asked for by name lints the editor's text in memory."""
    client = start(tmp_path)
    try:
        client.initialize(tree, VERSIONED)
        client.diagnostics(uri(tree, "page.rst"))
        open_doc(client, tree, "page.rst", PAGE)
        typed = "New first line.  \n" + PAGE
        answer = change_and_ask(client, tree, typed, 5, 0, ["source.fixAll.novadoclint"])
        (action,) = answer
        (change,) = action["edit"]["documentChanges"]
        assert change["textDocument"]["version"] == 5
        after = apply_text_edits(typed, change["edits"])
        assert after == typed.replace("line.  \n", "line.\n").replace(
            "here.   \n", "here.\n"
        ).replace(".. note:", ".. note::")
    finally:
        client.close()


def test_no_edit_when_the_file_changed_on_disk_unannounced(client: Client, tree: Path) -> None:
    assert actions(client, tree, "page.rst", 5)  # not open: the file on disk was linted
    (tree / "page.rst").write_bytes(("Moved.\n\n" + PAGE).encode())  # no watcher event
    assert actions(client, tree, "page.rst", 7) == []


def test_the_fix_all_bench_runs_on_a_small_tree(tmp_path: Path) -> None:
    repository = tmp_path / "repo"
    source = repository / "doc" / "source"
    source.mkdir(parents=True)
    (source / "conf.py").write_text("project = 't'\n")
    (source / "index.rst").write_text(INDEX)
    (source / "page.rst").write_bytes(OVERLAY.encode())
    bench = Path(__file__).resolve().parents[1] / "bench" / "lsp_fixall.py"
    out = subprocess.run(
        [sys.executable, str(bench), str(repository)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    assert "documents compared: 2; --fix changed 1 files, the server offered fix-all for 1" in out
    assert "server's fix-all equal to --fix: 2 of 2" in out
    assert "differs" not in out


def test_an_included_file_outside_the_source_dir_gets_its_fixes(tmp_path: Path) -> None:
    """Its findings come from the page including it, which read it from disk: its fixes
    are offered while the file is as that page read it."""
    repository = tmp_path / "repo"
    source = repository / "doc"
    source.mkdir(parents=True)
    (repository / ".git").mkdir()
    (source / "conf.py").write_text("project = 't'\n")
    (source / "index.rst").write_text(
        "Index\n=====\n\nSee `this` here.\n\n.. include:: ../shared.rst\n"
    )
    shared = "Shared \U0001f600 text with `value` here.\n"
    (repository / "shared.rst").write_text(shared)
    client = start(tmp_path)
    try:
        client.initialize(source)
        client.diagnostics(uri(repository, "shared.rst"))
        open_doc(client, repository, "shared.rst", shared)
        (action,) = actions(client, repository, "shared.rst", 0)
        assert action["diagnostics"][0]["code"] == "default-role"
        assert action["isPreferred"] is False  # unsafe: a quickfix, no fix-all
        edits = text_edits(action["edit"], uri(repository, "shared.rst"))
        # '`value`' starts at code point 19, UTF-16 unit 20
        assert shared.index("`") == 19
        assert edits[0]["range"]["start"] == {"line": 0, "character": 20}
        after = apply_text_edits(shared, edits)
        assert after == shared.replace("`value`", "``value``")
        # saved elsewhere (another editor, git) and reloaded, before the page including
        # it is linted again: the editor's text is the file, not what the page read
        moved = "Moved.\n\n" + shared
        (repository / "shared.rst").write_text(moved)
        assert change_and_ask(client, repository, moved, 2, 2, None, "shared.rst") is None
    finally:
        client.close()


RESOLVING = {"textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}}}}


def test_fix_all_unasked_gets_its_edit_when_chosen(tree: Path, tmp_path: Path) -> None:
    """The light bulb's fix-all costs a lint in memory: a client that resolves actions
    gets it without its edit, made by codeAction/resolve."""
    client = start(tmp_path)
    try:
        offered = client.initialize(tree, RESOLVING)["capabilities"]["codeActionProvider"]
        assert offered["resolveProvider"] is True
        client.diagnostics(uri(tree, "page.rst"))
        open_doc(client, tree, "page.rst", PAGE)
        (lazy,) = only_kind(actions(client, tree, "page.rst", 0), "source.fixAll.novadoclint")
        assert "edit" not in lazy
        resolved = client.request("codeAction/resolve", lazy)
        after = apply_text_edits(PAGE, text_edits(resolved["edit"], uri(tree, "page.rst")))
        assert after == PAGE.replace("here.   \n", "here.\n").replace(".. note:", ".. note::")
        # asked for by name (on save): the edit at once, the same
        (asked,) = actions(client, tree, "page.rst", 0, only=["source.fixAll"])
        assert apply_text_edits(PAGE, text_edits(asked["edit"], uri(tree, "page.rst"))) == after
        # nothing safe to fix: not offered
        mark = client.mark()
        change_doc(client, tree, "page.rst", after, 2)
        client.diagnostics(uri(tree, "page.rst"), mark)
        assert only_kind(actions(client, tree, "page.rst", 0), "source.fixAll.novadoclint") == []
    finally:
        client.close()
