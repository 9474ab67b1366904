"""Stale policy entries: reported once, at their line in the policy file.

A project's policy file is what a change must mend when a page goes, so its
stale entries are reported there (a path relative to the source dir, with
``../`` when the file lies outside it, as redirect-test-mismatch reports a
test file). The shipped ``nova`` profile is an example, no file of the
project: its stale entries are one finding per index page, at the page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from novadoclint.checks import ALL_RULES
from novadoclint.engine import lint, lint_project
from novadoclint.findings import Finding
from novadoclint.project.discover import load_project
from novadoclint.project.policy import load_policy, string_places
from novadoclint.settings import Settings, load

REFERENCE = """\
Reference
=========

Internals
---------

* :doc:`rpc`: how the services talk to each other

Debugging
---------

* :doc:`gmr`: dump a running service's state

Forward Looking Plans
---------------------

* :doc:`stable-api`: what a stable API means

Additional Information
----------------------

* :doc:`glossary`: the words
"""

POLICY = """\
[[index]]
page = "reference/index"
elsewhere = ["i18n"]

[[index.section]]
title = "Internals"
documents = ["rpc", "gone"]

[[index.section]]
title = "Debugging"
documents = ["gmr"]

[[index.section]]
title = "Forward Looking Plans"
documents = ["stable-api"]

[[index.section]]
title = "Additional Information"
documents = ["glossary"]
"""


def make_tree(srcdir: Path) -> Path:
    files = {
        "conf.py": "",
        "index.rst": "Compute\n=======\n\n.. toctree::\n\n   reference/index\n",
        "reference/index.rst": REFERENCE,
        "contributor/index.rst": "Contributing\n============\n\n* :doc:`/reference/i18n`: i18n\n",
        **{
            f"reference/{name}.rst": f"{name}\n{'=' * len(name)}\n"
            for name in ("rpc", "gmr", "stable-api", "glossary", "i18n")
        },
    }
    for name, text in files.items():
        path = srcdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return srcdir


def placement(srcdir: Path, profile: str) -> list[Finding]:
    settings = replace(Settings(), select=("section-placement",), profile=profile, jobs=1)
    findings, _ = lint_project(load_project(srcdir.resolve(), True), settings)
    return findings


def test_places_of_a_policy_files_strings() -> None:
    text = (
        '# "rpc" in a comment\n'
        "[[index]]\n"
        'page = "reference/index"\n'
        "elsewhere = [\n"
        "    'i18n',  # a literal string\n"
        '    "a \\" quote",\n'
        "]\n\n"
        "[[ index.section ]]\n"
        'title = "Internals"\n'
        'documents = ["rpc", "#not-a-comment", [nested]]\n'
        "[other]\n"
        'documents = ["not ours"]\n'
    )
    indexes, sections = string_places(text)
    assert indexes == [{"page": [(3, 8)], "elsewhere": [(5, 5), (6, 5)]}]
    assert sections == [{"title": [(10, 9)], "documents": [(11, 14), (11, 21)]}]
    # a multi-line string ends the scan of its table: no place is better than a wrong one
    _, sections = string_places('[[index.section]]\ndocuments = ["a", """b\n"""]\n')
    assert sections == [{}]


def test_the_shipped_profile_records_places_but_no_path() -> None:
    policy = load_policy("nova")
    assert policy is not None and policy.path is None
    (page,) = policy.indexes
    assert page.elsewhere_places == ((12, 14),)
    assert page.sections[1].places == ((38, 14),)  # "gmr"


def test_stale_entry_of_a_policy_outside_the_source_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """profile = "policy.toml" in the repository's config, relative to it; the stale entry
    is reported once, at its line there, not at the index page."""
    (tmp_path / ".git").mkdir()
    (tmp_path / ".novadoclint.toml").write_text('profile = "policy.toml"\n', encoding="utf-8")
    (tmp_path / "policy.toml").write_text(POLICY, encoding="utf-8")
    srcdir = make_tree(tmp_path / "doc" / "source")
    settings = replace(load(srcdir, rules=ALL_RULES), select=("section-placement",), jobs=1)
    assert settings.profile == str(tmp_path / "policy.toml")
    findings, _ = lint_project(load_project(srcdir.resolve(), True), settings)
    assert [f.render() for f in findings] == [
        "../../policy.toml:7:21: warning section-placement stale policy: policy.toml places "
        "'reference/gone' under 'Internals', but it is no document"
    ]
    monkeypatch.chdir(tmp_path)  # the command line shows paths from the working folder
    run = lint([Path("doc/source")], overrides={"select": ("section-placement",), "jobs": 1})
    assert [(f.path, f.line, f.column) for f in run.findings] == [("policy.toml", 7, 21)]


def test_stale_entry_where_the_scan_finds_no_place(tmp_path: Path) -> None:
    """Inline tables, which the scan does not read: the entry is still reported once, in
    the policy file, at its first line."""
    srcdir = make_tree(tmp_path / "source")
    inline = (
        '[[index]]\npage = "reference/index"\nelsewhere = ["i18n"]\nsection = [\n'
        '    {title = "Internals", documents = ["rpc", "gone"]},\n'
        '    {title = "Debugging", documents = ["gmr"]},\n'
        '    {title = "Forward Looking Plans", documents = ["stable-api"]},\n'
        '    {title = "Additional Information", documents = ["glossary"]},\n]\n'
    )
    (tmp_path / "inline.toml").write_text(inline, encoding="utf-8")
    (finding,) = placement(srcdir, str(tmp_path / "inline.toml"))
    assert (finding.path, finding.line, finding.column) == ("../inline.toml", 1, 1)
    assert "places 'reference/gone' under 'Internals'" in finding.message


def test_shipped_profile_stale_entries_are_one_finding_at_the_page(tmp_path: Path) -> None:
    srcdir = make_tree(tmp_path / "source")
    findings = placement(srcdir, "nova")
    stale = [f for f in findings if "stale policy" in f.message]
    assert [(f.path, f.line) for f in stale] == [("reference/index.rst", 1)]
    assert stale[0].message == (
        "stale policy: rules/nova.toml, the example profile shipped with novadoclint, "
        "describes another version of this tree: 18 of its entries name no document here: "
        "'reference/scheduling', 'reference/scheduler-hints-vs-flavor-extra-specs', "
        "'reference/live-migration', 'reference/services', 'reference/vm-states' and 13 more; "
        "write this tree's own policy with --write-policy policy.toml --policy-page "
        "reference/index and lint with --profile policy.toml"
    )
    assert len(findings) == 1  # the pages it places are where nova.toml places them


def test_seed_tree_with_the_shipped_profile(corpus: Path) -> None:
    """nova in 2017 against nova.toml of today: 10 stale entries, once, at the page; the
    missing section and the unplaced page stay where they were."""
    findings = placement(corpus / "nova-2017" / "doc" / "source", "nova")
    assert Counter((f.path, f.line) for f in findings) == {
        ("reference/index.rst", 2): 2,
        ("reference/index.rst", 9): 1,
    }
    (stale,) = [f for f in findings if "stale policy" in f.message]
    assert "10 of its entries name no document here" in stale.message
    assert any("missing section 'Additional Information'" in f.message for f in findings)
    assert any(
        "'reference/api-microversion-history' is placed in no" in f.message for f in findings
    )
