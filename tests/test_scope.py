"""Which trees a run lints: files outside every source dir, unreadable folders, -o."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from novadoclint import engine
from novadoclint.cli import main
from novadoclint.project import discover

HISTORY = "nova/api/openstack/compute/rest_api_version_history.rst"


def nova_like(root: Path) -> Path:
    """A repository laid out like nova: doc/source, an include from nova/api, roles, README."""
    (root / ".git").mkdir()  # the repository's top, as project_root finds it
    src = root / "doc" / "source"
    (src / "reference").mkdir(parents=True)
    (src / "conf.py").write_text("extensions = []\n")
    (src / "index.rst").write_text("Index\n=====\n\n.. toctree::\n\n   reference/history\n")
    (src / "reference" / "history.rst").write_text(
        f"History\n=======\n\n.. include:: ../../../{HISTORY}\n"
    )
    (root / HISTORY).parent.mkdir(parents=True)
    (root / HISTORY).write_text("2.1\n---\n\nThe first microversion.\n")
    (root / "roles" / "x").mkdir(parents=True)
    (root / "roles" / "x" / "README.rst").write_text(
        "Role x\n\n.. zuul:rolevar:: foo\n\n   A variable.\n"
    )
    (root / "README.rst").write_text("Nova\n====\n\nSee :doc:`nowhere`.\n")
    (root / "requirements.txt").write_text("pbr\n")
    return src


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(["--jobs", "1", "--no-cache", *args])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def test_included_file_is_reported_through_the_tree_that_includes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    nova_like(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, HISTORY)
    assert code == 0, out
    assert out == ["1 files checked, no problems found"]  # no orphan-document, no tree of its own
    assert "no conf.py" not in err
    history = tmp_path / HISTORY
    history.write_text(history.read_text() + "\nSee :doc:`nowhere`.\n")
    code, out, _ = run(capsys, HISTORY)
    full_code, full, _ = run(capsys, "doc/source")
    assert code == full_code == 1
    assert out[:-1] == [line for line in full[:-1] if line.startswith(HISTORY)]
    assert out[0].startswith(f"{HISTORY}:6:1: error doc-ref-missing")


def test_file_in_no_tree_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    nova_like(tmp_path)
    monkeypatch.chdir(tmp_path)

    def no_lint(*args: object, **kwargs: object) -> None:
        raise AssertionError("no tree is to be parsed")

    monkeypatch.setattr(engine, "lint_project", no_lint)
    code, out, err = run(capsys, "roles/x/README.rst", "README.rst", "requirements.txt")
    assert code == 0
    assert out == ["0 files checked, no problems found"]
    assert "note: roles/x/README.rst is in no Sphinx source dir" in err
    assert "note: README.rst is in no Sphinx source dir" in err


def test_a_mere_mention_is_no_include(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Prose naming README.rst does not tie it; a document that includes it does."""
    src = nova_like(tmp_path)
    (src / "index.rst").write_text((src / "index.rst").read_text() + "\nRead README.rst.\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "README.rst")
    assert (code, out) == (0, ["0 files checked, no problems found"])
    (src / "readme.rst").write_text(":orphan:\n\n.. include:: ../../README.rst\n")
    code, out, _ = run(capsys, "README.rst")
    assert code == 1
    assert out[0].startswith("README.rst:4:1: error doc-ref-missing")


def test_conf_py_of_a_python_package_is_no_tree(tmp_path: Path) -> None:
    nova_like(tmp_path)
    (tmp_path / "nova" / "conf").mkdir()
    (tmp_path / "nova" / "conf" / "__init__.py").write_text("")
    (tmp_path / "nova" / "conf" / "conf.py").write_text("")
    assert discover.find_srcdirs(tmp_path) == [tmp_path / "doc" / "source"]
    assert discover.sphinx_conf_above(tmp_path / "nova" / "conf" / "x.rst") is None


def test_conf_py_above_the_repository_is_not_its_tree(tmp_path: Path) -> None:
    (tmp_path / "conf.py").write_text("")
    repo = tmp_path / "checkout"
    (repo / ".git").mkdir(parents=True)
    (repo / "README.rst").write_text("Hi\n")
    assert discover.sphinx_conf_above(repo / "README.rst") is None
    assert discover.find_srcdir(repo / "README.rst") == (repo, False)
    # without a repository, conf.py is looked for up to the top, as before
    (tmp_path / "loose").mkdir()
    assert discover.find_srcdir(tmp_path / "loose") == (tmp_path, True)


def test_unreadable_folder_is_a_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not a silent skip that then shows as toctree-entry-missing (simulated: tests may run
    as root, who reads any folder)."""
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "conf.py").write_text("")
    (src / "index.rst").write_text("Index\n=====\n\n.. toctree::\n\n   sub/a\n   gone\n")
    (src / "sub" / "a.rst").write_text("A\n=\n")
    real = os.scandir
    blocked = str(src / "sub")

    def scandir(path: str) -> object:
        if os.fspath(path) == blocked:
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(discover.os, "scandir", scandir)
    code, out, _ = run(capsys, str(src))
    assert code == 1
    findings = sorted(line.split(" ", 1)[1] for line in out[:-1])
    assert findings == [
        "error file-unreadable cannot read folder sub: Permission denied; "
        "the documents in it are not checked",
        "error toctree-entry-missing toctree contains reference to nonexisting document 'gone'",
    ], out


def test_unreadable_or_missing_source_dir_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, str(tmp_path / "missing"))
    assert code == 2
    assert "missing: no such file or directory" in err
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text("")
    real = os.scandir

    def scandir(path: str) -> object:
        if os.fspath(path) == str(src):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(discover.os, "scandir", scandir)
    code, _, err = run(capsys, str(src))
    assert code == 2
    assert err == f"novadoclint: error: {src}: cannot read: Permission denied\n"


def test_output_into_a_missing_folder_is_a_usage_error_before_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = nova_like(tmp_path)
    monkeypatch.chdir(tmp_path)

    def no_lint(*args: object, **kwargs: object) -> None:
        raise AssertionError("the report cannot be written: nothing is to be linted")

    monkeypatch.setattr(engine, "lint_project", no_lint)
    code, out, err = run(capsys, "-o", "missing-dir/out.json", str(src))
    assert code == 2
    assert out == []
    assert err == (
        "novadoclint: error: cannot write the report to missing-dir/out.json: "
        "No such file or directory\n"
    )
    assert "Traceback" not in err
    code, _, err = run(capsys, "-o", str(tmp_path), str(src))
    assert code == 2 and "Is a directory" in err


def test_cli_output_without_traceback(tmp_path: Path) -> None:
    """The same through the installed command: exit 2, one line, no traceback."""
    exe = Path(os.sys.executable).parent / "novadoclint"
    if not exe.exists():
        pytest.skip("the novadoclint command is not installed next to this Python")
    src = nova_like(tmp_path)
    result = subprocess.run(
        [str(exe), "-o", "missing-dir/out.json", str(src)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
