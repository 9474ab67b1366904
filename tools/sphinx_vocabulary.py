"""The directives and roles Sphinx core registers, read from its source with ast.

Sphinx is never imported: its source files are found with
``importlib.util.find_spec`` (or given with ``--source``) and read with
:mod:`ast`. The modules read are Sphinx's builtin extensions
(``builtin_extensions`` in ``sphinx/application.py``) except ``sphinx.ext.*``,
which ``rules/extensions.toml`` lists per extension. Found are:

- ``directives.register_directive('x', ...)``, ``app.add_directive('x', ...)``;
- ``roles.register_local_role('x', ...)``, ``register_canonical_role``,
  ``app.add_role('x', ...)``, ``app.add_generic_role('x', ...)``, also when the
  name is a loop variable over a module-level dict (``generic_docroles``);
- ``directives = {...}`` and ``roles = {...}`` in a domain class (one with
  ``name = 'x'``): ``x:key``, and ``key`` alone for ``std`` and for the default
  ``primary_domain`` (``py``), which Sphinx looks names up in unprefixed.

Usage: ``python tools/sphinx_vocabulary.py [--source DIR]`` prints what Sphinx
registers and how it differs from the ``[core]`` table (names docutils already
provides, such as Sphinx's overrides of ``figure``, need no entry).
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "rules" / "extensions.toml"
DIRECTIVE_KEYS = ("admonitions", "body_directives", "opaque_directives")
ROLE_KEYS = ("xref_roles", "text_roles")
DIRECTIVE_CALLS = frozenset({"register_directive", "add_directive"})
ROLE_CALLS = frozenset(
    {"register_local_role", "register_canonical_role", "add_role", "add_generic_role"}
)
UNPREFIXED_DOMAINS = ("std",)  # always looked up without a prefix, besides primary_domain
FALLBACK_MODULES = ("sphinx.directives", "sphinx.domains", "sphinx.roles")


@dataclass
class Registered:
    """Names Sphinx registers -> the module (dotted) that registers them."""

    directives: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)


def find_source() -> Path | None:
    """The installed ``sphinx`` package's folder, located without importing it."""
    spec = importlib.util.find_spec("sphinx")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return None


def _string(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _builtin_modules(package: Path) -> list[str]:
    """``builtin_extensions`` of ``sphinx/application.py``, without ``sphinx.ext.*``."""
    tree = _parse(package / "application.py")
    names: list[str] = []
    for node in ast.walk(tree) if tree else ():
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if (
            isinstance(target, ast.Name)
            and target.id == "builtin_extensions"
            and isinstance(value, (ast.Tuple, ast.List))
        ):
            names += [s for s in map(_string, value.elts) if s is not None]
    return [n for n in names if n.startswith("sphinx.") and not n.startswith("sphinx.ext.")]


def _module_files(package: Path, modules: list[str]) -> dict[str, Path]:
    """Each module's source file; a package stands for its modules below."""
    files: dict[str, Path] = {}
    for module in modules:
        rel = Path(*module.split(".")[1:])
        single = package / rel.with_suffix(".py")
        if single.is_file():
            files[module] = single
        elif (package / rel).is_dir():
            for path in sorted((package / rel).rglob("*.py")):
                parts = path.relative_to(package).with_suffix("").parts
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                files[".".join(("sphinx", *parts))] = path
    return files


def _primary_domain(package: Path) -> str:
    """The default ``primary_domain`` in ``sphinx/config.py`` (``py`` if not found)."""
    tree = _parse(package / "config.py")
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if _string(key) == "primary_domain":
                    if isinstance(value, ast.Call) and value.args:
                        found = _string(value.args[0])
                    elif isinstance(value, ast.Tuple) and value.elts:
                        found = _string(value.elts[0])
                    else:
                        found = None
                    if found:
                        return found
    return "py"


def _dict_keys(node: ast.expr | None) -> list[str]:
    if isinstance(node, ast.Dict):
        return [s for s in map(_string, node.keys) if s is not None]
    return []


def _module_dicts(tree: ast.Module) -> dict[str, list[str]]:
    """Module-level ``NAME = {...}`` (or annotated) dicts -> their string keys."""
    found: dict[str, list[str]] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            target, value = stmt.target, stmt.value
        else:
            continue
        if isinstance(target, ast.Name) and isinstance(value, ast.Dict):
            found[target.id] = _dict_keys(value)
    return found


def _loop_calls(tree: ast.Module, dicts: dict[str, list[str]]) -> dict[int, list[str]]:
    """Calls naming a loop variable over a module-level dict (``for n, v in d.items()``).

    id of each such call inside the loop -> the dict's keys.
    """
    found: dict[int, list[str]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.For):
            continue
        iterated = node.iter
        if (
            isinstance(iterated, ast.Call)
            and isinstance(iterated.func, ast.Attribute)
            and iterated.func.attr in ("items", "keys")
        ):
            iterated = iterated.func.value
        if not (isinstance(iterated, ast.Name) and iterated.id in dicts):
            continue
        target = node.target
        if isinstance(target, ast.Tuple) and target.elts:
            target = target.elts[0]
        if not isinstance(target, ast.Name):
            continue
        for stmt in node.body:
            for call in ast.walk(stmt):
                if (
                    isinstance(call, ast.Call)
                    and call.args
                    and isinstance(call.args[0], ast.Name)
                    and call.args[0].id == target.id
                ):
                    found[id(call)] = dicts[iterated.id]
    return found


def _class_attrs(cls: ast.ClassDef) -> dict[str, ast.expr]:
    attrs: dict[str, ast.expr] = {}
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            if isinstance(stmt.targets[0], ast.Name):
                attrs[stmt.targets[0].id] = stmt.value
        elif (
            isinstance(stmt, ast.AnnAssign)
            and stmt.value is not None
            and isinstance(stmt.target, ast.Name)
        ):
            attrs[stmt.target.id] = stmt.value
    return attrs


def _scan(tree: ast.Module, module: str, unprefixed: set[str], into: Registered) -> None:
    loops = _loop_calls(tree, _module_dicts(tree))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            attrs = _class_attrs(node)
            domain = _string(attrs.get("name"))
            if domain is None:
                continue
            for attr, names in (("directives", into.directives), ("roles", into.roles)):
                for key in _dict_keys(attrs.get(attr)):
                    names.setdefault(f"{domain}:{key}", module)
                    if domain in unprefixed:
                        names.setdefault(key, module)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method in DIRECTIVE_CALLS:
                target = into.directives
            elif method in ROLE_CALLS:
                target = into.roles
            else:
                continue
            if not node.args:
                continue
            first = node.args[0]
            literal = _string(first)
            if literal is not None:
                target.setdefault(literal, module)
            else:
                for name in loops.get(id(node), ()):
                    target.setdefault(name, module)


def extract(package: Path) -> Registered:
    """What the Sphinx source in ``package`` (the ``sphinx`` folder) registers."""
    modules = _builtin_modules(package) or list(FALLBACK_MODULES)
    unprefixed = {*UNPREFIXED_DOMAINS, _primary_domain(package)}
    found = Registered()
    for module, path in _module_files(package, modules).items():
        tree = _parse(path)
        if tree is not None:
            _scan(tree, module, unprefixed, found)
    found.directives = dict(sorted(found.directives.items()))
    found.roles = dict(sorted(found.roles.items()))
    return found


def core_table(path: Path = TABLE) -> tuple[set[str], set[str]]:
    """The directive and role names of the table's ``[core]``."""
    core = tomllib.loads(path.read_text(encoding="utf-8"))["core"]
    directives = {n for k in DIRECTIVE_KEYS for n in core.get(k, ())}
    roles = {n for k in ROLE_KEYS for n in core.get(k, ())}
    return directives, roles


def docutils_names() -> tuple[set[str], set[str]]:
    """Directive and role names docutils itself implements (English).

    Not its placeholder roles (``index``): docutils reports them as not
    implemented, so the names Sphinx gives them need a ``[core]`` entry.
    """
    from docutils.parsers.rst import directives, roles

    registry = roles._role_registry  # type: ignore[attr-defined]
    return (
        set(directives._directive_registry),  # type: ignore[attr-defined]
        {name for name, role in registry.items() if role is not roles.unimplemented_role},
    )


def missing(found: Registered, table: Path = TABLE) -> tuple[list[str], list[str]]:
    """Names Sphinx registers that neither ``[core]`` nor docutils provides."""
    core_directives, core_roles = core_table(table)
    du_directives, du_roles = docutils_names()
    return (
        sorted(set(found.directives) - core_directives - du_directives),
        sorted(set(found.roles) - core_roles - du_roles),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="the sphinx package folder to read")
    parser.add_argument("--table", type=Path, default=TABLE)
    args = parser.parse_args(argv)
    package = args.source or find_source()
    if package is None:
        print("sphinx is not installed here: give --source DIR", file=sys.stderr)
        return 2
    found = extract(package)
    core_directives, core_roles = core_table(args.table)
    new_directives, new_roles = missing(found, args.table)
    for kind, names in (("directive", found.directives), ("role", found.roles)):
        for name, module in names.items():
            print(f"{kind}\t{name}\t{module}")
    for kind, new, where in (
        ("directive", new_directives, found.directives),
        ("role", new_roles, found.roles),
    ):
        for name in new:
            print(f"+ {kind} {name} (registered by {where[name]})")
    for kind, table_names, names in (
        ("directive", core_directives, found.directives),
        ("role", core_roles, found.roles),
    ):
        for name in sorted(table_names - set(names)):
            print(f"- {kind} {name} (in [core], not registered by this Sphinx core)")
    return 1 if new_directives or new_roles else 0


if __name__ == "__main__":
    sys.exit(main())
