"""Property tests: whatever a pull request holds, the linter neither raises nor hangs, and
its output does not depend on how many processes read the tree.

Inputs come from a small grammar of reStructuredText (sections, lists, directives,
roles, links, labels, tables, broken markup) and from byte-level mutations of the
fixture trees and of the nova corpus (skipped without it). Runs are in-process
with one job and no cache, and with a per-file time budget, so a pathological
example cannot hang the suite: it would surface as an ``internal-error`` finding,
which the properties reject like any crash. Example counts are kept modest.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from novadoclint.engine import lint
from novadoclint.findings import Run
from novadoclint.project.discover import GlobAutomaton, _atoms, translate_pattern

from harness import FIXTURES

BUDGET = 20.0  # seconds per file: far above any example here, so a hit is a real hang
CONF = (
    "extensions = ['sphinx.ext.todo', 'sphinx.ext.graphviz', 'sphinx.ext.extlinks']\n"
    "extlinks = {'bug': ('https://bugs.example.org/%s', 'bug %s')}\n"
)
DOCNAMES = ("index", "install", "admin/config", "admin/index", "ref/api")
# NOVADOCLINT_EXAMPLES=N multiplies the example counts, for a longer hunt by hand.
SCALE = max(1, int(os.environ.get("NOVADOCLINT_EXAMPLES", "1")))
SLOW = settings(
    max_examples=40 * SCALE,
    deadline=None,
    # Each example lints a whole (small) tree: slower than hypothesis expects of a test.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@contextmanager
def tree(files: dict[str, bytes]) -> Iterator[Path]:
    """A temporary Sphinx tree (hypothesis examples cannot share pytest's tmp_path)."""
    with tempfile.TemporaryDirectory(prefix="novadoclint-prop-") as name:
        root = Path(name)
        for rel, data in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        yield root


def lint_tree(root: Path, jobs: int = 1) -> Run:
    overrides: dict[str, Any] = {"jobs": jobs, "cache": False, "time_budget": BUDGET}
    return lint([root], overrides=overrides)


def assert_sane(run: Run) -> None:
    """No rule crashed, no file ran out of time, and every finding points somewhere."""
    crashes = [f.render() for f in run.findings if f.rule == "internal-error"]
    assert not crashes
    for finding in run.findings:
        assert finding.line >= 1 and finding.column >= 1, finding.render()
        assert finding.message and finding.message == finding.message.strip(), finding.render()


# -- a grammar of reStructuredText -----------------------------------------------------

WORDS = st.sampled_from((
    "nova", "compute", "the", "a", "server", "café", "naïve", "x", "API", "v2.1", "--flag",
    "::", "*", "`", "|", "_", "\\", "..", "<", ">", "[#]_", "[1]_", "|sub|", ":", "-",
))  # fmt: skip
LABELS = st.sampled_from(["intro", "setup", "Setup Guide", "api-ref", "missing-label"])
TARGETS = st.sampled_from([*DOCNAMES, "/install", "../index", "missing", "admin/", ""])
URLS = st.sampled_from((
    "https://example.org/a", "http://example.org/b#frag", "ftp://x", "mailto:a@b.c",
    "https//broken", "www.example.org", "https://", "<https://x>",
))  # fmt: skip
ROLES = st.sampled_from((
    "ref", "doc", "term", "download", "numref", "code", "kbd", "abbr", "bug", "option",
    "program", "py:func", "unknown-role", "math", "samp", "file", "envvar", "command",
))  # fmt: skip


@st.composite
def inline(draw: st.DrawFn) -> str:
    word = draw(WORDS)
    kind = draw(st.integers(0, 12))
    if kind == 0:
        return f"*{word}*"
    if kind == 1:
        return f"**{word}**"
    if kind == 2:
        return f"``{word}``"
    if kind == 3:
        role = draw(ROLES)
        target = draw(st.one_of(TARGETS, LABELS))
        title = draw(st.sampled_from(["", "Title ", "!", "~"]))
        body = f"{title}<{target}>" if title.strip() not in ("", "!", "~") else f"{title}{target}"
        return f":{role}:`{body}`"
    if kind == 4:
        return f"`{word} <{draw(URLS)}>`{draw(st.sampled_from(['_', '__', '']))}"
    if kind == 5:
        return draw(URLS)
    if kind == 6:
        return f"`{word}`_"
    if kind == 7:
        return draw(st.sampled_from(["*unclosed", "``x`", ":ref:`x", "`x", "x`_", "|x"]))
    if kind == 8:
        return f"`{word}`"
    return word


@st.composite
def paragraph(draw: st.DrawFn, indent: str) -> list[str]:
    words = draw(st.lists(inline(), min_size=1, max_size=12))
    lines, line = [], ""
    for w in words:
        if len(line) + len(w) > 60 and line:
            lines.append(indent + line.rstrip())
            line = ""
        line += w + " "
    lines.append(indent + line.rstrip())
    return [*lines, ""]


DIRECTIVES = (
    "note", "warning", "seealso", "todo", "versionadded", "code-block", "toctree", "include",
    "image", "figure", "literalinclude", "graphviz", "only", "list-table", "unknown-thing",
    "csv-table", "raw", "contents", "rubric", "glossary", "option", "program",
)  # fmt: skip


@st.composite
def directive(draw: st.DrawFn, indent: str, depth: int) -> list[str]:
    name = draw(st.sampled_from(DIRECTIVES))
    inner = indent + "   "
    arg = {
        "versionadded": " 2.1",
        "code-block": draw(st.sampled_from([" python", " console", " json", " nolexer", ""])),
        "include": draw(st.sampled_from([" part.inc", " /part.inc", " missing.inc", " index.rst"])),
        "image": " img.png",
        "figure": " missing.svg",
        "literalinclude": " part.inc",
        "only": " html",
        "option": " --verbose",
        "program": " nova-manage",
        "raw": " html",
        "rubric": " Heading",
    }.get(name, "")
    lines = [f"{indent}.. {name}::{arg}"]
    if name == "toctree":
        lines += [f"{inner}:{o}:" for o in draw(st.lists(st.sampled_from(["glob", "hidden"])))]
        lines.append("")
        lines += [f"{inner}{e}" for e in draw(st.lists(st.one_of(TARGETS, URLS), max_size=4))]
        return [*lines, ""]
    if name == "code-block":
        code = draw(st.sampled_from(["print('x')", "def f(:", "{}", '{"a": }', "$ nova list"]))
        return [*lines, "", f"{inner}{code}", ""]
    if name in ("include", "image", "literalinclude", "contents"):
        return [*lines, ""]
    if name == "list-table":
        rows = draw(st.integers(0, 3))
        table = [f"{inner}* - a{r}\n{inner}  - b{r}" for r in range(rows)]
        return [*lines, f"{inner}:header-rows: {draw(st.integers(0, 2))}", "", *table, ""]
    if name == "graphviz":
        return [*lines, "", f"{inner}digraph {{ a -> b }}", ""]
    lines.append("")
    lines += draw(body(inner, depth - 1)) if depth > 0 else [f"{inner}text", ""]
    return lines


@st.composite
def block(draw: st.DrawFn, indent: str, depth: int) -> list[str]:
    kind = draw(st.integers(0, 9 if depth > 0 else 5))
    if kind <= 2:
        return draw(paragraph(indent))
    if kind == 3:
        return [f"{indent}.. _{draw(LABELS)}:", ""]
    if kind == 4:
        return [f"{indent}Example::", "", f"{indent}   literal {draw(WORDS)}", ""]
    if kind == 5:
        return [f"{indent}.. a comment {draw(WORDS)}", ""]
    if kind in (6, 7):
        bullet = draw(st.sampled_from(["-", "*", "#.", "1.", "(a)"]))
        items = draw(st.lists(body(indent + " " * (len(bullet) + 1), depth - 1), max_size=3))
        lines = []
        for item in items:
            first = item[0][len(indent) + len(bullet) + 1 :] if item else ""
            lines += [f"{indent}{bullet} {first}", *item[1:]]
        return [*lines, ""]
    if kind == 8:
        return draw(directive(indent, depth))
    return [f"{indent}term", f"{indent}   definition {draw(WORDS)}", ""]


@st.composite
def body(draw: st.DrawFn, indent: str, depth: int) -> list[str]:
    blocks = draw(st.lists(block(indent, depth), min_size=1, max_size=4))
    return [line for b in blocks for line in b]


@st.composite
def document(draw: st.DrawFn) -> str:
    lines: list[str] = []
    if draw(st.booleans()):
        lines += [":orphan:", ""]
    for number in range(draw(st.integers(1, 4))):
        title = draw(st.sampled_from(["Install", "Configure nova", "API", "Ünïcode", "A"]))
        char = draw(st.sampled_from("=-~^") if number else st.just("="))
        short = draw(st.integers(0, 6)) == 0  # sometimes too short an underline
        lines += [title, char * (len(title) - (1 if short else 0)), ""]
        lines += draw(body("", 2))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n", "  \n"]))


@st.composite
def grammar_tree(draw: st.DrawFn, min_docs: int = 1) -> dict[str, bytes]:
    names = draw(st.lists(st.sampled_from(DOCNAMES[1:]), unique=True, max_size=4))
    files = {"conf.py": CONF.encode(), "part.inc": b"Included *text* :ref:`intro`.\n"}
    for name in ["index", *names]:
        files[f"{name}.rst"] = draw(document()).encode()
    for extra in range(max(0, min_docs - len(files) + 2)):
        files[f"more/page{extra}.rst"] = draw(document()).encode()
    return files


@SLOW
@given(grammar_tree())
def test_grammar_documents_never_crash(files: dict[str, bytes]) -> None:
    with tree(files) as root:
        assert_sane(lint_tree(root))


# -- byte-level mutations --------------------------------------------------------------

NASTY = (
    b"\x00", b"\r", b"\r\n", b"\t", b"\xff", b"\xc3", b"\xe2\x80", b"\x0b", b"\x0c", b"`",
    b"``", b"::", b"\n.. ", b"|", b"_", b"*", b"\n   ", b"\n====\n", b".. include:: ",
    b".. toctree::\n\n   ", b":ref:`", b"\n- ", b"\n\n", b"   ", b"\\", b"<", b">`_",
    b".. |x| replace:: ", b"[#]_", b"\n+--+\n|  |\n+--+\n", b"\xef\xbb\xbf", b"\n.. _x:\n",
)  # fmt: skip

Mutation = tuple[int, int, int, bytes]


def mutations() -> st.SearchStrategy[list[Mutation]]:
    """(operation, position, length, payload): positions wrap around the data."""
    payload = st.one_of(st.sampled_from(NASTY), st.binary(min_size=1, max_size=8))
    op = st.tuples(st.integers(0, 5), st.integers(0, 2**31), st.integers(0, 64), payload)
    return st.lists(op, min_size=1, max_size=6)


def mutate(data: bytes, ops: list[Mutation]) -> bytes:
    for kind, position, length, payload in ops:
        at = position % (len(data) + 1)
        if kind == 0 and data:  # flip one bit
            at %= len(data)
            data = data[:at] + bytes([data[at] ^ (1 << (length % 8))]) + data[at + 1 :]
        elif kind == 1:  # insert
            data = data[:at] + payload + data[at:]
        elif kind == 2:  # delete a slice
            data = data[:at] + data[at + length :]
        elif kind == 3:  # duplicate a slice
            data = data[:at] + data[at : at + length] * 2 + data[at + length :]
        elif kind == 4:  # truncate
            data = data[:at]
        else:  # swap two lines
            lines = data.split(b"\n")
            i, j = at % len(lines), (at + length) % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
            data = b"\n".join(lines)
    return data


def _fixture_files() -> list[tuple[Path, str]]:
    found = []
    for case in sorted(p.parent for p in FIXTURES.rglob("expected.txt")):
        for path in sorted(case.rglob("*")):
            wanted = path.suffix in (".rst", ".inc", ".txt", ".py")
            if wanted and path.is_file() and path.name != "expected.txt":
                found.append((case, path.relative_to(case).as_posix()))
    return found


FIXTURE_FILES = _fixture_files()


@SLOW
@given(st.sampled_from(FIXTURE_FILES), mutations())
# Found by a CI run: a NUL byte in an include's path crashed the parse (ValueError from
# os.lstat in the boundary check, then from docutils' open); now an rst-syntax finding.
@example((FIXTURES / "include-missing" / "fires", "index.rst"), [(1, 53, 0, b"\x00")])
def test_mutated_fixture_trees_never_crash(target: tuple[Path, str], ops: list[Mutation]) -> None:
    case, rel = target
    with tempfile.TemporaryDirectory(prefix="novadoclint-mut-") as name:
        root = Path(name) / "case"
        shutil.copytree(case, root, symlinks=True)
        (root / "case.toml").unlink(missing_ok=True)
        (root / rel).write_bytes(mutate((case / rel).read_bytes(), ops))
        assert_sane(lint_tree(root))


CORPUS_SAMPLE = 60  # corpus files drawn from, spread over both trees


def _corpus_files(corpus: Path) -> list[Path]:
    files = sorted(corpus.glob("nova-*/doc/source/**/*.rst"))
    return random.Random(7).sample(files, min(CORPUS_SAMPLE, len(files)))


@settings(
    max_examples=25 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), ops=mutations())
def test_mutated_corpus_files_never_crash(corpus: Path, data: st.DataObject, ops: Any) -> None:
    """One mutated nova page, in place, beside its tree's conf.py and local extensions."""
    path = data.draw(st.sampled_from(_corpus_files(corpus)))
    srcdir = next(p for p in path.parents if (p / "conf.py").is_file())
    rel = path.relative_to(srcdir).as_posix()
    files = {
        "doc/source/conf.py": (srcdir / "conf.py").read_bytes(),
        f"doc/source/{rel}": mutate(path.read_bytes(), ops),
    }
    for ext in sorted((srcdir.parent / "ext").glob("*.py")):  # conf.py puts ../ on sys.path
        files[f"doc/ext/{ext.name}"] = ext.read_bytes()
    with tree(files) as root:
        assert_sane(lint_tree(root / "doc" / "source"))


# -- globs ----------------------------------------------------------------------------

GLOB_PARTS = st.sampled_from(["a", "b", "/", "*", "**", "?", "[ab]", "[!a]", "[", "]", "."])


@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")  # '[[' as Sphinx has it
@settings(max_examples=300 * SCALE, deadline=None)
@given(
    pattern=st.lists(GLOB_PARTS, max_size=10).map("".join),
    path=st.text(alphabet="ab/.[]", max_size=12),
)
def test_glob_automaton_agrees_with_sphinx_regex(pattern: str, path: str) -> None:
    """The backtracking-free matcher used for many-star globs means what Sphinx's regex means."""
    expected = re.compile(translate_pattern(pattern)).match(path) is not None
    assert GlobAutomaton(_atoms(pattern)).match(path) == expected


# -- determinism across processes ------------------------------------------------------


@settings(
    max_examples=4 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(grammar_tree(min_docs=9))
def test_jobs_one_and_two_agree(files: dict[str, bytes]) -> None:
    """The pool is used from 8 files on; its output must equal the serial run's, byte for byte."""
    assume(sum(name.endswith(".rst") for name in files) >= 8)
    with tree(files) as root:
        serial, pooled = lint_tree(root, jobs=1), lint_tree(root, jobs=2)
        assert [f.render() for f in pooled.findings] == [f.render() for f in serial.findings]
        assert pooled.checked == serial.checked


def test_jobs_one_and_two_agree_on_the_fixtures() -> None:
    """Every fixture file, as one tree of many documents: the pool changes nothing."""
    files: dict[str, bytes] = {"conf.py": CONF.encode()}
    for case, rel in FIXTURE_FILES:
        if rel.endswith(".rst"):
            name = f"{case.parent.name}/{case.name}/{rel}"
            files[name] = (case / rel).read_bytes()
    assert len(files) > 50
    with tree(files) as root:
        serial, pooled = lint_tree(root, jobs=1), lint_tree(root, jobs=2)
        assert len(serial.findings) > 50
        assert [f.render() for f in pooled.findings] == [f.render() for f in serial.findings]


@pytest.mark.parametrize("jobs", [1, 2])
def test_runs_repeat_exactly(jobs: int) -> None:
    with tree({"conf.py": CONF.encode(), **sample_tree()}) as root:
        first, second = lint_tree(root, jobs=jobs), lint_tree(root, jobs=jobs)
        assert first == second


def sample_tree() -> dict[str, bytes]:
    rng = random.Random(3)
    files = {}
    for i in range(10):
        refs = " ".join(f":doc:`page{rng.randrange(12)}`" for _ in range(3))
        files[f"page{i}.rst"] = f"Page {i}\n=======\n\nSee {refs} and `x`.\n".encode()
    files["index.rst"] = b"Index\n=====\n\n.. toctree::\n   :glob:\n\n   page*\n"
    return files
