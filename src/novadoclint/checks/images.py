"""Rules for images: files missing, formats the HTML builder can show, alt text, image files nothing uses."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from novadoclint.checks.files import file_hint, file_misses, suggestions
from novadoclint.context import Context
from novadoclint.facts import DocFacts
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.project.discover import compile_matchers
from novadoclint.registry import Phase, rule
from novadoclint.resolve import relfn2path, wildcard_candidates

# What a browser shows in an <img>: Sphinx's HTML builder copies any other file
# as it is and the page shows a broken image.
BROWSER_SUFFIXES = frozenset(
    {".png", ".apng", ".gif", ".jpg", ".jpeg", ".svg", ".webp", ".avif", ".bmp", ".ico"}
)
# What the HTML builder picks among the files a 'name.*' wildcard matches
# (StandaloneHTMLBuilder.supported_image_types, by suffix as Sphinx guesses it).
HTML_CANDIDATE_SUFFIXES = frozenset({".svg", ".png", ".gif", ".jpg", ".jpeg", ".webp"})
# sphinx.ext.imgconverter turns these into PNG for builders that cannot show them.
CONVERTED_SUFFIXES = frozenset({".pdf", ".svg", ".gif", ".webp"})
# Files image-unused looks at: pictures, not the sources they are exported from
# (.dia, .graffle, .vsd, .graphml, .drawio sit next to their exports on purpose).
IMAGE_SUFFIXES = BROWSER_SUFFIXES | frozenset({".svgz", ".tif", ".tiff"})
# conf.py settings naming folders copied to the output as they are, or read by the theme.
ASSET_FOLDERS = ("html_static_path", "html_extra_path", "templates_path", "html_theme_path")


def _suffix(path: str) -> str:
    return posixpath.splitext(path)[1].lower()


def _images(index: FactsIndex) -> Iterator[tuple[DocFacts, str, str, int, str]]:
    """(document, written target, resolved path, line, file) of every local image."""
    for docname in sorted(index.docs):
        doc = index.docs[docname]
        for image in doc.images:
            yield doc, image.target, relfn2path(image.target, doc.path), image.line, image.path


@rule("image-missing", Severity.ERROR, Phase.TREE, tags={"files"})
def image_missing(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """An `image`, `figure` or `:download:` whose file does not exist.

    ## Why is this bad?
    Sphinx logs "image file not readable" or "download file not readable"
    and the page shows a broken image or a dead link. Paths are resolved as
    Sphinx does: `/x` from the source dir, anything else from the folder of the
    document being read. `name.*` stands for any existing `name.<ext>` (Sphinx
    picks the format each builder supports); it is reported when no file
    matches. URLs are not checked here. Files the build writes before Sphinx
    reads (see `include-missing`) are not missing.

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
    suggest = suggestions(index, ctx)
    for miss in file_misses(index, ctx):
        if miss.kind == "include" or miss.writer is not None:
            continue
        path = miss.path
        if miss.kind == "download":
            message = f"download file not readable: {path}{file_hint(index, suggest, path)}"
        elif path.endswith(".*"):
            message = f"image file not readable: {path}; no file matches it"
        else:
            message = f"image file not readable: {path}{file_hint(index, suggest, path)}"
        yield Hit(miss.at, message, cause=miss.docname)


@rule("image-format", Severity.ERROR, Phase.TREE, tags={"images"})
def image_format(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """An image the HTML builder cannot show: a source format, or a wildcard with no usable file.

    ## Why is this bad?
    Sphinx copies an image it cannot convert as it is, so a `.dia`, `.graffle`,
    `.vsd` or `.pdf` file named directly gives a broken image in every browser,
    and the build does not say a word. An image ending in `.*` is Sphinx's way
    to pick a format per builder; when none of the files it matches is SVG,
    PNG, GIF, JPEG or WebP, the HTML builder warns `a suitable image for html
    builder not found` and shows nothing (a wildcard matching no file at all
    is `image-missing`'s). With `sphinx.ext.imgconverter` enabled, PDF files
    are converted and accepted.

    ## Example
    ```rst
    .. file: index.rst
    .. figure:: figures/architecture.dia

       The services and the queues between them.
    .. file: figures/architecture.dia
    <dia:diagram/>
    ```

    ## Use instead
    ```rst
    .. file: index.rst
    .. figure:: figures/architecture.svg

       The services and the queues between them.
    .. file: figures/architecture.svg
    <svg xmlns="http://www.w3.org/2000/svg"/>
    ```

    ## Known problems
    A `.*` wildcard outside the source dir is not checked. Files are judged by
    their suffix, as Sphinx guesses their type; a file without one is not judged.
    """
    converter = "sphinx.ext.imgconverter" in ctx.sphinx.extensions
    direct = BROWSER_SUFFIXES | (CONVERTED_SUFFIXES if converter else frozenset())
    wildcard = HTML_CANDIDATE_SUFFIXES | (CONVERTED_SUFFIXES if converter else frozenset())
    for doc, target, path, line, file in _images(index):
        if path.endswith(".*"):
            if path.startswith("../"):
                continue
            found = wildcard_candidates(path, index.files)
            if not found or any(_suffix(f) in wildcard for f in found):
                continue  # no file at all is image-missing's
            names = ", ".join(posixpath.basename(f) for f in found)
            yield Hit(
                Location(file, line),
                f"a suitable image for html builder not found: {target!r} (only {names}); "
                "add an SVG or PNG export next to them",
                cause=doc.docname,
            )
            continue
        suffix = _suffix(path)
        if suffix and suffix not in direct:
            yield Hit(
                Location(file, line),
                f"image {target!r} is a {suffix} file, which browsers cannot show; "
                "export it to SVG or PNG and use that",
                cause=doc.docname,
            )


@rule("image-alt-missing", Severity.INFO, Phase.TREE, enabled=False, tags={"images"})
def image_alt_missing(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """An image or figure without `:alt:` text.

    ## Why is this bad?
    Screen readers announce the file name instead of what the picture shows,
    and readers whose images do not load see nothing. A figure's caption is
    not its alt text. An explicit empty `:alt:` (a decorative image) is fine,
    and an image in a substitution (`.. |logo| image:: ...`) gets the
    substitution's name as its alt text.

    ## Example
    ```rst
    .. file: index.rst
    .. image:: flow.png
    .. file: flow.png
    png
    ```

    ## Use instead
    ```rst
    .. file: index.rst
    .. image:: flow.png
       :alt: The conductor asks the scheduler for a host, then casts to it.
    .. file: flow.png
    png
    ```

    ## Known problems
    Remote images (`https://...`) are not checked.
    """
    for doc in (index.docs[d] for d in sorted(index.docs)):
        for image in doc.images:
            if not image.alt:
                yield Hit(
                    Location(image.path, image.line),
                    f"{image.directive} {image.target!r} has no alt text; "
                    "add an :alt: option saying what it shows",
                    cause=doc.docname,
                )


@rule("image-unused", Severity.INFO, Phase.TREE, enabled=False, tags={"images"})
def image_unused(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """An image file in the source dir that no document, figure, download or setting uses.

    ## Why is this bad?
    It is dead weight in the repository, and usually the sign of a page that
    shows an outdated picture (the new one was added, the reference never
    changed) or of a reference that was lost in an edit. Used means: named by
    an `image` or `figure` (a `.*` wildcard uses every file it matches), a
    `:download:`, an `include` or `literalinclude`, a diagram directive, or
    any string in conf.py (`html_logo`, `html_favicon`, theme options...).

    ## Example
    ```rst
    .. file: index.rst
    .. image:: flow-v2.png
       :alt: The new flow.
    .. file: flow-v2.png
    png
    .. file: flow-v1.png
    png
    ```

    ## Use instead
    ```rst
    .. file: index.rst
    .. image:: flow-v2.png
       :alt: The new flow.
    .. file: flow-v2.png
    png
    ```

    ## Known problems
    Not reported: files under `html_static_path`, `html_extra_path`,
    `templates_path` and `html_theme_path` (the theme, CSS or a template may
    use them), files matching `exclude_patterns`, files with the same name
    and another suffix as a used image in the same folder (another export of
    it), and source formats (`.dia`, `.graffle`, `.vsd`...). Images named in
    raw HTML are not seen.
    """
    used = _used_files(index)
    stems = {posixpath.splitext(path)[0] for path in used}
    conf = ctx.sphinx
    exempt = [p.rstrip("/") for key in ASSET_FOLDERS for p in conf.strings(key)]
    excluded = compile_matchers(conf.strings("exclude_patterns"))
    for path in sorted(index.files):
        if _suffix(path) not in IMAGE_SUFFIXES or path in used:
            continue
        if posixpath.splitext(path)[0] in stems:
            continue
        if any(path == e or path.startswith(e + "/") for e in exempt if e not in ("", ".")):
            continue
        if any(m.match(path) for m in excluded):
            continue
        yield Hit(Location(path, 1), "image file that nothing uses; use it or remove it")


def _used_files(index: FactsIndex) -> set[str]:
    """Every file a document or conf.py names, resolved as Sphinx resolves it."""
    used = set(_conf_paths(index.conf.values, index.files))
    for _doc, _, path, _, _ in _images(index):
        used.update(wildcard_candidates(path, index.files) if path.endswith(".*") else [path])
    for doc in index.docs.values():
        for ref in doc.refs:
            if ref.role in ("download", "std:download"):
                used.add(relfn2path(ref.target, doc.path))
        used.update(include.resolved for include in doc.includes)
        for directive in doc.directives:
            if directive.arguments and directive.name not in ("graph", "digraph"):
                used.add(relfn2path(directive.arguments[0], doc.path))
    return used


def _conf_paths(value: Any, files: frozenset[str]) -> Iterable[str]:
    """conf.py strings that name a file of the source dir (html_logo, theme options...)."""
    if isinstance(value, str):
        path = posixpath.normpath(value.lstrip("/")) if value else ""
        if path in files:
            yield path
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _conf_paths(item, files)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _conf_paths(item, files)
