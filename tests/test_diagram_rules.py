"""Diagram rules where fixtures cannot reach: parsers missing, requirement files read."""

from __future__ import annotations

from pathlib import Path

import pytest

from novadoclint.languages import diagrams, requirements

from harness import lint_case

SEQDIAG = """\
Flows
=====

.. seqdiag::

   seqdiag {
       api; conductor;
       api -> conductr [label = "x";
   }

.. seqdiag::

   seqdiag { api -> conductor; }
"""


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_without_parsers_diagram_syntax_says_so_once_per_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(diagrams, "parser_available", lambda directive: False)
    _tree(tmp_path, {"conf.py": "extensions = ['sphinxcontrib.seqdiag']\n", "index.rst": SEQDIAG})
    found = [f.render() for f in lint_case(tmp_path, select=("diagram-*",))]
    assert found == [
        "index.rst:4:1: error diagram-syntax cannot check seqdiag syntax: "
        "package 'seqdiag' is not installed; install novadoclint[diagrams]"
    ]


def test_with_parsers_the_same_tree_is_checked(tmp_path: Path) -> None:
    _tree(tmp_path, {"conf.py": "extensions = ['sphinxcontrib.seqdiag']\n", "index.rst": SEQDIAG})
    found = [f.render() for f in lint_case(tmp_path, select=("diagram-*",))]
    assert found == [
        "index.rst:8:36: error diagram-syntax seqdiag syntax error: unexpected ';', expected ']'"
    ]


def test_a_diagram_without_content_is_reported_at_its_directive(tmp_path: Path) -> None:
    """Text below the directive but not indented is no content: the directive's line, never 0."""
    _tree(
        tmp_path,
        {
            "conf.py": "extensions = ['sphinx.ext.graphviz']\n",
            "index.rst": "Title\n=====\n\n.. graphviz::\nnot indented\n",
        },
    )
    found = [f.render() for f in lint_case(tmp_path, select=("diagram-syntax",))]
    assert found == [
        "index.rst:4:1: error diagram-syntax graphviz syntax error: diagram has no content"
    ]


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("sphinxcontrib_seqdiag", "sphinxcontrib-seqdiag"),
        ("SphinxContrib.SeqDiag", "sphinxcontrib-seqdiag"),
        ("oslo.config", "oslo-config"),
        ("os-api-ref", "os-api-ref"),
    ],
)
def test_names_compare_as_pep_503_says(written: str, name: str) -> None:
    assert requirements.canonical(written) == name


def test_requirement_files_options_markers_and_includes(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "setup.py": "",
            "doc/requirements.txt": (
                "# docs\n"
                "-r ../common.txt\n"
                "-c constraints.txt\n"
                "--index-url https://example.org/simple\n"
                "sphinx>=7 # BSD\n"
                'reno[sphinx]>=3 ; python_version >= "3.8"\n'
                "flows @ https://example.org/flows.tar.gz\n"
                "git+https://example.org/theme.git#egg=theme\n"
                "-e .\n"
            ),
            "common.txt": "openstackdocstheme\n-r doc/requirements.txt\n",
        },
    )
    found = requirements.read(tmp_path / "doc" / "source")
    assert found is not None
    assert found.sources == ("doc/requirements.txt",)
    assert found.names == {"sphinx", "reno", "flows", "openstackdocstheme"}
    assert found.suggestion == "doc/requirements.txt"


def test_tox_docs_environments_and_setup_cfg_extras(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "tox.ini": (
                "[testenv]\ndeps = -r{toxinidir}/test-requirements.txt\n"
                "[testenv:pep8]\ndeps = flake8\n"
                "[testenv:docs]\ndeps =\n  sphinx\n  {[testenv]deps}\n"
            ),
            "test-requirements.txt": "pytest\n",
            "setup.cfg": "[extras]\ndoc =\n  sphinxcontrib-seqdiag\ntest =\n  mock\n",
        },
    )
    found = requirements.read(tmp_path)
    assert found is not None
    assert found.names == {"pytest", "sphinx", "sphinxcontrib-seqdiag"}
    assert found.sources == (
        "test-requirements.txt",
        "tox.ini [testenv:docs]",
        "setup.cfg [extras] doc",
    )


def test_runtime_dependencies_count_but_are_never_suggested(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["oslo.config"]\n'},
    )
    found = requirements.read(tmp_path)
    assert found is not None
    assert found.names == {"oslo-config"}
    assert found.suggestion == "doc/requirements.txt"


def test_no_root_or_no_requirements_means_no_judgement(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "c" / "doc" / "source"
    deep.mkdir(parents=True)
    (tmp_path / "tox.ini").write_text("[tox]\n")
    assert requirements.find_root(deep) is None
    assert requirements.read(tmp_path) is None
