"""Issue 11 follow-ups: the last regexes and reads a pull request controlled without a bound.

conf.py's ``linkcheck_*`` patterns ran on plain ``re``; a ``nitpick_ignore_regex``
that timed out was only a line on standard error; diagram files, conf.py (for
the requirement hint) and local extension sources were read whole, FIFOs and
all. Runs that would hang before the fix go through a subprocess with a
timeout, so a regression fails instead of stalling the suite.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from novadoclint.links.checker import check_links
from novadoclint.links.judge import LinkJudge
from novadoclint.links.options import LinkCheckOptions, excluded_documents, options
from novadoclint.links.outcome import LinkStatus
from novadoclint.project.sphinxconf import SphinxConf

EVIL = "a" * 40 + "!"  # (a+)+$ and (a|a)+$ try 2**40 ways to split it under re
# regex undoes (a+)+ at once; (a|a)+ it cannot, so that one times out and is reported


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def run(srcdir: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The CLI on a tree, offline and uncached, bounded in time."""
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "novadoclint", "--no-cache", "--jobs", "1", *args, str(srcdir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def findings(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert "Traceback" not in result.stderr, result.stderr
    found: list[dict[str, Any]] = json.loads(result.stdout)["findings"]
    return found


# -- 1: conf.py's linkcheck patterns run through saferegex ---------------------------------


def test_a_backtracking_ignore_pattern_times_out_once(caplog: pytest.LogCaptureFixture) -> None:
    link_options = LinkCheckOptions(ignore=("(a+)+$", "(a|a)+$", "b"), use_cache=False)
    start = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="novadoclint.links.judge"):
        results = check_links([EVIL, EVIL + "x", "bee"], link_options)
    assert time.monotonic() - start < 5
    assert [r.status for r in results.values()] == [
        LinkStatus.UNCHECKED,  # treated as not matching: a URL without a scheme
        LinkStatus.UNCHECKED,
        LinkStatus.IGNORED,
    ]
    assert [r.getMessage() for r in caplog.records] == [
        "linkcheck: ignore pattern '(a|a)+$' took over 0.1 s on one URL (catastrophic "
        "backtracking?); treated as not matching"
    ]


def test_a_backtracking_allowed_redirect_is_not_allowed() -> None:
    allowed = (("(a+)+$", ".*"), ("(a|a)+$", ".*"), ("x", ".*"))
    link_options = LinkCheckOptions(allowed_redirects=allowed, use_cache=False)
    judge = LinkJudge(link_options)
    start = time.monotonic()
    assert not judge.redirect_allowed(EVIL, "https://example.org/")
    assert judge.redirect_allowed("xyz", "https://example.org/")
    assert time.monotonic() - start < 5


def test_exclude_documents_patterns_are_compiled_once_and_time_out_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    conf = SphinxConf(None, {"linkcheck_exclude_documents": ["(a+)+$", "(a|a)+$", "^old/"]})
    start = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="novadoclint.links.options"):
        for _ in range(5):  # the network phase and each network rule ask
            skip = excluded_documents(conf)
            assert not skip(EVIL)
            assert skip("old/page")
    assert time.monotonic() - start < 5
    assert len(caplog.records) == 1
    assert "linkcheck_exclude_documents pattern '(a|a)+$' took over 0.1 s" in (
        caplog.records[0].getMessage()
    )


def test_a_conf_py_pattern_saferegex_refuses_is_a_config_error() -> None:
    from novadoclint.settings import ConfigError, Settings

    conf = SphinxConf(None, {"linkcheck_ignore": ["(?:a{1000}){1000}"]})
    with pytest.raises(ConfigError, match="counted repeats expand"):
        options(conf, Settings())
    with pytest.raises(ConfigError, match="counted repeats expand"):
        excluded_documents(SphinxConf(None, {"linkcheck_exclude_documents": ["(?:a{1000}){1000}"]}))


LINK_TREE = {
    "conf.py": (
        "linkcheck_ignore = ['http://127.0.0.1/(a+)+$', 'http://127.0.0.1/(a|a)+$']\n"
        "linkcheck_anchors_ignore = ['(a+)+$', '(a|a)+$']\n"
        "linkcheck_exclude_documents = ['(a+)+$', '(a|a)+$']\n"
    ),
    "index.rst": (
        "Index\n=====\n\n"
        f"See http://127.0.0.1/{'a' * 40}b and http://127.0.0.1/page#{'a' * 40}b.\n\n"
        ".. toctree::\n\n   " + "a" * 40 + "_\n"
    ),
    "a" * 40 + "_.rst": "Page\n====\n\nSee http://127.0.0.1/other.\n",
}


def test_backtracking_linkcheck_patterns_do_not_hang_offline(tmp_path: Path) -> None:
    write(tmp_path, LINK_TREE)
    start = time.monotonic()
    result = run(tmp_path, "--format", "json", "--select", "link-*", timeout=60)
    assert time.monotonic() - start < 30
    assert findings(result) == []


def test_backtracking_linkcheck_patterns_do_not_hang_check_links(tmp_path: Path) -> None:
    """Nothing is contacted: the address guard refuses 127.0.0.1 (after the patterns ran)."""
    write(tmp_path, LINK_TREE)
    start = time.monotonic()
    result = run(tmp_path, "--format", "json", "--check-links", "--select", "link-*", timeout=90)
    assert time.monotonic() - start < 60
    assert [f["rule"] for f in findings(result)] == ["link-skipped"] * 3
    for said in (
        "linkcheck: ignore pattern 'http://127.0.0.1/(a|a)+$' took over 0.1 s",
        "linkcheck: anchors-ignore pattern '(a|a)+$' took over 0.1 s",
        "linkcheck_exclude_documents pattern '(a|a)+$' took over 0.1 s",
    ):
        assert result.stderr.count(said) == 1, result.stderr


# -- 3: diagram files, conf.py's text and local extensions are read with the size cap ----

GRAPHVIZ = {
    "conf.py": "extensions = ['sphinx.ext.graphviz']\n",
    "index.rst": "Flows\n=====\n\n.. graphviz:: flows/boot.dot\n",
}


def test_a_fifo_as_a_diagram_file_is_not_waited_on(tmp_path: Path) -> None:
    write(tmp_path, GRAPHVIZ)
    (tmp_path / "flows").mkdir()
    os.mkfifo(tmp_path / "flows" / "boot.dot")
    result = run(tmp_path, "--format", "json", "--select", "diagram-*", timeout=60)
    assert findings(result) == []  # exists, unreadable: nothing to check


def test_a_huge_diagram_file_is_not_read(tmp_path: Path) -> None:
    write(tmp_path, GRAPHVIZ)
    (tmp_path / "flows").mkdir()
    with open(tmp_path / "flows" / "boot.dot", "wb") as f:
        f.truncate(11 * 1024 * 1024)  # sparse: 11 MB of NULs, no graph at all
    start = time.monotonic()
    result = run(tmp_path, "--format", "json", "--select", "diagram-*", timeout=60)
    assert time.monotonic() - start < 30
    assert findings(result) == []  # not read, so no syntax error in it either


def test_a_diagram_file_outside_the_project_is_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only include-outside-project speaks of it; diagram-syntax would quote its text."""
    from novadoclint.engine import lint_project
    from novadoclint.project.discover import load_project
    from novadoclint.safety import untrusted
    from novadoclint.settings import Settings

    repo = tmp_path / "repo"
    write(repo, {**GRAPHVIZ, "index.rst": "Flows\n=====\n\n.. graphviz:: ../outside.dot\n"})
    (repo / ".git").mkdir()
    (tmp_path / "outside.dot").write_text("digraph { secret -> ; }\n", encoding="utf-8")
    (repo / "flows").symlink_to(tmp_path)  # and through a link in the tree
    write(repo, {"links.rst": "Links\n=====\n\n.. graphviz:: flows/outside.dot\n"})
    opened: list[str] = []
    real_read = untrusted.read_bytes

    def read_bytes(path: str | os.PathLike[str], limit: int = untrusted.MAX_FILE_BYTES) -> bytes:
        opened.append(os.fspath(path))
        return real_read(path, limit)

    monkeypatch.setattr(untrusted, "read_bytes", read_bytes)
    settings = Settings(select=("diagram-*", "include-outside-project"), jobs=1, cache=False)
    found, _ = lint_project(load_project(repo, True), settings)
    assert {f.rule for f in found} == {"include-outside-project"}
    assert not [p for p in opened if p.endswith("outside.dot")]
    assert not any("secret" in f.message for f in found)


def test_conf_py_text_for_a_finding_is_read_with_the_cap(tmp_path: Path) -> None:
    """The rules place findings in conf.py from the bytes read_conf read once, bounded."""
    os.mkfifo(tmp_path / "conf.py")
    code = (
        "import sys\nfrom pathlib import Path\n"
        "from novadoclint.project.sphinxconf import read_conf\n"
        "print(repr(read_conf(Path(sys.argv[1])).source))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "conf.py")],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert done.stdout == "b''\n"


EXTENSION = "def setup(app):\n    app.add_directive('bigdir', object)\n"
USES_IT = {
    "conf.py": (
        "import os, sys\nsys.path.insert(0, os.path.abspath('ext'))\nextensions = ['bigext']\n"
    ),
    "index.rst": "Index\n=====\n\n.. bigdir::\n",
}


def test_a_huge_local_extension_is_not_read(tmp_path: Path) -> None:
    write(tmp_path, {**USES_IT, "ext/.keep": ""})
    with open(tmp_path / "ext" / "bigext.py", "w", encoding="utf-8") as f:
        f.write(EXTENSION)
        f.write("#" * (11 * 1024 * 1024) + "\n")
    result = run(tmp_path, "--format", "json", "--select", "unknown-directive", timeout=60)
    assert [f["rule"] for f in findings(result)] == ["unknown-directive"]


def test_a_small_local_extension_is_still_read(tmp_path: Path) -> None:
    write(tmp_path, {**USES_IT, "ext/bigext.py": EXTENSION})
    result = run(tmp_path, "--format", "json", "--select", "unknown-directive", timeout=60)
    assert findings(result) == []


def test_a_fifo_as_a_local_extension_is_not_waited_on(tmp_path: Path) -> None:
    from novadoclint.project import vocabulary

    write(tmp_path, {"ext/.keep": ""})
    os.mkfifo(tmp_path / "ext" / "bigext.py")
    conf = SphinxConf(str(tmp_path / "conf.py"), {}, sys_path=(str(tmp_path / "ext"),))
    start = time.monotonic()
    assert vocabulary.scan_local_extension("bigext", conf, tmp_path) is None  # no regular file
    assert time.monotonic() - start < 5


# -- 2: a nitpick_ignore_regex that times out is a finding at its line in conf.py --------

NITPICK_CONF = (
    "nitpicky = True\n"
    "nitpick_ignore_regex = [\n"
    "    ('ref', 'legacy-.*'),\n"
    "    ('ref', r'(a|a)+$|nitpick-e2e'),\n"
    "]\n"
)
NITPICK_INDEX = f"Index\n=====\n\nSee :ref:`{'a' * 40}b` and :ref:`{'a' * 40}c`.\n"


@pytest.mark.parametrize("select", ["references", "regex-timeout"])
def test_a_backtracking_nitpick_pattern_is_one_finding_at_its_line(
    tmp_path: Path, select: str
) -> None:
    """Alone, the rule asks as the reference rules would; with them, it asks nothing more."""
    write(tmp_path, {"conf.py": NITPICK_CONF, "index.rst": NITPICK_INDEX})
    start = time.monotonic()
    result = run(tmp_path, "--format", "json", "--select", select, timeout=60)
    assert time.monotonic() - start < 30
    found = [
        (Path(f["path"]).name, f["line"], f["column"], f["rule"], f["severity"])
        for f in findings(result)
    ]
    timeout = ("conf.py", 4, 13, "regex-timeout", "warning")
    if select == "regex-timeout":
        assert found == [timeout]
    else:  # the pattern no longer matches: both references are reported
        assert found == [
            timeout,
            *[("index.rst", 4, c, "ref-label-missing", "error") for c in (5, 58)],
        ]
    message = findings(result)[0]["message"]
    assert message == (
        "nitpick_ignore_regex pattern '(a|a)+$|nitpick-e2e' took over 0.1 s on one target "
        "(catastrophic backtracking?); treated as not matching"
    )


def test_a_spent_nitpick_budget_is_said_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from novadoclint.engine import lint_project
    from novadoclint.project.discover import load_project
    from novadoclint.safety import saferegex
    from novadoclint.settings import Settings

    monkeypatch.setattr(saferegex.Budget.__init__, "__defaults__", (0.3, saferegex.BUDGET_COST))
    patterns = "".join(f"    ('ref', r'(a|a)+$|budget-{i}'),\n" for i in range(6))
    write(
        tmp_path,
        {
            "conf.py": f"nitpicky = True\nnitpick_ignore_regex = [\n{patterns}]\n",
            "index.rst": f"Index\n=====\n\nSee :ref:`{'a' * 40}b`.\n",
        },
    )
    settings = Settings(select=("regex-timeout",), jobs=1, cache=False)
    found, _ = lint_project(load_project(tmp_path, True), settings)
    messages = [(f.line, f.message) for f in found]
    # How many patterns time out before the budget is spent depends on the machine's
    # load (each has 0.1 s of 0.3 s): at least one, at most three, each said once.
    spent = (
        2,  # the setting's line: no one pattern is to blame
        "nitpick_ignore_regex patterns took over 0.3 s in all; those not yet tried are "
        "treated as not matching",
    )
    assert messages[0] == spent and messages.count(spent) == 1
    timed_out = messages[1:]
    assert 1 <= len(timed_out) <= 3
    assert timed_out == [
        (
            3 + i,
            f"nitpick_ignore_regex pattern '(a|a)+$|budget-{i}' took over 0.1 s on one "
            "target (catastrophic backtracking?); treated as not matching",
        )
        for i in range(len(timed_out))
    ]


def test_a_local_extension_outside_the_project_is_not_read(tmp_path: Path) -> None:
    """conf.py's sys.path may name any folder: what an outside module registers must not
    tell what lies there, so its directives stay unknown (the same as a missing module)."""
    project = tmp_path / "repo"
    write(project, {"tox.ini": "[tox]\n", **USES_IT})
    (project / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(tmp_path / 'outside')!r})\nextensions = ['bigext']\n"
    )
    write(tmp_path / "outside", {"bigext.py": EXTENSION})
    select = ("--select", "unknown-directive,extension-unreadable")
    result = run(project, "--format", "json", *select, timeout=60)
    assert [f["rule"] for f in findings(result)] == ["extension-unreadable"]  # not read
    (tmp_path / "outside" / "bigext.py").rename(project / "bigext.py")  # inside: read
    (project / "conf.py").write_text("extensions = ['bigext']\n")
    result = run(project, "--format", "json", *select, timeout=60)
    assert findings(result) == []
