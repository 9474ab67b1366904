"""Which directives and roles exist for a project, and how to treat their content.

Built from docutils itself, Sphinx core and the extensions conf.py enables
(``rules/extensions.toml``), local extensions and conf.py's own ``setup(app)``
scanned with :mod:`ast` (following ``app.setup_extension``), and the user's
extra declarations. Nothing is imported or executed.
"""

from __future__ import annotations

import ast
import enum
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from novadoclint import data, untrusted
from novadoclint.sphinxconf import SphinxConf


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
) -> Vocabulary:
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
    while pending:
        ext = pending.pop(0)
        if ext in seen:
            continue
        seen[ext] = None
        entry = table.get("extension", {}).get(ext)
        if entry is not None:
            add(entry, ext)
            continue
        local = scan_local_extension(ext, conf, confdir)
        if local is None:
            unknown.append(ext)
        else:
            add(local, ext)
            lexers += local.get("lexers", ())
            pending[0:0] = local.get("extensions", ())
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
    for base in search:
        for candidate in (Path(base) / rel.with_suffix(".py"), Path(base) / rel / "__init__.py"):
            found = candidate if root is None else untrusted.resolve_inside(root, str(candidate))
            if found is not None and os.path.isfile(found):
                return Path(found)
    return None


def scan_local_extension(
    module: str, conf: SphinxConf, confdir: Path | None
) -> dict[str, list[str]] | None:
    """Directives and roles a project-local extension registers, read with ast."""
    search = [*conf.sys_path, *([str(confdir)] if confdir else [])]
    root = untrusted.project_root(os.path.abspath(confdir)) if confdir else None
    path = find_module(module, search, root)
    if path is None:
        return None
    try:  # the tree's own file: a regular file of at most 10 MB, never a FIFO
        tree = ast.parse(untrusted.read_bytes(path), filename=str(path))
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    return _module_registrations(tree)


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
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                attrs[target.id] = stmt.value
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
