"""os-api-ref's files read with positions: a ``parameters.yaml`` and a stanza's entries.

PyYAML's composer (safe loader, no object is constructed) keeps each node's
start line, so a finding names the line of the definition or entry. The
files themselves come from the run (:class:`novadoclint.project.treefiles.TreeFiles`),
which reads and parses each once while it is unchanged: :func:`parameters_from`
and :func:`status_from` are what it is asked to parse.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from novadoclint.project.treefiles import FileRead

if TYPE_CHECKING:
    import yaml
else:

    class _OnFirstUse:
        """PyYAML, imported when a file is first read.

        ~20 ms: every run imports the rules, and few trees have os-api-ref's files.
        """

        def __getattr__(self, name: str) -> Any:
            module: ModuleType = importlib.import_module("yaml")
            return getattr(module, name)

    yaml = _OnFirstUse()

# os-api-ref's sections, in the order parameters.yaml must list them.
SECTIONS = {"header": 1, "path": 2, "query": 3, "body": 4}


def _loader() -> Any:
    """The safe loader, PyYAML's C one where it is built."""
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Param:
    """One top-level key of parameters.yaml."""

    key: str
    line: int  # 1-based line of the key
    mapping: bool  # its value is a mapping (os-api-ref raises otherwise)
    where: str | None  # the value of its ``in:``, None when absent
    where_line: int  # line of the ``in:`` value (the key's when absent)


@dataclass(frozen=True, slots=True)
class ParamFile:
    """A parameters file as os-api-ref loads it: its state and its definitions."""

    problem: str  # "" when loaded; "outside" (unread), "missing", "empty", "yaml", "shape"
    detail: str  # the reason, for a problem
    line: int  # where the problem is (1 when the file is not read)
    params: tuple[Param, ...]

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(p.key for p in self.params)


@dataclass(frozen=True, slots=True)
class Entry:
    """One ``name: reference`` pair of a rest_parameters stanza (or a malformed item)."""

    name: str | None  # None: the item is not a mapping
    ref: str | None
    line: int  # line in the file holding the stanza
    text: str  # the item as written, for a malformed one


def _scalar(node: yaml.Node) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _compose(text: str) -> yaml.Node | None:
    node: yaml.Node | None = yaml.compose(text, Loader=_loader())
    return node


def _find_in(node: yaml.MappingNode, depth: int) -> yaml.Node | None:
    """The value of ``in`` in a mapping, merge keys (``<<: *anchor``) followed as YAML does."""
    merged: list[yaml.Node] = []
    for k, v in node.value:
        if _scalar(k) == "in":
            return v  # type: ignore[no-any-return]
        if k.tag == "tag:yaml.org,2002:merge":
            merged.extend(v.value if isinstance(v, yaml.SequenceNode) else [v])
    if depth > 20:
        return None
    for source in merged:
        if isinstance(source, yaml.MappingNode):
            found = _find_in(source, depth + 1)
            if found is not None:
                return found
    return None


def parse_parameters(text: str) -> ParamFile:
    """What os-api-ref's ordered_load makes of ``text``, with lines."""
    try:
        root = _compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return ParamFile("yaml", str(reason), line, ())
    except RecursionError:
        return ParamFile("yaml", "nested too deep", 1, ())
    if root is None or (isinstance(root, yaml.MappingNode) and not root.value):
        return ParamFile("empty", "", 1, ())
    if isinstance(root, yaml.ScalarNode) and root.value == "":
        return ParamFile("empty", "", 1, ())
    if not isinstance(root, yaml.MappingNode):
        return ParamFile("shape", "its top level is not a mapping", root.start_mark.line + 1, ())
    params: list[Param] = []
    seen: dict[str, int] = {}
    for key_node, value in root.value:
        key = _scalar(key_node)
        if key is None:
            continue
        where: str | None = None
        where_line = key_node.start_mark.line + 1
        mapping = isinstance(value, yaml.MappingNode)
        if mapping:
            found = _find_in(value, 0)
            if found is not None:
                where = _scalar(found) if isinstance(found, yaml.ScalarNode) else ""
                where_line = found.start_mark.line + 1
        line = key_node.start_mark.line + 1
        if key in seen:  # OrderedDict(pairs): the first one's place, the last one's value
            line = params[seen[key]].line
            params[seen[key]] = Param(key, line, mapping, where, where_line)
            continue
        seen[key] = len(params)
        params.append(Param(key, line, mapping, where, where_line))
    return ParamFile("", "", 1, tuple(params))


def parameters_from(read: FileRead) -> ParamFile:
    """A parameters file as read for the run: parsed, or why it was not."""
    if read.outside:
        return ParamFile("outside", "outside the project", 1, ())
    if read.text is None:
        return ParamFile("missing", read.error or "not found", 1, ())
    return parse_parameters(read.text)


def parse_entries(content: str, first_line: int) -> tuple[list[Entry], str, int]:
    """A stanza's entries; (entries, YAML error or "", error line)."""
    try:
        root = _compose(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = first_line + (mark.line if mark is not None else 0)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return [], str(reason), line
    except RecursionError:
        return [], "nested too deep", first_line
    if root is None:
        return [], "", first_line
    items: list[yaml.Node]
    if isinstance(root, yaml.SequenceNode):
        items = list(root.value)
    elif isinstance(root, yaml.MappingNode):
        items = [k for k, _ in root.value]  # os-api-ref iterates a mapping's keys
    else:
        items = [root]
    entries = []
    lines = content.splitlines()
    for item in items:
        line = first_line + item.start_mark.line
        if not isinstance(item, yaml.MappingNode):
            written = (
                lines[item.start_mark.line].strip() if item.start_mark.line < len(lines) else ""
            )
            entries.append(Entry(None, None, line, written))
            continue
        for k, v in item.value:
            name = _scalar(k)
            ref = _scalar(v) if isinstance(v, yaml.ScalarNode) else None
            if ref == "" and v.tag.endswith(":null"):
                ref = None
            entries.append(Entry(name, ref, first_line + k.start_mark.line, ""))
    return entries, "", first_line


@dataclass(frozen=True, slots=True)
class StatusFile:
    """A rest_status_code file: each code's reasons, or why it cannot be read."""

    problem: str  # "" when loaded; else "outside" (not read), "missing" or "yaml"
    detail: str
    codes: tuple[tuple[int, frozenset[str]], ...]


def parse_status(text: str) -> StatusFile:
    """What os-api-ref's yaml.safe_load of a status file gives: code -> reasons."""
    try:
        data = yaml.load(text, Loader=_loader())  # the safe loader (C if available)
    except yaml.YAMLError as exc:
        return StatusFile("yaml", str(getattr(exc, "problem", None) or exc).splitlines()[0], ())
    except RecursionError:
        return StatusFile("yaml", "nested too deep", ())
    codes = []
    if isinstance(data, dict):
        for code, reasons in data.items():
            if isinstance(code, int) and not isinstance(code, bool):
                names = (
                    frozenset(str(r) for r in reasons) if isinstance(reasons, dict) else frozenset()
                )
                codes.append((code, names))
    return StatusFile("", "", tuple(codes))


def status_from(read: FileRead) -> StatusFile:
    """A status file as read for the run: parsed, or why it was not."""
    if read.outside:
        return StatusFile("outside", "outside the project", ())
    if read.text is None:
        return StatusFile("missing", read.error or "not found", ())
    return parse_status(read.text)


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """One item of a rest_status_code stanza: a code, and the reason it names (or None)."""

    code: int | None  # None: not an integer
    written: str
    reason: str | None
    line: int


def parse_status_entries(content: str, first_line: int) -> tuple[list[StatusEntry], str]:
    """A rest_status_code stanza's items with their lines; (items, YAML error or "")."""
    try:
        root = _compose(content)
    except yaml.YAMLError as exc:
        return [], str(getattr(exc, "problem", None) or exc).splitlines()[0]
    except RecursionError:
        return [], "nested too deep"
    if not isinstance(root, yaml.SequenceNode):
        return [], ""
    found = []
    for item in root.value:
        line = first_line + item.start_mark.line
        if isinstance(item, yaml.ScalarNode):
            found.append(StatusEntry(_int(item), item.value, None, line))
        elif isinstance(item, yaml.MappingNode):
            for k, v in item.value:
                reason = _scalar(v) if isinstance(v, yaml.ScalarNode) else None
                written = _scalar(k) or ""
                found.append(StatusEntry(_int(k), written, reason, first_line + k.start_mark.line))
    return found, ""


def _int(node: yaml.Node) -> int | None:
    if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":int"):
        try:
            return int(node.value, 0) if node.value.startswith("0x") else int(node.value)
        except ValueError:
            return None
    return None
