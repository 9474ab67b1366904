"""conf.py is read with ast: literals, computed values left unknown, never executed."""

from __future__ import annotations

from pathlib import Path

from novadoclint.sphinxconf import read_conf


def conf(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "conf.py"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_literals_and_list_edits(tmp_path: Path) -> None:
    c = read_conf(
        conf(
            tmp_path,
            """
import os, sys
sys.path.insert(0, os.path.abspath('../'))
extensions = ['sphinx.ext.todo']
extensions.append('ext.local')
extensions += ['sphinx.ext.graphviz']
master_doc = 'contents'
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}
exclude_patterns = ['_build', 'drafts/**']
name = 'x'
templates_path = [name + '_templates']
""",
        )
    )
    assert c.extensions == ("sphinx.ext.todo", "ext.local", "sphinx.ext.graphviz")
    assert c.root_doc == "contents"
    assert c.source_suffixes == (".rst",)
    assert c.strings("templates_path") == ("x_templates",)
    assert c.sys_path == (str(tmp_path.parent.resolve()),)
    assert c.problem is None


def test_computed_values_are_unknown_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    c = read_conf(
        conf(
            tmp_path,
            f"""
open({str(marker)!r}, 'w').write('ran')
from nova.version import version_info
release = version_info.release_string()
man_pages = [(n, n) for n in ['a']]
""",
        )
    )
    assert not marker.exists()
    assert "release" in c.unknown and "man_pages" in c.unknown
    assert c.root_doc == "index" and c.source_suffixes == (".rst",)


def test_syntax_error_and_bad_encoding(tmp_path: Path) -> None:
    c = read_conf(conf(tmp_path, "extensions = [\n"))
    assert c.problem is not None and c.problem.line == 1
    assert "does not parse" in c.problem.message
    c = read_conf(conf(tmp_path, b"project = 'caf\xe9'\n"))
    assert c.problem is not None
    assert c.values == {}
