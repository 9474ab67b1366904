"""novadoclint-lsp's fix-all against ``novadoclint --fix``, page by page, on a real tree.

Usage: python bench/lsp_fixall.py REPOSITORY [SRCDIR] [--jobs N]

Copies the repository twice (with a ``.git`` marker; SRCDIR, default
``doc/source``, is the source dir in it): ``novadoclint --fix`` (safe fixes
only) rewrites one copy; the
server, started on the other, is sent each document with a fix-all finding as
an editor would (didOpen with the file's text) and asked for
``source.fixAll.novadoclint``; its edits, applied to the text as an editor
applies them (UTF-16 columns), must give the file ``--fix`` wrote. Prints the
documents compared, how many ``--fix`` changed, how many the server gives
exactly, the files ``--fix`` changed that the server did not offer to fix
(included files: the server fixes documents only) and the time of each request.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsp_latency import wait_quiet  # bench/, on the path of a script run from it

from novadoclint.lsp.client import Client, apply_text_edits


def files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink() and ".git" not in p.relative_to(root).parts
    }


def edits_of(action: dict[str, Any], uri: str) -> list[dict[str, Any]]:
    edit = action["edit"]
    if "documentChanges" in edit:
        return [e for change in edit["documentChanges"] for e in change["edits"]]
    return list(edit["changes"][uri])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repository")
    parser.add_argument("srcdir", nargs="?", default="doc/source")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    top = Path(args.repository).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        server_copy, cli_copy = Path(tmp) / "server", Path(tmp) / "cli"
        for copy in (server_copy, cli_copy):
            shutil.copytree(top, copy, symlinks=True)
            (copy / ".git").mkdir(exist_ok=True)
        rel = Path(args.srcdir)
        env = {**os.environ, "NOVADOCLINT_CACHE_DIR": str(Path(tmp) / "cache")}
        exe = Path(sys.executable).parent / "novadoclint"
        subprocess.run(
            [str(exe), "--fix", "--jobs", str(args.jobs), str(rel)],
            cwd=cli_copy,
            env=env,
            stdout=subprocess.DEVNULL,
            check=False,
        )
        before, after = files(server_copy), files(cli_copy)
        changed = {path for path in after if after[path] != before.get(path)}

        client = Client([sys.executable, "-m", "novadoclint.lsp"], cwd=Path(tmp), env=env)
        client.initialize(server_copy / rel)
        wait_quiet(client)  # the first lint's publication
        pages = sorted((server_copy / rel).rglob("*.rst"))
        compared, equal, offered = 0, 0, set()
        times: list[tuple[float, str]] = []
        differs = []
        for version, page in enumerate(pages, 1):
            path = page.relative_to(server_copy).as_posix()
            try:
                text = page.read_bytes().decode("utf-8-sig")
            except UnicodeDecodeError:
                continue
            uri = page.resolve().as_uri()
            document = {"uri": uri, "languageId": "rst", "version": version, "text": text}
            client.notify("textDocument/didOpen", {"textDocument": document})
            start = time.perf_counter()
            found = client.request(
                "textDocument/codeAction",
                {
                    "textDocument": {"uri": uri},
                    "range": {
                        "start": {"line": 0, "character": 0},
                        "end": {"line": 0, "character": 0},
                    },
                    "context": {"diagnostics": [], "only": ["source.fixAll.novadoclint"]},
                },
            )
            times.append(((time.perf_counter() - start) * 1000, path))
            client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
            compared += 1
            fixed = text
            if found:
                offered.add(path)
                fixed = apply_text_edits(text, edits_of(found[0], uri))
            expected = after[path].decode("utf-8-sig")
            if fixed == expected:
                equal += 1
            else:
                differs.append(path)
        client.close()
        print(
            f"documents compared: {compared}; --fix changed {len(changed)} files, "
            f"the server offered fix-all for {len(offered)}"
        )
        print(f"server's fix-all equal to --fix: {equal} of {compared}")
        for path in differs[:20]:
            print("  differs:", path)
        for path in sorted(changed - offered - set(differs)):
            print("  --fix changed, the server offered nothing:", path)
        if times:
            slowest, where = max(times)
            median = statistics.median(t for t, _ in times)
            print(
                f"codeAction source.fixAll: median {median:.0f} ms, max {slowest:.0f} ms ({where})"
            )


if __name__ == "__main__":
    main()
