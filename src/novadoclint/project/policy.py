"""Placement policies: which sections an index page has and where each page goes.

A profile is a TOML file, shipped in ``rules/<name>.toml`` (``--profile nova``)
or given by path (``--profile my-policy.toml``). It is read and checked once
per run by the engine, here, so a broken policy stops the run with the file and
line (``ConfigError``, exit 2) instead of surfacing as rule findings; rules
read the typed result from ``Context.policy``.

The format::

    [[index]]
    page = "reference/index"     # the index page (a docname)
    folder = "reference"         # optional; default: the page's folder
    elsewhere = ["i18n"]         # optional: documents of the folder other pages place

    [[index.section]]            # one per section, in the order of the page
    title = "Internals"
    documents = ["rpc", "scheduling"]   # relative to the folder; "/x" is absolute;
                                        # fnmatch patterns ("guides/*") allowed

A user's policy file keeps where each name is written (line and column), so a
stale entry is reported there, in the file to change, not at the index page.
``--write-policy`` writes one from a tree (project/policy_writer.py).
"""

from __future__ import annotations

import fnmatch
import itertools
import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from novadoclint import data
from novadoclint.safety import untrusted
from novadoclint.settings import ConfigError, line_of_key, read_toml

TOP_KEYS = frozenset({"index"})
INDEX_KEYS = frozenset({"page", "folder", "elsewhere", "section"})
SECTION_KEYS = frozenset({"title", "documents"})
PATTERN_CHARS = frozenset("*?[")
HEADER_RE = re.compile(r"\s*\[\[\s*index\s*(\.\s*section\s*)?\]\]")
KEY_RE = re.compile(r"\s*([A-Za-z0-9_-]+)\s*=")
Place = tuple[int, int]  # 1-based line and column of a string in the policy file


@dataclass(frozen=True, slots=True)
class SectionPolicy:
    title: str
    documents: tuple[str, ...]  # docnames (absolute, no leading "/") or fnmatch patterns
    places: tuple[Place, ...] = ()  # where each document is written; () when unknown


@dataclass(frozen=True, slots=True)
class IndexPolicy:
    page: str  # docname of the index page
    folder: str  # docnames under "<folder>/" must be placed ("" for the whole tree)
    sections: tuple[SectionPolicy, ...]
    elsewhere: tuple[str, ...]  # docnames or patterns other pages place
    elsewhere_places: tuple[Place, ...] = ()  # where each is written; () when unknown

    def home(self, docname: str) -> str | None:
        """The section title the policy gives a document, or None.

        Exact names win over patterns; among patterns the first declared wins.
        """
        for section in self.sections:
            if docname in section.documents:
                return section.title
        for section in self.sections:
            if any(_is_pattern(p) and fnmatch.fnmatchcase(docname, p) for p in section.documents):
                return section.title
        return None

    def placed_elsewhere(self, docname: str) -> bool:
        return any(
            docname == p or (_is_pattern(p) and fnmatch.fnmatchcase(docname, p))
            for p in self.elsewhere
        )

    def in_folder(self, docname: str) -> bool:
        return docname != self.page and (not self.folder or docname.startswith(self.folder + "/"))


@dataclass(frozen=True, slots=True)
class Policy:
    source: str  # how messages name the policy: "rules/nova.toml" or the file's name
    indexes: tuple[IndexPolicy, ...]
    path: str | None = None  # a user's policy file (absolute); None for a shipped profile


def _is_pattern(name: str) -> bool:
    return not PATTERN_CHARS.isdisjoint(name)


def is_policy_path(profile: str) -> bool:
    """A profile ending in .toml is a user's policy file; anything else names a shipped one."""
    return profile.endswith(".toml")


def load_policy(profile: str | None) -> Policy | None:
    """The active policy, or None without a profile; ConfigError on a bad policy file."""
    if not profile:
        return None
    if is_policy_path(profile):
        path = Path(profile)
        if not path.is_file():
            raise ConfigError(path, None, "policy file not found")
        policy = parse_policy(read_toml(path), path, path.name)
        return replace(policy, path=str(path.resolve()))
    path = data.rules_dir() / f"{profile}.toml"
    if profile not in data.profiles():
        shipped = ", ".join(data.profiles()) or "none"
        raise ConfigError(None, None, f"unknown profile {profile!r} (shipped: {shipped})")
    return parse_policy(read_toml(path), path, f"rules/{profile}.toml")


def parse_policy(table: Mapping[str, Any], path: Path, source: str) -> Policy:
    """Check a parsed policy file; tomllib has no line numbers, so errors find the key."""
    _check_keys(table, TOP_KEYS, path)
    indexes = table.get("index", [])
    if not isinstance(indexes, list) or not all(isinstance(i, dict) for i in indexes):
        raise ConfigError(path, line_of_key(path, "index"), "'index' must be [[index]] tables")
    counter = itertools.count()  # numbers the [[index.section]] tables in file order
    places = _Places(*string_places(_read(path)))
    return Policy(
        source, tuple(_index(entry, n, counter, path, places) for n, entry in enumerate(indexes))
    )


@dataclass(frozen=True, slots=True)
class _Places:
    """Where the strings of each [[index]] and [[index.section]] table are, by key."""

    indexes: list[dict[str, list[Place]]]
    sections: list[dict[str, list[Place]]]


def _read(path: Path) -> str:
    try:
        return untrusted.read_text(path)
    except OSError:
        return ""


def _at(tables: list[dict[str, list[Place]]], n: int, key: str, count: int) -> tuple[Place, ...]:
    """The places of a list's strings, if the scan found exactly as many as TOML did."""
    found = tables[n].get(key, []) if n < len(tables) else []
    return tuple(found) if len(found) == count else ()


def string_places(
    text: str,
) -> tuple[list[dict[str, list[Place]]], list[dict[str, list[Place]]]]:
    """Where the strings of each [[index]] and [[index.section]] table are written, by key.

    tomllib gives no positions, so the text is scanned: table headers, ``key =``
    lines, strings (a ``#`` inside one is no comment), brackets. A multi-line
    string or a header the scan does not know ends the table it is in; callers
    check the counts against what TOML read and use no place where they differ.
    """
    indexes: list[dict[str, list[Place]]] = []
    sections: list[dict[str, list[Place]]] = []
    table: dict[str, list[Place]] | None = None
    key: str | None = None
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        start = 0
        if depth == 0:
            header = HEADER_RE.match(line)
            if header:
                table, key = {}, None
                (sections if header.group(1) else indexes).append(table)
                continue
            if line.lstrip().startswith("["):
                table = key = None
                continue
            assigned = KEY_RE.match(line)
            if assigned:
                key, start = assigned.group(1), assigned.end()
        strings, depth = _scan(line, start, depth)
        if strings is None:  # a multi-line string: the scan would lose its place
            table = key = None
            depth = 0
            continue
        if table is not None and key is not None:
            table.setdefault(key, []).extend((number, column) for column in strings)
    return indexes, sections


def _scan(line: str, start: int, depth: int) -> tuple[list[int] | None, int]:
    """The 1-based columns of the strings on a line from ``start``, and the bracket depth
    after it; None for a multi-line string."""
    columns: list[int] = []
    i = start
    while i < len(line):
        char = line[i]
        if char == "#":
            break
        if char in "\"'":
            if line.startswith(char * 3, i):
                return None, depth
            end = i + 1
            while end < len(line) and line[end] != char:
                end += 2 if char == '"' and line[end] == "\\" else 1
            columns.append(i + 1)
            i = end + 1
            continue
        depth += {"[": 1, "]": -1}.get(char, 0)
        i += 1
    return columns, max(depth, 0)


def _index(
    entry: Mapping[str, Any], n: int, counter: Iterator[int], path: Path, places: _Places
) -> IndexPolicy:
    _check_keys(entry, INDEX_KEYS, path)
    page = entry.get("page")
    if not isinstance(page, str) or not page.strip("/ "):
        line = _table_line(path, "[[index]]", n)
        raise ConfigError(path, line, 'each [[index]] needs page = "<docname>"')
    page = _docname(page.strip(), "")
    folder = entry.get("folder", posixpath.dirname(page))
    if not isinstance(folder, str):
        raise ConfigError(path, line_of_key(path, "folder"), "'folder' must be a string")
    folder = folder.strip("/ ")
    sections = entry.get("section", [])
    if not isinstance(sections, list) or not sections:
        line = line_of_key(path, "page")
        raise ConfigError(path, line, f"index page {page!r} needs [[index.section]] tables")
    parsed = tuple(_section(s, next(counter), folder, path, places) for s in sections)
    titles = [s.title for s in parsed]
    for title in titles:
        if titles.count(title) > 1:
            line = _line_of_text(path, title)
            raise ConfigError(path, line, f"section {title!r} is declared twice for {page!r}")
    elsewhere = _names(entry.get("elsewhere", []), "elsewhere", folder, path)
    at = _at(places.indexes, n, "elsewhere", len(elsewhere))
    return IndexPolicy(page, folder, parsed, elsewhere, at)


def _section(entry: Any, n: int, folder: str, path: Path, places: _Places) -> SectionPolicy:
    if not isinstance(entry, dict):
        raise ConfigError(path, line_of_key(path, "section"), "'section' must be tables")
    _check_keys(entry, SECTION_KEYS, path)
    title = entry.get("title")
    if not isinstance(title, str) or not title.strip():
        line = _table_line(path, "[[index.section]]", n)
        raise ConfigError(path, line, 'each [[index.section]] needs title = "<heading>"')
    documents = _names(entry.get("documents", []), "documents", folder, path)
    at = _at(places.sections, n, "documents", len(documents))
    return SectionPolicy(" ".join(title.split()), documents, at)


def _names(value: Any, key: str, folder: str, path: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(path, line_of_key(path, key), f"{key!r} must be a list of docnames")
    return tuple(_docname(v.strip(), folder) for v in value)


def _docname(name: str, folder: str) -> str:
    """Names are relative to the folder unless they start with "/", as in a toctree."""
    if name.startswith("/"):
        return posixpath.normpath(name[1:])
    return posixpath.normpath(posixpath.join(folder, name)) if folder else posixpath.normpath(name)


def _check_keys(table: Mapping[str, Any], known: Iterable[str], path: Path) -> None:
    unknown = sorted(set(table) - set(known))
    if unknown:
        key = unknown[0]
        names = ", ".join(sorted(known))
        raise ConfigError(path, line_of_key(path, key), f"unknown key {key!r} (known: {names})")


def _table_line(path: Path, header: str, n: int) -> int | None:
    """The line of the n-th (0-based) ``[[header]]``: which table lacks a required key."""
    seen = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip().startswith(header):
            if seen == n:
                return number
            seen += 1
    return None


def _line_of_text(path: Path, text: str) -> int | None:
    """The line of the second occurrence of a quoted value (a duplicated title)."""
    seen = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if f'"{text}"' in line or f"'{text}'" in line:
            seen += 1
            if seen == 2:
                return number
    return None
