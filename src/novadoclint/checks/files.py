"""Rules for files the documents name: includes, literal includes, images, downloads."""

from __future__ import annotations

from collections.abc import Iterator

from novadoclint.context import Context
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.registry import Phase, rule
from novadoclint.resolve import (
    Suggestions,
    is_remote,
    matches_any,
    relfn2path,
    warning_suppressed,
    wildcard_candidates,
    xref_disabled,
)

DOWNLOAD_ROLES = frozenset({"download", "std:download"})


def _generated(index: FactsIndex, ctx: Context, path: str) -> bool:
    """Written at build time by an enabled extension, or declared in generated-files."""
    generated = index.generated_files
    return path in generated or matches_any(path, (*generated, *ctx.settings.generated_files))


def _suggestions(index: FactsIndex) -> Suggestions:
    """Every file that exists, or that an enabled extension will write."""
    return Suggestions((*index.files, *(g for g in index.generated_files if "*" not in g)))


def _hint(index: FactsIndex, suggest: Suggestions, path: str) -> str:
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
    dir, anything else from the folder of the document being read. Files an
    enabled extension writes at build time (`oslo_config.sphinxconfiggen`'s
    `<sample_config_basename>.conf.sample`, `oslo_policy.sphinxpolicygen`'s
    `<basename>.policy.yaml.sample`) are not missing.

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
    suggest = _suggestions(index)
    for docname in sorted(index.docs):
        doc = index.docs[docname]
        for include in doc.includes:
            target = include.target
            if include.directive == "include" and (include.found or target.startswith("<")):
                continue
            path = index.canonical(relfn2path(target, doc.path))
            if include.directive != "include" and index.exists(path):
                continue
            if _generated(index, ctx, path):
                continue
            yield Hit(
                Location(include.path, include.line),
                f"include file {path!r} not found{_hint(index, suggest, path)}",
                cause=docname,
            )


@rule("image-missing", Severity.ERROR, Phase.TREE, tags={"files"})
def image_missing(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """An `image`, `figure` or `:download:` whose file does not exist.

    ## Why is this bad?
    Sphinx logs "image file not readable" or "download file not readable"
    and the page shows a broken image or a dead link. Paths are resolved as
    Sphinx does: `/x` from the source dir, anything else from the folder of the
    document being read. `name.*` stands for any existing `name.<ext>` (Sphinx
    picks the format each builder supports); it is reported when no file
    matches. URLs are not checked here.

    ## Options
    `generated-files`: globs (relative to the source dir) of files the build
    writes before reading, never reported.

    ## Example
    ```rst
    .. file: index.rst
    .. image:: images/achitecture.png

    Get the :download:`sample <samples/nova.conf>`.
    .. file: images/architecture.png
    not really a png
    ```

    ## Use instead
    ```rst
    .. file: index.rst
    .. image:: images/architecture.png

    Get the :download:`sample <samples/nova.conf>`.
    .. file: images/architecture.png
    not really a png
    .. file: samples/nova.conf
    [DEFAULT]
    ```

    ## Known problems
    Language-specific images (`figure_language_filename`) are not looked for.
    `name.*` with no file is reported although Sphinx's `dummy` builder stays
    quiet; the HTML builder warns "a suitable image for html builder not found".
    """
    values = index.conf.values
    images_on = not warning_suppressed(values, "image", "not_readable")
    downloads_on = not warning_suppressed(values, "download", "not_readable")
    suggest = _suggestions(index)
    for docname in sorted(index.docs):
        doc = index.docs[docname]
        for image in doc.images if images_on else ():
            if is_remote(image.target):
                continue
            path = index.canonical(relfn2path(image.target, doc.path))
            if path.endswith(".*"):
                if wildcard_candidates(path, index.files):
                    continue
                message = f"image file not readable: {path}; no file matches it"
            elif index.exists(path) or _generated(index, ctx, path):
                continue
            else:
                message = f"image file not readable: {path}{_hint(index, suggest, path)}"
            yield Hit(Location(image.path, image.line), message, cause=docname)
        for ref in doc.refs if downloads_on else ():
            if ref.role not in DOWNLOAD_ROLES or xref_disabled(ref.title, ref.target):
                continue
            if is_remote(ref.target):
                continue
            path = index.canonical(relfn2path(ref.target, doc.path))
            if index.exists(path) or _generated(index, ctx, path):
                continue
            yield Hit(
                Location(ref.path, ref.line, ref.column),
                f"download file not readable: {path}{_hint(index, suggest, path)}",
                cause=docname,
            )
