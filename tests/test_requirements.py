"""requirements: package names read as pip reads requirement lines (packaging's parser).

Every line a project may write, with its near misses: what names a package (extras,
markers, ``name @ URL``, hashes on continuation lines, tox factors) and what names none
(options, paths, bare URLs, lines pip refuses). Hostile lines are skipped, never a crash.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from novadoclint.languages import requirements

NOVA = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "nova-2026"


def names_of(tmp_path: Path, files: dict[str, str]) -> frozenset[str]:
    (tmp_path / "setup.py").write_text("", encoding="utf-8")
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    found = requirements.read(tmp_path)
    assert found is not None
    return found.names


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("sphinx>=2.1.1 # BSD", "sphinx"),
        ("SphinxContrib_SeqDiag.Ext==1.0", "sphinxcontrib-seqdiag-ext"),
        ("openstackdocstheme[extra1,extra2]>=2.2", "openstackdocstheme"),
        ("reno>=3.1.0;python_version>='3.8' # Apache-2.0", "reno"),
        ("sphinx-feature-classification (>=1.1.0)", "sphinx-feature-classification"),
        ("whereto @ https://example.org/whereto-0.5.tar.gz#sha256=00", "whereto"),
        ("os-api-ref==1.4.0 --hash=sha256:0123", "os-api-ref"),
        ("osprofiler\t--config-settings=x=y", "osprofiler"),
    ],
)
def test_a_requirement_line_names_its_package(tmp_path: Path, line: str, name: str) -> None:
    assert names_of(tmp_path, {"doc/requirements.txt": f"{line}\n"}) == {name}


@pytest.mark.parametrize(
    "line",
    [
        "-e git+https://opendev.org/openstack/os-api-ref#egg=os-api-ref",
        "git+https://opendev.org/openstack/os-api-ref@master#egg=os-api-ref",
        "https://example.org/reno-3.1.tar.gz",
        "./vendor/sphinx",
        "/abs/path/to/wheel.whl",
        "-c https://releases.openstack.org/constraints/upper/master",
        "--index-url https://pypi.example.org/simple",
        "sphinx bar",  # pip refuses it: no half-read name
        "sphinx==1.0.0-SNAPSHOT",
        "sphinx; " + "(" * 5000 + "python_version>'3'" + ")" * 5000,
        "{[testenv]deps}",
        "# sphinx",
        "[sphinx]",
        "sphinx>=1,\x00<2",
    ],
)
def test_a_line_naming_no_package_is_skipped(tmp_path: Path, line: str) -> None:
    files = {"doc/requirements.txt": f"{line}\nreno\n"}
    assert names_of(tmp_path, files) == {"reno"}


def test_hashes_on_continuation_lines(tmp_path: Path) -> None:
    """pip joins a line ending in a backslash with the next: the name is on the first."""
    text = (
        "sphinx==7.2.6 \\\n"
        "    --hash=sha256:0123 \\\n"
        "    --hash=sha256:4567\n"
        "reno==4.0 \\\n"
        "    --hash=sha256:89ab  # pinned\n"
        "whereto \\"  # a continuation at the end of the file
    )
    assert names_of(tmp_path, {"doc/requirements.txt": text}) == {"sphinx", "reno", "whereto"}


def test_includes_are_followed_inside_the_checkout(tmp_path: Path) -> None:
    files = {
        "doc/requirements.txt": "-r ../common.txt\n--requirement=../more.txt\nsphinx\n",
        "common.txt": "openstackdocstheme\n-r doc/requirements.txt\n",  # a cycle
        "more.txt": "reno\n",
    }
    assert names_of(tmp_path, files) == {"sphinx", "openstackdocstheme", "reno"}


def test_tox_factor_conditional_deps_name_the_package_not_the_factor(tmp_path: Path) -> None:
    tox = (
        "[testenv]\n"
        "deps =\n"
        "    exceptiongroup: exceptiongroup>=1.2\n"
        "    pluggymain: pluggy @ git+https://github.com/pytest-dev/pluggy.git\n"
        "    py311,!pylib: py>=1.11\n"
        "    -c{env:TOX_CONSTRAINTS_FILE:upper-constraints.txt}\n"
        "    {[base]deps}\n"
        "[testenv:docs]\n"
        "deps = sphinx-rtd-theme>=1\n"
    )
    names = names_of(tmp_path, {"tox.ini": tox})
    assert names == {"exceptiongroup", "pluggy", "py", "sphinx-rtd-theme"}
    assert not names & {"pluggymain", "pylib"}


def test_setup_cfg_and_pyproject_strings_are_pep_508(tmp_path: Path) -> None:
    files = {
        "setup.cfg": (
            "[options]\ninstall_requires =\n    pbr>=2.0  # Apache-2.0\n    # a comment\n"
            "[extras]\ndocs =\n    Sphinx[docs]>=5; extra == 'docs'\n    not a requirement\n"
        ),
        "pyproject.toml": (
            '[project]\ndependencies = ["Jinja2 >= 3", "bad name", 7]\n'
            '[dependency-groups]\ndocs = ["furo", {include-group = "base"}]\nbase = ["reno"]\n'
        ),
    }
    assert names_of(tmp_path, files) == {"pbr", "sphinx", "jinja2", "furo", "reno"}


def test_canonical_is_pep_503() -> None:
    assert requirements.canonical("SphinxContrib_SeqDiag") == "sphinxcontrib-seqdiag"
    assert requirements.canonical("oslo.config") == "oslo-config"
    assert requirements.canonical("a--_.b") == "a-b"


@pytest.mark.skipif(not NOVA.is_dir(), reason="../shared/corpus is absent")
def test_nova_requirement_files() -> None:
    found = requirements.read(NOVA / "doc" / "source")
    assert found is not None
    assert found.sources == ("doc/requirements.txt", "test-requirements.txt", "requirements.txt")
    assert found.suggestion == "doc/requirements.txt"
    assert len(found.names) == 83
    assert {
        "sphinx",
        "sphinxcontrib-svg2pdfconverter",
        "sphinx-feature-classification",
        "os-api-ref",
        "openstackdocstheme",
        "reno",
        "whereto",
        "osprofiler",
        "oslo-config",
        "psycopg2-binary",
        "python-dateutil",
    } <= found.names
