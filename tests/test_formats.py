"""The CI formats: SARIF (valid against the 2.1.0 schema), GitHub annotations, JUnit."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from novadoclint.cli import main

from harness import FIXTURES

SAMPLE = FIXTURES / "sample"
SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"


def output(capsys: pytest.CaptureFixture[str], fmt: str) -> str:
    assert main(["--format", fmt, "--jobs", "1", str(SAMPLE)]) == 1
    return capsys.readouterr().out


def test_sarif_is_valid_and_complete(capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(output(capsys, "sarif"))
    run = data["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {"doc-ref-missing", "D001"}
    assert all(r["help"]["markdown"] and r["shortDescription"]["text"] for r in rules)
    results = run["results"]
    assert len(results) == 4
    first = results[0]["locations"][0]["physicalLocation"]
    assert first["artifactLocation"]["uriBaseId"] == "SRCROOT"
    assert not first["artifactLocation"]["uri"].startswith("/")
    assert rules[results[0]["ruleIndex"]]["id"] == results[0]["ruleId"]
    if not SCHEMA.is_file():
        pytest.skip("../shared/schemas is absent: schema validation skipped")
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(data, json.loads(SCHEMA.read_text(encoding="utf-8")))


def test_github_annotations(capsys: pytest.CaptureFixture[str]) -> None:
    lines = output(capsys, "github").splitlines()
    assert lines[0].startswith("::warning file=")
    assert any(
        line.startswith("::error file=")
        and ",line=18,col=47,title=doc-ref-missing::unknown document: '../admin/filters'" in line
        for line in lines
    )
    assert lines[-1] == "5 files checked, 4 findings (2 errors, 2 warnings)"


def test_github_escapes() -> None:
    from novadoclint.findings import Finding, Run, Severity
    from novadoclint.report import github

    run = Run(".", 1, (Finding("a,b:c.rst", 1, 1, "x", "50%\nnext", Severity.INFO),))
    assert github.render(run).splitlines()[0] == (
        "::notice file=a%2Cb%3Ac.rst,line=1,col=1,title=x::50%25%0Anext"
    )


def test_junit_one_case_per_file(capsys: pytest.CaptureFixture[str]) -> None:
    root = ET.fromstring(output(capsys, "junit").split("\n", 1)[1])
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == 5 and suite.get("tests") == "5" and suite.get("failures") == "2"
    failing = sorted(str(c.get("name")) for c in cases if c.find("failure") is not None)
    assert [name.rsplit("sample/", 1)[1] for name in failing] == [
        "admin/configure.rst",
        "reference/index.rst",
    ]
