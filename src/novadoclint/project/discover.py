"""Find the Sphinx source dir and discover its documents as Sphinx does.

Sphinx's rules: documents are files with a ``source_suffix`` under the source
dir (with those extensions add: MyST's ``.md``), minus ``exclude_patterns``,
``templates_path`` and the HTML asset paths, matched with Sphinx's own glob
dialect (``**`` crosses folders, ``*`` does not).

Also the project's boundary: the repository holding the source dir. A tree may
read any file inside it (nova's documents include ``../../etc/nova/...``), and
nothing outside it: a pull request must not make the linter quote
``/etc/passwd`` or ``~/.ssh`` in its findings (``include-outside-project``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import Protocol

from novadoclint import markdown
from novadoclint.project.sphinxconf import SphinxConf, read_conf
from novadoclint.safety.untrusted import VCS_MARKERS, project_root, resolve_inside

SPHINX_EXCLUDES = ("**/_sources", ".#*", "**/.#*", "*.lproj/**")


class ProjectError(Exception):
    """A PATH that cannot be linted (missing, not a folder or file)."""


@dataclass(frozen=True)
class Project:
    srcdir: Path  # absolute
    conf: SphinxConf
    docs: Mapping[str, str]  # docname -> path relative to srcdir (posix)
    files: frozenset[str]  # every file under srcdir, relative posix
    # folders under srcdir that could not be listed (relative posix, the reason):
    # their files are unknown, which is a finding, not a silent skip
    unreadable: tuple[tuple[str, str], ...] = ()

    @cached_property
    def docname_of(self) -> Mapping[str, str]:
        return {path: name for name, path in self.docs.items()}


def translate_pattern(pattern: str) -> str:
    """Sphinx's glob (sphinx.util.matching._translate_pattern) as a regex."""
    return "".join(_atoms(pattern)) + "$"


def _atoms(pattern: str) -> list[str]:
    """The regex of each element of a Sphinx glob: ``[^/]*``, ``.*`` or one character's."""
    i, n, atoms = 0, len(pattern), []
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            if i < n and pattern[i] == "*":
                i += 1
                atoms.append(".*")
            else:
                atoms.append("[^/]*")
        elif c == "?":
            atoms.append("[^/]")
        elif c == "[":
            j = i
            if j < n and pattern[j] == "!":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 1
            if j >= n:
                atoms.append("\\[")
            else:
                stuff = pattern[i:j].replace("\\", "\\\\")
                i = j + 1
                if stuff[0] == "!":
                    stuff = "^/" + stuff[1:]
                elif stuff[0] == "^":
                    stuff = "\\" + stuff
                atoms.append(f"[{stuff}]")
        else:
            atoms.append(re.escape(c))
    return atoms


class Matcher(Protocol):
    def match(self, path: str, /) -> object: ...


STARS = frozenset({"[^/]*", ".*"})
REGEX_STARS = 2  # more stars, and a regex may backtrack for minutes on a long path


class GlobAutomaton:
    """A Sphinx glob run as a set of states: time linear in the path, whatever the pattern.

    ``re`` backtracks: ``*a*a*a*a*a*a*b`` against a 40-character name takes
    minutes, and both come from the pull request (exclude_patterns in conf.py,
    a ``:glob:`` toctree entry, a file name). Used for patterns with many stars.
    """

    def __init__(self, atoms: list[str]) -> None:
        self._atoms = atoms
        self._single = [None if a in STARS else re.compile(a) for a in atoms]

    def _closure(self, states: set[int]) -> set[int]:
        for i in sorted(states):
            while i < len(self._atoms) and self._atoms[i] in STARS:
                i += 1
                states.add(i)
        return states

    def match(self, path: str, /) -> bool:
        states = self._closure({0})
        for ch in path:
            following: set[int] = set()
            for i in states:
                if i == len(self._atoms):
                    continue
                atom, single = self._atoms[i], self._single[i]
                if single is None:
                    if (ch != "/") if atom == "[^/]*" else (ch != "\n"):
                        following.add(i)
                elif single.fullmatch(ch):
                    following.add(i + 1)
            states = self._closure(following)
            if not states:
                return False
        return len(self._atoms) in states


def compile_matchers(patterns: Iterable[str]) -> list[Matcher]:
    matchers: list[Matcher] = []
    for pattern in patterns:
        atoms = _atoms(pattern)
        if sum(a in STARS for a in atoms) <= REGEX_STARS:
            matchers.append(re.compile("".join(atoms) + "$"))
        else:
            matchers.append(GlobAutomaton(atoms))
    return matchers


@dataclass(frozen=True)
class BuildConf(SphinxConf):
    """conf.py as Sphinx uses it once extensions are set up (after config-inited).

    Sphinx merges the source suffixes extensions register into
    ``source_suffix`` (``sphinx.registry.merge_source_suffix``): with MyST
    enabled, ``.md`` files are documents whatever conf.py says, and every
    rule that strips or adds a document's suffix (toctree entries, ``:doc:``
    targets, redirects) must know them. The values stay conf.py's own.
    """

    @property
    def source_suffixes(self) -> tuple[str, ...]:
        return markdown.document_suffixes(self, super().source_suffixes)


def build_conf(conf: SphinxConf) -> SphinxConf:
    """The conf Sphinx builds with: ``conf`` itself unless an extension adds suffixes."""
    if not markdown.markdown_suffixes(conf):
        return conf
    return BuildConf(**{f.name: getattr(conf, f.name) for f in fields(conf) if f.init})


def find_srcdir(path: Path) -> tuple[Path, bool]:
    """The folder holding conf.py at or above ``path``; (folder, has_conf).

    Looked for up to the repository's top (``untrusted.project_root``), never
    above it: a ``conf.py`` in a folder holding the checkout is not its tree.
    A folder that cannot be read is a ProjectError (exit 2), not an empty tree.
    """
    if not os.path.lexists(path):
        raise ProjectError(f"{path}: no such file or directory")
    try:
        start = path.resolve() if path.is_dir() else path.resolve().parent
        os.scandir(start).close()
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read: {exc.strerror or exc}") from None
    top = repository_top(start)
    for folder in (start, *start.parents):
        if (folder / "conf.py").is_file():
            return folder, True
        if folder == top:
            break
    return start, False


def repository_top(folder: Path) -> Path | None:
    """The nearest folder at or above ``folder`` with a ``.git`` (or ``.hg``); None if none.

    Not ``untrusted.project_root``'s fallbacks: without a repository the search
    for conf.py goes on to the top, as it always did.
    """
    root = Path(project_root(str(folder)))
    if any(os.path.lexists(root / marker) for marker in VCS_MARKERS):
        return root
    return None


def sphinx_conf_above(path: Path) -> Path | None:
    """The Sphinx source dir a file lies in: the nearest folder with a ``conf.py``,
    up to the repository's top (a ``conf.py`` module of a Python package, next to
    an ``__init__.py``, is no Sphinx configuration); None when there is none."""
    start = path.parent.resolve()
    while not start.exists() and start != start.parent:  # a deleted file's folder
        start = start.parent
    top = repository_top(start)
    for folder in (start, *start.parents):
        if is_sphinx_srcdir(folder):
            return folder
        if folder == top:
            break
    return None


def is_sphinx_srcdir(folder: Path) -> bool:
    """A folder holding a Sphinx ``conf.py`` (not a Python package's ``conf`` module)."""
    return (folder / "conf.py").is_file() and not (folder / "__init__.py").exists()


PRUNED_FOLDERS = frozenset({"node_modules", "__pycache__", "site-packages", "_build"})


def find_srcdirs(root: Path) -> list[Path]:
    """Every Sphinx source dir under root (a repository): the folders holding a conf.py.

    Hidden folders (``.git``, ``.tox``, ``.venv``), ``node_modules``, ``_build`` and
    installed packages are not searched: no tree of the project lives there.
    """
    found: list[Path] = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(
            d for d in subfolders if not d.startswith(".") and d not in PRUNED_FOLDERS
        )
        if "conf.py" in names and "__init__.py" not in names:
            found.append(Path(folder))
    return sorted(found)


def leaves_project(srcdir: str | Path, path: str) -> bool:
    """Whether a path (relative to the source dir, or absolute) resolves outside the project."""
    return resolve_inside(project_root(str(srcdir)), os.path.join(str(srcdir), path)) is None


def walk_files(srcdir: Path) -> list[str]:
    """Every file under srcdir (relative posix paths), following links without looping.

    A symbolic link that resolves outside the project is listed (it is a name in the
    tree) but neither followed nor examined: a linked folder is not walked, and
    nothing tells a link to a file from one to a folder or to nothing.
    """
    return _walk(srcdir)[0]


def _walk(srcdir: Path) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """walk_files, the folders that could not be listed (relative posix, reason), and
    the files that are symbolic links (the listing says so: no file is examined)."""
    root = project_root(str(srcdir))
    seen: set[tuple[int, int]] = set()
    found: list[str] = []
    unreadable: list[tuple[str, str]] = []
    links: list[str] = []
    stack = [(str(srcdir), "")]
    while stack:
        folder, rel_root = stack.pop()
        try:
            info = os.stat(folder)
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError as exc:
            unreadable.append((rel_root or ".", exc.strerror or str(exc)))
            continue
        key = (info.st_dev, info.st_ino)
        if key in seen:  # a symlink loop or a second link to the same folder
            continue
        seen.add(key)
        folders = []
        for entry in entries:
            rel = entry.name if not rel_root else f"{rel_root}/{entry.name}"
            if _is_folder(entry, root):
                folders.append((entry.path, rel))
            else:
                found.append(rel.replace(os.sep, "/"))
                if _is_link(entry):
                    links.append(found[-1])
        stack.extend(reversed(folders))
    return found, unreadable, links


def _is_link(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


def _is_folder(entry: os.DirEntry[str], root: str) -> bool:
    """A folder to walk: a real one, or a link to one inside the project."""
    try:
        if not entry.is_symlink():
            return entry.is_dir(follow_symlinks=False)
        real = resolve_inside(root, entry.path)
        return real is not None and os.path.isdir(real)
    except OSError:
        return False


def outside_links(
    srcdir: str | Path, files: Iterable[str], *, links: Iterable[str] | None = None
) -> list[str]:
    """The symbolic links among the tree's files that resolve outside the project.

    ``links``: those of the files that are links, when the walk that listed them
    knows (no file is examined then: an lstat of each costs ~1 ms on nova's tree).
    """
    root = project_root(str(srcdir))
    found = []
    for rel in files if links is None else links:
        path = os.path.join(str(srcdir), rel)
        if (links is not None or os.path.islink(path)) and resolve_inside(root, path) is None:
            found.append(rel)
    return found


def load_project(srcdir: Path, has_conf: bool) -> Project:
    conf = build_conf(read_conf(srcdir / "conf.py") if has_conf else SphinxConf(None))
    files, unreadable, links = _walk(srcdir)
    matchers = compile_matchers(_excludes(conf))
    suffixes = conf.source_suffixes
    docs: dict[str, str] = {}
    outside = frozenset(outside_links(srcdir, files, links=links))
    excluded_folders: dict[str, bool] = {}  # documents share folders: each is matched once

    def excluded_folder(folder: str) -> bool:
        if folder not in excluded_folders:
            excluded_folders[folder] = any(m.match(folder) for m in matchers)
        return excluded_folders[folder]

    for rel in files:
        suffix = next((s for s in suffixes if rel.endswith(s)), None)
        if suffix is None or rel in outside or any(m.match(rel) for m in matchers):
            continue
        if any(excluded_folder(prefix) for prefix in _parents(rel)):
            continue
        docs.setdefault(rel[: -len(suffix)], rel)
    return Project(srcdir, conf, docs, frozenset(files), tuple(unreadable))


def _excludes(conf: SphinxConf) -> list[str]:
    return [
        *SPHINX_EXCLUDES,
        *conf.strings("exclude_patterns"),
        *conf.strings("templates_path"),
        *conf.strings("html_static_path"),
        *conf.strings("html_extra_path"),
        *markdown.excluded_by_extensions(conf),
    ]


def is_document(conf: SphinxConf, rel: str) -> bool:
    """Whether a file (posix, relative to the source dir) is one of the project's documents.

    FILE rules use it for included files: one that is a document is linted on its own.
    """
    if rel.startswith("../") or not any(s and rel.endswith(s) for s in conf.source_suffixes):
        return False
    matchers = compile_matchers(_excludes(conf))
    return not any(m.match(part) for m in matchers for part in (rel, *_parents(rel)))


def excluded(conf: SphinxConf, rel: str) -> bool:
    """Whether Sphinx skips a path of the tree (exclude_patterns, templates, asset folders)."""
    matchers = compile_matchers(_excludes(conf))
    return any(m.match(part) for m in matchers for part in (rel, *_parents(rel)))


def _parents(rel: str) -> Iterable[str]:
    parts = rel.split("/")
    for i in range(1, len(parts)):
        yield "/".join(parts[:i])
