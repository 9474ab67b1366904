"""Rules for os-api-ref's API references: what its directives check at build time.

os-api-ref (``extensions = ['os_api_ref']``) reads each ``rest_parameters``
stanza's ``name: reference`` entries against a ``parameters.yaml`` and warns
(a ``-W`` build fails) for a reference it lacks, an ``in:`` outside header,
path, query and body, sections or parameters out of order, and a ``{param}``
of the ``rest_method`` URL that no entry names. Its warnings carry no line or
only the document's; these rules name the entry's or the definition's line.

This module holds what the rules share (which stanzas, which parameters file)
and the rules about the stanzas themselves; :mod:`.apiref_definitions` those
about the parameters file, :mod:`.apiref_status` the ``rest_status_code`` one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from novadoclint.context import Context
from novadoclint.facts import Directive, DocFacts
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.registry import Phase, rule
from novadoclint.resolve import relfn2path
from novadoclint.safety.untrusted import excerpt

if TYPE_CHECKING:  # languages.apiref is imported where os-api-ref is enabled (~3 ms otherwise)
    from novadoclint.languages.apiref import Entry, ParamFile

EXTENSION = "os_api_ref"
# os-api-ref's path parameter: RestMethodDirective's findall on the URL.
PATH_PARAM_RE = re.compile(r"{([a-zA-Z][a-zA-Z_0-9]*)}")


def enabled(ctx: Context) -> bool:
    """Only a build that loads os-api-ref checks its directives."""
    return EXTENSION in ctx.sphinx.extensions


@dataclass(frozen=True, slots=True)
class Stanza:
    """A rest_parameters stanza with the parameters file it names, read."""

    doc: DocFacts
    directive: Directive
    file: str  # parameters file, relative to the source dir (may start with '../')
    params: ParamFile


def stanzas(index: FactsIndex) -> Iterator[Stanza]:
    """Every rest_parameters stanza with content and a file argument, document order."""
    from novadoclint.languages.apiref import parameters_from

    for docname in sorted(index.docs):
        doc = index.docs[docname]
        for directive in doc.directives:
            if directive.name != "rest_parameters" or not directive.content.strip():
                continue
            if not directive.arguments:
                continue
            file = relfn2path(directive.arguments[-1], doc.path)
            params = index.tree_files.parsed(file, parameters_from)
            if params.problem == "outside":
                continue  # never read: include-outside-project's
            yield Stanza(doc, directive, file, params)


def stanza_entries(directive: Directive) -> tuple[list[Entry], str, int]:
    """A stanza's entries, numbered from its content's line (the directive's next when unknown)."""
    from novadoclint.languages.apiref import parse_entries

    return parse_entries(directive.content, directive.content_line or directive.line + 1)


def did_you_mean(name: str, candidates: list[str]) -> str:
    """The closest candidate as difflib ranks it, as os-api-ref's own hints do."""
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


@rule("apiref-parameter-undefined", Severity.ERROR, Phase.TREE, tags={"apiref"})
def apiref_parameter_undefined(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A `rest_parameters` entry whose reference has no definition in the parameters file.

    ## Why is this bad?
    os-api-ref warns `No field definition for ``x`` found in ``parameters.yaml``.
    Skipping.` (with neither document nor line) and leaves the parameter out of
    the table, so the reference documents a request without it; a `-W` build
    fails. The entry is reported at its line, with the closest key of the
    parameters file.

    ## Example
    ```rst
    .. conf.py: extensions = ['os_api_ref']
    .. file: index.rst
    .. rest_parameters:: parameters.yaml

      - server_id: server_idd
    .. file: parameters.yaml
    server_id:
      description: The UUID of the server.
      in: path
      required: true
      type: string
    ```

    ## Use instead
    ```rst
    .. conf.py: extensions = ['os_api_ref']
    .. file: index.rst
    .. rest_parameters:: parameters.yaml

      - server_id: server_id
    .. file: parameters.yaml
    server_id:
      description: The UUID of the server.
      in: path
      required: true
      type: string
    ```

    ## Known problems
    Only where `os_api_ref` is in conf.py's `extensions`. A parameters file
    outside the project is not read.
    """
    if not enabled(ctx):
        return
    for stanza in stanzas(index):
        if stanza.params.problem:
            continue  # apiref-parameters-file's
        keys = stanza.params.keys
        entries, _, _ = stanza_entries(stanza.directive)
        for entry in entries:
            if entry.name is None or (entry.ref is not None and entry.ref in keys):
                continue
            ref = "None" if entry.ref is None else entry.ref
            hint = did_you_mean(ref, sorted(keys)) if entry.ref is not None else ""
            yield Hit(
                Location(stanza.directive.path, entry.line),
                f"no field definition for {excerpt(ref)} (entry {excerpt(entry.name)}) "
                f"found in {excerpt(stanza.file)}{hint}",
                cause=stanza.doc.docname,
            )


@rule("apiref-parameter-entry", Severity.ERROR, Phase.TREE, tags={"apiref"})
def apiref_parameter_entry(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A `rest_parameters` entry not in `name: reference` form, or a stanza that is no YAML.

    ## Why is this bad?
    os-api-ref warns `Invalid parameter definition ... Expected format:
    ``name: reference``. Skipping.` and leaves the entry out of the table; a
    stanza whose text does not parse as YAML stops the build with an
    exception. A missing `- ` or a missing `: ` are the usual slips. A
    `rest_parameters` or `rest_status_code` stanza without entries (`No
    parameters defined`), or a `rest_parameters` without its file (`No
    reference file defined`), is an error at the directive.

    ## Example
    ```rst
    .. conf.py: extensions = ['os_api_ref']
    .. file: index.rst
    .. rest_parameters:: parameters.yaml

      - server_id
    .. file: parameters.yaml
    server_id:
      description: The UUID of the server.
      in: path
      required: true
      type: string
    ```

    ## Use instead
    ```rst
    .. conf.py: extensions = ['os_api_ref']
    .. file: index.rst
    .. rest_parameters:: parameters.yaml

      - server_id: server_id
    .. file: parameters.yaml
    server_id:
      description: The UUID of the server.
      in: path
      required: true
      type: string
    ```

    ## Known problems
    Only where `os_api_ref` is in conf.py's `extensions`; not checked when the
    parameters file is missing or empty (os-api-ref reads no entry then).
    """
    if not enabled(ctx):
        return
    for docname in sorted(index.docs):
        for directive in index.docs[docname].directives:
            if directive.name not in ("rest_parameters", "rest_status_code"):
                continue
            if not directive.content.strip():
                yield Hit(
                    Location(directive.path, directive.line),
                    f"no parameters defined: {directive.name} needs entries below it",
                    cause=docname,
                )
            elif directive.name == "rest_parameters" and not directive.arguments:
                yield Hit(
                    Location(directive.path, directive.line),
                    "no reference file defined: rest_parameters needs its parameters file",
                    cause=docname,
                )
    for stanza in stanzas(index):
        if stanza.params.problem in ("missing", "empty"):
            continue
        entries, error, line = stanza_entries(stanza.directive)
        if error:
            yield Hit(
                Location(stanza.directive.path, line),
                f"rest_parameters content is not YAML ({excerpt(error, 100)}): os-api-ref "
                "stops the build; write one '- name: reference' entry per line",
                cause=stanza.doc.docname,
            )
            continue
        for entry in entries:
            if entry.name is None:
                yield Hit(
                    Location(stanza.directive.path, entry.line),
                    f"invalid parameter definition {excerpt(entry.text)}: expected format "
                    "'name: reference'",
                    cause=stanza.doc.docname,
                )


def _method_url(directive: Directive) -> str:
    """The URL of a rest_method: its text after the method (os-api-ref's content[0])."""
    text = " ".join(directive.arguments) or directive.content.partition("\n")[0]
    return text.partition(" ")[2]


@rule("apiref-path-parameter-missing", Severity.ERROR, Phase.TREE, tags={"apiref"})
def apiref_path_parameter_missing(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A `{parameter}` of a `rest_method` URL that the `rest_parameters` after it does not name.

    ## Why is this bad?
    os-api-ref warns `No path parameter ``x`` found in rest_parameter stanza.`
    (at no line, and again at every later stanza until the next `rest_method`)
    and the request table lacks the parameter the URL needs. Reported once, at
    the first stanza after the method, naming the method's line. A path
    parameter is what os-api-ref's `{[a-zA-Z][a-zA-Z_0-9]*}` matches; any
    entry name matching it counts, whatever its `in:`.

    ## Example
    ```rst
    .. conf.py: extensions = ['os_api_ref']
    .. file: index.rst
    .. rest_method:: GET /servers/{server_id}

    .. rest_parameters:: parameters.yaml

      - name: server_name
    .. file: parameters.yaml
    server_name:
      description: The server name.
      in: body
      required: true
      type: string
    ```

    ## Use instead
    ```rst
    .. conf.py: extensions = ['os_api_ref']
    .. file: index.rst
    .. rest_method:: GET /servers/{server_id}

    .. rest_parameters:: parameters.yaml

      - server_id: server_id
    .. file: parameters.yaml
    server_id:
      description: The UUID of the server.
      in: path
      required: true
      type: string
    ```

    ## Known problems
    Only where `os_api_ref` is in conf.py's `extensions`; a method's URL
    parameters are not carried from one document to the next.
    """
    if not enabled(ctx):
        return
    from novadoclint.languages.apiref import parameters_from

    for docname in sorted(index.docs):
        doc = index.docs[docname]
        pending: list[str] = []
        method: Directive | None = None
        for directive in doc.directives:
            if directive.name == "rest_method":
                pending = PATH_PARAM_RE.findall(_method_url(directive))
                method = directive
                continue
            if directive.name != "rest_parameters" or not pending or method is None:
                continue
            if not directive.content.strip() or not directive.arguments:
                continue
            file = relfn2path(directive.arguments[-1], doc.path)
            params = index.tree_files.parsed(file, parameters_from)
            if params.problem in ("outside", "missing", "empty"):
                continue  # os-api-ref reads no entry, and checks nothing, then
            entries, error, _ = stanza_entries(directive)
            if error:
                continue
            for entry in entries:
                if entry.name in pending:
                    pending.remove(entry.name)
            for name in dict.fromkeys(pending):
                yield Hit(
                    Location(directive.path, directive.line),
                    f"no path parameter {excerpt(name)} found in rest_parameters stanza "
                    f"(the URL of the rest_method at {method.path}:{method.line} has it)",
                    cause=docname,
                )
            pending = []
