"""Which directives and roles exist for a project, and how to treat their content.

Built from docutils itself, Sphinx core and the extensions conf.py enables
(``rules/extensions.toml``), local extensions scanned with :mod:`ast`, and the
user's extra declarations. Nothing is imported or executed.
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
    for ext in conf.extensions:
        entry = table.get("extension", {}).get(ext)
        if entry is not None:
            add(entry, ext)
            continue
        local = scan_local_extension(ext, conf, confdir)
        if local is None:
            unknown.append(ext)
        else:
            add(local, ext)
    for name in extra_directives:
        directives.setdefault(name, (Kind.OPAQUE, "config"))
    for name in extra_roles:
        roles.setdefault(name, (Kind.TEXT, "config"))
    return Vocabulary(
        tuple(sorted((n, k, p) for n, (k, p) in directives.items())),
        tuple(sorted((n, k, p) for n, (k, p) in roles.items())),
        tuple(unknown),
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
    return _registrations(tree)


def _registrations(tree: ast.Module) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"opaque_directives": [], "text_roles": [], "xref_roles": []}
    classes = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        args = [
            a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
            for a in node.args
        ]
        method = node.func.attr
        if method == "add_directive" and args and isinstance(args[0], str):
            found["opaque_directives"].append(args[0])
        elif method in ("add_role", "add_generic_role") and args and isinstance(args[0], str):
            found["text_roles"].append(args[0])
        elif method in ("add_crossref_type", "add_object_type") and len(args) >= 2:
            if isinstance(args[0], str):
                found["opaque_directives"] += [args[0], f"std:{args[0]}"]
            if isinstance(args[1], str):
                found["xref_roles"] += [args[1], f"std:{args[1]}"]
        elif method == "add_directive_to_domain" and len(args) >= 2:
            found["opaque_directives"].append(f"{args[0]}:{args[1]}")
        elif method == "add_role_to_domain" and len(args) >= 2:
            found["xref_roles"].append(f"{args[0]}:{args[1]}")
        elif method == "add_domain" and node.args and isinstance(node.args[0], ast.Name):
            cls = classes.get(node.args[0].id)
            if cls is not None:
                _domain(cls, found)
    return found


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
