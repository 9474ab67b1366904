"""diagram-file-missing: a diagram directive's file argument that names no file.

A tree rule over the facts, apart from the diagram rules of :mod:`diagrams` (file
rules that parse the diagrams' grammars), so that a warm run imports neither those
grammars nor the parser.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from novadoclint.context import Context
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.registry import Phase, rule
from novadoclint.resolve import DIAGRAM_FILE_DIRECTIVES, did_you_mean, matches_any, relfn2path


@rule("diagram-file-missing", Severity.ERROR, Phase.TREE, tags={"diagrams"})
def diagram_file_missing(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A diagram directive whose file argument names no file.

    ## Why is this bad?
    Sphinx warns `External ... file not found or reading it failed` and draws
    nothing; a `-W` build fails. The file is looked for as Sphinx does: relative
    to the document (even when the directive sits in an included file), or
    from the source dir when it starts with `/`. Covers the blockdiag family,
    `graphviz`, `mermaid` and `uml`.

    ## Example
    ```rst
    .. conf.py: extensions = ['sphinx.ext.graphviz']
    .. file: index.rst
    .. graphviz:: graphs/state.dot
    .. file: graphs/states.dot
    digraph { a -> b; }
    ```

    ## Use instead
    ```rst
    .. conf.py: extensions = ['sphinx.ext.graphviz']
    .. file: index.rst
    .. graphviz:: graphs/states.dot
    .. file: graphs/states.dot
    digraph { a -> b; }
    ```

    ## Options
    `generated-files`: globs (relative to the source dir) of files written at
    build time; a diagram file matching one is not reported.
    """
    by_suffix: dict[str, list[str]] = {}
    for docname in sorted(index.docs):
        doc = index.docs[docname]
        for directive in doc.directives:
            if directive.name not in DIAGRAM_FILE_DIRECTIVES or not directive.arguments:
                continue
            target = directive.arguments[0]
            path = relfn2path(target, doc.path)
            if index.exists(path) or path in index.generated_files:
                continue
            if matches_any(path, ctx.settings.generated_files):
                continue
            if not by_suffix:
                for file in sorted(index.files):
                    by_suffix.setdefault(posixpath.splitext(file)[1], []).append(file)
            hint = _file_hint(target, doc.path, path, by_suffix)
            yield Hit(
                Location(directive.path, directive.line),
                f"external {directive.name} file {target!r} not found or reading it failed{hint}",
                cause=docname,
            )


def _file_hint(target: str, docpath: str, path: str, by_suffix: dict[str, list[str]]) -> str:
    """'; did you mean ...' with a file of the same kind, written as the author wrote theirs."""
    pool = by_suffix.get(posixpath.splitext(path)[1], [])
    hint = did_you_mean(path, pool)
    if not hint:
        return ""
    found = hint[len("; did you mean '") : -len("'?")]
    if target.startswith("/"):
        return f"; did you mean {'/' + found!r}?"
    return f"; did you mean {posixpath.relpath(found, posixpath.dirname(docpath) or '.')!r}?"
