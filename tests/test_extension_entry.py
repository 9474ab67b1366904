"""tools/extension_entry.py drafts a table entry from an unpacked package's source."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import extension_entry

MAIN = """
from .helpers import setup_helpers

def setup(app):
    app.setup_extension('sphinx.ext.autodoc')
    app.add_directive('panel', Panel)
    app.add_directive('panel-code', PanelCode)
    app.add_directive('generated', Generated)
    app.add_directive('panel-plus', PanelPlus)
    app.add_role('ticket', ticket_role)
    for name in NAMES:
        app.add_role(name, make_role(name))
    setup_helpers(app)
"""

DIRECTIVES = """
class Panel(SphinxDirective):
    has_content = True
    def run(self):
        self.state.nested_parse(self.content[1:], self.content_offset, node)

class PanelCode(Panel):
    def run(self):
        return [literal_block('\\n'.join(self.content))]

class PanelPlus(Panel):
    def run(self):
        self.options.setdefault('class', 'plus')
        return super().run()

class Generated(SphinxDirective):
    def run(self):
        self.state.nested_parse(StringList(make_text()), 0, node)  # its own text
"""

HELPERS = """
def setup_helpers(app):
    app.add_directive('aside', Aside)
"""


def package(root: Path) -> Path:
    files = {
        "fancyext/__init__.py": MAIN
        + "from .directives import Panel, PanelCode, PanelPlus, Generated\n",
        "fancyext/directives.py": DIRECTIVES,
        "fancyext/helpers.py": HELPERS,
        "fancy_ext-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: fancy-ext\n",
        "fancy_ext-1.0.dist-info/entry_points.txt": "[pygments.lexers]\n"
        "fancy = fancyext.lexer:FancyLexer\n\n[sphinx.html_themes]\nfancy = fancyext\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_entry_from_source(tmp_path: Path) -> None:
    text = extension_entry.entry(package(tmp_path), "fancyext", None)
    lines = text.splitlines()
    assert lines[:2] == ['[extension."fancyext"]', 'package = "fancy-ext"']
    # a directive that parses its own content is body (so is a subclass whose run() calls
    # the base's); one that parses text it makes, or overrides run(), is not
    assert 'body_directives = ["panel", "panel-plus"]  # body? (parses self.content)' in lines
    assert 'opaque_directives = ["panel-code", "generated", "aside"]' in lines
    assert 'text_roles = ["ticket"]  # xref?' in lines
    assert 'extensions = ["sphinx.ext.autodoc"]' in lines
    assert 'lexers = ["fancy"]' in lines  # the pygments.lexers entry point
    assert "# fancyext: add_role(name) at line 12" in lines  # read that one by hand
    assert "# also read fancyext.helpers" in lines
    assert "# html themes: fancy" in lines


def test_missing_module(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert extension_entry.main([str(package(tmp_path)), "nofancy", "--package", "x"]) == 0
    assert capsys.readouterr().out.startswith("# nofancy: no such module in ")
