"""JUnit XML: one test case per file, for Zuul and Jenkins dashboards.

A file with findings is a failing test case whose failures carry the JSON
contract's fields; a clean file is a passing one. Every attribute and text goes
through ``findings.printable``: XML 1.0 has no escape for most control
characters, so one in a file name or message would make the report unreadable.
"""

from __future__ import annotations

from collections import defaultdict
from xml.etree import ElementTree as ET

from novadoclint.findings import Finding, Run, printable


def render(run: Run, color: bool = False) -> str:
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in run.findings:
        by_file[f.path].append(f)
    paths = sorted({*run.checked, *by_file})
    failed = sum(1 for p in paths if by_file.get(p))
    suites = ET.Element("testsuites", name="novadoclint")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="novadoclint",
        tests=str(len(paths)),
        failures=str(failed),
        errors="0",
        skipped="0",
    )
    for path in paths:
        shown = printable(path)
        case = ET.SubElement(suite, "testcase", classname="novadoclint", name=shown, file=shown)
        findings = by_file.get(path, [])
        if findings:
            failure = ET.SubElement(
                case,
                "failure",
                type=printable(findings[0].rule),
                message=f"{len(findings)} finding{'s' if len(findings) != 1 else ''}",
            )
            failure.text = "\n".join(f.render() for f in findings)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
