"""Safe on untrusted pull requests (issue 11): what the report shows, and how a run ends.

File names, document text and servers' answers are hostile: no report may pass
a control character through (terminal escapes; a line GitHub Actions runs as a
workflow command; invalid XML), a name that is not UTF-8 must not crash it, a
failed write is a clear exit 2, and no worker process outlives the run.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from novadoclint import cli, engine
from novadoclint.cli import main
from novadoclint.findings import Finding, Run, Severity, printable
from novadoclint.report import FORMATS

HOSTILE_PATH = "doc/a\x1b]0;title\x07\n::error::x.rst"
HOSTILE_MESSAGE = "HTTP 404 \x1b[2J\x9b1;1H\r\n::add-mask::secret\n::stop-commands::tok\x00\x85end"
CONTROL_RE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # all but our own \n
UNDECODABLE = os.fsdecode(b"bad\xff.rst")


def hostile_run() -> Run:
    finding = Finding(HOSTILE_PATH, 3, 1, "link-broken", HOSTILE_MESSAGE, Severity.ERROR)
    return Run(".", 1, (finding,), (HOSTILE_PATH,))


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def make_tree(root: Path, pages: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "conf.py").write_text("extensions = []\n")
    for name, text in pages.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_printable_escapes_controls_visibly() -> None:
    assert printable("a\nb\x1b]0;t\x07\x9b\t\u202e" + UNDECODABLE) == (
        "a\\nb\\x1b]0;t\\x07\\x9b\\t\\u202ebad\\xff.rst"
    )
    assert printable("plain: café, 50% «ok»") == "plain: café, 50% «ok»"


@pytest.mark.parametrize("fmt", ["text", "github", "junit", "sarif"])
def test_no_report_passes_a_control_character(fmt: str) -> None:
    out = FORMATS[fmt](hostile_run(), False)
    if fmt == "sarif":  # JSON escapes them, but dashboards show the decoded text
        out = json.loads(out)["runs"][0]["results"][0]["message"]["text"]
        assert out == printable(HOSTILE_MESSAGE)
    assert not CONTROL_RE.search(out), out
    commands = [line for line in out.splitlines() if line.startswith("::")]
    assert len(commands) == (1 if fmt == "github" else 0), commands


def test_github_data_cannot_start_a_command_line() -> None:
    first, summary = FORMATS["github"](hostile_run(), False).splitlines()
    assert first.startswith("::error file=doc/a\\x1b]0;title\\x07%0A%3A%3Aerror%3A%3Ax.rst,")
    assert first.endswith(
        "::HTTP 404 \\x1b[2J\\x9b1;1H%0D%0A::add-mask::secret%0A::stop-commands::tok\\x00\\x85end"
    )
    assert summary == "1 files checked, 1 finding (1 error)"


def test_text_line_never_starts_with_a_workflow_command() -> None:
    finding = Finding("::add-mask::k.rst", 1, 1, "x", "m", Severity.ERROR)
    assert FORMATS["text"](Run(".", 1, (finding,)), False).startswith("./::add-mask::k.rst:1:1:")
    coloured = FORMATS["text"](hostile_run(), True)
    for ours in ("\x1b[1m", "\x1b[0m", "\x1b[31m"):  # the reporter's own colours
        coloured = coloured.replace(ours, "")
    assert not CONTROL_RE.search(coloured), coloured


def test_junit_with_control_characters_is_valid_xml() -> None:
    out = FORMATS["junit"](hostile_run(), False)
    root = ET.fromstring(out.split("\n", 1)[1])
    case = root.find("testsuite/testcase")
    assert case is not None and case.get("name") == printable(HOSTILE_PATH)


def test_json_keeps_raw_strings_escaped_by_json() -> None:
    data = json.loads(FORMATS["json"](hostile_run(), False))
    assert data["findings"][0]["message"] == HOSTILE_MESSAGE  # JSON escaped it: the contract


def test_stderr_messages_are_printable(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, str(tmp_path / "gone\x1b]0;pwned\x07\n::error::x"))
    assert code == 2
    assert "gone\\x1b]0;pwned\\x07\\n::error::x" in err and "\x1b" not in err
    assert not any(line.startswith("::") for line in err.splitlines())


def test_hostile_file_names_in_the_text_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = make_tree(
        tmp_path,
        {
            "index.rst": "Index\n=====\n",
            "nl\n::error::x.rst": "Page\n====\n\n:doc:`nope`\n",
            "::add-mask::k.rst": "K\n=\n\n:doc:`nope`\n",
            "esc\x1b]0;title\x07.rst": "E\n=\n\n:doc:`nope`\n",
        },
    )
    monkeypatch.chdir(tree)
    code, out, _ = run_cli(capsys, "--jobs", "1", ".")
    assert code == 1
    assert not CONTROL_RE.search(out)
    assert not any(line.startswith("::") for line in out.splitlines())
    assert "nl\\n::error::x.rst:4:1: error doc-ref-missing" in out
    assert "./::add-mask::k.rst:4:1: error doc-ref-missing" in out
    assert "esc\\x1b]0;title\\x07.rst:4:1: error doc-ref-missing" in out


@pytest.fixture
def undecodable_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    tree = make_tree(tmp_path / "src", {"index.rst": "Index\n=====\n"})
    try:
        (tree / UNDECODABLE).write_text("Bad\n===\n\n:doc:`nope`\n")
    except (OSError, UnicodeError):
        pytest.skip("this file system needs UTF-8 file names")
    monkeypatch.chdir(tree)
    return tree


ARGS = ("--jobs", "1", "--no-cache")  # the facts cache's own handling of such names aside


@pytest.mark.parametrize(
    "fmt, shown",
    [
        ("text", "bad\\xff.rst:4:1: error doc-ref-missing"),
        ("github", "::error file=bad\\xff.rst,line=4"),
        ("junit", 'name="bad\\xff.rst"'),
        ("sarif", '"uri": "bad%FF.rst"'),
        ("json", '"path": "bad\\\\xff.rst"'),
    ],
)
def test_undecodable_file_name_in_every_format(
    capsys: pytest.CaptureFixture[str], undecodable_tree: Path, fmt: str, shown: str
) -> None:
    target = undecodable_tree.parent / f"report.{fmt}"
    code, out, err = run_cli(capsys, *ARGS, "--format", fmt, "-o", str(target), ".")
    assert (code, out, err) == (1, "", "")
    report = target.read_bytes().decode("utf-8")  # strict: no surrogate was written
    assert shown in report
    code, out, _ = run_cli(capsys, *ARGS, "--format", fmt, ".")
    assert code == 1 and shown in out


def test_report_write_failure_is_a_clear_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tree = make_tree(tmp_path / "src", {"index.rst": "Index\n=====\n"})
    missing = tmp_path / "missing" / "report.txt"
    code, out, err = run_cli(capsys, "-o", str(missing), str(tree))
    assert code == 2 and out == ""
    assert err == (
        f"novadoclint: error: cannot write the report to {missing}: No such file or directory\n"
    )
    code, _, err = run_cli(capsys, "--write-baseline", str(missing), str(tree))
    assert code == 2 and str(missing) in err and "Traceback" not in err


def test_report_write_replaces_the_file_whole(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tree = make_tree(tmp_path / "src", {"index.rst": "Index\n=====\n"})
    target = tmp_path / "out" / "report.txt"
    target.parent.mkdir()
    target.write_text("old report\n")
    assert run_cli(capsys, "-o", str(target), str(tree))[0] == 0
    assert target.read_text() == "1 files checked, no problems found\n"
    assert [p.name for p in target.parent.iterdir()] == ["report.txt"]  # no temporary left


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_full_standard_output_is_a_clear_exit_2(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"index.rst": "Index\n=====\n"})
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "novadoclint", "--no-cache", str(tree)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        "novadoclint: error: cannot write the report to standard output: No space left on device\n"
    )


def test_ctrl_c_exits_130_with_a_message(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def interrupted(*args: object, **kwargs: object) -> Run:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "lint", interrupted)
    assert run_cli(capsys, str(tmp_path)) == (130, "", "novadoclint: interrupted\n")


def test_pool_never_larger_than_cores_or_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    limit = min(cores or 1, 31)
    sizes: list[int] = []
    real = concurrent.futures.ProcessPoolExecutor  # imported by run_pool when a pool starts

    def spy(max_workers: int, **kwargs: object) -> object:
        sizes.append(max_workers)
        if max_workers > limit:  # refuse what a fork bomb would do; the engine runs serially
            raise OSError("too many workers")
        return real(max_workers=max_workers, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", spy)
    pages = {f"p{i}.rst": f"P{i}\n{'=' * (len(str(i)) + 1)}\n" for i in range(30)}
    tree = make_tree(tmp_path, {"index.rst": "Index\n=====\n", **pages})
    run = engine.lint([tree], overrides={"jobs": 100000, "cache": False})
    assert run.files == 31
    assert all(size <= limit for size in sizes), sizes
    assert sizes or limit == 1  # one core: no pool at all


# Signals: the CLI in a subprocess on a tree big enough for the pool.


def children(pid: int) -> list[int]:
    """Live processes whose parent is pid (a /proc scan), resource trackers aside."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in status and b"resource_tracker" not in cmdline:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for a reaper that is not ours."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture
def big_tree(tmp_path: Path) -> Path:
    n = 160
    body = "".join(
        f"Section {j}\n{'-' * (8 + len(str(j)))}\n\nSome *text*, ``code`` and :doc:`p1`.\n\n"
        for j in range(40)
    )
    pages = {f"p{i}.rst": f"P{i}\n{'=' * (len(str(i)) + 1)}\n\n{body}" for i in range(n)}
    toctree = "".join(f"   p{i}\n" for i in range(n))
    return make_tree(tmp_path, {"index.rst": f"Index\n=====\n\n.. toctree::\n\n{toctree}", **pages})


@pytest.fixture
def started(big_tree: Path) -> Iterator[tuple[subprocess.Popen[str], list[int]]]:
    """The CLI running with two workers, and the workers' pids; leftovers killed after."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc")
    process = subprocess.Popen(
        [sys.executable, "-m", "novadoclint", "--no-cache", "--jobs", "2", str(big_tree)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            workers = children(process.pid)
        if len(workers) < 2:
            pytest.skip("the run ended before two workers were seen")
        yield process, workers
    finally:
        for pid in [process.pid, *workers]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait(10)


def gone_within(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


@pytest.mark.parametrize(
    "sig, code, message",
    [
        (signal.SIGTERM, 143, "novadoclint: terminated\n"),
        (signal.SIGINT, 130, "novadoclint: interrupted\n"),
    ],
)
def test_signal_stops_the_workers(
    started: tuple[subprocess.Popen[str], list[int]],
    sig: signal.Signals,
    code: int,
    message: str,
) -> None:
    process, workers = started
    if sig == signal.SIGINT:
        os.killpg(process.pid, sig)  # Ctrl-C reaches the whole process group
    else:
        os.kill(process.pid, sig)
    assert gone_within(workers, 10) == []
    assert process.wait(10) == code
    assert process.stderr is not None and process.stderr.read() == message


def test_workers_die_with_a_killed_parent(
    started: tuple[subprocess.Popen[str], list[int]],
) -> None:
    process, workers = started
    os.kill(process.pid, signal.SIGKILL)
    assert gone_within(workers, 10) == []
