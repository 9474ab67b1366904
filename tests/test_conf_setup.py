"""conf.py's own ``setup(app)``: what it registers is read with ast, as a local extension's."""

from __future__ import annotations

from pathlib import Path

from novadoclint import factscache
from novadoclint.checks import ALL_RULES
from novadoclint.context import Context
from novadoclint.project import vocabulary
from novadoclint.project.sphinxconf import read_conf
from novadoclint.project.vocabulary import Kind, Vocabulary
from novadoclint.registry import rule_names
from novadoclint.settings import Settings

PYTEST_LIKE = """\
import sphinx.application

extensions = []


def setup(app: sphinx.application.Sphinx) -> None:
    app.add_crossref_type(
        "fixture",
        "fixture",
        objname="built-in fixture",
        indextemplate="pair: %s; fixture",
    )
    app.add_object_type("globalvar", "globalvar", objname="global variable")
    app.add_crossref_type(directivename="hook", rolename="hook", objname="pytest hook")
    app.add_role("gh", None)
    app.add_generic_role("kbdx", None)
    app.add_directive_to_domain("py", "deco", None)
    app.add_role_to_domain(domain="py", name="deco", role=None)
    app.add_lexer("pytest-output", object)
"""


def build(tmp_path: Path, source: str, **files: str) -> Vocabulary:
    (tmp_path / "conf.py").write_text(source, encoding="utf-8")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return vocabulary.build(read_conf(tmp_path / "conf.py"), tmp_path)


def test_setup_registrations_join_the_vocabulary(tmp_path: Path) -> None:
    vocab = build(tmp_path, PYTEST_LIKE)
    directives, roles = vocab.directive_kinds(), vocab.role_kinds()
    # add_object_type: an object description, its content rst; add_crossref_type: no content
    assert directives["globalvar"] is Kind.BODY
    assert directives["std:globalvar"] is Kind.BODY
    assert directives["fixture"] is Kind.OPAQUE
    assert directives["hook"] is Kind.OPAQUE  # written with keywords
    assert directives["py:deco"] is Kind.OPAQUE
    for role in ("fixture", "std:fixture", "globalvar", "hook", "std:hook", "py:deco"):
        assert roles[role] is Kind.XREF, role
    assert roles["gh"] is Kind.TEXT
    assert roles["kbdx"] is Kind.TEXT
    assert vocab.lexers == ("pytest-output",)
    assert ("gh", Kind.TEXT, "conf.py") in vocab.roles
    assert vocab.unknown_extensions == ()


def test_object_type_role_is_its_second_name(tmp_path: Path) -> None:
    vocab = build(
        tmp_path,
        "def setup(app):\n"
        "    app.add_object_type('cfgval', 'setting')\n"
        "    app.add_object_type('empty', '')\n"
        "    app.add_role(some_name, None)\n",
    )
    assert "cfgval" in vocab.directive_kinds()
    roles = vocab.role_kinds()
    assert "setting" in roles
    assert "cfgval" not in roles
    assert "" not in roles
    assert "empty" not in roles


def test_only_what_setup_reaches_counts(tmp_path: Path) -> None:
    vocab = build(
        tmp_path,
        "def _roles(app):\n"
        "    app.add_role('reached', None)\n"
        "    _deeper(app)\n"
        "def _deeper(app):\n"
        "    app.add_role('deeper', None)\n"
        "def unused(app):\n"
        "    app.add_role('never', None)\n"
        "def setup(app):\n"
        "    _roles(app)\n"
        "    _roles(app)\n",
    )
    roles = vocab.role_kinds()
    assert "reached" in roles
    assert "deeper" in roles
    assert "never" not in roles


def test_no_setup_no_registrations(tmp_path: Path) -> None:
    vocab = build(tmp_path, "def configure(app):\n    app.add_role('gh', None)\n")
    assert "gh" not in vocab.role_kinds()


def test_mutual_recursion_terminates(tmp_path: Path) -> None:
    vocab = build(
        tmp_path,
        "def a(app):\n    b(app)\n    app.add_role('ra', None)\n"
        "def b(app):\n    a(app)\n    setup(app)\n"
        "def setup(app):\n    a(app)\n",
    )
    assert "ra" in vocab.role_kinds()


def test_setup_extension_of_a_known_extension_enables_it(tmp_path: Path) -> None:
    vocab = build(tmp_path, "def setup(app):\n    app.setup_extension('sphinx.ext.todo')\n")
    assert "todo" in vocab.directive_kinds()
    assert "sphinx.ext.todo" in vocab.loaded


def test_setup_extension_of_an_unreadable_extension_is_unknown(tmp_path: Path) -> None:
    vocab = build(tmp_path, "def setup(app):\n    app.setup_extension('somewhere.else')\n")
    assert vocab.unknown_extensions == ("somewhere.else",)


def test_setup_extension_follows_local_extensions_transitively(tmp_path: Path) -> None:
    vocab = build(
        tmp_path,
        "import os, sys\n"
        "sys.path.insert(0, os.path.abspath('.'))\n"
        "extensions = ['ext_a']\n"
        "def setup(app):\n    app.setup_extension('ext_b')\n",
        **{
            "ext_a.py": "def setup(app):\n"
            "    app.add_directive('from-a', None)\n"
            "    app.setup_extension('ext_c')\n",
            "ext_b.py": "def setup(app):\n"
            "    app.setup_extension('ext_a')\n"  # a cycle: loaded once
            "    app.setup_extension('sphinx.ext.graphviz')\n"
            "    app.add_lexer(alias='b-lexer', lexer=None)\n",
            "ext_c.py": "def setup(app):\n"
            "    app.setup_extension('ext_a')\n"
            "    app.add_role('from-c', None)\n",
        },
    )
    assert "from-a" in vocab.directive_kinds()
    assert "graphviz" in vocab.directive_kinds()
    assert "from-c" in vocab.role_kinds()
    assert vocab.lexers == ("b-lexer",)
    # Depth first, as Sphinx loads them: ext_a's setup loads ext_c before conf.py's setup runs
    assert vocab.loaded == ("ext_a", "ext_c", "ext_b", "sphinx.ext.graphviz")
    assert vocab.unknown_extensions == ()


def test_unparsable_or_missing_conf_adds_nothing(tmp_path: Path) -> None:
    vocab = build(tmp_path, "def setup(app):\n    app.add_role('gh', None\n")
    assert "gh" not in vocab.role_kinds()
    none = vocabulary.build(read_conf(tmp_path / "missing" / "conf.py"), None)
    assert "gh" not in none.role_kinds()


def test_cache_fingerprint_covers_setup_registrations(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    prints = []
    for folder, role in ((first, "gh"), (second, "gl")):
        folder.mkdir()
        (folder / "conf.py").write_text(
            f"def setup(app):\n    app.add_role({role!r}, None)\n", encoding="utf-8"
        )
        conf = read_conf(folder / "conf.py")
        vocab = vocabulary.build(conf, folder)
        # same folder for both: only the vocabulary differs
        ctx = Context(str(first), Settings(), conf, vocab, rule_names=rule_names(ALL_RULES))
        prints.append(factscache.fingerprint(ctx, ["unknown-role"]))
    assert prints[0] != prints[1]
