"""Draft a rules/extensions.toml entry from an extension's source, read with ast.

Usage: python tools/extension_entry.py FOLDER MODULE [MODULE ...] [--package NAME]

FOLDER is an unpacked distribution (a wheel is a zip file; an sdist a tarball):
the folder its modules are importable from, e.g. after
``pip download --no-deps --no-binary :none: sphinx-issues -d /tmp/extsrc`` and
``unzip /tmp/extsrc/sphinx_issues-*.whl -d /tmp/extsrc/sphinx_issues``. MODULE
is the name conf.py's ``extensions`` lists. Nothing is imported or executed.

For each module this runs novadoclint's own scanner (what a local extension is
read with, ``vocabulary._module_registrations``) over the module, then over the
other modules of its package that define a function named ``setup`` or
``setup_*`` the module's setup() calls by a name it imports (sphinx-design
registers in ``sphinx_design.badges_buttons.setup_badges_and_buttons``). It
prints a TOML entry to review, never to paste blind:

* ``add_directive`` gives ``opaque_directives``: a directive whose class (found
  in the package) calls ``nested_parse``/``nested_parse_with_titles``/
  ``parse_content_to_nodes`` is printed under ``body_directives`` with a
  ``# body?`` comment, for a reader to confirm;
* ``add_role`` gives ``text_roles``: a cross-reference role (an ``XRefRole``)
  is for the reader to move to ``xref_roles``;
* a registration whose name is no literal (a loop over a dict) is listed in a
  comment with its line: read it by hand;
* ``pygments.lexers`` entry points of the distribution's ``entry_points.txt``
  are ``lexers``, as are ``add_lexer`` aliases; ``app.setup_extension`` names are
  ``extensions``; ``sphinx.html_themes`` entry points are said in a comment.
"""

from __future__ import annotations

import argparse
import ast
import configparser
import sys
from collections.abc import Iterator
from pathlib import Path

from novadoclint.project import vocabulary

BODY_CALLS = {"nested_parse", "nested_parse_with_titles", "parse_content_to_nodes"}
REGISTRATIONS = {"add_directive", "add_role", "add_generic_role", "add_lexer", "setup_extension"}
KEYS = ("body_directives", "opaque_directives", "xref_roles", "text_roles")


def module_file(folder: Path, module: str) -> Path | None:
    return vocabulary.find_module(module, [str(folder)])


def parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return None


def package_classes(folder: Path, module: str) -> dict[str, ast.ClassDef]:
    """Every class of the module's top-level package (or the lone module), by name."""
    top = module.split(".")[0]
    files = sorted((folder / top).rglob("*.py")) if (folder / top).is_dir() else []
    single = folder / f"{top}.py"
    classes: dict[str, ast.ClassDef] = {}
    for path in [*files, *([single] if single.is_file() else [])]:
        tree = parse(path)
        if tree is not None:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    classes.setdefault(node.name, node)
    return classes


def _parses_content(cls: ast.ClassDef) -> bool:
    """A method passes ``self.content`` to nested_parse (or parse_content_to_nodes)."""
    for node in ast.walk(cls):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "parse_content_to_nodes":
                return True
            if (
                node.func.attr in BODY_CALLS
                and any(  # self.content, self.content[1:]
                    isinstance(n, ast.Attribute) and n.attr == "content"
                    for a in node.args[:1]
                    for n in ast.walk(a)
                )
            ):
                return True
    return False


def reads_rst(cls: ast.ClassDef, classes: dict[str, ast.ClassDef], depth: int = 0) -> bool:
    """The class (or a base class in the package) parses its own content as rst.

    A directive that nested-parses text it generates (sphinx-click's) reads no rst
    of the document's: its content, if any, is data.
    """
    if _parses_content(cls):
        return True
    runs = any(isinstance(n, ast.FunctionDef) and n.name == "run" for n in cls.body)
    calls_base = any(  # super().run()
        isinstance(n, ast.Attribute)
        and n.attr == "run"
        and isinstance(n.value, ast.Call)
        and isinstance(n.value.func, ast.Name)
        and n.value.func.id == "super"
        for n in ast.walk(cls)
    )
    if (runs and not calls_base) or depth > 5:  # its own run(): the base's is not done
        return False
    return any(
        isinstance(base, ast.Name)
        and base.id in classes
        and reads_rst(classes[base.id], classes, depth + 1)
        for base in cls.bases
    )


def helper_modules(folder: Path, module: str, tree: ast.Module) -> Iterator[tuple[str, ast.Module]]:
    """Modules of the package whose setup-like function this module imports by name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            names = [a.name for a in node.names if a.name.startswith("setup")]
            if not names:
                continue
            target = node.module
            if node.level:
                own = module_file(folder, module)
                package = module.split(".")
                if own is None or own.name != "__init__.py":
                    package = package[:-1]
                package = package[: len(package) - node.level + 1]
                target = ".".join([*package, node.module])
            path = module_file(folder, target)
            if path is not None and target != module:
                helper = parse(path)
                if helper is not None:
                    yield target, helper


def dynamic(tree: ast.Module) -> list[str]:
    """Registrations whose name is no literal string: read these by hand."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in REGISTRATIONS
            and node.args
            and not (isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str))
        ):
            found.append(f"{node.func.attr}({ast.unparse(node.args[0])}) at line {node.lineno}")
    return found


def directive_classes(tree: ast.Module) -> dict[str, str]:
    """Directive name -> the class name add_directive registers it with."""
    found = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_directive"
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and isinstance(node.args[1], ast.Name)
        ):
            found[node.args[0].value] = node.args[1].id
    return found


def entry_points(folder: Path) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("*.dist-info/entry_points.txt")) + sorted(
        folder.glob("*.egg-info/entry_points.txt")
    ):
        parser = configparser.ConfigParser(delimiters=("=",))
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read(path, encoding="utf-8")
        for section in parser.sections():
            found.setdefault(section, {}).update(parser[section])
    return found


def distribution(folder: Path) -> str | None:
    for path in sorted(folder.glob("*.dist-info/METADATA")) + sorted(folder.glob("PKG-INFO")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("Name:"):
                return line.split(":", 1)[1].strip()
    return None


def toml_list(key: str, names: list[str], comment: str = "") -> str:
    body = ", ".join(f'"{n}"' for n in names)
    return f"{key} = [{body}]" + (f"  # {comment}" if comment else "")


def entry(folder: Path, module: str, package: str | None) -> str:
    path = module_file(folder, module)
    if path is None:
        return f"# {module}: no such module in {folder}\n"
    tree = parse(path)
    if tree is None:
        return f"# {module}: {path} does not parse\n"
    trees = [(module, tree), *helper_modules(folder, module, tree)]
    found: dict[str, list[str]] = {}
    classes_of: dict[str, str] = {}
    notes: list[str] = []
    for name, part in trees:
        for key, values in vocabulary._module_registrations(part).items():
            found.setdefault(key, [])
            found[key] += [v for v in values if v not in found[key]]
        classes_of.update(directive_classes(part))
        notes += [f"{name}: {d}" for d in dynamic(part)]
        if name != module:
            notes.append(f"also read {name}")
    classes = package_classes(folder, module)
    body = [
        d
        for d in found.get("opaque_directives", [])
        if d in classes_of
        and classes_of[d] in classes
        and reads_rst(classes[classes_of[d]], classes)
    ]
    found["body_directives"] = [*found.get("body_directives", []), *body]
    found["opaque_directives"] = [d for d in found.get("opaque_directives", []) if d not in body]
    points = entry_points(folder)
    lexers = [*found.get("lexers", []), *points.get("pygments.lexers", {})]
    lines = [f'[extension."{module}"]', f'package = "{package or distribution(folder) or "?"}"']
    for key in KEYS:
        if found.get(key):
            comment = {"body_directives": "body? (parses self.content)", "text_roles": "xref?"}
            lines.append(toml_list(key, found[key], comment.get(key, "")))
    if found.get("extensions"):
        lines.append(toml_list("extensions", found["extensions"]))
    if lexers:
        lines.append(toml_list("lexers", sorted(set(lexers))))
    themes = points.get("sphinx.html_themes", {})
    if themes:
        notes.append("html themes: " + ", ".join(sorted(themes)))
    return "\n".join([*lines, *(f"# {n}" for n in notes)]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="an unpacked wheel or sdist")
    parser.add_argument("modules", nargs="+", help="extension module names")
    parser.add_argument("--package", help="PyPI name (default: the dist-info's)")
    args = parser.parse_args(argv)
    for module in args.modules:
        sys.stdout.write(entry(args.folder, module, args.package) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
