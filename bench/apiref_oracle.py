"""Measure the apiref-* rules against os-api-ref itself, on nova's API reference.

Usage: python bench/apiref_oracle.py [--sphinx-build PATH] [--corpus DIR] [--keep]

Copies nova's ``api-ref/`` and ``doc/api_samples/`` (default: the nova-2026
corpus) to a temporary folder, breaks the copy in a dozen ways os-api-ref
warns about (a misspelt reference, an entry without ``: ``, a URL parameter no
stanza names, a misspelt ``in:``, a definition moved out of its section, two
definitions swapped, a misspelt parameters file), builds it with the real
os-api-ref (``sphinx-build -b dummy``, in the bench venv: ``--sphinx-build``,
default /tmp/sphinxenv/bin/sphinx-build, with os-api-ref and openstackdocstheme
installed) and lints it with novadoclint's apiref-* rules. os-api-ref's
warnings carry no line, so both sides are read into (class, subject) items
and compared: recall and precision per class, and what each side alone has.
The clean copy is built and linted first (both should say nothing). Three
breakages that stop os-api-ref's build (a definition without ``in:``, a stanza
that is no YAML, a parameters file that is no YAML) are built one at a time:
os-api-ref must fail, and novadoclint must report the matching rule.
Figures are for the notes, never assertions.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from novadoclint.languages.apiref import parse_parameters  # noqa: E402

NOVADOCLINT = ROOT / ".venv" / "bin" / "novadoclint"
CORPUS = ROOT.parent / "shared" / "corpus" / "nova-2026"

Item = tuple[str, str]

THEIRS: list[tuple[str, re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    ("undefined", re.compile(r"No field definition for ``(.+?)`` found"), lambda m: m[1]),
    ("entry", re.compile(r"Invalid parameter definition ``(.+?)``"), lambda m: m[1]),
    ("in", re.compile(r"``(.+?)`` is not a valid value for 'in'"), lambda m: m[1]),
    ("section", re.compile(r"Section out of order\..*?\(see ``(.+?)``\)", re.S), lambda m: m[1]),
    (
        "order",
        re.compile(r"Parameters out of order ``(.+?)`` should be after ``(.+?)``"),
        lambda m: f"{m[1]}/{m[2]}",
    ),
    ("path", re.compile(r"No path parameter ``(.+?)`` found"), lambda m: m[1]),
    (
        "file",
        re.compile(r"Parameters file (?:not found|is empty), (\S+)"),
        lambda m: Path(m[1]).name,
    ),
]

OURS: dict[str, tuple[str, re.Pattern[str], Callable[[re.Match[str]], str]]] = {
    "apiref-parameter-undefined": (
        "undefined",
        re.compile(r"definition for '(.+?)'"),
        lambda m: m[1],
    ),
    "apiref-parameter-entry": ("entry", re.compile(r"definition '- ?(.+?)'"), lambda m: m[1]),
    "apiref-parameter-in": ("in", re.compile(r"^'(.+?)' is not a valid"), lambda m: m[1]),
    "apiref-path-parameter-missing": ("path", re.compile(r"parameter '(.+?)'"), lambda m: m[1]),
    "apiref-parameters-file": ("file", re.compile(r"file '(.+?)'"), lambda m: Path(m[1]).name),
}
SECTION_RE = re.compile(r"section out of order: .*? comes after '(.+?)'")
ORDER_RE = re.compile(r"parameters out of order: '(.+?)' sorts before '(.+?)'")


def their_items(text: str) -> set[Item]:
    found: set[Item] = set()
    for cls, pattern, subject in THEIRS:
        found.update((cls, subject(m)) for m in pattern.finditer(text))
    return found


def our_items(findings: list[dict[str, object]]) -> set[Item]:
    found: set[Item] = set()
    for f in findings:
        rule, message = str(f["rule"]), str(f["message"])
        if rule == "apiref-parameters-order":
            m = SECTION_RE.search(message)
            if m:
                found.add(("section", m[1]))
            m = ORDER_RE.search(message)
            if m:
                found.add(("order", f"{m[2]}/{m[1]}"))
            continue
        if rule in OURS:
            cls, pattern, subject = OURS[rule]
            m = pattern.search(message)
            if m:
                found.add((cls, subject(m)))
    return found


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    if old not in text:
        raise SystemExit(f"injection: {old!r} not in {path.name}")
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _blocks(text: str) -> list[tuple[str, int, int, str | None]]:
    """(key, first line index, end line index, in) of each top-level definition."""
    params = parse_parameters(text).params
    lines = text.count("\n") + 1
    return [
        (p.key, p.line - 1, (params[i + 1].line - 1) if i + 1 < len(params) else lines, p.where)
        for i, p in enumerate(params)
    ]


def inject(src: Path) -> list[str]:
    """Break the copy a dozen ways; a line of what was done for each."""
    inc, params = src / "servers.inc", src / "parameters.yaml"
    done = []
    replace_once(inc, "  - id: server_id\n", "  - id: server_idd\n")
    done.append("servers.inc: reference server_id misspelt server_idd")
    replace_once(src / "flavors.inc", "   - id: flavor_id_body\n", "   - id: flavor_idbody\n")
    done.append("flavors.inc: reference flavor_id_body misspelt flavor_idbody")
    replace_once(inc, "  - links: links\n", "  - links\n")
    done.append("servers.inc: an entry without ': reference'")
    replace_once(src / "flavors.inc", "   - name: flavor_name\n", "   - name:flavor_name\n")
    done.append("flavors.inc: an entry without the space after ':'")
    replace_once(
        inc, ".. rest_method:: GET /servers/{server_id}\n", ".. rest_method:: GET /servers/{uuid}\n"
    )
    done.append("servers.inc: a rest_method URL parameter renamed {uuid}")
    replace_once(
        src / "os-keypairs.inc",
        ".. rest_method:: GET /os-keypairs/{keypair_name}\n",
        ".. rest_method:: GET /os-keypairs/{keypair_name}/{fingerprint}\n",
    )
    done.append("os-keypairs.inc: a URL parameter no stanza names")
    replace_once(params, "  in: query\n", "  in: qeury\n")
    done.append("parameters.yaml: in: query misspelt qeury")
    replace_once(params, "  in: path\n", "  in: Path\n")
    done.append("parameters.yaml: in: path as Path")
    text = params.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    blocks = _blocks(text)
    header = next(b for b in blocks if b[3] == "header")
    body = [b for b in blocks if b[3] == "body"]
    pair = next(
        (a, b)
        for a, b in zip(body[len(body) // 2 :], body[len(body) // 2 + 1 :], strict=False)
        if not any(c in "".join(lines[a[1] : b[2]]) for c in "&*") and a[0].lower() != b[0].lower()
    )
    a, b = pair
    swapped = lines[: a[1]] + lines[b[1] : b[2]] + lines[a[1] : a[2]] + lines[b[2] :]
    moved = lines[header[1] : header[2]]
    rest = swapped[: header[1]] + swapped[header[2] :]
    params.write_text("".join(rest + moved), encoding="utf-8")
    done.append(f"parameters.yaml: header {header[0]!r} moved to the end (after body)")
    done.append(f"parameters.yaml: body {a[0]!r} and {b[0]!r} swapped")
    replace_once(
        src / "os-hypervisors.inc",
        ".. rest_parameters:: parameters.yaml\n",
        ".. rest_parameters:: parameter.yaml\n",
    )
    done.append("os-hypervisors.inc: a stanza names parameter.yaml")
    replace_once(
        src / "os-hypervisors.inc", "  - state: hypervisor_state\n", "  - state: hypervisor_stat\n"
    )
    done.append("os-hypervisors.inc: reference hypervisor_state misspelt")
    return done


CRASHES = [
    ("parameters.yaml", "  in: body\n", "", "apiref-parameter-in", "a definition without in:"),
    (
        "servers.inc",
        "  - links: links\n",
        "  - links: links: [\n",
        "apiref-parameter-entry",
        "a stanza that is no YAML",
    ),
    (
        "parameters.yaml",
        "  type: string\n",
        "  type: [string\n",
        "apiref-parameters-file",
        "parameters.yaml no YAML",
    ),
]


def copy(corpus: Path, into: Path) -> Path:
    shutil.copytree(corpus / "api-ref", into / "api-ref")
    shutil.copytree(corpus / "doc" / "api_samples", into / "doc" / "api_samples")
    return into / "api-ref" / "source"


def build(sphinx: str, src: Path, work: Path) -> tuple[int, str, float]:
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sphinx,
            "-b",
            "dummy",
            "-q",
            "--keep-going",
            "-d",
            str(work / "_dt"),
            str(src),
            str(work / "_out"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode, proc.stderr, time.perf_counter() - start


def lint(src: Path, work: Path) -> tuple[list[dict[str, object]], float]:
    out = work / "lint.json"
    start = time.perf_counter()
    subprocess.run(
        [
            str(NOVADOCLINT),
            "--no-cache",
            "--select",
            "apiref-*",
            "--format",
            "json",
            "-o",
            str(out),
            str(src),
        ],
        capture_output=True,
        check=False,
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    findings = data["findings"] if isinstance(data, dict) else data
    return findings, time.perf_counter() - start


def compare(theirs: set[Item], ours: set[Item]) -> None:
    classes = sorted({c for c, _ in theirs | ours})
    for cls in classes:
        t = {s for c, s in theirs if c == cls}
        o = {s for c, s in ours if c == cls}
        both = t & o
        recall = f"{len(both)}/{len(t)}" if t else "-"
        precision = f"{len(both)}/{len(o)}" if o else "-"
        print(f"  {cls:10} recall {recall:7} precision {precision:7}")
        for s in sorted(t - o):
            print(f"    os-api-ref only: {s}")
        for s in sorted(o - t):
            print(f"    novadoclint only: {s}")
    hits = len(theirs & ours)
    print(f"  all        recall {hits}/{len(theirs)}  precision {hits}/{len(ours)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sphinx-build", default="/tmp/sphinxenv/bin/sphinx-build")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="apiref-oracle-"))
    try:
        for label in ("clean", "injected"):
            work = base / label
            src = copy(args.corpus, work)
            if label == "injected":
                for line in inject(src):
                    print(f"  injected: {line}")
            findings, lint_s = lint(src, work)
            code, stderr, build_s = build(args.sphinx_build, src, work)
            theirs, ours = their_items(stderr), our_items(findings)
            print(
                f"{label}: os-api-ref exit {code}, {len(theirs)} items ({build_s:.1f} s); "
                f"novadoclint {len(findings)} findings, {len(ours)} items ({lint_s:.1f} s)"
            )
            compare(theirs, ours)
        for file, old, new, rule, what in CRASHES:
            work = base / f"crash-{rule}"
            src = copy(args.corpus, work)
            replace_once(src / file, old, new)
            findings, _ = lint(src, work)
            code, stderr, _ = build(args.sphinx_build, src, work)
            stopped = code != 0 and ("Exception" in stderr or "Error" in stderr)
            ours_rules = sorted({str(f["rule"]) for f in findings})
            print(
                f"crash ({what}): os-api-ref stopped: {stopped} (exit {code}); "
                f"novadoclint: {ours_rules}"
            )
    finally:
        if args.keep:
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
