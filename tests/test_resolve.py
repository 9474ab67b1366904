"""Sphinx's name rules (resolve.py) as tables, and the index views built on them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from novadoclint import resolve
from novadoclint.facts import DocFacts, Include, TocEntry, TocTree, empty_facts
from novadoclint.index import FactsIndex
from novadoclint.project.discover import load_project, walk_files
from novadoclint.project.sphinxconf import SphinxConf

SUFFIXES = (".rst",)


@pytest.mark.parametrize(
    ("base", "target", "expected"),
    [
        ("index", "install", "install"),
        ("admin/index", "install", "admin/install"),
        ("admin/index", "../install", "install"),
        ("admin/index", "/install", "install"),
        ("admin/sub/page", "../../x/y", "x/y"),
        ("index", "./install", "install"),
        ("index", "odd name.v2", "odd name.v2"),
    ],
)
def test_docname_join(base: str, target: str, expected: str) -> None:
    assert resolve.docname_join(base, target) == expected


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("page", "admin/page"),
        ("/install", "install"),
        ("../install", "install"),
        ("install", None),  # relative to admin/
        ("~page", None),  # Sphinx strips nothing from :doc: targets
        ("page.rst", None),
        ("pag", None),
    ],
)
def test_resolve_doc(target: str, expected: str | None) -> None:
    docs = {"install", "admin/index", "admin/page"}
    assert resolve.resolve_doc(docs, "admin/index", target) == expected


@pytest.mark.parametrize(
    ("title", "target", "disabled"),
    [
        (None, "!install", True),
        ("!Title", "install", True),
        ("Title", "!install", False),  # only the role text's first character counts
        (None, "install", False),
    ],
)
def test_xref_disabled(title: str | None, target: str, disabled: bool) -> None:
    assert resolve.xref_disabled(title, target) is disabled


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("Install-Steps", "install-steps"),
        ("install\n   steps", "install steps"),
        ("~install", "~install"),
        ("python:Tut-Intro", "python:tut-intro"),
    ],
)
def test_label_target(target: str, expected: str) -> None:
    assert resolve.label_target(target) == expected


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [(False, "upgrading  from an  release"), (True, "admin/index:upgrading  from an  release")],
)
def test_section_label(prefix: bool, expected: str) -> None:
    got = resolve.section_label(
        "admin/index", "Upgrading  from an  Release", prefix_document=prefix
    )
    assert got == " ".join(expected.split())


@pytest.mark.parametrize(
    ("title", "target", "glob", "kind", "docname"),
    [
        (None, "install", False, "doc", "admin/install"),
        (None, "install.rst", False, "doc", "admin/install"),
        (None, "/install", False, "doc", "install"),
        ("Install", "../install", False, "doc", "install"),
        (None, "self", False, "self", "self"),
        ("Home", "self", False, "self", "self"),
        (None, "https://www.python.org", False, "url", "https://www.python.org"),
        ("Python", "https://www.python.org", True, "url", "https://www.python.org"),
        (None, "sub/*", True, "glob", "admin/sub/*"),
        (None, "sub/*", False, "doc", "admin/sub/*"),
        ("Title", "sub/*", True, "doc", "admin/sub/*"),  # an explicit title is never a glob
    ],
)
def test_toc_target(title: str | None, target: str, glob: bool, kind: str, docname: str) -> None:
    got = resolve.toc_target("admin/index", title, target, glob=glob, suffixes=SUFFIXES)
    assert (got.kind, got.docname) == (kind, docname)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("sub/*", ["sub/a", "sub/b"]),
        ("sub/**", ["sub/a", "sub/b", "sub/deep/c"]),
        ("sub/?", ["sub/a", "sub/b"]),
        ("sub/[a]", ["sub/a"]),
        ("nothing/*", []),
    ],
)
def test_glob_docs(pattern: str, expected: list[str]) -> None:
    assert resolve.glob_docs(pattern, ["sub/b", "sub/a", "sub/deep/c", "other"]) == expected


@pytest.mark.parametrize(
    ("path", "patterns", "expected"),
    [
        ("drafts/plan.rst", ["drafts/*"], True),
        ("drafts/deep/plan.rst", ["drafts/*"], False),
        ("plan.rst", ["**/plan.rst"], True),  # Matcher: '**/x' also matches 'x'
        ("a/plan.rst", ["**/plan.rst"], True),
        ("plan.rst", [], False),
    ],
)
def test_excluded(path: str, patterns: list[str], expected: bool) -> None:
    assert resolve.excluded(path, patterns) is expected


@pytest.mark.parametrize(
    ("target", "docpath", "expected"),
    [
        ("img.png", "admin/index.rst", "admin/img.png"),
        ("/img.png", "admin/index.rst", "img.png"),
        ("../img.png", "admin/index.rst", "img.png"),
        ("/../../etc/x.conf", "admin/index.rst", "../../etc/x.conf"),
        ("../../../nova/api.rst", "reference/index.rst", "../../nova/api.rst"),
    ],
)
def test_relfn2path(target: str, docpath: str, expected: str) -> None:
    assert resolve.relfn2path(target, docpath) == expected


def test_wildcard_candidates() -> None:
    files = ["img/a.png", "img/a.svg", "img/ab.png", "img/sub/a.png", "other/a.png"]
    assert resolve.wildcard_candidates("img/a.*", files) == ["img/a.png", "img/a.svg"]


@pytest.mark.parametrize(
    ("values", "unknown", "extensions", "expected"),
    [
        (
            {"config_generator_config_file": "x.conf", "sample_config_basename": "_static/nova"},
            (),
            ["oslo_config.sphinxconfiggen"],
            {"_static/nova.conf.sample"},
        ),
        (
            {"config_generator_config_file": "x.conf"},
            (),
            ["oslo_config.sphinxconfiggen"],
            {"sample.config"},
        ),
        (
            {"sample_config_basename": "_static/nova"},  # no input: nothing is written
            (),
            ["oslo_config.sphinxconfiggen"],
            set(),
        ),
        (
            {"config_generator_config_file": "x.conf", "sample_config_basename": "_static/nova"},
            (),
            [],  # not enabled
            set(),
        ),
        (
            {"policy_generator_config_file": [("etc/a.conf", "_static/a"), ("etc/b.conf", None)]},
            (),
            ["oslo_policy.sphinxpolicygen"],
            {"_static/a.policy.yaml.sample", "b.policy.yaml.sample"},
        ),
        (
            {"config_generator_config_file": "x.conf"},
            ("sample_config_basename",),
            ["oslo_config.sphinxconfiggen"],
            {"*.conf.sample"},
        ),
    ],
)
def test_generated_paths(
    values: dict[str, object], unknown: tuple[str, ...], extensions: list[str], expected: set[str]
) -> None:
    from novadoclint import data

    table = data.load("extensions")["extension"]
    got = resolve.generated_paths(values, frozenset(unknown), extensions, table)
    assert got - {"sample.policy.yaml"} == expected


def test_suppressed_and_nitpick_ignored() -> None:
    values = {
        "suppress_warnings": ["toc.*", "ref.numref"],
        "nitpicky": True,
        "nitpick_ignore": [("ref", "legacy")],
        "nitpick_ignore_regex": [(r"std:doc", r"gen/.*")],
    }
    assert resolve.warning_suppressed(values, "toc", "not_included")
    assert resolve.warning_suppressed(values, "ref", "numref")
    assert not resolve.warning_suppressed(values, "ref", "ref")
    assert resolve.nitpick_ignored(values, "std:ref", "legacy")
    assert resolve.nitpick_ignored(values, "doc", "gen/api")
    assert not resolve.nitpick_ignored({**values, "nitpicky": False}, "ref", "legacy")


def test_intersphinx_names() -> None:
    ext = ("sphinx.ext.intersphinx",)
    mapping = {"python": ("https://docs.python.org/3", None)}
    assert resolve.intersphinx_names({"intersphinx_mapping": mapping}, ext) == {"python"}
    assert resolve.intersphinx_names({}, ext) == {"*"}  # computed in conf.py: unknowable
    assert resolve.intersphinx_names({"intersphinx_mapping": mapping}, ()) == frozenset()
    assert resolve.external_label("python:tut", frozenset({"python"}))
    assert not resolve.external_label("pyhton:tut", frozenset({"python"}))
    assert not resolve.external_label("tut", frozenset({"*"}))


def test_inventories_searched_follows_intersphinx_disabled_reftypes() -> None:
    ext = ("sphinx.ext.intersphinx",)
    mapping = {"python": ("https://docs.python.org/3", None)}
    values: dict[str, object] = {"intersphinx_mapping": mapping}
    searched = resolve.inventories_searched
    assert searched(values, ext, "std:label")  # Sphinx 7: only std:doc is disabled
    assert not searched(values, ext, "std:doc")
    assert not searched(values, (), "std:label")  # intersphinx not enabled
    assert not searched({"intersphinx_mapping": {}}, ext, "std:label")  # no inventory
    assert not searched({}, ext, "std:label")  # not set: Sphinx's default is empty
    assert searched({}, ext, "std:label", unknown={"intersphinx_mapping"})  # computed
    assert searched({"intersphinx_mapping": {"https://x.test/": None}}, ext, "std:label")
    for disabled in (["*"], ["std:*"], ["std:label"], ("std:doc", "std:label")):
        assert not searched({**values, "intersphinx_disabled_reftypes": disabled}, ext, "std:label")
    assert searched({**values, "intersphinx_disabled_reftypes": ["py:*"]}, ext, "std:label")
    assert searched({**values, "intersphinx_disabled_reftypes": []}, ext, "std:doc")


def _doc(docname: str, *entries: str, includes: tuple[Include, ...] = ()) -> DocFacts:
    base = empty_facts(docname, docname + ".rst")
    toc_entries = tuple(TocEntry(None, e, n + 3) for n, e in enumerate(entries))
    toctrees = (TocTree(base.path, 1, -1, False, False, toc_entries),) if entries else ()
    fields = {f: getattr(base, f) for f in base.__slots__}  # type: ignore[attr-defined]
    return DocFacts(**{**fields, "toctrees": toctrees, "includes": includes})


def _index(*docs: DocFacts, **conf: object) -> FactsIndex:
    return FactsIndex(
        "/nowhere", SphinxConf(None, dict(conf)), {d.docname: d for d in docs}, frozenset()
    )


def test_reachability_survives_cycles_and_self_reference() -> None:
    index = _index(
        _doc("index", "a", "index"),
        _doc("a", "b", "a"),
        _doc("b", "a", "index"),
        _doc("side", "c"),
        _doc("c", "side"),
    )
    assert index.reachable == {"index", "a", "b"}
    statuses = {(link.parent, link.target): link.status for link in index.toc_links}
    assert statuses[("index", "index")] == "own"
    assert statuses[("a", "a")] == "own"
    assert index.toctree_includes["b"] == ("a", "index")


def test_reachability_without_root_document() -> None:
    assert _index(_doc("a", "b"), _doc("b"), root_doc="contents").reachable == frozenset()


def test_included_documents_resolve_from_the_document() -> None:
    include = Include("include", "shared.rst", "common/shared.rst", "common/x.txt", 3, True)
    index = _index(_doc("admin/index", includes=(include,)))
    assert index.included_docs == {"admin/shared"}


def test_walk_files_survives_a_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "conf.py").write_text("")
    (tmp_path / "sub" / "page.rst").write_text("Page\n====\n")
    os.symlink("..", tmp_path / "sub" / "loop")
    assert walk_files(tmp_path) == ["conf.py", "sub/page.rst"]
    assert dict(load_project(tmp_path, True).docs) == {"sub/page": "sub/page.rst"}


CROSS_DOCUMENT = (
    "doc-ref-missing,ref-label-missing,ref-title-missing,duplicate-label,toctree-entry-missing,"
    "toctree-duplicate,orphan-document,unreachable-document,include-missing,image-missing"
)


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        # documents listed by two toctrees (Sphinx: "referenced in multiple toctrees");
        # the corpus now holds doc/api_schemas as a fresh clone does, so every download resolves
        ("nova-2026", {"toctree-duplicate": 8}),
        ("nova-2017", {"toctree-duplicate": 18}),
    ],
)
def test_corpus_cross_document_findings(corpus: Path, tree: str, expected: dict[str, int]) -> None:
    """What these rules say about the real nova trees, checked against Sphinx (bench/oracle.py)."""
    from collections import Counter

    from novadoclint.engine import lint

    srcdir = corpus / tree / "doc" / "source"
    run = lint([srcdir], overrides={"jobs": 2, "select": tuple(CROSS_DOCUMENT.split(","))})
    assert Counter(f.rule for f in run.findings) == expected
