"""Read a Sphinx ``conf.py`` with :mod:`ast`, never executing it.

Linting a pull request must not run the pull request's code. Module-level
assignments whose value is a literal (or a small, side-effect-free expression
over literals and earlier literals) are evaluated; anything else is recorded
as *unknown*, so rules can tell "not set" from "set to something we cannot see".
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from novadoclint.safety import untrusted

LIST_METHODS = frozenset({"append", "extend", "insert"})
# Characters and items one setting may hold, counting shared parts each time, and its depth:
# beyond, a conf.py is not configuring but attacking (x.extend(x) forty times is 2**40 items).
MAX_WEIGHT = 1_000_000
MAX_DEPTH = 50
MAX_STEPS = 5_000_000  # all the weighing one conf.py may cost; then its values are unknown
# A '*' width or precision takes its size from the arguments: never evaluated.
STAR_FORMAT_RE = re.compile(r"%[^%a-zA-Z]*\*")
DIGITS_RE = re.compile(r"\d+")
CONVERSION_RE = re.compile(r"%(?:\([^)]*\))?[^a-zA-Z%]*([a-zA-Z%])")
# What one conversion may print besides its argument's own characters: '%f' % 1e308 is 316.
CONVERSION_CHARS = 330
REPR_GROWTH = 10  # '%r' of a string: each character may become '\U000e0000'


@dataclass(frozen=True)
class ConfProblem:
    line: int
    column: int
    message: str


@dataclass(frozen=True)
class SphinxConf:
    """What conf.py says, as far as literals tell."""

    path: str | None  # absolute path of conf.py, None when there is none
    values: Mapping[str, Any] = field(default_factory=dict)
    unknown: frozenset[str] = frozenset()
    sys_path: tuple[str, ...] = ()  # absolute directories added to sys.path
    problem: ConfProblem | None = None
    # The bytes read once, for the rules that place a finding in conf.py or read its setup():
    # reading the file again could see other bytes (and costs a read each).
    source: bytes = field(default=b"", repr=False, compare=False)

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    @property
    def extensions(self) -> tuple[str, ...]:
        value = self.values.get("extensions", ())
        return tuple(v for v in value if isinstance(v, str)) if _is_seq(value) else ()

    @property
    def root_doc(self) -> str:
        for key in ("root_doc", "master_doc"):
            value = self.values.get(key)
            if isinstance(value, str) and value:
                return value
        return "index"

    @property
    def source_suffixes(self) -> tuple[str, ...]:
        value = self.values.get("source_suffix", ".rst")
        if isinstance(value, str):
            return (value,)
        if isinstance(value, Mapping):
            return tuple(k for k, v in value.items() if v in (None, "restructuredtext"))
        if _is_seq(value):
            return tuple(v for v in value if isinstance(v, str))
        return (".rst",)

    def strings(self, name: str) -> tuple[str, ...]:
        """A setting that is a string or a list of strings, as a tuple."""
        value = self.values.get(name, ())
        if isinstance(value, str):
            return (value,)
        return tuple(v for v in value if isinstance(v, str)) if _is_seq(value) else ()


def _is_seq(value: object) -> bool:
    return isinstance(value, (list, tuple))


class _Evaluator:
    """Evaluates the few expression forms conf.py files use for plain settings."""

    def __init__(self, confdir: str) -> None:
        self.confdir = confdir
        self.names: dict[str, Any] = {"__file__": os.path.join(confdir, "conf.py")}
        self.steps = MAX_STEPS

    def bounded(self, value: Any) -> Any:
        """The value, if it is no bigger than a setting ever is; else ValueError (unknown)."""
        if not self.fits(value):
            raise ValueError("too large for a setting")
        return value

    def fits(self, value: Any) -> bool:
        """No bigger or deeper than a setting ever is (MAX_WEIGHT, MAX_DEPTH), and finite.

        Weighing is charged to a budget for the whole file, so that weighing the same
        big value again and again cannot take longer than reading a real conf.py.
        """
        try:
            return self.steps > 0 and self._weight(value, {}, 0) <= MAX_WEIGHT
        except ValueError:
            return False

    def _weight(self, value: Any, seen: dict[int, int], depth: int) -> int:
        """Characters and items, shared parts counted each time (time linear in distinct parts)."""
        if isinstance(value, (str, bytes)):
            self.steps -= len(value) // 64 + 1
            return len(value) + 1
        self.steps -= 1
        if not isinstance(value, (list, tuple, dict)):
            return 1
        key = id(value)
        if key in seen:
            if seen[key] < 0:
                raise ValueError("a value that contains itself")
            return seen[key]
        if depth > MAX_DEPTH or self.steps <= 0:
            raise ValueError("nested too deeply for a setting, or too costly")
        seen[key] = -1
        items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        total = 1
        for item in items:
            total += self._weight(item, seen, depth + 1)
            if total > MAX_WEIGHT:
                break
        seen[key] = total
        return total

    def format_size(self, template: str, args: Any) -> int:
        """At least the length ``template % args`` can have, computed before formatting it.

        Every number in the template counts as a width (``%(a)999999999s`` is
        a gigabyte from 33 bytes), every '%' as a conversion printing up to
        CONVERSION_CHARS plus its argument (each time, for a mapping, whose
        values a template may name again and again), and '*' widths are refused.
        """
        if STAR_FORMAT_RE.search(template):
            return MAX_WEIGHT + 1
        widths = 0
        for digits in DIGITS_RE.findall(template):
            widths += int(digits) if len(digits) < 8 else MAX_WEIGHT + 1
            if widths > MAX_WEIGHT:
                return widths
        conversions = template.count("%")
        weight = self._weight(args, {}, 0) if self.steps > 0 else MAX_WEIGHT + 1
        if any(c in "ra" for c in CONVERSION_RE.findall(template)):
            weight *= REPR_GROWTH
        uses = conversions if isinstance(args, dict) else 1
        return len(template) + widths + conversions * CONVERSION_CHARS + uses * weight

    def eval(self, node: ast.expr) -> Any:
        if self.steps <= 0:
            raise ValueError("conf.py costs more to read than any real one")
        try:
            return ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            pass
        if isinstance(node, ast.Name) and node.id in self.names:
            return self.names[node.id]
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self.eval(e) for e in node.elts]
            return items if isinstance(node, ast.List) else tuple(items)
        if isinstance(node, ast.Dict) and None not in node.keys:
            return {self.eval(k): self.eval(v) for k, v in zip(node.keys, node.values, strict=True)}  # type: ignore[arg-type]
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            left, right = self.eval(node.left), self.eval(node.right)
            if isinstance(node.op, ast.Add) and type(left) is type(right):
                if hasattr(left, "__len__") and len(left) + len(right) > MAX_WEIGHT:
                    raise ValueError("too large for a setting")
                return left + right
            if isinstance(node.op, ast.Mod) and isinstance(left, str):
                if self.format_size(left, right) > MAX_WEIGHT:
                    raise ValueError("format too wide")
                return left % right
        if isinstance(node, ast.Call):
            return self._call(node)
        raise ValueError("not a literal")

    def _call(self, node: ast.Call) -> Any:
        name = ast.unparse(node.func)
        args = [self.bounded(self.eval(a)) for a in node.args]  # str(x) costs what x weighs
        if name in ("os.path.abspath", "os.path.realpath", "os.path.normpath") and len(args) == 1:
            return os.path.normpath(os.path.join(self.confdir, args[0]))
        if name == "os.path.join" and args:
            return os.path.join(*args)
        if name == "os.path.dirname" and len(args) == 1:
            return os.path.dirname(args[0])
        if name == "os.getcwd" and not args:
            return self.confdir
        if name in ("str", "list", "tuple", "dict", "set") and len(args) <= 1:
            return {"str": str, "list": list, "tuple": tuple, "dict": dict, "set": list}[name](
                *args
            )
        raise ValueError("not a literal")


def read_conf(path: Path) -> SphinxConf:
    """Parse conf.py; a file that does not parse gives a problem and empty values."""
    confdir = str(path.parent.resolve())
    try:
        data = untrusted.read_bytes(path)  # a conf.py may be a link to /dev/zero
        tree = ast.parse(data, filename=str(path))
    except OSError as exc:
        return SphinxConf(str(path), problem=ConfProblem(1, 1, f"cannot read conf.py: {exc}"))
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        # Python cannot compile it either (nesting too deep for its parser): Sphinx would fail.
        line = getattr(exc, "lineno", None) or 1
        column = getattr(exc, "offset", None) or 1
        msg = getattr(exc, "msg", None) or str(exc) or "nested too deeply"
        return SphinxConf(
            str(path),
            problem=ConfProblem(
                line, column, f"conf.py does not parse, using Sphinx's defaults: {msg}"
            ),
        )
    evaluator = _Evaluator(confdir)
    unknown: set[str] = set()
    sys_path: list[str] = []
    for stmt in tree.body:
        _statement(stmt, evaluator, unknown, sys_path)
    values = {k: v for k, v in evaluator.names.items() if k != "__file__"}
    return SphinxConf(
        str(path), values, frozenset(unknown - set(values)), tuple(sys_path), source=data
    )


def _statement(stmt: ast.stmt, ev: _Evaluator, unknown: set[str], sys_path: list[str]) -> None:
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for target in targets:
            if isinstance(target, ast.Name) and stmt.value is not None:
                try:
                    ev.names[target.id] = ev.bounded(ev.eval(stmt.value))
                    unknown.discard(target.id)
                except Exception:  # whatever an expression cannot give, the value is unknown
                    ev.names.pop(target.id, None)
                    unknown.add(target.id)
    elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        name = stmt.target.id
        try:
            value = ev.eval(stmt.value)
            if name in ev.names and isinstance(stmt.op, ast.Add):
                grown = ev.names[name] + type(ev.names[name])(value)
                if ev.fits(grown):
                    ev.names[name] = grown
                else:
                    del ev.names[name]
                    unknown.add(name)
        except Exception:
            unknown.add(name)
    elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        _method_call(stmt.value, ev, unknown, sys_path)
    elif isinstance(stmt, (ast.If, ast.Try)):
        # Settings in branches: take them when literal, as the usual branch.
        for child in [*stmt.body, *getattr(stmt, "orelse", [])]:
            _statement(child, ev, unknown, sys_path)


def _method_call(call: ast.Call, ev: _Evaluator, unknown: set[str], sys_path: list[str]) -> None:
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in LIST_METHODS:
        return
    owner = ast.unparse(func.value)
    try:
        args = [ev.eval(a) for a in call.args]
    except Exception:
        if owner in ev.names:
            unknown.add(owner)
        return
    target = ev.names.get(owner)
    try:
        if owner == "sys.path":
            paths = args[-1:] if func.attr != "extend" else (args[0] if args else [])
            sys_path.extend([os.path.normpath(os.path.join(ev.confdir, p)) for p in paths])
        elif isinstance(target, list):
            if func.attr == "append" and len(args) == 1:
                target.append(args[0])
            elif func.attr == "extend" and len(args) == 1:
                target.extend(args[0])
            elif func.attr == "insert" and len(args) == 2:
                target.insert(args[0], args[1])
            if not ev.fits(target):
                ev.names.pop(owner)
                unknown.add(owner)
    except (TypeError, ValueError):  # sys.path.insert(0, 1), x.insert('a', 1): not a setting
        return
