"""docutils' parser made faster, to the same doctrees: each speedup pinned to docutils 0.21.

Apart from :mod:`novadoclint.parse` (what a parse reads and records) because
these are not novadoclint's behaviour but docutils' own, done with less work:
state machines whose states and transition tables are made on first use, the
inline and paragraph patterns searched only where they can match, transforms
that would find nothing not run and the others' walks for targets answered
from the list parse made. Each one checks the docutils release it was derived
from (and, where it replaces docutils' code, that code's names), keeps
docutils' own elsewhere, and has a switch the tests turn off to compare
doctrees (tests/test_parse_reuse.py, bench/doctrees.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

import docutils
import docutils.statemachine
from docutils import nodes
from docutils.parsers.rst import states
from docutils.transforms import misc, references

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


def inliner() -> states.Inliner:
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


def transforms(
    base: Sequence[type[Any]], present: frozenset[type[Any]] | None = None
) -> list[type[Any]]:
    """The transforms ``base`` names, with ReferencesOnly for DanglingReferences where it
    was checked.

    With ``present`` (the classes of the parsed doctree's nodes), without those
    that would find nothing to change (each one's walk is a tenth of a parse's
    transforms).
    """
    chosen = list(base)
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


# docutils releases whose transforms were checked to leave the targets of a doctree as
# they are (no target added, removed or moved): another release walks for them.
KNOWN_TARGETS_DOCUTILS = frozenset({(0, 21)})


@contextmanager
def targets_known(document: nodes.document, targets: list[nodes.target]) -> Iterator[None]:
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
