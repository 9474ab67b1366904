"""The hook as a maintainer wires it in, in a repository laid out like nova.

The real pre-commit runs a ``repo: local`` hook whose entry, files, types and
pass_filenames are copied from our .pre-commit-hooks.yaml (language: system, the
entry pointing at this environment's novadoclint): no network, and the hook
definition under test is the one users get.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")

CHECKOUT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PRE_COMMIT = shutil.which("pre-commit", path=str(BIN)) or shutil.which("pre-commit")
NOVADOCLINT = BIN / "novadoclint"
HISTORY = "nova/api/openstack/compute/rest_api_version_history.rst"
FINDING_RE = re.compile(r"^\S+:\d+:\d+: (error|warning|info) ")

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or PRE_COMMIT is None or not NOVADOCLINT.exists(),
    reason="needs git, pre-commit and the novadoclint command",
)


def hooks() -> dict[str, dict[str, Any]]:
    loaded = yaml.safe_load((CHECKOUT / ".pre-commit-hooks.yaml").read_text())
    return {hook["id"]: hook for hook in loaded}


def local_hook(hook_id: str) -> dict[str, Any]:
    """Our hook as a local one: its own entry (the command swapped for ours) and filters."""
    hook = hooks()[hook_id]
    command, _, rest = hook["entry"].partition(" ")
    assert command == "novadoclint"
    local = {
        "id": hook["id"],
        "name": hook["name"],
        "entry": f"{NOVADOCLINT} --no-cache {rest}",
        "language": "system",
    }
    for key in ("files", "types", "pass_filenames", "require_serial", "exclude", "types_or"):
        if key in hook:
            local[key] = hook[key]
    return local


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


def tree(src: Path, extra: str) -> None:
    """A small Sphinx source dir with one page of old findings."""
    src.mkdir(parents=True)
    (src / "conf.py").write_text("extensions = []\n")
    (src / "index.rst").write_text("Index\n=====\n\n.. toctree::\n\n   old\n" + extra)
    (src / "old.rst").write_text(
        "Old\n===\n\nAn old problem: :doc:`nowhere`.\n\n" + "long " * 20 + "end\n"
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    root = tmp_path / "nova"
    src = root / "doc" / "source"
    tree(src, "   reference/history\n")
    (src / "reference").mkdir()
    (src / "reference" / "history.rst").write_text(
        f"History\n=======\n\n.. include:: ../../../{HISTORY}\n"
    )
    (root / HISTORY).parent.mkdir(parents=True)
    (root / HISTORY).write_text("2.1\n---\n\nThe first microversion.\n")
    tree(root / "api-guide" / "source", "")
    (root / "roles" / "x").mkdir(parents=True)
    (root / "roles" / "x" / "README.rst").write_text(
        "Role x\n\n.. zuul:rolevar:: foo\n\n   A variable.\n"
    )
    (root / "README.rst").write_text("Nova\n====\n\nSee :doc:`nowhere`.\n")
    (root / "HACKING.rst").write_text("Hacking\n=======\n")
    (root / "requirements.txt").write_text("pbr\n")
    (root / "doc" / "requirements.txt").write_text("sphinx\n")
    (root / "tox.ini").write_text("[tox]\nenvlist = py3\n")
    (root / "data.json").write_text("{}\n")
    (root / "nova" / "api.py").write_text("pass\n")
    config = {"repos": [{"repo": "local", "hooks": [local_hook("novadoclint")]}]}
    (root / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "initial")
    return root


def pre_commit(repo: Path, *args: str) -> tuple[int, list[str], float]:
    start = time.monotonic()
    result = subprocess.run(
        [str(PRE_COMMIT), "run", "--color=never", *args],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    took = time.monotonic() - start
    output = result.stdout + result.stderr
    return result.returncode, output.splitlines(), took


def findings(lines: list[str]) -> list[str]:
    return sorted(line for line in lines if FINDING_RE.match(line))


def lint(repo: Path, *args: str) -> list[str]:
    result = subprocess.run(
        [str(NOVADOCLINT), "--no-cache", *args], cwd=repo, capture_output=True, text=True
    )
    return findings(result.stdout.splitlines())


def test_hook_on_the_included_api_history_file(repo: Path) -> None:
    """Tied to doc/source, which includes it: what a full lint reports for it (nothing)."""
    history = repo / HISTORY
    history.write_text(history.read_text() + "\nMore about 2.1.\n")
    git(repo, "add", HISTORY)
    code, out, _ = pre_commit(repo)
    assert code == 0, out
    assert not findings(out)
    full = [f for f in lint(repo, "doc/source") if f.startswith(HISTORY)]
    assert full == []
    # A problem in it is reported as the full lint reports it, nothing more.
    history.write_text(history.read_text() + "\nSee :doc:`missing`.\n")
    git(repo, "add", HISTORY)
    code, out, _ = pre_commit(repo)
    assert code == 1, out
    full = [f for f in lint(repo, "doc/source") if f.startswith(HISTORY)]
    assert findings(out) == full
    assert full == [f"{HISTORY}:8:1: error doc-ref-missing unknown document: 'missing'"]


def test_files_in_no_tree_are_left_alone(repo: Path) -> None:
    for name in ("roles/x/README.rst", "README.rst", "HACKING.rst"):
        path = repo / name
        path.write_text(path.read_text() + "\nEdited.\n")
    git(repo, "add", ".")
    code, out, _ = pre_commit(repo)
    assert code == 0, out
    assert not any("orphan-document" in line or "zuul" in line for line in out), out


def test_all_files_lints_exactly_the_source_dirs(repo: Path) -> None:
    code, out, _ = pre_commit(repo, "--all-files")
    assert code == 1
    expected = sorted(lint(repo, "doc/source") + lint(repo, "api-guide/source"))
    assert len(expected) == 4  # two old findings in each tree
    assert findings(out) == expected


def test_hook_files_match_what_affects_a_tree(repo: Path) -> None:
    """A Python module runs no hook; requirements.txt runs it, and it ends at once."""
    (repo / "nova" / "api.py").write_text("pass  # edited\n")
    git(repo, "add", "nova/api.py")
    code, out, _ = pre_commit(repo)
    assert code == 0
    assert any("no files to check" in line for line in out), out
    git(repo, "commit", "-q", "-m", "code")
    (repo / "requirements.txt").write_text("pbr\nsix\n")
    git(repo, "add", "requirements.txt")
    code, out, took = pre_commit(repo, "--verbose")
    assert code == 0, out
    assert any(line.startswith("novadoclint") and "Passed" in line for line in out), out
    assert any("0 files checked" in line for line in out), out
    assert not any("no conf.py" in line for line in out), out  # no tree of the repo's root
    assert took < 20  # pre-commit's own start included; the hook's time is in the note


def test_changed_lines_hook_reports_only_touched_lines(repo: Path) -> None:
    config = {"repos": [{"repo": "local", "hooks": [local_hook("novadoclint-changed-lines")]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    old = repo / "doc" / "source" / "old.rst"
    old.write_text(old.read_text() + "\nA new line.\n")
    git(repo, "add", ".")
    code, out, _ = pre_commit(repo)
    assert code == 0, out  # its old findings are on lines the change did not touch
    old.write_text(old.read_text() + "\nSee :doc:`typo`.\n")
    git(repo, "add", ".")
    code, out, _ = pre_commit(repo)
    assert code == 1
    assert findings(out) == [
        "doc/source/old.rst:10:5: error doc-ref-missing unknown document: 'typo'"
    ]


def test_fix_hook_rewrites_the_changed_files_and_fails_until_restaged(repo: Path) -> None:
    """pre-commit's fixer convention: rewrite, exit 1, the user re-stages; then it passes."""
    config = {"repos": [{"repo": "local", "hooks": [local_hook("novadoclint-fix")]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "-q", "-m", "fix hook")
    src = repo / "doc" / "source"
    old = src / "old.rst"
    committed = old.read_bytes() + b"Committed trailing spaces.   \n"
    old.write_bytes(committed)
    git(repo, "commit", "-q", "-am", "an old finding")
    page = src / "new.rst"
    page.write_bytes(b"New\r\n===\r\n\r\nTrailing.  \r\nNo final newline.")
    index = src / "index.rst"
    index.write_text(index.read_text() + "   new\n")
    git(repo, "add", ".")
    code, out, _ = pre_commit(repo)
    assert code == 1, out
    assert any("files were modified by this hook" in line for line in out), out
    assert page.read_bytes() == b"New\n===\n\nTrailing.\nNo final newline.\n"
    assert old.read_bytes() == committed  # not changed by this commit: left alone
    assert git(repo, "diff", "--name-only").stdout.split() == ["doc/source/new.rst"]
    git(repo, "add", ".")
    code, out, _ = pre_commit(repo)
    assert code == 0, out
    assert page.read_bytes() == b"New\n===\n\nTrailing.\nNo final newline.\n"


API_REF = """\
Compute API
===========

.. rest_method:: GET /servers/{server_id}

.. rest_parameters:: parameters.yaml

  - server_id: server_id_path

.. literalinclude:: ../../doc/api_samples/server-get-resp.json
   :language: javascript
"""
PARAMETERS = """\
server_id_path:
  description: |
    The UUID of the server.
  in: path
  required: true
  type: string
"""


def test_hook_runs_on_an_api_references_yaml_and_json_files(repo: Path) -> None:
    """parameters.yaml and the samples it shows are what os-api-ref's checks read (issue 18).

    A commit that only edits them runs the hook: an invalid ``in:`` is reported in
    parameters.yaml; a sample JSON outside the tree is tied to the tree that includes it,
    and one no document names (data.json) is left alone, at once.
    """
    src = repo / "api-ref" / "source"
    src.mkdir(parents=True)
    (src / "conf.py").write_text("extensions = ['os_api_ref']\n")
    (src / "index.rst").write_text(API_REF)
    (src / "parameters.yaml").write_text(PARAMETERS)
    samples = repo / "doc" / "api_samples"
    samples.mkdir(parents=True)
    (samples / "server-get-resp.json").write_text('{"server": {}}\n')
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "api-ref")
    (src / "parameters.yaml").write_text(PARAMETERS.replace("in: path", "in: paht"))
    (samples / "server-get-resp.json").write_text('{"server": {"id": "x"}}\n')
    (repo / "data.json").write_text('{"a": 1}\n')
    git(repo, "add", ".")
    code, out, _ = pre_commit(repo, "--verbose")
    assert code == 1, out
    assert findings(out) == [
        "api-ref/source/parameters.yaml:4:1: error apiref-parameter-in 'paht' is not a valid"
        " value for 'in' of 'server_id_path' (must be one of: body, header, path, query);"
        " did you mean 'path'?"
    ]
