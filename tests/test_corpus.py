"""The real nova trees: no crash, and no unknown directive or role Sphinx would accept."""

from __future__ import annotations

from pathlib import Path

import pytest

from novadoclint.engine import lint
from novadoclint.findings import Severity

TREES = ["nova-2026", "nova-2017"]
# documents nova lists in toctrees of two places (Sphinx logs these at INFO)
TOCTREE_DUPLICATES = {"nova-2026": 8, "nova-2017": 18}


@pytest.mark.parametrize("tree", TREES)
def test_corpus_tree(corpus: Path, tree: str) -> None:
    srcdir = corpus / tree / "doc" / "source"
    run = lint([srcdir], overrides={"jobs": 2})
    rules = {f.rule for f in run.findings}
    assert run.files > 100
    assert "internal-error" not in rules
    assert not rules & {"unknown-directive", "unknown-role", "rst-syntax", "conf-syntax"}
    duplicates = [f for f in run.findings if f.rule == "toctree-duplicate"]
    assert len(duplicates) == TOCTREE_DUPLICATES[tree]
    assert {f.severity for f in duplicates} == {Severity.INFO}
    assert "toctree-entry-duplicate" not in rules  # no document twice in one toctree


def test_baseline_on_the_corpus(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A baseline makes nova's tree pass; breaking one reference fails with exactly that."""
    import shutil

    from novadoclint.cli import main

    tree = tmp_path / "nova"
    shutil.copytree(corpus / "nova-2026", tree)
    srcdir = tree / "doc" / "source"
    baseline = tmp_path / "baseline.json"
    assert main(["--write-baseline", str(baseline), str(srcdir)]) == 0
    assert main(["--baseline", str(baseline), str(srcdir)]) == 0
    index = srcdir / "index.rst"
    text = index.read_text(encoding="utf-8")
    assert ":doc:`/user/index`" in text
    index.write_text(text.replace(":doc:`/user/index`", ":doc:`/user/indx`", 1), encoding="utf-8")
    capsys.readouterr()
    assert main(["--baseline", str(baseline), str(srcdir)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert "index.rst" in lines[0] and "doc-ref-missing unknown document: '/user/indx'" in lines[0]
