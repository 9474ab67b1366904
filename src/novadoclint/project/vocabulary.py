"""Which directives and roles exist for a project, and how to treat their content.

Built from docutils itself, Sphinx core and the extensions conf.py enables
(``rules/extensions.toml``), local extensions, extensions installed in the docs
environment (the ``python`` setting, else where novadoclint runs) and conf.py's
own ``setup(app)`` scanned with :mod:`ast` (following ``app.setup_extension``),
and the user's extra declarations. Nothing is imported or executed.
"""

from __future__ import annotations

import ast
import configparser
import contextlib
import enum
import os
import site
import sysconfig
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from novadoclint import data
from novadoclint.project.derived import DerivedCache
from novadoclint.project.sphinxconf import SphinxConf
from novadoclint.safety import untrusted


class Kind(str, enum.Enum):
    BODY = "body"  # directive content is rst
    ADMONITION = "admonition"  # content is rst, and so is the text on the directive line
    OPAQUE = "opaque"  # directive content is data
    XREF = "xref"  # role: cross-reference
    TEXT = "text"  # role: formatting only


@dataclass(frozen=True)
class Vocabulary:
    """Directive and role names -> (kind, provider). Hashable: part of the cache key."""

    directives: tuple[tuple[str, Kind, str], ...]
    roles: tuple[tuple[str, Kind, str], ...]
    unknown_extensions: tuple[str, ...] = ()
    lexers: tuple[str, ...] = ()  # Pygments lexer names registered with app.add_lexer
    # Every extension Sphinx loads, as far as read: conf.py's, then app.setup_extension()'s
    loaded: tuple[str, ...] = ()
    # Where installed extensions were looked for: the python setting, or "" for the
    # environment novadoclint runs in
    environment: str = ""

    def directive_kinds(self) -> dict[str, Kind]:
        return {name: kind for name, kind, _ in self.directives}

    def role_kinds(self) -> dict[str, Kind]:
        return {name: kind for name, kind, _ in self.roles}


@dataclass(frozen=True)
class Provider:
    extension: str
    package: str


def _table() -> Mapping[str, Any]:
    return data.load("extensions")


def providers_of_directive(name: str) -> tuple[Provider, ...]:
    """Every known extension providing a directive: for "enable X" hints."""
    return _providers(name, ("admonitions", "body_directives", "opaque_directives"))


def providers_of_role(name: str) -> tuple[Provider, ...]:
    return _providers(name, ("xref_roles", "text_roles"))


def _providers(name: str, keys: tuple[str, ...]) -> tuple[Provider, ...]:
    found = []
    for ext, entry in _table().get("extension", {}).items():
        if any(name in entry.get(k, ()) for k in keys):
            found.append(Provider(ext, entry.get("package", ext)))
    return tuple(found)


def extension_package(extension: str) -> str | None:
    entry = _table().get("extension", {}).get(extension)
    return entry.get("package") if entry else None


def build(
    conf: SphinxConf,
    confdir: Path | None,
    *,
    extra_directives: Iterable[str] = (),
    extra_roles: Iterable[str] = (),
    python: str | None = None,
    python_root: str | None = None,
    cache: bool = False,
) -> Vocabulary:
    """The project's vocabulary; ``python`` names the docs environment's interpreter.

    An extension is looked up in the table first, then among the project's
    local modules, then installed in the docs environment: ``python``'s
    site-packages (found from the path, never by running it; with
    ``python_root``, a config file's setting, only files inside that folder
    are read), else the site-packages novadoclint runs from. ``cache``: local
    extensions' answers may be kept between runs (a lint that may use the cache).
    """
    table = _table()
    directives: dict[str, tuple[Kind, str]] = {}
    roles: dict[str, tuple[Kind, str]] = {}
    unknown: list[str] = []

    def add(entry: Mapping[str, Any], provider: str) -> None:
        for name in entry.get("admonitions", ()):
            directives.setdefault(name, (Kind.ADMONITION, provider))
        for name in entry.get("body_directives", ()):
            directives.setdefault(name, (Kind.BODY, provider))
        for name in entry.get("opaque_directives", ()):
            directives.setdefault(name, (Kind.OPAQUE, provider))
        for name in entry.get("xref_roles", ()):
            roles.setdefault(name, (Kind.XREF, provider))
        for name in entry.get("text_roles", ()):
            roles.setdefault(name, (Kind.TEXT, provider))
        for spec in entry.get("config_roles", ()):
            for key in _setting_keys(conf.get(spec["setting"])):
                roles.setdefault(spec["template"].format(key), (Kind.XREF, provider))

    add(table["core"], "sphinx")
    own = scan_conf_setup(conf)
    lexers = list(own.get("lexers", ()))
    # Sphinx loads each extension once, in order; app.setup_extension() in an extension's
    # setup() loads that one at once (and what it loads in turn); in conf.py's, last.
    pending = [*conf.extensions, *own.get("extensions", ())]
    seen: dict[str, None] = {}  # in load order
    environment: Environment | None = None  # found when a first extension needs it
    while pending:
        ext = pending.pop(0)
        if ext in seen:
            continue
        seen[ext] = None
        entry = table.get("extension", {}).get(ext)
        if entry is None:
            entry = scan_local_extension(ext, conf, confdir, cache=cache)
        if entry is None:
            if environment is None:
                environment = Environment.find(python, python_root)
            entry = environment.scan(ext)
        if entry is None:
            unknown.append(ext)
            continue
        add(entry, ext)
        lexers += entry.get("lexers", ())
        pending[0:0] = entry.get("extensions", ())
    if python is not None:  # the docs environment's Pygments plugins (novadoclint's own
        # are Pygments', already known to it)
        if environment is None:
            environment = Environment.find(python, python_root)
        lexers += environment.plugin_lexers()
    add(own, "conf.py")  # Sphinx calls conf.py's setup(app) after loading the extensions
    for name in extra_directives:
        directives.setdefault(name, (Kind.OPAQUE, "config"))
    for name in extra_roles:
        roles.setdefault(name, (Kind.TEXT, "config"))
    return Vocabulary(
        tuple(sorted((n, k, p) for n, (k, p) in directives.items())),
        tuple(sorted((n, k, p) for n, (k, p) in roles.items())),
        tuple(unknown),
        tuple(sorted(set(lexers))),
        tuple(seen),
        python or "",
    )


def _setting_keys(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        return [k for k in value if isinstance(k, str)]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []


def find_module(module: str, search: Iterable[str], root: str | None = None) -> Path | None:
    """The module's file on conf.py's ``sys.path``; with ``root``, only a file inside it.

    conf.py is the pull request's: its ``sys.path`` may name any folder, and
    which names an outside file registers would tell what lies there.
    """
    rel = Path(*module.split("."))
    plain = root is not None and all(part.isidentifier() for part in module.split("."))
    # what the module's path starts with in a search folder: its package, or itself
    first = (rel.parts[0],) if len(rel.parts) > 1 else (f"{rel}.py", str(rel))
    for base in search:
        if plain and not _may_hold(root, base, first):
            continue
        for candidate in (Path(base) / rel.with_suffix(".py"), Path(base) / rel / "__init__.py"):
            found = candidate if root is None else untrusted.resolve_inside(root, str(candidate))
            if found is not None and os.path.isfile(found):
                return Path(found)
    return None


def _may_hold(root: str | None, base: str, first: tuple[str, ...]) -> bool:
    """False when no name of ``first`` is in the folder ``base``, or base leads outside root.

    Saves resolving both candidates of every search folder, component by component
    (each extension a tree enables is looked up, and most are installed, not local):
    an lstat of each name in the folder ``base`` resolves to, which is inside root
    (or it is None: outside), so nothing outside is looked at either.
    """
    assert root is not None
    real = untrusted.resolve_inside(root, base)
    if real is None:
        return False
    for name in first:
        try:
            os.lstat(os.path.join(real, name))
        except (FileNotFoundError, NotADirectoryError):
            continue
        except (OSError, ValueError):
            return True  # undecided here: the full lookup decides, as before
        return True
    return False


def scan_local_extension(
    module: str, conf: SphinxConf, confdir: Path | None, *, cache: bool = False
) -> dict[str, list[str]] | None:
    """Directives and roles a project-local extension registers, read with ast.

    With ``cache``, the answer for the module's bytes is kept between runs
    (:mod:`novadoclint.project.derived`): a warm run parses no extension again.
    """
    search = [*conf.sys_path, *([str(confdir)] if confdir else [])]
    root = untrusted.project_root(os.path.abspath(confdir)) if confdir else None
    path = find_module(module, search, root)
    if path is None:
        return None
    try:  # the tree's own file: a regular file of at most 10 MB, never a FIFO
        source = untrusted.read_bytes(path)
    except OSError:
        return {}
    kept = DerivedCache("registrations", (__file__,), enabled=cache)
    key = kept.key(source)
    stored = kept.get(key, _well_formed_registrations)
    if stored is not None:
        return cast("dict[str, list[str]]", stored)
    try:
        tree = ast.parse(source, filename=str(path))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    found = _module_registrations(tree)
    kept.put(key, found)
    return found


def _well_formed_registrations(value: object) -> bool:
    """A cached answer as scan_local_extension stores it (the cache may come from another job)."""
    return type(value) is dict and all(
        type(name) is str and type(items) is list and all(type(i) is str for i in items)
        for name, items in value.items()
    )


# Bounds on reading one installed extension: the modules it imports from its own
# package, followed from the one named, and their bytes in all.
MAX_MODULES = 64
MAX_EXTENSION_BYTES = 16 * 1024 * 1024
MAX_PTH_LINES = 200  # paths a site-packages' .pth files add, in all


@dataclass
class Environment:
    """A Python environment's site-packages, found and read without running anything.

    ``root``: files are read only inside it (a config file names the environment,
    and a pull request writes the config), else anywhere (novadoclint's own
    environment, or one named on the command line).
    """

    sites: list[str]
    root: str | None = None

    @classmethod
    def find(cls, python: str | None, root: str | None = None) -> Environment:
        if python is None:
            return cls(_own_sites())
        return cls(site_packages(python, root), root)

    def locate(self, module: str) -> Path | None:
        """The module's source file, found as Python's path finder would, without importing.

        A regular package (with ``__init__.py``) wins over namespace portions, which
        are merged across site dirs as Python does; compiled modules are not found.
        """
        parts = module.split(".")
        if not all(part.isidentifier() for part in parts):
            return None
        folders = [Path(s) for s in self.sites]
        for part in parts[:-1]:
            regular = [f / part for f in folders if self._file(f / part / "__init__.py")]
            folders = regular[:1] or [f / part for f in folders if (f / part).is_dir()]
            if not folders:
                return None
        last = parts[-1]
        for folder in folders:
            for candidate in (folder / last / "__init__.py", folder / f"{last}.py"):
                found = self._file(candidate)
                if found is not None:
                    return found
        return None

    def _file(self, path: Path) -> Path | None:
        if self.root is None:
            return path if path.is_file() else None
        inside = untrusted.resolve_inside(self.root, str(path))
        return Path(inside) if inside is not None and os.path.isfile(inside) else None

    def scan(self, extension: str) -> dict[str, list[str]] | None:
        """What an installed extension registers: its module and the modules of its own
        package it imports (where ``setup`` and the helpers it calls may live), read
        with ast; None when it is not installed here as source.
        """
        path = self.locate(extension)
        if path is None:
            return None
        # its own package: the extension's, or the one its module lies in
        own = extension if path.name == "__init__.py" else extension.rpartition(".")[0]
        own = own or extension
        trees: list[ast.Module] = []
        pending: list[tuple[str, Path]] = [(extension, path)]
        seen: set[str] = set()
        budget = MAX_EXTENSION_BYTES
        while pending and len(seen) < MAX_MODULES:
            name, file = pending.pop(0)
            if name in seen:
                continue
            seen.add(name)
            try:  # at most 10 MB, never a FIFO
                source = untrusted.read_bytes(file, min(budget, untrusted.MAX_FILE_BYTES))
                tree = ast.parse(source, filename=str(file))
            except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            budget -= len(source)
            trees.append(tree)
            package = name if file.name == "__init__.py" else name.rpartition(".")[0]
            for imported in _imports(tree, package):
                if (imported == own or imported.startswith(f"{own}.")) and imported not in seen:
                    found = self.locate(imported)
                    if found is not None:
                        pending.append((imported, found))
            if budget <= 0:
                break
        classes = {n.name: n for t in trees for n in ast.walk(t) if isinstance(n, ast.ClassDef)}
        return _registrations(trees, classes)

    def plugin_lexers(self) -> list[str]:
        """Aliases of the Pygments lexers installed distributions declare as
        ``pygments.lexers`` entry points: the class's literal ``aliases``, read with ast,
        else the entry point's name. entry_points.txt is read as any untrusted file.
        """
        found: list[str] = []
        for folder in self.sites:
            try:
                infos = sorted(os.listdir(folder))
            except OSError:
                continue
            for info in infos:
                if not info.endswith((".dist-info", ".egg-info")):
                    continue
                entry_points = self._file(Path(folder, info, "entry_points.txt"))
                if entry_points is not None:
                    for name, value in _lexer_entry_points(entry_points):
                        found += self._lexer_aliases(value) or [name]
        return found

    def _lexer_aliases(self, value: str) -> list[str]:
        module, _, attr = value.partition(":")
        path = self.locate(module.strip())
        if path is None or not attr.strip():
            return []
        try:
            tree = ast.parse(untrusted.read_bytes(path), filename=str(path))
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            return []
        wanted = attr.strip().split(".")[-1]
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == wanted:
                for stmt in node.body:
                    value_node = _assigned(stmt, "aliases")
                    if isinstance(value_node, (ast.List, ast.Tuple)):
                        return [
                            e.value
                            for e in value_node.elts
                            if isinstance(e, ast.Constant) and isinstance(e.value, str)
                        ]
        return []


def _lexer_entry_points(path: Path) -> Iterator[tuple[str, str]]:
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(untrusted.read_text(path), str(path))
    except (OSError, configparser.Error):
        return
    if parser.has_section("pygments.lexers"):
        yield from parser.items("pygments.lexers")


def _imports(tree: ast.Module, package: str) -> Iterator[str]:
    """Modules a module imports, relative ones made absolute (``package``: its package)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                if node.level - 1 > len(parts):
                    continue
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, *([base] if base else [])])
            if base:
                yield base
                # from package import module: the names may be submodules
                yield from (f"{base}.{alias.name}" for alias in node.names if alias.name != "*")


def _own_sites() -> list[str]:
    """The site-packages of the interpreter novadoclint runs in (never the current folder)."""
    found: list[str] = []
    paths = sysconfig.get_paths()
    candidates = [paths.get("purelib", ""), paths.get("platlib", "")]
    with contextlib.suppress(AttributeError):  # an old virtualenv's site module lacks them
        candidates += [*site.getsitepackages(), site.getusersitepackages()]
    for candidate in candidates:
        if candidate and os.path.isdir(candidate) and candidate not in found:
            found.append(candidate)
    return _with_pth(found, None)


def site_packages(python: str, root: str | None = None) -> list[str]:
    """The site-packages folders of the environment ``python`` belongs to, from its layout.

    ``python`` is an interpreter (``.tox/docs/bin/python``, ``Scripts/python.exe``)
    or an environment's folder; it is never run. A virtual environment's
    ``pyvenv.cfg`` gives the version (``lib/pythonX.Y/site-packages``) and,
    without ``root`` (the command line's path, not a config file's), the base
    installation's site-packages with ``include-system-site-packages``; with
    ``root``, .pth files are read only inside it.
    """
    given = Path(os.path.abspath(python))
    if given.name in ("site-packages", "dist-packages") and given.is_dir():
        return [str(given)]
    if given.is_dir():
        env = given
    else:  # never resolved: a venv's python is a link to the base interpreter
        env = given.parent.parent if given.parent.name in ("bin", "Scripts") else given.parent
    config = _pyvenv(env / "pyvenv.cfg", root)
    found = _layout_sites(env, config.get("version", ""))
    if root is None and config.get("include-system-site-packages", "").lower() == "true":
        home = config.get("home", "")
        if home:
            base = Path(home)
            base = base.parent if base.name in ("bin", "Scripts") else base
            found += [s for s in _layout_sites(base, config.get("version", "")) if s not in found]
    return _with_pth(found, root)


def _pyvenv(path: Path, root: str | None) -> dict[str, str]:
    if root is not None and not untrusted.inside(path, root):
        return {}
    try:
        text = untrusted.read_text(path, 64 * 1024)
    except OSError:
        return {}
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().lower()] = value.strip()
    return values


def _layout_sites(env: Path, version: str) -> list[str]:
    """lib/pythonX.Y/site-packages (POSIX; lib64 too), Lib/site-packages (Windows)."""
    wanted = ".".join(version.split(".")[:2])
    found: list[str] = []
    for lib in ("lib", "lib64"):
        try:
            names = sorted(os.listdir(env / lib), reverse=True)
        except OSError:
            continue
        for name in names:
            if name.startswith("python3") and (not wanted or name == f"python{wanted}"):
                for leaf in ("site-packages", "dist-packages"):
                    folder = env / lib / name / leaf
                    if folder.is_dir() and str(folder) not in found:
                        found.append(str(folder))
    windows = env / "Lib" / "site-packages"
    if windows.is_dir() and str(windows) not in found:
        found.append(str(windows))
    return found


def _with_pth(sites: list[str], root: str | None) -> list[str]:
    """The site dirs and the folders their ``.pth`` files name (editable installs' src).

    With ``root``, only .pth files and folders inside it.
    """
    found = list(sites)
    budget = MAX_PTH_LINES
    for folder in sites:
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith(".pth"))
        except OSError:
            continue
        for name in names:
            pth = os.path.join(folder, name)
            if root is not None and not untrusted.inside(pth, root):
                continue
            try:
                text = untrusted.read_text(pth, 1024 * 1024)
            except OSError:
                continue
            for line in text.splitlines():
                line = line.strip()
                if not line or line.startswith(("#", "import ", "import\t")):
                    continue
                budget -= 1
                if budget < 0:
                    return found
                path = os.path.normpath(os.path.join(folder, line))
                inside = root is None or untrusted.inside(path, root)
                if inside and os.path.isdir(path) and path not in found:
                    found.append(path)
    return found


def _assigned(stmt: ast.stmt, name: str) -> ast.expr | None:
    """The value of ``name = ...`` or ``name: T = ...``."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        if isinstance(target, ast.Name) and target.id == name:
            return stmt.value
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.value if stmt.target.id == name else None
    return None


def scan_conf_setup(conf: SphinxConf) -> dict[str, list[str]]:
    """What conf.py's own ``setup(app)`` registers, read with ast like a local extension.

    Sphinx calls a ``setup`` function conf.py defines as if conf.py were an
    extension. Only what ``setup`` reaches counts: its own body and the
    functions of conf.py it calls by name, in turn.
    """
    if conf.path is None or conf.problem is not None:
        return {}
    try:  # the bytes read_conf read and parsed
        tree = ast.parse(conf.source, filename=conf.path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    functions = {
        stmt.name: stmt
        for stmt in tree.body
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    if "setup" not in functions:
        return {}
    reached: dict[str, ast.AST] = {}
    pending = ["setup"]
    while pending:
        name = pending.pop()
        function = functions.get(name)
        if function is None or name in reached:
            continue
        reached[name] = function
        pending += [
            node.func.id
            for node in ast.walk(function)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        ]
    classes = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    return _registrations(reached.values(), classes)


# Sphinx's own parameter names, for registrations written with keywords.
_PARAMETERS = {
    "add_directive": ("name",),
    "add_role": ("name",),
    "add_generic_role": ("name",),
    "add_object_type": ("directivename", "rolename"),
    "add_crossref_type": ("directivename", "rolename"),
    "add_directive_to_domain": ("domain", "name"),
    "add_role_to_domain": ("domain", "name"),
    "add_lexer": ("alias",),
    "setup_extension": ("extname",),
}


def _arguments(node: ast.Call, names: tuple[str, ...]) -> list[str | None]:
    """The call's first len(names) arguments as strings (None: not a literal string)."""
    values: list[ast.expr | None] = [*node.args[: len(names)]]
    values += [None] * (len(names) - len(values))
    for keyword in node.keywords:
        if keyword.arg in names:
            values[names.index(keyword.arg)] = keyword.value
    return [
        v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else None
        for v in values
    ]


def _module_registrations(tree: ast.Module) -> dict[str, list[str]]:
    classes = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    return _registrations([tree], classes)


def _registrations(
    roots: Iterable[ast.AST], classes: Mapping[str, ast.ClassDef]
) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {
        "body_directives": [],
        "opaque_directives": [],
        "text_roles": [],
        "xref_roles": [],
        "lexers": [],
        "extensions": [],
    }
    for root in roots:
        for node in ast.walk(root):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                _registration(node, node.func.attr, classes, found)
    return found


def _registration(
    node: ast.Call, method: str, classes: Mapping[str, ast.ClassDef], found: dict[str, list[str]]
) -> None:
    if method == "add_domain" and node.args and isinstance(node.args[0], ast.Name):
        cls = classes.get(node.args[0].id)
        if cls is not None:
            _domain(cls, found)
        return
    if method not in _PARAMETERS:
        return
    args = _arguments(node, _PARAMETERS[method])
    first = args[0]
    if method in ("add_directive", "add_role", "add_generic_role", "add_lexer", "setup_extension"):
        if first:
            key = {
                "add_directive": "opaque_directives",
                "add_lexer": "lexers",
                "setup_extension": "extensions",
            }.get(method, "text_roles")
            found[key].append(first)
    elif method in ("add_object_type", "add_crossref_type"):
        # The std domain's directive and role, also reachable without the prefix. An
        # object type's content is rst (an object description); a crossref type's
        # directive takes no content.
        key = "body_directives" if method == "add_object_type" else "opaque_directives"
        if first:
            found[key] += [first, f"std:{first}"]
        if args[1]:
            found["xref_roles"] += [args[1], f"std:{args[1]}"]
    elif first and args[1]:  # add_{directive,role}_to_domain
        key = "opaque_directives" if method == "add_directive_to_domain" else "xref_roles"
        found[key].append(f"{first}:{args[1]}")


def _domain(cls: ast.ClassDef, found: dict[str, list[str]]) -> None:
    attrs: dict[str, ast.expr] = {}
    for stmt in cls.body:
        for attr in ("name", "directives", "roles"):
            value = _assigned(stmt, attr)
            if value is not None:
                attrs[attr] = value
    name_node = attrs.get("name")
    if not (isinstance(name_node, ast.Constant) and isinstance(name_node.value, str)):
        return
    domain = name_node.value
    for attr, key in (("directives", "opaque_directives"), ("roles", "xref_roles")):
        value = attrs.get(attr)
        if isinstance(value, ast.Dict):
            for k in value.keys:
                if isinstance(k, ast.Constant) and isinstance(k.value, str):
                    found[key].append(f"{domain}:{k.value}")
