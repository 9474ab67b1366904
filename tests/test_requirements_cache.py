"""extension-requirement-missing keeps the names packaging made of a tree's requirement lines.

A warm run must answer as a cold one without importing or running packaging,
parse a changed line again, keep nothing with --no-cache, and treat a forged
entry of the wrong shape as a miss.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cachecheck import entries, forge_entries, lint_selected, write_files

from novadoclint.languages import requirements

FILES = {
    "setup.cfg": """
        [metadata]
        name = project

        [extras]
        Docs_Extra =
            sphinxcontrib.blockdiag>=1.0
    """,
    "tox.ini": """
        [testenv:docs]
        deps =
            -r{toxinidir}/doc/requirements.txt
            py311: sphinxcontrib-nwdiag
    """,
    "pyproject.toml": """
        [tool.poetry.group.docs.dependencies]
        SphinxContrib_ActDiag = "*"
    """,
    "doc/requirements.txt": """
        sphinx>=2.0  # the builder
        sphinxcontrib-seqdiag ; python_version >= "3.8" \\
            --hash=sha256:abc
        not a requirement !
    """,
    "doc/source/conf.py": """
        extensions = [
            'sphinxcontrib.seqdiag', 'sphinxcontrib.blockdiag', 'sphinxcontrib.nwdiag',
            'sphinxcontrib.actdiag', 'oslo_config.sphinxext', 'sphinx.ext.graphviz',
        ]
    """,
    "doc/source/index.rst": "Index\n=====\n",
}
RULE = "extension-requirement-missing"


def write(root: Path) -> Path:
    write_files(root, FILES)
    return root / "doc/source"


def lint(srcdir: Path, *, cache: bool = True) -> list[tuple[str, int, str]]:
    return lint_selected(srcdir, (RULE,), cache=cache)


def kept(cache_dir: Path) -> int:
    return entries(cache_dir, "requirements")


def refuse_packaging(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(name: str) -> None:
        raise AssertionError(f"asked packaging again: {name}")

    monkeypatch.setattr(requirements, "specified_name", fail)
    monkeypatch.setattr(requirements, "canonical", fail)


def test_only_the_undeclared_extension_is_reported(tmp_path: Path, cache_dir: Path) -> None:
    """Every source of a name counts (so the tests below see a wrong name change a finding)."""
    found = lint(write(tmp_path), cache=False)
    assert [m.split(" (")[0] for _, _, m in found] == ["package 'oslo.config'"]
    assert kept(cache_dir) == 0  # --no-cache keeps nothing


def test_a_warm_run_asks_packaging_nothing(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    srcdir = write(tmp_path)
    cold = lint(srcdir, cache=False)
    assert lint(srcdir) == cold
    assert kept(cache_dir) == 1
    refuse_packaging(monkeypatch)
    assert lint(srcdir) == cold  # a rule that raised would be an internal-error finding


def test_a_changed_line_is_parsed_again(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    srcdir = write(tmp_path)
    lint(srcdir)
    with (tmp_path / "doc/requirements.txt").open("a") as out:
        out.write("Oslo_Config\n")
    expected = lint(srcdir, cache=False)
    assert expected == []
    assert lint(srcdir) == expected
    refuse_packaging(monkeypatch)
    assert lint(srcdir) == expected


@pytest.mark.parametrize(
    "forged",
    [
        "a string",
        ({"sphinx": 1}, {}),
        ({}, {"x": None}),
        ({1: "x"}, {}),
        ({}, {}, {}),
    ],
)
def test_a_forged_entry_is_a_miss(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch, forged: object
) -> None:
    srcdir = write(tmp_path)
    cold = lint(srcdir, cache=False)
    lint(srcdir)
    forge_entries(monkeypatch, "requirements", forged)
    assert lint(srcdir) == cold
