"""The pool's weights: a document weighs what it parses, the files it includes too."""

from __future__ import annotations

import os
from pathlib import Path

from novadoclint import phase1


def test_an_include_weighs_what_it_reads(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # the project's boundary
    src = tmp_path / "doc" / "source"
    (src / "ref").mkdir(parents=True)
    (tmp_path / "history.rst").write_text("x" * 5000)
    (src / "common.rst").write_text("y" * 300)
    raw = b"Title\n=====\n\n.. include:: ../../../history.rst\n\n  .. include:: /common.rst\n"
    assert phase1.included_bytes(raw, "ref/page.rst", str(src)) == 5300


def test_what_is_outside_or_missing_weighs_nothing(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    src = tmp_path / "repo" / "doc"
    src.mkdir()
    (tmp_path / "outside.rst").write_text("z" * 9000)  # above the repository: never looked at
    os.symlink(tmp_path / "outside.rst", src / "link.rst")
    raw = b".. include:: ../../outside.rst\n.. include:: link.rst\n.. include:: gone.rst\n"
    raw += b".. include:: <isonum.txt>\n"
    assert phase1.included_bytes(raw, "page.rst", str(src)) == 0
