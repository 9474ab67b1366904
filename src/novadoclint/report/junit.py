"""JUnit XML: one test case per file, for Zuul and Jenkins dashboards.

A file with a finding that fails the run (at or above ``fail-on``, as
``decide.fails`` says, the rule the exit code follows) is a failing test case
whose failure lists the file's findings; a file whose findings are all below
``fail-on`` is a passing case that shows them in its ``system-out``; a clean
file is a passing case. Every attribute and text goes
through ``findings.printable``: XML 1.0 has no escape for most control
characters, so one in a file name or message would make the report unreadable.
"""

from __future__ import annotations

from collections import defaultdict
from xml.etree import ElementTree as ET

from novadoclint import decide
from novadoclint.findings import Finding, Run, printable


def render(run: Run, color: bool = False) -> str:
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in run.findings:
        by_file[f.path].append(f)
    paths = sorted({*run.checked, *by_file})
    failing = {p for p, found in by_file.items() if any(decide.fails(f, run) for f in found)}
    failed = len(failing)
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
        if findings and path not in failing:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(f.render() for f in findings)
        elif findings:
            first = next(f for f in findings if decide.fails(f, run))
            failure = ET.SubElement(
                case,
                "failure",
                type=printable(first.rule),
                message=f"{len(findings)} finding{'s' if len(findings) != 1 else ''}",
            )
            failure.text = "\n".join(f.render() for f in findings)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
