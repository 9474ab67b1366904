"""--write-policy: a project's own placement policy, written from its tree and linted with.

The done-when of issue 16 twice: on a tree built here, shaped like nova's
``reference/index.rst`` of 2017 (self-contained), and on the seed tree itself
(skipped without ../shared): the policy written from a tree passes on it, and
moving ``gmr`` from Debugging to Internals then reports exactly that move.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from novadoclint.checks import ALL_RULES
from novadoclint.engine import lint_project
from novadoclint.index import FactsIndex
from novadoclint.phase1 import project_context, run_phase1_cached
from novadoclint.project.discover import load_project
from novadoclint.project.policy import load_policy
from novadoclint.project.policy_writer import PolicyError, Written, index_pages, write_policy
from novadoclint.settings import load, read_toml

REFERENCE_INDEX = """\
================================
 Technical Reference Deep Dives
================================

The nova project is large, and there are lots of complicated parts in it.

Internals
=========

The following is a dive into some of the internals in nova.

* :doc:`/reference/rpc`: How nova uses AMQP as an RPC transport
* :doc:`/reference/scheduling`: The workflow through the scheduling process
* :doc:`/reference/threading`: The concurrency model used in nova

Debugging
=========

* :doc:`/reference/gmr`: Inspired by Amiga, a way to trigger a very
  comprehensive dump of a running service for deep debugging.

Forward Looking Plans
=====================

Once the work is complete, these documents will move into "Internals".

* :doc:`/user/cells`: Comparison of Cells v1 and v2, and how v2 is evolving
* :doc:`/reference/stable-api`: What stable api means to nova
"""

GMR_ITEM = """\
* :doc:`/reference/gmr`: Inspired by Amiga, a way to trigger a very
  comprehensive dump of a running service for deep debugging.
"""
THREADING_ITEM = "* :doc:`/reference/threading`: The concurrency model used in nova\n"

FILES = {
    "conf.py": "project = 'nova'\n",
    "index.rst": (
        "Nova\n====\n\n"
        "* :doc:`/reference/api-microversion-history`: the API's versions\n\n"
        ".. toctree::\n\n   reference/index\n   contributor/index\n   user/cells\n"
    ),
    "reference/index.rst": REFERENCE_INDEX,
    "contributor/index.rst": "Contributors\n============\n\n* :doc:`/reference/i18n`: i18n\n",
    "user/cells.rst": "Cells\n=====\n",
    **{
        f"reference/{name}.rst": f"{name}\n{'=' * len(name)}\n"
        for name in (
            "rpc",
            "scheduling",
            "threading",
            "gmr",
            "stable-api",
            "i18n",
            "api-microversion-history",
        )
    },
}

FOLDERS = ("one", "empty", "intro", "twice", "prose")
MOVE = "move 'reference/gmr' from 'Internals' to 'Debugging' as policy.toml places it"


def make_tree(root: Path, files: dict[str, str] = FILES) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def move_gmr_to_internals(srcdir: Path) -> None:
    """The done-when's edit: gmr's list item leaves Debugging for the end of Internals."""
    index = srcdir / "reference" / "index.rst"
    text = index.read_text(encoding="utf-8")
    assert GMR_ITEM in text
    last = text.index("\nDebugging\n")
    text = text[:last].rstrip("\n") + "\n" + GMR_ITEM + text[last:]
    index.write_text(text.replace("\n\n" + GMR_ITEM, "\n", 1), encoding="utf-8")


def read_tree(srcdir: Path) -> FactsIndex:
    """The tree's documents read as --write-policy reads them: phase 1, no rule reported."""
    project = load_project(srcdir.resolve(), True)
    ctx = project_context(project, load(srcdir, rules=ALL_RULES))
    results = run_phase1_cached(ctx, sorted(project.docs.items()), 1)
    docs = {r.facts.docname: r.facts for r in results}
    return FactsIndex(str(project.srcdir), project.conf, docs, project.files)


def write(srcdir: Path, target: Path, *pages: str) -> Written:
    written = write_policy(read_tree(srcdir), pages, target.name)
    target.write_text(written.text, encoding="utf-8")
    return written


def placement(srcdir: Path, profile: Path) -> list[str]:
    """section-placement's findings with a policy file, as the text format shows them."""
    settings = replace(
        load(srcdir, rules=ALL_RULES), select=("section-placement",), profile=str(profile), jobs=1
    )
    findings, _ = lint_project(load_project(srcdir.resolve(), True), settings)
    return [f.render() for f in findings]


def test_written_policy_passes_and_then_reports_the_move(tmp_path: Path) -> None:
    srcdir = make_tree(tmp_path / "source")
    policy = tmp_path / "policy.toml"
    written = write(srcdir, policy, "reference/index")
    assert (written.pages, written.sections, written.documents) == (1, 3, 6)
    assert placement(srcdir, policy) == []
    move_gmr_to_internals(srcdir)
    assert placement(srcdir, policy) == [
        f"reference/index.rst:15:3: warning section-placement {MOVE}"
    ]


def test_seed_tree_written_policy_passes_and_then_reports_the_move(
    corpus: Path, tmp_path: Path
) -> None:
    """The issue's done-when on a copy of nova's tree of 2017."""
    srcdir = tmp_path / "source"
    shutil.copytree(corpus / "nova-2017" / "doc" / "source", srcdir)
    policy = tmp_path / "policy.toml"
    written = write(srcdir, policy, "reference/index")
    assert (written.pages, written.sections, written.documents) == (1, 3, 12)
    assert placement(srcdir, policy) == []
    move_gmr_to_internals(srcdir)
    assert placement(srcdir, policy) == [
        f"reference/index.rst:25:3: warning section-placement {MOVE}"
    ]


def test_policy_text(tmp_path: Path) -> None:
    """Deterministic, loadable, one line per document, and it says how it was made."""
    srcdir = make_tree(tmp_path / "source")
    write(srcdir, tmp_path / "one.toml", "/reference/index.rst")
    write(srcdir, tmp_path / "two.toml", "reference/index")
    text = (tmp_path / "one.toml").read_text(encoding="utf-8")
    assert text.replace("one.toml", "two.toml") == (tmp_path / "two.toml").read_text("utf-8")
    assert "# `novadoclint --write-policy one.toml --policy-page reference/index`" in text
    assert '`profile = "one.toml"`' in text
    body = text[text.index("\n[[index]]") + 1 :]
    assert body == (
        "[[index]]\n"
        'page = "reference/index"\n'
        "elsewhere = [\n"
        '    "api-microversion-history",  # placed by index\n'
        '    "i18n",  # placed by contributor/index\n'
        "]\n\n"
        "[[index.section]]\n"
        'title = "Internals"\n'
        'documents = [\n    "rpc",\n    "scheduling",\n    "threading",\n]\n\n'
        "[[index.section]]\n"
        'title = "Debugging"\n'
        'documents = [\n    "gmr",\n]\n\n'
        "[[index.section]]\n"
        'title = "Forward Looking Plans"\n'
        'documents = [\n    "/user/cells",\n    "stable-api",\n]\n'
    )
    policy = load_policy(str(tmp_path / "one.toml"))
    assert policy is not None
    (page,) = policy.indexes
    assert page.home("user/cells") == "Forward Looking Plans"
    assert page.placed_elsewhere("reference/i18n")


NEAR_MISSES = {
    # one section: nothing is placed in one section rather than another
    "one/index.rst": "One\n===\n\nContents\n--------\n\n.. toctree::\n\n   a\n   b\n",
    # a section placing nothing
    "empty/index.rst": "Empty\n=====\n\nA\n-\n\n* :doc:`a`: a\n\nB\n-\n\nNothing yet.\n",
    # a toctree before the first section, where no policy section is
    "intro/index.rst": (
        "Intro\n=====\n\n.. toctree::\n\n   a\n\nA\n-\n\n* :doc:`b`: b\n\nB\n-\n\n* :doc:`c`: c\n"
    ),
    # two sections of one title
    "twice/index.rst": "Twice\n=====\n\nA\n-\n\n* :doc:`a`: a\n\nA\n-\n\n* :doc:`b`: b\n",
    # :doc: links in prose place nothing
    "prose/index.rst": "Prose\n=====\n\nA\n-\n\nSee :doc:`a`.\n\nB\n-\n\nSee :doc:`b`.\n",
    **{f"{folder}/{n}.rst": f"{n}\n=\n" for folder in FOLDERS for n in "abc"},
}


def test_default_pages_are_those_whose_sections_each_place_documents(tmp_path: Path) -> None:
    srcdir = make_tree(tmp_path / "source", {**FILES, **NEAR_MISSES})
    index = read_tree(srcdir)
    assert index_pages(index) == ["reference/index"]
    written = write(srcdir, tmp_path / "policy.toml")
    assert (written.pages, written.sections, written.documents) == (1, 3, 6)
    assert "--policy-page" not in written.text
    # named, a page whose sections do not each place a document is described
    write(srcdir, tmp_path / "empty.toml", "empty/index")
    (page,) = read_toml(tmp_path / "empty.toml")["index"]
    assert page["section"] == [{"title": "A", "documents": ["a"]}, {"title": "B", "documents": []}]
    assert page["elsewhere"] == ["b", "c"]
    assert "# no page places it" in (tmp_path / "empty.toml").read_text("utf-8")


# Pages no policy can describe, and what --write-policy says of each.
UNDESCRIBABLE = [
    (
        "intro/index",
        "cannot write a policy for 'intro/index': it places 'intro/a' before its first "
        "section, where no policy section is",
    ),
    ("twice/index", "cannot write a policy for 'twice/index': it has two sections titled 'A'"),
    ("reference/rpc", "cannot write a policy for 'reference/rpc': it has no sections"),
    (
        "reference/indx",
        "--policy-page 'reference/indx': no such document; did you mean 'reference/index'?",
    ),
]


@pytest.mark.parametrize(("page", "message"), UNDESCRIBABLE)
def test_a_page_no_policy_can_describe(tmp_path: Path, page: str, message: str) -> None:
    srcdir = make_tree(tmp_path / "source", {**FILES, **NEAR_MISSES})
    with pytest.raises(PolicyError) as caught:
        write_policy(read_tree(srcdir), [page], "policy.toml")
    assert str(caught.value) == message


def test_no_index_page_at_all(tmp_path: Path) -> None:
    srcdir = make_tree(tmp_path, {"conf.py": "", "index.rst": "Index\n=====\n"})
    with pytest.raises(PolicyError, match=r"no index page found .*--policy-page PAGE"):
        write_policy(read_tree(srcdir), [], "policy.toml")


def test_names_and_titles_survive_toml(tmp_path: Path) -> None:
    """Titles with quotes, backslashes and other scripts, names with spaces: read back
    as written, and the tree passes its own policy."""
    title = 'The "odd" \\ títle'
    source_title = title.replace("\\", "\\\\")  # reST escapes a backslash with one
    files = {
        "conf.py": "",
        "index.rst": ".. toctree::\n\n   guide/index\n",
        "guide/index.rst": (
            f"Guide\n=====\n\n{source_title}\n{'-' * len(source_title)}\n\n"
            "* :doc:`my page`: one\n\n"
            "Next\n----\n\n.. toctree::\n\n   sub/x\n"
        ),
        "guide/my page.rst": "Mine\n====\n",
        "guide/sub/x.rst": "X\n=\n",
        "guide/sub/y.rst": "Y\n=\n",
        "guide/other/a.rst": "A\n=\n",
        "guide/other/b.rst": "B\n=\n",
    }
    srcdir = make_tree(tmp_path / "source", files)
    policy = tmp_path / "policy.toml"
    write(srcdir, policy)
    (page,) = read_toml(policy)["index"]
    assert page["section"][0] == {"title": title, "documents": ["my page"]}
    # a subfolder none of whose documents the page places is one pattern
    assert page["elsewhere"] == ["other/*", "sub/y"]
    text = policy.read_text("utf-8")
    assert '"other/*",  # 2 documents, placed by other pages or none' in text
    assert '"sub/y",  # no page places it' in text
    assert placement(srcdir, policy) == []
