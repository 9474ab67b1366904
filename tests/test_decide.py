"""decide.py: the one place that decides what is reported and what fails the run.

fail-on from the config file counts for the exit code and for JUnit; per-path
ignores and exclude are relative to the config file's folder, and a pattern that
matches no file is warned about; suppression comments take what select takes.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from novadoclint import decide
from novadoclint.checks import ALL_RULES, RULES_BY_ID
from novadoclint.cli import main
from novadoclint.findings import Finding, Run, Severity
from novadoclint.settings import ConfigError, Settings

LONG = "A line that is much longer than seventy-nine characters, so that D001 reports it here."


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository laid out like nova: doc/source with admin/ pages, a root pyproject."""
    (tmp_path / ".git").mkdir()
    return write(
        tmp_path,
        {
            "doc/source/conf.py": "extensions = []\n",
            "doc/source/index.rst": "Index\n=====\n\n.. toctree::\n\n   admin/page\n",
            "doc/source/admin/page.rst": f"Page\n====\n\n{LONG}\n",
            "api-guide/source/conf.py": "extensions = []\n",
            "api-guide/source/index.rst": f"API\n===\n\n{LONG}\n",
        },
    )


def lint(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--no-cache", "--jobs", "1", *args])
    out, err = capsys.readouterr()
    return code, out, err


# -- fail-on ---------------------------------------------------------------------------


def test_fail_on_from_the_config_file_counts_for_the_exit_code(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only --fail-on counted: a warning failed the run whatever the config said."""
    source = str(repo / "doc/source")
    assert lint([source], capsys)[0] == 1  # a D001 warning
    write(repo, {"pyproject.toml": '[tool.novadoclint]\nfail-on = "error"\n'})
    assert lint([source], capsys)[0] == 0
    assert lint(["--fail-on", "warning", source], capsys)[0] == 1  # the option wins


def test_fail_on_info_from_the_config_fails_on_info(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, {".novadoclint.toml": 'severity = { D001 = "info" }\n'})
    assert lint([str(repo / "doc/source")], capsys)[0] == 0
    write(repo, {".novadoclint.toml": 'severity = { D001 = "info" }\nfail-on = "info"\n'})
    assert lint([str(repo / "doc/source")], capsys)[0] == 1


def junit(out: str) -> ET.Element:
    return ET.fromstring(out.split("\n", 1)[1])


@pytest.mark.parametrize("level", ["error", "warning", "info"])
def test_junit_fails_exactly_when_the_exit_code_does(
    repo: Path, level: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """JUnit reported failing cases with exit 0 (71 on nova with fail-on = "error")."""
    write(repo, {"pyproject.toml": f'[tool.novadoclint]\nfail-on = "{level}"\n'})
    code, out, _ = lint(["--format", "junit", str(repo / "doc/source")], capsys)
    suite = junit(out).find("testsuite")
    assert suite is not None
    failures = int(suite.get("failures", "-1"))
    assert code == (1 if level != "error" else 0)
    assert (failures > 0) == (code == 1)


def test_junit_shows_findings_below_fail_on_as_output(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, {"pyproject.toml": '[tool.novadoclint]\nfail-on = "error"\n'})
    monkeypatch.chdir(repo)
    _, out, _ = lint(["--format", "junit", "doc/source"], capsys)
    cases = {c.get("name"): c for c in junit(out).iter("testcase")}
    page = cases["doc/source/admin/page.rst"]
    assert page.find("failure") is None
    shown = page.find("system-out")
    assert shown is not None and "D001" in (shown.text or "")
    assert cases["doc/source/index.rst"].find("system-out") is None


def test_fail_on_differing_between_source_dirs_is_a_config_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        repo,
        {
            "doc/source/.novadoclint.toml": 'fail-on = "error"\n',
            "api-guide/source/.novadoclint.toml": 'fail-on = "warning"\n',
        },
    )
    sources = [str(repo / "doc/source"), str(repo / "api-guide/source")]
    code, _, err = lint(sources, capsys)
    assert code == 2 and "'fail-on' differs between the source dirs" in err
    assert lint(["--fail-on", "error", *sources], capsys)[0] == 0


def test_fail_level_and_exit_code() -> None:
    assert decide.fail_level([]) is Severity.WARNING
    assert decide.fail_level([("a", Severity.INFO), ("b", Severity.INFO)]) is Severity.INFO
    with pytest.raises(ConfigError, match="a says error, b says info"):
        decide.fail_level([("a", Severity.ERROR), ("b", Severity.INFO)])
    warning = Finding("a.rst", 1, 1, "D001", "long", Severity.WARNING)
    crash = Finding("a.rst", 1, 1, "internal-error", "crashed", Severity.ERROR)
    assert decide.exit_code(Run(".", 1, (warning,))) == 1
    assert decide.exit_code(Run(".", 1, (warning,), fail_on=Severity.ERROR)) == 0
    assert decide.exit_code(Run(".", 1, (warning, crash), fail_on=Severity.ERROR)) == 3


def test_the_baseline_is_applied_before_the_exit_code(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = tmp_path / "baseline.json"
    source = str(repo / "doc/source")
    assert lint(["--write-baseline", str(base), source], capsys)[0] == 0
    code, out, _ = lint(["--baseline", str(base), "--format", "json", source], capsys)
    assert code == 0 and json.loads(out)["findings"] == []


# -- per-path-ignores and exclude ---------------------------------------------------------


def test_per_path_ignores_are_relative_to_the_config_files_folder(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Matched against source-dir paths, "doc/source/admin/*" in a root pyproject.toml
    (the natural form there) matched nothing, silently."""
    write(
        repo,
        {
            "pyproject.toml": "[tool.novadoclint.per-path-ignores]\n"
            '"doc/source/admin/*" = ["D001"]\n'
        },
    )
    code, out, err = lint([str(repo / "doc/source")], capsys)
    assert (code, err) == (0, "") and "no problems found" in out


def test_a_pattern_matching_no_file_is_warned_about(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = repo / "pyproject.toml"
    write(repo, {"pyproject.toml": '[tool.novadoclint.per-path-ignores]\n"admin/*" = ["D001"]\n'})
    code, out, err = lint([str(repo / "doc/source")], capsys)
    assert code == 1 and "D001" in out  # not ignored: the pattern is for another folder
    assert (
        f"warning: {config}:2: per-path-ignores pattern 'admin/*' matches no file "
        f"(patterns are relative to {repo}, the config file's folder)"
    ) in err
    assert err.count("matches no file") == 1


def test_a_pattern_for_another_tree_of_the_repository_is_no_warning(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        repo,
        {"pyproject.toml": '[tool.novadoclint.per-path-ignores]\n"api-guide/source/*" = ["all"]\n'},
    )
    code, _, err = lint([str(repo / "doc/source")], capsys)
    assert code == 1 and "matches no file" not in err
    assert lint([str(repo / "api-guide/source")], capsys)[:1] == (0,)


def test_exclude_reports_nothing_in_the_files_it_matches(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """exclude was accepted, undocumented, and did nothing."""
    source = str(repo / "doc/source")
    write(repo, {".novadoclint.toml": 'exclude = ["doc/source/admin"]\n'})
    code, out, err = lint([source], capsys)
    # the excluded page is still a document: the toctree entry naming it is no finding
    assert (code, err) == (0, "") and "no problems found" in out
    write(repo, {".novadoclint.toml": 'exclude = ["doc/source/admni/*"]\n'})
    code, _, err = lint([source], capsys)
    assert code == 1 and "exclude pattern 'doc/source/admni/*' matches no file" in err


def test_patterns_without_a_config_file_are_source_dir_relative(tmp_path: Path) -> None:
    settings = Settings(per_path_ignores=(("admin/*", ("D001",)),))
    rule = RULES_BY_ID["D001"]
    assert decide.path_ignored(settings, str(tmp_path), "admin/page.rst", rule)
    assert not decide.path_ignored(settings, str(tmp_path), "page.rst", rule)
    assert not decide.path_ignored(settings, str(tmp_path), "admin/page.rst", RULES_BY_ID["D002"])


def test_pattern_matching() -> None:
    assert decide.pattern_matches("admin/*", "admin/a/b.rst")
    assert decide.pattern_matches("./admin", "admin/b.rst")
    assert decide.pattern_matches("admin/", "admin/b.rst")
    assert not decide.pattern_matches("admin", "administration/b.rst")
    assert not decide.pattern_matches("*.txt", "a.rst")


# -- selection and suppression comments -------------------------------------------------


def test_selection_by_pattern_tag_phase_and_all() -> None:
    chosen = {
        selector: {r.id for r in ALL_RULES if decide.is_selected(r, Settings(select=(selector,)))}
        for selector in ("link-*", "references", "tree", "all")
    }
    assert "link-broken" in chosen["link-*"] and "D001" not in chosen["link-*"]
    assert "doc-ref-missing" in chosen["references"] and "D001" not in chosen["references"]
    assert "doc-ref-missing" in chosen["tree"] and "D001" not in chosen["tree"]
    assert chosen["all"] == {r.id for r in ALL_RULES}
    # an ignored pattern loses to the exact id
    settings = Settings(select=("D001",), ignore=("style",))
    assert decide.is_selected(RULES_BY_ID["D001"], settings)
    assert not decide.is_selected(RULES_BY_ID["D002"], settings)


@pytest.mark.parametrize("names", ["D001", "all", "style", "D00*"])
def test_suppression_comments_take_ids_patterns_tags_and_all(
    repo: Path, names: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A tag or pattern in a comment was taken for a rule id: it suppressed nothing."""
    write(
        repo,
        {
            "doc/source/admin/page.rst": f".. novadoclint: disable-file={names}\n\n"
            f"Page\n====\n\n{LONG}\n"
        },
    )
    code, out, _ = lint([str(repo / "doc/source")], capsys)
    assert code == 0, out


def test_unknown_rule_in_a_suppression_comment_is_an_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        repo,
        {
            "doc/source/admin/page.rst": f".. novadoclint: disable-file=D01\n\n"
            f"Page\n====\n\n{LONG}\n"
        },
    )
    code, out, _ = lint([str(repo / "doc/source")], capsys)
    assert code == 1
    assert (
        "doc/source/admin/page.rst:1:1: error suppression-unknown-rule 'disable-file=' "
        "suppresses nothing: no rule matches 'D01' (did you mean 'D001'?)"
    ) in out


def test_unmatched_patterns(repo: Path) -> None:
    config = repo / "pyproject.toml"
    config.write_text("")
    globs = (
        "doc/source/admin/*",  # matches
        "doc/source/admin",  # a folder: matches its files
        "admin/*",  # relative to the source dir, not the config: reported
        "doc/source/gone.rst",  # no such file in this tree: reported
        "*.txt",  # no such file: reported
        "api-guide/source/*",  # another tree of the repository: not reported
        "api-guide/source/index.rst",  # a file of another tree: not reported
    )
    settings = Settings(
        per_path_ignores=tuple((g, ("D001",)) for g in globs),
        exclude=("doc/source/_vendor/*",),
        config_path=str(config),
    )
    files = ["conf.py", "index.rst", "admin/page.rst"]
    assert decide.unmatched_patterns(settings, str(repo / "doc/source"), files) == [
        ("exclude", "doc/source/_vendor/*"),
        ("per-path-ignores", "admin/*"),
        ("per-path-ignores", "doc/source/gone.rst"),
        ("per-path-ignores", "*.txt"),
    ]
