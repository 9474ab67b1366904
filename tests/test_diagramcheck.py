"""Tests for novadoclint.languages.diagrams.

The grammars come from optional packages; every test that needs one skips
when it is not installed (``pip install novadoclint[diagrams]``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from novadoclint.languages.diagrams import (
    DIAGRAM_DIRECTIVES,
    DIAGRAM_PACKAGES,
    DiagramProblem,
    blockdiag,
    check_diagram_syntax,
    dot,
    optional,
    parser_available,
    positions,
    typos,
    undeclared_nodes,
)


def need(module: str) -> Any:
    """Skip the calling test unless the optional grammar module imports."""
    return pytest.importorskip(module)


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line of ``text`` containing ``needle``."""
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def column_of(text: str, needle: str) -> int:
    """1-based column of ``needle`` on the first line containing it."""
    return text.split("\n")[line_of(text, needle) - 1].index(needle) + 1


# A sequence diagram shaped like a live migration: conductor, source compute,
# destination compute and the hypervisor, with separators and fragments.
MIGRATION = """\
seqdiag {
    conductor [label = "conductor"];
    src_compute [label = "source compute"];
    dst_compute [label = "destination compute"];
    hypervisor;

    activation = none;
    edge_length = 240;
    default_note_color = lightyellow;

    // pre-checks, both ends
    conductor -> dst_compute [label = "call", note = "can you host it?"];
    dst_compute -> src_compute [label = "call", rightnote = "can you let it go?"];
    dst_compute <-- src_compute;
    conductor <-- dst_compute;

    conductor ->> src_compute [label = "cast", note = "start migrating"];
    src_compute -> dst_compute [label = "call", note = "plug networks, volumes"];
    src_compute <-- dst_compute;

    === memory copy (success) ===

    src_compute -> hypervisor [label = "migrate"];
    loop {
        hypervisor -> hypervisor [label = "copy dirty pages"];
    }
    src_compute <-- hypervisor;
    src_compute -> dst_compute [label = "call", note = "finish on destination"];
    src_compute <-- dst_compute;

    ... rollback (failure) ...

    alt {
        src_compute ->> dst_compute [label = "cast", note = "undo the plumbing"];
    }
}
"""

SCHEDULING = """\
actdiag {
    ask -> pick -> claim -> answer;

    lane conductor {
        label = "Conductor";
        ask [label = "Ask for hosts"];
        answer [label = "Use the hosts"];
    }
    lane scheduler {
        label = "Scheduler";
        pick [label = "Filter and weigh"];
    }
    lane placement {
        label = "Placement";
        claim [label = "Claim resources"];
    }
}
"""

STATES = """\
digraph states {
    graph [pad="0.3"];
    node [fontsize=10, shape=box];
    edge [arrowsize="0.8"];
    label = "instance states";

    /* states */
    building [label="BUILDING"];
    active [label="ACTIVE"];
    stopped [label="STOPPED"];
    "soft deleted" [label="SOFT_DELETED", color=red];

    building -> active;
    active -> stopped [label="stop -> off"];   // a label with an arrow
    stopped -> active;
    active -> "soft deleted":n;
    {rank=same; active stopped}
}
"""


# --------------------------------------------------------------------------
# API surface, no optional package needed


def test_directives_and_packages_are_consistent() -> None:
    assert set(DIAGRAM_PACKAGES) == DIAGRAM_DIRECTIVES - {"mermaid", "uml"}
    assert DIAGRAM_PACKAGES["seqdiag"] == "seqdiag"
    assert DIAGRAM_PACKAGES["rackdiag"] == "nwdiag"
    assert DIAGRAM_PACKAGES["packetdiag"] == "nwdiag"
    assert {DIAGRAM_PACKAGES[d] for d in ("graphviz", "graph", "digraph")} == {"pydot"}
    with pytest.raises(TypeError):
        DIAGRAM_PACKAGES["mermaid"] = "x"  # type: ignore[index]


@pytest.mark.parametrize("directive", ["mermaid", "uml"])
def test_directives_without_a_python_grammar_are_never_checked(directive: str) -> None:
    assert parser_available(directive) is False
    assert check_diagram_syntax(directive, "graph TD;\n A-->>>B{{{") == ()
    assert undeclared_nodes(directive, "A -> B") == ()


def test_unknown_directive_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match="unknown diagram directive"):
        check_diagram_syntax("plantuml", "@startuml")
    with pytest.raises(ValueError, match="unknown diagram directive"):
        parser_available("Seqdiag")


def test_graph_name_only_for_graph_and_digraph() -> None:
    with pytest.raises(ValueError, match="takes no graph name"):
        check_diagram_syntax("seqdiag", "a -> b", name="x")
    with pytest.raises(ValueError, match="takes no graph name"):
        undeclared_nodes("graphviz", "digraph { a -> b }", name="x")


def test_missing_package_means_unavailable_and_silent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(optional, "import_optional", lambda module_name: None)
    for directive in sorted(DIAGRAM_DIRECTIVES):
        assert parser_available(directive) is False
        assert check_diagram_syntax(directive, "{{{ not a diagram") == ()
        assert undeclared_nodes(directive, "a -> b") == ()


def test_problem_is_a_frozen_value() -> None:
    problem = DiagramProblem(2, 5, "unexpected ';'")
    assert problem == DiagramProblem(2, 5, "unexpected ';'")
    with pytest.raises(AttributeError):
        problem.line = 3  # type: ignore[misc]


# --------------------------------------------------------------------------
# seqdiag


def test_migration_sequence_parses_and_declares_everything() -> None:
    need("seqdiag.parser")
    assert parser_available("seqdiag")
    assert check_diagram_syntax("seqdiag", MIGRATION) == ()
    assert undeclared_nodes("seqdiag", MIGRATION) == ()


def test_bare_body_is_accepted_as_the_directive_wraps_it() -> None:
    need("seqdiag.parser")
    body = MIGRATION.split("{", 1)[1].rsplit("}", 1)[0]
    assert check_diagram_syntax("seqdiag", body) == ()
    assert undeclared_nodes("seqdiag", body) == ()
    # also with the anonymous header form "{ ... }"
    assert check_diagram_syntax("seqdiag", "{" + body + "}") == ()


def test_missing_bracket_is_reported_on_its_line() -> None:
    need("seqdiag.parser")
    broken = MIGRATION.replace('note = "start migrating"];', 'note = "start migrating";')
    (problem,) = check_diagram_syntax("seqdiag", broken)
    assert (problem.line, problem.column) == (
        line_of(broken, "start migrating"),
        column_of(broken, '"start migrating";') + len('"start migrating"'),
    )
    assert problem.message == "unexpected ';', expected ']'"


def test_missing_closing_brace_points_after_the_last_token() -> None:
    need("seqdiag.parser")
    broken = MIGRATION.rstrip().removesuffix("}")
    (problem,) = check_diagram_syntax("seqdiag", broken)
    # the last token is the '}' closing the alt fragment, on the line after
    assert problem.line == line_of(broken, "undo the plumbing") + 1
    assert problem.column == 6
    assert problem.message == "unexpected end of diagram, expected '}'"


def test_bad_character_is_reported_where_it_is() -> None:
    need("seqdiag.parser")
    broken = MIGRATION.replace("src_compute <-- hypervisor;", "src_compute <-- hypervisor %;")
    (problem,) = check_diagram_syntax("seqdiag", broken)
    assert (problem.line, problem.column) == (
        line_of(broken, "hypervisor %"),
        column_of(broken, "%"),
    )
    assert problem.message == "unexpected character '%'"


def test_bad_token_in_a_bare_body_uses_the_wrapped_parse() -> None:
    need("seqdiag.parser")
    body = "a -> b;\nb -> ;\n"
    (problem,) = check_diagram_syntax("seqdiag", body)
    assert (problem.line, problem.column) == (2, 6)
    assert problem.message == "unexpected ';'"


def test_leading_blank_lines_keep_line_numbers() -> None:
    need("seqdiag.parser")
    (problem,) = check_diagram_syntax("seqdiag", "\n\n  a -> b;\n  b -> ;\n")
    assert (problem.line, problem.column) == (4, 8)


def test_comment_on_last_line_of_a_bare_body_swallows_the_brace() -> None:
    need("seqdiag.parser")
    body = "a -> b;\nb -> a;\n// that is all"
    (problem,) = check_diagram_syntax("seqdiag", body)
    assert (problem.line, problem.column) == (3, 1)
    assert "comment" in problem.message and "'}'" in problem.message
    # with the header the same comment is harmless
    assert check_diagram_syntax("seqdiag", "seqdiag {\n" + body + "\n}") == ()


def test_empty_content_is_reported_like_the_directive_does() -> None:
    need("seqdiag.parser")
    assert check_diagram_syntax("seqdiag", "  \n ") == (
        DiagramProblem(1, 1, "diagram has no content"),
    )


def test_typo_in_an_edge_endpoint_is_reported_with_a_suggestion() -> None:
    need("seqdiag.parser")
    typo = MIGRATION.replace(
        'src_compute -> dst_compute [label = "call", note = "finish',
        'src_compute -> dst_compte [label = "call", note = "finish',
    )
    assert check_diagram_syntax("seqdiag", typo) == ()
    assert undeclared_nodes("seqdiag", typo) == (
        DiagramProblem(
            line_of(typo, "dst_compte"),
            column_of(typo, "dst_compte"),
            "edge names 'dst_compte', which is never declared; did you mean 'dst_compute'?",
        ),
    )


def test_typo_in_a_bare_body_maps_back_to_the_body() -> None:
    need("seqdiag.parser")
    body = "browser; webserver;\nbrowser -> webservr;\nbrowser <-- webserver;"
    assert undeclared_nodes("seqdiag", body) == (
        DiagramProblem(
            2, 12, "edge names 'webservr', which is never declared; did you mean 'webserver'?"
        ),
    )


def test_each_misspelt_name_is_reported_once() -> None:
    need("seqdiag.parser")
    text = "seqdiag {\n  alpha; beta;\n  alpha -> btea;\n  btea -> beta;\n  alpha -> btea;\n}"
    assert undeclared_nodes("seqdiag", text) == (
        DiagramProblem(3, 12, "edge names 'btea', which is never declared; did you mean 'beta'?"),
    )


def test_a_name_used_only_in_edges_is_a_node_unless_it_misspells_one() -> None:
    # Naming a node in an edge declares it: far from every declared name, it is
    # the author's node, not a typo.
    need("seqdiag.parser")
    text = "seqdiag {\n  alpha; beta;\n  alpha -> zzz;\n  zzz -> beta;\n  alpha -> zzz;\n}"
    assert undeclared_nodes("seqdiag", text) == ()


@pytest.mark.parametrize(
    ("name", "declared", "typo"),
    [
        ("sevrer", ["server"], "server"),  # letters swapped
        ("stoped", ["stopped"], "stopped"),  # one letter lost
        ("Server", ["server"], "server"),  # case only
        ("compute_nodes", ["compute_node_"], None),  # two edits, short name
        ("conductor_serivce", ["conductor_service"], "conductor_service"),
        ("conductr_serivce", ["conductor_service"], "conductor_service"),  # two, long
        ("sp3", ["sp5", "sp4"], None),  # a numbered series (keystone's flows)
        ("idp1", ["idp2"], None),
        ("db", ["db2"], None),
        ("host_a", ["host_b"], None),  # a lettered series
        ("nodeA", ["nodeB"], None),
        ("Nova Conductor", ["Ironic Conductor"], None),  # ironic's architecture
        ("Network Interface", ["Power Interface"], None),
        ("bb", ["b"], None),  # too short to tell
        ("api", ["apu"], None),
    ],
)
def test_typo_means_one_edit_from_a_declared_name(
    name: str, declared: list[str], typo: str | None
) -> None:
    assert typos.typo_of(name, declared) == typo


def test_implicit_participants_are_the_authors_style() -> None:
    need("seqdiag.parser")
    text = "seqdiag {\n  browser -> webserver;\n  browser <-- webserver;\n}"
    assert undeclared_nodes("seqdiag", text) == ()


def test_seqdiag_near_misses_report_nothing() -> None:
    need("seqdiag.parser")
    text = """\
seqdiag {
    A; B; "C";
    default_fontsize = 14;
    A -> B [label = "A -> D", note = "D is only in a label"];
    // A -> D in a comment
    /* B -> D in a block comment */
    === A -> D in a separator ===
    ... D in a delay ...
    group { A; B; }
    A => B [label = "x"] {
        B -> C;
        === nested ===
    }
    loop { B -> "A"; alt label { A -> C; } }
    B -->> A;
    A <<-- C;
}
"""
    assert check_diagram_syntax("seqdiag", text) == ()
    assert undeclared_nodes("seqdiag", text) == ()


def test_nodes_declared_in_groups_and_fragments_count() -> None:
    need("seqdiag.parser")
    text = "seqdiag {\n  group { A; }\n  loop { B [label = b]; }\n  A -> B;\n}"
    assert undeclared_nodes("seqdiag", text) == ()


def test_undeclared_nodes_ignores_diagrams_that_do_not_parse() -> None:
    need("seqdiag.parser")
    assert undeclared_nodes("seqdiag", "seqdiag {\n A;\n A -> B [\n}") == ()


# --------------------------------------------------------------------------
# blockdiag and actdiag


def test_blockdiag_node_lists_and_groups() -> None:
    need("blockdiag.parser")
    text = """\
blockdiag {
    alpha, beta [color = pink];
    group { gamma; }
    alpha, beta -> gamma -> delta, epsilon;
    alpha, btea -> gmama;
    class emphasis [color = red];
    alpha -> gamma [class = emphasis];
}
"""
    assert check_diagram_syntax("blockdiag", text) == ()
    problems = undeclared_nodes("blockdiag", text)
    assert [(p.line, p.column, p.message) for p in problems] == [
        (5, 12, "edge names 'btea', which is never declared; did you mean 'beta'?"),
        (5, 20, "edge names 'gmama', which is never declared; did you mean 'gamma'?"),
    ]


def test_blockdiag_syntax_error_line() -> None:
    need("blockdiag.parser")
    text = "blockdiag {\n  A -> B;\n  B -> -> C;\n}"
    (problem,) = check_diagram_syntax("blockdiag", text)
    assert (problem.line, problem.column) == (3, 8)
    assert problem.message == "unexpected '->'"


def test_actdiag_with_lanes_parses_and_declares_everything() -> None:
    need("actdiag.parser")
    assert check_diagram_syntax("actdiag", SCHEDULING) == ()
    assert undeclared_nodes("actdiag", SCHEDULING) == ()


def test_actdiag_typo_in_an_edge_chain() -> None:
    need("actdiag.parser")
    typo = SCHEDULING.replace("claim -> answer", "clam -> answer")
    assert undeclared_nodes("actdiag", typo) == (
        DiagramProblem(
            2,
            column_of(typo, "clam"),
            "edge names 'clam', which is never declared; did you mean 'claim'?",
        ),
    )


def test_actdiag_lane_names_are_not_nodes() -> None:
    need("actdiag.parser")
    text = "actdiag {\n  a -> schedulr;\n  lane scheduler { a; }\n}"
    assert undeclared_nodes("actdiag", text) == ()


# --------------------------------------------------------------------------
# nwdiag, rackdiag, packetdiag: syntax only


def test_nwdiag_family_syntax() -> None:
    need("nwdiag.parser")
    need("rackdiag.parser")
    need("packetdiag.parser")
    network = 'nwdiag {\n  network dmz {\n    address = "210.x.x.x/24";\n    web01;\n  }\n}'
    assert check_diagram_syntax("nwdiag", network) == ()
    assert undeclared_nodes("nwdiag", "nwdiag {\n  web01;\n  inet -- web01;\n}") == ()
    rack = "rackdiag {\n  16U;\n  1: UPS [2U];\n  3: DB Server;\n}"
    assert check_diagram_syntax("rackdiag", rack) == ()
    packet = "packetdiag {\n  colwidth = 32;\n  0-15: Source Port;\n  16-31: Dest Port;\n}"
    assert check_diagram_syntax("packetdiag", packet) == ()
    (problem,) = check_diagram_syntax("nwdiag", "nwdiag {\n  network {\n    web01;\n  \n}")
    assert problem.message == "unexpected end of diagram, expected '}'"


# --------------------------------------------------------------------------
# Graphviz


def test_graphviz_digraph_is_valid_and_declares_everything() -> None:
    need("pydot")
    assert parser_available("graphviz")
    assert check_diagram_syntax("graphviz", STATES) == ()
    assert undeclared_nodes("graphviz", STATES) == ()


def test_graphviz_error_line() -> None:
    need("pydot")
    broken = STATES.replace("stopped -> active;", "stopped -> ;")
    (problem,) = check_diagram_syntax("graphviz", broken)
    assert (problem.line, problem.column) == (
        line_of(broken, "stopped -> ;"),
        column_of(broken, "stopped -> ;") + len("stopped "),
    )
    assert problem.message == "expected '}', found '-'"


def test_graphviz_error_inside_a_subgraph_is_found_inside_it() -> None:
    need("pydot")
    text = "digraph {\n  a -> b;\n  subgraph cluster_x {\n    c;\n    d -> ;\n  }\n}\n"
    (problem,) = check_diagram_syntax("graphviz", text)
    assert (problem.line, problem.column) == (5, 7)


def test_graphviz_unclosed_graph_points_at_the_end_of_the_text() -> None:
    need("pydot")
    (problem,) = check_diagram_syntax("graphviz", "digraph {\n  a -> b;\n\n")
    assert (problem.line, problem.column) == (2, 10)
    assert problem.message == "expected '}', found end of text"


def test_graphviz_trailing_junk_is_an_error() -> None:
    need("pydot")
    (problem,) = check_diagram_syntax("graphviz", "digraph {\n  a -> b;\n}\n}\n")
    assert (problem.line, problem.column) == (4, 1)
    assert problem.message.startswith("expected end of text")


def test_graphviz_empty_content() -> None:
    need("pydot")
    assert check_diagram_syntax("graphviz", "\n") == (
        DiagramProblem(1, 1, "diagram has no content"),
    )


def test_digraph_body_is_wrapped_as_sphinx_does() -> None:
    need("pydot")
    body = "api [label=A];\nconductor;\napi -> conductor;\nconductor -> condcutor;"
    assert check_diagram_syntax("digraph", body, name="flow") == ()
    assert check_diagram_syntax("digraph", body) == ()
    assert undeclared_nodes("digraph", body, name="flow") == (
        DiagramProblem(
            4, 14, "edge names 'condcutor', which is never declared; did you mean 'conductor'?"
        ),
    )
    assert check_diagram_syntax("digraph", "") == ()


def test_digraph_body_error_line_is_the_body_line() -> None:
    need("pydot")
    (problem,) = check_diagram_syntax("digraph", "a -> b;\nb -> [color=red];\n", name="x")
    assert (problem.line, problem.column) == (2, 3)


def test_body_closing_the_graph_early() -> None:
    need("pydot")
    (problem,) = check_diagram_syntax("digraph", "a -> b;\n}\n", name="x")
    assert (problem.line, problem.column) == (2, 1)
    assert problem.message == "unmatched '}' closes the graph before the end of the body"


def test_invalid_graph_name_is_reported_on_line_zero() -> None:
    need("pydot")
    (problem,) = check_diagram_syntax("digraph", "a -> b;", name="my-graph")
    assert (problem.line, problem.column) == (0, 0)
    assert problem.message.startswith("graph name 'my-graph' is not a valid DOT id")


def test_graph_body_with_directed_edge_is_an_error() -> None:
    need("pydot")
    assert check_diagram_syntax("graph", "a -- b;\nb -- c;", name="net") == ()
    assert check_diagram_syntax("graph", 'a -- b;\nb -> c [label="x -> y"];', name="net") == (
        DiagramProblem(2, 3, "'->' in an undirected graph, where Graphviz accepts only '--'"),
    )
    assert check_diagram_syntax("graphviz", "digraph {\n  a -- b\n}") == (
        DiagramProblem(2, 5, "'--' in a directed graph, where Graphviz accepts only '->'"),
    )


def test_graphviz_typo_with_suggestion() -> None:
    need("pydot")
    typo = STATES.replace("stopped -> active;", "stoped -> active;")
    assert undeclared_nodes("graphviz", typo) == (
        DiagramProblem(
            line_of(typo, "stoped"),
            5,
            "edge names 'stoped', which is never declared; did you mean 'stopped'?",
        ),
    )


def test_graphviz_near_misses_report_nothing() -> None:
    need("pydot")
    text = """\
strict digraph G {
    graph [rankdir=LR]; node [shape=box]; edge [color=gray];
    NODE [fontname="Monospace"];
    a [label="a"]; "b c"; d:p1; e;
    a -> "b c":n -> d:p2:sw [label="a -> x"];   // a -> y
    a -> "b \\
c";
    # a -> z
    subgraph cluster_one { label="one"; f; g [color=red]; f -> g }
    {rank=same; a e}
    a -> { e f } [style=dotted];
    "a" -> e;
    "node" [label="a real node called node"];
    a -> "node";
    compound=true;
}
"""
    assert check_diagram_syntax("graphviz", text) == ()
    assert undeclared_nodes("graphviz", text) == ()


def test_graphviz_defaults_and_rank_groups_do_not_count_as_declarations() -> None:
    need("pydot")
    text = "digraph {\n  node [shape=box];\n  a -> b;\n  {rank=same; a b}\n  b -> c;\n}"
    assert undeclared_nodes("graphviz", text) == ()


def test_graphviz_endpoint_subgraph_members_are_checked() -> None:
    need("pydot")
    text = "digraph {\n  aaaa; bbbb;\n  aaaa -> {bbbb bbb cccc};\n}"
    assert undeclared_nodes("graphviz", text) == (
        DiagramProblem(3, 17, "edge names 'bbb', which is never declared; did you mean 'bbbb'?"),
    )


def test_graphviz_cluster_names_are_not_nodes() -> None:
    need("pydot")
    text = "digraph {\n  subgraph cluster_alpha { x; }\n  x -> cluster_alpa;\n}"
    assert undeclared_nodes("graphviz", text) == ()


# --------------------------------------------------------------------------
# message convention and error-position fallbacks


def test_messages_start_lower_case_without_final_period() -> None:
    need("seqdiag.parser")
    need("pydot")
    problems = [
        *check_diagram_syntax("seqdiag", "seqdiag {\n a -> ;\n}"),
        *check_diagram_syntax("seqdiag", "a -> b %"),
        *check_diagram_syntax("graphviz", "digrap {}"),
        *check_diagram_syntax("digraph", "a -> b", name="a-b"),
        *undeclared_nodes("seqdiag", "Alpha;\nAlpha -> Alpah;"),
    ]
    assert len(problems) == 5
    for problem in problems:
        assert problem.message[0] == problem.message[0].lower(), problem
        assert not problem.message.endswith("."), problem
    assert check_diagram_syntax("graphviz", "digrap {}")[0].message == (
        "expected 'digraph' or 'graph', found 'digrap'"
    )


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("3,10-3,11: got unexpected token: '}', expected: ']'", (3, 10)),
        ("Got unexpected token at line 2 column 4", (2, 4)),
        ("something unexpected", (3, 15)),
    ],
)
def test_funcparserlib_message_fallbacks(message: str, expected: tuple[int, int]) -> None:
    """Without the original error attached, positions come from the message text."""
    module = need("seqdiag.parser")
    text = "a -> b;\nb -> c;\nc -> d [x = 1]"
    source = positions.Source(text, text, 0, 0, len(text))
    problem = blockdiag._funcparserlib_problem(module, Exception(message), source)
    assert (problem.line, problem.column) == expected
    assert problem.message[0].islower()


# --------------------------------------------------------------------------
# Graphviz's grammar where pydot's is narrower


def test_graphviz_semicolons_between_attributes_are_valid() -> None:
    # Sphinx's own sphinx_build_phases.dot; grammar.y: optseparator is ';' or ','.
    need("pydot")
    text = (
        "digraph {\n    node [\n        shape = rect;\n"
        '        fillcolor ="#f7f7f7";\n    ]\n    a -> b [color=red; style=bold]\n}'
    )
    assert check_diagram_syntax("graphviz", text) == ()


def test_graphviz_comma_separated_node_lists_are_valid() -> None:
    # Sphinx's own sphinx_core_events_flow.dot; grammar.y: nodelist ',' node.
    need("pydot")
    text = (
        'digraph {\n  {rank=same; "env-purge-doc" "doctree-read", "merge"};\n  a, b:p -> c, d;\n}'
    )
    assert check_diagram_syntax("graphviz", text) == ()


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("digraph {\n  {rank=same, a}\n}", (2, 13)),  # an assignment is no node
        ("digraph {\n  a -> , b\n}", (2, 5)),  # a comma where an id is due
        ("digraph {\n  a [x=1;;]\n}", (2, 5)),  # an empty attribute
    ],
)
def test_graphviz_misplaced_separators_are_still_errors(text: str, place: tuple[int, int]) -> None:
    need("pydot")
    (problem,) = check_diagram_syntax("graphviz", text)
    assert (problem.line, problem.column) == place


def test_graphviz_numbered_nodes_made_by_edges_are_no_typos() -> None:
    # keystone's federation flows: styled column heads, then points named by edges.
    need("pydot")
    text = """\
digraph {
    node [shape=point]
    sp_top [label = "Service Provider" shape="box"]
    sp_top -> sp0 -> sp1 -> sp2
    idp_top [label = "Identity Provider" shape="box"]
    idp_top -> idp0 -> idp1
    sp1 -> idp1 [label = "redirect"]
    "Nova API" [shape=box]
    "Nova API" -> "Nova Conductor" -> "Ironic API"
}
"""
    assert undeclared_nodes("graphviz", text) == ()
    typo = text + "sp_top -> sp_tpo\n"
    typo = typo.replace("}\nsp_top -> sp_tpo\n", "    sp_top -> sp_tpo\n}\n")
    assert undeclared_nodes("graphviz", typo) == (
        DiagramProblem(
            10, 15, "edge names 'sp_tpo', which is never declared; did you mean 'sp_top'?"
        ),
    )


# --------------------------------------------------------------------------
# pydot's comments skipped without trying them where none can start (issue 15)

FIXTURE_DOT = sorted(
    (Path(__file__).resolve().parents[1] / "fixtures").rglob("*.dot"), key=lambda p: str(p)
)
COMMENTED_DOT = [
    "digraph G { a -> b; // to b\n b -> c # to c\n}\n",
    "digraph G { a -> b#to b\n c;#x\n d//y\n}",
    "digraph G {/*x*/a/**/->/* y */b//z\n}",
    "graph G {\n# a line\na -- b /* c */ -- c\n// end}",
    'digraph { a [label="// not a comment", shape=box]; b [label=<x<b>#y</b>>] a -> b }',
    "digraph G { a -> /* unterminated\n b }",
    "digraph G { a -> / b }",
    "digraph G { a -> b # }",
    "digraph G { a -> b } // trailing\n/* and */ # more",
    "digraph G { a -> b } junk",
    "/* lead */ digraph G { subgraph cluster_x { a; /* c */ b [shape=box; color=red] } }",
    "digraph G {\n\ta\t->\tb\r\n\t/*\r\n*/c\n}",
    'digraph G { a:n -> b:s; node [shape = rect; style = filled] {rank=same; "a" "b", c} }',
]


def _dot_outcomes(sources: list[str]) -> list[Any]:
    dot._dot_parse_once.cache_clear()
    found = []
    for text in sources:
        for directive, name in (("graphviz", None), ("digraph", "G")):
            found.append(check_diagram_syntax(directive, text, name=name))
            found.append(undeclared_nodes(directive, text, name=name))
        outcome, value = dot._dot_parse_once(text)
        if outcome == "ok":
            found.append(("parsed", [graph.to_string() for graph in value]))
        else:
            found.append(("error", type(value).__name__, str(value), getattr(value, "loc", None)))
    return found


def test_fast_comment_skip_is_on_for_the_checked_releases() -> None:
    need("pydot.dot_parser")
    check_diagram_syntax("graphviz", "digraph { a -> b }")
    pyparsing, pydot = need("pyparsing"), need("pydot")
    checked = (
        dot._release(pyparsing) in dot._DOT_FAST_COMMENTS_PYPARSING
        and dot._release(pydot) in dot._DOT_FAST_COMMENTS_PYDOT
    )
    assert bool(dot._dot_fast_elements) == checked


def test_fast_comment_skip_gives_the_same_graphs_and_errors() -> None:
    need("pydot.dot_parser")
    sources = [*COMMENTED_DOT, *(p.read_text("utf-8") for p in FIXTURE_DOT)]
    assert dot._dot_fast_comments(False) is False
    try:
        slow = _dot_outcomes(sources)
    finally:
        on = dot._dot_fast_comments(True)
    if not on:
        pytest.skip("pyparsing or pydot release not checked: pyparsing's own skip is used")
    assert _dot_outcomes(sources) == slow
    # both sides are exercised: graphs that parse and errors, some inside comments
    assert sum(1 for item in slow if item[:1] == ("parsed",)) >= 7
    assert sum(1 for item in slow if item[:1] == ("error",)) >= 3


def test_fast_comment_skip_leaves_other_releases_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    need("pydot.dot_parser")
    monkeypatch.setattr(dot, "_DOT_FAST_COMMENTS_PYPARSING", frozenset({(2, 0)}))
    try:
        assert dot._dot_fast_comments(True) is False
        assert dot._dot_fast_elements == []
        grammar = optional.loaded_module("pydot.dot_parser").GraphParser.parser
        assert "_skipIgnorables" not in vars(grammar)
        assert check_diagram_syntax("digraph", "a -> b // c", name="G") == ()
    finally:
        monkeypatch.undo()
        dot._dot_fast_comments(True)


def test_fast_comment_skip_needs_pydots_own_comments(monkeypatch: pytest.MonkeyPatch) -> None:
    need("pydot.dot_parser")
    monkeypatch.setattr(dot, "_DOT_COMMENTS", ("Suppress:(C style comment)",))
    try:
        assert dot._dot_fast_comments(True) is False
    finally:
        monkeypatch.undo()
        dot._dot_fast_comments(True)
