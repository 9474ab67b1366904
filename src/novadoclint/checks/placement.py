"""Where pages sit on index pages: section-placement, an index page against a placement policy.

A pure function of one index page's facts, read through project/indexpage.py
(as index-list-toctree-mismatch and ``--write-policy`` read it), and of the
policy (project/policy.py). A stale entry of a policy file is reported at its
line in that file.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from novadoclint.context import Context
from novadoclint.facts import DocFacts
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.project.indexpage import Entry, body_label, body_sections, entries
from novadoclint.project.policy import IndexPolicy
from novadoclint.registry import Phase, rule
from novadoclint.resolve import doc_hint

GLOB_CHARS = frozenset("*?[")


@rule("section-placement", Severity.WARNING, Phase.TREE, tags={"placement"})
def section_placement(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """An index page whose sections or page placement differ from the active policy.

    A policy (`--profile nova`, or a policy file: `--profile my-policy.toml`)
    declares index pages, their sections in order, and which section places
    each document of the page's folder. The rule reports an unknown, missing,
    renamed, duplicated or misordered section heading; a page placed in
    another section than the policy gives it; a page of the folder placed
    nowhere; a page placed in two sections or listed twice in one; and policy
    entries that name no document. A page is placed in a section by a `:doc:`
    list item or a toctree entry in it (or in one of its subsections).
    Without an active profile the rule does nothing.

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
        yield from _check_index(index, page, ctx.policy.source)


def _check_index(index: FactsIndex, page: IndexPolicy, source: str) -> Iterator[Hit]:
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
    yield from _stale_names(index, doc, page, heading, title_line, source)


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


def _stale_names(
    index: FactsIndex,
    doc: DocFacts,
    page: IndexPolicy,
    heading: dict[str, int],
    title_line: int,
    source: str,
) -> Iterator[Hit]:
    """Policy entries naming no document: the policy went stale when a page moved."""
    for section in page.sections:
        for name in section.documents:
            if GLOB_CHARS.isdisjoint(name) and name not in index.docs:
                yield Hit(
                    Location(doc.path, heading.get(section.title, title_line)),
                    f"stale policy: {source} places {name!r} under {section.title!r}, but it "
                    f"is no document{doc_hint(name, index.docs)}",
                )
    for name in page.elsewhere:
        if GLOB_CHARS.isdisjoint(name) and name not in index.docs:
            yield Hit(
                Location(doc.path, title_line),
                f"stale policy: {source} lists {name!r} under 'elsewhere', but it is no "
                f"document{doc_hint(name, index.docs)}",
            )


def _quoted(titles: Sequence[str]) -> str:
    return ", ".join(repr(t) for t in titles)
