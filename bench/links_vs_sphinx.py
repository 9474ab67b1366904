"""Link checking side by side: ``novadoclint --check-links`` against ``sphinx-build -b linkcheck``.

Usage: python bench/links_vs_sphinx.py [SRCDIR] [--runs N] [--delay S] [--synthetic N]
       [--hosts H] [--src PATH] [--base PATH] [--sphinx-build PATH] [--no-sphinx] [--keep]

Sets the measurement up itself, never touching the internet or the original tree:

- copies the repository around SRCDIR (default: the nova-2026 corpus) to a temporary folder
  and collects the tree's external http(s) URLs as novadoclint's network phase does
  (:func:`novadoclint.links.plan.link_places`, well-formed ones);
- gives each distinct host (``host:port``) its own loopback address 127.0.0.N (Linux routes
  all of 127/8 to lo) with one threaded HTTP/1.1 server there answering every request 200
  after ``--delay`` seconds (50 ms), and rewrites the URLs in the copy's text files to
  ``http://127.0.0.N:PORT/path...``;
- makes the copy build under Sphinx as ``bench/oracle.py`` does (its helpers, imported: mocks
  for modules conf.py imports that do not import, stubs for extensions that do not import or
  crash, found by one dummy build), and sets ``linkcheck_anchors = False`` and a
  ``linkcheck_ignore`` of every URL not on those servers (so neither tool can reach further:
  URLs an extension builds, such as openstackdocstheme's ``:cinder-doc:`` roles, are in no
  text to rewrite, and are left out of both runs; their count is printed);
- times, interleaved, ``--runs`` times each:

  * ``cold``: ``novadoclint --check-links --allow-private --no-cache`` (every file parsed,
    every link fetched) against ``sphinx-build -b linkcheck`` with a fresh doctree folder;
  * ``links``: both with the documents' parse kept (novadoclint's facts cache in a
    temporary ``NOVADOCLINT_CACHE_DIR`` and ``--refresh``, so every link is still fetched;
    Sphinx with the doctree folder of its last run), mostly the link check itself;
  * ``rerun``: novadoclint again with its link results cached (target: under 0.5 s), and
    ``lint``, the same warm run without ``--check-links``: what of it is the links' share;
  * ``sphinx dummy``: ``-b dummy`` on the kept doctrees, Sphinx's run without the links,
    so that ``links`` minus these two rows compares the link checks alone.

``--synthetic N`` checks a generated tree of N URLs over ``--hosts`` hosts (default 10)
instead. ``--src PATH`` runs novadoclint from another source folder (``git archive REV src
rules | tar -x -C DIR``, then ``--src DIR/src``), to measure a commit before a change;
``--base PATH`` adds that folder's novadoclint as ``base`` rows interleaved with this
checkout's (before and after in one run, so the machine's noise hits both). Each
run prints the requests the servers saw and the most in flight at once, in all and to one
host, and novadoclint's CPU time (user and system, its worker processes included).
``--no-sphinx`` leaves Sphinx out (novadoclint's rows only, for many quick runs of a change
against ``--base``; no ratio to Sphinx).
Sphinx's conf.py differs from the one novadoclint reads only by the oracle's mocks and stubs:
each tool runs with its own. Figures for the notes, never assertions.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from oracle import project_root, run_sphinx, sphinx_tools

from novadoclint.links.plan import link_places
from novadoclint.links.syntax import malformed

DEFAULT_TREE = Path(__file__).resolve().parents[2] / "shared/corpus/nova-2026/doc/source"
DEFAULT_SPHINX = "/tmp/sphinxenv/bin/sphinx-build"
TEXT_SUFFIXES = (".rst", ".inc", ".txt", ".md")
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
BODY = b"<html><body><p>served by bench/links_vs_sphinx.py</p></body></html>"


class Tally:
    """What the servers saw during one tool's run: requests, and the most in flight."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Start counting anew (a request still in flight stays counted until it ends)."""
        with self.lock:
            self.requests = 0
            self.in_flight = getattr(self, "in_flight", 0)
            self.max_in_flight = self.in_flight
            self.host_in_flight: dict[str, int] = getattr(self, "host_in_flight", {})
            self.max_host_in_flight = max(self.host_in_flight.values(), default=0)

    @contextmanager
    def serving(self, host: str) -> Iterator[None]:
        with self.lock:
            self.requests += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            count = self.host_in_flight[host] = self.host_in_flight.get(host, 0) + 1
            self.max_host_in_flight = max(self.max_host_in_flight, count)
        try:
            yield
        finally:
            with self.lock:
                self.in_flight -= 1
                self.host_in_flight[host] -= 1

    def summary(self) -> str:
        with self.lock:
            return (
                f"{self.requests} requests, at most {self.max_in_flight} in flight "
                f"({self.max_host_in_flight} to one host)"
            )


class Handler(BaseHTTPRequestHandler):
    """Every request: 200 after the server's delay (HTTP/1.1, so connections are kept)."""

    server: DelayServer
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        with self.server.tally.serving(self.server.address):
            time.sleep(self.server.delay)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(BODY)

    do_GET = _answer
    do_HEAD = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


class DelayServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: str, delay: float, tally: Tally) -> None:
        super().__init__((address, 0), Handler)
        self.address = address
        self.delay = delay
        self.tally = tally
        # a long poll: it only bounds how soon shutdown() is heard, and 100 servers
        # polling fast would take the CPU the tools measured need
        serve = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.5}, daemon=True
        )
        serve.start()

    @property
    def base(self) -> str:
        return f"http://{self.address}:{self.server_address[1]}"


def start_servers(count: int, delay: float, tally: Tally) -> list[DelayServer]:
    """One server on each of 127.0.0.2, 127.0.0.3... (127.0.0.1 is left to others)."""
    if count > 250 * 250:
        raise SystemExit(f"{count} hosts: more than this bench gives loopback addresses")
    return [DelayServer(f"127.0.{2 + n // 250}.{2 + n % 250}", delay, tally) for n in range(count)]


def external_urls(src: Path) -> list[str]:
    """The tree's URLs novadoclint's network phase would check: well-formed, http(s)."""
    from oracle import build_index  # phase 1 on the tree; imported late, it is heavy

    index = build_index(src)
    return [
        url
        for url in link_places(index)
        if malformed(url) is None and urlsplit(url).scheme.lower() in ("http", "https")
    ]


def netloc_of(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def rewrite(root: Path, netlocs: dict[str, str], conf_py: Path) -> int:
    """Point every ``http(s)://NETLOC`` in the copy's text files and its conf.py (extlinks
    build URLs there) at its server; files changed.

    A netloc without a port does not match one written with a port, nor a longer name.
    """
    patterns = [
        (
            re.compile(
                r"https?://"
                + re.escape(netloc)
                + (r"(?![\w.:-])" if ":" not in netloc else r"(?![\w.-])"),
                re.IGNORECASE,
            ),
            base,
        )
        for netloc, base in sorted(netlocs.items(), key=lambda item: -len(item[0]))
    ]
    changed = 0
    for path in root.rglob("*"):
        text_file = path.suffix in TEXT_SUFFIXES or path == conf_py
        if ".git" in path.parts or not text_file or not path.is_file():
            continue
        if path.is_symlink():
            continue
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        new = text
        for pattern, base in patterns:
            if "://" in new:
                new = pattern.sub(base, new)
        if new != text:
            path.write_text(new, encoding="utf-8", errors="surrogateescape")
            changed += 1
    return changed


def synthetic_tree(src: Path, urls: int, servers: list[DelayServer]) -> None:
    """A Sphinx project of *urls* links spread over the servers, ten pages of them."""
    src.mkdir(parents=True)
    (src / "conf.py").write_text('project = "links"\nextensions = []\n', encoding="utf-8")
    pages = 10
    names = [f"page{n}" for n in range(pages)]
    toctree = "\n".join(f"   {name}" for name in names)
    (src / "index.rst").write_text(f"Links\n=====\n\n.. toctree::\n\n{toctree}\n", "utf-8")
    for page, name in enumerate(names):
        lines = [f"Page {page}", "=" * (5 + len(str(page))), ""]
        for n in range(page, urls, pages):
            server = servers[n % len(servers)]
            lines += [f"* `link {n} <{server.base}/p/{n}>`_", ""]
        (src / f"{name}.rst").write_text("\n".join(lines), encoding="utf-8")


def link_settings() -> str:
    """conf.py lines: no anchors, and nothing checked that is not on the bench's servers."""
    return (
        "\n# bench/links_vs_sphinx.py\n"
        "linkcheck_anchors = False\n"
        "linkcheck_ignore = [r'(?!http://127\\.0\\.\\d+\\.\\d+:\\d+(?:/|$))']\n"
    )


@dataclass
class Tools:
    src: Path
    work: Path
    sphinx_build: str
    ours_conf: str
    sphinx_conf: str
    env: dict[str, str]
    ours: list[str]

    def novadoclint(
        self, *flags: str, cache: Path | None = None, links: bool = True
    ) -> tuple[float, str]:
        env = dict(self.env)
        if cache is not None:
            env["NOVADOCLINT_CACHE_DIR"] = str(cache)
        (self.src / "conf.py").write_text(self.ours_conf, encoding="utf-8")
        out = self.work / "ours.json"
        cmd = [*self.ours, "--format", "json", "-o", str(out)]
        if links:
            cmd += ["--check-links", "--allow-private"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([*cmd, *flags, str(self.src)], env=env, capture_output=True)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        if done.returncode not in (0, 1):
            raise SystemExit(f"novadoclint failed ({done.returncode}): {done.stderr[-2000:]!r}")
        text = out.read_text(encoding="utf-8")
        broken = len(re.findall(r'"rule": "link-(?:broken|skipped|redirected)"', text))
        return seconds, f"{broken} link-broken/skipped/redirected findings, {cpu:.2f} s CPU"

    def sphinx(self, doctrees: Path, builder: str = "linkcheck") -> tuple[float, str]:
        (self.src / "conf.py").write_text(self.sphinx_conf, encoding="utf-8")
        out = self.work / builder
        shutil.rmtree(out, ignore_errors=True)
        cmd = [self.sphinx_build, "-b", builder, "-q", "-d", str(doctrees)]
        start = time.perf_counter()
        done = subprocess.run(
            [*cmd, str(self.src), str(out)], cwd=self.work, env=self.env, capture_output=True
        )
        seconds = time.perf_counter() - start
        if builder != "linkcheck":
            return seconds, f"exit {done.returncode}"
        report = out / "output.json"
        if not report.is_file():
            raise SystemExit(f"sphinx-build failed: {done.stderr[-2000:]!r}")
        statuses: dict[str, int] = {}
        for match in re.finditer(r'"status": "(\w+)"', report.read_text(encoding="utf-8")):
            statuses[match.group(1)] = statuses.get(match.group(1), 0) + 1
        return seconds, ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))


def clean_env(src_override: str | None) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k.lower() not in PROXY_VARIABLES and k != "NO_COLOR"
    }
    env["no_proxy"] = env["NO_PROXY"] = "*"
    if src_override:
        env["PYTHONPATH"] = str(Path(src_override).resolve())
    return env


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} s (min {min(values):.2f}, max {max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("srcdir", nargs="?", default=str(DEFAULT_TREE))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.05, help="seconds per answer")
    parser.add_argument("--synthetic", type=int, metavar="N", help="N generated URLs instead")
    parser.add_argument("--hosts", type=int, default=10, help="hosts of --synthetic")
    parser.add_argument("--src", help="run novadoclint from this source folder (PYTHONPATH)")
    parser.add_argument("--base", help="also run novadoclint from this source folder, interleaved")
    parser.add_argument("--sphinx-build", default=None, help=f"default: {DEFAULT_SPHINX}")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--no-sphinx", action="store_true", help="novadoclint's rows only")
    args = parser.parse_args()

    tools = sphinx_tools(args.sphinx_build or DEFAULT_SPHINX)
    if tools is None and not args.no_sphinx:
        raise SystemExit("Sphinx is not installed: pass --sphinx-build")
    sphinx_build = tools[0] if tools is not None else "(not run)"
    tally = Tally()
    work = Path(tempfile.mkdtemp(prefix="novadoclint-links-"))
    try:
        if args.synthetic:
            servers = start_servers(args.hosts, args.delay, tally)
            src = work / "tree" / "source"
            synthetic_tree(src, args.synthetic, servers)
            print(f"tree: synthetic, {args.synthetic} URLs over {len(servers)} hosts")
            sphinx_conf = (src / "conf.py").read_text(encoding="utf-8") + link_settings()
            ours_conf = sphinx_conf
        else:
            srcdir = Path(args.srcdir).resolve()
            root = project_root(srcdir)
            copy = work / "tree"
            shutil.copytree(root, copy, symlinks=True)
            src = copy / srcdir.relative_to(root)
            urls = external_urls(src)
            netlocs = sorted({netloc_of(url) for url in urls})
            servers = start_servers(len(netlocs), args.delay, tally)
            bases = {n: s.base for n, s in zip(netlocs, servers, strict=True)}
            files = rewrite(copy, bases, src / "conf.py")
            served = [url for url in external_urls(src) if url.startswith("http://127.")]
            hosts = {netloc_of(url) for url in served}
            busiest = max((sum(netloc_of(u) == n for u in served), n) for n in hosts)
            print(
                f"tree: {srcdir}: {len(served)} URLs over {len(hosts)} hosts served (the "
                f"busiest with {busiest[0]}); {len(urls) - len(served)} more that extensions "
                f"build (not in the text) left to linkcheck_ignore; {files} files rewritten "
                f"in {copy}"
            )
            ours_conf = (src / "conf.py").read_text(encoding="utf-8") + link_settings()
            (src / "conf.py").write_text(ours_conf, encoding="utf-8")
            if tools is not None and not args.no_sphinx:
                prepared = run_sphinx(copy, src, work / "oracle", tools, [])
                if prepared.mocked:
                    print(f"sphinx: mocked modules: {', '.join(sorted(prepared.mocked))}")
                if prepared.stubbed:
                    print(f"sphinx: stubbed extensions: {', '.join(prepared.stubbed)}")
            sphinx_conf = (src / "conf.py").read_text(encoding="utf-8")
        print(f"servers answer after {args.delay * 1000:.0f} ms; novadoclint from "
              f"{args.src or 'this checkout'}; sphinx-build {sphinx_build}")  # fmt: skip
        runner = Tools(
            src=src,
            work=work,
            sphinx_build=sphinx_build,
            ours_conf=ours_conf,
            sphinx_conf=sphinx_conf,
            env=clean_env(args.src),
            ours=[sys.executable, "-m", "novadoclint"],
        )
        base = None
        if args.base:
            base = dataclasses.replace(runner, env=clean_env(args.base))
            print(f"base rows: novadoclint from {args.base}")
        measure(runner, tally, args.runs, base, sphinx=not args.no_sphinx)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def measure(
    runner: Tools, tally: Tally, runs: int, base: Tools | None = None, *, sphinx: bool = True
) -> None:
    """Interleaved runs; one untimed round first warms bytecode, the page cache and the
    caches the ``links`` and ``rerun`` rows keep. *base*: the same novadoclint rows for
    another source folder, interleaved with these (``base ...``); *sphinx*: whether
    Sphinx's rows are run."""
    cache = runner.work / "cache"
    kept = runner.work / "doctrees-kept"
    times: dict[str, list[float]] = {}
    steps: list[tuple[str, Callable[[], tuple[float, str]]]] = [
        ("novadoclint cold", lambda: runner.novadoclint("--no-cache")),
        ("sphinx cold", lambda: runner.sphinx(fresh_doctrees(runner.work))),
        ("novadoclint links", lambda: runner.novadoclint("--refresh", cache=cache)),
        ("sphinx links", lambda: runner.sphinx(kept)),
        ("novadoclint rerun", lambda: runner.novadoclint(cache=cache)),
        ("novadoclint lint", lambda: runner.novadoclint(cache=cache, links=False)),
        ("sphinx dummy", lambda: runner.sphinx(kept, "dummy")),
    ]
    if base is not None:
        old = runner.work / "cache-base"
        steps[1:1] = [("base cold", lambda: base.novadoclint("--no-cache"))]
        steps[4:4] = [("base links", lambda: base.novadoclint("--refresh", cache=old))]
        steps.append(("base rerun", lambda: base.novadoclint(cache=old)))
    if not sphinx:
        steps = [(name, step) for name, step in steps if not name.startswith("sphinx")]
    for number in range(runs + 1):
        for name, step in steps:
            tally.reset()
            seconds, outcome = step()
            label = "warm-up" if number == 0 else f"run {number}"
            print(f"{label:8} {name:18} {seconds:6.2f} s  {outcome}; {tally.summary()}")
            if number:
                times.setdefault(name, []).append(seconds)
    print()
    for name, values in times.items():
        print(f"{name:18} {spread(values)}")
    median = {name: statistics.median(values) for name, values in times.items()}
    print()
    if not sphinx:
        for kind in ("cold", "links", "rerun"):
            if f"base {kind}" in median:
                ratio = median[f"novadoclint {kind}"] / median[f"base {kind}"]
                print(f"{kind}: novadoclint takes {ratio:.2f} of base's time")
        return
    for kind in ("cold", "links"):
        for who in ("novadoclint", "base"):
            if f"{who} {kind}" in median:
                ratio = median[f"sphinx {kind}"] / median[f"{who} {kind}"]
                print(f"{kind}: {who} is {ratio:.1f}x as fast as sphinx-build -b linkcheck")
    ours = median["novadoclint links"] - median["novadoclint lint"]
    theirs = median["sphinx links"] - median["sphinx dummy"]
    print(
        f"the link check alone (links minus the same run without it): novadoclint "
        f"{ours:.2f} s, sphinx {theirs:.2f} s ({theirs / max(ours, 0.01):.1f}x)"
    )
    print(
        f"rerun with cached link results: {median['novadoclint rerun']:.2f} s "
        f"(the same warm lint without --check-links: {median['novadoclint lint']:.2f} s)"
    )


def fresh_doctrees(work: Path) -> Path:
    folder = work / "doctrees-cold"
    shutil.rmtree(folder, ignore_errors=True)
    return folder


if __name__ == "__main__":
    main()
