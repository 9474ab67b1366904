"""Measure novadoclint's cross-document rules against Sphinx itself.

Usage: python bench/oracle.py [SRCDIR] [--sphinx-build PATH] [--inject] [--keep]

Copies the project holding SRCDIR (default: the nova-2026 corpus) to a
temporary folder, runs ``sphinx-build -b dummy -n --keep-going`` on the copy
(never in the original tree; doctrees and output in the temporary folder too),
reads the warnings of the classes below into (file, line, class, subject), runs
novadoclint's matching rules on the same copy, and prints recall and precision
per class with the unmatched items of each side.

Sphinx runs in its own environment (``--sphinx-build``, else ``sphinx-build``
on PATH, else ``$NOVADOCLINT_SPHINX_BUILD``). What cannot run there is stubbed
in the copy's conf.py, and said: modules conf.py imports that do not import
are mocked; extensions that do not import, or that crash the build, are
replaced by a stub registering the same directive and role names (read by
novadoclint's vocabulary), whose directives parse their content as the real
ones would, or drop it for data directives.

``--inject`` first breaks the copy in about a dozen ways (a renamed page, a
misspelt label, a removed include...) so that the comparison has something to
compare. novadoclint runs before Sphinx, which writes generated files (sample
configs) into the copy. The "multiple toctrees" message is Sphinx's INFO, so
the build runs without ``-q``. Figures are for the notes, never assertions.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from novadoclint.checks import ALL_RULES, RULES_BY_ID
from novadoclint.context import Context
from novadoclint.engine import lint_project
from novadoclint.facts import DocFacts
from novadoclint.findings import Finding
from novadoclint.index import FactsIndex
from novadoclint.phase1 import run_phase1
from novadoclint.project import vocabulary
from novadoclint.project.discover import load_project
from novadoclint.project.sphinxconf import read_conf
from novadoclint.project.vocabulary import Kind
from novadoclint.registry import rule_names
from novadoclint.settings import Settings, load

DEFAULT_TREE = Path(__file__).resolve().parents[2] / "shared/corpus/nova-2026/doc/source"
ROOT_MARKERS = ("tox.ini", "setup.cfg", "setup.py", "pyproject.toml", ".git")
MAX_RETRIES = 6

# Sphinx message -> (class, subject group); the subject pairs items of the two sides.
SPHINX_CLASSES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("undefined-label", re.compile(r"^undefined label: '(.*)'")),
    ("ref-title", re.compile(r"^Failed to create a cross reference\. A title or caption not found: '(.*)'")),  # noqa: E501
    ("unknown-document", re.compile(r"^unknown document: '(.*)'")),
    ("toctree-missing", re.compile(r"^toctree contains reference to (?:nonexisting|excluded) document '(.*)'")),  # noqa: E501
    ("toctree-missing", re.compile(r"^toctree glob pattern '(.*)' didn't match any documents")),
    ("not-included", re.compile(r"^document isn't included in any toctree()")),
    ("duplicate-label", re.compile(r"^duplicate label (.*), other instance in ")),
    ("toctree-duplicate", re.compile(r"^duplicated entry found in toctree: (.*)")),
    ("toctree-duplicate", re.compile(r"^document is referenced in multiple toctrees: .* <- (.*)$")),
    ("include-missing", re.compile(r'^Problems with "include" directive path:\s*\S*Error: .*?: \'(.*)\'')),  # noqa: E501
    ("include-missing", re.compile(r"^Include file '(.*)' not found or reading it failed")),
    ("image-missing", re.compile(r"^image file not readable: (.*)")),
    ("image-missing", re.compile(r"^download file not readable: (.*)")),
)  # fmt: skip
# novadoclint rule -> (class, subject pattern on its message)
OUR_CLASSES: dict[str, tuple[str, re.Pattern[str]]] = {
    "ref-label-missing": ("undefined-label", re.compile(r"^undefined label: '(.*?)'(?:;|$)")),
    "ref-title-missing": ("ref-title", re.compile(r"not found: '(.*?)';")),
    "doc-ref-missing": ("unknown-document", re.compile(r"^unknown document: '(.*?)'(?:;|$)")),
    "toctree-entry-missing": ("toctree-missing", re.compile(r"(?:document|pattern) '(.*?)'")),
    "orphan-document": ("not-included", re.compile(r"()")),
    "duplicate-label": ("duplicate-label", re.compile(r"^duplicate label (.*?), other instance")),
    "toctree-duplicate": ("toctree-duplicate", re.compile(r"(?:in toctree: |<- )(.*?);")),
    "toctree-entry-duplicate": ("toctree-duplicate", re.compile(r"in toctree: (.*?);")),
    "include-missing": ("include-missing", re.compile(r"^include file '(.*?)' not found")),
    "image-missing": ("image-missing", re.compile(r"file not readable: (.*?)(?:;|$)")),
}
# Classes whose two sides report at different places: pair them by subject alone.
BY_SUBJECT = frozenset({"toctree-duplicate", "duplicate-label"})
WARNING_RE = re.compile(
    r"^(?P<path>[^\s:][^:]*?)(?::(?P<line>\d+))?: (?:WARNING|ERROR|CRITICAL|SEVERE): (?P<msg>.*)$"
)
INFO_RE = re.compile(
    r"^(?:.*?\.\.\. )?(?P<path>[^\s:][^:]*?): (?P<msg>document is referenced in .*)$"
)
TYPE_SUFFIX_RE = re.compile(r" \[[\w.-]+\]$")
TRACEBACK_LOG_RE = re.compile(r"The full traceback has been saved in:\s*(\S+)")
FRAME_RE = re.compile(r'File "([^"]+)"')


@dataclass(frozen=True, order=True)
class Item:
    cls: str
    path: str  # relative to the source dir
    line: int
    subject: str
    text: str

    def key(self) -> tuple[str, ...]:
        if self.cls in BY_SUBJECT:
            return (self.cls, self.subject)
        return (self.cls, self.path, self.subject)

    def show(self) -> str:
        return f"{self.path}:{self.line}: [{self.cls}] {self.text}"


# --- the copy and what cannot run in it ------------------------------------------------


def project_root(srcdir: Path) -> Path:
    """The folder to copy: the nearest ancestor that looks like a repository root."""
    for folder in [srcdir, *srcdir.parents][:4]:
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    return srcdir


def sphinx_tools(explicit: str | None) -> tuple[str, str] | None:
    """(sphinx-build, the python beside it), or None when Sphinx is not installed."""
    found = explicit or shutil.which("sphinx-build") or os.environ.get("NOVADOCLINT_SPHINX_BUILD")
    if not found or not Path(found).exists():
        return None
    python = Path(found).parent / "python"
    return found, str(python if python.exists() else "python3")


def conf_imports(conf_py: Path) -> dict[str, list[str]]:
    """Modules conf.py imports at module level -> the names it takes from each."""
    tree = ast.parse(conf_py.read_bytes())
    found: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.setdefault(alias.name, [])
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.setdefault(node.module, []).extend(a.name for a in node.names)
    return found


PROBE = """
import importlib, json, sys
sys.path[:0] = {paths!r}
mocked = {mocked!r}
result = {{"failed": [], "origins": {{}}}}
for name in {names!r}:
    try:
        if name in mocked:
            continue
        module = importlib.import_module(name)
        result["origins"][name] = getattr(module, "__file__", None) or ""
    except Exception:
        result["failed"].append(name)
print(json.dumps(result))
"""


def probe(
    python: str, names: list[str], paths: list[str], mocked: Iterable[str]
) -> dict[str, object]:
    """Which modules import in Sphinx's environment, and where they live."""
    code = PROBE.format(paths=paths, names=names, mocked=sorted(mocked))
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    loaded: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return loaded


PRELUDE = '''"""Written by novadoclint's bench/oracle.py: mocks and stub extensions."""
import sys
import types

from docutils import nodes
from docutils.parsers.rst import Directive, directives


class _Mocked(str):
    """A name conf.py imports: its attributes are more of them, a call gives a plain str
    (``version_info.release_string()``), so config values stay picklable."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Mocked(f"{{self}}.{{name}}")

    def __call__(self, *args, **kwargs):
        return "0"


# Modules conf.py imports that cannot import here: just the names conf.py takes, so
# autodoc's own imports of these packages still fail as they would without them.
for _name, _names in sorted({mocked!r}.items()):
    _module = sys.modules.setdefault(_name, types.ModuleType(_name))
    for _attr in _names:
        setattr(_module, _attr, _Mocked(f"{{_name}}.{{_attr}}"))
    _parent, _, _child = _name.rpartition(".")
    if _parent:
        setattr(sys.modules.setdefault(_parent, types.ModuleType(_parent)), _child, _module)

STUBS = {stubs!r}


class _AnyOptions(dict):
    def __missing__(self, key):
        return directives.unchanged


def _directive(body):
    class Stub(Directive):
        has_content = True
        optional_arguments = 99
        final_argument_whitespace = True
        option_spec = _AnyOptions()

        def run(self):
            if not body or not self.content:
                return []
            node = nodes.container()
            self.state.nested_parse(self.content, self.content_offset, node)
            return [node]

    return Stub


def _role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [nodes.literal(rawtext, text)], []


def setup_stub(app, names, roles):
    from sphinx.domains import Domain

    domains = {{}}
    for name, body in names:
        domain, _, local = name.rpartition(":")
        if domain:
            domains.setdefault(domain, ({{}}, {{}}))[0][local] = _directive(body)
        else:
            app.add_directive(name, _directive(body), override=True)
    for name in roles:
        domain, _, local = name.rpartition(":")
        if domain:
            domains.setdefault(domain, ({{}}, {{}}))[1][local] = _role
        else:
            app.add_role(name, _role, override=True)
    for domain, (found_directives, found_roles) in domains.items():
        if domain in app.registry.domains:
            for local, cls in found_directives.items():
                app.add_directive_to_domain(domain, local, cls, override=True)
            for local, fn in found_roles.items():
                app.add_role_to_domain(domain, local, fn, override=True)
            continue
        cls = type(
            "Stub" + str(len(app.registry.domains)),
            (Domain,),
            {{"name": domain, "label": domain,
              "directives": found_directives, "roles": found_roles}},
        )
        app.add_domain(cls)
    return {{"parallel_read_safe": True}}
'''

STUB = """from _oracle_prelude import setup_stub

DIRECTIVES = {directives!r}
ROLES = {roles!r}


def setup(app):
    return setup_stub(app, DIRECTIVES, ROLES)
"""


@dataclass
class Stubs:
    folder: Path
    mocked: dict[str, list[str]]  # module -> names conf.py imports from it
    stubbed: dict[str, str]  # extension -> stub module

    def write(self, src: Path, vocab: vocabulary.Vocabulary) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        prelude = PRELUDE.format(mocked=self.mocked, stubs=self.stubbed)
        (self.folder / "_oracle_prelude.py").write_text(prelude, encoding="utf-8")
        for ext, module in self.stubbed.items():
            names = [
                (n, k in (Kind.BODY, Kind.ADMONITION)) for n, k, p in vocab.directives if p == ext
            ]
            roles = [n for n, _, p in vocab.roles if p == ext]
            stub = STUB.format(directives=names, roles=roles)
            (self.folder / f"{module}.py").write_text(stub, encoding="utf-8")


def patch_conf(conf_py: Path, original: str, stubs: Stubs) -> None:
    """The copy's conf.py: the prelude first, the extension list rewritten last."""
    lines = original.splitlines(keepends=True)
    at = 0
    for number, line in enumerate(lines):
        if line.startswith("from __future__"):
            at = number + 1
    head = (
        "import sys as _oracle_sys\n"
        f"_oracle_sys.path.insert(0, {str(stubs.folder)!r})\n"
        "import _oracle_prelude\n"
    )
    tail = (
        "\nextensions = [_oracle_prelude.STUBS.get(e, e) for e in extensions]\n"
        if stubs.stubbed
        else ""
    )
    conf_py.write_text("".join([*lines[:at], head, *lines[at:], tail]), encoding="utf-8")


# --- running Sphinx --------------------------------------------------------------------


@dataclass
class SphinxRun:
    stdout: str
    stderr: str
    seconds: float
    stubbed: dict[str, str]
    mocked: dict[str, list[str]]


def run_sphinx(
    root: Path, src: Path, work: Path, tools: tuple[str, str], extra: list[str]
) -> SphinxRun:
    """sphinx-build on the copy, stubbing what does not import or what crashes it."""
    sphinx_build, python = tools
    conf_py = src / "conf.py"
    original = conf_py.read_text(encoding="utf-8")
    conf = read_conf(conf_py)
    vocab = vocabulary.build(conf, src)
    paths = [*conf.sys_path, str(src)]
    imports = conf_imports(conf_py)
    failed_imports = probe(python, list(imports), paths, ())["failed"]
    mocked = {name: imports[name] for name in failed_imports}  # type: ignore[attr-defined]
    report = probe(python, list(conf.extensions), paths, mocked)
    failed = [str(e) for e in report["failed"]]  # type: ignore[attr-defined]
    origins = {str(k): str(v) for k, v in report["origins"].items()}  # type: ignore[attr-defined]
    stubs = Stubs(work / "stubs", mocked, {})
    for ext in [*failed, *extra]:
        stubs.stubbed[ext] = f"_oracle_stub_{len(stubs.stubbed)}"
    for _ in range(MAX_RETRIES):
        stubs.write(src, vocab)
        patch_conf(conf_py, original, stubs)
        shutil.rmtree(work / "doctrees", ignore_errors=True)
        shutil.rmtree(work / "out", ignore_errors=True)
        cmd = [sphinx_build, "-b", "dummy", "-n", "--keep-going"]
        cmd += ["-d", str(work / "doctrees"), str(src), str(work / "out")]
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        culprit = _crashing_extension(done.stderr, origins, stubs.stubbed)
        if done.returncode == 0 or culprit is None:
            if done.returncode != 0 and "Traceback" in done.stderr:
                print("sphinx-build failed and no extension to blame:", file=sys.stderr)
                print(done.stderr[-2000:], file=sys.stderr)
            return SphinxRun(done.stdout, done.stderr, seconds, dict(stubs.stubbed), mocked)
        stubs.stubbed[culprit] = f"_oracle_stub_{len(stubs.stubbed)}"
    raise SystemExit("sphinx-build keeps crashing; see --keep and the log")


def _crashing_extension(
    stderr: str, origins: dict[str, str], stubbed: dict[str, str]
) -> str | None:
    """The enabled extension whose code raised, from Sphinx's saved traceback.

    The innermost frame in an extension's own module decides; failing that, the
    innermost frame in the package of exactly one extension (oslo_config holds
    two extensions and the library both call: that blames neither).
    """
    match = TRACEBACK_LOG_RE.search(stderr)
    text = stderr
    if match and Path(match.group(1)).is_file():
        text = Path(match.group(1)).read_text(encoding="utf-8", errors="replace")
    frames = list(reversed(FRAME_RE.findall(text)))
    candidates = {
        ext: origin
        for ext, origin in origins.items()
        if origin and ext not in stubbed and not ext.startswith("sphinx.")
    }
    for frame in frames:
        for ext, origin in sorted(candidates.items()):
            if frame == origin:
                return ext
    for frame in frames:
        owners = [
            ext
            for ext, origin in sorted(candidates.items())
            if frame.startswith(str(Path(origin).parent) + os.sep)
            and not str(Path(origin).parent).endswith("site-packages")
        ]
        if len(owners) == 1:
            return owners[0]
    return None


def sphinx_items(run: SphinxRun, src: Path, cwd: Path) -> list[Item]:
    """Sphinx's messages of our classes; relative paths in them are relative to its cwd."""
    items: list[Item] = []
    current: dict[str, str] | None = None
    records: list[dict[str, str]] = []
    for line in run.stderr.splitlines():
        match = WARNING_RE.match(line)
        if match:
            current = {k: v or "" for k, v in match.groupdict().items()}
            records.append(current)
        elif current is not None and not line.startswith(("WARNING", "ERROR")):
            current["msg"] += "\n" + line
        else:
            current = None
    for line in run.stdout.splitlines():
        match = INFO_RE.match(line)
        if match:
            records.append({"path": match.group("path"), "line": "", "msg": match.group("msg")})
    for record in records:
        msg = TYPE_SUFFIX_RE.sub("", record["msg"].strip())
        for cls, pattern in SPHINX_CLASSES:
            found = pattern.search(msg)
            if found:
                subject = _subject(cls, found.group(1), src, cwd)
                path = _rel(record["path"], src, cwd)
                items.append(
                    Item(cls, path, int(record["line"] or 0), subject, msg.splitlines()[0])
                )
                break
    return sorted(set(items))


def _rel(path: str, src: Path, cwd: Path) -> str:
    return os.path.relpath(os.path.join(cwd, path), src).replace(os.sep, "/")


def _subject(cls: str, raw: str, src: Path, cwd: Path) -> str:
    if cls == "image-missing" and not os.path.isabs(raw):
        return os.path.normpath(raw).replace(os.sep, "/")  # Sphinx's own source-dir path
    if cls in ("include-missing", "image-missing"):
        return _rel(raw, src, cwd)
    return raw


# --- running novadoclint ---------------------------------------------------------------


def our_settings(src: Path) -> Settings:
    return replace(
        load(src, rules=ALL_RULES), select=tuple(OUR_CLASSES), extend_select=(), ignore=(), jobs=1
    )


def our_items(src: Path) -> tuple[list[Item], float]:
    start = time.perf_counter()
    findings, _ = lint_project(load_project(src, True), our_settings(src))
    seconds = time.perf_counter() - start
    return sorted({_ours(f) for f in findings if f.rule in OUR_CLASSES}), seconds


def _ours(finding: Finding) -> Item:
    cls, pattern = OUR_CLASSES[finding.rule]
    found = pattern.search(finding.message)
    subject = found.group(1) if found else ""
    if cls in ("include-missing", "image-missing"):
        subject = os.path.normpath(subject).replace(os.sep, "/")
    return Item(cls, finding.path, finding.line, subject, finding.message)


# --- comparing -------------------------------------------------------------------------


def compare(
    sphinx: list[Item], ours: list[Item]
) -> tuple[list[tuple[Item, Item]], list[Item], list[Item]]:
    """Pair items by key; several with one key pair in line order."""
    pending: dict[tuple[str, ...], list[Item]] = {}
    for item in ours:
        pending.setdefault(item.key(), []).append(item)
    matched, missed = [], []
    seen_subjects: set[tuple[str, ...]] = set()
    for item in sphinx:
        candidates = pending.get(item.key())
        if candidates:
            matched.append((item, candidates.pop(0)))
            seen_subjects.add(item.key())
        elif item.cls in BY_SUBJECT and item.key() in seen_subjects:
            continue  # Sphinx says it twice (warning and info): one finding of ours covers both
        else:
            missed.append(item)
    extra = [item for items in pending.values() for item in items]
    return matched, missed, sorted(extra)


def report(sphinx: list[Item], ours: list[Item]) -> None:
    matched, missed, extra = compare(sphinx, ours)
    classes = sorted({i.cls for i in (*sphinx, *ours)} | {c for c, _ in OUR_CLASSES.values()})
    print(f"\n{'class':<20} {'sphinx':>6} {'ours':>6} {'match':>6} {'recall':>7} {'precision':>9}")
    for cls in classes:
        s = sum(1 for i in sphinx if i.cls == cls)
        o = sum(1 for i in ours if i.cls == cls)
        m = sum(1 for a, _ in matched if a.cls == cls)
        missing = sum(1 for i in missed if i.cls == cls)
        extra_n = sum(1 for i in extra if i.cls == cls)
        recall, precision = _ratio(m, m + missing), _ratio(m, m + extra_n)
        print(f"{cls:<20} {s:>6} {o:>6} {m:>6} {recall:>7} {precision:>9}")
    total_m, total_s, total_e = len(matched), len(matched) + len(missed), len(matched) + len(extra)
    print(f"{'all':<20} {len(sphinx):>6} {len(ours):>6} {total_m:>6} {_ratio(total_m, total_s):>7} "
          f"{_ratio(total_m, total_e):>9}")  # fmt: skip
    print("\nSphinx only (missed):" if missed else "\nSphinx only (missed): none")
    for item in missed:
        print("  " + item.show())
    print("novadoclint only (extra):" if extra else "novadoclint only (extra): none")
    for item in extra:
        print("  " + item.show())


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "-"


# --- breaking the copy on purpose ------------------------------------------------------


def build_index(src: Path) -> FactsIndex:
    project = load_project(src, True)
    settings = our_settings(src)
    vocab = vocabulary.build(project.conf, src)
    ctx = Context(str(src), settings, project.conf, vocab, rule_names=rule_names(ALL_RULES))
    results = run_phase1(ctx, sorted(project.docs.items()), 1)
    facts = {r.facts.docname: r.facts for r in results}
    return FactsIndex(str(src), project.conf, facts, project.files)


@dataclass
class Breaker:
    """Breaks a copy of a tree on purpose, each breakage chosen from the tree's own facts.

    Each step touches files and labels no earlier step touched, so every breakage
    stays visible; a step with no candidate in this tree is skipped.
    """

    src: Path
    index: FactsIndex
    done: list[str]
    touched: set[str]  # paths already edited, renamed or deleted
    labels: set[str]  # label names already used

    def edit(self, path: str, change: Callable[[list[str]], bool], what: str) -> bool:
        if path in self.touched:
            return False
        file = self.src / path
        lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
        if not change(lines):
            return False
        file.write_text("".join(lines), encoding="utf-8")
        self.touched.add(path)
        self.done.append(what)
        return True

    def append(self, path: str, text: str, what: str) -> None:
        file = self.src / path
        body = file.read_text(encoding="utf-8").rstrip("\n")
        file.write_text(body + "\n\n" + text, encoding="utf-8")
        self.touched.add(path)
        self.done.append(what)

    def rename_page(self) -> None:
        """A page renamed: its toctree entry and :doc: links break, and nothing lists it."""
        linked = {
            r.target.lstrip("/")
            for d in self.index.docs.values()
            for r in d.refs
            if r.role == "doc"
        }
        for link in self.index.toc_links:
            child = link.children[0] if link.status == "ok" else ""
            doc = self.index.docs.get(child)
            if doc and child in linked and not doc.toctrees and child != self.index.conf.root_doc:
                (self.src / doc.path).rename(self.src / doc.path.replace(".rst", "-renamed.rst"))
                self.touched.update({doc.path, link.toctree.path})
                self.done.append(f"renamed {doc.path} (listed in {link.parent}, linked with :doc:)")
                return

    def misspell_ref(self) -> None:
        for doc in self.index.docs.values():
            for ref in doc.refs:
                name = ref.target.lower()
                if ref.role != "ref" or name not in self.index.labels or name in self.labels:
                    continue
                if ref.path != doc.path:
                    continue
                what = f"misspelt :ref:`{ref.target}` in {ref.path}:{ref.line}"
                change = partial(_misspell, line=ref.line, target=ref.target)
                if self.edit(ref.path, change, what):
                    self.labels.add(name)
                    return

    def remove_label(self) -> None:
        referenced = {
            r.target.lower() for d in self.index.docs.values() for r in d.refs if r.role == "ref"
        }
        for name, places in sorted(self.index.labels.items()):
            docname, label = places[0]
            if name not in referenced or len(places) > 1 or name in self.labels:
                continue
            if label.path != self.index.docs[docname].path:
                continue
            what = f"removed label {name} from {label.path}:{label.line}"
            if self.edit(label.path, partial(_drop_label, line=label.line, name=name), what):
                self.labels.add(name)
                return

    def delete_included(self) -> None:
        for doc in self.index.docs.values():
            for inc in doc.includes:
                plain_file = inc.directive == "include" and not inc.resolved.endswith(".rst")
                if plain_file and inc.found and inc.resolved not in self.touched:
                    (self.src / inc.resolved).unlink()
                    self.touched.add(inc.resolved)
                    self.done.append(f"deleted {inc.resolved}, included by {inc.path}")
                    return

    def misspell_files(self) -> None:
        """A literalinclude and an image whose file names get a typo."""
        docs = list(self.index.docs.values())
        literal = [
            (i.path, i.line, i.target)
            for d in docs
            for i in d.includes
            if i.directive == "literalinclude"
        ]
        images = [(i.path, i.line, i.target) for d in docs for i in d.images]
        for kind, items in (("literalinclude", literal), ("image", images)):
            for path, line, target in items:
                stem, dot, ext = target.rpartition(".")
                if not dot:
                    continue
                what = f"misspelt {kind} {target} in {path}:{line}"
                typo = f"{stem}-typo.{ext}"
                if self.edit(path, partial(_replace_at, line=line, old=target, new=typo), what):
                    break

    def duplicate_label(self, plain: list[DocFacts]) -> None:
        for name, places in sorted(self.index.labels.items()):
            docname, label = places[0]
            if len(places) == 1 and label.titled and name not in self.labels:
                other = next((d for d in plain if d.docname != docname), None)
                if other is not None:
                    text = f".. _{name}:\n\n.. rubric:: Duplicate of {name}\n"
                    self.append(
                        other.path,
                        text,
                        f"label {name} (from {docname}) defined again in {other.path}",
                    )
                    self.labels.add(name)
                return

    def toctree_twice(self, plain: list[DocFacts]) -> None:
        """An entry repeated in its toctree, and a page listed in a second toctree."""
        for link in self.index.toc_links:
            if link.status == "ok" and not link.toctree.glob and link.entry.title is None:
                where = f"{link.toctree.path}:{link.entry.line}"
                what = f"repeated toctree entry {link.entry.target} in {where}"
                if self.edit(link.toctree.path, partial(_repeat_line, line=link.entry.line), what):
                    break
        host = plain[-1] if plain else None
        for link in self.index.toc_links:
            if host and link.status == "ok" and link.parent != host.docname:
                child = link.children[0]
                if self.index.docs[child].path not in self.touched:
                    text = f".. toctree::\n   :hidden:\n\n   /{child}\n"
                    self.append(
                        host.path, text, f"listed {child} again in a toctree of {host.path}"
                    )
                    return


def inject(src: Path) -> list[str]:
    """About a dozen deliberate breakages, chosen from the tree's own facts."""
    index = build_index(src)
    breaker = Breaker(src, index, [], set(), set())
    root = index.conf.root_doc
    breaker.rename_page()
    breaker.misspell_ref()
    breaker.remove_label()
    breaker.delete_included()
    breaker.misspell_files()
    plain = [
        d
        for name, d in sorted(index.docs.items())
        if name != root
        and d.sections
        and not d.orphan
        and not d.toctrees
        and d.path not in breaker.touched
    ]
    breaker.duplicate_label(plain)
    (src / "oracle-orphan.rst").write_text(
        "Oracle orphan\n=============\n\nText.\n", encoding="utf-8"
    )
    breaker.done.append("added oracle-orphan.rst, listed nowhere")
    breaker.toctree_twice(plain)
    if plain:
        text = ".. _oracle-anon:\n\nA labelled paragraph.\n\nSee :ref:`oracle-anon`.\n"
        breaker.append(
            plain[0].path, text, f"untitled :ref: to a paragraph label in {plain[0].path}"
        )
        text = "Get :download:`the file <oracle-missing.txt>`.\n"
        breaker.append(plain[0].path, text, f"download of a missing file in {plain[0].path}")
    hosts = [d for d in index.docs.values() if d.toctrees and d.path not in breaker.touched]
    if hosts:
        text = ".. toctree::\n   :hidden:\n\n   oracle-no-such-page\n"
        breaker.append(hosts[0].path, text, f"toctree entry to no page in {hosts[0].path}")
    return breaker.done


def _replace_near(lines: list[str], line: int, old: str, new: str) -> bool:
    """Replace the first ``old`` on or after a 1-based line (paragraph lines are approximate)."""
    for number in range(max(line - 1, 0), min(line + 15, len(lines))):
        if old in lines[number]:
            lines[number] = lines[number].replace(old, new, 1)
            return True
    return False


def _replace_at(lines: list[str], *, line: int, old: str, new: str) -> bool:
    return _replace_near(lines, line, old, new)


def _misspell(lines: list[str], *, line: int, target: str) -> bool:
    return _replace_near(lines, line, target + ">`", target + "x>`") or _replace_near(
        lines, line, f"`{target}`", f"`{target}x`"
    )


def _drop_label(lines: list[str], *, line: int, name: str) -> bool:
    for number in range(max(line - 1, 0), min(line + 2, len(lines))):
        if lines[number].strip().lower() == f".. _{name}:":
            del lines[number]
            return True
    return False


def _repeat_line(lines: list[str], *, line: int) -> bool:
    if 0 < line <= len(lines) and lines[line - 1].strip():
        lines.insert(line, lines[line - 1])
        return True
    return False


# --- main ------------------------------------------------------------------------------


def rule_times(src: Path, rounds: int = 5) -> None:
    """Each compared rule's run time on a fresh index (its derived views included)."""
    index = build_index(src)
    settings = our_settings(src)
    ctx = Context(
        str(src),
        settings,
        index.conf,
        vocabulary.build(index.conf, src),
        rule_names=rule_names(ALL_RULES),
    )
    rules = [*OUR_CLASSES, "unreachable-document"]
    best: dict[str, float] = {}
    for _ in range(rounds):
        fresh = FactsIndex(index.srcdir, index.conf, index.docs, index.files)
        for rule_id in rules:
            start = time.perf_counter()
            found = sum(1 for _ in RULES_BY_ID[rule_id].check(fresh, ctx))
            elapsed = time.perf_counter() - start
            best[rule_id] = min(best.get(rule_id, elapsed), elapsed)
            best[rule_id + "#"] = found
    print(f"{len(index.docs)} documents; best of {rounds} runs, each on a fresh index:")
    for rule_id in rules:
        print(
            f"  {rule_id:<24} {best[rule_id] * 1000:7.2f} ms  {int(best[rule_id + '#'])} findings"
        )
    print(f"  {'all':<24} {sum(best[r] for r in rules) * 1000:7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("srcdir", nargs="?", default=str(DEFAULT_TREE))
    parser.add_argument(
        "--sphinx-build", help="sphinx-build of an environment with the docs' needs"
    )
    parser.add_argument("--root", help="folder to copy (default: the repository around SRCDIR)")
    parser.add_argument(
        "--inject", action="store_true", help="break the copy in a dozen ways first"
    )
    parser.add_argument("--stub", action="append", default=[], help="stub this extension too")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--rule-times", action="store_true", help="only time each rule on SRCDIR (no Sphinx)"
    )
    args = parser.parse_args()

    srcdir = Path(args.srcdir).resolve()
    if not (srcdir / "conf.py").is_file():
        raise SystemExit(f"{srcdir}: no conf.py")
    if args.rule_times:
        rule_times(srcdir)
        return
    tools = sphinx_tools(args.sphinx_build)
    if tools is None:
        raise SystemExit("Sphinx is not installed: pass --sphinx-build (nothing to compare)")
    root = Path(args.root).resolve() if args.root else project_root(srcdir)
    work = Path(tempfile.mkdtemp(prefix="novadoclint-oracle-"))
    try:
        copy = work / "tree"
        shutil.copytree(root, copy, symlinks=True)
        src = copy / srcdir.relative_to(root)
        print(f"tree: {srcdir} (copied from {root} to {copy})")
        if args.inject:
            print("injected:")
            for line in inject(src):
                print("  " + line)
        ours, our_seconds = our_items(src)
        run = run_sphinx(copy, src, work, tools, args.stub)
        if run.mocked:
            print(f"mocked modules (do not import here): {', '.join(sorted(run.mocked))}")
        if run.stubbed:
            print(f"stubbed extensions (do not import or crash here): {', '.join(run.stubbed)}")
        print(f"sphinx-build -b dummy: {run.seconds:.1f} s; novadoclint (these rules, 1 job): "
              f"{our_seconds:.2f} s")  # fmt: skip
        report(sphinx_items(run, src, copy), ours)
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
