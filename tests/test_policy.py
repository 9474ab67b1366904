"""Placement policies: the shipped nova profile, user policy files, and bad input."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from novadoclint.checks import ALL_RULES
from novadoclint.cli import main
from novadoclint.engine import lint_project
from novadoclint.project.discover import load_project
from novadoclint.project.policy import Policy, load_policy
from novadoclint.settings import ConfigError, Settings, from_table, load

GOOD = """\
[[index]]
page = "guide/index"
elsewhere = ["extra"]

[[index.section]]
title = "Basics"
documents = ["intro", "/other/page", "topics/*"]

[[index.section]]
title = "Advanced"
documents = ["topics/special"]
"""


def write(tmp_path: Path, text: str, name: str = "policy.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_no_profile_no_policy() -> None:
    assert load_policy(None) is None
    assert load_policy("") is None


def test_shipped_nova_profile_describes_reference_index() -> None:
    policy = load_policy("nova")
    assert isinstance(policy, Policy)
    assert policy.source == "rules/nova.toml"
    (page,) = policy.indexes
    assert page.page == "reference/index" and page.folder == "reference"
    assert [s.title for s in page.sections] == [
        "Internals",
        "Debugging",
        "Forward Looking Plans",
        "Additional Information",
    ]
    assert page.home("reference/gmr") == "Debugging"
    assert page.placed_elsewhere("reference/i18n")


def test_policy_file_names_and_patterns(tmp_path: Path) -> None:
    policy = load_policy(str(write(tmp_path, GOOD)))
    assert policy is not None and policy.source == "policy.toml"
    (page,) = policy.indexes
    assert page.sections[0].documents == ("guide/intro", "other/page", "guide/topics/*")
    assert page.home("guide/intro") == "Basics"
    assert page.home("other/page") == "Basics"  # absolute names leave the folder
    assert page.home("guide/topics/special") == "Advanced"  # an exact name beats a pattern
    assert page.home("guide/topics/any") == "Basics"
    assert page.home("guide/unknown") is None
    assert page.in_folder("guide/sub/page") and not page.in_folder("guide/index")
    assert not page.in_folder("other/page")


def test_unknown_profile_name() -> None:
    with pytest.raises(ConfigError, match="unknown profile 'nope'"):
        load_policy("nope")


def test_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="policy file not found"):
        load_policy(str(tmp_path / "absent.toml"))


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("[[index]]\npage = \n", 2, "invalid TOML"),
        (GOOD + "colour = 'red'\n", 12, "unknown key 'colour'"),
        (
            GOOD.replace('elsewhere = ["extra"]', 'elswhere = ["extra"]'),
            3,
            "unknown key 'elswhere'",
        ),
        (
            GOOD.replace('title = "Advanced"', 'title = "Advanced"\ndocs = []'),
            11,
            "unknown key 'docs'",
        ),
        (GOOD.replace('page = "guide/index"\n', ""), 1, "needs page"),
        ('[[index]]\npage = "guide/index"\n', 2, "needs [[index.section]]"),
        (GOOD.replace('"Advanced"', '"Basics"'), 10, "section 'Basics' is declared twice"),
        (GOOD.replace('["topics/special"]', '"topics/special"'), 7, "'documents' must be a list"),
        (GOOD.replace('title = "Basics"\n', ""), 5, "needs title"),
        (GOOD.replace('title = "Advanced"\n', ""), 9, "needs title"),
        ("index = 3\n", 1, "'index' must be [[index]] tables"),
    ],
)
def test_bad_policy_files_name_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_policy(str(path))
    assert caught.value.path == str(path)
    assert caught.value.line == line
    assert message in caught.value.message


def test_config_profile_path_is_relative_to_the_config_file(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "my-policy.toml")
    config = write(tmp_path, 'profile = "my-policy.toml"\n', ".novadoclint.toml")
    settings = from_table({"profile": "my-policy.toml"}, config, Settings(), ALL_RULES)
    assert settings.profile == str(tmp_path / "my-policy.toml")
    assert load(tmp_path, rules=ALL_RULES).profile == str(tmp_path / "my-policy.toml")
    assert from_table({"profile": "nova"}, config, Settings(), ALL_RULES).profile == "nova"


def test_cli_bad_policy_exits_2_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "conf.py").write_text("extensions = []\n")
    (tmp_path / "index.rst").write_text("Index\n=====\n")
    write(tmp_path, GOOD + "colour = 'red'\n", "bad.toml")
    monkeypatch.chdir(tmp_path)
    assert main(["--profile", "bad.toml", "--jobs", "1", "."]) == 2
    err = capsys.readouterr().err
    assert "bad.toml:12: unknown key 'colour'" in err
    assert "Traceback" not in err
    assert main(["--profile", "absent.toml", "."]) == 2
    assert "no such policy file 'absent.toml'" in capsys.readouterr().err


def test_cli_accepts_a_policy_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "conf.py").write_text("extensions = []\n")
    (tmp_path / "index.rst").write_text("Index\n=====\n")
    write(tmp_path, GOOD)
    monkeypatch.chdir(tmp_path)
    code = main(["--profile", "policy.toml", "--select", "section-placement", "--jobs", "1", "."])
    out = capsys.readouterr().out
    assert code == 1
    assert "policy.toml describes index page 'guide/index', which is no document" in out


def test_corpus_with_the_nova_profile(corpus: Path) -> None:
    """One lint of nova-2026 (slow: run once) for this family's four rules.

    rules/nova.toml describes reference/index as it stands; the redirect tests
    all pass; 8 redirect targets are removed pages; 4 list/toctree pairs differ.
    """
    srcdir = corpus / "nova-2026" / "doc" / "source"
    rules = (
        "section-placement",
        "index-list-toctree-mismatch",
        "redirect-target-missing",
        "redirect-test-mismatch",
    )
    settings = replace(Settings(), select=rules, profile="nova")
    findings, _ = lint_project(load_project(srcdir, True), settings)
    counts = Counter(f.rule for f in findings)
    assert counts == {"redirect-target-missing": 8, "index-list-toctree-mismatch": 4}
