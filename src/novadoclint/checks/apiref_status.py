"""os-api-ref's ``rest_status_code``: a type, a status file, and codes and reasons it holds.

Why apart from :mod:`.apiref`: the status file (``http-status.yaml``) is
another file with its own reading, and the stanza's entries are codes, not
parameters.
"""

from __future__ import annotations

from collections.abc import Iterator

from novadoclint.checks.apiref import did_you_mean, enabled
from novadoclint.context import Context
from novadoclint.facts import Directive, DocFacts
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.registry import Phase, rule
from novadoclint.resolve import relfn2path
from novadoclint.safety.untrusted import excerpt

STATUS_TYPES = ("success", "error")


def _status_problems(
    index: FactsIndex, doc: DocFacts, directive: Directive
) -> Iterator[str | tuple[int, str]]:
    """What os-api-ref says of one rest_status_code stanza: at the directive, or (line, message)."""
    from novadoclint.languages.apiref import parse_status_entries, status_from  # os-api-ref's

    if len(directive.arguments) < 2:
        yield "rest_status_code needs a status type (success or error) and a status file"
        return
    status_type, target = directive.arguments[-2], directive.arguments[-1]
    file = relfn2path(target, doc.path)
    status = index.tree_files.parsed(file, status_from)
    if status.problem == "outside":
        return  # never read
    if status.problem == "missing":
        yield f"status file {excerpt(file)} not found"
    elif status.problem:
        yield f"status file {excerpt(file)} is not YAML ({excerpt(status.detail, 100)}): os-api-ref stops the build"
        return
    if status_type not in STATUS_TYPES:
        hint = did_you_mean(status_type.lower(), list(STATUS_TYPES))
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
            hint = did_you_mean(entry.reason, sorted(codes[entry.code]))
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
    if not enabled(ctx):
        return
    for docname in sorted(index.docs):
        doc = index.docs[docname]
        for directive in doc.directives:
            if directive.name != "rest_status_code" or not directive.content.strip():
                continue
            for problem in _status_problems(index, doc, directive):
                line, message = problem if isinstance(problem, tuple) else (directive.line, problem)
                yield Hit(Location(directive.path, line), message, cause=docname)
