"""The only docutils glue: settings, the run's vocabulary, one parse per file.

Known directives and roles are registered into docutils' registries inside a
save-and-restore namespace (Sphinx's ``docutils_namespace`` idea). Recording
directives and roles leave small custom nodes in the doctree that
:mod:`novadoclint.collect` reads: mark now, resolve later. Nothing here writes
anywhere but into the doctree.
"""

from __future__ import annotations

import copy
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, ClassVar

import docutils
import docutils.statemachine
from docutils import frontend, nodes, utils
from docutils.parsers.rst import Directive, DirectiveError, Parser, directives, roles, states
from docutils.parsers.rst.directives.admonitions import Admonition
from docutils.transforms import misc, references

from novadoclint.location import relative
from novadoclint.project.vocabulary import Kind, Vocabulary
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
# Diagram directives whose argument names the file Sphinx draws from: a dependency.
DIAGRAM_FILE_DIRECTIVES = frozenset(
    {"blockdiag", "seqdiag", "actdiag", "nwdiag", "rackdiag", "packetdiag"}
    | {"graphviz", "mermaid", "uml"}
)


DOCUTILS_RELEASE = tuple(docutils.__version_info__[:2])  # checked by each switch below
# docutils releases whose State.__init__ the lazy transition tables below replace: its
# code is checked too (LAZY_STATE_INIT_NAMES), so another release keeps docutils' own.
LAZY_STATES_DOCUTILS = frozenset({(0, 21)})
LAZY_STATE_INIT_NAMES = (
    *("transition_order", "transitions", "add_initial_transitions", "state_machine"),
    *("debug", "nested_sm", "__class__", "nested_sm_kwargs", "__name__"),
)
_EAGER_STATE_INIT = docutils.statemachine.State.__init__


def _lazy_state_init(
    self: docutils.statemachine.State[Any], state_machine: Any, debug: bool = False
) -> None:
    """docutils' State.__init__ without building the transition table (built when read).

    docutils builds every state of a state machine, with its compiled transition
    table of bound methods, for every nested parse (each list item, directive
    body, block quote): some fifteen states, of which one or two run. The table
    depends only on the state's class, so building it on first use gives the
    same table, the same parse and the same doctree.
    """
    self.state_machine = state_machine
    self.debug = debug
    if self.nested_sm is None:
        self.nested_sm = self.state_machine.__class__
    if self.nested_sm_kwargs is None:
        self.nested_sm_kwargs = {
            "state_classes": [self.__class__],
            "initial_state": self.__class__.__name__,
        }


# State class -> its transition table with method names for bound methods (None: built
# by docutils each time), made from the first table built for the class.
_STATE_TABLES: dict[type, tuple[tuple[str, ...], tuple[tuple[str, Any, str], ...]] | None] = {}
# What a table is built from: set on a state itself, its table is docutils' to build.
_TABLE_INPUTS = frozenset(
    {"patterns", "initial_transitions", "ws_patterns", "ws_initial_transitions"}
)


def _lazy_state_getattr(self: docutils.statemachine.State[Any], name: str) -> Any:
    """The transition table, built as docutils' State.__init__ builds it, on first read.

    The first table of a class is built by docutils; later ones are copied from
    it with this state's bound methods (the table depends only on the class).
    """
    own = self.__dict__
    if name not in ("transitions", "transition_order") or "transitions" in own:
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
    cls = type(self)
    template = _STATE_TABLES.get(cls)
    if template is None or own.keys() & _TABLE_INPUTS:
        own["transition_order"] = []
        own["transitions"] = {}
        self.add_initial_transitions()
        if cls not in _STATE_TABLES:
            _STATE_TABLES[cls] = _state_table(self)
    else:
        order, rows = template
        own["transition_order"] = list(order)
        own["transitions"] = {key: (p, getattr(self, key), then) for key, p, then in rows}
    return own[name]


def _state_table(
    state: docutils.statemachine.State[Any],
) -> tuple[tuple[str, ...], tuple[tuple[str, Any, str], ...]] | None:
    """A state's fresh table as a template, if each method is the state's own of that name."""
    cls = type(state)
    builders = (docutils.statemachine.State, docutils.statemachine.StateWS)
    if not any(cls.add_initial_transitions is b.add_initial_transitions for b in builders):
        return None  # a class building its table its own way
    if vars(state).keys() & _TABLE_INPUTS:
        return None  # set on this state (docutils' build sets patterns when the class has none)
    rows = []
    for key, (pattern, method, then) in state.transitions.items():
        if method != getattr(state, key):
            return None
        rows.append((key, pattern, then))
    return tuple(state.transition_order), tuple(rows)


# The StateMachine methods the lazy states replace, with the names their code uses (checked
# like LAZY_STATE_INIT_NAMES): every other use of a machine's states goes through
# ``states[name]`` (get_state, nested_list_parse) or ``states.values()`` (unlink).
_MACHINE = docutils.statemachine.StateMachine
_EAGER_MACHINE: dict[str, Any] = {
    "add_state": _MACHINE.add_state,
    "runtime_init": _MACHINE.runtime_init,
}
LAZY_MACHINE_NAMES = {
    "add_state": ("__name__", "states", "DuplicateStateError", "debug"),
    "runtime_init": ("states", "values", "runtime_init"),
}


class _LazyStates(dict[str, Any]):
    """A state machine's states, each made when first asked for (docutils makes them all).

    A machine holds some fifteen states and runs one or two; docutils makes
    every one and readies each (``runtime_init``) at the start of every run.
    A state made during a run is readied when made, from the same machine, so
    it holds what an eager one would.
    """

    __slots__ = ("classes", "machine", "running")

    def __init__(self, machine: docutils.statemachine.StateMachine[Any]) -> None:
        super().__init__()
        self.machine = machine
        self.classes: dict[str, type] = {}
        self.running = False  # readied once: later states are readied when made

    def __missing__(self, name: str) -> docutils.statemachine.State[Any]:
        state: docutils.statemachine.State[Any] = self.classes[name](
            self.machine, self.machine.debug
        )
        self[name] = state
        if self.running:
            state.runtime_init()
        return state


def _lazy_add_state(
    self: docutils.statemachine.StateMachine[Any],
    state_class: type[docutils.statemachine.State[Any]],
) -> None:
    """docutils' add_state, the state made when the machine first asks for it."""
    states = self.states
    if not isinstance(states, _LazyStates):
        lazy = _LazyStates(self)
        for name, made in states.items():  # made by docutils' add_state (none in 0.21)
            lazy.classes[name] = type(made)
            lazy[name] = made
        states = self.states = lazy
    name = state_class.__name__
    if name in states.classes:
        raise docutils.statemachine.DuplicateStateError(name)
    states.classes[name] = state_class


def _lazy_runtime_init(self: docutils.statemachine.StateMachine[Any]) -> None:
    """docutils' runtime_init for the states made so far; later ones are readied when made."""
    states = self.states
    if isinstance(states, _LazyStates):
        states.running = True
    for state in states.values():
        state.runtime_init()


def lazy_states(enabled: bool = True) -> bool:
    """Make docutils' states, and their transition tables, only when a parse runs them (or not).

    On by default, for the docutils releases it was checked against (the
    doctrees are the same: tests/test_parse_reuse.py, bench/doctrees.py); on
    any other release docutils is left alone. Returns whether it is on.
    """
    state = docutils.statemachine.State
    init = _EAGER_STATE_INIT
    known = (
        DOCUTILS_RELEASE in LAZY_STATES_DOCUTILS
        and init.__code__.co_names == LAZY_STATE_INIT_NAMES
        and all(
            method.__code__.co_names == LAZY_MACHINE_NAMES[name]
            for name, method in _EAGER_MACHINE.items()
        )
        and "__getattr__" not in vars(state)
    ) or state.__init__ is _lazy_state_init
    if enabled and known:
        state.__init__ = _lazy_state_init  # type: ignore[method-assign]
        state.__getattr__ = _lazy_state_getattr  # type: ignore[attr-defined]
        _MACHINE.add_state = _lazy_add_state  # type: ignore[method-assign]
        _MACHINE.runtime_init = _lazy_runtime_init  # type: ignore[method-assign]
        return True
    if state.__init__ is _lazy_state_init:
        state.__init__ = init  # type: ignore[method-assign]
        del state.__getattr__  # type: ignore[attr-defined]
        _MACHINE.add_state = _EAGER_MACHINE["add_state"]  # type: ignore[method-assign]
        _MACHINE.runtime_init = _EAGER_MACHINE["runtime_init"]  # type: ignore[method-assign]
    return False


# docutils releases whose RSTState.paragraph _prefiltered_paragraph repeats: its code
# (names and constants, the pattern among them) is checked too.
PARAGRAPH_DOCUTILS = frozenset({(0, 21)})
LITERAL_NEXT_PATTERN = r"(?<!\\)(\\\\)*::$"  # a paragraph ending in an unescaped '::'
PARAGRAPH_NAMES = (
    *("join", "rstrip", "re", "search", "len", "inline_text", "nodes", "paragraph"),
    *("state_machine", "get_source_and_line", "source", "line"),
)
_OWN_PARAGRAPH = states.RSTState.paragraph


def _prefiltered_paragraph(self: states.RSTState, lines: Iterable[str], lineno: int) -> Any:
    """docutils' RSTState.paragraph, its '::' pattern searched only in text ending in '::'.

    The pattern starts with a look-behind, so docutils tried it at every character of
    every paragraph (7,609 on nova-2026) to find the few that end in ``::``.
    """
    data = "\n".join(lines).rstrip()
    if data.endswith("::") and re.search(LITERAL_NEXT_PATTERN, data):
        if len(data) == 2:
            return [], 1
        elif data[-3] in " \n":
            text = data[:-3].rstrip()
        else:
            text = data[:-1]
        literalnext = 1
    else:
        text = data
        literalnext = 0
    textnodes, messages = self.inline_text(text, lineno)
    p = nodes.paragraph(data, "", *textnodes)
    p.source, p.line = self.state_machine.get_source_and_line(lineno)
    return [p, *messages], literalnext


def prefiltered_paragraph(enabled: bool = True) -> bool:
    """Use _prefiltered_paragraph for docutils' own (or not); whether it is in use."""
    own = _OWN_PARAGRAPH.__code__
    known = (
        DOCUTILS_RELEASE in PARAGRAPH_DOCUTILS
        and own.co_names == PARAGRAPH_NAMES
        and LITERAL_NEXT_PATTERN in own.co_consts
    )
    states.RSTState.paragraph = (  # type: ignore[method-assign]
        _prefiltered_paragraph if enabled and known else _OWN_PARAGRAPH
    )
    return enabled and known


lazy_states()
prefiltered_paragraph()


# docutils releases whose inline patterns the prefilters below were derived from: on
# another, the inliner is docutils' own.
PREFILTERED_DOCUTILS = frozenset({(0, 21)})
# Characters one of which every match of a pattern holds, read off docutils' patterns:
# each start-string or construct of Inliner.patterns.initial holds '*', '`', '_' or '|'
# (``**``, ``*``, ````, ``_```, ``|``, ``name_``, ``[1]_``, ``role:`text```); a standalone
# URI (Inliner.patterns.uri) holds its scheme's ':' or an e-mail's '@'.
INITIAL_NEEDS = "*`_|"
URI_NEEDS = ":@"


class _Prefiltered:
    """A docutils inline pattern, not searched in a text that holds none of the characters
    every match holds (most paragraphs: docutils' patterns start with a look-behind, so
    the regex engine tries them at every character)."""

    __slots__ = ("needs", "pattern")

    def __init__(self, pattern: re.Pattern[str], needs: str) -> None:
        self.pattern = pattern
        self.needs = needs

    def search(self, text: str, *args: int) -> re.Match[str] | None:
        for char in self.needs:
            if char in text:
                return self.pattern.search(text, *args)
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pattern, name)


def _prefilter(inliner: states.Inliner, settings: Any) -> None:
    """docutils' init_customizations, then its two per-paragraph searches prefiltered.

    Applied to the instance: docutils builds the patterns from ``vars(Inliner)``,
    so a subclass would not do.
    """
    states.Inliner.init_customizations(inliner, settings)
    patterns = inliner.patterns
    patterns.initial = _Prefiltered(patterns.initial, INITIAL_NEEDS)
    dispatch: list[tuple[Any, Any]] = [
        (_Prefiltered(pattern, URI_NEEDS) if pattern is patterns.uri else pattern, method)
        for pattern, method in inliner.implicit_dispatch
    ]
    inliner.implicit_dispatch = dispatch


def _inliner() -> states.Inliner:
    """The inliner for a parse: prefiltered on the docutils releases it was checked with.

    Only the initial search and the standalone URI's: the same matches, the same doctree.
    """
    inliner = states.Inliner()
    if DOCUTILS_RELEASE in PREFILTERED_DOCUTILS:
        inliner.init_customizations = partial(_prefilter, inliner)  # type: ignore[method-assign]
    return inliner


# docutils releases whose DanglingReferences.apply ReferencesOnly repeats (its code
# names are checked too): another release runs docutils' own.
REFERENCES_ONLY_DOCUTILS = frozenset({(0, 21)})
DANGLING_APPLY_NAMES = (
    *("DanglingReferencesVisitor", "document", "transformer", "unknown_reference_resolvers"),
    *("walk", "findall", "nodes", "target", "referenced", "get", "reporter", "info"),
)
# The node classes DanglingReferencesVisitor has a visit method of its own for (all
# TextElements); every other node's (a SparseNodeVisitor's) does nothing.
DANGLING_VISITED = frozenset({"reference", "footnote_reference", "citation_reference"})


class ReferencesOnly(references.DanglingReferences):
    """docutils' DanglingReferences, visiting only the references, not every node.

    docutils walks the whole doctree with a visitor that acts on three node
    classes, all TextElements, and does nothing (after a debug call) on every
    other node. The same visits in the same order, on a list of the references
    made before the first: a visit replaces only the node visited.
    """

    def apply(self, **kwargs: Any) -> None:
        document = self.document
        visitor = references.DanglingReferencesVisitor(
            document, document.transformer.unknown_reference_resolvers
        )
        found = [
            node
            for node in document.findall(nodes.TextElement)
            if type(node).__name__ in DANGLING_VISITED
        ]
        for node in found:
            visitor.dispatch_visit(node)
        # docutils' own, from here on: targets nothing references
        for target in document.findall(nodes.target):
            if not target.referenced:
                if target.get("anonymous"):
                    continue  # the mismatch of anonymous targets is reported already
                if target["names"]:
                    naming = target["names"][0]
                elif target["ids"]:
                    naming = target["ids"][0]
                else:
                    naming = target["refid"]  # a propagated target
                document.reporter.info(
                    f'Hyperlink target "{naming}" is not referenced.', base_node=target
                )


# docutils releases whose transforms were checked to change nothing in a doctree without
# a node of the classes they look for (TRANSFORM_FINDS): another release runs them all.
SKIPPED_TRANSFORMS_DOCUTILS = frozenset({(0, 21)})
# What each transform walks the doctree for: without a node of one of these classes (or a
# subclass) in the parsed doctree, its walk finds nothing and it changes nothing. No
# transform adds a node of these classes that was not in the doctree already (the
# substitutions' copies are of nodes in their definitions, which the doctree holds).
# IndirectHyperlinks and Footnotes read the document's own lists: always run.
TRANSFORM_FINDS: dict[type[Any], tuple[type[nodes.Node], ...]] = {
    references.Substitutions: (nodes.substitution_reference,),
    references.PropagateTargets: (nodes.target,),
    references.AnonymousHyperlinks: (nodes.reference, nodes.target),
    references.ExternalTargets: (nodes.target,),
    references.InternalTargets: (nodes.target,),
    references.DanglingReferences: (
        *(nodes.reference, nodes.footnote_reference, nodes.citation_reference, nodes.target),
    ),
    misc.Transitions: (nodes.transition,),
}


def _transforms(present: frozenset[type[Any]] | None = None) -> list[type[Any]]:
    """TRANSFORMS, with ReferencesOnly for DanglingReferences where it was checked.

    With ``present`` (the classes of the parsed doctree's nodes), without those
    that would find nothing to change (each one's walk is a tenth of a parse's
    transforms).
    """
    chosen = list(TRANSFORMS)
    if present is not None and DOCUTILS_RELEASE in SKIPPED_TRANSFORMS_DOCUTILS:
        chosen = [
            t
            for t in chosen
            if t not in TRANSFORM_FINDS or any(issubclass(c, TRANSFORM_FINDS[t]) for c in present)
        ]
    own = references.DanglingReferences.apply.__code__.co_names
    if DOCUTILS_RELEASE in REFERENCES_ONLY_DOCUTILS and own == DANGLING_APPLY_NAMES:
        return [ReferencesOnly if t is references.DanglingReferences else t for t in chosen]
    return chosen


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


# docutils releases whose transforms were checked to leave the targets of a doctree as
# they are (no target added, removed or moved): another release walks for them.
KNOWN_TARGETS_DOCUTILS = frozenset({(0, 21)})


@contextmanager
def _targets_known(document: nodes.document, targets: list[nodes.target]) -> Iterator[None]:
    """While docutils' transforms run, their walks for targets answered from ``targets``.

    Five of them walk the whole doctree for its targets (PropagateTargets,
    AnonymousHyperlinks, ExternalTargets, InternalTargets, DanglingReferences'
    report of unreferenced ones), which parse listed in its own walk: no
    transform adds, removes or moves a target (they change attributes, replace
    references and move transitions; a substitution's copy holds no target,
    docutils refuses one in a definition), so the list is each walk's answer.
    """
    if DOCUTILS_RELEASE not in KNOWN_TARGETS_DOCUTILS:
        yield
        return
    walk = document.findall

    def findall(condition: Any = None, *args: Any, **kwargs: Any) -> Iterator[Any]:
        if condition is nodes.target and not args and not kwargs:
            return iter(list(targets))
        return walk(condition, *args, **kwargs)

    document.findall = findall  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        del document.findall


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
        state_machine.run(lines, document, inliner=_inliner())
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
    document.transformer.add_transforms(_transforms(present))
    with _targets_known(document, targets):
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
