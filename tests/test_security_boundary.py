"""The project's boundary and the document reader, where the cache and the engine meet them.

The tree is the pull request's: a document may be a FIFO or a huge sparse file, a
file name need not be UTF-8, and between two runs a repository marker may go or an
include may be replaced by a link out of the project. A warm run must say what a
cold run says, and neither may read outside the project.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from novadoclint.engine import lint
from novadoclint.safety.untrusted import MAX_DOCUMENT_BYTES, project_root

INCLUDER = "Page\n====\n\n.. include:: ../shared/part.inc\n"


def findings(srcdir: Path, *, cache: bool = True) -> list[str]:
    return [f.render() for f in lint([srcdir], overrides={"jobs": 1, "cache": cache}).findings]


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_fifo_or_huge_document_is_unreadable_not_waited_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # findings carry paths relative to the tree
    write(tmp_path, {"conf.py": "", "index.rst": "Index\n=====\n"})
    os.mkfifo(tmp_path / "pipe.rst")
    with open(tmp_path / "huge.rst", "wb") as f:
        f.truncate(MAX_DOCUMENT_BYTES + 1)  # sparse: no disk used
    start = time.monotonic()
    found = [line for line in findings(Path("."), cache=False) if "file-unreadable" in line]
    assert time.monotonic() - start < 30
    assert found == [
        "huge.rst:1:1: error file-unreadable cannot read huge.rst: larger than 64 MB",
        "pipe.rst:1:1: error file-unreadable cannot read pipe.rst: not a regular file",
    ]


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses non-UTF-8 file names")
def test_a_file_name_that_is_not_utf8_is_cached(tmp_path: Path) -> None:
    write(tmp_path, {"conf.py": "", "index.rst": "Index\n=====\n"})
    (Path(os.fsdecode(bytes(tmp_path) + b"/bad\xff.rst"))).write_text("Bad\n===\n")
    cold = findings(tmp_path)
    assert any("orphan-document" in line for line in cold)
    assert findings(tmp_path) == cold  # warm: read back under the same key


def nova_like(tmp_path: Path) -> Path:
    """A repository (tox.ini at its top) whose documents include a file above doc/source."""
    write(
        tmp_path,
        {
            "repo/tox.ini": "[tox]\n",
            "repo/doc/source/conf.py": "",
            "repo/doc/source/index.rst": INCLUDER.replace("../", "../../"),
            "repo/shared/part.inc": "Included text with `a broken link`_.\n",
        },
    )
    return tmp_path / "repo" / "doc" / "source"


def test_a_marker_gone_between_runs_is_not_answered_from_the_cache(tmp_path: Path) -> None:
    srcdir = nova_like(tmp_path)
    warm = findings(srcdir)
    assert warm == findings(srcdir)
    assert not any("include-outside-project" in line for line in warm)
    (tmp_path / "repo" / "tox.ini").unlink()  # now the source dir is the whole project
    project_root.cache_clear()
    try:
        after = findings(srcdir)
    finally:
        project_root.cache_clear()
    assert after == findings(srcdir, cache=False)
    assert any("include-outside-project" in line for line in after)


def test_a_missing_include_turned_into_a_link_out_is_not_read(tmp_path: Path) -> None:
    """Missing, then a link to an outside FIFO: neither readable, yet not the same finding."""
    srcdir = nova_like(tmp_path)
    part = tmp_path / "repo" / "shared" / "part.inc"
    part.unlink()
    cold = findings(srcdir)
    assert any("include-missing" in line for line in cold)
    outside = tmp_path / "outside"
    outside.mkdir()
    os.mkfifo(outside / "secret")  # reading it would block the run
    part.symlink_to(outside / "secret")
    start = time.monotonic()
    after = findings(srcdir)
    assert time.monotonic() - start < 30
    assert after == findings(srcdir, cache=False)
    assert any("include-outside-project" in line for line in after)
    assert not any("include-missing" in line for line in after)
