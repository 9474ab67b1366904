"""data.load reads a data file's JSON twin only while it was made from the TOML as it is."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from novadoclint import data

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.mark.parametrize("name", data.TWINNED)
def test_the_shipped_twin_is_current(name: str) -> None:
    """Fails after an edit of the TOML until tools/data_twins.py is run."""
    toml = data.rules_dir() / f"{name}.toml"
    twin = data.rules_dir() / f"{name}.json"
    assert twin.read_text(encoding="utf-8") == data.twin_text(toml.read_bytes()), (
        f"rules/{name}.json is stale: run python tools/data_twins.py"
    )


@pytest.mark.parametrize("name", data.TWINNED)
def test_the_twin_holds_the_toml_table_in_its_order(name: str) -> None:
    toml = tomllib.loads((data.rules_dir() / f"{name}.toml").read_text(encoding="utf-8"))
    loaded = data.load(name)
    assert loaded == toml
    assert json.dumps(loaded) == json.dumps(toml)  # key order too: vocabularies follow it


def _rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str) -> Path:
    monkeypatch.setattr(data, "rules_dir", lambda: tmp_path)
    data.load.cache_clear()
    (tmp_path / "table.toml").write_text(toml, encoding="utf-8")
    return tmp_path / "table.json"


@pytest.fixture(autouse=True)
def _fresh_load() -> Iterator[None]:
    yield
    data.load.cache_clear()


def test_a_current_twin_is_what_load_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    twin = _rules(tmp_path, monkeypatch, 'a = "toml"\n')
    text = json.loads(data.twin_text(b'a = "toml"\n'))
    text["data"] = {"a": "twin"}  # the same digest, another table: only the twin says "twin"
    twin.write_text(json.dumps(text), encoding="utf-8")
    assert data.load("table") == {"a": "twin"}


@pytest.mark.parametrize(
    "twin_text",
    [
        '{"toml_sha256": "0000", "data": {"a": "stale"}}',  # made from other bytes
        "{not json",
        '["a list"]',
        '{"toml_sha256": "%s", "data": ["not", "a", "table"]}',
    ],
)
def test_a_stale_or_broken_twin_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, twin_text: str
) -> None:
    twin = _rules(tmp_path, monkeypatch, 'a = "toml"\n')
    digest = json.loads(data.twin_text(b'a = "toml"\n'))[data.TWIN_DIGEST]
    twin.write_text(twin_text.replace("%s", digest), encoding="utf-8")
    assert data.load("table") == {"a": "toml"}


def test_without_a_twin_the_toml_is_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    twin = _rules(tmp_path, monkeypatch, "[t]\nx = [1, 2.5, true]\n")
    assert not twin.exists()
    assert data.load("table") == {"t": {"x": [1, 2.5, True]}}
