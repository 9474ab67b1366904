"""The rule registry: every rule module, and the tuple of all rules they define.

No plugin discovery and no global dict: adding a rule module means adding it
to MODULES (a test fails when a module under checks/ is missing here).
"""

from __future__ import annotations

from novadoclint.checks import (
    apiref,
    apiref_definitions,
    apiref_status,
    assumed,
    codeblocks,
    diagrams,
    directives,
    extensions,
    files,
    hyperlinks,
    images,
    indexlists,
    inline,
    internal,
    labels,
    links,
    nitpick,
    placement,
    redirects,
    references,
    roles,
    style,
    suppressions,
    syntax,
    toctree,
    unreadable,
)
from novadoclint.registry import Rule

MODULES = (
    internal,
    syntax,
    unreadable,
    style,
    roles,
    hyperlinks,
    inline,
    directives,
    codeblocks,
    references,
    assumed,
    labels,
    nitpick,
    toctree,
    indexlists,
    placement,
    files,
    images,
    redirects,
    links,
    diagrams,
    extensions,
    suppressions,
    apiref,
    apiref_definitions,
    apiref_status,
)

ALL_RULES: tuple[Rule, ...] = tuple(
    sorted(
        (obj for module in MODULES for obj in vars(module).values() if isinstance(obj, Rule)),
        key=lambda r: r.id,
    )
)
RULES_BY_ID = {r.id: r for r in ALL_RULES}
