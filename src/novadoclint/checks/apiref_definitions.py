"""os-api-ref's checks of a parameters file: each definition's ``in:``, their order, the file.

Why apart from :mod:`.apiref`: these rules read the definitions of
``parameters.yaml`` (once per file, at the first stanza naming it), not the
entries of a stanza.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from novadoclint.checks.apiref import Stanza, did_you_mean, enabled, stanzas
from novadoclint.context import Context
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.registry import Phase, rule
from novadoclint.safety.untrusted import excerpt

if TYPE_CHECKING:  # imported where os-api-ref is enabled
    from novadoclint.languages.apiref import ParamFile


def _files(index: FactsIndex) -> dict[str, tuple[ParamFile, Stanza]]:
    """Each parameters file a stanza names, with the first stanza naming it."""
    found: dict[str, tuple[ParamFile, Stanza]] = {}
    for stanza in stanzas(index):
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
    if not enabled(ctx):
        return
    from novadoclint.languages.apiref import SECTIONS

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
                hint = did_you_mean(param.where.lower(), valid)
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
    if not enabled(ctx):
        return
    from novadoclint.languages.apiref import SECTIONS

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
    if not enabled(ctx):
        return
    seen_docs: set[tuple[str, str]] = set()
    seen_files: set[str] = set()
    for stanza in stanzas(index):
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
