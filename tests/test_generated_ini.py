"""project.generated parses an INI file's bytes once however many of its readers ask."""

from __future__ import annotations

from pathlib import Path

from novadoclint.project import generated


def test_the_same_bytes_are_parsed_once(tmp_path: Path) -> None:
    tox = tmp_path / "tox.ini"
    tox.write_text("[testenv:docs]\ncommands = sphinx-build doc/source out\n", encoding="utf-8")
    first = generated._ini(tox)
    assert first is not None and generated._ini(tox) is first  # _tox_envs, then _doc8_ignored
    assert first.get("testenv:docs", "commands") == "sphinx-build doc/source out"
    tox.write_text("[doc8]\nignore-path = doc/source/api\n", encoding="utf-8")
    second = generated._ini(tox)
    assert second is not None and second is not first
    assert second.sections() == ["doc8"]


def test_a_broken_or_missing_file_is_none(tmp_path: Path) -> None:
    broken = tmp_path / "setup.cfg"
    broken.write_bytes(b"no section header\n")
    assert generated._ini(broken) is None
    broken.write_bytes(b"[ok]\nkey = \xff\n")  # not UTF-8
    assert generated._ini(broken) is None
    assert generated._ini(tmp_path / "absent.ini") is None
