"""conf-syntax: a conf.py that cannot be read.

A tree rule of its own module: a warm run runs it over the cached facts without
importing the parser that syntax.py's file rules read docutils' messages from.
"""

from __future__ import annotations

from collections.abc import Iterator

from novadoclint.context import Context
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.registry import Phase, rule


@rule("conf-syntax", Severity.ERROR, Phase.TREE, tags={"syntax"})
def conf_syntax(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """Reports a conf.py that cannot be read; the run goes on with Sphinx's defaults.

    ## Why is this bad?
    Sphinx cannot build at all. novadoclint reads conf.py with `ast` (it never
    runs it), so it can still lint the pages, but extensions and settings are unknown.

    ## Example
    ```rst
    .. conf.py: extensions = ['sphinx.ext.todo'
    ```

    ## Use instead
    ```rst
    .. conf.py: extensions = ['sphinx.ext.todo']
    ```
    """
    problem = ctx.sphinx.problem
    if problem is not None:
        yield Hit(Location("conf.py", problem.line, problem.column), problem.message)
