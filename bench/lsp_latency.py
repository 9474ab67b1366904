"""novadoclint-lsp on a real tree: from a didChange that breaks a :doc: to its diagnostic.

Usage: python bench/lsp_latency.py [TREE_ROOT] [--page PATH] [--runs N] [--compare]
                                   [--workspace FOLDER]

Copies the tree (default: the nova-2026 corpus) into a temporary folder marked as
a repository, starts the server as an editor would (stdio, the workspace folder
the copy, or ``--workspace``, a folder of it), waits for the first publication
to go quiet, then opens one page and ``--runs`` times sends a didChange adding
``:doc:`no-such-page-N``` and times the ``publishDiagnostics`` for that page
that reports it (the 150 ms debounce included), then restores the page.
Prints the median and quartiles, the first lint's time and the server's
resident memory after it (VmRSS, Linux). With ``--compare``, the diagnostics
published at start are counted against the CLI's findings (``novadoclint
--no-cache --format json``) per source dir the server found.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

from novadoclint.lsp.client import Client
from novadoclint.lsp.workspace import discover

DEFAULT_TREE = Path(__file__).resolve().parents[2] / "shared/corpus/nova-2026"
PAGE = "doc/source/admin/index.rst"


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def wait_quiet(client: Client, quiet: float = 2.0, limit: float = 600) -> float:
    """Seconds until no notification arrived for ``quiet`` seconds (minus that pause)."""
    start = time.perf_counter()
    last_count, last_change = -1, start
    while time.perf_counter() - start < limit:
        count = client.mark()
        now = time.perf_counter()
        if count != last_count:
            last_count, last_change = count, now
        elif now - last_change >= quiet and count > 0:
            return last_change - start
        time.sleep(0.05)
    return time.perf_counter() - start


def published(client: Client) -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = {}
    for message in client.notifications:
        if message["method"] == "textDocument/publishDiagnostics":
            out[message["params"]["uri"]] = message["params"]["diagnostics"]
    return out


def compare(copy: Path, folder: Path, client: Client) -> None:
    server = Counter()
    for uri, diagnostics in published(client).items():
        path = Path(os.path.normpath(unquote(uri.removeprefix("file://"))))
        for d in diagnostics:
            server[(str(path.relative_to(copy)), d["code"], d["range"]["start"]["line"] + 1)] += 1
    cli = Counter()
    exe = Path(sys.executable).parent / "novadoclint"
    for srcdir, _ in discover(folder):  # the trees the server lints
        out = copy / "cli.json"
        subprocess.run(
            [str(exe), "--no-cache", "--format", "json", "-o", str(out), str(srcdir)],
            cwd=copy,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        data = json.loads(out.read_text())
        findings = data["findings"] if isinstance(data, dict) else data
        for f in findings:
            cli[(os.path.relpath(copy / f["path"], copy), f["rule"], f["line"])] += 1
        out.unlink()
    print(f"findings: CLI {sum(cli.values())}, server {sum(server.values())}")
    for key in sorted((cli - server) + (server - cli))[:20]:
        print("  differs:", key, cli[key], server[key])


def time_actions(client: Client, uri: str, text: str, runs: int, version: int) -> None:
    """Code actions on the page: a quickfix, and fix-all (its passes re-lint in memory).

    Each run adds a line with trailing blanks and a directive written with one
    colon (two safe fixes), waits for its diagnostics, then times the quickfix
    request on that line and the fix-all request (new text: computed, not memoised).
    """
    line = len(text.splitlines()) + 1
    quick, whole = [], []
    for run in range(runs):
        mark = client.mark()
        version += 1
        edited = text + f"\n.. note: Fix {run} here.   \n"
        client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": edited}],
            },
        )
        client.wait_for(
            lambda m: (
                m["method"] == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and any(d["code"] == "directive-missing-colon" for d in m["params"]["diagnostics"])
            ),
            since=mark,
        )
        for only, out in ((["quickfix"], quick), (["source.fixAll"], whole)):
            start = time.perf_counter()
            found = client.request(
                "textDocument/codeAction",
                {
                    "textDocument": {"uri": uri},
                    "range": {
                        "start": {"line": line, "character": 0},
                        "end": {"line": line, "character": 80},
                    },
                    "context": {"diagnostics": [], "only": only},
                },
            )
            out.append((time.perf_counter() - start) * 1000)
            if not found:
                raise SystemExit(f"no {only[0]} action on line {line + 1} of the page")
    for name, times in (("quickfix", quick), ("source.fixAll", whole)):
        print(
            f"codeAction {name}, {runs} runs: median {statistics.median(times):.0f} ms "
            f"(max {max(times):.0f} ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", nargs="?", default=str(DEFAULT_TREE))
    parser.add_argument("--page", default=PAGE)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--compare", action="store_true")
    parser.add_argument("--workspace", default=".", help="the workspace folder, in the tree")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "tree"
        shutil.copytree(args.tree, copy, symlinks=True)
        (copy / ".git").mkdir(exist_ok=True)
        env = {**os.environ, "NOVADOCLINT_CACHE_DIR": str(Path(tmp) / "cache")}
        client = Client([sys.executable, "-m", "novadoclint.lsp"], cwd=Path(tmp), env=env)
        folder = (copy / args.workspace).resolve()
        client.initialize(folder)
        first = wait_quiet(client)
        memory = rss_mb(client.process.pid)
        print(f"first lint and publication: {first:.1f} s (cold cache)")
        print(f"server memory after opening the tree: {memory:.0f} MB (VmRSS)")
        if args.compare:
            compare(copy.resolve(), folder, client)
        page = copy / args.page
        uri = page.resolve().as_uri()
        text = page.read_text()
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "rst", "version": 1, "text": text}},
        )
        times = []
        version = 1
        for run in range(args.runs):
            name = f"no-such-page-{run}"
            mark = client.mark()
            version += 1
            start = time.perf_counter()
            client.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"text": text + f"\nSee :doc:`{name}`.\n"}],
                },
            )
            client.wait_for(
                lambda m, name=name: (
                    m["method"] == "textDocument/publishDiagnostics"
                    and m["params"]["uri"] == uri
                    and any(name in d["message"] for d in m["params"]["diagnostics"])
                ),
                since=mark,
            )
            times.append((time.perf_counter() - start) * 1000)
            mark = client.mark()
            version += 1
            client.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"text": text}],
                },
            )
            client.wait_for(
                lambda m: (
                    m["method"] == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
                ),
                since=mark,
            )
        q = statistics.quantiles(times, n=4)
        median = statistics.median(times)
        print(
            f"didChange -> publishDiagnostics, {args.runs} runs: median {median:.0f} ms "
            f"(quartiles {q[0]:.0f}-{q[2]:.0f} ms, max {max(times):.0f} ms; "
            "150 ms of it the debounce)"
        )
        time_actions(client, uri, text, args.runs, version)
        print(f"server memory after the edits: {rss_mb(client.process.pid):.0f} MB (VmRSS)")
        client.close()


if __name__ == "__main__":
    main()
