"""Link facts: every external URL with the place it is written (collect.py), asserted as data."""

from __future__ import annotations

from pathlib import Path

from novadoclint.checks import ALL_RULES
from novadoclint.context import Context
from novadoclint.phase1 import run_phase1
from novadoclint.project import vocabulary
from novadoclint.project.discover import load_project
from novadoclint.registry import rule_names
from novadoclint.settings import Settings

CONF = """\
extensions = ['sphinx.ext.extlinks', 'openstackdocstheme']
extlinks = {
    'bug': ('https://bugs.launchpad.net/nova/+bug/%s', 'bug %s'),
    'lp': ('https://launchpad.net/', 'lp '),
}
openstackdocs_projects = ['neutron']
"""
INDEX = """\
Links
=====

.. include:: links.txt

Inline `A <https://a.example/>`_ and anonymous `B <https://b.example/>`__, then
named `c`_ twice `c`_, anonymous `d`__, standalone https://e.example/x and
`wrapped
<https://f.example/>`_, :bug:`123`, :lp:`nova` and
:neutron-doc:`the guide <admin/index.html>`, :download:`tarball
<https://g.example/n.tgz>` and `A again <https://a.example/>`_.

.. _c: https://c.example/
__ https://d.example/
.. _alias: c_

.. image:: https://h.example/logo.png

.. figure:: https://i.example/fig.png

   A caption.

Not links: `mail <mailto:x@example.org>`_, `relative <page.html>`_, x@example.org.
A botched one: `typo <http//j.example/>`_.
"""
LINKS_TXT = """\
.. _shared: https://k.example/

Shared `use <https://l.example/>`_ and shared_.
"""


def facts_links(tmp_path: Path) -> list[tuple[str, int, int, str, str]]:
    (tmp_path / "conf.py").write_text(CONF, encoding="utf-8")
    (tmp_path / "index.rst").write_text(INDEX, encoding="utf-8")
    (tmp_path / "links.txt").write_text(LINKS_TXT, encoding="utf-8")
    project = load_project(tmp_path, True)
    vocab = vocabulary.build(project.conf, project.srcdir)
    ctx = Context(str(tmp_path), Settings(), project.conf, vocab, rule_names=rule_names(ALL_RULES))
    (result,) = run_phase1(ctx, sorted(project.docs.items()), 1)
    return [(x.path, x.line, x.column, x.kind, x.url) for x in result.facts.links]


def test_every_kind_of_link_at_the_place_it_is_written(tmp_path: Path) -> None:
    # Included files' lines are not at hand in collect: their links get column 1.
    assert facts_links(tmp_path) == [
        ("links.txt", 1, 1, "target", "https://k.example/"),
        ("links.txt", 3, 1, "inline", "https://l.example/"),
        ("index.rst", 6, 8, "inline", "https://a.example/"),
        ("index.rst", 6, 48, "inline", "https://b.example/"),
        ("index.rst", 7, 52, "standalone", "https://e.example/x"),
        ("index.rst", 8, 1, "inline", "https://f.example/"),
        ("index.rst", 9, 25, "extlink", "https://bugs.launchpad.net/nova/+bug/123"),
        ("index.rst", 9, 37, "extlink", "https://launchpad.net/nova"),
        (
            "index.rst",
            10,
            1,
            "extlink",
            "https://docs.openstack.org/neutron/latest/admin/index.html",
        ),
        ("index.rst", 10, 46, "download", "https://g.example/n.tgz"),
        ("index.rst", 11, 32, "inline", "https://a.example/"),
        ("index.rst", 13, 8, "target", "https://c.example/"),
        ("index.rst", 14, 4, "target", "https://d.example/"),
        ("index.rst", 17, 12, "image", "https://h.example/logo.png"),
        ("index.rst", 19, 13, "image", "https://i.example/fig.png"),
        ("index.rst", 24, 16, "inline", "http//j.example/"),
    ]
