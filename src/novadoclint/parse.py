"""The only docutils glue: settings, the run's vocabulary, one parse per file.

Known directives and roles are registered into docutils' registries inside a
save-and-restore namespace (Sphinx's ``docutils_namespace`` idea). Recording
directives and roles leave small custom nodes in the doctree that
:mod:`novadoclint.collect` reads: mark now, resolve later. Nothing here writes
anywhere but into the doctree. docutils' own code, made faster to the same
doctrees, is :mod:`novadoclint.docutils_speedups` (imported here, so it is on
wherever a document is parsed).
"""

from __future__ import annotations

import copy
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

import docutils.statemachine
from docutils import frontend, nodes, utils
from docutils.parsers.rst import Directive, DirectiveError, Parser, directives, roles, states
from docutils.parsers.rst.directives.admonitions import Admonition
from docutils.transforms import misc, references

from novadoclint import docutils_speedups as speedups
from novadoclint.location import relative
from novadoclint.project.vocabulary import Kind, Vocabulary
from novadoclint.resolve import DIAGRAM_FILE_DIRECTIVES  # names a file
from novadoclint.safety.untrusted import project_root, resolve_inside

TITLE_TARGET_RE = re.compile(r"^(.+?)\s*(?<!\x00)<(.*?)>$", re.DOTALL)
SPHINX_SUBSTITUTIONS = ("version", "release", "today", "translation progress")
TRANSFORMS = (
    references.Substitutions,
    references.PropagateTargets,
    references.AnonymousHyperlinks,
    references.IndirectHyperlinks,
    references.Footnotes,
    references.ExternalTargets,
    references.InternalTargets,
    references.DanglingReferences,
    misc.Transitions,
)
# Sphinx's intersphinx answers any role "external:..." or "external+name:...": name > 9 chars
EXTERNAL_ROLE_RE = re.compile(r"^external[:+].+", re.IGNORECASE)
INTERSPHINX = "sphinx.ext.intersphinx"
# Directives whose rst content may hold sections, each parsed with a fresh title-style
# memo: only and ifconfig, and Sphinx's object descriptions (ObjectDescription.run parses
# its content with allow_section_headings=True): the standard domain's and, below, every
# domain directive (a name with a domain prefix, py:function, http:get).
TITLED_BODIES = frozenset(
    {"only", "ifconfig"}
    | {"option", "cmdoption", "envvar", "confval", "describe", "object"}
    | {"function", "data", "class", "exception", "method", "classmethod", "staticmethod"}
    | {"attribute", "property", "decorator", "decoratormethod", "type"}
)
VERSION_CHANGES = frozenset(
    {
        *("versionadded", "versionchanged", "deprecated", "versionremoved"),
        *("version-added", "version-changed", "version-deprecated", "version-removed"),
        "removed-in",  # sphinx-removed-in registers it with Sphinx's VersionChange class
    }
)
# Indentation levels a document may nest; docutils recursion gives out between about
# 110 (nested directives) and 165 (block quotes) levels.
NESTING_LIMIT = 100
DEEP_INDENT_RE = re.compile(f"^ {{{NESTING_LIMIT}}}", re.MULTILINE)
RECURSION_MESSAGE = "maximum recursion depth exceeded"


class xref(nodes.Inline, nodes.TextElement):
    """A cross-reference role, to be resolved in phase 2 (Sphinx's pending_xref)."""


class directive_record(nodes.Element):
    """A non-docutils directive with its arguments, options and raw content."""


class include_record(nodes.Element):
    """An ``include`` directive: what it named and whether the file was read."""


class outside_record(nodes.Element):
    """A directive naming a file outside the project: recorded, never read."""


class NestedTooDeep(RecursionError):
    """Markup nested deeper than docutils (and so Sphinx) can parse.

    Raised before parsing when the indentation alone nests too deep: docutils
    copies the rest of the block at every level, so a 10,000-deep file would
    take gigabytes and minutes before Python's recursion limit stopped it.
    """


@dataclass(frozen=True, slots=True)
class Message:
    """A docutils system message, located in the file it concerns."""

    level: int  # 1 info, 2 warning, 3 error, 4 severe
    text: str
    source: str | None
    line: int | None


@dataclass
class Parsed:
    doctree: nodes.document
    messages: list[Message]
    dependencies: list[str]  # files read or looked for while parsing, as docutils names them
    target_lines: dict[str, tuple[str | None, int]]  # explicit target name -> (source, line)


class AnyOptions(dict[str, Any]):
    """An option_spec that accepts every option: we check names, not option lists."""

    def __missing__(self, key: str) -> Any:
        return directives.unchanged

    def __bool__(self) -> bool:  # docutils parses options only when option_spec is truthy
        return True


class RecordingDirective(Directive):
    """Records a directive; parses its content as rst when ``body`` is set."""

    required_arguments = 0
    optional_arguments = 64
    final_argument_whitespace = True
    has_content = True
    option_spec: ClassVar[dict[str, Any]] = AnyOptions()
    body: ClassVar[bool] = False

    def run(self) -> list[nodes.Node]:
        if self.name in DIAGRAM_FILE_DIRECTIVES and self.arguments and not self.content:
            path = _sphinx_path(self.state.document, self.arguments[0])
            outside = _outside(self, path, self.arguments[0])
            if outside is not None:
                return [outside]  # not a diagram fact: the diagram rules would read the file
        node = directive_record(self.block_text)
        node.source, node.line = self.state_machine.get_source_and_line(self.lineno)
        node["name"] = self.name
        node["arguments"] = tuple(self.arguments)
        node["options"] = tuple((k, str(v)) for k, v in self.options.items())
        node["content"] = "\n".join(self.content)
        node["content_line"] = 0
        if self.content:
            _, node["content_line"] = self.state_machine.get_source_and_line(
                self.content_offset + 1
            )
            if self.body and (self.name in TITLED_BODIES or ":" in self.name):
                _nested_parse_with_titles(self, node)
            elif self.body:
                self.state.nested_parse(self.content, self.content_offset, node)
        if self.name in DIAGRAM_FILE_DIRECTIVES and self.arguments:
            _note_dependency(self.state.document, self.arguments[0])
        return [node]


def _nested_parse_with_titles(directive: Directive, node: nodes.Element) -> None:
    """Content that may hold sections, parsed as Sphinx's only and ifconfig parse it.

    Sphinx (``nested_parse_with_titles``, the ``only`` directive) parses such content
    with a title-style memo of its own: a title inside it is leveled by the styles
    met inside it, never checked against the document's, and the document's memo
    is put back after.
    """
    memo = directive.state.memo
    title_styles, section_level = memo.title_styles, memo.section_level
    memo.title_styles, memo.section_level = [], 0
    try:
        directive.state.nested_parse(
            directive.content, directive.content_offset, node, match_titles=True
        )
    finally:
        memo.title_styles, memo.section_level = title_styles, section_level


def _note_dependency(document: nodes.document, target: str) -> None:
    """A file the build reads for this document, found as Sphinx's relfn2path does.

    Not one outside the project: the facts cache would hash it (include-outside-project
    reports it in phase 2).
    """
    settings = document.settings
    path = _sphinx_path(document, target)
    if resolve_inside(settings.novadoclint_root, path) is not None:
        settings.record_dependencies.add(os.path.normpath(path))


def _sphinx_path(document: nodes.document, target: str) -> str:
    """A file argument of a Sphinx directive, as relfn2path finds it (absolute path)."""
    if target.startswith("/"):
        return os.path.join(document.settings.root_prefix, target.lstrip("/"))
    return os.path.join(os.path.dirname(os.path.abspath(document["source"])), target)


def _outside(directive: Directive, path: str, target: str) -> outside_record | None:
    """A record in place of the directive when ``path`` (as docutils will open it) is outside.

    The project's boundary (:func:`novadoclint.safety.untrusted.project_root`) is decided
    from the written path and the links inside the project only, so the record
    is the same whether the outside file exists or not, and nothing of it is read.
    """
    if "\x00" in path:  # no file can be named so; docutils' open would crash on it
        raise directive.severe(
            f'Problems with "{directive.name}" directive path:\n'
            "a file name cannot hold a NUL character."
        )
    settings = directive.state.document.settings
    root = settings.novadoclint_root
    include = _directives_misc().Include
    if target.startswith("<") and target.endswith(">") and isinstance(directive, include):
        root = str(include.standard_include_path)  # docutils' own: isonum.txt and friends
    if resolve_inside(root, os.path.abspath(path)) is not None:
        return None
    record = outside_record(directive.block_text)
    record.source, record.line = directive.state_machine.get_source_and_line(directive.lineno)
    record["directive"] = directive.name
    record["target"] = target
    return record


def _opened_path(directive: Directive, written: str) -> str:
    """The path docutils opens for a file argument or option (misc.adapt_path)."""
    settings = directive.state.document.settings
    path = directives.path(written)
    misc_directives = _directives_misc()
    include, adapt_path = misc_directives.Include, misc_directives.adapt_path
    if path.startswith("<") and path.endswith(">") and isinstance(directive, include):
        return str(adapt_path("/" + path[1:-1], "", str(include.standard_include_path)))
    source = directive.state.document.current_source or directive.state.document["source"]
    return str(adapt_path(path, source, settings.root_prefix))


class BodyDirective(RecordingDirective):
    body = True

    def run(self) -> list[nodes.Node]:
        result = super().run()
        record = result[0]
        if self.name in VERSION_CHANGES and len(self.arguments) > 1:
            # Sphinx parses the text after the version as inline markup.
            inline, messages = self.state.inline_text(self.arguments[1], self.lineno)
            assert isinstance(record, nodes.Element)
            record.extend([*inline, *messages])
        return result


class VersionChangeDirective(BodyDirective):
    """The version, then one argument of text to the first blank line (Sphinx's VersionChange).

    Split into more arguments, ````a <b>````. wrapped across the words would be cut
    inside its literal and parsed as unbalanced inline markup.
    """

    optional_arguments = 2


class AdmonitionDirective(BodyDirective):
    """No argument: text on the directive line is content, as for docutils' note."""

    optional_arguments = 0


class SphinxAdmonition(Admonition):
    """docutils' titled admonition with the option Sphinx 8.2's own adds."""

    option_spec: ClassVar[dict[str, Any]] = {
        **(Admonition.option_spec or {}),
        "collapsible": directives.unchanged,
    }


class OpaqueDirective(RecordingDirective):
    body = False


def _directives_misc() -> Any:
    """docutils' misc directives (include, raw), imported when a document first needs them.

    The module imports urllib.request and with it the HTTP client and email
    packages (~45 ms): a warm run, parsing nothing, needs none of it.
    """
    from docutils.parsers.rst.directives import misc as misc_directives

    return misc_directives


@cache
def _recording_include() -> type[Directive]:
    """RecordingInclude, made on first use (see _directives_misc)."""
    from docutils.parsers.rst.directives.misc import Include

    class RecordingInclude(Include):
        """docutils' include (absolute paths from the source dir via ``root_prefix``), recorded.

        A relative path is read from the *document's* folder, even in an included
        file, as Sphinx's include does (``BuildEnvironment.relfn2path``); docutils
        alone would read it from the including file's folder.
        """

        def run(self) -> list[nodes.Node]:
            record = include_record(self.block_text)
            record.source, record.line = self.state_machine.get_source_and_line(self.lineno)
            record["target"] = target = self.arguments[0]
            settings = self.state.document.settings
            if not target.startswith(("/", "<")) and settings.root_prefix:
                docdir = os.path.dirname(os.path.abspath(self.state.document["source"]))
                rel = os.path.relpath(os.path.join(docdir, target), settings.root_prefix)
                self.arguments[0] = "/" + rel.replace(os.sep, "/")
            outside = _outside(self, _opened_path(self, self.arguments[0]), target)
            if outside is not None:
                return [outside]
            before = set(settings.record_dependencies.list)
            try:
                result = super().run()
            except DirectiveError as error:
                text = str(error.msg)
                if "Problems with" in text and ("No such file" in text or "Errno 2" in text):
                    record["found"] = False  # include-missing reports it, with generated-file rules
                    return [record]
                if text.startswith("circular inclusion"):
                    raise self.warning(_chain_from(text, settings.root_prefix)) from None
                raise
            record["found"] = True
            added = [p for p in settings.record_dependencies.list if p not in before]
            record["file"] = added[0] if added else ""
            return [record, *result]

    return RecordingInclude


@cache
def _bounded_raw() -> type[Directive]:
    """BoundedRaw, made on first use (see _directives_misc)."""
    from docutils.parsers.rst.directives.misc import Raw

    class BoundedRaw(Raw):
        """docutils' raw: ``:file:`` only inside the project, ``:url:`` never fetched.

        A lint run touches the network only with --check-links; Sphinx fetches
        the URL when it builds.
        """

        def run(self) -> list[nodes.Node]:
            if "url" in self.options and not self.content:
                return []
            if "file" in self.options and not self.content:
                written = self.options["file"]
                outside = _outside(self, _opened_path(self, written), written)
                if outside is not None:
                    return [outside]
            return list(super().run())

    return BoundedRaw


@cache
def _bounded_csv_table() -> type[Directive]:
    """BoundedCSVTable, made on first use: docutils' tables module imports urllib.request."""
    from docutils.parsers.rst.directives.tables import CSVTable

    class BoundedCSVTable(CSVTable):
        """docutils' csv-table: ``:file:`` only inside the project, ``:url:`` never fetched."""

        def run(self) -> list[Any]:
            if "url" in self.options and "file" not in self.options and not self.content:
                return []
            if "file" in self.options and "url" not in self.options and not self.content:
                written = self.options["file"]
                outside = _outside(self, _opened_path(self, written), written)
                if outside is not None:
                    return [outside]
            return list(super().run())

    return BoundedCSVTable


@cache
def _bounded_figure() -> type[Directive]:
    """docutils' figure without ``:figwidth: image``'s read of the picture (PIL).

    docutils opens the image relative to the working folder to learn its
    width, which no rule needs; the option is accepted and ignored. Made when
    a document first uses a figure: docutils' images module imports PIL
    (~25 ms), which a warm run, parsing nothing, does not need.
    """
    from docutils.parsers.rst.directives.images import Figure

    class BoundedFigure(Figure):
        """docutils' figure, ``:figwidth: image`` ignored."""

        def run(self) -> list[nodes.Node]:
            if self.options.get("figwidth") == "image":
                del self.options["figwidth"]
            return list(super().run())

    return BoundedFigure


# docutils directives that read a file or a URL -> their bounded versions, by module and
# class name. Swapped in by class, not by name: docutils also finds them by translated
# names ('inclure'). Each is made when its module is loaded (docutils loads a directive's
# module when a document first uses it).
BOUNDED_DIRECTIVES: dict[tuple[str, str], Callable[[], type[Directive]]] = {
    ("docutils.parsers.rst.directives.misc", "Include"): _recording_include,
    ("docutils.parsers.rst.directives.misc", "Raw"): _bounded_raw,
    ("docutils.parsers.rst.directives.tables", "CSVTable"): _bounded_csv_table,
    ("docutils.parsers.rst.directives.images", "Figure"): _bounded_figure,
}


def _bounded(found: Any) -> Any:
    """The bounded class for a directive class docutils found (or the class itself)."""
    for (module_name, name), bounded in BOUNDED_DIRECTIVES.items():
        module = sys.modules.get(module_name)
        if module is not None and found is getattr(module, name, None):
            return bounded()
    return found


class BoundedLookup:
    """docutils' directive lookup, answering the bounded class for a file-reading one."""

    def __init__(self, lookup: Any) -> None:
        self.wrapped = lookup

    def __call__(self, name: str, language: Any, document: nodes.document) -> Any:
        found, messages = self.wrapped(name, language, document)
        return _bounded(found), messages


class ExternalRoles:
    """docutils' role lookup, plus intersphinx's ``external:...`` and ``external+name:...``.

    Sphinx's intersphinx dispatcher answers any role name of that shape (longer
    than ``external:``) with an inventory lookup; no table can list them.
    """

    def __init__(self, lookup: Any) -> None:
        self.wrapped = lookup

    def __call__(self, name: str, language: Any, lineno: int, reporter: Any) -> Any:
        found, messages = self.wrapped(name, language, lineno, reporter)
        if found is None and EXTERNAL_ROLE_RE.match(name):
            return xref_role, []
        return found, messages


def _chain_from(message: str, srcdir: str) -> str:
    """docutils' circular-inclusion chain with source-dir paths, not working-dir ones."""
    head, _, chain = message.partition(":\n")
    paths = [line.removeprefix("> ") for line in chain.split("\n")]
    rel = [relative(p, srcdir) for p in paths]
    return head + ":\n" + "\n> ".join(rel)


def xref_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: dict[str, Any] | None = None,
    content: list[str] | None = None,
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """A Sphinx cross-reference: ``target`` or ``title <target>``."""
    text = utils.unescape(text, restore_backslashes=True)
    match = TITLE_TARGET_RE.match(text)
    title, target = (match.group(1), match.group(2)) if match else (None, text)
    node = xref(rawtext, utils.unescape(title or target))
    node.source, node.line = inliner.reporter.get_source_and_line(lineno)
    node["role"] = name.lower()
    node["target"] = target.strip()
    node["title"] = title
    return [node], []


def text_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: dict[str, Any] | None = None,
    content: list[str] | None = None,
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    return [nodes.literal(rawtext, utils.unescape(text))], []


def _register(vocabulary: Vocabulary) -> None:
    directive_class = {
        Kind.BODY: BodyDirective,
        Kind.ADMONITION: AdmonitionDirective,
        Kind.OPAQUE: OpaqueDirective,
    }
    for name, kind, _ in vocabulary.directives:
        chosen = VersionChangeDirective if name in VERSION_CHANGES else directive_class[kind]
        directives.register_directive(name, chosen)
    directives.register_directive("include", _recording_include())
    directives.register_directive("admonition", SphinxAdmonition)
    if not isinstance(directives.directive, BoundedLookup):
        directives.directive = BoundedLookup(directives.directive)  # type: ignore[assignment]
    role_function = {Kind.XREF: xref_role, Kind.TEXT: text_role}
    for name, kind, _ in vocabulary.roles:
        roles.register_local_role(name, role_function[kind])  # type: ignore[arg-type]
    if isinstance(roles.role, ExternalRoles):  # a worker's lookup from an earlier install
        roles.role = roles.role.wrapped
    if INTERSPHINX in vocabulary.loaded:
        roles.role = ExternalRoles(roles.role)  # type: ignore[assignment]


def preload() -> None:
    """Import what registering a vocabulary imports, before worker processes are forked.

    ``install`` registers docutils' include directive, whose module imports
    urllib.request, the HTTP client and email (~35 ms): imported once in the
    parent, each worker starts with it instead of importing it again.
    """
    _directives_misc()


def install(vocabulary: Vocabulary) -> None:
    """Register the vocabulary for a worker process's lifetime (pool initializer)."""
    _register(vocabulary)


@contextmanager
def namespace(vocabulary: Vocabulary) -> Iterator[None]:
    """Register the vocabulary for the duration of a block, then restore docutils."""
    saved = dict(directives._directives), dict(roles._roles)  # type: ignore[attr-defined]
    lookup, role_lookup = directives.directive, roles.role
    try:
        _register(vocabulary)
        yield
    finally:
        directives.directive = lookup
        roles.role = role_lookup
        directives._directives.clear()  # type: ignore[attr-defined]
        directives._directives.update(saved[0])  # type: ignore[attr-defined]
        roles._roles.clear()  # type: ignore[attr-defined]
        roles._roles.update(saved[1])  # type: ignore[attr-defined]


@cache
def _base_settings(language: str) -> frontend.Values:
    """docutils settings, built once per process: building them is slow."""
    settings = frontend.get_default_settings(Parser)
    overrides = {
        "report_level": 5,
        "halt_level": 5,
        "warning_stream": False,
        "traceback": True,
        "file_insertion_enabled": True,
        "raw_enabled": True,
        "input_encoding": "utf-8-sig",
        "doctitle_xform": False,
        "sectsubtitle_xform": False,
        "smart_quotes": False,
        "pep_references": None,
        "rfc_references": None,
        "language_code": language,
        "auto_id_prefix": "id",
        "character_level_inline_markup": False,
        "line_length_limit": 1_000_000,
    }
    for name, value in overrides.items():
        setattr(settings, name, value)
    return settings


def parse(
    text: str,
    source_path: str,
    srcdir: str,
    *,
    language: str = "en",
    prolog: str = "",
    epilog: str = "",
) -> Parsed:
    """Parse one document as Sphinx would read it, collecting every system message."""
    settings = copy.copy(_base_settings(language))
    settings.root_prefix = srcdir
    settings.novadoclint_root = project_root(srcdir)  # files outside it are never read
    settings.record_dependencies = utils.DependencyList()
    document = utils.new_document(source_path, settings)
    document.reporter.stream = None  # type: ignore[assignment]
    messages: list[Message] = []

    def observe(msg: nodes.system_message) -> None:
        paragraph = msg.children[0].astext() if msg.children else msg.astext()
        messages.append(Message(msg["level"], paragraph, msg.get("source"), msg.get("line")))

    document.reporter.attach_observer(observe)
    for name in SPHINX_SUBSTITUTIONS:
        definition = nodes.substitution_definition(name, name)
        document.note_substitution_def(definition, name)

    parser = Parser()
    parser.setup_parse(text, document)
    lines = _input_lines(text, source_path, settings.tab_width, prolog, epilog)
    state_machine = states.RSTStateMachine(
        state_classes=parser.state_classes, initial_state=parser.initial_state
    )
    _check_nesting(text, lines)
    try:
        state_machine.run(lines, document, inliner=speedups.inliner())
    except RecursionError as exc:  # deep nesting that _check_nesting cannot see (same line)
        # Python names the C call it stopped in (" while calling a Python object"), which
        # depends on the caller's stack depth and on which lookups run: the same file
        # must get the same message, run after run.
        reason = str(exc)
        if reason.startswith(RECURSION_MESSAGE):
            reason = RECURSION_MESSAGE
        raise NestedTooDeep(f"markup nested too deep for docutils (and Sphinx): {reason}") from None
    finally:
        roles._roles.pop("", None)  # type: ignore[attr-defined]  # a default-role directive's effect
        _drop_cached_machines()
    parser.finish_parse()
    target_lines, present, targets = _explicit_targets(document, lines)
    document.transformer.add_transforms(speedups.transforms(TRANSFORMS, present))
    with speedups.targets_known(document, targets):
        document.transformer.apply_transforms()
    return Parsed(document, messages, list(settings.record_dependencies.list), target_lines)


def _drop_cached_machines() -> None:
    """Forget the nested state machines docutils keeps for the next parse (0.21 does).

    Each still holds its last run's memo, so the whole doctree it built: the
    document would outlive its parse until the next one, and instead of being
    freed when its file is done (:func:`novadoclint.phase1.document_gc`) it
    would reach the oldest generation, which only full collections traverse.
    The next parse builds its machines afresh (the lazy tables make that cheap).
    """
    cached = getattr(states.RSTState, "nested_sm_cache", None)
    if isinstance(cached, list):
        cached.clear()


def _check_nesting(text: str, lines: docutils.statemachine.StringList) -> None:
    """Refuse, before docutils recurses, indentation nested more than NESTING_LIMIT deep.

    Each deeper indentation opens a level (a block quote, a list item, a directive)
    and needs one more column, so only a text with a line indented that far (or
    tabs, which expand) can nest that deep: others are not scanned at all.
    """
    if "\t" not in text and DEEP_INDENT_RE.search(text) is None:
        return
    stack = [0]
    for offset, line in enumerate(lines.data):
        stripped = line.lstrip(" ")
        if not stripped:
            continue
        indent = len(line) - len(stripped)
        while indent < stack[-1]:
            stack.pop()
        if indent > stack[-1]:
            stack.append(indent)
            if len(stack) > NESTING_LIMIT + 1:  # stack[0] is the margin
                _, number = lines.info(offset)
                where = f"line {number + 1 if isinstance(number, int) else '?'}"
                raise NestedTooDeep(
                    f"{where}: indentation nested more than {NESTING_LIMIT} levels deep; "
                    "docutils (and Sphinx) cannot parse it"
                )


def _explicit_targets(
    document: nodes.document, lines: docutils.statemachine.StringList
) -> tuple[dict[str, tuple[str | None, int]], frozenset[type[Any]], list[nodes.target]]:
    """Where each ``.. _name:`` sits (transforms later move its names to the section),
    the classes of the doctree's nodes (which transforms have work), and its targets.

    Each target is given the line in its own file first: docutils sets a target's line
    to its offset in the input with included files spliced in, so every target after
    an ``include`` had a wrong line; the input list maps it back. One walk for all.
    """
    found: dict[str, tuple[str | None, int]] = {}
    present: set[type[Any]] = set()
    targets: list[nodes.target] = []
    count = len(lines)
    for target in document.findall():
        present.add(type(target))
        if not isinstance(target, nodes.target):
            continue
        targets.append(target)
        if target.line and 0 < target.line <= count:
            source, offset = lines.info(target.line - 1)
            if source == target.source and isinstance(offset, int):
                target.line = offset + 1
        if "refuri" in target or not target.get("names"):
            continue
        for name in target["names"]:
            if document.nametypes.get(name):
                found.setdefault(name, (target.source, target.line or 1))
    return found, frozenset(present), targets


def _input_lines(
    text: str, source_path: str, tab_width: int, prolog: str, epilog: str
) -> docutils.statemachine.StringList:
    """The document's lines, with rst_prolog/rst_epilog around them as Sphinx adds them.

    Each line keeps its own source and offset, so every message and fact keeps
    the document's own line numbers.
    """
    body = docutils.statemachine.string2lines(text, tab_width, convert_whitespace=True)
    lines = docutils.statemachine.StringList(body, source_path)
    if prolog:
        extra = docutils.statemachine.string2lines(prolog, tab_width, convert_whitespace=True)
        at = _after_docinfo(body)
        lines.insert(at, docutils.statemachine.StringList(["", *extra, ""], "<rst_prolog>"))  # type: ignore[arg-type]
    if epilog:
        extra = docutils.statemachine.string2lines(epilog, tab_width, convert_whitespace=True)
        lines.append(docutils.statemachine.StringList(["", *extra], "<rst_epilog>"))  # type: ignore[arg-type]
    return lines


DOCINFO_RE = re.compile(r"^:\w+:.*?")


def _after_docinfo(lines: list[str]) -> int:
    """Sphinx inserts the prolog after the leading field list (``:orphan:`` and the like)."""
    count = 0
    for line in lines:
        if not DOCINFO_RE.match(line):
            break
        count += 1
    return count
