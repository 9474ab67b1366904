"""Findings the engine itself reports: a rule that crashed, a file that cannot be read.

Their check functions yield nothing: the engine emits them. They are rules so
that they can be documented, explained, selected and suppressed like any other.
"""

from __future__ import annotations

from collections.abc import Iterator

from novadoclint.context import Context, ParsedDoc
from novadoclint.findings import Hit, Severity
from novadoclint.registry import Phase, rule


@rule("internal-error", Severity.ERROR, Phase.FILE, tags={"engine"})
def internal_error(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A rule raised an exception on a file; the other rules still ran.

    ## Why is this bad?
    The crashed rule could not check that file, so problems it would find there
    stay hidden. The message names the rule, the file and the exception: please
    report it with the file's text.

    ## Example
    ```rst
    .. novadoclint reports: rule doc-ref-missing crashed: KeyError: 'x'
    ```

    ## Use instead
    ```rst
    .. nothing to change in the document; report the crash
    ```
    """
    return iter(())


@rule("file-unreadable", Severity.ERROR, Phase.FILE, tags={"engine"})
def file_unreadable(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A source file or folder that cannot be read (permissions, a dangling link, removed mid-run).

    ## Why is this bad?
    Sphinx stops on it; novadoclint reports it and lints the rest of the tree.

    ## Example
    ```rst
    .. a page whose file is not readable by the user running the build
    ```

    ## Use instead
    ```rst
    .. a page whose file is readable
    ```
    """
    return iter(())
