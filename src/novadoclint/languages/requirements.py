"""The Python packages a project declares for building its documentation.

Kept apart from the rules because it reads packaging files, not documents:
requirement files (following ``-r``), the docs environments of ``tox.ini``, the
docs extras and dependency groups of ``pyproject.toml`` and ``setup.cfg``, and
the project's own runtime dependencies (the docs build installs the project).
Nothing is installed, imported or resolved: each line is read as pip reads it
(``packaging``'s PEP 508 parser, after pip's per-line options such as
``--hash`` and its backslash continuations), names are compared as PEP 503
normalises them (``canonicalize_name``), and what a package pulls in
transitively is not known. A line pip would refuse, an option (``-e``, ``-c``),
a path or a bare URL names no package and is skipped.
The files come from the pull request: each is read through the run's TreeFiles
(untrusted's size cap), and a ``-r`` include is followed only inside the
checkout (else the project root).
"""

from __future__ import annotations

import configparser
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from novadoclint.project.treefiles import TreeFiles
from novadoclint.safety import untrusted

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

ROOT_MARKERS = ("setup.cfg", "setup.py", "pyproject.toml", "tox.ini", ".git")
MAX_PARENTS = 2  # doc/source -> doc -> the project root
# Requirement files, docs-specific ones first: the first that exists is the one a
# message suggests adding a package to.
REQUIREMENT_FILES = (
    "doc/requirements.txt",
    "docs/requirements.txt",
    "requirements-docs.txt",
    "requirements-doc.txt",
    "doc-requirements.txt",
    "docs-requirements.txt",
    "requirements/docs.txt",
    "requirements/doc.txt",
    "test-requirements.txt",
    "requirements.txt",
)
# The project's own dependencies: installed for the docs build too, but no place
# to add a package only the docs need.
RUNTIME_SOURCES = frozenset(
    {
        "requirements.txt",
        "pyproject.toml [project] dependencies",
        "pyproject.toml [tool.poetry.dependencies]",
        "setup.cfg [options] install_requires",
    }
)
INCLUDE_RE = re.compile(r"^(?:-r|--requirement)\s*=?\s*(\S+)")
COMMENT_RE = re.compile(r"(^|\s)#.*$")  # as pip: '#' at the start or after white space
OPTION_RE = re.compile(r"\s-")  # pip's per-requirement options (--hash=...) follow the spec
# tox's factor-conditional deps: 'py311,!pylib: name>=1' installs name in some environments
FACTORS_RE = re.compile(r"^[\w!{},.-]+:\s+")

_log = logging.getLogger(__name__)


def canonical(name: str) -> str:
    """PEP 503: ``sphinxcontrib_seqdiag`` and ``SphinxContrib.SeqDiag`` are one package."""
    from packaging.utils import canonicalize_name  # imported only when a name is not known

    return str(canonicalize_name(name))


def specified_name(specifier: str) -> str | None:
    """The canonical package name of a PEP 508 specifier; None when packaging cannot parse it."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        requirement = Requirement(specifier)
    except InvalidRequirement:  # also a bare URL, a path, a tox substitution
        _log.debug("requirements: not a requirement, skipped: %.80r", specifier)
        return None
    return canonical(requirement.name)


def engine_file() -> str | None:
    """The ``packaging`` package's file (found, not imported): kept names follow its version."""
    import importlib.util  # loaded at start-up already

    spec = importlib.util.find_spec("packaging")
    return None if spec is None else spec.origin


@dataclass
class Names:
    """What ``packaging`` made of specifiers and names, which a caller may keep between runs.

    Importing packaging and parsing with it is about 20 ms of a warm run that
    reads the same lines again; each answer is a pure function of its text (and
    of packaging's version: :func:`engine_file`).
    """

    specifiers: dict[str, str | None] = field(default_factory=dict)  # None: names no package
    canonical: dict[str, str] = field(default_factory=dict)
    added: bool = False  # whether an answer was computed here

    def of_specifier(self, specifier: str) -> str | None:
        if specifier not in self.specifiers:
            self.specifiers[specifier], self.added = specified_name(specifier), True
        return self.specifiers[specifier]

    def of_name(self, name: str) -> str:
        if name not in self.canonical:
            self.canonical[name], self.added = canonical(name), True
        return self.canonical[name]


@dataclass(frozen=True)
class Requirements:
    """What a project's packaging files declare, and where it was read."""

    root: Path
    sources: tuple[str, ...]  # where names came from, relative to root, docs files first
    names: frozenset[str]  # canonical package names

    @property
    def suggestion(self) -> str:
        """Where a docs package belongs: the first docs or test source, not runtime ones."""
        for source in self.sources:
            if source not in RUNTIME_SOURCES:
                return source
        return REQUIREMENT_FILES[0]


def find_root(srcdir: Path) -> Path | None:
    """The project folder: the source dir or a parent holding a packaging or VCS marker."""
    for folder in (srcdir, *srcdir.parents[:MAX_PARENTS]):
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    return None


def read(
    srcdir: Path, files: TreeFiles | None = None, known: Names | None = None
) -> Requirements | None:
    """The project's declared packages; None when it declares none anywhere (cannot judge).

    ``files`` is the run's reader (a fresh one when not given): this module opens nothing.
    ``known``: names already parsed, read and filled in.
    """
    files = TreeFiles(str(srcdir)) if files is None else files
    known = Names() if known is None else known
    root = find_root(srcdir)
    if root is None:
        return None
    names: set[str] = set()
    sources: list[str] = []
    seen: set[Path] = set()
    inside = Path(untrusted.project_root(str(root)))  # where -r may lead: the checkout
    for rel in REQUIREMENT_FILES:
        if _requirement_file(root / rel, names, seen, inside, files, known):
            sources.append(rel)
    for source, found in (
        *_tox(root, names, seen, inside, files, known),
        *_pyproject(root, files, known),
        *_setup_cfg(root, files, known),
    ):
        names.update(found)
        sources.append(source)
    if not sources:
        return None
    return Requirements(root, tuple(sources), frozenset(names))


def _requirement_file(
    path: Path, names: set[str], seen: set[Path], inside: Path, files: TreeFiles, known: Names
) -> bool:
    """Read a pip requirement file and the files it includes; False if it cannot be read.

    Only files in ``inside`` (the checkout): ``-r /dev/zero`` or a link out is not followed.
    """
    resolved = path.resolve()
    if resolved in seen:
        return True
    if not untrusted.inside(resolved, inside):
        return False
    text = files.read_unbounded(path).text
    if text is None:
        return False
    seen.add(resolved)
    for line in _lines(text):
        include = INCLUDE_RE.match(line)
        if include:
            _requirement_file(path.parent / include.group(1), names, seen, inside, files, known)
        else:
            names.update(_names([line], known))
    return True


def _lines(text: str) -> Iterator[str]:
    """Requirement lines as pip reads them: a line ending in a backslash continues on the
    next, and comments (``#`` at the start or after white space) are dropped."""
    pending = ""
    for raw in text.splitlines():
        if raw.endswith("\\"):
            pending += raw[:-1]
            continue
        line = COMMENT_RE.sub("", pending + raw).strip()
        pending = ""
        if line:
            yield line
    line = COMMENT_RE.sub("", pending).strip()
    if line:
        yield line


def _names(items: Iterable[str], known: Names) -> Iterator[str]:
    """Package names of requirement specifiers (PEP 508); options, paths and URLs name none.

    pip's options after a specifier (``--hash=...``) are cut off first; what ``packaging``
    cannot parse (pip would refuse it too) names no package.
    """
    for item in items:
        item = COMMENT_RE.sub("", item).strip()
        if not item or item.startswith(("-", "{", ".", "/")):
            continue
        name = known.of_specifier(OPTION_RE.split(item, maxsplit=1)[0])
        if name is not None:
            yield name


def _is_docs_key(key: object, known: Names) -> bool:
    return isinstance(key, str) and known.of_name(key).startswith("doc")


def _tox(
    root: Path, names: set[str], seen: set[Path], inside: Path, files: TreeFiles, known: Names
) -> Iterator[tuple[str, set[str]]]:
    """deps of ``[testenv]`` and of every docs environment, with the files they name."""
    parser = _ini(root / "tox.ini", files)
    if parser is None:
        return
    for section in parser.sections():
        env = section.partition(":")[2]
        if section != "testenv" and not (section.startswith("testenv:") and "doc" in env):
            continue
        deps = parser.get(section, "deps", fallback="")
        found: set[str] = set()
        for line in _lines(deps):
            line = FACTORS_RE.sub("", line)  # declared for some environments: counted
            include = INCLUDE_RE.match(line)
            if include:
                target = include.group(1).replace("{toxinidir}", str(root))
                _requirement_file(root / target, found, seen, inside, files, known)
            else:
                found.update(_names([line], known))
        if found:
            yield f"tox.ini [{section}]", found


def _ini(path: Path, files: TreeFiles) -> configparser.ConfigParser | None:
    """An ini file as configparser reads it; None when unreadable or broken."""
    text = files.read_unbounded(path).text
    if text is None:
        return None
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, str(path))
    except configparser.Error:
        return None
    return parser


def _setup_cfg(root: Path, files: TreeFiles, known: Names) -> Iterator[tuple[str, set[str]]]:
    """``install_requires`` and the docs extras (setuptools' and pbr's spellings)."""
    parser = _ini(root / "setup.cfg", files)
    if parser is None:
        return
    install = set(
        _names(parser.get("options", "install_requires", fallback="").splitlines(), known)
    )
    if install:
        yield "setup.cfg [options] install_requires", install
    for section in ("options.extras_require", "extras"):
        if not parser.has_section(section):
            continue
        for key, value in parser.items(section):
            found = set(_names(value.splitlines(), known))
            if _is_docs_key(key, known) and found:
                yield f"setup.cfg [{section}] {key}", found


def _pyproject(root: Path, files: TreeFiles, known: Names) -> Iterator[tuple[str, set[str]]]:
    """Runtime dependencies, docs extras and docs dependency groups (PEP 621, 735, Poetry)."""
    raw = files.read_unbounded(root / "pyproject.toml").data
    if raw is None:
        return
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return
    project = _table(data.get("project"))
    runtime = set(_names(_strings(project.get("dependencies")), known))
    if runtime:
        yield "pyproject.toml [project] dependencies", runtime
    for key, value in _table(project.get("optional-dependencies")).items():
        found = set(_names(_strings(value), known))
        if _is_docs_key(key, known) and found:
            yield f"pyproject.toml [project.optional-dependencies] {key}", found
    groups = _table(data.get("dependency-groups"))
    for key in groups:
        found = set(_names(_group(groups, key, set()), known))
        if _is_docs_key(key, known) and found:
            yield f"pyproject.toml [dependency-groups] {key}", found
    poetry = _table(_table(data.get("tool")).get("poetry"))
    runtime = {known.of_name(k) for k in _table(poetry.get("dependencies")) if k != "python"}
    if runtime:
        yield "pyproject.toml [tool.poetry.dependencies]", runtime
    for key, group in _table(poetry.get("group")).items():
        found = {known.of_name(k) for k in _table(_table(group).get("dependencies"))}
        if _is_docs_key(key, known) and found:
            yield f"pyproject.toml [tool.poetry.group.{key}.dependencies]", found


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _group(groups: dict[str, Any], key: str, seen: set[str]) -> list[str]:
    """A PEP 735 group's requirements, with ``{include-group = ...}`` followed."""
    if key in seen:
        return []
    seen.add(key)
    items = groups.get(key)
    found = _strings(items)
    for item in items if isinstance(items, list) else ():
        included = item.get("include-group") if isinstance(item, dict) else None
        if isinstance(included, str):
            found += _group(groups, included, seen)
    return found
