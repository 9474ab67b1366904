"""conf.py is read with ast: literals, computed values left unknown, never executed."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from novadoclint.project.sphinxconf import read_conf


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


def test_a_conf_py_that_is_no_regular_file_or_huge_is_not_read(tmp_path: Path) -> None:
    """read_conf on a FIFO blocked forever; a multi-gigabyte conf.py was read whole."""
    fifo = tmp_path / "fifo" / "conf.py"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    code = "import sys; from pathlib import Path; "
    code += "from novadoclint.project.sphinxconf import read_conf; "
    code += "print(read_conf(Path(sys.argv[1])).problem.message)"
    done = subprocess.run(
        [sys.executable, "-c", code, str(fifo)], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "cannot read conf.py: not a regular file", done.stderr
    with open(conf(tmp_path, ""), "wb") as f:
        f.truncate(11 * 1024 * 1024)
    c = read_conf(tmp_path / "conf.py")
    assert c.problem is not None and c.problem.message == "cannot read conf.py: larger than 10 MB"


LONG = "b" * 20_000
WIDE_FORMATS = {
    "named width": "x = '%(a)9000000s' % {'a': ''}",
    "named zero-padded width": "x = '%(a)09000000d' % {'a': 1}",
    "named precision": "x = '%(a).9000000f' % {'a': 1.0}",
    "width after flags": "x = '%-#9000000s' % ''",
    "star width": "x = '%*d' % (9000000, 1)",
    "a name used again and again": f"a = '{LONG}'\nx = '{'%(a)s' * 500}' % {{'a': a}}",
    "repr of a long string": f"a = '{LONG * 40}'\nx = '%r' % (a,)",
}
NOT_EVALUATED = {  # forms the evaluator does not take at all: unknown, whatever the width
    "str.format": "x = '{:9000000}'.format('')",
    "f-string": "x = f\"{'':9000000}\"",
    "repetition": "x = ' ' * 9000000",
    "center": "x = ''.center(9000000)",
    "zfill": "x = ''.zfill(9000000)",
    "expandtabs": "x = '\\t'.expandtabs(9000000)",
}


@pytest.mark.parametrize(
    "source", [*WIDE_FORMATS.values(), *NOT_EVALUATED.values()], ids=[*WIDE_FORMATS, *NOT_EVALUATED]
)
def test_wide_formats_are_refused_before_they_allocate(tmp_path: Path, source: str) -> None:
    """'%(a)999999999s' % {'a': ''} was a gigabyte from 33 bytes: the width guard missed %(name)."""
    path = conf(tmp_path, source + "\nextensions = ['ok']\n")
    tracemalloc.start()
    try:
        c = read_conf(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "x" in c.unknown and c.extensions == ("ok",)
    assert peak < 6 * 1024 * 1024 + 2 * path.stat().st_size  # the source and its tree, no more


def test_ordinary_formats_still_evaluate(tmp_path: Path) -> None:
    c = read_conf(
        conf(
            tmp_path,
            "project = 'nova'\n"
            "htmlhelp_basename = '%sdoc' % project\n"
            "latex_title = '%(p)s %(v)-5s|' % {'p': project, 'v': '1.0'}\n"
            "release = '%d.%02d' % (2026, 1)\n",
        )
    )
    assert c.get("htmlhelp_basename") == "novadoc"
    assert c.get("latex_title") == "nova 1.0  |"
    assert c.get("release") == "2026.01"
