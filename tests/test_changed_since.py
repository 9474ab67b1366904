"""--changed-since: findings in changed files, and those the change caused elsewhere."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from novadoclint.cli import main

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    src = tmp_path / "doc" / "source"
    src.mkdir(parents=True)
    (src / "conf.py").write_text("extensions = []\n")
    (src / "index.rst").write_text("Index\n=====\n\n.. toctree::\n\n   install\n   usage\n   old\n")
    (src / "install.rst").write_text(".. _install:\n\nInstall\n=======\n\nSteps.\n")
    (src / "usage.rst").write_text("Usage\n=====\n\nFirst :doc:`install`, see :ref:`install`.\n")
    (src / "old.rst").write_text("Old\n===\n\nAn old problem: :doc:`nowhere`.\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "initial")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lines(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(["--jobs", "1", *args])
    return code, capsys.readouterr().out.splitlines()


def test_nothing_changed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = lines(capsys, "--changed-since", "HEAD")
    assert code == 0
    assert out[-1] == "0 files checked, no problems found"


def test_removed_page_is_reported_where_it_is_still_used(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo, "mv", "doc/source/install.rst", "doc/source/installing.rst")
    index = repo / "doc/source/index.rst"
    index.write_text(index.read_text().replace("install\n", "installing\n"))
    code, out = lines(capsys, "--changed-since", "HEAD")
    assert code == 1
    assert out[0].startswith(
        "doc/source/usage.rst:4:7: error doc-ref-missing unknown document: 'install'"
    )
    assert out[-1] == "2 files checked, 1 finding (1 error)"
    assert not any("old.rst" in line for line in out)  # not caused by the change


def test_a_change_in_one_file_reports_that_file(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    usage = repo / "doc/source/usage.rst"
    usage.write_text(usage.read_text() + "\nAnd :doc:`typo`.\n")
    code, out = lines(capsys, "--changed-since", "HEAD", "doc/source")
    assert code == 1
    assert [line.split(": ")[0] for line in out[:-1]] == ["doc/source/usage.rst:6:5"]


def test_conf_change_reports_everything(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = repo / "doc/source/conf.py"
    conf.write_text(conf.read_text() + "master_doc = 'index'\n")
    code, out = lines(capsys, "--changed-since", "HEAD")
    assert code == 1
    assert any("old.rst" in line for line in out)


def test_not_a_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["--changed-since", "HEAD", str(tmp_path)]) == 2
    assert "--changed-since" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name", ["café.rst", 'say "hi".rst', "tab\there.rst", os.fsdecode(b"bad\xff.rst")]
)
def test_changed_file_with_a_quoted_name_is_checked(
    repo: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """git C-quotes such names without -z; they went unchecked (a gate bypass).

    --no-cache: the facts cache's own handling of undecodable names is not tested here.
    """
    page = repo / "doc" / "source" / name
    try:
        page.write_text("Page\n====\n\n:doc:`install`\n")
    except (OSError, UnicodeError):
        pytest.skip("this file system needs UTF-8 file names")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "page")
    page.write_text(page.read_text() + "\nNow :doc:`typo`.\n")
    code, out = lines(capsys, "--no-cache", "--changed-since", "HEAD")
    assert code == 1
    assert any("error doc-ref-missing unknown document: 'typo'" in line for line in out), out
    untracked = page.with_name("new " + name)
    untracked.write_text("New\n===\n\n:doc:`typo2`\n")
    code, out = lines(capsys, "--no-cache", "--changed-since", "HEAD")
    assert any("unknown document: 'typo2'" in line for line in out), out


def test_a_revision_is_never_an_option(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "written-by-git"
    assert main([f"--changed-since=--output={target}"]) == 2
    assert "not a revision: '--output=" in capsys.readouterr().err
    assert not target.exists()


def test_unknown_revision_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--changed-since", "no-such-rev"]) == 2
    err = capsys.readouterr().err
    assert err == "novadoclint: error: --changed-since: unknown revision 'no-such-rev'\n"


def test_changed_lines_reports_only_touched_lines(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """old.rst's old finding is on a line the change did not touch: not reported."""
    old = repo / "doc/source/old.rst"
    old.write_text(old.read_text() + "\nNew: :doc:`typo`.\n")
    code, out = lines(capsys, "--changed-since", "HEAD", "--changed-lines")
    assert code == 1
    assert out[:-1] == ["doc/source/old.rst:6:6: error doc-ref-missing unknown document: 'typo'"]
    # near miss: without --changed-lines, the whole changed file
    code, out = lines(capsys, "--changed-since", "HEAD")
    assert [line.split(": ")[0] for line in out[:-1]] == [
        "doc/source/old.rst:4:17",
        "doc/source/old.rst:6:6",
    ]


def test_changed_lines_with_an_untouched_file_reports_nothing(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = lines(capsys, "--changed-since", "HEAD", "--changed-lines", "doc/source/old.rst")
    assert (code, out) == (0, ["1 files checked, no problems found"])


def test_changed_lines_keeps_findings_the_change_caused(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Removing install's label breaks usage.rst, a file the change did not touch, and
    a new finding on an untouched line of the changed file is reported too."""
    install = repo / "doc/source/install.rst"
    install.write_text(install.read_text().replace(".. _install:\n\n", ""))
    old = repo / "doc/source/old.rst"
    old.write_text(".. _gone:\n\n" + old.read_text() + "\nSee :ref:`gone`.\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "label")
    old.write_text(old.read_text().replace(".. _gone:\n\n", ""))
    code, out = lines(capsys, "--changed-since", "HEAD~1", "--changed-lines")
    assert code == 1
    assert [line.split(": ")[0] for line in out[:-1]] == [
        "doc/source/old.rst:6:5",
        "doc/source/usage.rst:4:27",
    ], out


def test_changed_lines_needs_changed_since(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--changed-lines"]) == 2
    assert "--changed-lines needs --changed-since" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["café.rst", 'say "hi".rst', "tab\there.rst", "sp ace.rst"])
def test_changed_lines_of_quoted_names(repo: Path, name: str) -> None:
    from novadoclint.changes import changed_lines

    page = repo / "doc" / "source" / name
    try:
        page.write_text("a\nb\nc\n")
    except (OSError, UnicodeError):
        pytest.skip("this file system needs UTF-8 file names")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "page")
    page.write_text("a\nB\nc\nd\n")
    (repo / "doc/source/usage.rst").write_text("Usage\n=====\n")  # lines 3-4 removed
    touched = changed_lines("HEAD", repo)
    assert touched[page.resolve()] == frozenset({2, 4})
    assert touched[(repo / "doc/source/usage.rst").resolve()] == frozenset({2, 3})
    (repo / "new.rst").write_text("x\n")
    assert changed_lines("HEAD", repo)[(repo / "new.rst").resolve()] is None


def test_requirements_change_checks_that_rule_alone(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A requirement file extension-requirement-missing reads: that rule, no document parsed."""
    from novadoclint import engine

    (repo / "doc/source/conf.py").write_text("extensions = ['sphinxcontrib.seqdiag']\n")
    (repo / "doc/requirements.txt").write_text("sphinx\nsphinxcontrib-seqdiag\n")
    (repo / "tox.ini").write_text("[tox]\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "seqdiag")

    def no_lint(*args: object, **kwargs: object) -> None:
        raise AssertionError("no document is to be parsed")

    monkeypatch.setattr(engine, "lint_project", no_lint)
    (repo / "doc/requirements.txt").write_text("sphinx\nsphinxcontrib-seqdiag\nsix\n")
    code, out = lines(capsys, "--changed-since", "HEAD", "--", "doc/requirements.txt")
    assert (code, out) == (0, ["0 files checked, no problems found"])
    (repo / "doc/requirements.txt").write_text("sphinx\n")
    code, out = lines(capsys, "--changed-since", "HEAD", "--", "doc/requirements.txt")
    assert code == 1
    assert out[0].startswith("doc/source/conf.py:1:15: warning extension-requirement-missing")
    # near miss: a requirements file of another project folder is no file of this tree
    (repo / "other").mkdir()
    (repo / "other" / "requirements.txt").write_text("six\n")
    code, out = lines(capsys, "--changed-since", "HEAD", "--", "other/requirements.txt")
    assert (code, out) == (0, ["0 files checked, no problems found"])


@pytest.mark.parametrize("where", ["doc/source/part.inc", "nova/part.rst"])
def test_deleted_include_is_reported_where_it_is_included(
    repo: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    """include-missing sits in a document the change did not touch: caused by the change."""
    included = repo / where
    included.parent.mkdir(parents=True, exist_ok=True)
    included.write_text("Included text.\n")
    target = os.path.relpath(included, repo / "doc/source")
    install = repo / "doc/source/install.rst"
    install.write_text(install.read_text() + f"\n.. include:: {target}\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "include")
    included.write_text("Changed text.\n")
    for extra in ([], ["--changed-lines"]):
        code, out = lines(capsys, "--changed-since", "HEAD", *extra)
        assert code == 0, out  # a change of the included file: nothing to report
    git(repo, "rm", "-q", "-f", where)
    for extra in ([], ["--changed-lines"]):
        code, out = lines(capsys, "--changed-since", "HEAD", *extra)
        assert code == 1
        assert out[0].startswith("doc/source/install.rst:8:1: error include-missing"), out
