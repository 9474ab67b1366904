"""Where pages sit on index pages: section-placement, an index page against a placement policy.

A pure function of one index page's facts, read through project/indexpage.py
(as index-list-toctree-mismatch and ``--write-policy`` read it), and of the
policy (project/policy.py). A stale entry of a policy file is reported at its
line in that file.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from novadoclint.context import Context
from novadoclint.facts import DocFacts
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.project.indexpage import Entry, body_label, body_sections, entries
from novadoclint.registry import Phase, rule
from novadoclint.resolve import doc_hint

if TYPE_CHECKING:  # the policy comes in the context: a run without --profile imports none
    from novadoclint.project.policy import IndexPolicy, Policy

GLOB_CHARS = frozenset("*?[")
SHOWN_STALE = 5  # stale entries a shipped profile's one finding names


@rule("section-placement", Severity.WARNING, Phase.TREE, tags={"placement"})
def section_placement(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """An index page whose sections or page placement differ from the active policy.

    A policy (`--profile nova`, or a policy file: `--profile my-policy.toml`)
    declares index pages, their sections in order, and which section places
    each document of the page's folder. The rule reports an unknown, missing,
    renamed, duplicated or misordered section heading; a page placed in
    another section than the policy gives it; a page of the folder placed
    nowhere; a page placed in two sections or listed twice in one; and stale
    policy entries: names of no document, and documents outside the folder
    the page no longer lists, each at its line in the policy file (the
    shipped example profile's, once per page, at the page). A page is placed
    in a section by a `:doc:` list item or a toctree entry in it (or in one
    of its subsections). Without an active profile the rule does nothing;
    `--write-policy FILE` writes a policy from the tree as it is.

    ## Why is this bad?
    Index pages such as nova's `reference/index.rst` are the map of a folder:
    readers expect the internals under "Internals" and the plans under
    "Forward Looking Plans". Pages filed under the wrong heading, or not
    filed at all, are hard to find, and reviewers rarely notice.

    ## Options
    `profile` (config) or `--profile`: a policy shipped in `rules/` (`nova`)
    or a path to a policy `.toml` file (relative to the config file). The
    format:

        [[index]]
        page = "reference/index"   # the index page
        elsewhere = ["i18n"]       # folder documents other pages place

        [[index.section]]          # one per section, in order
        title = "Internals"
        documents = ["rpc", "scheduling"]   # relative to the page's folder

    `folder` (default: the page's folder) sets which documents must be
    placed; names starting with `/` are absolute; `*` patterns are allowed.

    ## Example
    ```rst
    .. file: .novadoclint.toml
    profile = "policy.toml"
    .. file: policy.toml
    [[index]]
    page = "reference/index"

    [[index.section]]
    title = "Internals"
    documents = ["rpc"]

    [[index.section]]
    title = "Debugging"
    documents = ["gmr"]
    .. file: reference/index.rst
    Reference
    =========

    Internals
    ---------

    * :doc:`rpc`: how the services talk to each other
    * :doc:`gmr`: dump a running service's state

    Debugging
    ---------

    Nothing yet.
    .. file: reference/rpc.rst
    RPC
    ===
    .. file: reference/gmr.rst
    Guru meditation reports
    =======================
    ```

    ## Use instead
    ```rst
    .. file: .novadoclint.toml
    profile = "policy.toml"
    .. file: policy.toml
    [[index]]
    page = "reference/index"

    [[index.section]]
    title = "Internals"
    documents = ["rpc"]

    [[index.section]]
    title = "Debugging"
    documents = ["gmr"]
    .. file: reference/index.rst
    Reference
    =========

    Internals
    ---------

    * :doc:`rpc`: how the services talk to each other

    Debugging
    ---------

    * :doc:`gmr`: dump a running service's state
    .. file: reference/rpc.rst
    RPC
    ===
    .. file: reference/gmr.rst
    Guru meditation reports
    =======================
    ```
    """
    if ctx.policy is None:
        return
    for page in ctx.policy.indexes:
        yield from _check_index(index, page, ctx.policy)


def _check_index(index: FactsIndex, page: IndexPolicy, policy: Policy) -> Iterator[Hit]:
    source = policy.source
    doc = index.docs.get(page.page)
    if doc is None:
        suffix = next(iter(index.conf.source_suffixes), ".rst")
        yield Hit(
            Location(page.page + suffix, 1),
            f"{source} describes index page {page.page!r}, which is no document"
            f"{doc_hint(page.page, index.docs)}",
        )
        return
    body = body_sections(doc)
    declared = [s.title for s in page.sections]
    title_line = doc.sections[0].line if doc.sections else 1
    if not body:
        yield Hit(
            Location(doc.path, title_line),
            f"{page.page!r} has no sections; {source} declares {_quoted(declared)}",
        )
        return
    names = _section_names(doc, body, declared, source)
    yield from names.hits
    heading = {title: doc.sections[s].line for s, title in names.mapped.items()}
    yield from _missing_sections(doc, page, heading, title_line, source)
    yield from _misordered(doc, names.mapped, declared, source)
    yield from _placements(index, doc, page, names.mapped, body, heading, source)
    yield from _stale_names(index, doc, page, title_line, policy)


@dataclass
class _Names:
    mapped: dict[int, str]  # body section index -> the declared title it stands for
    hits: list[Hit]


def _section_names(doc: DocFacts, body: list[int], declared: list[str], source: str) -> _Names:
    """Match headings to declared titles; report duplicates, renames and unknowns."""
    names = _Names({}, [])
    unknown: list[int] = []
    for s in body:
        title = " ".join(doc.sections[s].title.split())
        at = Location(doc.sections[s].path, doc.sections[s].line)
        if title not in declared:
            unknown.append(s)
        elif title in names.mapped.values():
            names.hits.append(Hit(at, f"section {title!r} appears twice; merge the two"))
        else:
            names.mapped[s] = title
    missing = [t for t in declared if t not in names.mapped.values()]
    for s in unknown:
        title = doc.sections[s].title
        at = Location(doc.sections[s].path, doc.sections[s].line)
        close = difflib.get_close_matches(title, missing, n=1, cutoff=0.6)
        if close:
            missing.remove(close[0])
            names.mapped[s] = close[0]
            message = f"section {title!r} should be titled {close[0]!r} as {source} declares it"
        else:
            message = (
                f"unknown section {title!r}; {source} declares only {_quoted(declared)} for "
                f"{doc.docname!r}"
            )
        names.hits.append(Hit(at, message))
    return names


def _missing_sections(
    doc: DocFacts, page: IndexPolicy, heading: dict[str, int], title_line: int, source: str
) -> Iterator[Hit]:
    titles = [s.title for s in page.sections]
    for i, title in enumerate(titles):
        if title in heading:
            continue
        later = [heading[t] for t in titles[i + 1 :] if t in heading]
        line = later[0] if later else title_line
        where = f"after {titles[i - 1]!r}" if i else "first"
        yield Hit(
            Location(doc.path, line),
            f"missing section {title!r}: {source} declares it {where}; add the heading",
        )


def _misordered(
    doc: DocFacts, mapped: dict[int, str], declared: list[str], source: str
) -> Iterator[Hit]:
    """Sections outside the longest run already in the declared order are out of order."""
    order = sorted(mapped)  # section indices are in page order
    ranks = [declared.index(mapped[s]) for s in order]
    keep = _longest_increasing(ranks)
    for position, s in enumerate(order):
        if position in keep:
            continue
        rank = ranks[position]
        where = f"after {declared[rank - 1]!r}" if rank else f"before {declared[1]!r}"
        section = doc.sections[s]
        yield Hit(
            Location(section.path, section.line),
            f"section {mapped[s]!r} is out of order; {source} puts it {where}",
        )


def _longest_increasing(values: list[int]) -> set[int]:
    """Positions of one longest strictly increasing subsequence (quadratic: a handful of sections)."""

    def rank(chain: list[int]) -> tuple[int, int]:  # longer first, then lower last value
        return (len(chain), -values[chain[-1]])

    best: list[list[int]] = []
    for i, value in enumerate(values):
        chains = [c for c in best if values[c[-1]] < value]
        best.append([*(max(chains, key=rank) if chains else []), i])
    longest: list[int] = max(best, key=rank) if best else []
    return set(longest)


def _placements(
    index: FactsIndex,
    doc: DocFacts,
    page: IndexPolicy,
    mapped: dict[int, str],
    body: list[int],
    heading: dict[str, int],
    source: str,
) -> Iterator[Hit]:
    body_set = set(body)
    by_doc: dict[str, dict[str, list[Entry]]] = {}
    for entry in entries(doc, index.conf.source_suffixes, index.docs):
        name = entry.docname
        if name == page.page or not (page.in_folder(name) or page.home(name)):
            continue
        label = body_label(doc, entry.section, body_set, mapped)
        by_doc.setdefault(name, {}).setdefault(label, []).append(entry)
    for name, by_label in sorted(by_doc.items()):
        yield from _placed(name, by_label, page, source)
    title_line = doc.sections[0].line if doc.sections else 1
    for name in sorted(index.docs):
        if name in by_doc or not page.in_folder(name) or page.placed_elsewhere(name):
            continue
        home = page.home(name)
        if home is None:
            message = (
                f"{name!r} is placed in no section of {page.page!r} and {source} gives it "
                "none; place it and name it in the policy, or list it under 'elsewhere'"
            )
        else:
            message = (
                f"{name!r} is placed in no section of {page.page!r}; add it under {home!r} "
                f"as {source} places it"
            )
        yield Hit(Location(doc.path, heading.get(home or "", title_line)), message, cause=name)


def _placed(
    name: str, by_label: dict[str, list[Entry]], page: IndexPolicy, source: str
) -> Iterator[Hit]:
    labels = sorted(by_label, key=lambda label: by_label[label][0].at)
    first = {label: by_label[label][0].at for label in labels}
    if page.placed_elsewhere(name):
        yield Hit(
            first[labels[0]],
            f"{name!r} is placed under {labels[0]!r} but {source} says another page places "
            "it; remove it here or take it out of 'elsewhere'",
            cause=name,
        )
        return
    home = page.home(name)
    keep = home if home in by_label else labels[0]
    if home is None:
        yield Hit(
            first[keep],
            f"{name!r} is placed under {keep!r} but {source} gives it no section; add it "
            "to that section's documents",
            cause=name,
        )
    elif keep != home:
        message = f"move {name!r} from {keep!r} to {home!r} as {source} places it"
        yield Hit(first[keep], message, cause=name)
    for label in labels:
        if label != keep:
            why = f" as {source} places it under {home!r}" if keep == home else ""
            yield Hit(
                first[label],
                f"{name!r} is placed twice, under {keep!r} and {label!r}; remove it from "
                f"{label!r}{why}",
                cause=name,
            )
        items = [e for e in by_label[label] if e.in_list]
        if len(items) > 1:
            yield Hit(items[1].at, f"{name!r} is listed twice under {label!r}; drop one")


@dataclass(frozen=True, slots=True)
class _Stale:
    """A policy entry the tree no longer bears out, and where the policy file names it."""

    name: str
    under: str | None  # the section title; None for an 'elsewhere' entry
    place: tuple[int, int] | None
    listed_elsewhere: bool  # a document, but not on the index page (only outside its folder)


def _stale_entries(index: FactsIndex, doc: DocFacts, page: IndexPolicy) -> Iterator[_Stale]:
    """Entries naming no document, and documents outside the folder the page no longer lists.

    A name the page still lists is no stale entry (a page the build generates, or a
    missing page the reference rules report); a document of the page's folder the
    page does not list is reported at the page ("placed in no section").
    """
    listed = {e.docname for e in entries(doc, index.conf.source_suffixes, index.docs)}
    for section in page.sections:
        places = section.places or (None,) * len(section.documents)
        for name, place in zip(section.documents, places, strict=True):
            if not GLOB_CHARS.isdisjoint(name):
                continue
            if name not in index.docs and name not in listed:  # listed: a generated page
                yield _Stale(name, section.title, place, listed_elsewhere=False)
            elif name not in listed and not page.in_folder(name):
                yield _Stale(name, section.title, place, listed_elsewhere=True)
    places = page.elsewhere_places or (None,) * len(page.elsewhere)
    for name, place in zip(page.elsewhere, places, strict=True):
        if GLOB_CHARS.isdisjoint(name) and name not in index.docs:
            yield _Stale(name, None, place, listed_elsewhere=False)


def _stale_names(
    index: FactsIndex, doc: DocFacts, page: IndexPolicy, title_line: int, policy: Policy
) -> Iterator[Hit]:
    """Stale entries of a policy file, each at its line there: the file a change must mend.

    The shipped example profile is no file of the project: its stale entries are
    one finding at the index page, which says how to write the project's own.
    """
    stale = list(_stale_entries(index, doc, page))
    if not stale:
        return
    if policy.path is None:
        yield Hit(Location(doc.path, title_line), _shipped_stale(page, stale, policy.source))
        return
    shown = os.path.relpath(policy.path, index.srcdir).replace(os.sep, "/")
    for entry in stale:
        line, column = entry.place or (1, 1)
        if entry.under is None:
            message = (
                f"stale policy: {policy.source} lists {entry.name!r} under 'elsewhere', but it "
                f"is no document{doc_hint(entry.name, index.docs)}"
            )
        elif entry.listed_elsewhere:
            message = (
                f"stale policy: {policy.source} places {entry.name!r} under {entry.under!r}, "
                f"but {page.page!r} does not list it; list it there or take it out of the policy"
            )
        else:
            message = (
                f"stale policy: {policy.source} places {entry.name!r} under {entry.under!r}, "
                f"but it is no document{doc_hint(entry.name, index.docs)}"
            )
        yield Hit(Location(shown, line, column), message)


def _shipped_stale(page: IndexPolicy, stale: list[_Stale], source: str) -> str:
    names = ", ".join(repr(e.name) for e in stale[:SHOWN_STALE])
    if len(stale) > SHOWN_STALE:
        names += f" and {len(stale) - SHOWN_STALE} more"
    missing = sum(not e.listed_elsewhere for e in stale)
    absent, unlisted = "name no document here", f"are not on {page.page!r}"
    why = (
        absent
        if missing == len(stale)
        else unlisted
        if not missing
        else (f"{absent} ({missing}) or {unlisted} ({len(stale) - missing})")
    )
    return (
        f"stale policy: {source}, the example profile shipped with novadoclint, describes "
        f"another version of this tree: {len(stale)} of its entries {why}: {names}; "
        f"write this tree's own policy with --write-policy policy.toml --policy-page "
        f"{page.page} and lint with --profile policy.toml"
    )


def _quoted(titles: Sequence[str]) -> str:
    return ", ".join(repr(t) for t in titles)
