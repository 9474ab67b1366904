"""What the build writes into the source dir before Sphinx reads it: the one place that knows.

A toctree entry, ``:doc:``, ``include`` or image naming a file the checkout
lacks is no mistake when the build creates it. Each :class:`Generator` says
which files or folder one writer fills, and whether novadoclint is *certain*
(an enabled extension documented to write there, the user's
``generated-files``) or only finds it *probable* (a local extension whose
code writes into the source dir, a path tox's docs environment deletes before
building, a doc8 ``ignore-path`` or ``.gitignore`` entry naming something that
is not there). The rules ask :meth:`BuildOutput.file` or :meth:`BuildOutput.doc`:
certain means no finding, probable means one ``generated-assumed`` (info) per
generator.

Sources, each mirroring what really writes the files:

- ``rules/extensions.toml``'s ``generates`` (oslo_config.sphinxconfiggen...),
  through :func:`novadoclint.resolve.generated_paths`;
- ``sphinxcontrib.apidoc``: ``apidoc_output_dir`` (default ``api``, relative to
  the source dir) gets ``apidoc_toc_file`` (default ``modules``) and one page
  per package or module of ``apidoc_module_dir``;
- ``sphinx.ext.apidoc`` (Sphinx 8.2): each ``apidoc_modules`` item's
  ``destination`` gets ``modules`` and the pages of its ``path``;
- ``sphinx.ext.autosummary``: the stubs of each ``autosummary`` directive with
  ``:toctree:``, in that folder relative to the document, unless
  ``autosummary_generate`` is off (or a list without the document);
- sphinx-autoapi's ``autoapi_root``; sphinx-gallery's ``gallery_dirs`` and
  ``backreferences_dir``;
- local extensions (and conf.py) whose source opens a file for writing,
  copies one, or runs sphinx-apidoc, under the source dir (read with
  :mod:`ast`, never run);
- the commands of the tox environment that builds the tree, before ``sphinx-build``;
- doc8's ``ignore-path`` and ``.gitignore`` entries inside the source dir
  that do not exist.
"""

from __future__ import annotations

import ast
import configparser
import os
import posixpath
import shlex
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from novadoclint import data, resolve
from novadoclint.project.derived import DerivedCache, stable_repr
from novadoclint.project.vocabulary import find_module
from novadoclint.safety import untrusted
from novadoclint.settings import DOC8_FILES, ConfigError, read_toml

if TYPE_CHECKING:
    from novadoclint.context import Context
    from novadoclint.index import FactsIndex

GLOB_CHARS = frozenset("*?[")
# Commands that run Sphinx: tox's docs commands after the first of these write no input.
SPHINX_COMMANDS = ("sphinx-build", "sphinx_build", "-m sphinx", "build_sphinx", "make html")
REMOVERS = frozenset({"rm", "rmdir"})
DOCS_ENVS = ("docs", "doc")
SOURCE_SUFFIX = ".rst"  # what apidoc and autosummary write (their default suffix)


@dataclass(frozen=True, slots=True)
class Generator:
    """One writer of files into the source dir, and what it writes.

    ``files`` are source-dir-relative paths or fnmatch globs; ``folder`` a
    folder the writer fills ("" for the whole source dir), where ``names``
    (when given) limit the file names it writes there to those stems and
    ``packages``' names and dotted subnames (apidoc: the table of contents,
    and one page per package and module).
    """

    name: str  # said in messages: "sphinxcontrib.apidoc (apidoc_output_dir 'api')"
    certain: bool
    files: frozenset[str] = frozenset()
    folder: str | None = None
    names: frozenset[str] | None = None  # exact stems (apidoc's table of contents)
    packages: frozenset[str] = frozenset()  # stems 'package' and 'package.*'
    opaque: bool = False  # what it writes is unknown (labels too), unlike apidoc's pages
    component: str | None = None  # a folder of this name, anywhere (.gitignore's 'name/')

    def writes(self, path: str) -> bool:
        """This writer creates ``path`` (relative to the source dir)."""
        if path in self.files or resolve.matches_any(path, (f for f in self.files if "*" in f)):
            return True
        if self.component is not None:
            return self.component in path.split("/")
        if self.folder is None:
            return False
        if self.folder and not path.startswith(self.folder + "/"):
            return False
        if self.names is None:
            return True
        stem = posixpath.splitext(posixpath.basename(path))[0]
        return stem in self.names or any(
            stem == p or stem.startswith(p + ".") for p in self.packages
        )


@dataclass(frozen=True)
class BuildOutput:
    """Every generator of a tree, certain ones first."""

    generators: tuple[Generator, ...] = ()
    suffixes: tuple[str, ...] = (SOURCE_SUFFIX,)
    _found: dict[str, Generator | None] = field(default_factory=dict, compare=False, repr=False)

    def file(self, path: str) -> Generator | None:
        """The writer of this source-dir-relative file, None when nothing writes it."""
        if path not in self._found:
            self._found[path] = next((g for g in self.generators if g.writes(path)), None)
        return self._found[path]

    def docnames(self) -> tuple[str, ...]:
        """The documents the build writes by name (for 'did you mean' hints)."""
        found = (resolve.path2doc(f, self.suffixes) for g in self.generators for f in g.files)
        return tuple(sorted({d for d in found if d is not None and "*" not in d}))

    def doc(self, docname: str) -> Generator | None:
        """The writer of this document's source file (any source suffix)."""
        for suffix in self.suffixes:
            found = self.file(docname + suffix)
            if found is not None:
                return found
        return None


def of(index: FactsIndex, ctx: Context) -> BuildOutput:
    """The tree's BuildOutput, built once per index (kept as its cached views are)."""
    cached = vars(index).get("_build_output")
    if not isinstance(cached, BuildOutput):
        cached = build(index, ctx)
        vars(index)["_build_output"] = cached
    return cached


def build(index: FactsIndex, ctx: Context) -> BuildOutput:
    conf = index.conf
    loaded = tuple(dict.fromkeys((*conf.extensions, *ctx.vocabulary.loaded)))
    certain: list[Generator] = []
    probable: list[Generator] = []
    certain.extend(_table_generators(index, loaded))
    if ctx.settings.generated_files:
        files = frozenset(g.lstrip("/") for g in ctx.settings.generated_files)
        certain.append(Generator("the generated-files setting", True, files, opaque=True))
    if "sphinxcontrib.apidoc" in loaded:
        certain.extend(_contrib_apidoc(index))
    if "sphinx.ext.apidoc" in loaded:
        certain.extend(_sphinx_apidoc(index))
    if "sphinx.ext.autosummary" in loaded:
        certain.extend(_autosummary(index))
    if "autoapi.extension" in loaded or "autoapi" in loaded:
        certain.extend(_autoapi(index))
    if "sphinx_gallery.gen_gallery" in loaded:
        certain.extend(_gallery(index))
    writers = (
        *_local_writers(index, loaded),
        *_tox_docs(index),
        *_doc8_ignored(index),
        *_git_ignored(index),
    )
    for generator in writers:
        (certain if generator.certain else probable).append(generator)
    return BuildOutput(tuple(certain + probable), conf.source_suffixes or (SOURCE_SUFFIX,))


def _table_generators(index: FactsIndex, loaded: Iterable[str]) -> Iterator[Generator]:
    """rules/extensions.toml's ``generates``: the files each enabled extension writes."""
    table = data.load("extensions").get("extension", {})
    conf = index.conf
    for ext in loaded:
        if table.get(ext, {}).get("generates"):
            files = resolve.generated_paths(conf.values, conf.unknown, (ext,), table)
            if files:
                yield Generator(ext, True, files)


def _inside_srcdir(rel: str) -> bool:
    return rel != ".." and not rel.startswith("../") and not posixpath.isabs(rel)


def _rel_folder(value: str) -> str:
    rel = posixpath.normpath(value.replace(os.sep, "/").strip("/"))
    return "" if rel == "." else rel


def _contrib_apidoc(index: FactsIndex) -> Iterator[Generator]:
    """sphinxcontrib.apidoc's builder-inited: sphinx-apidoc into apidoc_output_dir.

    Nothing without ``apidoc_module_dir`` (it warns and skips); the module dir
    is relative to the source dir.
    """
    conf = index.conf
    module_dir, output = conf.get("apidoc_module_dir"), conf.get("apidoc_output_dir", "api")
    known = "apidoc_module_dir" not in conf.unknown and "apidoc_output_dir" not in conf.unknown
    if known and not (isinstance(module_dir, str) and module_dir):
        return
    if not isinstance(output, str) or "apidoc_output_dir" in conf.unknown:
        yield Generator("sphinxcontrib.apidoc (apidoc_output_dir)", False, folder="")
        return
    toc = conf.get("apidoc_toc_file")
    toc_name = None if toc is False else toc if isinstance(toc, str) and toc else "modules"
    packages = _module_names(index, module_dir if isinstance(module_dir, str) else None)
    folder = _rel_folder(output)
    shown = f"sphinxcontrib.apidoc (apidoc_output_dir {output!r})"
    yield _apidoc(shown, folder, packages, toc_name)


def _apidoc(shown: str, folder: str, packages: frozenset[str] | None, toc: str | None) -> Generator:
    """sphinx-apidoc's output folder: the table of contents and the modules' pages."""
    if packages is None:  # the modules are not there to look at: any page
        return Generator(shown, True, folder=folder)
    names = frozenset({toc} if toc else ())
    return Generator(shown, True, folder=folder, names=names, packages=packages)


def _sphinx_apidoc(index: FactsIndex) -> Iterator[Generator]:
    """sphinx.ext.apidoc (Sphinx 8.2): each apidoc_modules item's destination folder."""
    conf = index.conf
    if "apidoc_modules" in conf.unknown:
        yield Generator("sphinx.ext.apidoc (apidoc_modules)", False, folder="")
        return
    items = conf.get("apidoc_modules", ())
    for item in items if isinstance(items, (list, tuple)) else ():
        if not isinstance(item, Mapping):
            continue
        path, destination = item.get("path"), item.get("destination")
        if not isinstance(path, str) or not isinstance(destination, str):
            continue  # Sphinx warns and skips the item
        if posixpath.isabs(destination):
            continue
        packages = _module_names(index, path, confdir=True)
        shown = f"sphinx.ext.apidoc (apidoc_modules destination {destination!r})"
        yield _apidoc(shown, _rel_folder(destination), packages, "modules")


def _module_names(
    index: FactsIndex, module_dir: str | None, *, confdir: bool = False
) -> frozenset[str] | None:
    """The packages and modules apidoc names its pages after; None: not known.

    A package (with ``__init__.py``) is documented under its own name; a plain
    folder under the names of the packages and modules in it. A folder outside
    the project, or not there, is not looked into.
    """
    if module_dir is None:
        return None
    base = os.path.dirname(index.conf.path) if confdir and index.conf.path else index.srcdir
    folder = untrusted.resolve_inside(index.root, os.path.join(base, module_dir))
    if folder is None or not os.path.isdir(folder):
        return None
    if os.path.isfile(os.path.join(folder, "__init__.py")):
        return frozenset({os.path.basename(os.path.normpath(folder))})
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return None
    names = set()
    for entry in entries:
        if entry.name.endswith(".py"):
            names.add(entry.name[:-3])
        elif entry.is_dir(follow_symlinks=False):
            names.add(entry.name)  # a package, or a namespace package with --implicit-namespaces
    return frozenset(names)


def _autosummary(index: FactsIndex) -> Iterator[Generator]:
    """autosummary's stubs: one page per entry, in the ``:toctree:`` folder of the document.

    ``autosummary_generate`` (on by default since Sphinx 4) may be False, or a
    list of the source files whose directives generate (relative to the source
    dir, with or without a source suffix).
    """
    conf = index.conf
    setting = conf.get("autosummary_generate", True)
    if "autosummary_generate" in conf.unknown:
        setting = True
    if setting is False:
        return
    chosen: set[str] | None = None
    if isinstance(setting, (list, tuple)):
        chosen = set()
        for item in setting:
            if isinstance(item, str):
                chosen.add(resolve.path2doc(item, conf.source_suffixes) or item)
    folders: dict[str, None] = {}
    for docname in sorted(index.docs):
        if chosen is not None and docname not in chosen:
            continue
        for directive in index.docs[docname].directives:
            if directive.name != "autosummary":
                continue
            toctree = dict(directive.options).get("toctree")
            if toctree is not None and toctree.strip():
                folder = posixpath.normpath(
                    posixpath.join(posixpath.dirname(docname), toctree.strip())
                )
                if _inside_srcdir(folder):
                    folders.setdefault("" if folder == "." else folder, None)
    for folder in folders:
        yield Generator(f"sphinx.ext.autosummary (:toctree: {folder or '.'})", True, folder=folder)


def _autoapi(index: FactsIndex) -> Iterator[Generator]:
    """sphinx-autoapi: its pages under ``autoapi_root`` (default ``autoapi``), unless
    ``autoapi_generate_api_docs`` is off."""
    conf = index.conf
    if conf.get("autoapi_generate_api_docs", True) is False:
        return
    root = conf.get("autoapi_root", "autoapi")
    if "autoapi_root" in conf.unknown or not isinstance(root, str):
        yield Generator("sphinx-autoapi (autoapi_root)", False, folder="")
        return
    yield Generator(f"sphinx-autoapi (autoapi_root {root!r})", True, folder=_rel_folder(root))


def _gallery(index: FactsIndex) -> Iterator[Generator]:
    """sphinx-gallery: each of ``sphinx_gallery_conf``'s ``gallery_dirs`` (default
    ``auto_examples``) and its ``backreferences_dir``, relative to the source dir.

    The pages define labels (``sphx_glr_...``) novadoclint cannot see.
    """
    conf = index.conf
    settings = conf.get("sphinx_gallery_conf", {})
    if "sphinx_gallery_conf" in conf.unknown or not isinstance(settings, Mapping):
        yield Generator("sphinx-gallery (sphinx_gallery_conf)", False, folder="", opaque=True)
        return
    folders = settings.get("gallery_dirs", "auto_examples")
    backreferences = settings.get("backreferences_dir")
    found = [folders] if isinstance(folders, str) else list(folders or ())
    found += [backreferences] if isinstance(backreferences, str) else []
    for folder in found:
        if isinstance(folder, str) and folder and not posixpath.isabs(folder):
            rel = _rel_folder(folder)
            if _inside_srcdir(rel) and rel:
                name = f"sphinx-gallery ({rel!r})"
                yield Generator(name, True, folder=rel, opaque=True)


# -- local extensions and conf.py: what their code writes ------------------------------------


@dataclass(frozen=True, slots=True)
class _Loc:
    """A path under the source dir: ``rel`` itself (exact) or somewhere beneath it."""

    rel: str
    exact: bool = True


_Value = Any  # str, _Loc or None (unknown)
_JOIN = frozenset({"join"})
_SAME = frozenset({"abspath", "normpath", "realpath", "resolve", "absolute", "expanduser", "str"})
_OPEN = frozenset({"open"})
_COPY = frozenset({"copy", "copyfile", "copy2", "copytree", "move"})
_WRITE_METHODS = frozenset({"write_text", "write_bytes"})
MAX_PATH = 4096  # longer strings name no file (PATH_MAX)
MAX_EVAL_STEPS = 200_000  # expressions evaluated per module, all writes together
_SUBPROCESS = frozenset({"call", "check_call", "run", "check_output", "Popen"})


def _local_writers(index: FactsIndex, loaded: Iterable[str]) -> Iterator[Generator]:
    """Files local extensions (and conf.py) open for writing, or copy, under the source dir.

    Each module's answer is kept in the cache, keyed by its bytes and what else
    the scan reads (a warm run parses no module again).
    """
    conf = index.conf
    if conf.path is None:
        return
    cache = DerivedCache("writers", (__file__,), enabled=index.cache_enabled)
    confdir = os.path.dirname(conf.path)
    if conf.problem is None:
        yield from _cached_writers(cache, index, "conf.py", conf.source, conf.path, confdir)
    search = [*conf.sys_path, confdir]
    for ext in loaded:
        path = find_module(ext, search, index.root)
        if path is None or os.path.abspath(path) == os.path.abspath(conf.path):
            continue
        try:
            source = untrusted.read_bytes(path)
        except OSError:
            continue
        yield from _cached_writers(cache, index, f"local extension {ext}", source, str(path))


# A Generator as the writers cache keeps it: (name, certain, files, folder, opaque).
_Stored = tuple[str, bool, tuple[str, ...], "str | None", bool]


def _cached_writers(
    cache: DerivedCache,
    index: FactsIndex,
    what: str,
    source: bytes,
    path: str,
    confdir: str | None = None,
) -> Iterator[Generator]:
    """_module_writers' generators, from the cache when the module and its inputs are as before.

    The scan reads the module's bytes, its path, conf.py's path and values and
    the source dir: all of them are in the key.
    """
    conf = index.conf
    values = stable_repr(conf.values)
    key = cache.key(
        what, source, path, confdir, index.srcdir, conf.path, values, sorted(conf.unknown)
    )
    stored = cache.get(key, _well_formed_writers)
    if stored is None:
        found = tuple(_module_writers(index, what, source, path, confdir=confdir))
        if all(not g.names and not g.packages and g.component is None for g in found):
            cache.put(key, tuple(_stored(g) for g in found))
        yield from found
        return
    for name, certain, files, folder, opaque in cast("tuple[_Stored, ...]", stored):
        yield Generator(name, certain, frozenset(files), folder=folder, opaque=opaque)


def _stored(generator: Generator) -> _Stored:
    g = generator
    return (g.name, g.certain, tuple(sorted(g.files)), g.folder, g.opaque)


def _well_formed_writers(value: object) -> bool:
    """A cache entry as _cached_writers stores it (the cache may come from another job)."""
    return type(value) is tuple and all(
        type(item) is tuple
        and len(item) == 5
        and type(item[0]) is str
        and type(item[1]) is bool
        and type(item[2]) is tuple
        and all(type(f) is str for f in item[2])
        and (item[3] is None or type(item[3]) is str)
        and type(item[4]) is bool
        for item in value
    )


def _module_writers(
    index: FactsIndex, what: str, source: bytes, path: str, *, confdir: str | None = None
) -> Iterator[Generator]:
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    reader = _Writes(index, tree, path, confdir)
    shown = os.path.relpath(path, index.srcdir).replace(os.sep, "/")
    for line, loc, kind in reader.writes():
        rel = posixpath.normpath(loc.rel) if loc.rel else ""
        rel = "" if rel == "." else rel
        if not _inside_srcdir(rel):
            continue
        copy = kind == "copy"
        if kind.startswith("apidoc"):  # sphinx-apidoc's pages: its modules', no labels
            sure = kind == "apidoc" and bool(rel)
            name = f"{what} runs sphinx-apidoc into {rel or '.'!r} ({shown}:{line})"
            yield Generator(name, sure, folder=rel)
            continue
        if loc.exact and copy and not rel:
            loc = _Loc("", exact=False)  # copied into the source dir, under a name of its own
        if loc.exact:  # a copy's destination may be a folder: the file lands in it
            name = f"{what} writes {rel!r} ({shown}:{line})"
            folder = rel if copy else None
            yield Generator(name, True, frozenset({rel}), folder=folder, opaque=True)
        else:
            where = f"{rel!r}" if rel else "the source dir"
            name = f"{what} writes into {where} ({shown}:{line})"
            yield Generator(name, False, folder=rel, opaque=True)


class _Writes:
    """Finds the calls of a module that write files, and where, as far as _Values tells."""

    def __init__(self, index: FactsIndex, tree: ast.Module, path: str, confdir: str | None):
        self.index, self.tree, self.confdir = index, tree, confdir
        self.values = _Values(index, tree, path)
        self.scopes: dict[int, dict[str, list[ast.expr]]] = {}  # kept: _Values' memo keys are ids
        self.apidoc_imported = any(
            isinstance(n, ast.ImportFrom) and n.module in ("sphinx.ext.apidoc", "sphinx.apidoc")
            for n in ast.walk(tree)
        )
        self.parents: dict[int, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[id(child)] = node

    def writes(self) -> Iterator[tuple[int, _Loc, str]]:
        """(line, path, kind) of each write, once per path and kind.

        ``kind`` is "file", "copy" (files may land under the path), "apidoc"
        (sphinx-apidoc's output folder) or "apidoc?" (a folder relative to a
        working directory only the build knows, taken as conf.py's).
        """
        seen: set[tuple[str, bool, str]] = set()
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Call):
                continue
            target, kind = self._written(node), "copy" if _is_copy(node) else "file"
            if target is None:
                target, kind = self._apidoc_output(node), "apidoc"
            if target is None:
                continue
            scope = self._scope(node)
            value = self.values.eval(target, scope, 0)
            if isinstance(value, str) and self.confdir is not None:
                # conf.py's own statements run with the working directory at conf.py's
                # folder; its functions, wherever sphinx-build runs (usually there too)
                if scope is not None and kind != "apidoc":
                    continue
                kind = "apidoc?" if scope is not None else kind
                value = _join(_Loc(_relpath(self.confdir, self.index.srcdir)), value)
            if isinstance(value, _Loc) and (value.rel, value.exact, kind) not in seen:
                seen.add((value.rel, value.exact, kind))
                yield node.lineno, value, kind

    def _apidoc_output(self, call: ast.Call) -> ast.expr | None:
        """The ``-o`` folder of sphinx-apidoc run from Python: ``apidoc.main([...])`` or
        ``subprocess.call(['sphinx-apidoc', ...])``."""
        func = call.func
        name = _called(func)
        if not call.args or not isinstance(call.args[0], (ast.List, ast.Tuple)):
            return None
        words = call.args[0].elts
        apidoc_main = name == "main" and (
            self.apidoc_imported
            or (isinstance(func, ast.Attribute) and _dotted(func.value).endswith("apidoc"))
        )
        first = words[0] if words else None
        runs = (
            name in _SUBPROCESS
            and isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and os.path.basename(first.value) == "sphinx-apidoc"
        )
        if not (apidoc_main or runs):
            return None
        for i, word in enumerate(words[:-1]):
            if isinstance(word, ast.Constant) and word.value in ("-o", "--output-dir"):
                return words[i + 1]
        return None

    def _written(self, call: ast.Call) -> ast.expr | None:
        """The path argument of a call that writes a file, else None."""
        func = call.func
        name = _called(func)
        if name in _OPEN and call.args:
            mode = call.args[1] if len(call.args) > 1 else _keyword(call, "mode")
            if isinstance(func, ast.Attribute) and not _module_call(func):
                # path.open('w'): the path is the object
                mode = call.args[0] if call.args else _keyword(call, "mode")
                return func.value if _writing(mode) else None
            return call.args[0] if _writing(mode) else None
        if name in _OPEN and isinstance(func, ast.Attribute) and not _module_call(func):
            return func.value if _writing(_keyword(call, "mode")) else None
        if name in _WRITE_METHODS and isinstance(func, ast.Attribute):
            return func.value
        if name in _COPY and isinstance(func, ast.Attribute) and len(call.args) >= 2:
            return call.args[1]
        return None

    def _scope(self, node: ast.AST) -> Mapping[str, list[ast.expr]] | None:
        current: ast.AST | None = node
        while current is not None:
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if id(current) not in self.scopes:
                    self.scopes[id(current)] = _assignments(current.body, walk=True)
                return self.scopes[id(current)]
            current = self.parents.get(id(current))
        return None


class _Values:
    """Evaluates an expression of a module as far as literals and conf.py's values tell.

    Apart from :class:`_Writes` (which calls write, and where they run) because
    this is the part with the bounds: every evaluation counts its steps, and a
    variable is evaluated once per scope, whatever the module's code does.
    """

    def __init__(self, index: FactsIndex, tree: ast.Module, path: str):
        self.index = index
        self.here = _Loc(_relpath(os.path.dirname(path), index.srcdir))
        self.defaults = _config_defaults(tree)
        self.module_scope = _assignments(tree.body)
        self.memo: dict[tuple[int, str], _Value] = {}
        self.steps = 0

    def eval(
        self, node: ast.expr, scope: Mapping[str, list[ast.expr]] | None, depth: int
    ) -> _Value:
        """The expression's value, as far as literals tell: a str, a _Loc or None.

        Strings and paths longer than any path are unknown: ``a = a + a`` over
        forty names would otherwise double forty times.
        """
        value = self._eval(node, scope, depth)
        if isinstance(value, str) and len(value) > MAX_PATH:
            return None
        if isinstance(value, _Loc) and len(value.rel) > MAX_PATH:
            return None
        return value

    def _eval(
        self, node: ast.expr, scope: Mapping[str, list[ast.expr]] | None, depth: int
    ) -> _Value:
        self.steps += 1
        if depth > 20 or self.steps > MAX_EVAL_STEPS:
            return None  # the module's own code decides how much is read: a bound
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return _Loc(posixpath.join(self.here.rel, "__file__"))
            for names in (scope, self.module_scope):
                values = names.get(node.id) if names is not None else None
                if names is not None and values:
                    return self._name(node.id, values, names, scope, depth)
            return None
        if isinstance(node, ast.Attribute):
            if node.attr in ("srcdir", "confdir"):
                if node.attr == "confdir" and self.index.conf.path:
                    return _Loc(_relpath(os.path.dirname(self.index.conf.path), self.index.srcdir))
                return _Loc("")
            if node.attr == "parent":
                return _dirname(self.eval(node.value, scope, depth + 1))
            if node.attr == "name":
                value = self.eval(node.value, scope, depth + 1)
                return _basename(value)
            return self._config(node)
        if isinstance(node, ast.Subscript):
            return self._config(node)
        if isinstance(node, ast.BinOp):
            left = self.eval(node.left, scope, depth + 1)
            right = self.eval(node.right, scope, depth + 1)
            if isinstance(node.op, ast.Div):
                return _join(left, right)
            if isinstance(node.op, ast.Add) and isinstance(left, str) and isinstance(right, str):
                return left + right
            if isinstance(node.op, ast.Add) and isinstance(left, _Loc):
                return (
                    _Loc(left.rel + right, left.exact)
                    if isinstance(right, str)
                    else _Loc(posixpath.dirname(left.rel), False)
                )
            return None
        if isinstance(node, ast.JoinedStr):
            parts = []
            for part in node.values:
                value = (
                    self.eval(part.value, scope, depth + 1)
                    if isinstance(part, ast.FormattedValue)
                    else self.eval(part, scope, depth + 1)
                )
                if not isinstance(value, str):
                    return None
                parts.append(value)
            return "".join(parts)
        if isinstance(node, ast.Call):
            return self._call(node, scope, depth)
        return None

    def _name(
        self,
        name: str,
        values: list[ast.expr],
        names: Mapping[str, list[ast.expr]],
        scope: Mapping[str, list[ast.expr]] | None,
        depth: int,
    ) -> _Value:
        """A variable's value when every assignment gives the same; each evaluated once.

        Remembered per scope, and unknown while being evaluated (``p = join(p, 'a')``):
        a module's assignments cannot make the evaluation exponential.
        """
        inner = None if names is self.module_scope else scope
        key = (id(names), name)
        if key in self.memo:
            return self.memo[key]
        self.memo[key] = None
        results = [self.eval(v, inner, depth + 1) for v in values]
        value = results[0] if all(r == results[0] for r in results) else None
        self.memo[key] = value
        return value

    def _call(
        self, node: ast.Call, scope: Mapping[str, list[ast.expr]] | None, depth: int
    ) -> _Value:
        func = node.func
        name = _called(func)
        args = [self.eval(a, scope, depth + 1) for a in node.args]
        if name in _JOIN and isinstance(func, ast.Attribute) and _module_call(func) and args:
            value = args[0]
            for arg in args[1:]:
                value = _join(value, arg)
            return value
        if name in ("Path", "PurePath", "PosixPath") and args:
            value = args[0]
            for arg in args[1:]:
                value = _join(value, arg)
            return value
        if name in ("joinpath",) and isinstance(func, ast.Attribute):
            value = self.eval(func.value, scope, depth + 1)
            for arg in args:
                value = _join(value, arg)
            return value
        if name in _SAME:
            if args:
                return args[0]
            if isinstance(func, ast.Attribute) and not _module_call(func):
                return self.eval(func.value, scope, depth + 1)
            return None
        if name == "dirname" and args:
            return _dirname(args[0])
        if name == "basename" and args:
            return _basename(args[0])
        if name in ("replace", "lower", "strip") and isinstance(func, ast.Attribute):
            obj = self.eval(func.value, scope, depth + 1)
            if isinstance(obj, str) and all(isinstance(a, str) for a in args) and not node.keywords:
                grows = name == "replace" and len(args) >= 2 and len(args[1]) > len(args[0]) > 0
                if grows and len(obj) // len(args[0]) * len(args[1]) > MAX_PATH:
                    return None  # replace('a', 'aaaa'), twenty times over: no path
                try:
                    return str(getattr(obj, name)(*args))[: MAX_PATH + 1]
                except (TypeError, ValueError, IndexError, KeyError):
                    return None
        return None

    def _config(self, node: ast.Attribute | ast.Subscript) -> _Value:
        """``app.config.name`` / ``config['name']``: conf.py's value, else the default."""
        if isinstance(node, ast.Attribute):
            owner, name = node.value, node.attr
        else:
            owner, key = node.value, node.slice
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                return None
            name = key.value
        if not (
            (isinstance(owner, ast.Attribute) and owner.attr == "config")
            or (isinstance(owner, ast.Name) and owner.id == "config")
        ):
            return None
        conf = self.index.conf
        if name in conf.unknown:
            return None
        value = conf.get(name, self.defaults.get(name))
        return value if isinstance(value, str) else None


def _called(func: ast.expr) -> str:
    """The name a call calls: ``f`` of ``f()`` and of ``x.f()``, '' for anything else."""
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _dotted(node: ast.expr) -> str:
    """``sphinx.ext.apidoc`` of an attribute chain, '' for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else ""
    return ""


def _is_copy(call: ast.Call) -> bool:
    func = call.func
    return isinstance(func, ast.Attribute) and func.attr in _COPY


def _relpath(path: str, srcdir: str) -> str:
    return os.path.relpath(os.path.abspath(path), os.path.abspath(srcdir)).replace(os.sep, "/")


def _module_call(func: ast.Attribute) -> bool:
    """``os.path.join``, ``path.join``, ``io.open``, ``shutil.copy``: a module's function."""
    value = func.value
    while isinstance(value, ast.Attribute):
        value = value.value
    return isinstance(value, ast.Name) and value.id in (
        "os",
        "path",
        "posixpath",
        "osp",
        "io",
        "codecs",
        "shutil",
        "ntpath",
    )


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _writing(mode: ast.expr | None) -> bool:
    return (
        isinstance(mode, ast.Constant)
        and isinstance(mode.value, str)
        and any(c in mode.value for c in "wax")
    )


def _join(left: _Value, right: _Value) -> _Value:
    """os.path.join: a known folder and an unknown part is 'somewhere under the folder'."""
    if isinstance(right, _Loc):
        return right  # an absolute part starts over
    if isinstance(left, _Loc):
        if not left.exact:
            return left
        if isinstance(right, str):
            if posixpath.isabs(right):
                return None  # outside the source dir, as far as anyone can tell
            return _Loc(posixpath.join(left.rel, right) if left.rel else right)
        return _Loc(left.rel, False)
    if isinstance(left, str) and isinstance(right, str):
        return posixpath.join(left, right)
    return None


def _dirname(value: _Value) -> _Value:
    if isinstance(value, _Loc):
        if not value.exact:
            return value
        rel = posixpath.dirname(value.rel)
        if value.rel in ("", ".") or value.rel.endswith(".."):
            rel = posixpath.join(value.rel, "..") if value.rel else ".."
        return _Loc(rel)
    if isinstance(value, str):
        return posixpath.dirname(value)
    return None


def _basename(value: _Value) -> _Value:
    if isinstance(value, _Loc):
        return posixpath.basename(value.rel) if value.exact else None
    if isinstance(value, str):
        return posixpath.basename(value)
    return None


def _assignments(body: list[ast.stmt], *, walk: bool = False) -> dict[str, list[ast.expr]]:
    """name -> every value assigned to it (``name = value``), in a body or a function."""
    found: dict[str, list[ast.expr]] = {}
    nodes: Iterable[ast.AST] = (n for stmt in body for n in ast.walk(stmt)) if walk else body
    for node in nodes:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            found.setdefault(node.target.id, []).append(node.value)
    return found


def _config_defaults(tree: ast.Module) -> dict[str, Any]:
    """``app.add_config_value('name', default, ...)``: the string defaults a module declares."""
    found: dict[str, Any] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_config_value"
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and isinstance(node.args[1], ast.Constant)
        ):
            found[node.args[0].value] = node.args[1].value
    return found


def makes_labels(index: FactsIndex, module: str) -> bool | None:
    """A project-local extension's source may define labels; None: it is not in the project.

    Std labels come from explicit targets: rst text it writes or parses
    (a string holding ``.. _``) or a node it notes as one (``note_explicit_target``).
    ``conf.py`` stands for conf.py's own setup().
    """
    conf = index.conf
    if conf.path is None:
        return None
    if module == "conf.py":
        source: bytes = conf.source
    else:
        path = find_module(module, [*conf.sys_path, os.path.dirname(conf.path)], index.root)
        if path is None:
            return None
        try:
            source = untrusted.read_bytes(path)
        except OSError:
            return None
    cache = DerivedCache("labels", (__file__,), enabled=index.cache_enabled)
    key = cache.key(source)
    stored = cache.get(key, lambda value: type(value) is bool)
    if stored is None:
        stored = _source_makes_labels(source)
        cache.put(key, stored)
    return stored is True


def _source_makes_labels(source: bytes) -> bool:
    """makes_labels' answer for a module's bytes (kept in the cache: a warm run parses none)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True  # unreadable: it may do anything
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and ".. _" in node.value:
            return True
        if isinstance(node, ast.Attribute) and node.attr == "note_explicit_target":
            return True
    return False


# -- tox's docs environment and doc8's ignore-path ------------------------------------------


def _tox_docs(index: FactsIndex) -> Iterator[Generator]:
    """Paths a tox environment that builds this tree names before running Sphinx.

    The environments are ``docs`` (or ``doc``) and any whose ``sphinx-build``
    command names this source dir, in tox.ini, tox.toml or pyproject.toml's
    ``[tool.tox]``. A command that writes (a generator's ``--output-file
    doc/source/x``, a shell redirection) makes the path certain; one that
    deletes it before the build (``rm -rf doc/source/api``) says it is build
    output, which is probable. Paths that exist are not the build's to write.
    """
    for shown_file, env, folder, commands in _tox_envs(index):
        sphinx = next(
            (i for i, c in enumerate(commands) if any(m in c for m in SPHINX_COMMANDS)), None
        )
        if sphinx is None:
            continue
        if env not in DOCS_ENVS and not _builds_here(index, folder, commands[sphinx]):
            continue
        section = f"{shown_file}'s [{'testenv:' if shown_file == 'tox.ini' else 'env.'}{env}]"
        for command in commands[:sphinx]:
            yield from _command_outputs(index, section, folder, command)


def _command_outputs(
    index: FactsIndex, section: str, folder: Path, command: str
) -> Iterator[Generator]:
    for words in _shell_commands(command):
        if not words:
            continue
        remove = os.path.basename(words[0]) in REMOVERS
        for word in _paths(words[1:], every=remove):
            rel = _tree_path(index, str(folder / _substituted(word)))
            if rel is None or _exists(index, rel):
                continue
            shown = " ".join(words)
            if remove:
                why = f"{section} deletes {rel!r} before building ({shown!r})"
                yield Generator(why, False, folder=rel, opaque=True)
            else:
                name = f"{section} command {shown!r}"
                yield Generator(name, True, frozenset({rel}), folder=rel, opaque=True)


def _substituted(word: str) -> str:
    for key in ("{toxinidir}", "{tox_root}"):
        word = word.replace(key + "/", "").replace(key, ".")
    return word


def _builds_here(index: FactsIndex, folder: Path, command: str) -> bool:
    """A sphinx-build command with this source dir among its arguments."""
    for words in _shell_commands(command):
        for word in words[1:]:
            if (
                not word.startswith("-")
                and _tree_path(index, str(folder / _substituted(word))) == ""
            ):
                return True
    return False


def _tox_envs(index: FactsIndex) -> Iterator[tuple[str, str, Path, list[str]]]:
    """(file, environment, working folder, commands) of the nearest tox configuration."""
    for name in ("tox.ini", "tox.toml", "pyproject.toml"):
        path = _config_file(index, name)
        if path is None:
            continue
        if name == "tox.ini":
            parser = _ini(path)
            if parser is not None:
                yield from _ini_envs(name, path.parent, parser)
            return
        try:
            table: Mapping[str, Any] = read_toml(path)
        except (ConfigError, OSError):
            continue
        if name == "pyproject.toml":
            table = _tool_table(table, "tox")
            if not table:
                continue
            legacy = table.get("legacy_tox_ini")
            if isinstance(legacy, str):
                parser = configparser.RawConfigParser(strict=False)
                try:
                    parser.read_string(legacy, str(path))
                except configparser.Error:
                    return
                yield from _ini_envs(name, path.parent, parser)
                return
        envs = table.get("env", {})
        for env, settings in sorted(envs.items()) if isinstance(envs, Mapping) else ():
            if not isinstance(settings, Mapping):
                continue
            folder = path.parent
            change = settings.get("change_dir")
            if isinstance(change, str) and change:
                folder = folder / _substituted(change)
            commands = [
                shlex.join(str(w) for w in c)
                for c in settings.get("commands", ())
                if isinstance(c, list)
            ]
            yield name, str(env), folder, commands
        return


def _ini_envs(
    name: str, root: Path, parser: configparser.RawConfigParser
) -> Iterator[tuple[str, str, Path, list[str]]]:
    for section in parser.sections():
        if not section.startswith("testenv:"):
            continue
        folder = root
        changedir = parser.get(section, "changedir", fallback="").strip()
        if changedir:
            folder = folder / _substituted(changedir)
        commands = list(_commands(parser.get(section, "commands", fallback="")))
        yield name, section.removeprefix("testenv:"), folder, commands


def _commands(text: str) -> Iterator[str]:
    """tox's commands, one a line, with backslash continuations joined."""
    pending = ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        yield pending + line
        pending = ""
    if pending:
        yield pending


def _shell_commands(command: str) -> Iterator[list[str]]:
    """The words of each command, ``bash -c '...'`` and ``;``/``&&``/``>`` opened."""
    try:
        words = shlex.split(command)
    except ValueError:
        return
    if len(words) >= 3 and os.path.basename(words[0]) in ("bash", "sh") and words[1] == "-c":
        try:
            lexer = shlex.shlex(words[2], posix=True, punctuation_chars=";&|>")
            inner = list(lexer)
        except ValueError:
            return
        current: list[str] = []
        for word in inner:
            if set(word) <= set(";&|"):
                yield current
                current = []
            elif set(word) <= {">"}:
                current.append(">")
            else:
                current.append(word)
        yield current
        return
    yield words


def _paths(words: list[str], *, every: bool = False) -> Iterator[str]:
    """Words that name a path: with a '/', after '>' (options' '=value' too), or every
    word but options (``rm``'s)."""
    after_redirect = every
    for word in words:
        if word == ">":
            after_redirect = True
            continue
        value = word.partition("=")[2] if word.startswith("-") and "=" in word else word
        named = after_redirect or "/" in value
        if (
            named
            and not value.startswith("-")
            and "://" not in value
            and not GLOB_CHARS & set(value)
        ):
            yield value
        after_redirect = every


def _doc8_ignored(index: FactsIndex) -> Iterator[Generator]:
    """doc8's ignore-path entries inside the source dir that are not there: generated.

    doc8 runs from the folder of its config file (tox's), so the entries are
    relative to it. A glob entry counts for the folder before its first
    wildcard when that folder is missing (``doc/source/api/*``).
    """
    for folder in (Path(index.srcdir), *Path(index.srcdir).parents):
        for name in DOC8_FILES:
            path = folder / name
            if not path.is_file() or not untrusted.inside(path, index.root):
                continue
            entries = _doc8_ignore_path(path)
            if entries is None:
                continue
            for entry in entries:
                fixed = entry
                if GLOB_CHARS & set(entry):
                    head = entry[: min(entry.index(c) for c in GLOB_CHARS if c in entry)]
                    fixed = head.rpartition("/")[0]
                    if not fixed:
                        continue
                rel = _tree_path(index, str(path.parent / fixed))
                if rel is None or rel == "" or _exists(index, rel):
                    continue
                why = f"doc8's ignore-path in {name} names {entry!r}, which the checkout lacks"
                yield Generator(why, False, frozenset({rel}), folder=rel, opaque=True)
            return
        if untrusted.inside(folder, index.root) and os.path.normpath(folder) == os.path.normpath(
            index.root
        ):
            return


def _tool_table(pyproject: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """pyproject.toml's [tool.<name>], empty when it or [tool] is no table (``tool = 1``)."""
    tool = pyproject.get("tool")
    table = tool.get(name) if isinstance(tool, Mapping) else None
    return table if isinstance(table, Mapping) else {}


def _doc8_ignore_path(path: Path) -> list[str] | None:
    """ignore-path of the file's doc8 section; None when it has no doc8 section."""
    try:
        if path.suffix == ".toml":
            table = _tool_table(read_toml(path), "doc8")
            if not table:
                return None
            value: Any = table.get("ignore-path", table.get("ignore_path", []))
        else:
            parser = _ini(path)
            if parser is None or not parser.has_section("doc8"):
                return None
            value = parser.get(
                "doc8", "ignore-path", fallback=parser.get("doc8", "ignore_path", fallback="")
            )
    except (ConfigError, OSError, configparser.Error):  # unreadable: it says nothing
        return None
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).replace("\n", ",").split(",") if v.strip()]


def _git_ignored(index: FactsIndex) -> Iterator[Generator]:
    """Paths inside the source dir that a ``.gitignore`` names and the checkout lacks.

    Files git is told to ignore are made by something: probably the build. A
    pattern with a slash is relative to its ``.gitignore``'s folder (the part
    before its first wildcard is kept); a plain name (``generated/``) is a
    folder of that name anywhere, when no file of the tree sits in one.
    Negations and wildcard-only names (``*.pyc``) say nothing here.
    """
    components = {part for path in index.files for part in path.split("/")[:-1]}
    seen: set[tuple[str, bool]] = set()
    for folder in (Path(index.srcdir), *Path(index.srcdir).parents):
        path = folder / ".gitignore"
        if path.is_file() and untrusted.inside(path, index.root):
            try:
                text = untrusted.read_bytes(path).decode("utf-8", "replace")
            except OSError:
                text = ""
            shown = _relpath(str(path), index.root)
            for line in text.splitlines():
                yield from _ignored(index, folder, shown, line.strip(), components, seen)
        if os.path.normpath(folder) == os.path.normpath(index.root):
            return


def _ignored(
    index: FactsIndex,
    folder: Path,
    shown: str,
    pattern: str,
    components: set[str],
    seen: set[tuple[str, bool]],
) -> Iterator[Generator]:
    if not pattern or pattern.startswith(("#", "!")) or "\\" in pattern:
        return
    why = f"{shown} ignores {pattern!r}, which the checkout lacks"
    body = pattern.strip("/")
    if "/" not in body:  # a name, anywhere below
        if GLOB_CHARS & set(body) or body in components or body in (".", ".."):
            return
        if (body, False) not in seen:
            seen.add((body, False))
            yield Generator(why, False, component=body, opaque=True)
        return
    if GLOB_CHARS & set(body):
        head = body[: min(body.index(c) for c in GLOB_CHARS if c in body)]
        body = head.rpartition("/")[0]
        if not body:
            return
    rel = _tree_path(index, str(folder / body))
    if rel and not _exists(index, rel) and (rel, True) not in seen:
        seen.add((rel, True))
        yield Generator(why, False, frozenset({rel}), folder=rel, opaque=True)


def _config_file(index: FactsIndex, name: str) -> Path | None:
    """The nearest ``name`` at or above the source dir, inside the project."""
    for folder in (Path(index.srcdir), *Path(index.srcdir).parents):
        path = folder / name
        if path.is_file() and untrusted.inside(path, index.root):
            return path
        if os.path.normpath(folder) == os.path.normpath(index.root):
            return None
    return None


def _ini(path: Path) -> configparser.RawConfigParser | None:
    """The file parsed (never to be changed: one parse of the same bytes serves every caller)."""
    try:
        return _parsed_ini(untrusted.read_bytes(path), str(path))
    except OSError:
        return None


@lru_cache(maxsize=4)
def _parsed_ini(raw: bytes, name: str) -> configparser.RawConfigParser | None:
    """tox.ini's tox environments and its doc8 section each read it: ~1.7 ms a parse."""
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(raw.decode("utf-8"), name)
    except (configparser.Error, UnicodeDecodeError):
        return None
    return parser


def _tree_path(index: FactsIndex, path: str) -> str | None:
    """A path as source-dir-relative posix, None when outside the source dir."""
    rel = _relpath(path, index.srcdir)
    rel = "" if rel == "." else rel
    return rel if _inside_srcdir(rel) else None


def _exists(index: FactsIndex, rel: str) -> bool:
    """A file or folder of the tree; one a link leads outside counts, unexamined."""
    if rel in index.files or index.leaves(rel):
        return True
    return os.path.exists(os.path.join(index.srcdir, rel))
