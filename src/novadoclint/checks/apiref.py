"""Rules for os-api-ref's API references: what its directives check at build time.

os-api-ref (``extensions = ['os_api_ref']``) reads each ``rest_parameters``
stanza's ``name: reference`` entries against a ``parameters.yaml`` and warns
(a ``-W`` build fails) for a reference it lacks, an ``in:`` outside header,
path, query and body, sections or parameters out of order, and a ``{param}``
of the ``rest_method`` URL that no entry names. Its warnings carry no line or
only the document's; these rules name the entry's or the definition's line.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

from novadoclint.context import Context
from novadoclint.facts import Directive, DocFacts
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.languages.apiref import (
    SECTIONS,
    Entry,
    ParamFile,
    load_parameters,
    load_status,
    parse_entries,
    parse_status_entries,
)
from novadoclint.registry import Phase, rule
from novadoclint.resolve import relfn2path
from novadoclint.untrusted import excerpt, inside, project_root

EXTENSION = "os_api_ref"
# os-api-ref's path parameter: RestMethodDirective's findall on the URL.
PATH_PARAM_RE = re.compile(r"{([a-zA-Z][a-zA-Z_0-9]*)}")


def _enabled(ctx: Context) -> bool:
    return EXTENSION in ctx.sphinx.extensions


@dataclass(frozen=True, slots=True)
class _Stanza:
    doc: DocFacts
    directive: Directive
    file: str  # parameters file, relative to the source dir (may start with '../')
    params: ParamFile


def _param_path(index: FactsIndex, file: str) -> str | None:
    """The absolute path of a parameters file, None when outside the project."""
    path = os.path.normpath(os.path.join(index.srcdir, file))
    return path if inside(path, project_root(index.srcdir)) else None


def _stanzas(index: FactsIndex) -> Iterator[_Stanza]:
    """Every rest_parameters stanza with content and a file argument, document order."""
    for docname in sorted(index.docs):
        doc = index.docs[docname]
        for directive in doc.directives:
            if directive.name != "rest_parameters" or not directive.content.strip():
                continue
            if not directive.arguments:
                continue
            file = relfn2path(directive.arguments[-1], doc.path)
            path = _param_path(index, file)
            if path is None:
                continue
            yield _Stanza(doc, directive, file, load_parameters(path))


def _entries(directive: Directive) -> tuple[list[Entry], str, int]:
    return parse_entries(directive.content, directive.content_line or directive.line + 1)


def _did_you_mean(name: str, candidates: list[str]) -> str:
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
    if not _enabled(ctx):
        return
    for stanza in _stanzas(index):
        if stanza.params.problem:
            continue  # apiref-parameters-file's
        keys = stanza.params.keys
        entries, _, _ = _entries(stanza.directive)
        for entry in entries:
            if entry.name is None or (entry.ref is not None and entry.ref in keys):
                continue
            ref = "None" if entry.ref is None else entry.ref
            hint = _did_you_mean(ref, sorted(keys)) if entry.ref is not None else ""
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
    if not _enabled(ctx):
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
    for stanza in _stanzas(index):
        if stanza.params.problem in ("missing", "empty"):
            continue
        entries, error, line = _entries(stanza.directive)
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
    if not _enabled(ctx):
        return
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
            path = _param_path(index, relfn2path(directive.arguments[-1], doc.path))
            if path is None or load_parameters(path).problem in ("missing", "empty"):
                continue  # os-api-ref reads no entry, and checks nothing, then
            entries, error, _ = _entries(directive)
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


def _files(index: FactsIndex) -> dict[str, tuple[ParamFile, _Stanza]]:
    """Each parameters file a stanza names, with the first stanza naming it."""
    found: dict[str, tuple[ParamFile, _Stanza]] = {}
    for stanza in _stanzas(index):
        found.setdefault(stanza.file, (stanza.params, stanza))
    return found


@rule("apiref-parameter-in", Severity.ERROR, Phase.TREE, tags={"apiref"})
def apiref_parameter_in(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A parameters file definition whose `in:` is not header, path, query or body.

    ## Why is this bad?
    os-api-ref warns ```` ``bdoy`` is not a valid value for 'in' ```` and leaves
    the definition out of its order check; a definition without `in:`, or
    whose value is not a mapping (an indentation slip), stops the build with an
    exception. Reported at the `in:` line of each file a `rest_parameters`
    stanza reads, with the closest valid value.

    ## Example
    ```rst
    .. conf.py: extensions = ['os_api_ref']
    .. file: index.rst
    .. rest_parameters:: parameters.yaml

      - server_id: server_id
    .. file: parameters.yaml
    server_id:
      description: The UUID of the server.
      in: paht
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
    Only where `os_api_ref` is in conf.py's `extensions`.
    """
    if not _enabled(ctx):
        return
    valid = sorted(SECTIONS)
    for file, (params, stanza) in sorted(_files(index).items()):
        for param in params.params:
            if not param.mapping:
                yield Hit(
                    Location(file, param.line),
                    f"parameter {excerpt(param.key)} is not a mapping (an indentation "
                    "typo?): os-api-ref stops the build",
                    cause=stanza.doc.docname,
                )
            elif param.where is None:
                yield Hit(
                    Location(file, param.line),
                    f"parameter {excerpt(param.key)} has no 'in:' (one of "
                    f"{', '.join(valid)}): os-api-ref stops the build",
                    cause=stanza.doc.docname,
                )
            elif param.where not in SECTIONS:
                hint = _did_you_mean(param.where.lower(), valid)
                yield Hit(
                    Location(file, param.where_line),
                    f"{excerpt(param.where)} is not a valid value for 'in' of "
                    f"{excerpt(param.key)} (must be one of: {', '.join(valid)}){hint}",
                    cause=stanza.doc.docname,
                )


@rule("apiref-parameters-order", Severity.ERROR, Phase.TREE, tags={"apiref"})
def apiref_parameters_order(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A parameters file definition out of os-api-ref's order: by section, then by name.

    ## Why is this bad?
    os-api-ref wants the definitions grouped by `in:` (header, then path,
    query, body) and sorted by lower-cased name inside a group, and warns
    `Section out of order` or `Parameters out of order` for each one that
    goes back (a `-W` build fails). Each definition is compared, as os-api-ref
    does, with the valid one above it; reported at the definition, naming the
    line of the one it must follow.

    ## Example
    ```rst
    .. conf.py: extensions = ['os_api_ref']
    .. file: index.rst
    .. rest_parameters:: parameters.yaml

      - server_id: server_id
    .. file: parameters.yaml
    server_name:
      description: The server name.
      in: body
      required: true
      type: string
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
    server_name:
      description: The server name.
      in: body
      required: true
      type: string
    ```

    ## Known problems
    Only where `os_api_ref` is in conf.py's `extensions`.
    """
    if not _enabled(ctx):
        return
    for file, (params, stanza) in sorted(_files(index).items()):
        last = None
        for param in params.params:
            if not param.mapping or param.where not in SECTIONS:
                continue  # apiref-parameter-in's
            if last is not None:
                assert last.where is not None
                here, before = SECTIONS[param.where], SECTIONS[last.where]
                if here < before:
                    yield Hit(
                        Location(file, param.line),
                        f"section out of order: {excerpt(param.key)} (in: {param.where}) "
                        f"comes after {excerpt(last.key)} (in: {last.where}, line {last.line}); "
                        "sections go header, path, query, body",
                        cause=stanza.doc.docname,
                    )
                elif here == before and param.key.lower() < last.key.lower():
                    yield Hit(
                        Location(file, param.line),
                        f"parameters out of order: {excerpt(param.key)} sorts before "
                        f"{excerpt(last.key)} (line {last.line}) in section {param.where}",
                        cause=stanza.doc.docname,
                    )
            last = param


@rule("apiref-parameters-file", Severity.ERROR, Phase.TREE, tags={"apiref"})
def apiref_parameters_file(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A `rest_parameters` file that is missing, empty, not YAML or not a mapping.

    ## Why is this bad?
    os-api-ref warns `Parameters file not found` or `Parameters file is
    empty` for each stanza and shows an empty table; YAML that does not
    parse, or whose top level is not a mapping, stops the build. A missing or
    empty file is reported at the first stanza of each document naming it;
    a broken file at its line.

    ## Example
    ```rst
    .. conf.py: extensions = ['os_api_ref']
    .. file: index.rst
    .. rest_parameters:: parameter.yaml

      - server_id: server_id
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
    Only where `os_api_ref` is in conf.py's `extensions`.
    """
    if not _enabled(ctx):
        return
    seen_docs: set[tuple[str, str]] = set()
    seen_files: set[str] = set()
    for stanza in _stanzas(index):
        params = stanza.params
        if not params.problem:
            continue
        if params.problem in ("missing", "empty"):
            if (stanza.doc.docname, stanza.file) in seen_docs:
                continue
            seen_docs.add((stanza.doc.docname, stanza.file))
            what = "not found" if params.problem == "missing" else "empty"
            yield Hit(
                Location(stanza.directive.path, stanza.directive.line),
                f"parameters file {excerpt(stanza.file)} is {what}",
                cause=stanza.doc.docname,
            )
        elif stanza.file not in seen_files:
            seen_files.add(stanza.file)
            detail = params.detail
            if params.problem == "yaml":
                detail = f"not YAML ({excerpt(params.detail, 100)})"
            yield Hit(
                Location(stanza.file, params.line),
                f"parameters file {excerpt(stanza.file)}: {detail}; os-api-ref stops the build",
                cause=stanza.doc.docname,
            )


STATUS_TYPES = ("success", "error")


def _status_problems(
    index: FactsIndex, doc: DocFacts, directive: Directive
) -> Iterator[str | tuple[int, str]]:
    """What os-api-ref says of one rest_status_code stanza: at the directive, or (line, message)."""
    if len(directive.arguments) < 2:
        yield "rest_status_code needs a status type (success or error) and a status file"
        return
    status_type, target = directive.arguments[-2], directive.arguments[-1]
    file = relfn2path(target, doc.path)
    path = _param_path(index, file)
    if path is None:
        return
    status = load_status(path)
    if status.problem == "missing":
        yield f"status file {excerpt(file)} not found"
    elif status.problem:
        yield f"status file {excerpt(file)} is not YAML ({excerpt(status.detail, 100)}): os-api-ref stops the build"
        return
    if status_type not in STATUS_TYPES:
        hint = _did_you_mean(status_type.lower(), list(STATUS_TYPES))
        yield f"type {excerpt(status_type)} is not one of success, error{hint}"
        return
    if status.problem:
        return
    codes = dict(status.codes)
    entries, error = parse_status_entries(
        directive.content, directive.content_line or directive.line + 1
    )
    if error:
        yield f"rest_status_code content is not YAML ({excerpt(error, 100)}): os-api-ref stops the build"
        return
    for entry in entries:
        if entry.code is None or entry.code not in codes:
            what = "not a status code" if entry.code is None else f"not in {excerpt(file)}"
            yield entry.line, f"{excerpt(entry.written)} is {what}: os-api-ref stops the build"
        elif entry.reason is None and "default" not in codes[entry.code]:
            yield (
                entry.line,
                f"code {entry.code} has no 'default' reason in {excerpt(file)}: os-api-ref stops the build",
            )
        elif entry.reason is not None and entry.reason not in codes[entry.code]:
            hint = _did_you_mean(entry.reason, sorted(codes[entry.code]))
            yield (
                entry.line,
                f"could not find reason {excerpt(entry.reason)} for code {entry.code} in {excerpt(file)}{hint}",
            )


@rule("apiref-status-code", Severity.ERROR, Phase.TREE, tags={"apiref"})
def apiref_status_code(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A `rest_status_code` entry naming a code or reason its status file lacks, or a bad stanza.

    ## Why is this bad?
    os-api-ref looks each entry up in the status file the stanza names (an
    OpenStack project's `http-status.yaml`): a reason the code lacks is a
    warning (`Could not find ... for code ...`, a `-W` build fails) and the
    table shows the default one; a code the file lacks, or a file that is no
    YAML, stops the build with an exception. The type must be `success` or
    `error`. Reported at the entry's line, with the closest reason.

    ## Example
    ```rst
    .. conf.py: extensions = ['os_api_ref']
    .. file: index.rst
    .. rest_status_code:: error http-status.yaml

      - 404: not_foundd
    .. file: http-status.yaml
    404:
      default: The resource could not be found.
      not_found: The server does not exist.
    ```

    ## Use instead
    ```rst
    .. conf.py: extensions = ['os_api_ref']
    .. file: index.rst
    .. rest_status_code:: error http-status.yaml

      - 404: not_found
    .. file: http-status.yaml
    404:
      default: The resource could not be found.
      not_found: The server does not exist.
    ```

    ## Known problems
    Only where `os_api_ref` is in conf.py's `extensions`. A status file
    outside the project is not read.
    """
    if not _enabled(ctx):
        return
    for docname in sorted(index.docs):
        doc = index.docs[docname]
        for directive in doc.directives:
            if directive.name != "rest_status_code" or not directive.content.strip():
                continue
            for problem in _status_problems(index, doc, directive):
                line, message = problem if isinstance(problem, tuple) else (directive.line, problem)
                yield Hit(Location(directive.path, line), message, cause=docname)
