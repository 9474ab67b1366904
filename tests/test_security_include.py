"""Nothing outside the project is read or echoed (include-outside-project).

Every document of a pull request is hostile: it may name /etc/passwd in an
``include``, point a symbolic link at ~/.ssh, or probe a file with
``:start-after:``. The trees are built in tmp_path (the fixture harness cannot
hold symbolic links): ``repo/`` is the repository (a ``.git`` folder, or only
a ``tox.ini``), ``outside/`` holds the secrets next to it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from novadoclint.cli import main
from novadoclint.project.discover import load_project, walk_files
from novadoclint.safety.untrusted import project_root, resolve_inside

SECRET = "HUNTER2-CORRECT-HORSE"
# An outside file that, were it read, several rules would quote: an unknown role, a
# reference to no target, a broken JSON block, a substitution with no definition.
OUTSIDE_TEXT = f"""\
{SECRET} :{SECRET.lower()}:`x` `{SECRET}`_ |{SECRET}|

.. code-block:: json

   {{"{SECRET}": [1,}}
"""
FORMATS = ("text", "json", "sarif", "github", "junit")


@pytest.fixture(autouse=True)
def _no_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NOVADOCLINT_CACHE_DIR", str(tmp_path / "cache"))


def make_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def repository(tmp_path: Path, index: str, *, marker: str = ".git") -> Path:
    """tmp_path/repo (with ``marker``) holding doc/source; tmp_path/outside has the secret."""
    make_tree(tmp_path, {"outside/secret.txt": OUTSIDE_TEXT, "outside/dir/page.rst": OUTSIDE_TEXT})
    repo = tmp_path / "repo"
    if marker == ".git":
        (repo / ".git").mkdir(parents=True)
    elif marker:
        make_tree(repo, {marker: ""})
    srcdir = repo / "doc" / "source"
    make_tree(srcdir, {"conf.py": "extensions = []\n", "index.rst": index})
    return srcdir


def lint(capsys: pytest.CaptureFixture[str], srcdir: Path, *args: str) -> tuple[int, str]:
    code = main(["--jobs", "1", "--select", "all", *args, str(srcdir)])
    out, err = capsys.readouterr()
    return code, out + err


INCLUDES = """\
Index
=====

.. include:: ../../../outside/secret.txt

.. include:: ../../../outside/secret.txt
   :literal:

.. include:: ../../../outside/secret.txt
   :code: json

.. literalinclude:: ../../../outside/secret.txt

.. raw:: html
   :file: ../../../outside/secret.txt

.. csv-table:: Secrets
   :file: ../../../outside/secret.txt

.. include:: <../../../../../../../../../../../..{outside}/secret.txt>

.. include:: {outside}/secret.txt

.. include:: //{outside}/secret.txt
"""


def includes(tmp_path: Path) -> str:
    return INCLUDES.format(outside=(tmp_path / "outside").as_posix().lstrip("/"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_outside_include_is_reported_and_never_quoted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    srcdir = repository(tmp_path, includes(tmp_path))
    _, out = lint(capsys, srcdir, "--format", fmt)
    assert SECRET not in out
    assert SECRET.lower() not in out
    assert "include-outside-project" in out


def test_each_outside_directive_is_one_finding_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    srcdir = repository(tmp_path, includes(tmp_path))
    _, out = lint(capsys, srcdir, "--format", "json", "--select", "include-outside-project")
    found = [(f["line"], f["message"].split(" file ")[0]) for f in json.loads(out)["findings"]]
    assert found == [
        (4, "include"),
        (6, "include"),
        (9, "include"),
        (12, "literalinclude"),
        (14, "raw"),
        (17, "csv-table"),
        (20, "include"),
        (22, "include"),
        (24, "include"),
    ]


def test_start_after_is_no_oracle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Whether a string occurs in an outside file must not change a byte of the output."""
    index = "Index\n=====\n\n.. include:: ../../../outside/secret.txt\n   :start-after: root:\n"
    srcdir = repository(tmp_path, index)
    secret = tmp_path / "outside" / "secret.txt"
    outputs = []
    for text in ("root:x:0:0:root\nafter\n", "nothing to see\n"):
        secret.write_text(text, encoding="utf-8")
        for fmt in ("text", "json"):
            outputs.append(lint(capsys, srcdir, "--no-cache", "--format", fmt))
    assert outputs[0] == outputs[2]
    assert outputs[1] == outputs[3]
    secret.unlink()  # a missing file says no more than an existing one
    assert lint(capsys, srcdir, "--no-cache", "--format", "text") == outputs[0]


def test_a_symlinked_document_outside_is_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    srcdir = repository(tmp_path, "Index\n=====\n\n.. toctree::\n\n   leak\n")
    os.symlink(tmp_path / "outside" / "secret.txt", srcdir / "leak.rst")
    assert "leak" not in load_project(srcdir, True).docs
    _, out = lint(capsys, srcdir, "--format", "json")
    assert SECRET not in out
    findings = json.loads(out)["findings"]
    assert any(
        f["rule"] == "include-outside-project" and f["path"].endswith("/leak.rst") for f in findings
    )
    (tmp_path / "outside" / "secret.txt").unlink()  # dangling: the same findings
    _, dangling = lint(capsys, srcdir, "--format", "json")
    assert json.loads(dangling)["findings"] == findings


def test_a_symlinked_include_outside_is_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    srcdir = repository(tmp_path, "Index\n=====\n\n.. include:: snippets/motd.txt\n")
    (srcdir / "snippets").mkdir()
    os.symlink("../../../../outside/secret.txt", srcdir / "snippets" / "motd.txt")
    _, out = lint(capsys, srcdir)
    assert SECRET not in out
    assert "index.rst:4:1: error include-outside-project include file 'snippets/motd.txt'" in out


def test_a_symlinked_folder_outside_is_not_walked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    srcdir = repository(tmp_path, "Index\n=====\n\n.. toctree::\n   :glob:\n\n   *\n   more/*\n")
    os.symlink(tmp_path / "outside" / "dir", srcdir / "more")
    assert "more/page.rst" not in walk_files(srcdir)
    assert "more/page" not in load_project(srcdir, True).docs
    _, out = lint(capsys, srcdir)
    assert SECRET not in out
    assert "more:1:1: error include-outside-project 'more' is a symbolic link" in out


def test_an_outside_diagram_file_is_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = "Index\n=====\n\n.. graphviz:: ../../../outside/secret.txt\n"
    srcdir = repository(tmp_path, index)
    (srcdir / "conf.py").write_text("extensions = ['sphinx.ext.graphviz']\n")
    _, out = lint(capsys, srcdir)
    assert SECRET not in out
    assert "graphviz file '../../../outside/secret.txt' is outside the project" in out


def test_translated_include_is_bounded_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    srcdir = repository(tmp_path, "Index\n=====\n\n.. inclure:: ../../../outside/secret.txt\n")
    (srcdir / "conf.py").write_text("language = 'fr'\n")
    _, out = lint(capsys, srcdir)
    assert SECRET not in out
    assert "inclure file '../../../outside/secret.txt' is outside the project" in out


def test_urls_of_raw_and_csv_table_are_not_fetched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A lint run touches the network only with --check-links."""
    index = (
        "Index\n=====\n\n.. raw:: html\n   :url: http://127.0.0.1:9/secret\n\n"
        ".. csv-table:: t\n   :url: http://127.0.0.1:9/secret.csv\n"
    )
    _, out = lint(capsys, repository(tmp_path, index))
    assert "127.0.0.1" not in out


@pytest.mark.parametrize("marker", [".git", "tox.ini", "setup.cfg", "pyproject.toml"])
def test_near_miss_files_above_the_source_dir_inside_the_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], marker: str
) -> None:
    """nova's doc/source includes ../../etc/nova/...: the repository is the boundary."""
    index = (
        "Index\n=====\n\n.. include:: ../../etc/x.conf\n   :literal:\n\n"
        ".. literalinclude:: ../../etc/x.conf\n\n.. include:: ../../etc/part.rst\n\n"
        ".. include:: shared/linked.rst\n\n.. include:: ../../../outside/secret.txt\n"
    )
    srcdir = repository(tmp_path, index, marker=marker)
    make_tree(
        srcdir.parents[1],
        {"etc/x.conf": "[DEFAULT]\ndebug = true\n", "etc/part.rst": ":unknownrole:`inside`\n"},
    )
    (srcdir / "shared").mkdir()
    os.symlink("../../../etc/part.rst", srcdir / "shared" / "linked.rst")
    _, out = lint(capsys, srcdir)
    assert "include-missing" not in out
    assert SECRET not in out
    # only the include that leaves the repository is reported
    assert [line for line in out.splitlines() if "include-outside-project" in line] == [
        f"{os.path.relpath(srcdir)}/index.rst:13:1: error include-outside-project include file "
        "'../../../outside/secret.txt' is outside the project; not read"
    ]
    # the included file was read: its own findings are reported in it
    assert "etc/part.rst:1:1: error unknown-role" in out


def test_without_a_repository_the_source_dir_is_the_boundary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    srcdir = repository(tmp_path, "Index\n=====\n\n.. include:: ../../etc/x.conf\n", marker="")
    make_tree(srcdir.parents[1], {"etc/x.conf": f"{SECRET}\n"})
    _, out = lint(capsys, srcdir)
    assert SECRET not in out
    assert "include file '../../etc/x.conf' is outside the project" in out


def test_project_root(tmp_path: Path) -> None:
    srcdir = tmp_path / "repo" / "doc" / "source"
    srcdir.mkdir(parents=True)
    assert project_root(str(srcdir)) == str(srcdir)
    (tmp_path / "repo" / "tox.ini").write_text("")
    project_root.cache_clear()
    assert project_root(str(srcdir)) == str(tmp_path / "repo")
    (tmp_path / "repo" / "doc" / ".git").write_text("gitdir: elsewhere\n")  # a worktree
    project_root.cache_clear()
    assert project_root(str(srcdir)) == str(tmp_path / "repo" / "doc")
    project_root.cache_clear()


def test_resolve_inside_never_looks_outside(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "a").mkdir(parents=True)
    (tmp_path / "out").mkdir()
    os.symlink("../../out", root / "a" / "up")  # leaves, then
    os.symlink("../a", root / "a" / "same")  # stays
    assert resolve_inside(str(root), str(root / "a" / "up" / "x")) is None
    assert resolve_inside(str(root), str(root / "a" / "same" / "x")) == str(root / "a" / "x")
    assert resolve_inside(str(root), str(root / ".." / "out")) is None
    assert resolve_inside(str(root), str(root / "a" / ".." / "b")) == str(root / "b")
    os.symlink("loop", root / "loop")
    assert resolve_inside(str(root), str(root / "loop")) == str(root / "loop")
    # no file has a NUL in its name: inside, missing (os.lstat raises ValueError, not OSError)
    assert resolve_inside(str(root), str(root / "a" / "x\x00y")) == str(root / "a" / "x\x00y")


def test_a_warm_run_reports_the_same_whatever_the_outside_file_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The facts cache keeps the Outside facts and takes no outside file as a dependency."""
    srcdir = repository(tmp_path, includes(tmp_path))
    cold = lint(capsys, srcdir)
    (tmp_path / "outside" / "secret.txt").write_text("root:x:0:0\n", encoding="utf-8")
    assert lint(capsys, srcdir) == cold
    assert SECRET not in cold[1]
