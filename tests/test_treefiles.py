"""TreeFiles: the run's one reader of the files a tree names besides its documents."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from novadoclint.project.treefiles import FileRead, TreeFiles


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "doc").mkdir()
    (tmp_path / "secret.txt").write_text("secret\n")
    return tmp_path / "repo" / "doc"


def test_a_file_is_read_once_while_unchanged(tmp_path: Path) -> None:
    srcdir = _tree(tmp_path)
    (srcdir / "a.dot").write_text("digraph { a }\n")
    files = TreeFiles(str(srcdir))
    first = files.read("a.dot")
    assert first.data == b"digraph { a }\n" and first.text == "digraph { a }\n"
    assert files.read("a.dot") is first
    (srcdir / "a.dot").write_text("digraph { a -> b }\n")
    assert files.read("a.dot").text == "digraph { a -> b }\n"


def test_a_parse_is_made_once_and_shared(tmp_path: Path) -> None:
    srcdir = _tree(tmp_path)
    (srcdir / "p.yaml").write_text("a: 1\n")
    calls: list[FileRead] = []

    def parse(read: FileRead) -> int:
        calls.append(read)
        return len(read.data or b"")

    files = TreeFiles(str(srcdir))
    assert files.parsed("p.yaml", parse) == files.parsed("./p.yaml", parse) == 5
    assert len(calls) == 1


def test_outside_the_project_is_never_opened(tmp_path: Path) -> None:
    srcdir = _tree(tmp_path)
    (srcdir / "link").symlink_to(tmp_path / "secret.txt")
    files = TreeFiles(str(srcdir))
    for path in ("../../secret.txt", "link"):
        assert files.read(path) == FileRead(outside=True)
    assert files.read("../../secret.txt", root=str(tmp_path)).text == "secret\n"


def test_failures_are_values(tmp_path: Path) -> None:
    srcdir = _tree(tmp_path)
    os.mkfifo(srcdir / "fifo")
    files = TreeFiles(str(srcdir))
    missing = files.read("missing.dot")
    assert missing.data is None and not missing.refused and not missing.outside
    assert "No such file" in missing.error
    assert files.read("fifo") == FileRead(refused=True, error="not a regular file")
    assert files.read(".") == FileRead(refused=True, error="not a regular file")


def test_unbounded_reads_are_kept_apart_from_bounded_ones(tmp_path: Path) -> None:
    srcdir = _tree(tmp_path)
    files = TreeFiles(str(srcdir))
    secret = tmp_path / "secret.txt"
    assert files.read(str(secret)).outside
    assert files.read_unbounded(secret).text == "secret\n"


@pytest.mark.parametrize("used", [False, True])
def test_picklable_for_phase_one_workers(tmp_path: Path, used: bool) -> None:
    srcdir = _tree(tmp_path)
    (srcdir / "a.dot").write_text("digraph {}\n")
    files = TreeFiles(str(srcdir))
    if used:
        files.read("a.dot")
    copy = pickle.loads(pickle.dumps(files))
    assert copy.srcdir == files.srcdir
    assert copy.read("a.dot").text == "digraph {}\n"


def test_source_text_is_decoded_as_phase1_decodes_a_document(tmp_path: Path) -> None:
    srcdir = _tree(tmp_path)
    (srcdir / "bom.rst").write_bytes(b"\xef\xbb\xbfTitle\r\n=====\r\n")
    (srcdir / "latin.rst").write_bytes(b"caf\xe9\n")
    (srcdir / "link.rst").symlink_to(tmp_path / "secret.txt")
    files = TreeFiles(str(srcdir))
    text = files.source_text("bom.rst")
    assert text == "Title\r\n=====\r\n"  # the mark dropped, CRLF kept: a fix's offsets
    assert files.source_text("bom.rst") is text  # read and decoded once while unchanged
    assert files.source_text("latin.rst") is None  # not UTF-8: no fix writes it back
    assert files.source_text("link.rst") is None  # outside the project: never opened
    assert files.source_text("missing.rst") is None
    (srcdir / "bom.rst").write_bytes(b"Other\n")
    assert files.source_text("bom.rst") == "Other\n"
