"""The facts cache's namespace follows every source and data file of novadoclint, and only them."""

from __future__ import annotations

from pathlib import Path

import pytest

from novadoclint import data, factscache


def test_the_code_stamp_follows_sources_at_any_depth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package, rules = tmp_path / "novadoclint", tmp_path / "rules"
    files = {
        "novadoclint/cli.py": "x = 1\n",
        "novadoclint/checks/deep/rule.py": "y = 1\n",
        "novadoclint/__pycache__/cli.cpython-311.py": "bytecode folder\n",
        "novadoclint/notes.txt": "not code\n",
        "rules/extensions.toml": "[extension]\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(factscache, "PACKAGE", package)
    monkeypatch.setattr(data, "rules_dir", lambda: rules)
    first = factscache._code_stamp()
    assert factscache._code_stamp() == first
    (tmp_path / "novadoclint/__pycache__/cli.cpython-311.py").write_text("other bytes\n")
    (tmp_path / "novadoclint/notes.txt").write_text("other notes\n")
    assert factscache._code_stamp() == first
    for name in ("novadoclint/checks/deep/rule.py", "rules/extensions.toml"):
        (tmp_path / name).write_text((tmp_path / name).read_text() + "# edited\n")
        changed = factscache._code_stamp()
        assert changed != first
        first = changed
