"""The rule that every extension conf.py enables is installed by the docs build.

Why a module of its own: it reads requirement and packaging files
(:mod:`novadoclint.languages.requirements`) and conf.py, not documents; it was
first written for diagram extensions, but holds for every extension.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from novadoclint.context import Context
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.languages import requirements
from novadoclint.project.derived import DerivedCache
from novadoclint.project.vocabulary import extension_package, find_module
from novadoclint.registry import Phase, rule

# Extensions every Sphinx build has: the builder itself brings them (and Read the
# Docs installs Sphinx on its own), so naming Sphinx is not required.
BUILDER_PACKAGES = frozenset({"sphinx"})


@rule("extension-requirement-missing", Severity.WARNING, Phase.TREE, tags={"extensions"})
def extension_requirement_missing(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """An extension conf.py enables whose package no requirement file of the project names.

    ## Why is this bad?
    The build works on the author's machine, where the package happens to be
    installed, and fails with `Could not import extension` for everyone else
    and in CI. Requirement files are looked for at the project root (the
    source dir or a parent up to two levels above holding `setup.cfg`,
    `setup.py`, `pyproject.toml`, `tox.ini` or `.git`): `doc/requirements.txt`,
    `docs/requirements.txt` and similar, `test-requirements.txt`,
    `requirements.txt` (the docs build installs the project), the deps of
    `tox.ini`'s `[testenv]` and docs environments, the docs extra or
    dependency group and the dependencies in `pyproject.toml`, and
    `install_requires` and the docs extra in `setup.cfg`; `-r` includes are
    followed and names compared as PEP 503 normalises them
    (`sphinxcontrib_seqdiag` is `sphinxcontrib-seqdiag`). Packages come from
    the extension table in `rules/extensions.toml`. Not reported: local
    extensions (found on conf.py's `sys.path`), extensions novadoclint has no
    package for, and Sphinx's own `sphinx.ext.*` (the builder brings them), and
    nothing at all when the project declares no requirements anywhere.

    ## Example
    ```rst
    .. conf.py: extensions = ['sphinx.ext.graphviz', 'sphinxcontrib.seqdiag']
    .. file: tox.ini
    [testenv:docs]
    deps = sphinx
    .. file: index.rst
    Index
    =====
    ```

    ## Use instead
    ```rst
    .. conf.py: extensions = ['sphinx.ext.graphviz', 'sphinxcontrib.seqdiag']
    .. file: tox.ini
    [testenv:docs]
    deps =
        sphinx
        sphinxcontrib-seqdiag
    .. file: index.rst
    Index
    =====
    ```

    ## Known problems
    Transitive dependencies are not followed: a package another requirement
    pulls in is reported until it is named itself. The rule reads the
    project's packaging files and conf.py's text (for the line to report).
    """
    conf = ctx.sphinx
    if conf.path is None or not conf.extensions:
        return
    cache, key, known = _known_names(index)
    declared = requirements.read(Path(index.srcdir), index.tree_files, known)
    if declared is None:
        return
    search = [*conf.sys_path, index.srcdir]
    missing: dict[str, list[str]] = {}
    for ext in dict.fromkeys(conf.extensions):
        package = extension_package(ext)
        if package is None or known.of_name(package) in BUILDER_PACKAGES:
            continue
        if known.of_name(package) in declared.names or find_module(ext, search, index.root):
            continue
        missing.setdefault(package, []).append(ext)
    if known.added:
        cache.put(key, (known.specifiers, known.canonical))
    if not missing:
        return
    text = conf.source.decode("utf-8", errors="replace")
    where = declared.suggestion
    for package, extensions in missing.items():
        line, column = _conf_place(text, extensions[0])
        named = ", ".join(repr(e) for e in extensions)
        word = "extension" if len(extensions) == 1 else "extensions"
        yield Hit(
            Location("conf.py", line, column),
            f"package {package!r} ({word} {named}) is named in none of the requirements "
            f"the docs build installs; add it to {where}",
        )


def _known_names(index: FactsIndex) -> tuple[DerivedCache, str, requirements.Names]:
    """The names packaging made of this tree's lines in an earlier run (a warm run imports none).

    Kept per source dir, in a namespace that follows this code and packaging's version.
    """
    modules = (__file__, requirements.__file__, requirements.engine_file() or "packaging?")
    cache = DerivedCache("requirements", modules, enabled=index.cache_enabled)
    key = cache.key("names", index.srcdir)
    entry = cache.get(key, _well_formed)
    if not isinstance(entry, tuple):
        return cache, key, requirements.Names()
    specifiers, names = entry
    return cache, key, requirements.Names(dict(specifiers), dict(names))


def _well_formed(entry: object) -> bool:
    """(specifier -> name or None, name -> canonical name), as kept (the cache is untrusted)."""
    if type(entry) is not tuple or len(entry) != 2:
        return False
    specifiers, names = entry
    return (
        type(specifiers) is dict
        and type(names) is dict
        and all(type(k) is str and (v is None or type(v) is str) for k, v in specifiers.items())
        and all(type(k) is str and type(v) is str for k, v in names.items())
    )


def _conf_place(text: str, extension: str) -> tuple[int, int]:
    """Where conf.py names the extension, else its ``extensions`` line, else line 1."""
    for pattern in (rf"""(['"]){re.escape(extension)}\1""", r"^\s*extensions\b"):
        found = re.search(pattern, text, re.MULTILINE)
        if found:
            start = found.start() + (len(found.group()) - len(found.group().lstrip()))
            line = text.count("\n", 0, start) + 1
            return line, start - (text.rfind("\n", 0, start) + 1) + 1
    return 1, 1
