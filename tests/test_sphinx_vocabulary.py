"""tools/sphinx_vocabulary.py: what Sphinx core registers, read with ast, and the table in step."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import sphinx_vocabulary

APPLICATION = """
builtin_extensions: tuple[str, ...] = (
    'sphinx.addnodes',
    'sphinx.domains.std',
    'sphinx.domains.python',
    'sphinx.directives',
    'sphinx.roles',
)
_first_party_extensions = ('sphinx.ext.todo',)
"""

CONFIG = """
class Config:
    config_values = {
        'project': _Opt('Project name not set', 'env', frozenset((str,))),
        'primary_domain': _Opt('py', 'env', frozenset((types.NoneType,))),
    }
"""

STD = """
class StandardDomain(Domain):
    name = 'std'
    directives = {'program': Program, 'confval': ConfigurationValue}
    roles = {'confval': XRefRole(), 'ref': XRefRole()}

def setup(app):
    app.add_directive('version-added', VersionChange)
"""

PYTHON = """
class PythonModuleIndex(Index):
    name = 'modindex'

class PythonDomain(Domain):
    name = 'py'
    directives: dict[str, type] = {'function': PyFunction}
    roles = {'deco': PyXRefRole()}
"""

DIRECTIVES = """
def setup(app):
    directives.register_directive('rst-class', Class)
    directives.register_directive(name_from_elsewhere, Class)
"""

ROLES = """
generic_docroles = {'command': strong, 'dfn': emphasis}
specific_docroles: dict[str, RoleFunction] = {'cve': CVE(), 'kbd': Keyboard()}

def setup(app):
    for rolename, nodeclass in generic_docroles.items():
        role = roles.CustomRole(rolename, generic)
        roles.register_local_role(rolename, role)
    for rolename, func in specific_docroles.items():
        roles.register_local_role(rolename, func)
    roles.register_canonical_role('code', code_role)
"""

EXT = """
def setup(app):
    app.add_directive('todo', Todo)
"""


def fake_sphinx(root: Path) -> Path:
    package = root / "sphinx"
    files = {
        "application.py": APPLICATION,
        "config.py": CONFIG,
        "domains/std/__init__.py": STD,
        "domains/python/__init__.py": PYTHON,
        "directives/__init__.py": "",
        "directives/other.py": DIRECTIVES,
        "roles.py": ROLES,
        "ext/todo.py": EXT,
        "domains/c/__init__.py": "class CDomain(Domain):\n    name = 'c'\n"
        "    directives = {'function': CFunction}\n",
    }
    for rel, text in files.items():
        path = package / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return package


def test_extracts_registrations_of_the_builtin_modules(tmp_path: Path) -> None:
    found = sphinx_vocabulary.extract(fake_sphinx(tmp_path))
    assert set(found.directives) == {
        "program", "std:program", "confval", "std:confval",  # std: also unprefixed
        "version-added",
        "function", "py:function",  # primary_domain: also unprefixed
        "rst-class",
    }  # fmt: skip
    assert set(found.roles) == {
        "confval", "std:confval", "ref", "std:ref",
        "deco", "py:deco",
        "command", "dfn", "cve", "kbd",  # each loop's own dict
        "code",
    }  # fmt: skip
    assert found.directives["version-added"] == "sphinx.domains.std"
    assert found.roles["cve"] == "sphinx.roles"


def test_sphinx_ext_and_unlisted_modules_are_not_read(tmp_path: Path) -> None:
    found = sphinx_vocabulary.extract(fake_sphinx(tmp_path))
    assert "todo" not in found.directives  # sphinx.ext.*: a table entry per extension
    assert "c:function" not in found.directives  # sphinx.domains.c not builtin here
    assert "modindex:function" not in found.directives  # a class named, not a domain


def test_missing_reports_what_the_table_lacks(tmp_path: Path) -> None:
    table = tmp_path / "extensions.toml"
    table.write_text(
        '[core]\nbody_directives = ["program", "std:program", "function", "py:function"]\n'
        'xref_roles = ["ref", "std:ref", "deco", "py:deco"]\n'
        'text_roles = ["command", "dfn", "kbd"]\n',
        encoding="utf-8",
    )
    found = sphinx_vocabulary.extract(fake_sphinx(tmp_path))
    directives, roles = sphinx_vocabulary.missing(found, table)
    assert directives == ["confval", "rst-class", "std:confval", "version-added"]
    assert roles == ["confval", "cve", "std:confval"]  # code: docutils implements it


def test_docutils_placeholder_roles_need_an_entry() -> None:
    _, roles = sphinx_vocabulary.docutils_names()
    assert "code" in roles
    assert "index" not in roles  # docutils: "not implemented"; Sphinx's :index: is real


def test_main_prints_the_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    package = fake_sphinx(tmp_path)
    assert sphinx_vocabulary.main(["--source", str(package)]) == 0
    out = capsys.readouterr().out
    assert "directive\tversion-added\tsphinx.domains.std" in out
    assert "+ " not in out


REAL = importlib.util.find_spec("sphinx")


@pytest.mark.skipif(REAL is None, reason="no Sphinx source to read")
def test_core_table_has_everything_the_installed_sphinx_registers() -> None:
    package = sphinx_vocabulary.find_source()
    assert package is not None
    found = sphinx_vocabulary.extract(package)
    assert "toctree" in found.directives and "doc" in found.roles  # it read something
    assert sphinx_vocabulary.missing(found) == ([], [])
