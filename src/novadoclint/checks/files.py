"""Rules for files the documents name: includes, literal includes, files outside the project.

The walk for files that are not there (includes, images, downloads) is shared
with image-missing, in checks/images.py with the other image rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from novadoclint.context import Context
from novadoclint.facts import DocFacts
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.project import generated
from novadoclint.project.discover import excluded
from novadoclint.registry import Phase, rule
from novadoclint.resolve import (
    Suggestions,
    is_remote,
    relfn2path,
    warning_suppressed,
    wildcard_candidates,
    xref_disabled,
)

DOWNLOAD_ROLES = frozenset({"download", "std:download"})


def suggestions(index: FactsIndex, ctx: Context) -> Suggestions:
    """Every file that exists, or that the build will write (named, not globbed)."""
    written = (f for g in generated.of(index, ctx).generators for f in g.files if "*" not in f)
    return Suggestions((*index.files, *written))


def file_hint(index: FactsIndex, suggest: Suggestions, path: str) -> str:
    extension = index.generators_disabled.get(path)
    if extension is not None:
        return f"; {extension} writes it at build time: enable it in conf.py"
    return suggest.hint(path)


@rule("include-missing", Severity.ERROR, Phase.TREE, tags={"files"})
def include_missing(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """An `include` or `literalinclude` of a file that does not exist.

    ## Why is this bad?
    Sphinx stops reading the directive with a severe error (`include`) or a
    warning (`literalinclude`) and the text or code readers need is missing
    from the page. Paths are resolved as Sphinx does: `/x` from the source
    dir, anything else from the folder of the document being read. Files the
    build writes before Sphinx reads them are not missing: an enabled
    extension's (`oslo_config.sphinxconfiggen`'s
    `<sample_config_basename>.conf.sample`, `oslo_policy.sphinxpolicygen`'s
    `<basename>.policy.yaml.sample`), a local extension's or conf.py's, or a
    command's of the docs tox environment run before `sphinx-build`; those
    it only probably writes are counted by `generated-assumed`.

    ## Options
    `generated-files`: globs (relative to the source dir) of other files the
    build writes before reading, never reported.

    ## Example
    ```rst
    .. file: index.rst
    .. include:: snippets/warnng.txt
    .. file: snippets/warning.txt
    Mind the gap.
    ```

    ## Use instead
    ```rst
    .. file: index.rst
    .. include:: snippets/warning.txt
    .. file: snippets/warning.txt
    Mind the gap.
    ```

    ## Known problems
    A file that includes itself, directly or through others, is reported by
    `rst-syntax` ("circular inclusion"), as docutils words it, once for each
    document that enters the cycle.
    """
    suggest = suggestions(index, ctx)
    for miss in file_misses(index, ctx):
        if miss.kind == "include" and miss.writer is None:
            yield Hit(
                miss.at,
                f"include file {miss.path!r} not found{file_hint(index, suggest, miss.path)}",
                cause=miss.docname,
            )


@dataclass(frozen=True, slots=True)
class FileMiss:
    """A file a document names that the checkout lacks, and who may write it at build time."""

    docname: str
    at: Location
    kind: str  # include, image, download
    path: str  # source-dir-relative, canonical
    writer: generated.Generator | None


def file_misses(index: FactsIndex, ctx: Context) -> Iterator[FileMiss]:
    """Includes, images and downloads whose file is not there, in document order.

    Paths are resolved as Sphinx does (relfn2path). ``writer`` is the
    generator that writes the file before Sphinx reads it, if any.
    """
    values = index.conf.values
    images_on = not warning_suppressed(values, "image", "not_readable")
    downloads_on = not warning_suppressed(values, "download", "not_readable")
    output = generated.of(index, ctx)
    for docname in sorted(index.docs):
        doc = index.docs[docname]
        for include in doc.includes:
            target = include.target
            if include.directive == "include" and (include.found or target.startswith("<")):
                continue
            path = index.canonical(relfn2path(target, doc.path))
            if include.directive != "include" and index.exists(path):
                continue
            at = Location(include.path, include.line)
            yield FileMiss(docname, at, "include", path, output.file(path))
        for image in doc.images if images_on else ():
            if is_remote(image.target):
                continue
            path = index.canonical(relfn2path(image.target, doc.path))
            if path.endswith(".*") and wildcard_candidates(path, index.files):
                continue
            if not path.endswith(".*") and index.exists(path):
                continue
            at = Location(image.path, image.line)
            yield FileMiss(docname, at, "image", path, output.file(path))
        for ref in doc.refs if downloads_on else ():
            if ref.role not in DOWNLOAD_ROLES or xref_disabled(ref.title, ref.target):
                continue
            if is_remote(ref.target):
                continue
            path = index.canonical(relfn2path(ref.target, doc.path))
            if index.exists(path):
                continue
            at = Location(ref.path, ref.line, ref.column)
            yield FileMiss(docname, at, "download", path, output.file(path))


@rule("include-outside-project", Severity.ERROR, Phase.TREE, tags={"files", "security"})
def include_outside_project(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A file named by a document, or a symbolic link in the tree, outside the project.

    ## Why is this bad?
    A documentation pull request can name any file on the machine that builds
    it: `.. include:: ../../../../etc/passwd`, a `literalinclude`, a `:file:`
    option of `raw` or `csv-table`, an image, a download, a diagram file, or
    a document that is a symbolic link to `~/.ssh/id_rsa`. Sphinx reads the
    file into the page, or copies it into the published site, and a linter
    that reads it quotes its lines in findings (and answers, through
    `:start-after:`, whether a string occurs in it). novadoclint reads nothing
    outside the project and reports the directive instead; the message is
    the same whether the file exists or not.

    The project is the repository holding the source dir: the nearest folder
    at or above it with a `.git` entry (not in the home folder or at `/`);
    without one, the nearest holding `setup.py`, `setup.cfg`,
    `pyproject.toml` or `tox.ini`; else the source dir itself. Paths are
    resolved as Sphinx resolves them (`..` first), then symbolic links are
    followed only while they stay inside. So nova's
    `.. include:: ../../etc/nova/rootwrap.conf` from `doc/source` is fine, and
    so is a link to another folder of the repository. A symbolic link that
    leads outside is reported where it sits (not followed: a linked folder is
    not searched for documents), unless `exclude_patterns` excludes it.

    ## Example
    ```rst
    .. include:: ../../../../../../../../etc/passwd
    ```

    ## Use instead
    ```rst
    .. file: index.rst
    .. include:: snippets/accounts.txt
    .. file: snippets/accounts.txt
    Accounts are listed in the admin guide.
    ```
    """
    for docname in sorted(index.docs):
        doc = index.docs[docname]
        for outside in doc.outside:
            yield _outside_hit(
                outside.path, outside.line, 1, outside.directive, outside.target, doc
            )
        yield from _outside_names(index, doc)
    for path in index.outside_links:
        if not excluded(index.conf, path):
            message = f"{path!r} is a symbolic link leading outside the project; not followed"
            yield Hit(Location(path, 1), message)


def _outside_names(index: FactsIndex, doc: DocFacts) -> Iterator[Hit]:
    """Files Sphinx's directives and roles name, checked from the facts: nothing is read.

    (``include``, ``raw``, ``csv-table`` and diagram files are the parser's: see Outside.)
    """
    for include in doc.includes:
        if include.directive != "include" and index.leaves(relfn2path(include.target, doc.path)):
            yield _outside_hit(
                include.path, include.line, 1, include.directive, include.target, doc
            )
    for image in doc.images:
        if not is_remote(image.target) and index.leaves(relfn2path(image.target, doc.path)):
            yield _outside_hit(image.path, image.line, 1, "image", image.target, doc)
    for ref in doc.refs:
        if ref.role not in DOWNLOAD_ROLES or xref_disabled(ref.title, ref.target):
            continue
        if not is_remote(ref.target) and index.leaves(relfn2path(ref.target, doc.path)):
            yield _outside_hit(ref.path, ref.line, ref.column, "download", ref.target, doc)


def _outside_hit(path: str, line: int, column: int, kind: str, target: str, doc: DocFacts) -> Hit:
    message = f"{kind} file {target!r} is outside the project; not read"
    return Hit(Location(path, line, column), message, cause=doc.docname)


ASSUMED_SHOWN = 5  # targets quoted in a generated-assumed finding


@rule("generated-assumed", Severity.INFO, Phase.TREE, tags={"files", "toctree", "references"})
def generated_assumed(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """Missing files and documents taken to be written at build time, said once per writer.

    ## Why is this bad?
    It may be a mistake. A toctree entry, `:doc:`, `include`, image or
    download naming something the checkout lacks is not reported where the
    build certainly writes it (`sphinxcontrib.apidoc`'s `apidoc_output_dir`,
    `sphinx.ext.apidoc`'s destinations, autosummary's `:toctree:` stubs,
    sphinx-autoapi's and sphinx-gallery's folders, sphinx-apidoc run from
    conf.py, an enabled extension's known output, a file the docs tox
    environment writes before `sphinx-build`, `generated-files`). Where it
    only probably does, novadoclint cannot know, so instead of an error at
    each use it says once per writer what it took on trust: a local
    extension (or conf.py) whose code writes into that folder, a path the
    docs tox environment deletes before building, or a doc8 `ignore-path` or
    `.gitignore` entry naming a path the checkout lacks. A near miss of a
    real file outside the writer's folder is still reported by its rule.
    Listing the paths in `generated-files` says they are generated.

    ## Example
    ```rst
    .. conf.py: import sys, os; sys.path.insert(0, os.path.abspath('_exts')); extensions = ['profile']
    .. file: index.rst
    .. toctree::

       generated/profile
    .. file: _exts/profile.py
    import os
    def builder_inited(app):
        with open(os.path.join(app.srcdir, 'generated', app.config.name), 'w') as f:
            f.write('Profile\\n=======\\n')
    ```

    ## Use instead
    ```rst
    .. conf.py: import sys, os; sys.path.insert(0, os.path.abspath('_exts')); extensions = ['profile']
    .. file: index.rst
    .. toctree::

       generated/profile
    .. file: _exts/profile.py
    import os
    def builder_inited(app):
        with open(os.path.join(app.srcdir, 'generated', 'profile.rst'), 'w') as f:
            f.write('Profile\\n=======\\n')
    ```
    """
    from novadoclint.checks.references import generated_doc_refs
    from novadoclint.checks.toctree import generated_entries

    uses: list[tuple[Location, str, str | None, generated.Generator]] = []
    for link, writer in generated_entries(index, ctx):
        at = Location(link.toctree.path, link.entry.line)
        uses.append((at, link.target, link.parent, writer))
    for docname, ref, writer in generated_doc_refs(index, ctx):
        uses.append((Location(ref.path, ref.line, ref.column), ref.target, docname, writer))
    for miss in file_misses(index, ctx):
        if miss.writer is not None:
            uses.append((miss.at, miss.path, miss.docname, miss.writer))
    by_writer: dict[generated.Generator, list[tuple[Location, str, str | None]]] = {}
    for at, target, cause, writer in sorted(uses, key=lambda u: (u[0], u[1])):
        if not writer.certain:
            by_writer.setdefault(writer, []).append((at, target, cause))
    for writer, found in by_writer.items():
        at, _, cause = found[0]
        targets = sorted({target for _, target, _ in found})
        shown = ", ".join(repr(t) for t in targets[:ASSUMED_SHOWN])
        more = f" and {len(targets) - ASSUMED_SHOWN} more" if len(targets) > ASSUMED_SHOWN else ""
        count = f"{len(targets)} target{'' if len(targets) == 1 else 's'}"
        used = f"{len(found)} use{'' if len(found) == 1 else 's'}"
        yield Hit(
            at,
            f"{count} not in the checkout ({used}) taken to be written at build time, "
            f"as {writer.name}: {shown}{more}; if they are, list them in generated-files",
            cause=cause,
        )
