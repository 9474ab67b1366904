"""vocabulary.find_module: a module of conf.py's sys.path, only inside the project, found
with one look per search folder when the module's first name is not there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from novadoclint.project import vocabulary
from novadoclint.project.vocabulary import find_module
from novadoclint.safety import untrusted


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "doc" / "ext" / "pkg").mkdir(parents=True)
    (root / "doc" / "ext" / "mod.py").write_text("", encoding="utf-8")
    (root / "doc" / "ext" / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (root / "doc" / "ext" / "pkg" / "sub.py").write_text("", encoding="utf-8")
    (root / "doc" / "afile").write_text("", encoding="utf-8")
    (tmp_path / "outside" / "pkg").mkdir(parents=True)
    (tmp_path / "outside" / "far.py").write_text("", encoding="utf-8")
    (tmp_path / "outside" / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    return root


def test_modules_and_packages_inside_are_found(project: Path) -> None:
    root, search = str(project), [str(project / "doc" / "missing"), str(project / "doc" / "ext")]
    ext = project / "doc" / "ext"
    assert find_module("mod", search, root) == ext / "mod.py"
    assert find_module("pkg", search, root) == ext / "pkg" / "__init__.py"
    assert find_module("pkg.sub", search, root) == ext / "pkg" / "sub.py"
    assert find_module("pkg.absent", search, root) is None
    assert (
        find_module("sphinx.ext.autodoc", [*search, str(project / "doc" / "afile")], root) is None
    )


def test_nothing_outside_the_project_is_found(project: Path, tmp_path: Path) -> None:
    root, outside = str(project), tmp_path / "outside"
    assert find_module("far", [str(outside)], root) is None
    assert find_module("far", [str(outside)]) == outside / "far.py"  # no root: anywhere
    (project / "doc" / "linked").symlink_to(outside)  # a search folder leading out
    assert find_module("far", [str(project / "doc" / "linked")], root) is None
    (project / "doc" / "ext" / "far.py").symlink_to(outside / "far.py")  # a module leading out
    (project / "doc" / "ext" / "out").symlink_to(outside / "pkg")  # a package leading out
    assert find_module("far", [str(project / "doc" / "ext")], root) is None
    assert find_module("out", [str(project / "doc" / "ext")], root) is None


def test_links_inside_the_project_are_followed(project: Path) -> None:
    root = str(project)
    (project / "doc" / "alias").symlink_to(project / "doc" / "ext")
    (project / "doc" / "ext" / "again").symlink_to(project / "doc" / "ext" / "pkg")
    found = find_module("again.sub", [str(project / "doc" / "alias")], root)
    assert found is not None and os.path.realpath(found) == str(project / "doc/ext/pkg/sub.py")


def test_names_that_are_no_module_path_are_looked_up_as_before(project: Path) -> None:
    """Not plain identifiers: each candidate resolved in full, never outside."""
    root, ext = str(project), project / "doc" / "ext"
    (ext / "my-ext.py").write_text("", encoding="utf-8")
    assert find_module("my-ext", [str(ext)], root) == ext / "my-ext.py"
    assert find_module("..mod", [str(ext)], root) == ext / "mod.py"  # Path drops empty names
    assert find_module("pkg/sub", [str(ext)], root) == ext / "pkg" / "sub.py"
    assert find_module("../../../outside/far", [str(ext)], root) is None


def test_a_folder_without_the_first_name_costs_one_resolution(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = untrusted.resolve_inside

    def spy(root: str, path: str) -> str | None:
        calls.append(path)
        return real(root, path)

    monkeypatch.setattr(vocabulary.untrusted, "resolve_inside", spy)
    folders = [str(project / "doc" / name) for name in ("ext", "missing", "afile")]
    assert find_module("sphinx.ext.autodoc", folders, str(project)) is None
    assert calls == folders  # the folders only: no candidate under them
