"""Extensions installed in the docs environment, read with ast (never imported or run).

Every extension here is a fake package the test writes into a temporary
site-packages layout; no real extension is installed or needed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from novadoclint import cli
from novadoclint.checks import ALL_RULES
from novadoclint.project import vocabulary
from novadoclint.project.sphinxconf import read_conf
from novadoclint.project.vocabulary import Environment, Kind, Vocabulary, site_packages
from novadoclint.settings import ConfigError, Settings, from_table, load

ISSUES = """\
def format_issue(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [], []


def setup(app):
    app.add_config_value("issues_github_path", None, "env")
    app.add_role(name="issue", role=format_issue)
    app.add_role("pr", format_issue)
    app.add_lexer("issue-log", object)
    return {"parallel_read_safe": True}
"""

# A package whose setup lives in a submodule and calls helpers of another one,
# with a domain declared with annotations (as Sphinx's own domains are).
TABS_INIT = """\
from ._impl import setup

__all__ = ["setup"]
"""
TABS_IMPL = """\
from sphinx.domains import Domain

from . import helpers


class TabDomain(Domain):
    name: str = "tabs"
    directives: dict[str, object] = {"panel": object}
    roles = {"ref": object}


def setup(app):
    app.add_directive("tab", object)
    app.add_domain(TabDomain)
    helpers.more(app)
    app.setup_extension("sphinx.ext.todo")
"""
TABS_HELPERS = """\
def more(app):
    app.add_generic_role("tabkey", object)
"""


def make_env(root: Path, version: str = "3.11", windows: bool = False) -> Path:
    """A virtual environment's layout: pyvenv.cfg, bin/python, lib/python3.X/site-packages."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyvenv.cfg").write_text(
        f"home = /usr/bin\ninclude-system-site-packages = false\nversion = {version}.4\n",
        encoding="utf-8",
    )
    if windows:
        site = root / "Lib" / "site-packages"
        python = root / "Scripts" / "python.exe"
    else:
        site = root / "lib" / f"python{version}" / "site-packages"
        python = root / "bin" / "python"
    site.mkdir(parents=True)
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\necho this interpreter must never run >&2\nexit 99\n")
    python.chmod(0o755)
    return site


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def build(tmp_path: Path, extensions: list[str], **kwargs: Any) -> Vocabulary:
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "conf.py").write_text(f"extensions = {extensions!r}\n", encoding="utf-8")
    return vocabulary.build(read_conf(docs / "conf.py"), docs, **kwargs)


def test_installed_extension_is_read_from_the_named_environment(tmp_path: Path) -> None:
    site = make_env(tmp_path / "env")
    write(
        site,
        {
            "fake_issues.py": ISSUES,
            "fake_tabs/__init__.py": TABS_INIT,
            "fake_tabs/_impl.py": TABS_IMPL,
            "fake_tabs/helpers.py": TABS_HELPERS,
        },
    )
    python = str(tmp_path / "env" / "bin" / "python")
    vocab = build(tmp_path, ["fake_issues", "fake_tabs"], python=python)
    roles, directives = vocab.role_kinds(), vocab.directive_kinds()
    assert roles["issue"] is Kind.TEXT  # registered with keywords
    assert roles["pr"] is Kind.TEXT
    assert roles["tabkey"] is Kind.TEXT  # in a helper module setup calls
    assert roles["tabs:ref"] is Kind.XREF  # the domain's, annotated or not
    assert directives["tabs:panel"] is Kind.OPAQUE
    assert directives["tab"] is Kind.OPAQUE
    assert "todo" in directives  # setup_extension, into the table
    assert "issue-log" in vocab.lexers
    assert vocab.unknown_extensions == ()
    assert vocab.loaded == ("fake_issues", "fake_tabs", "sphinx.ext.todo")
    assert vocab.environment == python


def test_not_installed_stays_unknown_and_nothing_runs(tmp_path: Path) -> None:
    make_env(tmp_path / "env")
    marker = tmp_path / "ran"
    site = tmp_path / "env" / "lib" / "python3.11" / "site-packages"
    # Importing this module would write the marker: reading it with ast must not.
    write(site, {"hostile_ext.py": f"open({str(marker)!r}, 'w')\n"})
    vocab = build(
        tmp_path, ["sphinx_missing", "hostile_ext"], python=str(tmp_path / "env" / "bin" / "python")
    )
    assert vocab.unknown_extensions == ("sphinx_missing",)
    assert "hostile_ext" in vocab.loaded
    assert not marker.exists()
    assert "hostile_ext" not in sys.modules


def test_order_table_then_local_then_installed(tmp_path: Path) -> None:
    site = make_env(tmp_path / "env")
    # Installed copies of a table extension and of a local one: neither is read.
    write(
        site,
        {
            "sphinx/ext/todo.py": "def setup(app):\n    app.add_role('installed_todo', None)\n",
            "localext.py": "def setup(app):\n    app.add_role('installed_local', None)\n",
        },
    )
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "localext.py").write_text(
        "def setup(app):\n    app.add_role('local_role', None)\n", encoding="utf-8"
    )
    vocab = build(
        tmp_path, ["sphinx.ext.todo", "localext"], python=str(tmp_path / "env" / "bin" / "python")
    )
    roles = vocab.role_kinds()
    assert "local_role" in roles
    assert "installed_local" not in roles
    assert "installed_todo" not in roles
    assert ("todo", Kind.ADMONITION, "sphinx.ext.todo") in vocab.directives


def test_namespace_packages_merge_and_regular_packages_win(tmp_path: Path) -> None:
    site = make_env(tmp_path / "env")
    extra = tmp_path / "editable" / "src"
    write(
        site,
        {
            "sphinxcontrib/one.py": "def setup(app):\n    app.add_role('one', None)\n",
            "editable.pth": f"# an editable install\nimport os\n{extra}\n",
        },
    )
    write(extra, {"sphinxcontrib/two.py": "def setup(app):\n    app.add_role('two', None)\n"})
    env = Environment(site_packages(str(tmp_path / "env" / "bin" / "python")))
    assert env.locate("sphinxcontrib.one") == site / "sphinxcontrib" / "one.py"
    assert env.locate("sphinxcontrib.two") == extra / "sphinxcontrib" / "two.py"
    assert env.locate("sphinxcontrib.three") is None
    assert env.locate("not a module") is None
    # A regular package (with __init__.py) hides the namespace portions after it.
    write(site, {"sphinxcontrib/__init__.py": ""})
    assert env.locate("sphinxcontrib.two") is None


def test_site_packages_from_the_layout(tmp_path: Path) -> None:
    posix = make_env(tmp_path / "posix", version="3.12")
    (tmp_path / "posix" / "lib" / "python3.9" / "site-packages").mkdir(parents=True)
    assert site_packages(str(tmp_path / "posix" / "bin" / "python")) == [str(posix)]
    assert site_packages(str(tmp_path / "posix")) == [str(posix)]  # the folder will do
    assert site_packages(str(posix)) == [str(posix)]  # and so will site-packages itself
    windows = make_env(tmp_path / "win", windows=True)
    assert site_packages(str(tmp_path / "win" / "Scripts" / "python.exe")) == [str(windows)]
    assert site_packages(str(tmp_path / "nowhere" / "bin" / "python")) == []


def test_system_site_packages_only_for_a_trusted_path(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base_site = base / "lib" / "python3.11" / "site-packages"
    base_site.mkdir(parents=True)
    env_site = make_env(tmp_path / "repo" / "env")
    (tmp_path / "repo" / "env" / "pyvenv.cfg").write_text(
        f"home = {base / 'bin'}\ninclude-system-site-packages = true\nversion = 3.11.1\n",
        encoding="utf-8",
    )
    python = str(tmp_path / "repo" / "env" / "bin" / "python")
    assert site_packages(python) == [str(env_site), str(base_site)]
    assert site_packages(python, str(tmp_path / "repo")) == [str(env_site)]


def test_a_config_named_environment_is_read_only_inside_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    site = make_env(repo / ".tox" / "docs")
    outside = tmp_path / "outside"
    write(outside, {"secret_ext.py": "def setup(app):\n    app.add_role('secret', None)\n"})
    (site / "secret_ext.py").symlink_to(outside / "secret_ext.py")
    write(site, {"inside_ext.py": "def setup(app):\n    app.add_role('inside', None)\n"})
    python = str(repo / ".tox" / "docs" / "bin" / "python")
    docs = repo / "docs"
    docs.mkdir()
    (docs / "conf.py").write_text("extensions = ['secret_ext', 'inside_ext']\n", encoding="utf-8")
    conf = read_conf(docs / "conf.py")
    vocab = vocabulary.build(conf, docs, python=python, python_root=str(repo))
    assert vocab.unknown_extensions == ("secret_ext",)
    assert "inside" in vocab.role_kinds()
    trusted = vocabulary.build(conf, docs, python=python)  # the command line's own path
    assert "secret" in trusted.role_kinds()


def test_plugin_lexers_from_entry_points(tmp_path: Path) -> None:
    site = make_env(tmp_path / "env")
    write(
        site,
        {
            "pygments_fake/__init__.py": (
                "from pygments.lexer import RegexLexer\n\n\n"
                "class FakeLexer(RegexLexer):\n"
                "    name = 'Fake'\n"
                "    aliases: list[str] = ['fake-output', 'fakeout']\n"
            ),
            "pygments_fake-1.0.dist-info/METADATA": "Name: pygments-fake\nVersion: 1.0\n",
            "pygments_fake-1.0.dist-info/entry_points.txt": (
                "[pygments.lexers]\nfake = pygments_fake:FakeLexer\n"
                "gone = pygments_gone:Lexer\n\n[console_scripts]\nfake = pygments_fake:main\n"
            ),
        },
    )
    vocab = build(tmp_path, [], python=str(tmp_path / "env" / "bin" / "python"))
    # the class's aliases; the entry point's name when its module is not there
    assert vocab.lexers == ("fake-output", "fakeout", "gone")
    assert build(tmp_path, []).lexers == ()  # without python: Pygments' own plugins only


def test_bounded_module_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_env(tmp_path / "env")
    files = {"chain/__init__.py": "from . import m0\n"}
    for number in range(10):
        files[f"chain/m{number}.py"] = (
            f"from . import m{number + 1}\n\n\n"
            f"def setup(app):\n    app.add_role('r{number}', None)\n"
        )
    write(site, files)
    monkeypatch.setattr(vocabulary, "MAX_MODULES", 4)
    roles = build(tmp_path, ["chain"], python=str(tmp_path / "env" / "bin" / "python")).role_kinds()
    assert {"r0", "r1", "r2"} <= set(roles)
    assert "r5" not in roles


def test_table_entries_load_extensions_and_lexers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = dict(vocabulary._table())
    table["extension"] = {
        **table["extension"],
        "fakecontrib.apidoc": {
            "package": "fakecontrib-apidoc",
            "extensions": ["sphinx.ext.autodoc", "fakecontrib.second"],
            "lexers": ["apidoc-log"],
        },
        "fakecontrib.second": {"package": "x", "text_roles": ["second"]},
    }
    monkeypatch.setattr(vocabulary, "_table", lambda: table)
    vocab = build(tmp_path, ["fakecontrib.apidoc", "sphinx.ext.todo"])
    assert "automodule" in vocab.directive_kinds()
    assert "second" in vocab.role_kinds()
    assert vocab.lexers == ("apidoc-log",)
    # loaded at once, depth first, before conf.py's next extension
    assert vocab.loaded == (
        "fakecontrib.apidoc",
        "sphinx.ext.autodoc",
        "fakecontrib.second",
        "sphinx.ext.todo",
    )


def test_own_environment_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "own-site"
    write(site, {"own_ext.py": "def setup(app):\n    app.add_role('own', None)\n"})
    monkeypatch.setattr(vocabulary, "_own_sites", lambda: [str(site)])
    vocab = build(tmp_path, ["own_ext"])
    assert "own" in vocab.role_kinds()
    assert vocab.environment == ""


# ---------------------------------------------------------------- the option


def test_config_key_is_relative_and_must_stay_inside(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    config = repo / ".novadoclint.toml"
    config.write_text('python = ".tox/docs/bin/python"\n', encoding="utf-8")
    settings = load(repo, rules=ALL_RULES, config=config)
    assert settings.python == str(repo / ".tox" / "docs" / "bin" / "python")
    assert settings.python_root == str(repo)
    config.write_text('jobs = 1\npython = "../elsewhere/bin/python"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load(repo, rules=ALL_RULES, config=config)
    assert info.value.line == 2
    assert "'python' must name a file inside the repository" in str(info.value)
    with pytest.raises(ConfigError, match="non-empty string"):
        from_table({"python": 3}, config, Settings(), ALL_RULES)


def test_config_python_may_be_a_link_out(tmp_path: Path) -> None:
    """A virtual environment's bin/python links to the base interpreter: allowed."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    make_env(repo / "env")
    (repo / "env" / "bin" / "python").unlink()
    (repo / "env" / "bin" / "python").symlink_to(sys.executable)
    config = repo / ".novadoclint.toml"
    config.write_text('python = "env/bin/python"\n', encoding="utf-8")
    assert load(repo, rules=ALL_RULES, config=config).python == str(repo / "env" / "bin" / "python")


def test_command_line_option(tmp_path: Path) -> None:
    site = make_env(tmp_path / "env")
    python = tmp_path / "env" / "bin" / "python"
    args = cli.build_parser().parse_args(["--python", str(python)])
    overrides = cli._overrides(args)
    assert overrides["python"] == str(python)
    assert overrides["python_root"] is None  # the user's own path: read where it leads
    missing = cli.build_parser().parse_args(["--python", str(tmp_path / "none")])
    with pytest.raises(cli.UsageError, match="--python"):
        cli._overrides(missing)
    assert site.is_dir()


def test_the_option_reaches_the_run_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--python and the config key feed the run's vocabulary: the names are read, not assumed."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    site = make_env(repo / ".tox" / "docs")
    write(site, {"fake_issues.py": ISSUES})
    docs = repo / "docs"
    write(
        docs,
        {
            "conf.py": "extensions = ['fake_issues']\n",
            "index.rst": "Index\n=====\n\nFixed in :issue:`12` and :pr:`13`.\n",
        },
    )
    python = repo / ".tox" / "docs" / "bin" / "python"

    def run(*args: str) -> str:
        code = cli.main(["--no-cache", "--jobs", "1", *args, str(docs)])
        out = capsys.readouterr().out
        assert code in (0, 1), capsys.readouterr().err + out
        return out

    assumed = run()
    assert "extension-unreadable" in assumed and "unknown-role" not in assumed
    for read in (run("--python", str(python)), run("--config", str(_config(repo)))):
        assert "extension-unreadable" not in read and "unknown-role" not in read


def _config(repo: Path) -> Path:
    path = repo / ".novadoclint.toml"
    path.write_text('python = ".tox/docs/bin/python"\n', encoding="utf-8")
    return path
