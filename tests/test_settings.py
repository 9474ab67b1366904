"""Settings: one table of keys (settings.KEYS) that config files and the command line go
through. Every key is read, every wrong value is exit 2 naming the file, the line and the
key (never exit 3 with an exception's name), and the README's table is the table's."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from novadoclint import cli
from novadoclint.checks import ALL_RULES
from novadoclint.cli import main
from novadoclint.findings import Severity
from novadoclint.settings import (
    KEYS,
    KEYS_BY_NAME,
    ConfigError,
    Settings,
    config_table,
    load,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A repository holding a source dir with one clean page, a policy and a test file."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "conf.py").write_text("extensions = []\n")
    (tmp_path / "index.rst").write_text("Index\n=====\n\nText.\n")
    (tmp_path / "policy.toml").write_text("")
    (tmp_path / "redirects.txt").write_text("")
    (tmp_path / "env" / "bin").mkdir(parents=True)
    (tmp_path / "env" / "bin" / "python").write_text("")
    return tmp_path


def configured(tree: Path, text: str) -> Settings:
    (tree / ".novadoclint.toml").write_text(text, encoding="utf-8")
    return load(tree, rules=ALL_RULES)


# Each key: a value in TOML, and what it makes of the settings.
GOOD: dict[str, tuple[str, Callable[[Settings, Path], Any]]] = {
    "select": ('select = ["D001", "link-*", "references"]', lambda s, t: s.select),
    "extend-select": ('extend-select = "D000, image-alt-missing"', lambda s, t: s.extend_select),
    "ignore": ('ignore = ["all"]', lambda s, t: s.ignore),
    "severity": ('severity = { D001 = "info" }', lambda s, t: s.severity),
    "per-path-ignores": (
        'per-path-ignores = { "admin/*" = ["D001", "style"] }',
        lambda s, t: s.per_path_ignores,
    ),
    "exclude": ('exclude = ["vendor/*"]', lambda s, t: s.exclude),
    "fail-on": ('fail-on = "error"', lambda s, t: s.fail_on),
    "profile": ('profile = "policy.toml"', lambda s, t: s.profile == str(t / "policy.toml")),
    "extra-directives": ('extra-directives = ["x"]', lambda s, t: s.extra_directives),
    "extra-roles": ('extra-roles = ["y"]', lambda s, t: s.extra_roles),
    "generated-files": ('generated-files = ["api.json"]', lambda s, t: s.generated_files),
    "redirect-tests": (
        'redirect-tests = "redirects.txt"',
        lambda s, t: s.redirect_tests == str(t / "redirects.txt"),
    ),
    "python": (
        'python = "env/bin/python"',
        lambda s, t: (s.python, s.python_root) == (str(t / "env/bin/python"), str(t)),
    ),
    "jobs": ("jobs = 1", lambda s, t: s.jobs),
    "check-shell": ("check-shell = true", lambda s, t: s.check_shell),
    "linkcheck": ("[linkcheck]\ntimeout = 5", lambda s, t: dict(s.linkcheck)),
}
EXPECTED: dict[str, Any] = {
    "select": ("D001", "link-*", "references"),
    "extend-select": ("D000", "image-alt-missing"),
    "ignore": ("all",),
    "severity": (("D001", Severity.INFO),),
    "per-path-ignores": (("admin/*", ("D001", "style")),),
    "exclude": ("vendor/*",),
    "fail-on": Severity.ERROR,
    "profile": True,
    "extra-directives": ("x",),
    "extra-roles": ("y",),
    "generated-files": ("api.json",),
    "redirect-tests": True,
    "python": True,
    "jobs": 1,
    "check-shell": True,
    "linkcheck": {"timeout": 5},
}


def test_every_key_has_a_good_case() -> None:
    assert set(GOOD) == set(EXPECTED) == set(KEYS_BY_NAME)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_every_key_is_read(tree: Path, name: str) -> None:
    text, get = GOOD[name]
    assert get(configured(tree, text + "\n"), tree) == EXPECTED[name]


# Each key: wrong values, and the message (after "<file>:<line>: ").
BAD: list[tuple[str, str, str]] = [
    ("select", 'select = ["nonrule"]', "'select': no rule matches 'nonrule'"),
    ("select", 'select = ["D01"]', "'select': no rule matches 'D01' (did you mean 'D001'?)"),
    ("select", "select = [1]", "'select' must be a list of strings"),
    ("select", "select = true", "'select' must be a list of strings"),
    ("extend-select", 'extend-select = ["link-brokn"]', "did you mean 'link-broken'?"),
    ("ignore", 'ignore = ["nonrule"]', "'ignore': no rule matches 'nonrule'"),
    ("severity", 'severity = { D01 = "info" }', "'severity': no rule 'D01' (did you mean"),
    ("severity", 'severity = { "link-*" = "info" }', "'severity': no rule 'link-*'"),
    ("severity", "severity = { D001 = 3 }", "'severity': D001: must be \"error\""),
    ("severity", 'severity = { D001 = "loud" }', "unknown severity 'loud'"),
    ("severity", 'severity = "info"', "'severity' must be a table of rule-id ="),
    ("per-path-ignores", 'per-path-ignores = ["a"]', "'per-path-ignores' must be a table"),
    (
        "per-path-ignores",
        'per-path-ignores = { "a/*" = ["doc-ref-mising"] }',
        "'per-path-ignores': 'a/*': no rule matches 'doc-ref-mising' (did you mean",
    ),
    ("per-path-ignores", 'per-path-ignores = { "a/*" = 1 }', "'a/*': must be a list of rules"),
    ("per-path-ignores", 'per-path-ignores = { "" = ["D001"] }', "must not hold an empty"),
    ("exclude", "exclude = 3", "'exclude' must be a list of strings"),
    ("exclude", 'exclude = [""]', "'exclude' must not hold an empty pattern"),
    ("fail-on", 'fail-on = "warn"', "'fail-on': unknown severity 'warn'"),
    ("fail-on", "fail-on = 2", '\'fail-on\' must be "error", "warning" or "info"'),
    ("profile", 'profile = "nova2"', "'profile': unknown profile 'nova2' (shipped: nova)"),
    ("profile", 'profile = "absent.toml"', "'profile': no such policy file 'absent.toml'"),
    ("profile", "profile = 1", "'profile' must be a non-empty string"),
    ("profile", 'profile = "../outside.toml"', "'profile' must name a file inside"),
    ("extra-directives", "extra-directives = [1]", "'extra-directives' must be a list"),
    ("extra-roles", "extra-roles = {}", "'extra-roles' must be a list of strings"),
    ("generated-files", "generated-files = 1", "'generated-files' must be a list"),
    ("redirect-tests", "redirect-tests = 1", "'redirect-tests' must be a non-empty string"),
    ("redirect-tests", 'redirect-tests = "../x.txt"', "'redirect-tests' must name a file"),
    ("python", 'python = ""', "'python' must be a non-empty string"),
    ("python", 'python = "../x/python"', "'python' must name a file inside"),
    ("jobs", 'jobs = "two"', "'jobs' must be an integer >= 1"),
    ("jobs", "jobs = 1.5", "'jobs' must be an integer >= 1"),
    ("jobs", "jobs = true", "'jobs' must be an integer >= 1"),
    ("jobs", "jobs = 0", "'jobs' must be at least 1"),
    ("check-shell", 'check-shell = "yes"', "'check-shell' must be true or false"),
    ("linkcheck", "linkcheck = 1", "'linkcheck' must be a table"),
    ("linkcheck", "[linkcheck]\ntimeout = 0", "linkcheck.timeout: must be a positive number"),
    ("linkcheck", "[linkcheck]\ntimout = 1", "linkcheck.timout: unknown key"),
]


def test_every_key_has_error_cases() -> None:
    assert {name for name, _, _ in BAD} == set(KEYS_BY_NAME)


@pytest.mark.parametrize(("name", "text", "message"), BAD, ids=[t for _, t, _ in BAD])
def test_every_error_names_file_line_and_key(
    tree: Path, name: str, text: str, message: str
) -> None:
    config = tree / ".novadoclint.toml"
    config.write_text(f"# settings\n{text}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load(tree, rules=ALL_RULES)
    assert caught.value.path == str(config)
    assert caught.value.line is not None and caught.value.line >= 2
    assert message in caught.value.message


@pytest.mark.parametrize(("name", "text", "message"), BAD, ids=[t for _, t, _ in BAD])
def test_every_error_is_exit_2_through_the_command_line(
    tree: Path, name: str, text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Never exit 3 "internal error: AttributeError" (severity = { D001 = 3 } was)."""
    (tree / ".novadoclint.toml").write_text(text + "\n", encoding="utf-8")
    assert main(["--no-cache", str(tree)]) == 2
    err = capsys.readouterr().err
    assert f"{tree / '.novadoclint.toml'}:" in err and message in err
    assert "internal error" not in err


def test_unknown_key_suggests_the_nearest(tree: Path) -> None:
    with pytest.raises(ConfigError, match="unknown key 'selct' \\(did you mean 'select'\\?"):
        configured(tree, 'selct = ["D001"]\n')


def test_pyproject_table_goes_through_the_same_keys(tree: Path) -> None:
    (tree / "pyproject.toml").write_text('[tool.novadoclint]\nignore = ["nonrule"]\n')
    with pytest.raises(ConfigError, match="'ignore': no rule matches 'nonrule'") as caught:
        load(tree, rules=ALL_RULES)
    assert caught.value.line == 2


def test_doc8_max_line_length_not_an_integer(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / "tox.ini").write_text("[doc8]\nmax-line-length = abc\n")
    assert main(["--no-cache", str(tree)]) == 2
    err = capsys.readouterr().err
    assert f"{tree / 'tox.ini'}:2: doc8's max-line-length must be an integer" in err


# The command line: each option that sets a key goes through the key's parse.
CLI_BAD = [
    (["--select", "nonrule"], "--select: no rule matches 'nonrule'"),
    (["--select", "D001,D01"], "--select: no rule matches 'D01' (did you mean 'D001'?)"),
    (["--extend-select", "imag-alt-missing"], "did you mean 'image-alt-missing'?"),
    (["--ignore", "nonrule"], "--ignore: no rule matches 'nonrule'"),
    (["--profile", "nova2"], "--profile: unknown profile 'nova2'"),
    (["--profile", "absent.toml"], "--profile: no such policy file 'absent.toml'"),
    (["--python", "absent/python"], "--python: no such file or folder 'absent/python'"),
    (["--jobs", "0"], "--jobs must be at least 1"),
]


def test_every_option_key_has_a_command_line_error() -> None:
    options = {k.option for k in KEYS if k.option} - {"--fail-on", "--check-shell"}
    assert options == {args[0] for args, _ in CLI_BAD}  # argparse checks the other two


@pytest.mark.parametrize(("args", "message"), CLI_BAD, ids=[" ".join(a) for a, _ in CLI_BAD])
def test_command_line_errors_name_the_option(
    tree: Path,
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tree)
    assert main(["--no-cache", *args, str(tree)]) == 2
    assert message in capsys.readouterr().err


def test_command_line_selectors_patterns_and_tags(tree: Path) -> None:
    for selector in ("link-*", "references", "all", "tree", "D001,D002"):
        assert main(["--no-cache", "--select", selector, str(tree)]) == 0


def test_command_line_beats_the_config(tree: Path) -> None:
    (tree / ".novadoclint.toml").write_text('fail-on = "info"\njobs = 1\n')
    args = cli.build_parser().parse_args(["--fail-on", "error", str(tree)])
    settings = load(tree, rules=ALL_RULES, overrides=cli._overrides(args))
    assert settings.fail_on is Severity.ERROR and settings.jobs == 1


# The README's configuration table is this table.
TABLE_RE = re.compile(r"<!-- config-table:start -->\n(.*?)<!-- config-table:end -->", re.DOTALL)


def test_every_key_is_documented() -> None:
    for key in KEYS:
        assert key.doc.endswith(".") and key.type and key.default, key.name
        assert "|" not in key.doc + key.type + key.default, key.name


def test_readme_configuration_table_is_the_keys_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = TABLE_RE.search(readme)
    assert match, "README.md lacks the config-table markers in its Configuration section"
    assert readme.index("## Configuration") < match.start()
    assert match.group(1) == config_table(), "README's configuration table is stale"


@pytest.mark.parametrize(
    "text",
    [
        "[tool]\nnovadoclint = 1\n",
        '[tool]\ndoc8 = "x"\n',
        "[tool]\nnovadoclint = []\n",
    ],
)
def test_odd_pyproject_tables_are_no_internal_error(
    tree: Path, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A tool.novadoclint or tool.doc8 that is no table was an AttributeError (exit 3)."""
    (tree / "pyproject.toml").write_text(text)
    code = main(["--no-cache", str(tree)])
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert code == (2 if "novadoclint =" in text else 0)
    if code == 2:
        assert f"{tree / 'pyproject.toml'}:2: 'tool.novadoclint' must be a table" in err


def test_doc8_error_names_the_line(tree: Path) -> None:
    (tree / "tox.ini").write_text("[tox]\n\n[doc8]\nmax-line-length = abc\n")
    with pytest.raises(ConfigError) as caught:
        load(tree, rules=ALL_RULES)
    assert caught.value.line == 4


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[severity]\nD001 = "info"\nD01 = "info"\n', 3),
        ('[per-path-ignores]\n"a/*" = ["D001"]\n"b/*" = ["nonrule"]\n', 3),
        ("[severity]\n", None),  # an empty table is fine
        ("[tool.novadoclint]\n[tool.novadoclint.severity]\nD001 = 3\n", 3),
        ('severity = "info"\n', 1),
        ("[linkcheck]\nanchors = 1\n", 2),
    ],
)
def test_errors_in_tables_name_the_entrys_line(tree: Path, text: str, line: int | None) -> None:
    if line is None:
        configured(tree, text)
        return
    with pytest.raises(ConfigError) as caught:
        configured(tree, text)
    assert caught.value.line == line


def test_a_table_given_the_wrong_type_names_its_header(tree: Path) -> None:
    (tree / "pyproject.toml").write_text(
        '[tool.novadoclint]\nselect = ["D001"]\n\n[tool.novadoclint.per-path-ignores]\n'
    )
    assert load(tree, rules=ALL_RULES).per_path_ignores == ()
    (tree / "pyproject.toml").write_text("[tool.novadoclint]\n[[tool.novadoclint.severity]]\n")
    with pytest.raises(ConfigError) as caught:
        load(tree, rules=ALL_RULES)
    assert caught.value.line == 2 and "'severity' must be a table" in caught.value.message
