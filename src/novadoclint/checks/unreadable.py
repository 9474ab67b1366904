"""extension-unreadable: the directive, role and lexer names taken on trust from extensions novadoclint cannot read.

unknown-directive and unknown-role (checks/syntax.py) stay silent on a name
such an extension may provide, unless it is a near miss of a known one; this
rule says once per extension, at its name in conf.py, what was assumed.
"""

from __future__ import annotations

import ast
import os
import re
from collections import Counter
from collections.abc import Iterator
from functools import cache

from novadoclint.context import Context
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.project.vocabulary import Kind
from novadoclint.registry import Phase, rule
from novadoclint.resolve import near_miss
from novadoclint.safety import untrusted


@rule("extension-unreadable", Severity.INFO, Phase.TREE, tags={"syntax"})
def extension_unreadable(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """An extension novadoclint cannot read: the names it may provide are taken on trust.

    ## Why is this bad?
    It may hide typos. conf.py enables an extension that is neither in
    novadoclint's table nor a module of the project nor installed in the docs
    environment (the `python` setting, else the environment novadoclint runs
    in), so novadoclint cannot know which directives, roles and Pygments
    lexers it adds. Instead of an error at each use, an unknown name is
    assumed to be the extension's, and this says once per extension, at its
    name in conf.py, which names were assumed and how often each is used.
    A near miss of a known name (`.. code-bock::`, `:reff:`) is still
    `unknown-directive` or `unknown-role`.

    With several such extensions, a name goes to the one whose module name
    shares its stem (`:issue:` to `sphinx_issues`, `.. tab::` to
    `sphinx_inline_tabs`, the `pytest` lexer to `pygments_pytest`). A name
    that shares none goes to the extensions that were given names of its kind
    (`:pypi:` to `sphinx_issues`, whose `:issue:` is a role), else to all of
    them; when that is more than one, it is listed under each, as from one of
    them. An extension with no name assumed gets no finding.

    Declaring the names makes them known: `extra-directives` and
    `extra-roles` in `.novadoclint.toml`, or `python = ".tox/docs/bin/python"`
    (`--python`) naming the environment the docs are built in, whose
    installed extensions are then read (never imported or run).

    ## Example
    ```rst
    .. conf.py: extensions = ['example_issues']
    See :issue:`12`.
    ```

    ## Use instead
    ```rst
    .. .novadoclint.toml: extra-roles = ["issue"]
    See :issue:`12`.
    ```
    """
    unread = ctx.vocabulary.unknown_extensions
    if not unread:
        return
    uses = _assumed_names(index, ctx)
    if not uses:
        return
    owners: dict[str, list[tuple[str, str, int]]] = {ext: [] for ext in unread}
    unmatched: list[tuple[str, str, int]] = []
    for (kind, name), count in sorted(uses.items()):
        matching = [ext for ext in unread if len(unread) == 1 or _shares_stem(name, ext)]
        for ext in matching:
            owners[ext].append((kind, name, count))
        if not matching:
            unmatched.append((kind, name, count))
    # A name that shares no stem: the extensions that provide names of its kind, else any.
    shared: dict[tuple[str, ...], list[tuple[str, str, int]]] = {}
    for kind, name, count in unmatched:
        candidates = tuple(e for e in unread if any(k == kind for k, _, _ in owners[e]))
        candidates = candidates or unread
        if len(candidates) == 1:
            owners[candidates[0]].append((kind, name, count))
        else:
            shared.setdefault(candidates, []).append((kind, name, count))
    text = ctx.sphinx.source.decode("utf-8", errors="replace")
    where = "the docs environment" if ctx.vocabulary.environment else "where novadoclint runs"
    for ext in unread:
        own = sorted(owners[ext], key=lambda use: use[:2])
        theirs = [(group, names) for group, names in shared.items() if ext in group]
        if not own and not theirs:
            continue
        listed = [_listing(own)] if own else []
        for group, names in theirs:
            listed.append(f"from one of {', '.join(repr(e) for e in group)}: {_listing(names)}")
        every = [*own, *(use for _, names in theirs for use in names)]
        line, column = _conf_place(text, ext)
        yield Hit(
            Location("conf.py", line, column),
            f"extension {ext!r} is not in novadoclint's table, not in the project and not "
            f"installed {where}: names taken on trust as its, not checked: {'; '.join(listed)}; "
            f"{_declaration(every)}name the docs environment "
            '(python = ".tox/docs/bin/python", or --python)',
        )


KIND_WORDS = {"directive": "directives", "role": "roles", "lexer": "lexers"}
LISTED_NAMES = 8  # per finding; the rest are counted


def _listing(names: list[tuple[str, str, int]]) -> str:
    """directives 'tab' (3 uses); roles 'issue' (12 uses), 'pr' (1 use) ..."""
    parts: list[str] = []
    for kind, word in KIND_WORDS.items():
        these = [(n, c) for k, n, c in names if k == kind]
        if these:
            shown = [f"{n!r} ({c} use{'s' if c != 1 else ''})" for n, c in these[:LISTED_NAMES]]
            more = f" and {len(these) - LISTED_NAMES} more" if len(these) > LISTED_NAMES else ""
            parts.append(f"{word} {', '.join(shown)}{more}")
    return "; ".join(parts)


def _declaration(names: list[tuple[str, str, int]]) -> str:
    keys = {"directive": "extra-directives", "role": "extra-roles"}
    parts = []
    for kind, key in keys.items():
        these = sorted({n for k, n, _ in names if k == kind})
        if these:
            parts.append(f"{key} = [{', '.join(_toml_string(n) for n in these[:LISTED_NAMES])}]")
    # lexers: no setting declares them, the docs environment does
    return f"declare them ({', '.join(parts)} in .novadoclint.toml) or " if parts else ""


def _toml_string(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


STEM_SPLIT_RE = re.compile(r"[-_.:+]+")
GENERIC_STEMS = frozenset({"sphinx", "sphinxcontrib", "sphinxext", "ext", "ext_", "contrib"})


def _stems(text: str) -> set[str]:
    words = [w.lower() for w in STEM_SPLIT_RE.split(text) if len(w) >= 3]
    return {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words} - GENERIC_STEMS


def _shares_stem(name: str, extension: str) -> bool:
    """A name's word matches a word of the module's name, plurals aside (issue, issues)."""
    theirs = _stems(extension)
    return any(
        word == stem or (len(word) >= 4 and stem.startswith(word))
        for word in _stems(name)
        for stem in theirs
    )


def _conf_place(text: str, extension: str) -> tuple[int, int]:
    """Where conf.py writes the extension's name as a string, else its ``extensions``."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        tree = None
    fallback: tuple[int, int] | None = None
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Constant) and node.value == extension:
            return node.lineno, _column(text, node.lineno, node.col_offset)
        if isinstance(node, ast.Name) and node.id == "extensions" and fallback is None:
            fallback = node.lineno, _column(text, node.lineno, node.col_offset)
    return fallback or (1, 1)


def _column(text: str, line: int, offset: int) -> int:
    """ast's byte offset on a line as a character column (1-based)."""
    lines = text.splitlines()
    if 0 < line <= len(lines):
        return len(lines[line - 1].encode("utf-8")[:offset].decode("utf-8", "replace")) + 1
    return offset + 1


SIMPLENAME = r"(?:(?!_)\w)+(?:[-._+:](?:(?!_)\w)+)*"
DIRECTIVE_LINE_RE = re.compile(rf"^(\s*)\.\.[ ]+(?:\|[^|]+\|[ ]+)?({SIMPLENAME})[ ]?::(?:[ ]+|$)")
EXPLICIT_LINE_RE = re.compile(r"^(\s*)\.\.(?:[ ]|$)")
ROLE_BEFORE_RE = re.compile(rf"(?<![\w\\:`]):({SIMPLENAME}):`(?!`)")
ROLE_AFTER_RE = re.compile(rf"(?<!\\)`:({SIMPLENAME}):(?![\w`])")
INLINE_LITERAL_RE = re.compile(r"``.+?``")


def _assumed_names(index: FactsIndex, ctx: Context) -> Counter[tuple[str, str]]:
    """(kind, name) -> uses, for every name the tree uses that no one provides as far as
    read and that is no near miss of a known one: what unknown-directive and
    unknown-role leave unreported with extensions novadoclint cannot read.

    The facts hold no unknown names (docutils drops them), so the documents and
    the files they include are read again and scanned the way docutils marks
    directives and roles up, leaving out comments, literal blocks and the
    content of code and unknown directives.
    """
    # Only with an unreadable extension: a warm run without one imports no parser, no lexers.
    from novadoclint.checks.codeblocks import CODE_DIRECTIVES
    from novadoclint.languages.code import lexer_known
    from novadoclint.parse import INTERSPHINX
    from novadoclint.prose import known_directives, known_roles

    vocabulary = ctx.vocabulary
    directive_names, role_names = known_directives(vocabulary), known_roles(vocabulary)
    external = INTERSPHINX in vocabulary.loaded
    opaque = {name.lower() for name, kind, _ in vocabulary.directives if kind is Kind.OPAQUE}
    opaque |= {"code", "raw", "math", "csv-table"}  # docutils' directives whose content is data
    parsed_bodies = directive_names - opaque
    root = index.root
    found: Counter[tuple[str, str]] = Counter()
    paths = dict.fromkeys(
        path for facts in index.docs.values() for path in (facts.path, *facts.dependencies)
    )
    for path in paths:
        inside = untrusted.resolve_inside(root, os.path.join(index.srcdir, path))
        if inside is None:
            continue
        try:
            text = untrusted.read_text(inside, untrusted.MAX_DOCUMENT_BYTES)
        except OSError:
            continue
        # names as docutils looks them up: lowercase
        marked_up = _marked_up(text, parsed_bodies)
        found.update((kind, name.lower()) for kind, name in marked_up)
    for facts in index.docs.values():
        for directive in facts.directives:
            if directive.name in (*CODE_DIRECTIVES, "highlight") and directive.arguments:
                found["lexer", directive.arguments[0].strip().lower()] += 1
    lexers = {lexer.lower() for lexer in vocabulary.lexers}
    for kind, name in list(found):
        if kind == "lexer":
            known = lexer_known(name) or name in lexers
            # a near miss of a Pygments name: code-block-lexer-unknown's
            assumed = not known and near_miss(name, _pygments_aliases()) is None
        else:
            assumed = _assumed(kind, name, directive_names, role_names, external)
        if not assumed:
            del found[kind, name]
    return found


def _assumed(
    kind: str, name: str, directives: frozenset[str], roles: frozenset[str], external: bool
) -> bool:
    """An unknown name no rule reports: neither known, a diagram's, nor a near miss."""
    from novadoclint.languages.diagrams import DIAGRAM_DIRECTIVES  # as in _assumed_names
    from novadoclint.parse import EXTERNAL_ROLE_RE

    lowered = name.lower()
    if kind == "directive":
        known = lowered in directives or lowered in DIAGRAM_DIRECTIVES
        return not known and near_miss(lowered, directives) is None
    if lowered in roles or (external and EXTERNAL_ROLE_RE.match(name)):
        return False
    return near_miss(lowered, roles) is None


@cache
def _pygments_aliases() -> tuple[str, ...]:
    try:
        from pygments.lexers import get_all_lexers
    except ImportError:  # pragma: no cover - Pygments comes with Sphinx and docutils' code
        return ()
    return tuple(alias.lower() for _, aliases, *_ in get_all_lexers() for alias in aliases)


def _marked_up(text: str, directive_names: frozenset[str]) -> Iterator[tuple[str, str]]:
    """("directive" | "role", name) for each directive and role written in an rst text.

    ``directive_names``: the known ones but those whose content is data; the content
    of any other directive is never parsed, so it is skipped.
    """
    skip_deeper: int | None = None  # lines indented deeper than this are skipped
    literal_after: int | None = None  # a paragraph ended with "::" at this indent
    for line in text.splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if skip_deeper is not None:
            if not stripped or indent > skip_deeper:
                continue
            skip_deeper = None
        if literal_after is not None:
            if not stripped:
                continue
            if indent > literal_after:
                skip_deeper = literal_after
                continue
            literal_after = None
        if not stripped:
            continue
        directive = DIRECTIVE_LINE_RE.match(line)
        if directive:
            name = directive.group(2)
            yield "directive", name
            lowered = name.lower()
            if lowered not in directive_names:
                skip_deeper = indent  # data, or content docutils never parses
                continue
            line = line[directive.end() :]  # an admonition's text, a body's argument
            stripped = line.strip()
        elif EXPLICIT_LINE_RE.match(line) and not re.match(r"\s*\.\.[ ]+[_\[|]", line):
            skip_deeper = indent  # a comment, and the block it goes on with
            continue
        if stripped.endswith("::"):
            literal_after = indent
        line = INLINE_LITERAL_RE.sub("", line)
        for pattern in (ROLE_BEFORE_RE, ROLE_AFTER_RE):
            for match in pattern.finditer(line):
                yield "role", match.group(1)
