"""Which Sphinx trees a run lints, and which of their files it reports on.

The PATHs of the command line (pre-commit passes the files a commit touches)
and the files changed since a revision are tied to the Sphinx source dirs they
belong to, never linted as trees of their own:

- a file under a folder holding ``conf.py`` belongs to that tree (``conf.py``
  itself, or a config file of the tree, means the whole tree);
- a file outside every source dir (nova's
  ``nova/api/openstack/compute/rest_api_version_history.rst``) belongs to the
  trees of its repository whose files name it: whether a document really
  includes it is known once the tree is parsed (:func:`confirmed`);
- a requirement or packaging file the ``extension-requirement-missing`` rule
  reads ties its trees for that rule alone: no document is parsed;
- any other file (README.rst, HACKING.rst, ``roles/*/README.rst``) is left alone.

Finding the candidates costs a walk of the repository's folders and a read of
the trees' text files, no parsing: a commit with nothing to lint ends at once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from novadoclint.facts import DocFacts
from novadoclint.languages.requirements import REQUIREMENT_FILES, find_root
from novadoclint.project.discover import (
    ProjectError,
    find_srcdir,
    find_srcdirs,
    repository_top,
    sphinx_conf_above,
)

# Files whose text may change every finding of the trees below them: novadoclint's
# own configuration and doc8's (D001's line length), when they hold such a section.
CONFIG_FILES = frozenset(
    {".novadoclint.toml", "pyproject.toml", "doc8.ini", "tox.ini", "setup.cfg", "pep8.ini"}
)
CONFIG_MARKERS = (b"novadoclint", b"doc8")
# Files other than requirement files that extension-requirement-missing reads.
PACKAGING_FILES = frozenset({"tox.ini", "setup.cfg", "pyproject.toml"})
INCLUDE_RE = re.compile(r"^\s*(?:-r|--requirement)\s*=?\s*(\S+)", re.MULTILINE)
TOX_INCLUDE_RE = re.compile(r"(?:-r|--requirement)\s*=?\s*\{toxinidir\}/(\S+)")
MAX_SCANNED_BYTES = 4 * 1024 * 1024  # per file: the trees' text files a name is looked for in


@dataclass
class TreeScope:
    """What to report of one source dir."""

    has_conf: bool
    files: set[str] | None = field(default_factory=set)  # relative posix; None: everything
    included: set[str] = field(default_factory=set)  # outside files ("../") a document may include
    packaging: bool = False  # a requirement file it reads changed

    def add(self, rel: str) -> None:
        if rel == "conf.py":
            self.files = None
        elif self.files is not None:
            self.files.add(rel)

    @property
    def only_packaging(self) -> bool:
        return self.packaging and self.files is not None and not self.files and not self.included


def _rel(path: Path, srcdir: Path) -> str:
    return os.path.relpath(path, srcdir).replace(os.sep, "/")


def plan(
    paths: Sequence[Path], changed: Sequence[Path] | None
) -> tuple[dict[Path, TreeScope], list[Path]]:
    """The trees to lint with their scopes, and the files left alone (in no tree)."""
    scopes: dict[Path, TreeScope] = {}
    loose: list[Path] = []
    for path in paths:
        srcdir, has_conf = find_srcdir(path)  # a ProjectError when missing or unreadable
        if path.is_dir():
            scope = scopes.setdefault(srcdir, TreeScope(has_conf))
            if path.resolve() == srcdir:
                if changed is None:  # else: the tree, narrowed to what changed in it
                    scope.files = None
            else:
                scope.add(_rel(path.resolve(), srcdir))
            continue
        tree = sphinx_conf_above(path)
        if tree is None:
            loose.append(path.resolve())
        else:
            scopes.setdefault(tree, TreeScope(True)).add(_rel(path.resolve(), tree))
    if changed is not None:
        if not paths:  # every tree the change touched, and the files it touched outside
            for path in changed:
                tree = sphinx_conf_above(path)
                if tree is None:
                    loose.append(path)
                else:
                    scopes.setdefault(tree, TreeScope(True))
        for srcdir, scope in scopes.items():
            for path in changed:
                if path == srcdir or srcdir in path.parents:
                    scope.add(_rel(path, srcdir))
    left_alone = _tie_loose(loose, scopes)
    return scopes, left_alone


def _tie_loose(loose: Iterable[Path], scopes: dict[Path, TreeScope]) -> list[Path]:
    """Tie files outside every source dir to the trees that read them; the rest is left."""
    left: list[Path] = []
    trees_of: dict[Path | None, list[Path]] = {}
    texts: dict[Path, list[bytes]] = {}
    for path in sorted(set(loose)):
        start = path.parent
        while not start.exists() and start != start.parent:
            start = start.parent
        top = repository_top(start)
        if top not in trees_of:
            trees_of[top] = find_srcdirs(top) if top is not None else []
        tied = False
        for tree in trees_of[top]:
            if _configures(path, tree):
                scopes.setdefault(tree, TreeScope(True)).files = None
                tied = True
                continue
            if path in _packaging_files(tree):
                scopes.setdefault(tree, TreeScope(True)).packaging = True
                tied = True
            if _named_in(path.name, texts.setdefault(tree, _texts(tree))):  # deleted too
                scopes.setdefault(tree, TreeScope(True)).included.add(_rel(path, tree))
                tied = True
        if not tied:
            left.append(path)
    return left


def _configures(path: Path, tree: Path) -> bool:
    """A novadoclint or doc8 config file in the tree's folder or above it."""
    if path.name not in CONFIG_FILES or path.parent not in (tree, *tree.parents):
        return False
    try:
        with path.open("rb") as handle:
            text = handle.read(MAX_SCANNED_BYTES)
    except OSError:
        return False
    return any(marker in text for marker in CONFIG_MARKERS)


def _packaging_files(tree: Path) -> set[Path]:
    """The files extension-requirement-missing reads for a tree (``-r`` includes followed)."""
    root = find_root(tree)
    if root is None:
        return set()
    found: set[Path] = {(root / name).resolve() for name in PACKAGING_FILES}
    pending = [root / name for name in REQUIREMENT_FILES]
    tox = root / "tox.ini"
    text = _read(tox)
    pending += [root / name for name in TOX_INCLUDE_RE.findall(text)]
    while pending:
        path = pending.pop().resolve()
        if path in found:
            continue
        found.add(path)
        pending += [path.parent / name for name in INCLUDE_RE.findall(_read(path))]
    return found


def _read(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_SCANNED_BYTES).decode("utf-8", "replace")
    except OSError:
        return ""


def _texts(tree: Path) -> list[bytes]:
    """The tree's files that may hold an include: every file but images and the like."""
    found: list[bytes] = []
    for folder, subfolders, names in os.walk(tree):
        subfolders[:] = [d for d in subfolders if not d.startswith(".")]
        for name in names:
            if name.endswith(BINARY_SUFFIXES):
                continue
            try:
                with open(os.path.join(folder, name), "rb") as handle:
                    found.append(handle.read(MAX_SCANNED_BYTES))
            except OSError:
                continue
    return found


BINARY_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".pdf", ".pyc", ".woff")


def _named_in(name: str, texts: Iterable[bytes]) -> bool:
    """Whether a directive line (``.. include:: path``, ``:file: path``, MyST's
    ``{include} path``) names the file: a mere mention in prose does not count."""
    raw = os.fsencode(name)
    pattern = re.compile(rb"(?:::|:file:|\{(?:literal)?include\})[^\n]*" + re.escape(raw))
    return any(raw in text and pattern.search(text) for text in texts)


def confirmed(scope: TreeScope, docs: Iterable[DocFacts]) -> set[str]:
    """The outside files of a scope that a document of the tree reads (or would: deleted)."""
    read = {dep for doc in docs for dep in doc.dependencies}
    read |= {inc.resolved for doc in docs for inc in doc.includes}
    return scope.included & read


def within(path: str, scopes: Iterable[str]) -> bool:
    """A path is one of the given files, or inside one of the given folders."""
    return any(path == s or path.startswith(s.rstrip("/") + "/") or s == "." for s in scopes)


__all__ = ["ProjectError", "TreeScope", "confirmed", "plan", "within"]
