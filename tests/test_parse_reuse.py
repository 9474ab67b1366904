"""docutils' parser sped up (novadoclint.docutils_speedups) gives the same doctrees.

Every fixture is parsed with each speedup on and with docutils' own code, and each
document's doctree (pformat), messages and dependencies must be the same.
bench/doctrees.py does the same on real trees (the corpus and the forest).
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import docutils
import docutils.nodes
import docutils.statemachine
import docutils.transforms
import pytest

from novadoclint import docutils_speedups as speedups
from novadoclint import parse
from novadoclint.project.vocabulary import Vocabulary

from harness import FIXTURES, lint_case

# Not the network rules' cases: they are served from a copy on a fresh port each time.
CASES = sorted(
    p.parent for p in FIXTURES.rglob("expected.txt") if not (p.parent / "server.toml").exists()
)

# Every construct whose state docutils enters: sections (Line, Text's underline check),
# lists (bullet, enumerated, definition, field, option), a quoted literal block (its
# state adds and removes transitions as it runs), line blocks, tables, a transition,
# explicit markup, RFC 2822 fields at the top.
SAMPLE = """\
:Author: someone
:Version: 1

=====
Title
=====

Section
-------

* item one

  * nested, with a *role* and ``literal``

3. three
4. four

   #. auto

term
   definition

   another term
      deeper

:field: value
:other: * a list in a field

-a         an option
--long=x   a long option

::

> quoted literal
> block

| a line block
|    indented line

+-----+-----+
| a   | b   |
+=====+=====+
| c   | d   |
+-----+-----+

=====  =====
simple table
============
x      y
=====  =====

----------

.. note:: a note

   .. code-block:: python

      print("hi")

.. _target:

A paragraph with a target_ and a footnote [#]_.

.. [#] the footnote

   Block quote

   -- attribution

Text
~~~~

.. |sub| replace:: substituted

Oops
~~~

.. unknown-directive:: x

   body
"""


@pytest.fixture
def eager() -> Iterator[None]:
    speedups.lazy_states(False)
    try:
        yield
    finally:
        speedups.lazy_states(True)


def _recorded(monkeypatch: pytest.MonkeyPatch, case: Path) -> list[tuple[Any, ...]]:
    seen: list[tuple[Any, ...]] = []
    original = parse.parse

    def recording(*args: Any, **kwargs: Any) -> parse.Parsed:
        parsed = original(*args, **kwargs)
        seen.append((args[1], parsed.doctree.pformat(), parsed.messages, parsed.dependencies))
        return parsed

    with monkeypatch.context() as patch:
        patch.setattr(parse, "parse", recording)
        lint_case(case, cache=False)
    return seen


def test_on_by_default_for_this_docutils() -> None:
    assert tuple(docutils.__version_info__[:2]) in speedups.LAZY_STATES_DOCUTILS
    assert docutils.statemachine.State.__init__ is speedups._lazy_state_init


def test_fixture_doctrees_are_the_same_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the lazy states, the prefilters, ReferencesOnly and skipped transforms."""
    lazy = {case: _recorded(monkeypatch, case) for case in CASES}
    assert speedups.lazy_states(False) is False
    assert speedups.prefiltered_paragraph(False) is False
    try:
        with monkeypatch.context() as patch:
            patch.setattr(speedups, "PREFILTERED_DOCUTILS", frozenset())
            patch.setattr(speedups, "REFERENCES_ONLY_DOCUTILS", frozenset())
            patch.setattr(speedups, "SKIPPED_TRANSFORMS_DOCUTILS", frozenset())
            patch.setattr(speedups, "KNOWN_TARGETS_DOCUTILS", frozenset())
            eager = {case: _recorded(monkeypatch, case) for case in CASES}
    finally:
        assert speedups.lazy_states(True) is True
        assert speedups.prefiltered_paragraph(True) is True
    assert sum(len(v) for v in lazy.values()) > 200
    for case in CASES:
        assert lazy[case] == eager[case], case


def _sample(tmp_path: Path) -> tuple[str, list[parse.Message]]:
    parsed = parse.parse(SAMPLE, str(tmp_path / "index.rst"), str(tmp_path))
    return parsed.doctree.pformat(), parsed.messages


def test_sample_doctree_is_the_same_without_it(tmp_path: Path) -> None:
    lazy = _sample(tmp_path)
    speedups.lazy_states(False)
    try:
        eager = _sample(tmp_path)
    finally:
        speedups.lazy_states(True)
    assert lazy == eager
    for name in ("bullet_list", "enumerated_list", "definition_list", "field_list"):
        assert f"<{name}" in lazy[0]
    for name in ("option_list", "literal_block", "line_block", "table", "transition"):
        assert f"<{name}" in lazy[0]
    assert any("Possible title underline" in m.text for m in lazy[1])  # a Text state ran


def test_tables_are_built_when_read_and_equal_to_eager(eager: None) -> None:
    from docutils.parsers.rst import states

    machine = states.NestedStateMachine(state_classes=states.state_classes, initial_state="Body")
    eager_tables = {
        name: (list(state.transition_order), dict(state.transitions))
        for name, state in machine.states.items()
    }
    assert speedups.lazy_states(True) is True
    speedups._STATE_TABLES.clear()
    # the first machine's tables are built by docutils, the second's copied from them
    for _ in range(2):
        machine = states.NestedStateMachine(
            state_classes=states.state_classes, initial_state="Body"
        )
        assert not machine.states  # made when first asked for
        for name, (order, table) in eager_tables.items():
            state = machine.states[name]
            assert "transitions" not in vars(state)
            assert state.transition_order == order  # built on this first read
            assert {k: (p, m.__func__, n) for k, (p, m, n) in state.transitions.items()} == {
                k: (p, m.__func__, n) for k, (p, m, n) in table.items()
            }
            assert list(state.transitions) == list(table)
            assert all(m.__self__ is state for _, m, _ in state.transitions.values())
    assert speedups._STATE_TABLES and all(speedups._STATE_TABLES.values())
    with pytest.raises(AttributeError, match="no attribute 'elsewhere'"):
        machine.states["Body"].elsewhere  # noqa: B018


def test_states_are_made_when_asked_for_and_readied_in_a_run(tmp_path: Path) -> None:
    from docutils.parsers.rst import states

    machine = states.NestedStateMachine(state_classes=states.state_classes, initial_state="Body")
    assert isinstance(machine.states, speedups._LazyStates) and not machine.states
    with pytest.raises(docutils.statemachine.DuplicateStateError):
        machine.add_state(states.Body)
    with pytest.raises(docutils.statemachine.UnknownStateError):
        machine.get_state("Nowhere")
    before = machine.states["Line"]  # made before the run: readied by the run, as docutils does
    assert "memo" not in vars(before)
    document = parse.parse("text\n", str(tmp_path / "a.rst"), str(tmp_path)).doctree
    inliner = states.Inliner()
    inliner.init_customizations(document.settings)
    language = states.languages.get_language("en", document.reporter)
    memo = states.Struct(document=document, reporter=document.reporter, language=language,
                         title_styles=[], section_level=0, section_bubble_up_kludge=False,
                         inliner=inliner)  # fmt: skip
    node = docutils.nodes.paragraph()
    machine.run(docutils.statemachine.StringList(["- item", "", "text"]), 0, memo, node)
    assert set(machine.states) == {"Line", "Body", "Text"}  # the list has a machine of its own
    assert len(machine.states.classes) == len(states.state_classes) > 10
    for state in machine.states.values():  # each made in the run is readied when made
        assert state.memo is memo and state.parent is node
    machine.unlink()


def _inliner_patterns(tmp_path: Path) -> tuple[Any, Any]:
    """The prefiltered initial and standalone-URI patterns a parse's inliner uses."""
    inliner = speedups.inliner()
    document = parse.parse("", str(tmp_path / "a.rst"), str(tmp_path)).doctree
    inliner.init_customizations(document.settings)
    (uri, _), *_ = inliner.implicit_dispatch
    return inliner.patterns.initial, uri


# Texts of each construct the two patterns match, and near misses.
INLINE_TEXTS = (
    *("a *b* c", "**b**", "``x``", "_`t`", "|sub|", "ref_", "anon__", "[1]_", "[#a]_", "[*]_"),
    *(":role:`x`", "`phrase`_", "x_y", "a | b", "http://x.org/", "mailto:a@b.org", "a@b.c"),
    *("see <http://x>", "x:y", "2:30", "ab@cd", "no markup at all", "(*)", "a\x00*b", ""),
    *("f(a) [b] {c} <d> 'e' \"f\" ~g~ #h #1 ^i$ 50% a-b a.b a+b a=b a;b a,b a/b a?b a!b",),
)
# Every character the patterns name, but the needed ones: none of these texts may match.
NOT_NEEDED = "ab AZ09\t\n\x00\\-.+:@/#%[](){}<>!?'\"=~^$&;,\u2019\u00ab\u00bb"


def test_prefiltered_patterns_match_as_docutils_own(tmp_path: Path) -> None:
    initial, uri = _inliner_patterns(tmp_path)
    assert isinstance(initial, speedups._Prefiltered) and isinstance(uri, speedups._Prefiltered)
    rng = random.Random(15)
    texts = [*INLINE_TEXTS, *("".join(rng.choices(NOT_NEEDED + "*`_|", k=12)) for _ in range(3000))]
    for pattern in (initial, uri):
        for text in texts:
            mine, own = pattern.search(text), pattern.pattern.search(text)
            assert (mine and (mine.span(), mine.groups())) == (own and (own.span(), own.groups()))
            assert own is None or set(text) & set(pattern.needs)


@pytest.mark.parametrize("needs", [speedups.INITIAL_NEEDS, speedups.URI_NEEDS])
def test_no_text_without_a_needed_character_matches(tmp_path: Path, needs: str) -> None:
    """What the prefilters rest on: docutils' own pattern finds nothing in such a text."""
    initial, uri = _inliner_patterns(tmp_path)
    own = (initial if needs == speedups.INITIAL_NEEDS else uri).pattern
    alphabet = "".join(c for c in NOT_NEEDED + "*`_|" if c not in needs)
    rng = random.Random(15)
    texts = [t for t in INLINE_TEXTS if not set(t) & set(needs)]
    texts += ["".join(rng.choices(alphabet, k=rng.randint(1, 30))) for _ in range(20_000)]
    assert [t for t in texts if own.search(t)] == []
    if needs == speedups.URI_NEEDS:  # the near misses of the other pattern do match this one
        assert own.search("http://x.org/") and own.search("a@b.c")


DANGLING = """\
A nowhere_ reference, a `dup`_ one, a [CIT]_ citation, a [#]_ footnote and [9]_.
An anonymous__ one, `embedded <http://x.org>`_, |sub|_ and a `phrase ref`_.

.. _dup:

Text

.. _dup:

More

.. _lonely:
.. _ext: http://example.org
.. _phrase ref: http://example.org/p
.. __: http://one
.. __: http://two
.. [#] the footnote
.. |sub| replace:: substituted
"""


def test_references_only_reports_as_docutils_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def parsed() -> tuple[str, list[parse.Message]]:
        done = parse.parse(DANGLING, str(tmp_path / "index.rst"), str(tmp_path))
        return done.doctree.pformat(), done.messages

    assert speedups.ReferencesOnly in speedups.transforms(parse.TRANSFORMS)
    mine = parsed()
    monkeypatch.setattr(speedups, "REFERENCES_ONLY_DOCUTILS", frozenset())
    assert speedups.ReferencesOnly not in speedups.transforms(parse.TRANSFORMS)
    assert mine == parsed()
    texts = [m.text for m in mine[1]]
    for expected in ('Unknown target name: "nowhere"', "Duplicate target name, cannot be used"):
        assert any(t.startswith(expected) for t in texts), expected
    assert 'Hyperlink target "lonely" is not referenced.' in texts
    assert "<problematic" in mine[0]


# Texts with none, or one kind, of the nodes the skippable transforms look for, and the
# skippable transforms each keeps (a transform is skipped where its kind is missing).
ONE_KIND = {
    "none": ("Title\n=====\n\nText with *emphasis*.\n", set()),
    "transition": ("Text\n\n----------\n\nMore\n\n----------\n", {"Transitions"}),
    "substitution": ("A |sub| and |nowhere|.\n\n.. |sub| replace:: x\n", {"Substitutions"}),
    "target": (
        ".. _lonely:\n\nText\n",
        {"PropagateTargets", "AnonymousHyperlinks", "ExternalTargets", "InternalTargets"}
        | {"DanglingReferences"},  # its unreferenced targets
    ),
    "reference": (
        "A nowhere_ reference and http://x.org\n",
        {"AnonymousHyperlinks", "DanglingReferences"},
    ),
    "footnote": ("A [1]_ and [#]_.\n\n.. [1] one\n", {"DanglingReferences"}),
    "in-substitution": (  # the copy of the reference is resolved (here: not found)
        "A |t|.\n\n.. |t| replace:: see ref_\n",
        {"Substitutions", "AnonymousHyperlinks", "DanglingReferences"},
    ),
}
SKIPPABLE = {t.__name__ for t in speedups.TRANSFORM_FINDS}


@pytest.mark.parametrize("kind", sorted(ONE_KIND))
def test_transforms_with_nothing_to_find_are_skipped_and_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    text, kept = ONE_KIND[kind]
    applied: list[str] = []
    add = docutils.transforms.Transformer.add_transforms

    def adding(self: Any, transforms: list[Any]) -> None:
        applied.extend(t.__name__ for t in transforms)
        add(self, transforms)

    def parsed() -> tuple[str, list[parse.Message]]:
        applied.clear()
        done = parse.parse(text, str(tmp_path / "index.rst"), str(tmp_path))
        return done.doctree.pformat(), done.messages

    monkeypatch.setattr(docutils.transforms.Transformer, "add_transforms", adding)
    skipping = parsed()
    names = {n.replace("ReferencesOnly", "DanglingReferences") for n in applied}
    assert names & SKIPPABLE == kept
    monkeypatch.setattr(speedups, "SKIPPED_TRANSFORMS_DOCUTILS", frozenset())
    assert parsed() == skipping
    assert len(applied) == len(parse.TRANSFORMS)


# Paragraphs ending in '::' (escaped or not, alone, after a space or a line break) and
# near misses: a literal block follows only the first kind.
PARAGRAPH_ENDINGS = (
    *("Text::", "Text ::", "::", "Text\\::", "Text\\\\::", "Text\\\\\\::", "Text::  "),
    *("Text\n::", "Text: :", "Text:: more", "Text:", "Text :: ::", "\\::", "a::b::"),
)


@pytest.mark.parametrize("ending", PARAGRAPH_ENDINGS)
def test_prefiltered_paragraph_parses_as_docutils_own(tmp_path: Path, ending: str) -> None:
    text = f"{ending}\n\n   literal?\n\nAfter.\n"

    def parsed() -> tuple[str, list[parse.Message]]:
        done = parse.parse(text, str(tmp_path / "index.rst"), str(tmp_path))
        return done.doctree.pformat(), done.messages

    assert speedups.prefiltered_paragraph(True) is True
    mine = parsed()
    try:
        assert speedups.prefiltered_paragraph(False) is False
        assert mine == parsed()
    finally:
        assert speedups.prefiltered_paragraph(True) is True


def test_literal_blocks_follow_the_paragraphs_docutils_says(tmp_path: Path) -> None:
    literal = [
        e
        for e in PARAGRAPH_ENDINGS
        if "<literal_block"
        in parse.parse(f"{e}\n\n   x\n", str(tmp_path / "i.rst"), "/").doctree.pformat()
    ]
    assert literal == [
        *("Text::", "Text ::", "::", "Text\\\\::", "Text::  ", "Text\n::", "Text :: ::", "a::b::"),
    ]  # not after an escaped '::' (one or three backslashes), nor without '::' last


def test_a_changed_paragraph_keeps_docutils_own(monkeypatch: pytest.MonkeyPatch) -> None:
    from docutils.parsers.rst import states

    monkeypatch.setattr(speedups, "PARAGRAPH_NAMES", ("join",))
    try:
        assert speedups.prefiltered_paragraph(True) is False
        assert states.RSTState.paragraph is speedups._OWN_PARAGRAPH
    finally:
        monkeypatch.undo()
        assert speedups.prefiltered_paragraph(True) is True
    assert states.RSTState.paragraph is speedups._prefiltered_paragraph


INDIRECT = """\
A direct_, an indirect_, a chained_, a loop_, a missing_ and an anonymous__ one.
A `phrase <http://x.org/p>`_, a |sub|_ and `another phrase`_.

.. _direct: http://example.org
.. _indirect: direct_
.. _chained: indirect_
.. _loop: loop_
.. _missing: nowhere_
.. __: http://one
.. _another phrase:
.. _stacked:

Section
=======

.. |sub| replace:: substituted
.. _lonely:

----------
"""


@pytest.mark.parametrize(
    "text", [SAMPLE, DANGLING, INDIRECT], ids=["sample", "dangling", "indirect"]
)
def test_transforms_read_the_targets_parse_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    """The transforms' walks for targets answered from parse's list give docutils' doctree."""
    asked: list[str] = []
    known = speedups.targets_known

    @contextmanager
    def counting(document: Any, targets: list[Any]) -> Iterator[None]:
        with known(document, targets):
            had = "findall" in vars(document)
            listed = document.findall

            def findall(*args: Any, **kwargs: Any) -> Any:
                asked.append(getattr(args[0], "__name__", "?") if args else "all")
                return listed(*args, **kwargs)

            document.findall = findall
            try:
                yield
            finally:
                if had:
                    document.findall = listed
                else:
                    del document.findall
        assert "findall" not in vars(document)  # docutils' own method again

    def parsed() -> tuple[str, list[parse.Message]]:
        done = parse.parse(text, str(tmp_path / "index.rst"), str(tmp_path))
        return done.doctree.pformat(), done.messages

    monkeypatch.setattr(speedups, "targets_known", counting)
    mine = parsed()
    assert asked.count("target") >= 4  # Propagate, Anonymous, External, Internal (+ Dangling)
    monkeypatch.setattr(speedups, "KNOWN_TARGETS_DOCUTILS", frozenset())
    assert parsed() == mine


def test_a_changed_dangling_references_keeps_docutils_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(speedups, "DANGLING_APPLY_NAMES", ("walk",))
    assert speedups.transforms(parse.TRANSFORMS) == list(parse.TRANSFORMS)


def test_other_docutils_releases_keep_docutils_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    lazy = _sample(tmp_path)
    monkeypatch.setattr(speedups, "LAZY_STATES_DOCUTILS", frozenset({(0, 99)}))
    try:
        assert speedups.lazy_states(False) is False
        assert speedups.lazy_states(True) is False  # an unchecked release: left alone
        state = docutils.statemachine.State
        assert state.__init__ is speedups._EAGER_STATE_INIT
        assert "__getattr__" not in vars(state)
        machine = docutils.statemachine.StateMachine
        assert machine.add_state is speedups._EAGER_MACHINE["add_state"]
        assert machine.runtime_init is speedups._EAGER_MACHINE["runtime_init"]
        assert _sample(tmp_path) == lazy
    finally:
        monkeypatch.undo()
        assert speedups.lazy_states(True) is True


def test_a_changed_state_init_keeps_docutils_own(monkeypatch: pytest.MonkeyPatch) -> None:
    speedups.lazy_states(False)
    try:
        monkeypatch.setattr(speedups, "LAZY_STATE_INIT_NAMES", ("transitions",))
        assert speedups.lazy_states(True) is False
        assert docutils.statemachine.State.__init__ is speedups._EAGER_STATE_INIT
    finally:
        monkeypatch.undo()
        assert speedups.lazy_states(True) is True


def test_a_changed_machine_keeps_docutils_own(monkeypatch: pytest.MonkeyPatch) -> None:
    speedups.lazy_states(False)
    try:
        names = dict(speedups.LAZY_MACHINE_NAMES, runtime_init=("states", "runtime_init"))
        monkeypatch.setattr(speedups, "LAZY_MACHINE_NAMES", names)
        assert speedups.lazy_states(True) is False
        machine = docutils.statemachine.StateMachine
        assert machine.runtime_init is speedups._EAGER_MACHINE["runtime_init"]
    finally:
        monkeypatch.undo()
        assert speedups.lazy_states(True) is True


def test_figure_width_from_the_image_is_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bounded figure, made when first used, still drops ``:figwidth: image``."""
    image = pytest.importorskip("PIL.Image")
    image.new("RGB", (7, 3)).save(tmp_path / "pic.png")
    monkeypatch.chdir(tmp_path)  # docutils opens the picture from the working folder
    text = ".. figure:: pic.png\n   :figwidth: image\n\n.. figure:: pic.png\n   :figwidth: 50%\n"
    with parse.namespace(Vocabulary((), ())):
        parsed = parse.parse(text, str(tmp_path / "index.rst"), str(tmp_path))
    figures = [str(f.get("width")) for f in parsed.doctree.findall(docutils.nodes.figure)]
    assert figures == ["None", "50%"]
    assert not any("pic.png" in p for p in parsed.dependencies)


def test_start_up_imports_neither_doc8_nor_docutils_images() -> None:
    """A warm run parses nothing: doc8 (stevedore) and PIL are imported when first used."""
    code = (
        "import sys, novadoclint.parse, novadoclint.checks.style\n"
        "print(sorted(m for m in ('doc8', 'stevedore', 'PIL', 'docutils.parsers.rst."
        "directives.images') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_too_deep_on_one_line_says_the_same_at_any_stack_depth(tmp_path: Path) -> None:
    """Python's message names the C call it stopped in; the finding's must not vary."""
    text = ":orphan:\n\n" + "- " * 10_000 + "item\n"

    def deep_parse(frames: int) -> str:
        if frames:
            return deep_parse(frames - 1)
        try:
            parse.parse(text, str(tmp_path / "deep.rst"), str(tmp_path))
        except parse.NestedTooDeep as exc:
            return str(exc)
        raise AssertionError("parsed")

    messages = {deep_parse(frames) for frames in range(12)}
    assert messages == {
        "markup nested too deep for docutils (and Sphinx): maximum recursion depth exceeded"
    }
