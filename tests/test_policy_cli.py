"""--write-policy and --policy-page on the command line: the message, exit codes, and
what is never written (an existing file, a file for a page no policy can describe).

The policy's content is tests/test_policy_writer.py's; this file drives the CLI,
including the issue's done-when as a user runs it (on the seed tree, skipped
without ../shared).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_policy_writer import (
    FILES,
    MOVE,
    NEAR_MISSES,
    THREADING_ITEM,
    UNDESCRIBABLE,
    make_tree,
    move_gmr_to_internals,
)

from novadoclint.cli import main


def placement(srcdir: Path, profile: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """section-placement's findings with a policy, one line each."""
    main(["--profile", profile, "--select", "section-placement", "--jobs", "1", str(srcdir)])
    return [line for line in capsys.readouterr().out.splitlines() if "section-placement" in line]


def write(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["--write-policy", *args, "--jobs", "1"])
    return code, capsys.readouterr().err


def test_written_policy_passes_and_then_reports_the_move(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    srcdir = make_tree(tmp_path / "source")
    monkeypatch.chdir(tmp_path)
    code, err = write(["policy.toml", "--policy-page", "reference/index", "source"], capsys)
    assert code == 0
    assert err == (
        "novadoclint: wrote policy.toml: 1 index page, 3 sections, 6 documents placed; "
        "lint with --profile policy.toml\n"
    )
    assert placement(srcdir, "policy.toml", capsys) == []
    move_gmr_to_internals(srcdir)
    assert placement(srcdir, "policy.toml", capsys) == [
        f"source/reference/index.rst:15:3: warning section-placement {MOVE}"
    ]


def test_seed_tree_written_policy_passes_and_then_reports_the_move(
    corpus: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The issue's done-when on a copy of nova's tree of 2017."""
    srcdir = tmp_path / "source"
    shutil.copytree(corpus / "nova-2017" / "doc" / "source", srcdir)
    monkeypatch.chdir(tmp_path)
    code, err = write(["policy.toml", "--policy-page", "reference/index", "source"], capsys)
    assert code == 0
    assert "wrote policy.toml: 1 index page, 3 sections, 12 documents placed" in err
    assert placement(srcdir, "policy.toml", capsys) == []
    move_gmr_to_internals(srcdir)
    assert placement(srcdir, "policy.toml", capsys) == [
        f"source/reference/index.rst:25:3: warning section-placement {MOVE}"
    ]


@pytest.mark.parametrize(("page", "message"), UNDESCRIBABLE)
def test_a_page_no_policy_can_describe_is_a_usage_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    page: str,
    message: str,
) -> None:
    make_tree(tmp_path / "source", {**FILES, **NEAR_MISSES})
    monkeypatch.chdir(tmp_path)
    code, err = write(["policy.toml", "--policy-page", page, "source"], capsys)
    assert code == 2
    assert message in err
    assert not (tmp_path / "policy.toml").exists()


def test_no_index_page_at_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(tmp_path, {"conf.py": "", "index.rst": "Index\n=====\n"})
    monkeypatch.chdir(tmp_path)
    code, err = write(["policy.toml", "."], capsys)
    assert code == 2
    assert "no index page found" in err and "--policy-page PAGE" in err
    assert not (tmp_path / "policy.toml").exists()


def test_never_overwrites_and_other_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(tmp_path / "source")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.toml").write_text("# my edits\n", encoding="utf-8")
    (tmp_path / "dangling.toml").symlink_to(tmp_path / "nowhere.toml")
    for name in ("mine.toml", "dangling.toml"):
        code, err = write([name, "source"], capsys)
        assert code == 2
        assert f"{name} exists; --write-policy never overwrites a policy" in err
    assert (tmp_path / "mine.toml").read_text(encoding="utf-8") == "# my edits\n"
    assert not (tmp_path / "nowhere.toml").exists()
    assert main(["--policy-page", "reference/index", "source"]) == 2
    assert "--policy-page needs --write-policy FILE" in capsys.readouterr().err
    code, err = write(["new.toml", "--changed-since", "HEAD", "source"], capsys)
    assert code == 2 and "--write-policy cannot be used with --changed-since" in err
    code, err = write(["no/such/folder/new.toml", "source"], capsys)
    assert code == 2 and "cannot write the policy to no/such/folder/new.toml" in err
    make_tree(tmp_path / "other")
    code, err = write(["new.toml", "source", "other"], capsys)
    assert code == 2 and "reads one Sphinx source dir; 2 given" in err
    assert not (tmp_path / "new.toml").exists()


def test_the_workflow_a_policy_in_the_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written once at the repository's top, named by the config (relative to it): a plain
    run uses it; a change that removes a page but not its policy entry is told where."""
    (tmp_path / ".git").mkdir()
    srcdir = make_tree(tmp_path / "doc" / "source")
    monkeypatch.chdir(tmp_path)
    code, _ = write(["policy.toml", "--policy-page", "reference/index", "doc/source"], capsys)
    assert code == 0
    (tmp_path / ".novadoclint.toml").write_text('profile = "policy.toml"\n', encoding="utf-8")
    args = ["--select", "section-placement", "--jobs", "1", "doc/source"]
    assert main(args) == 0
    capsys.readouterr()
    (srcdir / "reference" / "threading.rst").unlink()
    index = srcdir / "reference" / "index.rst"
    text = index.read_text(encoding="utf-8")
    index.write_text(text.replace(THREADING_ITEM, ""), encoding="utf-8")
    assert main(args) == 1
    line = next(
        n
        for n, text in enumerate((tmp_path / "policy.toml").read_text("utf-8").splitlines(), 1)
        if text == '    "threading",'
    )
    assert capsys.readouterr().out.splitlines()[0] == (
        f"policy.toml:{line}:5: warning section-placement stale policy: policy.toml places "
        "'reference/threading' under 'Internals', but it is no document"
    )
