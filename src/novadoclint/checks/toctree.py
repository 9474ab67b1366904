"""Rules for toctree entries, orphan documents, documents listed twice."""

from __future__ import annotations

import fnmatch
from collections import deque
from collections.abc import Iterator

from novadoclint.context import Context
from novadoclint.edits import FixSafety
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex, TocLink
from novadoclint.project import generated
from novadoclint.registry import Phase, rule
from novadoclint.resolve import GLOB_RE, Suggestions, docname_join, warning_suppressed
from novadoclint.retarget import toc_fixes

# conf.py settings whose entries start with the document a builder starts from
# (LaTeX, Texinfo, manual pages); epub and singlehtml start from root_doc.
BUILDER_START_SETTINGS = ("latex_documents", "texinfo_documents", "man_pages")


def _at(link: TocLink) -> Location:
    return Location(link.toctree.path, link.entry.line)


def builder_roots(index: FactsIndex) -> frozenset[str]:
    """The documents some Sphinx builder starts from: root_doc and each start document of
    `latex_documents`, `texinfo_documents` and `man_pages` that the tree has."""
    roots = {index.conf.root_doc}
    for key in BUILDER_START_SETTINGS:
        value = index.conf.get(key)
        if isinstance(value, (list, tuple)):
            for entry in value:
                if isinstance(entry, (list, tuple)) and entry and isinstance(entry[0], str):
                    roots.add(entry[0])
    return frozenset(root for root in roots if root in index.docs)


@rule("toctree-entry-missing", Severity.ERROR, Phase.TREE, tags={"toctree"}, fix=FixSafety.UNSAFE)
def toctree_entry_missing(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A toctree entry that names no document, or a `:glob:` pattern that matches none.

    With `--unsafe-fixes`, an entry whose hint names one document, no other
    as close, is replaced by it as the entry was written (its title and
    source suffix kept), unless a toctree lists that document already or
    another missing entry names it too.

    ## Why is this bad?
    Sphinx drops the entry from the navigation and logs "toctree contains
    reference to nonexisting document": the page readers should reach is not
    in the menu. Entries are resolved as Sphinx does: relative to the document
    unless they start with `/`, with or without a source suffix, as
    `Title <target>`. `self`, URLs, `genindex`, `modindex` and `search` are
    fine. An entry naming a document that `exclude_patterns` leaves out, or the
    toctree's own document, is reported with that reason. A document the build
    writes before Sphinx reads (`sphinxcontrib.apidoc`'s or `sphinx.ext.apidoc`'s
    output folder, autosummary's `:toctree:` stubs, a file an enabled extension
    or the docs tox environment writes, `generated-files`) is not missing; one
    it only probably writes is counted by `generated-assumed` instead.

    ## Example
    ```rst
    .. file: index.rst
    Index
    =====

    .. toctree::

       instal
    .. file: install.rst
    Installing
    ==========
    ```

    ## Use instead
    ```rst
    .. file: index.rst
    Index
    =====

    .. toctree::

       install
       Python <https://www.python.org>
    .. file: install.rst
    Installing
    ==========
    ```
    """
    values = index.conf.values
    suggest = Suggestions((*index.docs, *generated.of(index, ctx).docnames()))
    # by identity: a TocLink hashes its whole toctree (100,000 entries: quadratic)
    written = {id(link) for link, _ in generated_entries(index, ctx)}
    links = [link for link in index.toc_links if id(link) not in written]
    fixes = toc_fixes(index, suggest, links)
    for link in links:  # the build writes the others (generated-assumed says when probably)
        status, name = link.status, link.target
        if status in ("missing", "own") and not warning_suppressed(values, "toc", "not_readable"):
            message = _missing_message(suggest, link)
            yield Hit(_at(link), message, cause=link.parent, fix=fixes.get(id(link)))
        elif status == "excluded" and not warning_suppressed(values, "toc", "excluded"):
            yield Hit(
                _at(link),
                f"toctree contains reference to excluded document {name!r}; "
                "exclude_patterns in conf.py leaves it out of the build",
                cause=link.parent,
            )
        elif status == "empty-glob":
            yield Hit(
                _at(link),
                f"toctree glob pattern {link.entry.target!r} didn't match any documents",
                cause=link.parent,
            )


def generated_entries(
    index: FactsIndex, ctx: Context
) -> Iterator[tuple[TocLink, generated.Generator]]:
    """(link, its writer) for each missing entry or empty glob the build fills."""
    output = generated.of(index, ctx)
    for link in index.toc_links:
        if link.status == "missing":
            found = output.doc(link.target)
        elif link.status == "empty-glob":
            found = _glob_writer(output, link.target)
        else:
            continue
        if found is not None:
            yield link, found


def _glob_writer(output: generated.BuildOutput, pattern: str) -> generated.Generator | None:
    """A writer whose files a toctree glob would match once written."""
    for writer in output.generators:
        if writer.folder is not None and (
            writer.folder == "" or pattern.startswith(writer.folder + "/")
        ):
            return writer
        for suffix in output.suffixes:
            if any(fnmatch.fnmatchcase(f, pattern + suffix) for f in writer.files):
                return writer
    return None


def _missing_message(suggest: Suggestions, link: TocLink) -> str:
    name = link.target
    text = f"toctree contains reference to nonexisting document {name!r}"
    if link.status == "own":
        return text + "; a toctree cannot list its own document (write 'self')"
    if not link.toctree.glob and GLOB_RE.match(link.entry.target):
        return text + "; add the :glob: option to expand a pattern"
    return text + suggest.hint(name, besides=link.parent)


@rule("toctree-entry-duplicate", Severity.WARNING, Phase.TREE, tags={"toctree"})
def toctree_entry_duplicate(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A document listed twice in one toctree.

    ## Why is this bad?
    The page shows up twice in the same menu, and Sphinx warns "duplicated
    entry found in toctree" (a warning: `sphinx-build -W` fails). Entries are
    compared as the documents they name, so `install` and `install.rst` are
    the same entry, and a `:glob:` pattern that matches a document also listed
    by name repeats it. A document listed in toctrees of different places is
    `toctree-duplicate`.

    ## Example
    ```rst
    .. file: index.rst
    Index
    =====

    .. toctree::

       install
       admin
       install
    .. file: install.rst
    Installing
    ==========
    .. file: admin.rst
    Admin
    =====
    ```

    ## Use instead
    ```rst
    .. file: index.rst
    Index
    =====

    .. toctree::

       install
       admin
    .. file: install.rst
    Installing
    ==========
    .. file: admin.rst
    Admin
    =====
    ```
    """
    if warning_suppressed(index.conf.values, "toc", "duplicate_entry"):
        return
    for link in index.toc_links:
        if link.status == "duplicate":
            yield Hit(
                _at(link),
                f"duplicated entry found in toctree: {link.target}; remove this entry",
                cause=link.parent,
            )


@rule("toctree-duplicate", Severity.INFO, Phase.TREE, tags={"toctree"})
def toctree_duplicate(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A document listed in the toctrees of several places.

    ## Why is this bad?
    A document has one place in the navigation: Sphinx picks one parent for
    its breadcrumbs and previous/next links and logs "document is referenced in
    multiple toctrees"; the other entry leads readers to a page whose menu says
    they are somewhere else. Sphinx logs this at INFO only (the build passes
    with `-W`), so the finding is `info`. The toctrees of a document another
    builder starts from (the first item of a `latex_documents`,
    `texinfo_documents` or `man_pages` entry, other than `root_doc`) that no
    toctree lists repeat the HTML root's by design and are not counted as a
    second place; a start document the HTML navigation lists still counts. A
    document listed twice in one toctree is `toctree-entry-duplicate`.

    ## Example
    ```rst
    .. file: index.rst
    Index
    =====

    .. toctree::

       install
       admin
    .. file: admin.rst
    Admin
    =====

    .. toctree::

       install
    .. file: install.rst
    Installing
    ==========
    ```

    ## Use instead
    ```rst
    .. file: index.rst
    Index
    =====

    .. toctree::

       install
       admin
    .. file: admin.rst
    Admin
    =====

    See also :doc:`install`.
    .. file: install.rst
    Installing
    ==========
    ```
    """
    if warning_suppressed(index.conf.values, "toc", "multiple_toc_parents"):
        return
    # a start document outside the HTML navigation: its toctrees repeat the root's
    second_roots = {
        root
        for root in builder_roots(index)
        if root != index.conf.root_doc and root not in index.toc_parents
    }
    for child in sorted(index.toc_parents):
        listed = [link for link in index.toc_parents[child] if link.status != "duplicate"]
        links = [link for link in listed if link.parent not in second_roots]
        toctrees = {(link.toctree.path, link.toctree.line) for link in links}
        if len(toctrees) < 2:
            continue
        parents = [link.parent for link in listed]  # Sphinx's list names every parent
        yield Hit(
            _at(links[1]),
            f"document is referenced in multiple toctrees: {parents}, selecting: "
            f"{max(parents)} <- {child}; keep one entry and link to it elsewhere with :doc:",
            cause=links[0].parent,  # reported at the second listing: a change to either shows it
        )


@rule("orphan-document", Severity.WARNING, Phase.TREE, tags={"toctree"})
def orphan_document(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A document that no toctree lists, not marked `:orphan:`.

    ## Why is this bad?
    Sphinx builds the page but nothing in the navigation leads to it, and logs
    "document isn't included in any toctree". Like Sphinx
    (`BuildEnvironment.check_consistency`), this skips the root document,
    documents pulled into others with `include`, and documents whose metadata
    says `:orphan:`; a toctree in any document counts, even an orphan one
    (`unreachable-document` checks the stricter path from the root), and so
    does the hidden toctree of an `autosummary` directive with `:toctree:`,
    which lists the stub page of each of its entries.

    ## Example
    ```rst
    .. file: index.rst
    Index
    =====
    .. file: install.rst
    Installing
    ==========
    ```

    ## Use instead
    ```rst
    .. file: index.rst
    Index
    =====

    .. toctree::

       install
    .. file: install.rst
    Installing
    ==========
    ```
    """
    if warning_suppressed(index.conf.values, "toc", "not_included"):
        return
    listed, included = index.toc_parents, index.included_docs
    stubs = {child for children in autosummary_toctrees(index).values() for child in children}
    for docname in sorted(index.docs):
        if docname in listed or docname == index.conf.root_doc or docname in included:
            continue
        if docname in stubs:
            continue
        doc = index.docs[docname]
        if doc.orphan:
            continue
        yield Hit(
            Location(doc.path, 1),
            "document isn't included in any toctree; "
            "list it in a toctree or mark it :orphan: at its top",
            cause=docname,
        )


@rule("unreachable-document", Severity.WARNING, Phase.TREE, enabled=False, tags={"toctree"})
def unreachable_document(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A document listed only in toctrees that the root document does not lead to.

    ## Why is this bad?
    Sphinx is content when *some* toctree lists a document, even one on an
    orphan page, so it stays quiet; yet no path from the front page's
    navigation reaches it. This stricter variant of `orphan-document` follows
    the toctrees from `root_doc` (`master_doc`) and from the documents other
    builders start from (`latex_documents`, `texinfo_documents`, `man_pages`);
    it skips documents marked `:orphan:` and those pulled in with `include`.
    Off by default: sites with
    deliberate side trees (landing pages linked from outside) would see noise.

    ## Example
    ```rst
    .. file: index.rst
    Index
    =====
    .. file: extra.rst
    :orphan:

    Extra
    =====

    .. toctree::

       install
    .. file: install.rst
    Installing
    ==========
    ```

    ## Use instead
    ```rst
    .. file: index.rst
    Index
    =====

    .. toctree::

       install
    .. file: extra.rst
    :orphan:

    Extra
    =====

    See :doc:`install`.
    .. file: install.rst
    Installing
    ==========
    ```
    """
    root = index.conf.root_doc
    if root not in index.docs:
        return
    reachable, included = _reachable(index, builder_roots(index)), index.included_docs
    stubs = autosummary_toctrees(index)
    for docname in sorted({*index.toc_parents, *(c for cs in stubs.values() for c in cs)}):
        if docname in reachable or docname in included or docname not in index.docs:
            continue
        doc = index.docs[docname]
        if doc.orphan:
            continue
        parents = sorted(
            {link.parent for link in index.toc_parents.get(docname, ())}
            | {parent for parent, children in stubs.items() if docname in children}
        )
        yield Hit(
            Location(doc.path, 1),
            f"document isn't reachable from the root document {root!r}: only toctrees "
            f"outside the tree list it ({', '.join(parents)}); list it in one the root leads to",
            cause=docname,
        )


def autosummary_toctrees(index: FactsIndex) -> dict[str, tuple[str, ...]]:
    """Document -> the stub pages its ``autosummary`` directives' toctrees list.

    sphinx.ext.autosummary.Autosummary.run: with ``:toctree:``, each entry's
    page (the folder relative to the document, the entry's full name) goes
    into a hidden toctree when it is a document of the tree, generated or
    committed. The full name is what Python import resolves; an entry written
    short (``helper`` under a current module) matches the stub whose name ends
    in ``.helper``.
    """
    found: dict[str, tuple[str, ...]] = {}
    if "sphinx.ext.autosummary" not in index.conf.extensions:
        return found
    stems: dict[str, list[str]] = {}
    for doc in index.docs:
        folder, _, stem = doc.rpartition("/")
        stems.setdefault(folder, []).append(stem)
    for docname in sorted(index.docs):
        children: list[str] = []
        for directive in index.docs[docname].directives:
            toctree = dict(directive.options).get("toctree")
            if directive.name != "autosummary" or toctree is None:
                continue
            folder = docname_join(docname, toctree.strip() or ".")
            for line in directive.content.splitlines():
                words = line.split()
                if not words or line.lstrip().startswith(":"):
                    continue
                name = words[0].lstrip("~")
                children += [
                    f"{folder}/{stem}" if folder else stem
                    for stem in stems.get(folder, ())
                    if stem == name or stem.endswith("." + name)
                ]
        if children:
            found[docname] = tuple(dict.fromkeys(children))
    return found


def _reachable(index: FactsIndex, roots: frozenset[str]) -> frozenset[str]:
    """Documents the toctrees (autosummary's too) lead to from any of ``roots``."""
    stubs = autosummary_toctrees(index)
    seen = set(roots)
    queue = deque(sorted(roots))
    while queue:
        parent = queue.popleft()
        for child in (*index.toctree_includes.get(parent, ()), *stubs.get(parent, ())):
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return frozenset(seen)
