"""The project lints its own documentation with itself."""

from __future__ import annotations

from pathlib import Path

from novadoclint.engine import lint

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_own_docs_are_clean() -> None:
    run = lint([DOCS], overrides={"jobs": 1})
    assert run.files >= 3
    assert [f.render() for f in run.findings] == []


README = DOCS.parent / "README.md"


def test_readme_pins_what_exists() -> None:
    """No release is tagged: an install example pins a commit, never a version tag."""
    import re

    text = README.read_text(encoding="utf-8")
    revs = re.findall(r"^\s*rev:\s*(\S+)", text, re.MULTILINE)
    assert revs, "the pre-commit example has a rev"
    assert all(re.fullmatch(r"[0-9a-f]{40}", rev) for rev in revs), revs
    for dep in re.findall(r"novadoclint\s*@\s*(\S+)", text):
        assert re.search(r"@[0-9a-f]{40}$", dep), dep
    assert not re.search(r"^deps = novadoclint$", text, re.MULTILINE)  # a release on PyPI


def test_readme_says_how_zuul_publishes_the_junit_file() -> None:
    text = README.read_text(encoding="utf-8")
    zuul = text.split("### OpenStack Zuul", 1)[1].split("\n### ", 1)[0]
    assert "zuul-output/logs" in zuul and "fetch-output" in zuul
