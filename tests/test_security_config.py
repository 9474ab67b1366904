"""Issue 11: a pull request's config and side files cannot make the linter leak, hang or fork.

Everything here is hostile input the tree controls: ``.novadoclint.toml``,
``conf.py``, ``.htaccess``, the redirect test file and symbolic links. Runs
that would hang or eat memory before the fix go through a subprocess with a
timeout and a memory limit, so a regression fails instead of stalling the suite.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from novadoclint.checks import ALL_RULES, redirects
from novadoclint.engine import lint_project
from novadoclint.project.discover import load_project
from novadoclint.settings import ConfigError, Settings, load

SECRET = "s3cr3t-token-for-the-environ-test"
EXTRA = "html_extra_path = ['_extra']\n"
HTACCESS = "redirectmatch 301 ^/p/([^/]+)/old.html$ /p/$1/index.html\n"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def nova_like(root: Path, **extra: str) -> Path:
    """doc/source with a published .htaccess; returns the source dir.

    tox.ini marks the repository's top, as in nova: files in doc/test are inside it.
    """
    write(
        root,
        {
            "tox.ini": "[tox]\n",
            "doc/source/conf.py": EXTRA,
            "doc/source/index.rst": "Index\n=====\n",
            "doc/source/_extra/.htaccess": HTACCESS,
            **extra,
        },
    )
    return root / "doc" / "source"


def _limits() -> None:  # pragma: no cover - runs in the child
    two_gb = 2 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (two_gb, two_gb))


def run(srcdir: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The CLI on a tree, with the secret in its environment, bounded in time and memory."""
    env = {**os.environ, "NOVADOCLINT_TEST_SECRET": SECRET, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "novadoclint", "--no-cache", "--jobs", "1", *args, str(srcdir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        preexec_fn=_limits,
        check=False,
    )


def findings(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert "Traceback" not in result.stderr, result.stderr
    found: list[dict[str, Any]] = json.loads(result.stdout)["findings"]
    return found


# -- item 2: paths a config names stay inside the repository ---------------------------


def test_redirect_tests_cannot_print_the_environment(tmp_path: Path) -> None:
    """The issue's case: redirect-tests = "../../../../proc/self/environ", by default."""
    srcdir = nova_like(tmp_path)
    config = write(
        srcdir,
        {".novadoclint.toml": 'redirect-tests = "../../../../../../../../proc/self/environ"\n'},
    )
    result = run(srcdir)
    assert result.returncode == 2, result.stdout
    assert SECRET not in result.stdout + result.stderr
    assert f"{config / '.novadoclint.toml'}:1:" in result.stderr
    assert "'redirect-tests'" in result.stderr and "inside the repository" in result.stderr


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("redirect-tests", "/etc/hostname"),
        ("redirect-tests", "../outside.txt"),
        ("redirect-tests", "link-out/tests.txt"),  # a symbolic link in the tree
        ("profile", "../outside.toml"),
        ("profile", "link-out/policy.toml"),
    ],
)
def test_config_paths_leaving_the_repository_are_config_errors(
    tmp_path: Path, key: str, value: str
) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write(tmp_path, {"outside.txt": "/a 301 /b\n", "outside.toml": "[placement]\n"})
    (repo / "link-out").symlink_to(tmp_path)
    config = write(repo, {"pyproject.toml": f'[tool.novadoclint]\n{key} = "{value}"\n'})
    with pytest.raises(ConfigError) as caught:
        load(repo, rules=ALL_RULES, config=config / "pyproject.toml")
    assert caught.value.path == str(repo / "pyproject.toml") and caught.value.line == 2
    assert f"{key!r} must name a file inside the repository" in caught.value.message


def test_paths_inside_the_git_checkout_are_fine_even_above_the_config(tmp_path: Path) -> None:
    """A config in doc/source may name doc/test/...: the repository is the git top-level."""
    (tmp_path / ".git").mkdir()
    srcdir = nova_like(
        tmp_path,
        **{
            "doc/source/.novadoclint.toml": 'redirect-tests = "../../tests/redirects.txt"\n',
            "tests/redirects.txt": "/p/latest/old.html 301 /p/latest/other.html\n",
        },
    )
    settings = load(srcdir, rules=ALL_RULES)
    assert settings.redirect_tests == str(tmp_path / "tests" / "redirects.txt")
    result = run(srcdir, "--format", "json", "--select", "redirect-test-mismatch")
    found = findings(result)
    assert [f["line"] for f in found] == [1]
    assert found[0]["path"].endswith("/tests/redirects.txt")


def test_a_default_test_file_linked_out_of_the_tree_is_not_read(tmp_path: Path) -> None:
    """No config at all: doc/test/redirect-tests.txt is a link to /proc/self/environ."""
    srcdir = nova_like(tmp_path)
    (tmp_path / "doc" / "test").mkdir()
    (tmp_path / "doc" / "test" / "redirect-tests.txt").symlink_to("/proc/self/environ")
    result = run(srcdir, "--format", "json", "--select", "redirect-*")
    assert SECRET not in result.stdout + result.stderr
    messages = [f["message"] for f in findings(result)]
    assert any("not read: outside the repository" in m for m in messages), messages


def test_a_published_htaccess_linked_out_of_the_tree_is_not_read(tmp_path: Path) -> None:
    write(tmp_path, {"secret.txt": f"redirect 301 /{SECRET} /x\n"})
    srcdir = nova_like(tmp_path / "repo")
    (tmp_path / "repo" / ".git").mkdir()
    htaccess = srcdir / "_extra" / ".htaccess"
    htaccess.unlink()
    htaccess.symlink_to(tmp_path / "secret.txt")
    result = run(srcdir, "--format", "json", "--select", "redirect-*")
    assert SECRET not in result.stdout + result.stderr
    assert [f["message"] for f in findings(result)] == [
        "_extra/.htaccess not read: outside the repository"
    ]


def test_lines_that_do_not_parse_are_quoted_short_and_printable(tmp_path: Path) -> None:
    secret_line = "\x1b[2J" + "y" * 40 + f"{SECRET}=" + "x" * 200
    srcdir = nova_like(
        tmp_path,
        **{
            "doc/test/redirect-tests.txt": (
                f"{secret_line}\n/p/latest/old.html 301 /p/latest/index.html\n"
            ),
            "doc/source/_extra/.htaccess": HTACCESS + f"redirect 301 {secret_line}\n",
        },
    )
    result = run(srcdir, "--format", "json", "--select", "redirect-*")
    found = findings(result)
    assert SECRET not in result.stdout  # the excerpt: the line's first 40 characters only
    assert "\x1b" not in result.stdout and "\\x1b" not in result.stdout
    assert all("?[2Jyyyyyyy" in f["message"] for f in found), found
    assert sorted((f["path"].rsplit("/", 1)[-1], f["line"]) for f in found) == [
        (".htaccess", 2),
        ("redirect-tests.txt", 1),
    ]
    assert all("…" in f["message"] for f in found)


# -- item 4: jobs ----------------------------------------------------------------------


def test_jobs_from_a_config_never_exceed_the_cpu_count(tmp_path: Path) -> None:
    write(tmp_path, {".novadoclint.toml": "jobs = 100000\n"})
    assert 1 <= load(tmp_path, rules=ALL_RULES).jobs <= (os.cpu_count() or 1)


@pytest.mark.parametrize("value", ["0", "-3", '"4"', "true", "2.5"])
def test_jobs_must_be_a_positive_integer(tmp_path: Path, value: str) -> None:
    write(tmp_path, {".novadoclint.toml": f"ignore = []\njobs = {value}\n"})
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, rules=ALL_RULES)
    assert caught.value.path == str(tmp_path / ".novadoclint.toml") and caught.value.line == 2
    assert "'jobs'" in caught.value.message


# -- item 7: regexes from the tree run with a time limit -------------------------------

EVIL_URL = "/" + "a" * 40 + "!"


def test_a_backtracking_redirectmatch_does_not_hang(tmp_path: Path) -> None:
    """(a+)+$ and (a|a)+$ hung Python's re for hours on a 40-character URL."""
    srcdir = nova_like(
        tmp_path,
        **{
            "doc/source/_extra/.htaccess": (
                f"redirect 301 /start {EVIL_URL}\n"
                "redirectmatch 301 (a+)+$ /index.html\n"
                "redirectmatch 301 ^/(a|a)+$ /index.html\n"
            ),
        },
    )
    start = time.monotonic()
    result = run(srcdir, "--format", "json", "--select", "redirect-target-missing", timeout=60)
    assert time.monotonic() - start < 30
    messages = [(f["line"], f["message"]) for f in findings(result)]
    assert messages == [
        (1, f"redirect target '{EVIL_URL[1:]}/index' is no document"),
        (
            3,
            "RedirectMatch regex '^/(a|a)+$' took over 0.1 s on one URL (catastrophic "
            "backtracking?); treated as not matching",
        ),
    ]


def test_a_backtracking_nitpick_ignore_regex_does_not_hang(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "conf.py": (
                "nitpicky = True\nnitpick_ignore_regex = [('.*', '(a|a)+$'), ('.*', '(a+)+$')]\n"
            ),
            "index.rst": f"Index\n=====\n\nSee :ref:`{'a' * 40}!`.\n",
        },
    )
    start = time.monotonic()
    result = run(
        tmp_path, "--format", "json", "--select", "ref-label-missing,regex-timeout", timeout=60
    )
    assert time.monotonic() - start < 30
    found = findings(result)
    assert [f["rule"] for f in found] == ["regex-timeout", "ref-label-missing"]
    assert "'(a|a)+$'" in found[0]["message"]


# -- item 15: files named by the tree are read with a size cap -------------------------


def test_a_fifo_as_redirect_tests_is_refused_not_waited_on(tmp_path: Path) -> None:
    srcdir = nova_like(tmp_path)
    (tmp_path / "doc" / "test").mkdir()
    os.mkfifo(tmp_path / "doc" / "test" / "redirect-tests.txt")
    result = run(srcdir, "--format", "json", "--select", "redirect-test-mismatch", timeout=60)
    assert [f["message"] for f in findings(result)] == [
        "redirect test file '../test/redirect-tests.txt' not read: not a regular file"
    ]


def test_a_huge_redirect_test_file_is_refused(tmp_path: Path) -> None:
    srcdir = nova_like(tmp_path)
    (tmp_path / "doc" / "test").mkdir()
    with open(tmp_path / "doc" / "test" / "redirect-tests.txt", "wb") as f:
        f.truncate(11 * 1024 * 1024)  # sparse: no disk used
    result = run(srcdir, "--format", "json", "--select", "redirect-test-mismatch", timeout=60)
    assert [f["message"] for f in findings(result)] == [
        "redirect test file '../test/redirect-tests.txt' not read: larger than 10 MB"
    ]


def test_a_huge_config_is_a_config_error(tmp_path: Path) -> None:
    write(tmp_path, {"conf.py": "", "index.rst": "Index\n=====\n"})
    with open(tmp_path / ".novadoclint.toml", "wb") as f:
        f.truncate(11 * 1024 * 1024)
    result = run(tmp_path, timeout=60)
    assert result.returncode == 2
    assert f"{tmp_path / '.novadoclint.toml'}: cannot read: larger than 10 MB" in result.stderr


def test_requirement_includes_stay_in_the_checkout_and_never_block(tmp_path: Path) -> None:
    """-r to a FIFO blocked the run; -r out of the checkout read any file."""
    write(tmp_path, {"elsewhere/reqs.txt": "outsidepkg\n"})
    repo = write(
        tmp_path / "repo",
        {
            "setup.cfg": "[metadata]\nname = x\n",
            "doc/requirements.txt": "sphinx\n-r ../../elsewhere/reqs.txt\n-r pipe.txt\n-r big.txt",
        },
    )
    (repo / ".git").mkdir()
    os.mkfifo(repo / "doc" / "pipe.txt")
    with open(repo / "doc" / "big.txt", "wb") as f:
        f.truncate(11 * 1024 * 1024)
    code = "import sys; from pathlib import Path; from novadoclint.languages import requirements; "
    code += "print(sorted(requirements.read(Path(sys.argv[1])).names))"
    done = subprocess.run(
        [sys.executable, "-c", code, str(repo / "doc")], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "['sphinx']", done.stderr


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(?:a{1000}){1000}", "counted repeats expand"),  # regex's compiler: 270 MB
        ("x" * 1001, "longer than 1000 characters"),
        ("a(b", "missing )"),
    ],
)
def test_linkcheck_patterns_are_checked_as_saferegex_runs_them(
    tmp_path: Path, pattern: str, reason: str
) -> None:
    write(tmp_path, {".novadoclint.toml": f"[linkcheck]\nignore = ['{pattern}']\n"})
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, rules=ALL_RULES)
    assert "linkcheck.ignore: bad regular expression" in caught.value.message
    assert reason in caught.value.message and len(caught.value.message) < 200


def test_bad_doc8_and_unknown_keys_are_config_errors_not_tracebacks(tmp_path: Path) -> None:
    write(tmp_path, {"tox.ini": "[doc8]\nmax-line-length = 9e99\n"})
    with pytest.raises(ConfigError, match="doc8's max-line-length must be an integer"):
        load(tmp_path, rules=ALL_RULES)
    (tmp_path / "tox.ini").unlink()
    write(tmp_path, {".novadoclint.toml": f'"{"k" * 5000}\\u001b[2J" = 1\n'})
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, rules=ALL_RULES)
    assert "\x1b" not in caught.value.message and len(caught.value.message) < 400


def test_a_huge_htaccess_is_checked_for_a_bounded_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every URL is tried on every rule: 20,000 rules were 4e8 tries per rule, minutes."""
    count = 20_000
    srcdir = nova_like(
        tmp_path,
        **{
            "doc/source/_extra/.htaccess": "".join(
                f"redirect 301 /old/p{i} /new/p{i}\n" for i in range(count)
            ),
            "doc/test/redirect-tests.txt": "".join(
                f"/zzz/p{i} 301 /new/p{i}\n" for i in range(count)
            ),
        },
    )
    monkeypatch.setattr(redirects, "RULE_SECONDS", 0.5)
    settings = replace(Settings(), select=("redirect-*",), jobs=1)
    start = time.monotonic()
    found, _ = lint_project(load_project(srcdir, True), settings)
    assert time.monotonic() - start < 60
    stopped = [f for f in found if "checking stopped here after 0.5 s" in f.message]
    assert sorted(f.rule for f in stopped) == ["redirect-target-missing", "redirect-test-mismatch"]
    assert not any("no test in" in f.message for f in found)  # unknown once stopped


@pytest.mark.parametrize(
    ("value", "valid"), [("90", True), ("0.5", True), ('"soon"', False), ("0", False)]
)
def test_run_timeout_is_a_config_key(tmp_path: Path, value: str, valid: bool) -> None:
    """The run's deadline for --check-links is set where the per-request timeout is."""
    write(tmp_path, {".novadoclint.toml": f"[linkcheck]\nrun-timeout = {value}\n"})
    if valid:
        assert load(tmp_path, rules=ALL_RULES).linkcheck["run-timeout"] == float(value)
        return
    with pytest.raises(ConfigError, match=r"linkcheck\.run-timeout: must be a positive number"):
        load(tmp_path, rules=ALL_RULES)
