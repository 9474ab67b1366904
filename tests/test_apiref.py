"""os-api-ref's checks: the YAML reading with lines, and nova's API reference broken each way."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from novadoclint.checks import ALL_RULES
from novadoclint.languages.apiref import (
    parameters_from,
    parse_entries,
    parse_parameters,
    parse_status,
    parse_status_entries,
)
from novadoclint.project.treefiles import TreeFiles

from harness import lint_case

CORPUS = (
    Path(__file__).resolve().parents[2] / "shared" / "corpus" / "nova-2026" / "api-ref" / "source"
)
APIREF_RULES = tuple(r.id for r in ALL_RULES if r.id.startswith("apiref-"))


def test_parameters_lines_and_merge_keys() -> None:
    text = (
        "base: &base\n"
        "  in: path\n"
        "  type: string\n"
        "derived:\n"
        "  <<: *base\n"
        "  description: x\n"
        "listed:\n"
        "  <<: [*base]\n"
        "bare:\n"
        "  type: string\n"
        "scalar: 1\n"
    )
    params = parse_parameters(text)
    assert params.problem == ""
    got = [(p.key, p.line, p.mapping, p.where, p.where_line) for p in params.params]
    assert got == [
        ("base", 1, True, "path", 2),
        ("derived", 4, True, "path", 2),
        ("listed", 7, True, "path", 2),
        ("bare", 9, True, None, 9),
        ("scalar", 11, False, None, 11),
    ]


def test_parameters_duplicate_key_keeps_first_place_last_value() -> None:
    params = parse_parameters("a:\n  in: body\nb:\n  in: body\na:\n  in: header\n")
    assert [(p.key, p.line, p.where, p.where_line) for p in params.params] == [
        ("a", 1, "header", 6),
        ("b", 3, "body", 4),
    ]


@pytest.mark.parametrize(
    ("text", "problem", "line"),
    [
        ("", "empty", 1),
        ("# only a comment\n", "empty", 1),
        ("{}\n", "empty", 1),
        ("a:\n  in: [body\n", "yaml", 3),
        ("- a\n- b\n", "shape", 1),
        ("a: b\n", "", 1),
    ],
)
def test_parameters_problems(text: str, problem: str, line: int) -> None:
    params = parse_parameters(text)
    assert (params.problem, params.line) == (problem, line)


def test_parameters_read_once_while_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "parameters.yaml"
    path.write_text("a:\n  in: body\n", encoding="utf-8")
    files = TreeFiles(str(tmp_path))
    assert files.parsed(path.name, parameters_from) is files.parsed(path.name, parameters_from)
    path.write_text("a:\n  in: body\nb:\n  in: body\n", encoding="utf-8")
    assert [p.key for p in files.parsed(path.name, parameters_from).params] == ["a", "b"]
    assert files.parsed("nope.yaml", parameters_from).problem == "missing"


def test_entries_lines_and_malformed_items() -> None:
    content = "- a: ref_a\n- b\n- c: ref_c\n  d: ref_d\n- e:\n"
    entries, error, _ = parse_entries(content, 10)
    assert error == ""
    assert [(e.name, e.ref, e.line, e.text) for e in entries] == [
        ("a", "ref_a", 10, ""),
        (None, None, 11, "- b"),
        ("c", "ref_c", 12, ""),
        ("d", "ref_d", 13, ""),
        ("e", None, 14, ""),
    ]
    _, error, line = parse_entries("- a: b: [\n", 5)
    assert error and line == 5


def test_status_file_and_entries() -> None:
    status = parse_status(
        "200:\n  default: OK\n404:\n  not_found: gone\nnot_a_code:\n  default: x\n"
    )
    assert dict(status.codes) == {200: frozenset({"default"}), 404: frozenset({"not_found"})}
    assert parse_status("200: [\n").problem == "yaml"
    entries, error = parse_status_entries("- 200\n- 404: not_found\n- 4xx\n", 7)
    assert error == ""
    assert [(e.code, e.written, e.reason, e.line) for e in entries] == [
        (200, "200", None, 7),
        (404, "404", "not_found", 8),
        (None, "4xx", None, 9),
    ]


def _slice(tmp_path: Path) -> Path:
    """servers.inc and parameters.yaml of nova's API reference, in a tree of their own."""
    root = tmp_path / "source"
    root.mkdir()
    (root / "conf.py").write_text("extensions = ['openstackdocstheme', 'os_api_ref']\n")
    (root / "index.rst").write_text(
        "=============\n Compute API\n=============\n\n.. include:: servers.inc\n"
    )
    for name in ("servers.inc", "parameters.yaml"):
        shutil.copy(CORPUS / name, root / name)
    return root


def _replace(path: Path, old: str, new: str) -> int:
    """Replace the first ``old``; the 1-based line it was on."""
    text = path.read_text(encoding="utf-8")
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    return text.count("\n", 0, at) + 1


def _found(root: Path) -> list[tuple[str, int, str, str]]:
    return [(f.path, f.line, f.rule, f.message) for f in lint_case(root, select=APIREF_RULES)]


needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared corpus absent")


@needs_corpus
def test_corpus_slice_is_clean(tmp_path: Path) -> None:
    assert _found(_slice(tmp_path)) == []


@needs_corpus
def test_corpus_slice_broken_each_way(tmp_path: Path) -> None:
    root = _slice(tmp_path)
    inc, params = root / "servers.inc", root / "parameters.yaml"
    bad_ref = _replace(inc, "  - id: server_id\n", "  - id: server_idd\n")
    bad_form = _replace(inc, "  - links: links\n", "  - links\n")
    _replace(
        inc, ".. rest_method:: GET /servers/{server_id}\n", ".. rest_method:: GET /servers/{uuid}\n"
    )
    bad_in = _replace(params, "  in: query\n", "  in: qeury\n")
    found = _found(root)
    rules = {(path, line, rule) for path, line, rule, _ in found}
    assert ("servers.inc", bad_ref, "apiref-parameter-undefined") in rules
    assert ("servers.inc", bad_form, "apiref-parameter-entry") in rules
    assert ("parameters.yaml", bad_in, "apiref-parameter-in") in rules
    messages = " | ".join(message for *_, message in found)
    assert "did you mean 'server_id'?" in messages
    assert "did you mean 'query'?" in messages
    assert any(
        rule == "apiref-path-parameter-missing" and "'uuid'" in message
        for _, _, rule, message in found
    )


@needs_corpus
def test_corpus_slice_out_of_order_and_missing_file(tmp_path: Path) -> None:
    root = _slice(tmp_path)
    params = root / "parameters.yaml"
    text = params.read_text(encoding="utf-8")
    # Move the first header definition to the end: after body, a section out of order.
    first = text.index("\nimage_location:")
    end = text.index("\nserver_location:")
    block = text[first + 1 : end + 1]
    params.write_text(text[: first + 1] + text[end + 1 :] + block, encoding="utf-8")
    moved = (text[: first + 1] + text[end + 1 :]).count("\n") + 1
    found = _found(root)
    assert ("parameters.yaml", moved, "apiref-parameters-order") in {
        (p, line, rule) for p, line, rule, _ in found
    }
    params.unlink()
    found = _found(root)
    assert {rule for _, _, rule, _ in found} == {"apiref-parameters-file"}
    assert len(found) == 1  # once per document, at its first stanza
