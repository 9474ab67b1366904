"""bench/census.py: which enabled extensions novadoclint knows, reads, or neither."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "census.py"


def census_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("census", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


@pytest.fixture
def forest(tmp_path: Path) -> Path:
    write(
        tmp_path / "forest",
        {
            # known, a local extension it reads (which loads another), one it cannot tell
            "alpha/doc/source/conf.py": "import os, sys\n"
            "sys.path.insert(0, os.path.abspath('ext'))\n"
            "extensions = ['sphinx.ext.todo', 'localext', 'nowhere.ext']\n",
            "alpha/doc/source/ext/localext.py": "def setup(app):\n"
            "    app.add_directive('thing', Thing)\n"
            "    app.setup_extension('sphinx.ext.graphviz')\n",
            "alpha/setup.cfg": "",
            # conf.py's own setup() loads one; the same unknown one again
            "beta/docs/conf.py": "extensions = ['nowhere.ext']\n"
            "def setup(app):\n    app.setup_extension('sphinx.ext.ifconfig')\n",
            # a computed list; test data is no tree
            "gamma/doc/conf.py": "extensions = sorted(['a'])\n",
            "gamma/tests/roots/x/conf.py": "extensions = ['test.only']\n",
        },
    )
    return tmp_path / "forest"


def test_each_enabled_extension_is_known_readable_or_neither(forest: Path) -> None:
    census = census_module()
    found = {t.srcdir.relative_to(forest).as_posix(): t for t in census.trees([forest])}
    assert set(found) == {"alpha/doc/source", "beta/docs", "gamma/doc"}
    alpha = found["alpha/doc/source"]
    assert alpha.extensions == {
        "sphinx.ext.todo": "known",
        "localext": "readable",
        "nowhere.ext": "neither",
    }
    assert alpha.loaded == {"sphinx.ext.graphviz": "known"}  # localext's setup_extension
    beta = found["beta/docs"]
    assert beta.extensions == {"nowhere.ext": "neither", "sphinx.ext.ifconfig": "known"}
    assert found["gamma/doc"].computed and found["gamma/doc"].extensions == {}
    assert not alpha.computed and not beta.computed


def test_a_module_outside_the_tree_is_not_readable(tmp_path: Path) -> None:
    # conf.py's sys.path may name any folder; what lies outside the project is never read
    write(
        tmp_path,
        {
            "outside/farext.py": "def setup(app):\n    app.add_role('r', r)\n",
            "repo/setup.cfg": "",
            "repo/doc/conf.py": f"import sys\nsys.path.insert(0, {str(tmp_path / 'outside')!r})\n"
            "extensions = ['farext']\n",
        },
    )
    tree = census_module().census(tmp_path / "repo" / "doc")
    assert tree.extensions == {"farext": "neither"}


def test_summary_counts_extensions_and_enablings(
    forest: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    census = census_module()
    out_json = tmp_path / "census.json"
    assert census.main([str(forest), "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    assert "nowhere.ext" in out and "(alpha/doc/source, beta/docs)" in out
    assert out.count("\nsummary: ") == 1
    assert "summary: 3 trees, 5 extensions (3 known, 1 readable, 1 neither); " in out
    assert "5 enablings (2 known, 1 readable, 2 neither)" in out
    assert "extensions not a literal: gamma/doc" in out
    data = json.loads(out_json.read_text(encoding="utf-8"))
    rows = {row["extension"]: row for row in data["extensions"]}
    assert rows["nowhere.ext"] == {
        "extension": "nowhere.ext",
        "trees": 2,
        "loaded_in": 0,
        "status": "neither",
        "neither_in": ["alpha/doc/source", "beta/docs"],
    }
    assert rows["sphinx.ext.graphviz"]["trees"] == 0
    assert rows["sphinx.ext.graphviz"]["loaded_in"] == 1
    assert data["enablings"] == {"known": 2, "readable": 1, "neither": 2}
