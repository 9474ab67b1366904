"""Sphinx's name rules as pure functions; nowhere else knows them.

Docnames are posix paths without suffix, relative to the source dir. A
reference from a document is relative to that document's folder unless it
starts with ``/`` (``sphinx.util.docname_join``). Files named by directives
and roles (include, literalinclude, image, download) are relative to the
*document* being read, even when the markup sits in an included file
(``BuildEnvironment.relfn2path``). Each function cites the Sphinx code it
mirrors, so a Sphinx change is a one-place fix here.
"""

from __future__ import annotations

import difflib
import fnmatch
import heapq
import logging
import posixpath
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from novadoclint.project.discover import compile_matchers
from novadoclint.safety import saferegex
from novadoclint.safety.untrusted import excerpt

WS_RE = re.compile(r"\s+")  # sphinx.util.ws_re
URL_RE = re.compile(r"(?P<schema>.+)://.*")  # sphinx.util.url_re
GLOB_RE = re.compile(r".*[*?\[].*")  # sphinx.directives.other.glob_re
# StandardDomain._virtual_doc_names: toctree entries that name no source file.
VIRTUAL_DOCS = frozenset({"genindex", "modindex", "search"})
# StandardDomain.initial_data labels, plus the Python domain's module index
# (Domain.setup): every project has them, all titled.
BUILTIN_LABELS = frozenset({"genindex", "modindex", "search", "py-modindex"})
NitpickPairs = tuple[tuple[saferegex.SafePattern, saferegex.SafePattern], ...]
_nitpick_compiled: dict[tuple[tuple[str, str], ...], NitpickPairs] = {}
_log = logging.getLogger(__name__)


def normalise_label(name: str) -> str:
    """Sphinx's label normalisation (docutils.nodes.fully_normalize_name)."""
    return WS_RE.sub(" ", name.strip().lower())


def docname_join(basedocname: str, docname: str) -> str:
    """sphinx.util.docname_join: relative to the base's folder; '/x' is absolute."""
    return posixpath.normpath(posixpath.join("/" + basedocname, "..", docname))[1:]


def strip_suffix(target: str, suffixes: Iterable[str]) -> str:
    """The first matching source suffix removed (toctree entries only, not :doc:)."""
    for suffix in suffixes:
        if suffix and target.endswith(suffix):
            return target[: -len(suffix)]
    return target


def xref_disabled(title: str | None, target: str) -> bool:
    """A role text starting with '!' makes no cross-reference at all (ReferenceRole)."""
    return (target if title is None else title).startswith("!")


def doc_target(fromdoc: str, target: str) -> str:
    """The docname a :doc: target names: joined, and nothing stripped (no '~', no suffix)."""
    return docname_join(fromdoc, WS_RE.sub(" ", target))


def resolve_doc(docs: Collection[str], fromdoc: str, target: str) -> str | None:
    """StandardDomain._resolve_doc_xref: the document a :doc: names, or None."""
    name = doc_target(fromdoc, target)
    return name if name in docs else None


def label_target(target: str) -> str:
    """What a :ref: or :numref: looks up: lowercased, whitespace folded (XRefRole)."""
    return WS_RE.sub(" ", target.lower())


def section_label(docname: str, title: str, *, prefix_document: bool) -> str:
    """The label sphinx.ext.autosectionlabel gives a section title."""
    return normalise_label(f"{docname}:{title}" if prefix_document else title)


def intersphinx_names(conf_values: Mapping[str, Any], extensions: Sequence[str]) -> frozenset[str]:
    """Inventory names a ``name:label`` target may point into; '*' when unknowable."""
    if "sphinx.ext.intersphinx" not in extensions:
        return frozenset()
    mapping = conf_values.get("intersphinx_mapping")
    if not isinstance(mapping, Mapping):
        return frozenset({"*"})  # computed in conf.py: any prefix may be an inventory
    return frozenset(k for k in mapping if isinstance(k, str) and "://" not in k)


def external_label(target: str, inventories: frozenset[str]) -> bool:
    """A ``name:label`` target that intersphinx resolves in another project's inventory."""
    name, sep, _ = target.partition(":")
    return bool(sep) and ("*" in inventories or name in inventories)


# intersphinx_disabled_reftypes' default since Sphinx 7.0.
DISABLED_REFTYPES = ("std:doc",)


def inventories_searched(
    conf_values: Mapping[str, Any],
    extensions: Sequence[str],
    objtype: str,
    unknown: Collection[str] = (),
) -> bool:
    """Sphinx looks a target of this object type up, unprefixed, in every inventory.

    sphinx.ext.intersphinx._resolve: a reference not resolved locally is
    tried as is in all inventories (resolve_reference_any_inventory), unless
    ``intersphinx_disabled_reftypes`` names its object type (``std:label``
    for :ref:, ``std:doc`` for :doc:), its domain (``std:*``) or ``*``.
    Only with at least one inventory (a non-empty ``intersphinx_mapping``,
    named or not); a mapping or setting conf.py computes (``unknown``) may
    hold anything.
    """
    if "sphinx.ext.intersphinx" not in extensions:
        return False
    mapping = conf_values.get("intersphinx_mapping")
    if isinstance(mapping, Mapping) and not mapping:
        return False
    if mapping is None and "intersphinx_mapping" not in unknown:
        return False  # not set: Sphinx's default is no inventory at all
    disabled = conf_values.get("intersphinx_disabled_reftypes", DISABLED_REFTYPES)
    if not isinstance(disabled, (list, tuple, set, frozenset)):
        return True
    domain = objtype.partition(":")[0]
    return not {"*", f"{domain}:*", objtype} & {d for d in disabled if isinstance(d, str)}


@dataclass(frozen=True, slots=True)
class TocTarget:
    """One toctree entry as TocTree.parse_content reads it."""

    kind: str  # "doc", "glob", "url" or "self"
    docname: str  # joined docname (or glob pattern) for doc and glob; the entry otherwise


def toc_target(
    fromdoc: str, title: str | None, target: str, *, glob: bool, suffixes: Iterable[str]
) -> TocTarget:
    """sphinx.directives.other.TocTree.parse_content, for one entry."""
    entry = target if title is None else f"{title} <{target}>"
    url = URL_RE.match(entry) is not None
    if glob and title is None and not url and GLOB_RE.match(entry):
        return TocTarget("glob", docname_join(fromdoc, entry))
    if url:
        return TocTarget("url", target)
    if target == "self":
        return TocTarget("self", target)
    return TocTarget("doc", docname_join(fromdoc, strip_suffix(target, suffixes)))


def glob_docs(pattern: str, docs: Iterable[str]) -> list[str]:
    """sphinx.util.matching.patfilter: docnames a toctree glob matches, sorted."""
    (matcher,) = compile_matchers([pattern])
    return sorted(d for d in docs if matcher.match(d))


def excluded(path: str, patterns: Iterable[str]) -> bool:
    """sphinx.util.matching.Matcher: exclude_patterns, '**/x' also matching 'x'."""
    pats = list(patterns)
    pats += [p[3:] for p in pats if p.startswith("**/")]
    return any(m.match(path) for m in compile_matchers(pats))


def relfn2path(target: str, docpath: str) -> str:
    """BuildEnvironment.relfn2path: a file argument, relative to the source dir.

    Absolute ('/x') means from the source dir; otherwise from the folder of the
    document being read (``docpath``), not of an included file. The result may
    start with '../' when it leaves the source dir.
    """
    if target.startswith(("/", "\\")):
        return posixpath.normpath(target.lstrip("/\\")) or "."
    return posixpath.normpath(posixpath.join(posixpath.dirname(docpath), target))


def path2doc(path: str, suffixes: Iterable[str]) -> str | None:
    """Project.path2doc: the docname a source-dir-relative path would have."""
    for suffix in suffixes:
        if suffix and path.endswith(suffix):
            return path[: -len(suffix)]
    return None


def is_remote(uri: str) -> bool:
    """Images and downloads Sphinx leaves to the browser (asset collectors)."""
    return "://" in uri or uri.startswith("data:")


def wildcard_candidates(path: str, files: Iterable[str]) -> list[str]:
    """Files an image path ending in '.*' may stand for (ImageCollector.collect_candidates)."""
    stem = path[:-1]  # 'foo.' of 'foo.*'
    return sorted(f for f in files if f.startswith(stem) and "/" not in f[len(stem) :])


def generated_paths(
    conf_values: Mapping[str, Any],
    unknown: Collection[str],
    extensions: Iterable[str],
    table: Mapping[str, Any],
) -> frozenset[str]:
    """Files (or fnmatch globs) known extensions write into the source dir at build time.

    ``table`` is rules/extensions.toml's ``extension`` table; each enabled
    entry's ``generates`` list says which setting names the output and what
    suffix the extension appends (oslo_config.sphinxconfiggen,
    oslo_policy.sphinxpolicygen: a base name, or (input, base name) pairs
    whose base defaults to the input file's stem). A setting conf.py computes
    (``unknown``) may name any file with that suffix.
    """
    found: set[str] = set()
    for ext in extensions:
        for spec in table.get(ext, {}).get("generates", ()):
            setting, suffix = spec["setting"], spec.get("suffix", "")
            when = spec.get("when")
            if setting in unknown or (when is not None and when in unknown):
                found.add("*" + suffix)
                continue
            if when is not None and when not in conf_values:
                continue  # the extension writes nothing without its input setting
            value = conf_values.get(setting)
            if spec.get("pairs"):
                found.update(_pair_outputs(value, suffix))
            elif isinstance(value, str) and value:
                found.add(posixpath.normpath(value + suffix))
            elif value is None and spec.get("default"):
                found.add(str(spec["default"]))
    return frozenset(found)


def _pair_outputs(value: object, suffix: str) -> Iterator[str]:
    """(input, base) pairs: base + suffix, base defaulting to the input's stem."""
    if not isinstance(value, (list, tuple)):
        return
    for pair in value:
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            source, base = pair
            if not isinstance(base, str) and isinstance(source, str):
                base = posixpath.splitext(posixpath.basename(source))[0]
            if isinstance(base, str) and base:
                yield posixpath.normpath(base + suffix)


def matches_any(path: str, globs: Iterable[str]) -> bool:
    """A source-dir-relative path against user globs (settings.generated_files)."""
    return any(fnmatch.fnmatchcase(path, g.lstrip("/")) for g in globs)


def warning_suppressed(conf_values: Mapping[str, Any], kind: str, subtype: str) -> bool:
    """conf.py's ``suppress_warnings`` silences this Sphinx warning (is_suppressed_warning)."""
    value = conf_values.get("suppress_warnings", ())
    wanted = {kind, f"{kind}.*", f"{kind}.{subtype}"}
    return isinstance(value, (list, tuple, set)) and any(v in wanted for v in value)


def nitpick_ignored(conf_values: Mapping[str, Any], role: str, target: str) -> bool:
    """``nitpick_ignore`` / ``nitpick_ignore_regex`` cover a missing std reference.

    Sphinx consults them only when ``nitpicky`` is on (ReferencesResolver.warn_missing_reference);
    a std role matches with or without its ``std:`` prefix.
    """
    if not conf_values.get("nitpicky"):
        return False
    local = role.removeprefix("std:")
    kinds = {local, f"std:{local}"}
    wanted = {(kind, target) for kind in kinds}
    pairs = conf_values.get("nitpick_ignore") or ()
    if any(isinstance(p, (list, tuple)) and tuple(p) in wanted for p in pairs):
        return True
    for kind_re, target_re in nitpick_regexes(conf_values.get("nitpick_ignore_regex")):
        if any(_fullmatch(kind_re, k) for k in kinds) and _fullmatch(target_re, target):
            return True
    return False


def nitpick_regexes(value: object) -> NitpickPairs:
    """``nitpick_ignore_regex`` compiled once per process, through saferegex.

    conf.py comes from the pull request: ``(a|a)+$`` against a long target
    hung the run under ``re``. The pairs share one budget; a pattern that
    cannot be used is logged once and left out (Sphinx would fail on it).
    """
    if not isinstance(value, (list, tuple)):
        return ()
    key = tuple(
        (p[0], p[1])
        for p in value
        if isinstance(p, (list, tuple)) and len(p) == 2 and all(isinstance(x, str) for x in p)
    )
    if key not in _nitpick_compiled:
        if len(_nitpick_compiled) > 8:  # one conf.py per run, a few in tests
            _nitpick_compiled.clear()
        _nitpick_compiled[key] = _compile_pairs(key)
    return _nitpick_compiled[key]


def _compile_pairs(pairs: tuple[tuple[str, str], ...]) -> NitpickPairs:
    budget = saferegex.Budget()
    compiled = []
    for kind, target in pairs:
        try:
            compiled.append((saferegex.compile(kind, budget), saferegex.compile(target, budget)))
        except saferegex.PatternError as exc:
            shown = f"({excerpt(kind)}, {excerpt(target)})"
            _log.warning("conf.py: nitpick_ignore_regex %s not used: %s", shown, exc)
    return tuple(compiled)


def _fullmatch(pattern: saferegex.SafePattern, text: str) -> bool:
    """A full match within the time limit; a pattern that failed once never matches.

    The rule regex-timeout reports the failure, once, at the pattern in conf.py.
    """
    if pattern.failure is not None:
        return False
    return pattern.fullmatch(text) is not None


# The diagram directives whose argument names a file, found as relfn2path says: parse
# records them, diagram-file-missing checks them over the facts (without the parser).
DIAGRAM_FILE_DIRECTIVES = frozenset(
    {"blockdiag", "seqdiag", "actdiag", "nwdiag", "rackdiag", "packetdiag"}
    | {"graphviz", "mermaid", "uml"}
)
FUZZY_POOL = 2000  # above this, fuzzy matching every candidate is quadratic in practice
FIX_CUTOFF = 0.8  # closest: how alike a fuzzy candidate must be for a fix to write it


def one_edit(a: str, b: str) -> bool:
    """a and b differ by one insertion, deletion, substitution or swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    if len(a) == len(b):
        swapped = (
            a[start + 2 :] == b[start + 2 :] and a[start : start + 2] == b[start : start + 2][::-1]
        )
        return a[start + 1 :] == b[start + 1 :] or swapped
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer[start + 1 :] == shorter[start:]


def near_miss(name: str, known: Iterable[str]) -> str | None:
    """The known name ``name`` is one edit (or one swap of neighbours) away from, if any.

    Strict on purpose: with an extension novadoclint cannot read, an unknown name
    is reported only as a likely typo of a known one (``code-bock``, ``reff``);
    names of two letters are too short to tell a typo from another name.
    """
    name = name.lower()
    if len(name) < 3:
        return None
    close = sorted(
        k for k in known if abs(len(k) - len(name)) <= 1 and len(k) >= 3 and one_edit(name, k)
    )
    return close[0] if close else None


def did_you_mean(wanted: str, candidates: Iterable[str]) -> str:
    """'; did you mean 'x'?' for the closest candidate, or ''.

    In a large pool, only candidates in the same folder or with the same last
    part are compared: difflib against 20,000 names costs ~0.2 s per miss.
    """
    pool = list(candidates)
    fuzzy = pool
    if len(pool) > FUZZY_POOL:
        folder, _, tail = wanted.rpartition("/")
        fuzzy = [c for c in pool if c.rpartition("/")[0] == folder or c.rpartition("/")[2] == tail]
    close = difflib.get_close_matches(wanted, fuzzy, n=1, cutoff=0.6)
    if not close:
        tail = wanted.rsplit("/", 1)[-1]
        close = [c for c in pool if c.rsplit("/", 1)[-1] == tail][:1]
    return f"; did you mean {close[0]!r}?" if close else ""


def closest(wanted: str, candidates: Iterable[str]) -> str | None:
    """The candidate did_you_mean names, when no other is as close; else None.

    A fix may replace a target by the suggestion only when the suggestion is
    the one answer: did_you_mean picks one of candidates that tie for closest
    (difflib breaks the tie by name), and one of several with the same last
    part by order. Same pool and fallback as did_you_mean; a fuzzy answer
    must also be close (FIX_CUTOFF, or one typo away): a hint may point at a
    page barely alike, a fix must not rewrite to it.
    """
    pool = list(candidates)
    fuzzy = pool
    if len(pool) > FUZZY_POOL:
        folder, _, tail = wanted.rpartition("/")
        fuzzy = [c for c in pool if c.rpartition("/")[0] == folder or c.rpartition("/")[2] == tail]
    ranked = _ranked(wanted, dict.fromkeys(fuzzy), 0.6)
    if ranked:
        (score, best), rest = ranked[0], ranked[1:]
        if rest and rest[0][0] == score:
            return None
        return best if score >= FIX_CUTOFF or one_edit(wanted, best) else None
    tail = wanted.rsplit("/", 1)[-1]
    same = {c for c in pool if c.rsplit("/", 1)[-1] == tail}
    return same.pop() if len(same) == 1 else None


def _ranked(wanted: str, pool: Iterable[str], cutoff: float) -> list[tuple[float, str]]:
    """The two best (score, candidate) of difflib.get_close_matches, best first."""
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(wanted)
    scored = []
    for candidate in pool:
        matcher.set_seq1(candidate)
        if (
            matcher.real_quick_ratio() >= cutoff
            and matcher.quick_ratio() >= cutoff
            and matcher.ratio() >= cutoff
        ):
            scored.append((matcher.ratio(), candidate))
    return heapq.nlargest(2, scored)


def _moved_or_near(wanted: str, docs: Iterable[str]) -> tuple[str, str, list[str], list[str]]:
    """The folder and file name of ``wanted``, the documents of that file name in other
    folders (the page moved), and the file names of its folder (a near-miss name)."""
    folder, _, tail = wanted.rpartition("/")
    moved, near = [], []
    for doc in docs:
        doc_folder, _, doc_tail = doc.rpartition("/")
        if doc_tail == tail and tail != "index":
            moved.append(doc)
        elif doc_folder == folder:
            near.append(doc_tail)
    return folder, tail, moved, near


def doc_hint(wanted: str, docs: Iterable[str]) -> str:
    """'; did you mean ...?' for a page that moved folders or a near-miss name in its folder.

    resolve.did_you_mean compares whole docnames, so any two pages of one
    folder look alike; here the file names are compared.
    """
    folder, tail, moved, near = _moved_or_near(wanted, docs)
    if moved:
        return did_you_mean(wanted, moved)
    close = difflib.get_close_matches(tail, near, n=1, cutoff=0.8)
    return f"; did you mean {posixpath.join(folder, close[0])!r}?" if close else ""


def doc_candidate(wanted: str, docs: Iterable[str]) -> str | None:
    """The document doc_hint names, when it is the only one as close; else None."""
    folder, tail, moved, near = _moved_or_near(wanted, docs)
    if moved:  # the same file name in another folder: the page moved
        return moved[0] if len(moved) == 1 else closest(wanted, moved)
    ranked = _ranked(tail, dict.fromkeys(near), 0.8)
    if not ranked or (len(ranked) == 2 and ranked[1][0] == ranked[0][0]):
        return None
    return posixpath.join(folder, ranked[0][1])


class Suggestions:
    """did_you_mean over one pool, each answer computed once.

    A renamed page or label is usually missed many times over: a whole-tree
    rule asks for the same hint again and again, and a fresh search of a large
    pool costs milliseconds. Built per rule run, so nothing outlives it.
    """

    def __init__(self, candidates: Iterable[str]) -> None:
        self.pool = sorted(set(candidates))
        self.answers: dict[tuple[str, str | None], str] = {}
        self.unique_answers: dict[tuple[str, str | None], str | None] = {}

    def hint(self, wanted: str, *, besides: str | None = None) -> str:
        """'; did you mean 'x'?' for the closest candidate other than ``besides``."""
        key = (wanted, besides)
        if key not in self.answers:
            pool = self.pool if besides is None else [c for c in self.pool if c != besides]
            self.answers[key] = did_you_mean(wanted, pool)
        return self.answers[key]

    def unique(self, wanted: str, *, besides: str | None = None) -> str | None:
        """The candidate :meth:`hint` names, when no other is as close (see closest)."""
        key = (wanted, besides)
        if key not in self.unique_answers:
            pool = self.pool if besides is None else [c for c in self.pool if c != besides]
            self.unique_answers[key] = closest(wanted, pool)
        return self.unique_answers[key]
