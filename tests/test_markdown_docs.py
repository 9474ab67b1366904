"""Markdown documents with MyST: which files are documents, and the facts read from them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from novadoclint.engine import lint_project
from novadoclint.facts import DocFacts, Image, Include, Label, Section, TocEntry, TocTree
from novadoclint.markdown import markdown_facts, markdown_suffixes
from novadoclint.project.discover import BuildConf, build_conf, load_project
from novadoclint.project.sphinxconf import SphinxConf
from novadoclint.settings import Settings


def conf(**values: object) -> SphinxConf:
    return SphinxConf("/x/conf.py", dict(values))


def facts(text: str, path: str = "doc.md", srcdir: str = "/nonexistent") -> DocFacts:
    return markdown_facts(text, path.rsplit(".", 1)[0], path, srcdir)


# --------------------------------------------------------------------------
# which files are documents


@pytest.mark.parametrize(
    ("values", "markdown", "documents"),
    [
        ({"extensions": ["myst_parser"]}, (".md",), (".rst", ".md")),
        (
            {
                "extensions": ["myst_parser"],
                "source_suffix": {".rst": "restructuredtext", ".md": "markdown"},
            },
            (".md",),
            (".rst", ".md"),
        ),
        # A list gives every suffix the default file type, which MyST's replaces.
        (
            {"extensions": ["myst_parser"], "source_suffix": [".rst", ".md"]},
            (".md",),
            (".rst", ".md"),
        ),
        (
            {
                "extensions": ["myst_parser"],
                "source_suffix": {".rst": None, ".txt": "markdown"},
            },
            (".md", ".txt"),
            (".rst", ".md", ".txt"),
        ),
        ({"extensions": ["myst_nb"]}, (".md", ".ipynb"), (".rst", ".md", ".ipynb")),
        # nbsphinx reads notebooks, and no Markdown file.
        ({"extensions": ["nbsphinx"]}, (".ipynb",), (".rst", ".ipynb")),
    ],
)
def test_myst_makes_markdown_files_documents(
    values: dict[str, object], markdown: tuple[str, ...], documents: tuple[str, ...]
) -> None:
    built = build_conf(conf(**values))
    assert markdown_suffixes(built) == markdown
    assert built.source_suffixes == documents
    assert isinstance(built, BuildConf)
    assert built.values == values  # conf.py's own values, as the cache fingerprints them


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"extensions": ["sphinx.ext.autodoc", "recommonmark_like"]},
        # Without MyST Sphinx has no Markdown parser: .md is no document of ours.
        {"source_suffix": {".rst": "restructuredtext", ".md": "markdown"}},
    ],
)
def test_without_myst_nothing_changes(values: dict[str, object]) -> None:
    plain = conf(**values)
    assert markdown_suffixes(plain) == ()
    assert build_conf(plain) is plain
    assert ".md" not in plain.source_suffixes


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_discovery_and_a_lint_of_a_myst_tree(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "conf.py": "extensions = ['myst_parser']\nsource_suffix = ['.rst', '.md']\n",
            "index.rst": "Index\n=====\n\n.. toctree::\n\n   guide.md\n   missing\n",
            # Parsed as rST, this is a title underline too short and a substitution.
            "guide.md": "# Guide\n\nA long title\n===\n\n|--|--|\n\n```{toctree}\nsub\n```\n",
            "sub.md": "# Sub\n",
            "README.md": "# Stray\n",
        },
    )
    project = load_project(root, True)
    assert dict(project.docs) == {
        "index": "index.rst",
        "guide": "guide.md",
        "sub": "sub.md",
        "README": "README.md",
    }
    findings, count = lint_project(project, Settings(jobs=1, cache=False))
    assert count == 4
    assert [(f.path, f.line, f.rule) for f in findings] == [
        ("README.md", 1, "orphan-document"),
        ("index.rst", 7, "toctree-entry-missing"),
    ]


def test_eval_rst_blocks_are_read_as_rst(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "conf.py": "extensions = ['myst_parser']\n",
            "index.md": (
                "# Index\n\n```{eval-rst}\n.. _here:\n\n.. toctree::\n\n   api\n   gone\n```\n"
            ),
            "api.rst": "API\n===\n\nSee :ref:`here` and :doc:`nowhere`.\n",
        },
    )
    findings, _ = lint_project(load_project(root, True), Settings(jobs=1, cache=False))
    assert [(f.path, f.line, f.rule) for f in findings] == [
        ("api.rst", 4, "ref-title-missing"),  # a label before an uncaptioned toctree
        ("api.rst", 4, "doc-ref-missing"),
        ("index.md", 9, "toctree-entry-missing"),
    ]


# --------------------------------------------------------------------------
# facts


def test_title_and_sections_nest_by_level() -> None:
    text = (
        "# The `tool` guide\n\nIntro.\n\n## Install\n\n"
        "### From *source*\n\nSetext\n------\n\n# Other\n"
    )
    result = facts(text)
    assert result.title == "The tool guide"
    assert [(s.title, s.level, s.line, s.parent) for s in result.sections] == [
        ("The tool guide", 1, 1, -1),
        ("Install", 2, 5, 0),
        ("From source", 3, 7, 1),
        ("Setext", 2, 9, 0),
        ("Other", 1, 12, -1),
    ]
    assert result.sections[1] == Section("Install", 2, "doc.md", 5, ("install",), 0)


@pytest.mark.parametrize(
    "text",
    [
        "```python\n# a comment\n```\n# Title\n",
        "~~~~\n# a comment\n~~~~\n# Title\n",
        "````{code-block} python\n# comment\n```\n# still code\n````\n# Title\n",
        "    # indented code\n\n# Title\n",
        ":::{note}\n# a rubric inside a note\n:::\n# Title\n",
        "---\ntitle: Front matter\n---\n# Title\n",
    ],
)
def test_headings_outside_code_and_directives_only(text: str) -> None:
    assert facts(text).title == "Title"


def test_thematic_break_and_list_are_no_setext_headings() -> None:
    result = facts("Text\n\n---\n\n- item\n---\n")
    assert result.sections == ()
    assert result.title is None


def test_toctrees_with_options_in_both_forms() -> None:
    text = (
        "# Guide\n\n"
        "```{toctree}\n:maxdepth: 2\n:glob:\n\ninstall\nHow to <how-to/*>\n```\n\n"
        ":::{toctree}\n---\nhidden:\ncaption: More\n---\nfaq\n:::\n"
    )
    assert facts(text).toctrees == (
        TocTree(
            "doc.md",
            3,
            0,
            glob=True,
            hidden=False,
            entries=(TocEntry(None, "install", 7), TocEntry("How to", "how-to/*", 8)),
        ),
        TocTree("doc.md", 11, 0, glob=False, hidden=True, entries=(TocEntry(None, "faq", 16),)),
    )


def test_toctrees_in_containers_count_examples_do_not() -> None:
    text = (
        "::::{tab-set}\n:::{tab-item} One\n```{toctree}\none\n```\n:::\n::::\n\n"
        "````md\n```{toctree}\nexample\n```\n````\n\n"
        "```{code-block} md\n:::{toctree}\ncode\n:::\n```\n"
    )
    assert [e.target for t in facts(text).toctrees for e in t.entries] == ["one"]


def test_unclosed_fence_runs_to_the_end() -> None:
    assert facts("# Title\n```{toctree}\none\ntwo\n").toctrees[0].entries == (
        TocEntry(None, "one", 3),
        TocEntry(None, "two", 4),
    )


def test_targets_titled_by_what_follows() -> None:
    text = (
        "(Intro)=\n\n# Introduction\n\n"
        "(fig-arch)=\n```{figure} arch.png\nThe architecture.\n```\n\n"
        "(snippet)=\n```{code-block} python\n:caption: Example\n\nx = 1\n```\n\n"
        "(para)=\nA paragraph.\n\n"
        "(plain-code)=\n```python\nx = 1\n```\n\n"
        "(last)=\n"
    )
    assert facts(text).labels == (
        Label("intro", "doc.md", 1, 0, True, "Introduction"),
        Label("fig-arch", "doc.md", 5, 0, True, ""),
        Label("snippet", "doc.md", 10, 0, True, "Example"),
        Label("para", "doc.md", 17, 0, False, ""),
        Label("plain-code", "doc.md", 20, 0, False, ""),
        Label("last", "doc.md", 25, 0, False, ""),
    )


def test_label_before_a_setext_heading_is_titled() -> None:
    (label,) = facts("(setup)=\nSetting up\n==========\n").labels
    assert (label.titled, label.title, label.section) == (True, "Setting up", 0)


def test_front_matter_orphan() -> None:
    assert facts("---\norphan: true\nmyst:\n  heading_anchors: 2\n---\n# Notes\n").orphan
    assert not facts("# Notes\n\n---\norphan: true\n---\n").orphan


def test_images_markdown_and_directives() -> None:
    text = (
        "# Images\n\n![logo](img/logo.png) and ![](https://example.org/x.png)\n"
        "Write `![alt](not-an-image.png)` for an image.\n\n"
        "```{image} img/diagram.svg\n:alt: Diagram\n```\n"
        "```{figure} /img/fig.png\nCaption.\n```\n"
    )
    assert facts(text, "guide/doc.md").images == (
        Image("image", "img/logo.png", "guide/doc.md", 3, True),
        Image("image", "img/diagram.svg", "guide/doc.md", 6, True),
        Image("figure", "/img/fig.png", "guide/doc.md", 9, False),
    )


def test_includes_inside_and_outside_the_project(tmp_path: Path) -> None:
    root = tree(tmp_path, {".git/HEAD": "", "README.md": "# Readme\n", "doc/conf.py": ""})
    text = (
        "```{include} ../README.md\n```\n```{include} gone.md\n```\n"
        "```{include} /../../../etc/passwd\n```\n"
    )
    result = markdown_facts(text, "index", "index.md", str(root / "doc"))
    assert result.includes == (
        Include("include", "../README.md", "../README.md", "index.md", 1, True),
        Include("include", "gone.md", "gone.md", "index.md", 3, False),
    )
    assert [(o.target, o.line) for o in result.outside] == [("/../../../etc/passwd", 5)]


def test_notebook_markdown_cells() -> None:
    notebook = {
        "cells": [
            {"cell_type": "code", "source": ["# not a title\n"]},
            {"cell_type": "markdown", "source": ["(walk)=\n", "# Walkthrough\n"]},
            {"cell_type": "markdown", "source": "```{toctree}\nstep\n```\n"},
        ]
    }
    result = facts(json.dumps(notebook), "walk.ipynb")
    assert result.title == "Walkthrough"
    assert result.labels == (Label("walk", "walk.ipynb", 1, 0, True, "Walkthrough"),)
    assert result.toctrees[0].entries == (TocEntry(None, "step", 1),)
    assert facts("{not json", "broken.ipynb").title is None


def test_nbsphinx_notebooks_are_documents_markdown_files_are_not(tmp_path: Path) -> None:
    notebook = {
        "metadata": {},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Tutorial\n"]},
            {"cell_type": "code", "metadata": {}, "source": ["# a comment\n"], "outputs": []},
            {
                "cell_type": "raw",
                "metadata": {"raw_mimetype": "text/restructuredtext"},
                "source": [".. toctree::\n", "\n", "   first\n", "   gone\n"],
            },
            {
                "cell_type": "markdown",
                "metadata": {"nbsphinx-toctree": {"hidden": True}},
                "source": [
                    "## More\n",
                    "\n",
                    "* [The second](second.ipynb)\n",
                    "* [Web](https://x.org)\n",
                ],
            },
        ],
    }
    orphan = {"metadata": {"nbsphinx": {"orphan": True}}, "cells": []}
    root = tree(
        tmp_path,
        {
            "conf.py": "extensions = ['nbsphinx']\n",
            "index.rst": "Index\n=====\n\n.. toctree::\n\n   tutorial\n",
            "tutorial.ipynb": json.dumps(notebook),
            "first.ipynb": json.dumps({"cells": []}),
            "second.ipynb": json.dumps({"cells": []}),
            "scratch.ipynb": json.dumps(orphan),
            ".ipynb_checkpoints/tutorial-checkpoint.ipynb": json.dumps(notebook),
            "notes.md": "# Not a document without MyST\n",
        },
    )
    project = load_project(root, True)
    assert sorted(project.docs) == ["first", "index", "scratch", "second", "tutorial"]
    findings, _ = lint_project(project, Settings(jobs=1, cache=False))
    assert [(f.path, f.line, f.rule, f.message) for f in findings] == [
        (
            "tutorial.ipynb",
            1,
            "toctree-entry-missing",
            "toctree contains reference to nonexisting document 'gone'",
        ),
    ]


def test_myst_documentation_patterns() -> None:
    # Shapes from MyST-Parser's own docs/syntax/organising_content.md.
    text = """
(organising-content)=
# Organising content

(hiya)=
## Document structure

:::{myst-example}
```{contents} Table of Contents
:depth: 3
```
:::

:depth: Can be used to specify the depth of the ToC.

:::::{warning}
```md
# Heading 1
### Heading 3
```
:::::

:::::{tip} Setting a title in front-matter
:class: dropdown

```md
---
title: My Title with *emphasis*
---
```
:::::

(syntax/toctree)=
## Using `toctree` to include other documents as children

:::{myst-example}
```{toctree}
examples/content_child1.md
examples/content_child2.md
```
:::
"""
    result = facts(text)
    assert [(s.title, s.level) for s in result.sections] == [
        ("Organising content", 1),
        ("Document structure", 2),
        ("Using toctree to include other documents as children", 2),
    ]
    assert [(label.name, label.title) for label in result.labels] == [
        ("organising-content", "Organising content"),
        ("hiya", "Document structure"),
        ("syntax/toctree", "Using toctree to include other documents as children"),
    ]
    assert [e.target for t in result.toctrees for e in t.entries] == [
        "examples/content_child1.md",
        "examples/content_child2.md",
    ]


def test_html_comments_hold_no_headings() -> None:
    text = "<!--\n# Old title\n```{toctree}\nold\n```\n-->\n# Title\n<!-- one line -->\n## Next\n"
    result = facts(text)
    assert [(s.title, s.line) for s in result.sections] == [("Title", 7), ("Next", 9)]
    assert result.toctrees == ()
