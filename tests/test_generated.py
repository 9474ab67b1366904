"""generated.py: what the build writes into the source dir, from each kind of writer.

Each test writes a small tree (conf.py, a local extension, tox.ini, doc8's
config) into a temporary folder; nothing is imported or installed.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from novadoclint.checks import ALL_RULES
from novadoclint.engine import lint_project
from novadoclint.findings import Finding
from novadoclint.project import generated
from novadoclint.project.discover import load_project
from novadoclint.settings import load


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    if "index.rst" not in files:
        (root / "index.rst").write_text("Index\n=====\n", encoding="utf-8")


def lint(root: Path, *rules: str) -> tuple[list[Finding], generated.BuildOutput]:
    """Lint the tree with these rules; also return the BuildOutput the rules asked."""
    seen: list[generated.BuildOutput] = []
    build = generated.build

    def spy(index, ctx):  # type: ignore[no-untyped-def]
        output = build(index, ctx)
        seen.append(output)
        return output

    settings = replace(
        load(root, rules=ALL_RULES), select=rules or ("generated-assumed",), jobs=1, cache=False
    )
    generated.build = spy
    try:
        findings, _ = lint_project(load_project(root, True), settings)
    finally:
        generated.build = build
    return findings, seen[0] if seen else generated.BuildOutput()


def writer(output: generated.BuildOutput, docname: str) -> tuple[str, bool] | None:
    found = output.doc(docname)
    return None if found is None else (found.name, found.certain)


# -- sphinxcontrib.apidoc and sphinx.ext.apidoc ---------------------------------------------


def test_contrib_apidoc_writes_its_toc_and_the_package_pages(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "conf.py": """
                extensions = ['sphinxcontrib.apidoc']
                apidoc_module_dir = 'mypkg'
            """,
            "mypkg/__init__.py": "",
        },
    )
    _, output = lint(tmp_path)
    for doc in ("api/modules", "api/mypkg", "api/mypkg.sub.mod"):
        assert writer(output, doc) == ("sphinxcontrib.apidoc (apidoc_output_dir 'api')", True)
    for doc in ("api/modulse", "api/other", "apis/modules", "modules", "api/mypkgx"):
        assert writer(output, doc) is None, doc


def test_contrib_apidoc_needs_its_module_dir_and_honours_toc_file(tmp_path: Path) -> None:
    write(tmp_path, {"conf.py": "extensions = ['sphinxcontrib.apidoc']\n"})
    assert lint(tmp_path)[1].generators == ()  # it warns and writes nothing
    write(
        tmp_path,
        {
            "conf.py": """
                extensions = ['sphinxcontrib.apidoc']
                apidoc_module_dir = 'mypkg'
                apidoc_output_dir = 'reference/api/'
                apidoc_toc_file = False
            """,
            "mypkg/__init__.py": "",
        },
    )
    _, output = lint(tmp_path)
    assert writer(output, "reference/api/mypkg.core") is not None
    assert writer(output, "reference/api/modules") is None  # no table of contents
    assert writer(output, "reference/mypkg") is None


def test_contrib_apidoc_module_dir_out_of_sight_means_any_page(tmp_path: Path) -> None:
    write(
        tmp_path / "doc",
        {
            "conf.py": """
                extensions = ['sphinxcontrib.apidoc']
                apidoc_module_dir = '../../elsewhere'
            """,
        },
    )
    _, output = lint(tmp_path / "doc")
    assert writer(output, "api/anything") is not None
    assert writer(output, "anything") is None


def test_contrib_apidoc_plain_folder_names_its_modules(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "conf.py": """
                extensions = ['sphinxcontrib.apidoc']
                apidoc_module_dir = 'src'
                apidoc_toc_file = 'contents'
            """,
            "src/tool/__init__.py": "",
            "src/helpers.py": "",
        },
    )
    _, output = lint(tmp_path)
    for doc in ("api/contents", "api/tool", "api/tool.cli", "api/helpers"):
        assert writer(output, doc) is not None, doc
    assert writer(output, "api/modules") is None
    assert writer(output, "api/src") is None


def test_sphinx_apidoc_modules_destinations(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "conf.py": """
                extensions = ['sphinx.ext.apidoc']
                apidoc_modules = [
                    {'path': 'mypkg', 'destination': 'api/'},
                    {'path': 'mypkg', 'destination': '/abs'},
                    {'path': 'mypkg'},
                ]
            """,
            "mypkg/__init__.py": "",
        },
    )
    _, output = lint(tmp_path)
    assert writer(output, "api/modules") is not None
    assert writer(output, "api/mypkg.core") is not None
    assert writer(output, "api/other") is None
    assert [g.folder for g in output.generators] == ["api"]


# -- autosummary -------------------------------------------------------------------------------

AUTOSUMMARY = """
    Guide
    =====

    .. autosummary::
       :toctree: stubs

       mypkg.helper
"""


@pytest.mark.parametrize(
    ("setting", "written"),
    [
        ("", True),
        ("autosummary_generate = True", True),
        ("autosummary_generate = False", False),
        ("autosummary_generate = ['guide/index.rst']", True),
        ("autosummary_generate = ['guide/index']", True),
        ("autosummary_generate = ['index.rst']", False),
    ],
)
def test_autosummary_stubs_follow_autosummary_generate(
    tmp_path: Path, setting: str, written: bool
) -> None:
    conf = f"extensions = ['sphinx.ext.autosummary']\n{setting}\n"
    write(tmp_path, {"conf.py": conf, "guide/index.rst": AUTOSUMMARY})
    _, output = lint(tmp_path)
    # relative to the document's folder, not the source dir
    assert (writer(output, "guide/stubs/mypkg.helper") is not None) is written
    assert writer(output, "stubs/mypkg.helper") is None


# -- local extensions and conf.py --------------------------------------------------------------

EXT_CONF = """
    import os
    import sys
    sys.path.insert(0, os.path.abspath('_exts'))
    extensions = ['writer']
    out_dir = 'reports'
"""


@pytest.mark.parametrize(
    ("code", "exact", "folder"),
    [
        # a path literal and conf.py's value: that file
        (
            "open(os.path.join(app.srcdir, app.config.out_dir, 'a.rst'), 'w')",
            "reports/a.rst",
            None,
        ),
        ("(Path(app.srcdir) / 'b' / 'c.rst').write_text('x')", "b/c.rst", None),
        ("Path(app.srcdir, 'd.rst').open('w')", "d.rst", None),
        ("open(os.path.join(app.srcdir, 'e.rst'), mode='wt')", "e.rst", None),
        # the extension's own default for a setting conf.py leaves alone
        ("open(os.path.join(app.srcdir, app.config.gen_dir, 'f.rst'), 'w')", "gen/f.rst", None),
        # a copy lands in the destination, or is the destination
        ("shutil.copy(src, os.path.join(app.srcdir, '_static'))", "_static", "_static"),
        # a name only running it tells: somewhere in the folder, probably
        ("open(os.path.join(app.srcdir, 'out', name), 'w')", None, "out"),
        ("open(os.path.join(app.srcdir, name), 'w')", None, ""),
    ],
)
def test_local_extension_writes(
    tmp_path: Path, code: str, exact: str | None, folder: str | None
) -> None:
    source = f"""
        import os
        import shutil
        from pathlib import Path

        def inited(app, name=None, src=None):
            {code}

        def setup(app):
            app.add_config_value('gen_dir', 'gen', 'env')
            app.connect('builder-inited', inited)
    """
    write(tmp_path, {"conf.py": EXT_CONF, "_exts/writer.py": source})
    _, output = lint(tmp_path)
    (found,) = output.generators
    assert found.files == (frozenset({exact}) if exact else frozenset())
    assert found.folder == folder
    assert found.certain is (exact is not None)
    assert found.name.startswith("local extension writer writes")
    assert "_exts/writer.py:" in found.name


@pytest.mark.parametrize(
    "code",
    [
        "open(os.path.join(app.outdir, 'a.rst'), 'w')",  # the output dir, not the source
        "open(os.path.join(app.srcdir, '..', 'a.rst'), 'w')",  # outside the source dir
        "open(os.path.join(app.srcdir, 'a.rst'))",  # read, not written
        "open(os.path.join(app.srcdir, 'a.rst'), 'rb')",
        "open('relative.rst', 'w')",  # the working directory: anyone's guess
        "print(os.path.join(app.srcdir, 'a.rst'))",
    ],
)
def test_local_extension_reads_and_other_folders_are_not_output(tmp_path: Path, code: str) -> None:
    source = f"""
        import os

        def inited(app):
            {code}
    """
    write(tmp_path, {"conf.py": EXT_CONF, "_exts/writer.py": source})
    assert lint(tmp_path)[1].generators == ()


def test_conf_py_statements_write_relative_to_its_folder(tmp_path: Path) -> None:
    conf = """
        import os
        extensions = []
        with open('generated/options.rst', 'w') as f:
            f.write('Options\\n=======\\n')
        with open(os.path.join(os.path.dirname(__file__), 'cli.rst'), 'w') as f:
            f.write('CLI\\n===\\n')
    """
    write(tmp_path, {"conf.py": conf})
    _, output = lint(tmp_path)
    assert writer(output, "generated/options") == (
        "conf.py writes 'generated/options.rst' (conf.py:3)",
        True,
    )
    assert writer(output, "cli") is not None
    assert writer(output, "options") is None


def test_an_extension_not_enabled_writes_nothing(tmp_path: Path) -> None:
    source = """
        import os

        def inited(app):
            open(os.path.join(app.srcdir, 'a.rst'), 'w')
    """
    write(tmp_path, {"conf.py": "extensions = []\n", "_exts/writer.py": source})
    assert lint(tmp_path)[1].generators == ()


# -- tox's docs environment and doc8 -----------------------------------------------------------


def test_tox_docs_commands_before_sphinx_build(tmp_path: Path) -> None:
    tox = """
        [testenv:docs]
        commands =
          rm -rf doc/source/api
          oslopolicy-sample-generator --output-file={toxinidir}/doc/source/_static/p.yaml
          bash -c "python tools/cli.py > doc/source/cli.rst; echo done"
          python tools/existing.py doc/source/index.rst
          sphinx-build -W -b html doc/source doc/build/html
          python tools/after.py --output-file doc/source/after.rst
    """
    write(tmp_path, {"tox.ini": tox, "doc/source/conf.py": "extensions = []\n"})
    write(tmp_path / "doc/source", {})
    _, output = lint(tmp_path / "doc/source")
    assert writer(output, "cli") is not None and writer(output, "cli")[1]  # type: ignore[index]
    assert output.file("_static/p.yaml") is not None
    api = output.doc("api/anything")
    assert api is not None and not api.certain
    assert "deletes 'api' before building" in api.name
    assert writer(output, "after") is None  # written after Sphinx ran
    assert writer(output, "index") is None  # exists: not the build's


def test_tox_changedir_and_continuation_lines(tmp_path: Path) -> None:
    tox = """
        [testenv:docs]
        changedir = doc
        commands =
          python gen.py \\
            --output source/gen/page.rst
          sphinx-build source build
    """
    write(tmp_path, {"tox.ini": tox, "doc/source/conf.py": "extensions = []\n"})
    write(tmp_path / "doc/source", {})
    _, output = lint(tmp_path / "doc/source")
    assert writer(output, "gen/page") is not None


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("tox.ini", "[doc8]\nignore-path = .tox,doc/source/api,doc/build\n"),
        ("setup.cfg", "[doc8]\nignore_path =\n  doc/source/api\n  doc/build\n"),
        ("pyproject.toml", '[tool.doc8]\nignore-path = ["doc/source/api/*", "doc/build"]\n'),
    ],
)
def test_doc8_ignore_path_that_is_missing_is_probably_generated(
    tmp_path: Path, name: str, text: str
) -> None:
    write(tmp_path, {name: text, "doc/source/conf.py": "extensions = []\n"})
    write(tmp_path / "doc/source", {})
    _, output = lint(tmp_path / "doc/source")
    found = output.doc("api/modules")
    assert found is not None and not found.certain
    assert f"doc8's ignore-path in {name}" in found.name
    assert output.doc("other/modules") is None


def test_doc8_ignore_path_that_exists_says_nothing(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "tox.ini": "[doc8]\nignore-path = doc/source/legacy\n",
            "doc/source/conf.py": "extensions = []\n",
            "doc/source/legacy/old.rst": "Old\n===\n",
        },
    )
    write(tmp_path / "doc/source", {})
    assert lint(tmp_path / "doc/source")[1].generators == ()


# -- the rules -------------------------------------------------------------------------------


APIDOC_CONF = "extensions = ['sphinxcontrib.apidoc']\napidoc_module_dir = 'x'\n"


def test_certain_writer_wins_over_a_probable_one(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "tox.ini": "[testenv:docs]\ncommands =\n  rm -rf doc/source/api\n  sphinx-build\n",
            "doc/source/conf.py": APIDOC_CONF,
            "doc/source/index.rst": "Index\n=====\n\n.. toctree::\n\n   api/modules\n",
        },
    )
    findings, output = lint(tmp_path / "doc/source", "toctree-entry-missing", "generated-assumed")
    assert findings == []
    assert output.doc("api/modules").certain  # type: ignore[union-attr]


def test_generated_assumed_is_said_once_per_writer_in_order(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "tox.ini": textwrap.dedent(
                """
                [testenv:docs]
                commands =
                  rm -rf doc/source/b
                  sphinx-build

                [doc8]
                ignore-path = doc/source/a
                """
            ),
            "doc/source/conf.py": "extensions = []\n",
            "doc/source/index.rst": textwrap.dedent(
                """
                Index
                =====

                .. toctree::

                   b/one
                   a/one
                   b/two
                   c/one

                See :doc:`a/two`.

                .. image:: b/flow.png
                """
            ),
        },
    )
    findings, _ = lint(tmp_path / "doc/source", "generated-assumed", "toctree-entry-missing")
    shown = [(f.line, f.rule, f.message.split(":")[0]) for f in findings]
    assert shown == [
        (
            6,
            "generated-assumed",
            "3 targets not in the checkout (3 uses) taken to be written "
            "at build time, as tox.ini's [testenv",
        ),
        (
            7,
            "generated-assumed",
            "2 targets not in the checkout (2 uses) taken to be written "
            "at build time, as doc8's ignore-path in tox.ini names 'doc/source/a', which the "
            "checkout lacks",
        ),
        (9, "toctree-entry-missing", "toctree contains reference to nonexisting document 'c/one'"),
    ]
    assert "'b/flow.png', 'b/one', 'b/two'" in findings[0].message


# -- labels and titles from what novadoclint cannot see into (references) ----------------------


def test_an_unreadable_extension_may_define_labels_but_not_near_misses(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "conf.py": "extensions = ['no_such_extension_for_tests']\n",
            "index.rst": ".. _install:\n\nIndex\n=====\n\n:ref:`instal`, :ref:`cli-list`.\n",
        },
    )
    findings, _ = lint(tmp_path, "ref-label-missing", "ref-label-assumed")
    assert [(f.rule, f.column) for f in findings] == [
        ("ref-label-missing", 1),
        ("ref-label-assumed", 16),
    ]
    assert "'no_such_extension_for_tests', which novadoclint cannot read" in findings[1].message


def test_a_declared_directive_may_title_the_label_before_it(tmp_path: Path) -> None:
    index = """
        Index
        =====

        :ref:`matrix`, :ref:`para`

        .. _matrix:

        .. feature-matrix:: x.ini

        .. _para:

        Text.
    """
    write(tmp_path, {"conf.py": "extensions = []\n", "index.rst": index})
    (tmp_path / ".novadoclint.toml").write_text('extra-directives = ["feature-matrix"]\n')
    findings, _ = lint(tmp_path, "ref-title-missing", "ref-label-assumed")
    assert [(f.rule, f.column) for f in findings] == [
        ("ref-label-assumed", 1),
        ("ref-title-missing", 16),
    ]
    assert "'matrix'" in findings[0].message and "'para'" in findings[1].message


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "tox.toml",
            """
            [env.build-docs]
            commands = [
              ["python", "tools/cli.py", "--output", "doc/source/cli.rst"],
              ["sphinx-build", "-W", "doc/source", "doc/build"],
            ]

            [env.releasenotes]
            commands = [
              ["python", "tools/notes.py", "--output", "doc/source/notes.rst"],
              ["sphinx-build", "releasenotes/source", "releasenotes/build"],
            ]
            """,
        ),
        (
            "pyproject.toml",
            '''
            [tool.tox]
            legacy_tox_ini = """
            [testenv:html]
            commands =
              python tools/cli.py --output {toxinidir}/doc/source/cli.rst
              sphinx-build -W {toxinidir}/doc/source doc/build
            [testenv:releasenotes]
            commands =
              python tools/notes.py --output doc/source/notes.rst
              sphinx-build releasenotes/source releasenotes/build
            """
            ''',
        ),
    ],
)
def test_tox_env_that_builds_this_tree_by_any_name(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / ".git").mkdir()  # the repository: tox.toml alone does not mark one
    write(tmp_path, {name: text, "doc/source/conf.py": "extensions = []\n"})
    write(tmp_path / "doc/source", {})
    _, output = lint(tmp_path / "doc/source")
    assert writer(output, "cli") is not None
    assert writer(output, "notes") is None  # that environment builds another tree


@pytest.mark.parametrize(
    ("code", "folder", "certain"),
    [
        (  # the recipe many projects copy: sphinx-apidoc run when the build starts
            """
            def run_apidoc(_):
                from sphinx.ext.apidoc import main
                cur_dir = os.path.abspath(os.path.dirname(__file__))
                main(['-e', '-o', os.path.join(cur_dir, 'api'), '../mypkg', '--force'])

            def setup(app):
                app.connect('builder-inited', run_apidoc)
            """,
            "api",
            True,
        ),
        (  # conf.py's own statements run in conf.py's folder
            "subprocess.call(['sphinx-apidoc', '-o', 'reference', '../mypkg'])",
            "reference",
            True,
        ),
        (  # a function: the folder sphinx-build runs in, usually conf.py's
            """
            def run(_):
                apidoc.main(['--output-dir', 'modules', '../mypkg'])
            """,
            "modules",
            False,
        ),
    ],
)
def test_conf_py_running_sphinx_apidoc(
    tmp_path: Path, code: str, folder: str, certain: bool
) -> None:
    conf = "import os\nimport subprocess\nfrom sphinx.ext import apidoc\nextensions = []\n"
    write(tmp_path, {"conf.py": conf + textwrap.dedent(code)})
    _, output = lint(tmp_path)
    (found,) = output.generators
    assert (found.folder, found.certain, found.opaque) == (folder, certain, False)
    assert found.writes(f"{folder}/mypkg.core.rst")
    assert "runs sphinx-apidoc into" in found.name


def test_other_commands_run_from_conf_py_write_nothing_known(tmp_path: Path) -> None:
    conf = "import subprocess\nextensions = []\nsubprocess.call(['git', '-o', 'api'])\n"
    write(tmp_path, {"conf.py": conf})
    assert lint(tmp_path)[1].generators == ()


def test_a_module_cannot_make_the_evaluation_explode(tmp_path: Path) -> None:
    """Self-referencing and chained assignments are each evaluated once (was 2**20 calls)."""
    chain = "\n".join(
        f"    p{i} = os.path.join(p{i + 1}, 'a')\n    p{i} = os.path.join(p{i + 1}, 'a')"
        for i in range(40)  # 2 assignments each: 2**40 evaluations without the memo
    )
    source = f"""
import os

def inited(app, name):
    p40 = os.path.join(app.srcdir, 'out')
    q = os.path.join(q, 'x')
{chain}
    open(os.path.join(p0, name), 'w')
    open(q, 'w')
"""
    (tmp_path / "_exts").mkdir()
    (tmp_path / "_exts/writer.py").write_text(source, encoding="utf-8")
    write(tmp_path, {"conf.py": EXT_CONF})
    _, output = lint(tmp_path)
    # deeper than the bound: unknown, so nothing is claimed (and it returns at once)
    assert output.generators == ()


@pytest.mark.parametrize(
    "grow",
    [
        "a{i} = a{j} + a{j}",
        "a{i} = os.path.join(a{j}, a{j})",
        "a{i} = a{j}.replace('x', 'xxxx')",
        "a{i} = f'{{a{j}}}{{a{j}}}'",
    ],
)
def test_strings_that_double_are_no_paths(tmp_path: Path, grow: str) -> None:
    """Each step doubles (or quadruples) the string: past PATH_MAX it is unknown, not built."""
    lines = "\n".join("    " + grow.format(i=i + 1, j=i) for i in range(60))
    source = f"""
import os

def inited(app):
    a0 = 'xx'
{lines}
    open(os.path.join(app.srcdir, 'out', a60), 'w')
"""
    (tmp_path / "_exts").mkdir()
    (tmp_path / "_exts/writer.py").write_text(source, encoding="utf-8")
    write(tmp_path, {"conf.py": EXT_CONF})
    _, output = lint(tmp_path)
    assert [(g.folder, g.certain) for g in output.generators] == [("out", False)]


# -- sphinx-autoapi, sphinx-gallery, .gitignore ------------------------------------------------


@pytest.mark.parametrize(
    ("conf", "written", "not_written"),
    [
        ("extensions = ['autoapi.extension']", ["autoapi/index", "autoapi/pkg/mod"], ["api/x"]),
        (
            "extensions = ['autoapi.extension']\nautoapi_root = 'reference/api'",
            ["reference/api/index"],
            ["autoapi/index"],
        ),
        (
            "extensions = ['autoapi.extension']\nautoapi_generate_api_docs = False",
            [],
            ["autoapi/index"],
        ),
        (
            "extensions = ['sphinx_gallery.gen_gallery']",
            ["auto_examples/index", "auto_examples/plot_a"],
            ["examples/index"],
        ),
        (
            "extensions = ['sphinx_gallery.gen_gallery']\nsphinx_gallery_conf = "
            "{'gallery_dirs': ['gallery', 'tutorials'], 'backreferences_dir': 'gen/backrefs'}",
            ["gallery/index", "tutorials/x", "gen/backrefs/pkg.func"],
            ["auto_examples/index", "gen/other"],
        ),
    ],
)
def test_extensions_that_write_a_folder_of_pages(
    tmp_path: Path, conf: str, written: list[str], not_written: list[str]
) -> None:
    write(tmp_path, {"conf.py": conf + "\n"})
    _, output = lint(tmp_path)
    assert [d for d in written if output.doc(d) is None] == []
    assert [d for d in not_written if output.doc(d) is not None] == []


def test_gitignore_names_what_the_build_makes(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(
        tmp_path,
        {
            ".gitignore": "# built\n*.pyc\n!keep/\ndoc/source/reference/cli/\n"
            "doc/source/_gen/*.rst\n_autosummary/\nguide/\n",
            "doc/source/conf.py": "extensions = []\n",
            "doc/source/guide/index.rst": "Guide\n=====\n",
        },
    )
    write(tmp_path / "doc/source", {})
    _, output = lint(tmp_path / "doc/source")
    for doc in ("reference/cli/list", "_gen/page", "_autosummary/pkg", "api/_autosummary/f"):
        found = output.doc(doc)
        assert found is not None and not found.certain, doc
        assert found.name.startswith(".gitignore ignores"), found.name
    # 'guide/' names a folder the checkout has: ignoring it says nothing about what is missing
    assert output.doc("guide/missing") is None
    assert output.doc("reference/other") is None


@pytest.mark.parametrize("pyproject", ["tool = 1\n", "[tool]\ntox = 3\ndoc8 = 'x'\n"])
def test_a_pyproject_whose_tool_is_no_table_is_read_as_empty(
    tmp_path: Path, pyproject: str
) -> None:
    """A hostile or broken pyproject.toml never crashes the rules that ask what is generated."""
    write(
        tmp_path,
        {
            ".git/HEAD": "",
            "pyproject.toml": pyproject,
            "doc/conf.py": "extensions = []\n",
            "doc/index.rst": "Index\n=====\n\n.. toctree::\n\n   missing\n",
        },
    )
    findings, _ = lint(tmp_path / "doc", "toctree-entry-missing", "generated-assumed")
    assert [f.rule for f in findings] == ["toctree-entry-missing"]
