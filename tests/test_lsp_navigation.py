"""novadoclint-lsp navigation over stdio: definition, references, document symbols."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls")

from novadoclint.lsp.client import Client, LspError

FILES = {
    "conf.py": "project = 'nav'\n",
    "index.rst": """\
Index
=====

.. toctree::

   a
   sub/b

See :ref:`a-label` and :doc:`sub/b`, not :doc:`missing`.

.. include:: part.txt

.. image:: pic.png

Sub
---

Deeper
~~~~~~

Other
-----
""",
    "a.rst": ".. _a-label:\n\nA\n=\n\nBack to :doc:`index`.\n",
    "sub/b.rst": """\
B
=

:ref:`Go <a-label>` and :doc:`../a` and :download:`../data.csv`.

.. literalinclude:: ../code.py
""",
    "part.txt": "Included.\n",
    "pic.png": "",
    "code.py": "x = 1\n",
    "data.csv": "a,b\n",
}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / ".git").mkdir()
    return root.resolve()


@pytest.fixture
def client(tree: Path, tmp_path: Path) -> Iterator[Client]:
    env = {**os.environ, "NOVADOCLINT_CACHE_DIR": str(tmp_path / "cache")}
    c = Client([sys.executable, "-m", "novadoclint.lsp"], cwd=tmp_path, env=env)
    c.initialize(tree)
    c.diagnostics((tree / "index.rst").as_uri())  # doc-ref-missing: the tree is linted
    yield c
    c.close()


def at(
    client: Client, method: str, tree: Path, name: str, line: int, char: int, **extra: Any
) -> Any:
    params = {
        "textDocument": {"uri": (tree / name).as_uri()},
        "position": {"line": line, "character": char},
        **extra,
    }
    return client.request(method, params)


def places(tree: Path, locations: list[dict[str, Any]] | None) -> list[tuple[str, int]]:
    out = []
    for location in locations or []:
        path = Path(location["uri"].removeprefix("file://"))
        out.append((path.relative_to(tree).as_posix(), location["range"]["start"]["line"]))
    return sorted(out)


def definition(
    client: Client, tree: Path, name: str, line: int, char: int
) -> list[tuple[str, int]]:
    return places(tree, at(client, "textDocument/definition", tree, name, line, char))


def test_definition_of_references(client: Client, tree: Path) -> None:
    assert definition(client, tree, "index.rst", 8, 8) == [("a.rst", 0)]  # :ref:`a-label`
    assert definition(client, tree, "index.rst", 8, 4) == [("a.rst", 0)]  # on ':ref:'
    assert definition(client, tree, "index.rst", 8, 30) == [("sub/b.rst", 0)]  # :doc:`sub/b`
    assert definition(client, tree, "sub/b.rst", 3, 3) == [("a.rst", 0)]  # titled :ref:
    assert definition(client, tree, "sub/b.rst", 3, 30) == [("a.rst", 0)]  # :doc:`../a`
    assert definition(client, tree, "sub/b.rst", 3, 50) == [("data.csv", 0)]  # :download:
    assert definition(client, tree, "a.rst", 5, 16) == [("index.rst", 0)]
    # near misses: plain text, a missing document, between two roles
    assert definition(client, tree, "index.rst", 8, 1) == []
    assert definition(client, tree, "index.rst", 8, 48) == []  # :doc:`missing`
    assert definition(client, tree, "index.rst", 8, 20) == []  # ' and '


def test_definition_of_toctree_entries_and_file_directives(client: Client, tree: Path) -> None:
    assert definition(client, tree, "index.rst", 5, 4) == [("a.rst", 0)]
    assert definition(client, tree, "index.rst", 6, 5) == [("sub/b.rst", 0)]
    assert definition(client, tree, "index.rst", 10, 5) == [("part.txt", 0)]
    assert definition(client, tree, "index.rst", 12, 12) == [("pic.png", 0)]
    assert definition(client, tree, "sub/b.rst", 5, 22) == [("code.py", 0)]
    assert definition(client, tree, "index.rst", 3, 4) == []  # the toctree line itself


def test_references_of_a_label_and_of_a_document(client: Client, tree: Path) -> None:
    refs = at(
        client,
        "textDocument/references",
        tree,
        "a.rst",
        0,
        5,
        context={"includeDeclaration": False},
    )
    assert places(tree, refs) == [("index.rst", 8), ("sub/b.rst", 3)]
    refs = at(
        client,
        "textDocument/references",
        tree,
        "index.rst",
        8,
        8,
        context={"includeDeclaration": True},
    )
    assert places(tree, refs) == [("a.rst", 0), ("index.rst", 8), ("sub/b.rst", 3)]
    # anywhere else in a.rst: who links to the document a
    refs = at(
        client,
        "textDocument/references",
        tree,
        "a.rst",
        2,
        0,
        context={"includeDeclaration": False},
    )
    assert places(tree, refs) == [("index.rst", 5), ("sub/b.rst", 3)]
    # on a :doc: role: the document it names
    refs = at(
        client,
        "textDocument/references",
        tree,
        "index.rst",
        8,
        30,
        context={"includeDeclaration": False},
    )
    assert places(tree, refs) == [("index.rst", 6), ("index.rst", 8)]


def test_document_symbols_are_the_section_outline(client: Client, tree: Path) -> None:
    symbols = client.request(
        "textDocument/documentSymbol", {"textDocument": {"uri": (tree / "index.rst").as_uri()}}
    )

    def shape(items: list[dict[str, Any]]) -> list[Any]:
        return [
            (s["name"], s["range"]["start"]["line"], shape(s.get("children") or [])) for s in items
        ]

    assert shape(symbols) == [("Index", 0, [("Sub", 14, [("Deeper", 17, [])]), ("Other", 20, [])])]


def test_navigation_follows_unsaved_text(client: Client, tree: Path) -> None:
    uri = (tree / "a.rst").as_uri()
    text = FILES["a.rst"] + "\nNew :ref:`a-label` and :ref:`nolabel`.\n"
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "rst", "version": 1, "text": FILES["a.rst"]}},
    )
    mark = client.mark()
    client.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": text}]},
    )
    client.diagnostics(uri, mark)  # nolabel: re-linted
    assert definition(client, tree, "a.rst", 7, 8) == [("a.rst", 0)]


def complete(client: Client, tree: Path, name: str, text: str, line: int, char: int) -> list[Any]:
    uri = (tree / name).as_uri()
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "rst", "version": 1, "text": text}},
    )
    answer = client.request(
        "textDocument/completion",
        {"textDocument": {"uri": uri}, "position": {"line": line, "character": char}},
    )
    return list(answer["items"]) if answer else []


def test_completion_of_labels_documents_directives_and_roles(client: Client, tree: Path) -> None:
    # line 7 of each text is the one being typed (the files have six lines)
    text = FILES["sub/b.rst"] + "\n:ref:`\n"
    items = complete(client, tree, "sub/b.rst", text, 7, 6)
    labels = {i["label"]: i.get("detail") for i in items}
    assert labels == {"a-label": "A"}  # the label and the title it stands for
    (item,) = items
    assert item["textEdit"]["range"]["start"] == {"line": 7, "character": 6}

    text = FILES["a.rst"] + "\n:doc:`Go <su\n"
    items = complete(client, tree, "a.rst", text, 7, 12)
    docs = {i["label"]: i.get("detail") for i in items}
    assert docs == {"index": "Index", "sub/b": "B"}  # relative to a.rst's folder, not itself
    assert items[0]["textEdit"]["range"]["start"]["character"] == 10  # after '<'

    text = FILES["sub/b.rst"] + "\n:doc:`/\n"
    docs = {i["label"] for i in complete(client, tree, "sub/b.rst", text, 7, 7)}
    assert docs == {"/index", "/a"}

    text = FILES["a.rst"] + "\n.. no\n"
    names = {i["label"] for i in complete(client, tree, "a.rst", text, 7, 5)}
    assert {"note::", "toctree::", "code-block::"} <= names

    text = FILES["a.rst"] + "\nand :re\n"
    items = complete(client, tree, "a.rst", text, 7, 7)
    assert ":ref:`" in {i["label"] for i in items}
    assert items[0]["textEdit"]["range"]["start"]["character"] == 4

    # near misses: plain text, a finished role
    text = FILES["a.rst"] + "\nplain\n"
    assert complete(client, tree, "a.rst", text, 7, 5) == []
    text = FILES["a.rst"] + "\n:ref:`a-label` \n"
    assert complete(client, tree, "a.rst", text, 7, 15) == []


def apply(tree: Path, edit: dict[str, Any]) -> dict[str, str]:
    out = {}
    for file_uri, edits in edit["changes"].items():
        path = Path(file_uri.removeprefix("file://"))
        lines = path.read_text().split("\n")
        for e in sorted(edits, key=lambda e: e["range"]["start"]["character"], reverse=True):
            start, end = e["range"]["start"], e["range"]["end"]
            assert start["line"] == end["line"]
            line = lines[start["line"]]
            lines[start["line"]] = (
                line[: start["character"]] + e["newText"] + line[end["character"] :]
            )
        out[path.relative_to(tree).as_posix()] = "\n".join(lines)
    return out


def test_rename_a_label_everywhere(client: Client, tree: Path) -> None:
    edit = at(client, "textDocument/rename", tree, "index.rst", 8, 10, newName="first-label")
    renamed = apply(tree, edit)
    assert sorted(renamed) == ["a.rst", "index.rst", "sub/b.rst"]
    assert renamed["a.rst"].startswith(".. _first-label:\n")
    assert "See :ref:`first-label` and" in renamed["index.rst"]
    assert ":ref:`Go <first-label>` and" in renamed["sub/b.rst"]
    # the same from the definition
    assert apply(tree, at(client, "textDocument/rename", tree, "a.rst", 0, 6, newName="x")) == {
        name: text.replace("first-label", "x") for name, text in renamed.items()
    }


def test_rename_near_misses(client: Client, tree: Path) -> None:
    # not on a label: nothing to rename
    assert at(client, "textDocument/rename", tree, "a.rst", 2, 0, newName="x") is None
    # a :doc: is no label
    assert at(client, "textDocument/rename", tree, "index.rst", 8, 30, newName="x") is None
    # a name that cannot be a label
    with pytest.raises(LspError):
        at(client, "textDocument/rename", tree, "a.rst", 0, 6, newName="a `b`")


def test_hover_on_a_reference_names_its_target(client: Client, tree: Path) -> None:
    def hover(name: str, line: int, char: int) -> str | None:
        answer = at(client, "textDocument/hover", tree, name, line, char)
        return None if answer is None else str(answer["contents"]["value"])

    assert hover("index.rst", 8, 8) == "label `a-label`: A — a.rst:1"
    assert hover("index.rst", 8, 30) == "document `sub/b`: B — sub/b.rst"
    assert hover("sub/b.rst", 3, 30) == "document `a`: A — a.rst"
    assert hover("index.rst", 8, 1) is None  # plain text
    missing = hover("index.rst", 8, 48)  # :doc:`missing` has a diagnostic: its rule
    assert missing is not None and "doc-ref-missing" in missing
