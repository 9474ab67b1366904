"""load_project learns which files are links from the walk's listing, as an lstat of each
would tell: links leading outside are no documents, others are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from novadoclint.project import discover


@pytest.fixture
def srcdir(tmp_path: Path) -> Path:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.rst").write_text("X\n=\n", encoding="utf-8")
    src = tmp_path / "repo" / "doc"
    (src / "sub").mkdir(parents=True)
    (tmp_path / "repo" / ".git").mkdir()
    (src / "conf.py").write_text("", encoding="utf-8")
    (src / "index.rst").write_text("Index\n=====\n", encoding="utf-8")
    (src / "sub" / "page.rst").write_text("Page\n====\n", encoding="utf-8")
    (src / "out.rst").symlink_to(tmp_path / "outside" / "x.rst")
    (src / "sub" / "out.rst").symlink_to("../../../outside/x.rst")
    (src / "outdir").symlink_to(tmp_path / "outside")  # a folder out: listed, not walked
    (src / "alias.rst").symlink_to("index.rst")
    (src / "dangling.rst").symlink_to("nowhere.rst")
    return src


def test_the_walk_names_the_links_an_lstat_would(srcdir: Path) -> None:
    files, _, links = discover._walk(srcdir)
    assert sorted(links) == sorted(f for f in files if os.path.islink(srcdir / f))
    assert sorted(links) == ["alias.rst", "dangling.rst", "out.rst", "outdir", "sub/out.rst"]
    expected = ["out.rst", "outdir", "sub/out.rst"]
    assert sorted(discover.outside_links(srcdir, files)) == expected
    assert sorted(discover.outside_links(srcdir, files, links=links)) == expected


def test_links_leading_outside_are_no_documents(
    srcdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    examined: list[str] = []
    real = os.path.islink

    def islink(path: str | os.PathLike[str]) -> bool:
        examined.append(os.fspath(path))
        return real(path)

    monkeypatch.setattr(discover.os.path, "islink", islink)
    project = discover.load_project(srcdir, True)
    assert sorted(project.docs) == ["alias", "dangling", "index", "sub/page"]
    assert examined == []  # the listing said which files are links
