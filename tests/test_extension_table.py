"""rules/extensions.toml stays valid: known keys, string names, no name of two kinds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from novadoclint import data
from novadoclint.project import vocabulary
from novadoclint.project.sphinxconf import SphinxConf
from novadoclint.project.vocabulary import Kind

NAME_LISTS = (
    "admonitions",
    "body_directives",
    "opaque_directives",
    "xref_roles",
    "text_roles",
    "extensions",
    "lexers",
)
KEYS = {"package", "config_roles", "generates", *NAME_LISTS}
CONFIG_ROLE_KEYS = {"setting", "template"}
GENERATES_KEYS = {"setting", "suffix", "pairs", "default", "when"}


def entries() -> Iterator[tuple[str, dict[str, Any]]]:
    table = data.load("extensions")
    yield "core", table["core"]
    yield from table["extension"].items()


ENTRIES = dict(entries())


def test_only_core_and_extension_tables() -> None:
    assert set(data.load("extensions")) == {"core", "extension"}


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_entry_keys_are_known(name: str) -> None:
    entry = ENTRIES[name]
    assert set(entry) <= KEYS, f"{name}: unknown keys {set(entry) - KEYS}"
    package = entry.get("package")
    assert isinstance(package, str) and package.strip() == package and package, name


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_names_are_strings_listed_once(name: str) -> None:
    entry = ENTRIES[name]
    for key in NAME_LISTS:
        values = entry.get(key, [])
        assert isinstance(values, list), f"{name}.{key} is no list"
        for value in values:
            assert isinstance(value, str) and value, f"{name}.{key}: {value!r}"
            assert value == value.strip() and " " not in value, f"{name}.{key}: {value!r}"
            # a role is named without its colons, a directive without ".. " and "::"
            assert not value.startswith((":", ".")) and not value.endswith(":"), value
        duplicates = sorted({v for v in values if values.count(v) > 1})
        assert not duplicates, f"{name}.{key} lists {duplicates} twice"


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_no_name_of_two_kinds_in_one_entry(name: str) -> None:
    entry = ENTRIES[name]
    directive_kinds = ("admonitions", "body_directives", "opaque_directives")
    for i, first in enumerate(directive_kinds):
        for second in directive_kinds[i + 1 :]:
            both = set(entry.get(first, [])) & set(entry.get(second, []))
            assert not both, f"{name}: {sorted(both)} in both {first} and {second}"
    both = set(entry.get("xref_roles", [])) & set(entry.get("text_roles", []))
    assert not both, f"{name}: {sorted(both)} both xref and text roles"


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_config_roles_and_generates_are_well_formed(name: str) -> None:
    entry = ENTRIES[name]
    for spec in entry.get("config_roles", []):
        assert isinstance(spec, dict) and set(spec) == CONFIG_ROLE_KEYS, (name, spec)
        assert isinstance(spec["setting"], str) and "{}" in spec["template"], (name, spec)
    for spec in entry.get("generates", []):
        assert isinstance(spec, dict) and set(spec) <= GENERATES_KEYS, (name, spec)
        assert isinstance(spec["setting"], str) and isinstance(spec.get("suffix", ""), str)
        assert isinstance(spec.get("pairs", False), bool), (name, spec)
        for key in ("default", "when"):
            assert isinstance(spec.get(key, ""), str), (name, spec)


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_an_entry_does_not_load_itself(name: str) -> None:
    assert name not in ENTRIES[name].get("extensions", [])


def test_what_an_entry_loads_has_an_entry() -> None:
    # enabling a known extension never leaves part of what Sphinx loads unknown
    for name, entry in ENTRIES.items():
        for loaded in entry.get("extensions", []):
            assert loaded in ENTRIES, f"{name} loads {loaded}, not in the table"


def test_the_checker_catches_a_broken_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    # near misses: each check above fails on the mistake it is there for
    broken = {
        "package": "x",
        "body_directives": ["tab", "tab"],
        "opaque_directives": ["tab"],
        "text_roles": [":issue:"],
        "lexer": ["pytest"],
    }
    monkeypatch.setitem(ENTRIES, "broken", broken)
    for check in (
        test_entry_keys_are_known,
        test_names_are_strings_listed_once,
        test_no_name_of_two_kinds_in_one_entry,
    ):
        with pytest.raises(AssertionError):
            check("broken")
    monkeypatch.setitem(ENTRIES, "fine", {"package": "x", "body_directives": ["tab"]})
    for check in (
        test_entry_keys_are_known,
        test_names_are_strings_listed_once,
        test_no_name_of_two_kinds_in_one_entry,
        test_config_roles_and_generates_are_well_formed,
    ):
        check("fine")


def test_entries_from_source_give_the_names_their_kinds() -> None:
    extensions = ["sphinx_issues", "sphinx_tabs.tabs", "sphinx_design", "sphinxcontrib.httpdomain"]
    built = vocabulary.build(SphinxConf(None, {"extensions": extensions}), None)
    directives, roles = built.directive_kinds(), built.role_kinds()
    assert built.unknown_extensions == ()
    assert roles["issue"] == Kind.TEXT and "issues" not in roles  # a near miss stays unknown
    assert directives["tab"] == Kind.BODY
    assert directives["code-tab"] == Kind.OPAQUE  # sphinx-tabs: its content is code
    assert directives["button-link"] == Kind.BODY and "button-link" not in roles  # a directive
    assert roles["bdg-ref-primary-line"] == Kind.TEXT
    assert directives["http:get"] == Kind.BODY  # an object description: content is rst
    assert roles["http:statuscode"] == Kind.XREF


def test_an_extension_not_enabled_gives_no_names() -> None:
    built = vocabulary.build(SphinxConf(None, {"extensions": ["sphinx.ext.todo"]}), None)
    assert "issue" not in built.role_kinds() and "code-tab" not in built.directive_kinds()
    assert [p.extension for p in vocabulary.providers_of_role("issue")] == [
        "sphinx_issues",
        "sphinx_toolbox.issues",
    ]
