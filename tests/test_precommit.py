"""The pre-commit hook, for real: pre-commit installs this checkout and runs it on commits."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which(
    "pre-commit"
)

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or PRE_COMMIT is None, reason="needs git and pre-commit"
)


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=check, env=env
    )


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def repo(tmp_path: Path, pre_commit_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    head = git(CHECKOUT, "rev-parse", "HEAD", check=False)
    if head.returncode != 0:
        pytest.skip("the checkout is not a git repository with a commit")
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_home))
    src = tmp_path / "doc" / "source"
    src.mkdir(parents=True)
    (src / "conf.py").write_text("extensions = []\n")
    (src / "index.rst").write_text("Index\n=====\n\n.. toctree::\n\n   install\n   usage\n")
    (src / "install.rst").write_text(".. _install:\n\nInstall\n=======\n\nSteps.\n")
    (src / "usage.rst").write_text("Usage\n=====\n\nFirst :doc:`install`, see :ref:`install`.\n")
    (tmp_path / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {CHECKOUT}\n  rev: {head.stdout.strip()}\n  hooks:\n  - id: novadoclint\n"
    )
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "initial")
    result = subprocess.run(
        [str(PRE_COMMIT), "install"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_commit_that_keeps_references_passes(repo: Path) -> None:
    usage = repo / "doc/source/usage.rst"
    usage.write_text(usage.read_text() + "\nMore text.\n")
    git(repo, "add", ".")
    result = git(repo, "commit", "-m", "more text", check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_commit_that_breaks_a_reference_fails(repo: Path) -> None:
    # Renaming install.rst breaks usage.rst, a file the commit does not touch.
    git(repo, "mv", "doc/source/install.rst", "doc/source/installing.rst")
    index = repo / "doc/source/index.rst"
    index.write_text(index.read_text().replace("install\n", "installing\n"))
    git(repo, "add", ".")
    result = git(repo, "commit", "-m", "rename", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "doc/source/usage.rst:4:7: error doc-ref-missing unknown document: 'install'" in output


def test_a_file_named_like_an_option_stays_a_file_name(repo: Path) -> None:
    """pre-commit appends names to the entry; "--write-baseline=x.rst" once wrote a baseline."""
    usage = repo / "doc/source/usage.rst"
    usage.write_text(usage.read_text().replace(":doc:`install`", ":doc:`nowhere`"))
    (repo / "--write-baseline=x.rst").write_text("Bait\n====\n")
    git(repo, "add", "--", ".")
    result = git(repo, "commit", "-m", "bait", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "unknown document: 'nowhere'" in output
    assert not (repo / "x.rst").exists()
