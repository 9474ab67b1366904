"""Unsafe fixes of the cross-document rules: a target replaced by its one close match (issue 16).

Each test lints a small tree, takes the rule's fixes, applies them with
fixes.apply_edits and lints again: the finding is gone, and nothing else of
the rule is new. Where the suggestion is not the only answer (a tie, a
target another project or the build may own) there is no fix at all.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from novadoclint.checks import ALL_RULES
from novadoclint.edits import Edit, FixSafety
from novadoclint.facts import Ref, TocEntry
from novadoclint.findings import Hit
from novadoclint.fixes import apply_edits
from novadoclint.index import FactsIndex
from novadoclint.phase1 import project_context, run_phase1
from novadoclint.project.discover import load_project
from novadoclint.project.treefiles import TreeFiles
from novadoclint.registry import Rule
from novadoclint.resolve import closest, did_you_mean, doc_candidate, doc_hint
from novadoclint.retarget import role_target_fix, toc_entry_fix, written_like
from novadoclint.settings import load

CONF = "project = 'fixture'\nextensions = []\n"


def _tree(root: Path, files: dict[str, str], conf: str = CONF) -> Path:
    (root / ".git").mkdir()
    src = root / "doc"
    for path, text in {"conf.py": conf, **files}.items():
        (src / path).parent.mkdir(parents=True, exist_ok=True)
        (src / path).write_text(text, encoding="utf-8")
    return src


def _rule(rule_id: str) -> Rule:
    return next(r for r in ALL_RULES if r.id == rule_id)


def _hits(src: Path, rule_id: str) -> list[Hit]:
    """The tree rule's hits, as the engine's phase 2 gets them."""
    settings = replace(load(src, rules=ALL_RULES), select=(rule_id,), jobs=1, cache=False)
    project = load_project(src, (src / "conf.py").is_file())
    ctx = project_context(project, settings)
    results = run_phase1(ctx, sorted(project.docs.items()), 1)
    docs = {r.facts.docname: r.facts for r in results}
    index = FactsIndex(str(project.srcdir), project.conf, docs, project.files)
    return list(_rule(rule_id).check(index, ctx))


def _fix(src: Path, rule_id: str) -> list[Hit]:
    """Apply every fix of the rule's hits in place; the hits after, re-linted."""
    edits: dict[str, list[Edit]] = {}
    for hit in _hits(src, rule_id):
        if hit.fix is not None:
            assert hit.fix.safety is FixSafety.UNSAFE
            for edit in hit.fix.edits:
                edits.setdefault(edit.path, []).append(edit)
    for path, taken in edits.items():
        text = (src / path).read_bytes().decode("utf-8-sig")
        fixed, skipped = apply_edits(text, taken)
        assert skipped == ()
        (src / path).write_bytes(fixed.encode("utf-8"))
    return _hits(src, rule_id)


def _fixes(hits: list[Hit]) -> dict[tuple[str, int, int], str | None]:
    """(path, line, column) -> the replacement the hit's fix writes (None: no fix)."""
    return {
        (h.at.path, h.at.line, h.at.column): (
            None if h.fix is None else "".join(e.new for e in h.fix.edits)
        )
        for h in hits
    }


def test_the_rules_say_their_fixes_are_unsafe() -> None:
    for rule_id in (
        "doc-ref-missing",
        "ref-label-missing",
        "toctree-entry-missing",
        "redirect-target-missing",
    ):
        assert _rule(rule_id).fix is FixSafety.UNSAFE


# :doc: targets


DOCS = {
    "index.rst": (
        "Index\n=====\n\n.. toctree::\n\n   install\n   admin/index\n\n"
        "See :doc:`instal`, :doc:`the guide <admin/indx>` and :doc:`/instal`.\n\n"
        "Twice on a line: :doc:`instal` and :doc:`instal`; :doc:`~instal`, :doc:`install.rst`.\n"
    ),
    "install.rst": "Install\n=======\n",
    "admin/index.rst": (
        "Admin\n=====\n\n.. toctree::\n\n   setup\n\n"
        "See :doc:`../instal`, :doc:`admin/setp` and :doc:`instal`.\n"
    ),
    "admin/setup.rst": "Setup\n=====\n",
}


def test_doc_targets_are_replaced_as_written(tmp_path: Path) -> None:
    src = _tree(tmp_path, DOCS)
    after = _fix(src, "doc-ref-missing")
    # the hint reads the target as written (admin/setp: admin/setup; instal: install), Sphinx
    # from the document's folder (admin/admin/setp, admin/instal), where no document is
    # close: the two readings disagree, no fix
    assert [(h.message, h.fix) for h in after] == [
        ("unknown document: 'admin/setp'; did you mean 'admin/setup'?", None),
        ("unknown document: 'instal'; did you mean 'install'?", None),
    ]
    assert (src / "index.rst").read_text().splitlines()[8:11] == [
        "See :doc:`install`, :doc:`the guide <admin/index>` and :doc:`/install`.",
        "",
        "Twice on a line: :doc:`install` and :doc:`install`; :doc:`install`, :doc:`install`.",
    ]
    # relative to the document's folder, ../ kept
    assert (src / "admin/index.rst").read_text().splitlines()[-1] == (
        "See :doc:`../install`, :doc:`admin/setp` and :doc:`instal`."
    )


def test_a_doc_fix_replaces_exactly_the_target(tmp_path: Path) -> None:
    src = _tree(tmp_path, DOCS)
    text = (src / "index.rst").read_text()
    for hit in _hits(src, "doc-ref-missing"):
        if hit.at.path != "index.rst":
            continue
        assert hit.fix is not None and len(hit.fix.edits) == 1
        edit = hit.fix.edits[0]
        assert edit.path == hit.at.path
        assert text[edit.start : edit.end] in {"instal", "admin/indx", "/instal", "~instal"} | {
            "install.rst"
        }


def test_a_tie_gets_the_hint_and_no_fix(tmp_path: Path) -> None:
    src = _tree(
        tmp_path,
        {
            "index.rst": (
                "Index\n=====\n\n.. toctree::\n\n   guide-a\n   guide-b\n\n:doc:`guide-c`\n"
            ),
            "guide-a.rst": "A\n=\n",
            "guide-b.rst": "B\n=\n",
        },
    )
    (hit,) = _hits(src, "doc-ref-missing")
    assert "did you mean 'guide-b'?" in hit.message  # did_you_mean names one of the two
    assert hit.fix is None


def test_a_target_differing_only_by_case_is_fixed(tmp_path: Path) -> None:
    # Sphinx's docnames are case-sensitive: 'Install' names no document, on any file system
    src = _tree(
        tmp_path,
        {
            "index.rst": "Index\n=====\n\n.. toctree::\n\n   install\n\n:doc:`Install`\n",
            "install.rst": "Install\n=======\n",
        },
    )
    assert _fixes(_hits(src, "doc-ref-missing")) == {("index.rst", 8, 1): "install"}
    assert _fix(src, "doc-ref-missing") == []


def test_another_projects_document_gets_no_fix(tmp_path: Path) -> None:
    conf = (
        "project = 'fixture'\nextensions = ['sphinx.ext.intersphinx']\n"
        "intersphinx_mapping = {'python': ('https://docs.python.org/3', None)}\n"
    )
    src = _tree(
        tmp_path,
        {
            "index.rst": (
                "Index\n=====\n\n.. toctree::\n\n   install\n\n"
                ":doc:`pyton:tutorial/index` and :doc:`python:tutorial/index`\n"
            ),
            "install.rst": "Install\n=======\n",
        },
        conf,
    )
    (hit,) = _hits(src, "doc-ref-missing")
    # the hint names a local page; the target was meant for the 'python' inventory
    assert hit.message == "unknown document: 'pyton:tutorial/index'; did you mean 'index'?"
    assert hit.fix is None


def test_a_target_in_an_included_file_is_fixed_once_and_absolute(tmp_path: Path) -> None:
    snippet = "See :doc:`instal`.\n"
    src = _tree(
        tmp_path,
        {
            "index.rst": (
                "Index\n=====\n\n.. toctree::\n\n   install\n   a/page\n\n"
                ".. include:: snippet.inc\n"
            ),
            "a/page.rst": "Page\n====\n\n.. include:: ../snippet.inc\n",
            "install.rst": "Install\n=======\n",
            "snippet.inc": snippet,
        },
    )
    hits = _hits(src, "doc-ref-missing")
    assert len(hits) == 2  # once through each document
    assert {h.fix for h in hits if h.fix is not None} == {hits[0].fix} != {None}
    assert _fix(src, "doc-ref-missing") == []
    assert (src / "snippet.inc").read_text() == "See :doc:`/install`.\n"


# :ref: labels


LABELS = {
    "index.rst": (
        "Index\n=====\n\n.. toctree::\n\n   install\n\n"
        "See :ref:`instal-steps`, :ref:`the steps <Install-Step>` and :numref:`archtecture`.\n"
    ),
    "install.rst": (
        ".. _install-steps:\n\nInstalling\n==========\n\n.. _architecture:\n\n"
        ".. figure:: arch.png\n\n   The architecture.\n"
    ),
    "arch.png": "",
}


def test_labels_are_replaced_titles_kept(tmp_path: Path) -> None:
    src = _tree(tmp_path, LABELS)
    assert len(_hits(src, "ref-label-missing")) == 3
    assert _fix(src, "ref-label-missing") == []
    assert (src / "index.rst").read_text().splitlines()[-1] == (
        "See :ref:`install-steps`, :ref:`the steps <install-steps>` and :numref:`architecture`."
    )


def test_label_ties_and_prefixed_labels_get_no_fix(tmp_path: Path) -> None:
    conf = CONF + "intersphinx_resolve_self = 'fixture'\n"
    src = _tree(
        tmp_path,
        {
            "index.rst": (
                ".. _step-a:\n\n.. _step-b:\n\nIndex\n=====\n\n"
                ":ref:`step-c` and :ref:`fixture:step-x`\n"
            ),
        },
        conf,
    )
    hits = _hits(src, "ref-label-missing")
    assert [h.message for h in hits] == [
        "undefined label: 'step-c'; did you mean 'step-b'?",  # step-a is as close
        "undefined label: 'fixture:step-x'; did you mean 'step-b'?",
    ]
    assert [h.fix for h in hits] == [None, None]


def test_a_label_intersphinx_may_define_is_no_finding_and_no_fix(tmp_path: Path) -> None:
    conf = (
        "project = 'fixture'\nextensions = ['sphinx.ext.intersphinx']\n"
        "intersphinx_mapping = {'python': ('https://docs.python.org/3', None)}\n"
    )
    src = _tree(
        tmp_path,
        {
            "index.rst": (
                ".. _install-steps:\n\nIndex\n=====\n\n:ref:`tutorial` :ref:`instal-steps`\n"
            )
        },
        conf,
    )
    assert _fixes(_hits(src, "ref-label-missing")) == {("index.rst", 6, 17): "install-steps"}


# toctree entries


TOCTREE = {
    "index.rst": (
        "Index\n=====\n\n.. toctree::\n   :glob:\n\n   instal\n   The admin guide <admn>\n"
        "   /guide/stup.rst\n   guide/index\n   fqa\n"
    ),
    "install.rst": "Install\n=======\n",
    "admin.rst": "Admin\n=====\n",
    "faq.rst": "FAQ\n===\n",
    "tutorial.rst": "Tutorial\n========\n",
    "guide/index.rst": "Guide\n=====\n\n.. toctree::\n\n   ../tutorail\n   ../faqs\n",
    "guide/setup.rst": "Setup\n=====\n",
}


def test_toctree_entries_are_replaced_as_written(tmp_path: Path) -> None:
    src = _tree(tmp_path, TOCTREE)
    assert _fixes(_hits(src, "toctree-entry-missing")) == {
        ("guide/index.rst", 6, 1): "../tutorial",
        ("guide/index.rst", 7, 1): None,  # faq is claimed twice: which entry meant it?
        ("index.rst", 7, 1): "install",
        ("index.rst", 8, 1): "admin",
        ("index.rst", 9, 1): "/guide/setup.rst",
        ("index.rst", 11, 1): None,
    }
    after = _fix(src, "toctree-entry-missing")
    assert [h.message for h in after] == [
        "toctree contains reference to nonexisting document 'faqs'; did you mean 'faq'?",
        "toctree contains reference to nonexisting document 'fqa'; did you mean 'faq'?",
    ]
    assert (src / "index.rst").read_text().splitlines()[6:9] == [
        "   install",
        "   The admin guide <admin>",
        "   /guide/setup.rst",
    ]


def test_a_listed_candidate_gets_no_fix(tmp_path: Path) -> None:
    src = _tree(
        tmp_path,
        {
            "index.rst": "Index\n=====\n\n.. toctree::\n\n   install\n   instal\n",
            "install.rst": "Install\n=======\n",
        },
    )
    (hit,) = _hits(src, "toctree-entry-missing")
    assert hit.message.endswith("did you mean 'install'?") and hit.fix is None


# redirects


HTACCESS = (
    "redirectmatch 301 ^/nova/([^/]+)/old.html$ /nova/$1/admin/instal.html\n"
    "redirectmatch 301 ^/nova/([^/]+)/conductor.html$ /nova/$1/user/conductor.html#top\n"
    "redirectmatch 301 ^/nova/([^/]+)/setup.html$ /nova/$1/c/setup.html\n"
    "redirectmatch 301 ^/nova/([^/]+)/x.html$ /nova/$1/admin/upgrad.html\n"
    "redirectmatch 301 ^/nova/([^/]+)/admin/upgrade.html$ /nova/$1/admin/install.html\n"
)
REDIRECTS = {
    "_extra/.htaccess": HTACCESS,
    "index.rst": (
        "Index\n=====\n\n.. toctree::\n\n   admin/install\n   admin/upgrade\n"
        "   reference/conductor\n   a/setup\n   b/setup\n"
    ),
    "admin/install.rst": "Install\n=======\n",
    "admin/upgrade.rst": "Upgrade\n=======\n",
    "reference/conductor.rst": "Conductor\n=========\n",
    "a/setup.rst": "A\n=\n",
    "b/setup.rst": "B\n=\n",
}


def test_redirect_targets_are_corrected(tmp_path: Path) -> None:
    src = _tree(tmp_path, REDIRECTS, CONF + "html_extra_path = ['_extra']\n")
    hits = _hits(src, "redirect-target-missing")
    assert [h.message for h in hits] == [
        "redirect target 'admin/instal' is no document; did you mean 'admin/install'?",
        "redirect target 'user/conductor' is no document; did you mean 'reference/conductor'?",
        "redirect target 'c/setup' is no document; did you mean 'b/setup'?",
        "redirect target 'admin/upgrad' is no document; did you mean 'admin/upgrade'?",
    ]
    # a/setup and b/setup tie; line 5 sends admin/upgrade.html on to another page
    assert [h.fix is not None for h in hits] == [True, True, False, False]
    after = _fix(src, "redirect-target-missing")
    assert len(after) == 2
    lines = (src / "_extra/.htaccess").read_text().splitlines()
    assert lines[0].endswith(" /nova/$1/admin/install.html")
    assert lines[1].endswith(" /nova/$1/reference/conductor.html#top")


# the pieces


def test_closest_is_did_you_means_answer_when_it_is_the_only_one() -> None:
    rng = random.Random(16)
    letters = "abcde/"
    for _ in range(400):
        pool = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 7))) for _ in range(8)]
        wanted = "".join(rng.choice(letters) for _ in range(rng.randint(2, 7)))
        unique = closest(wanted, pool)
        if unique is not None:
            assert did_you_mean(wanted, pool) == f"; did you mean {unique!r}?"
        near = doc_candidate(wanted, pool)
        if near is not None:
            assert doc_hint(wanted, pool) == f"; did you mean {near!r}?"
    assert closest("guide-c", ["guide-a", "guide-b"]) is None
    assert closest("x/setup", ["a/setup"]) == "a/setup"  # the same last part, no close match
    assert closest("x/zzzzzzsetup", ["a/zzzzzzsetup", "b/zzzzzzsetup"]) is None
    assert closest("instal", ["install", "install"]) == "install"  # a duplicate is no tie
    assert closest("nothing", ["else"]) is None


def test_written_like_keeps_the_authors_style() -> None:
    assert written_like("instal", "index", "install", included=False) == "install"
    assert written_like("/instal", "a/index", "a/install", included=False) == "/a/install"
    assert written_like("../instal", "a/index", "install", included=False) == "../install"
    assert written_like("instal", "a/index", "a/install", included=False) == "install"
    assert written_like("instal", "a/index", "b/install", included=False) == "/b/install"
    assert written_like("instal", "a/index", "a/install", included=True) == "/a/install"


def _ref(target: str, title: str | None, line: int, column: int, role: str = "doc") -> Ref:
    return Ref(role, target, title, "a.rst", line, column, -1, False)


@pytest.mark.parametrize(
    ("text", "ref", "expected"),
    [
        ("x :doc:`instal` y\n", _ref("instal", None, 1, 3), "x :doc:`install` y\n"),
        ("x :DOC:`instal`\n", _ref("instal", None, 1, 3), "x :DOC:`install`\n"),
        ("x :std:doc:`instal`\n", _ref("instal", None, 1, 3, "std:doc"), "x :std:doc:`install`\n"),
        ("{doc}`instal`\n", _ref("instal", None, 1, 1), "{doc}`install`\n"),
        (":doc:`A\n  <instal>`\n", _ref("instal", "A", 1, 1), ":doc:`A\n  <install>`\n"),
        ("\ufeff:doc:`T < instal>`\r\n", _ref("instal", "T", 1, 1), ":doc:`T < install>`\r\n"),
        # column 1 in an included file: the only such role on the line
        ("Text and :doc:`instal`.\n", _ref("instal", None, 1, 1), "Text and :doc:`install`.\n"),
        # the same text in an inline literal before it is no role
        (
            "``:doc:`instal``` :doc:`instal`\n",
            _ref("instal", None, 1, 1),
            "``:doc:`instal``` :doc:`install`\n",
        ),
    ],
)
def test_role_target_fix_finds_the_target(
    tmp_path: Path, text: str, ref: Ref, expected: str
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.rst").write_bytes(text.encode("utf-8"))
    fix = role_target_fix(TreeFiles(str(tmp_path)), ref, "install")
    assert fix is not None
    decoded = text.removeprefix("\ufeff")
    assert apply_edits(decoded, fix.edits) == (expected, ())


@pytest.mark.parametrize(
    ("text", "ref", "new"),
    [
        ("x :doc:`instal`\n", _ref("instal", None, 1, 2), "install"),  # a column off
        ("x ``:doc:`instal``` y\n", _ref("instal", None, 1, 5), "install"),  # in a literal
        ("x :ref:`instal`\n", _ref("instal", None, 1, 3), "install"),  # another role
        ("x :doc:`inst\\al`\n", _ref("instal", None, 1, 3), "install"),  # escaped
        ("x :doc:`T <instal>`\n", _ref("instal", None, 1, 3), "install"),  # title unexpected
        ("x :doc:`a` :doc:`a`\n", _ref("a", None, 1, 1), "b"),  # column 1, two roles: which?
        (":doc:`A <b>\n <c>`\n", _ref("b>\n <c", "A", 1, 1), "d"),  # parse's target
        ("x\n:doc:`instal`\n", _ref("instal", None, 1, 1), "install"),  # on another line
        ("x :doc:`instal`\n", _ref("instal", None, 9, 3), "install"),  # no such line
        ("x :doc:`instal`\n", _ref("instal", None, 1, 3), "a <b>"),  # would read as a title
        ("x :doc:`instal`\n", _ref("instal", None, 1, 3), "instal"),  # nothing to change
    ],
)
def test_role_target_fix_refuses_what_it_cannot_place(
    tmp_path: Path, text: str, ref: Ref, new: str
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.rst").write_text(text, encoding="utf-8")
    assert role_target_fix(TreeFiles(str(tmp_path)), ref, new) is None


def test_no_fix_in_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.rst").write_bytes(b"\xff :doc:`instal`\n")
    files = TreeFiles(str(tmp_path))
    assert role_target_fix(files, _ref("instal", None, 1, 3), "install") is None


def test_toc_entry_fix_keeps_indent_title_and_line_end(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    text = ".. toctree::\r\n\r\n   instal\r\n   Title  < admn >\r\n"
    (tmp_path / "a.rst").write_bytes(text.encode("utf-8"))
    files = TreeFiles(str(tmp_path))
    first = toc_entry_fix(files, "a.rst", TocEntry(None, "instal", 3), "install")
    second = toc_entry_fix(files, "a.rst", TocEntry("Title", "admn", 4), "admin")
    assert first is not None and second is not None
    fixed, _ = apply_edits(text, first.edits + second.edits)
    assert fixed == ".. toctree::\r\n\r\n   install\r\n   Title  < admin >\r\n"
    assert toc_entry_fix(files, "a.rst", TocEntry(None, "instal", 4), "install") is None
    assert toc_entry_fix(files, "a.rst", TocEntry(None, "admn", 4), "admin") is None


def test_a_hint_that_is_no_close_match_gets_no_fix(tmp_path: Path) -> None:
    src = _tree(
        tmp_path,
        {
            "index.rst": "Index\n=====\n\n.. toctree::\n\n   admin/index\n\n:doc:`admin/missing`\n",
            "admin/index.rst": "Admin\n=====\n",
        },
    )
    (hit,) = _hits(src, "doc-ref-missing")
    # difflib's 0.6 names a page for the reader to consider; a fix needs a typo's closeness
    assert hit.message.endswith("did you mean 'admin/index'?") and hit.fix is None
    assert closest("fqa", ["faq", "fax-guide"]) == "faq"  # a swap is one typo away
    assert closest("admin/missing", ["admin/index"]) is None
