"""Find the Sphinx source dir and discover its documents as Sphinx does.

Sphinx's rules: documents are files with a ``source_suffix`` under the source
dir, minus ``exclude_patterns``, ``templates_path`` and the HTML asset paths,
matched with Sphinx's own glob dialect (``**`` crosses folders, ``*`` does not).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Protocol

from novadoclint.sphinxconf import SphinxConf, read_conf

SPHINX_EXCLUDES = ("**/_sources", ".#*", "**/.#*", "*.lproj/**")


class ProjectError(Exception):
    """A PATH that cannot be linted (missing, not a folder or file)."""


@dataclass(frozen=True)
class Project:
    srcdir: Path  # absolute
    conf: SphinxConf
    docs: Mapping[str, str]  # docname -> path relative to srcdir (posix)
    files: frozenset[str]  # every file under srcdir, relative posix

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


def find_srcdir(path: Path) -> tuple[Path, bool]:
    """The folder holding conf.py at or above ``path``; (folder, has_conf)."""
    if not path.exists():
        raise ProjectError(f"{path}: no such file or directory")
    start = path.resolve() if path.is_dir() else path.resolve().parent
    for folder in (start, *start.parents):
        if (folder / "conf.py").is_file():
            return folder, True
    return start, False


def walk_files(srcdir: Path) -> list[str]:
    """Every file under srcdir (relative posix paths), following links without looping."""
    seen: set[tuple[int, int]] = set()
    found: list[str] = []
    for root, dirs, files in os.walk(srcdir, followlinks=True):
        try:
            stat = os.stat(root)
        except OSError:
            dirs[:] = []
            continue
        key = (stat.st_dev, stat.st_ino)
        if key in seen:  # a symlink loop or a second link to the same folder
            dirs[:] = []
            continue
        seen.add(key)
        dirs.sort()
        rel_root = os.path.relpath(root, srcdir)
        for name in sorted(files):
            rel = name if rel_root == "." else os.path.join(rel_root, name)
            found.append(rel.replace(os.sep, "/"))
    return found


def load_project(srcdir: Path, has_conf: bool) -> Project:
    conf = read_conf(srcdir / "conf.py") if has_conf else SphinxConf(None)
    files = walk_files(srcdir)
    matchers = compile_matchers(_excludes(conf))
    suffixes = conf.source_suffixes
    docs: dict[str, str] = {}
    for rel in files:
        suffix = next((s for s in suffixes if rel.endswith(s)), None)
        if suffix is None or any(m.match(rel) for m in matchers):
            continue
        if any(m.match(prefix) for m in matchers for prefix in _parents(rel)):
            continue
        docs.setdefault(rel[: -len(suffix)], rel)
    return Project(srcdir, conf, docs, frozenset(files))


def _excludes(conf: SphinxConf) -> list[str]:
    return [
        *SPHINX_EXCLUDES,
        *conf.strings("exclude_patterns"),
        *conf.strings("templates_path"),
        *conf.strings("html_static_path"),
        *conf.strings("html_extra_path"),
    ]


def is_document(conf: SphinxConf, rel: str) -> bool:
    """Whether a file (posix, relative to the source dir) is one of the project's documents.

    FILE rules use it for included files: one that is a document is linted on its own.
    """
    if rel.startswith("../") or not any(s and rel.endswith(s) for s in conf.source_suffixes):
        return False
    matchers = compile_matchers(_excludes(conf))
    return not any(m.match(part) for m in matchers for part in (rel, *_parents(rel)))


def _parents(rel: str) -> Iterable[str]:
    parts = rel.split("/")
    for i in range(1, len(parts)):
        yield "/".join(parts[:i])
