"""The CI formats: SARIF (valid against the 2.1.0 schema), GitHub annotations, JUnit."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import pytest

from novadoclint import about
from novadoclint.cli import main

from harness import FIXTURES

SAMPLE = FIXTURES / "sample"
ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


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
    assert_sarif_required_fields(data)
    if not SCHEMA.is_file():
        pytest.skip("../shared/schemas is absent: schema validation skipped")
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(data, json.loads(SCHEMA.read_text(encoding="utf-8")))


def absolute_uri(value: object) -> bool:
    parts = urlsplit(str(value))
    return parts.scheme == "https" and bool(parts.netloc)


def assert_sarif_required_fields(data: dict[str, Any]) -> None:
    """What the 2.1.0 schema requires of the parts novadoclint writes, checked without it
    (so this holds where ../shared and jsonschema are absent)."""
    assert data["version"] == "2.1.0" and isinstance(data["runs"], list)
    for run in data["runs"]:
        driver = run["tool"]["driver"]
        assert isinstance(driver["name"], str) and absolute_uri(driver["informationUri"])
        ids = [rule["id"] for rule in driver["rules"]]
        assert len(ids) == len(set(ids))
        for rule in driver["rules"]:
            assert isinstance(rule["id"], str) and absolute_uri(rule["helpUri"])
            assert rule["defaultConfiguration"]["level"] in ("none", "note", "warning", "error")
        for result in run["results"]:
            assert isinstance(result["message"]["text"], str)
            assert result["level"] in ("none", "note", "warning", "error")
            region = result["locations"][0]["physicalLocation"]["region"]
            assert region["startLine"] >= 1 and region["startColumn"] >= 1


def test_sarif_links_point_at_the_project(capsys: pytest.CaptureFixture[str]) -> None:
    """informationUri is the homepage pyproject.toml names, not a placeholder; every rule's
    helpUri is the README's rules table, whose heading makes the #rules anchor."""
    driver = json.loads(output(capsys, "sarif"))["runs"][0]["tool"]["driver"]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    urls = pyproject["project"]["urls"]
    assert driver["informationUri"] == about.HOMEPAGE == urls["Homepage"]
    assert urlsplit(about.HOMEPAGE).path.strip("/") != ""  # a project, not a site's front page
    assert {rule["helpUri"] for rule in driver["rules"]} == {f"{urls['Homepage']}#rules"}
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert "## Rules" in readme
    assert "<!-- rules-table:start -->" in readme[readme.index("## Rules") :]


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
