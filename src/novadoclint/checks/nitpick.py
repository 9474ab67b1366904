"""conf.py's nitpick_ignore_regex patterns that took too long: the references they silence are reported.

The reference rules (checks/references.py) try the patterns; this rule says
which ones they gave up on, at the pattern's line in conf.py.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from novadoclint.checks import references
from novadoclint.context import Context
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.registry import Phase, rule
from novadoclint.resolve import nitpick_regexes
from novadoclint.safety import saferegex

# Rules that consult nitpick_ignore_regex, each on every reference it would report (the
# module, not its rules, is imported: a rule in this module's namespace would be registered twice).
NITPICK_RULES = {
    r.id: r
    for r in (
        references.doc_ref_missing,
        references.ref_label_missing,
        references.ref_title_missing,
    )
}


@rule("regex-timeout", Severity.WARNING, Phase.TREE, tags={"references"})
def regex_timeout(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A conf.py `nitpick_ignore_regex` pattern that timed out on a target and was given up.

    ## Why is this bad?
    conf.py comes with the pull request, and a pattern like `(a|a)+$`
    backtracks for ages on a long target (Sphinx's build hangs on it). Each
    match may take 0.1 s and all of conf.py's patterns 5 s; a pattern that
    takes longer is treated as not matching from then on, so the references
    it was meant to silence are reported. Rewrite it without nested
    repetition. Reported once per pattern, at its line in conf.py.

    ## Example
    ```rst
    .. conf.py: nitpicky = True; nitpick_ignore_regex = [('ref', '(a|a)+$')]
    See :ref:`aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab`.
    ```

    ## Use instead
    ```rst
    .. conf.py: nitpicky = True; nitpick_ignore_regex = [('ref', 'a+b')]
    See :ref:`aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab`.
    ```

    ## Known problems
    The patterns are tried by `doc-ref-missing`, `ref-label-missing` and
    `ref-title-missing` on the references they would report; when those are
    not selected, this rule tries them the same way. A pattern conf.py gives
    that is no regular expression is not used, and is said on standard error.
    """
    values = index.conf.values
    if not values.get("nitpicky"):
        return
    pairs = nitpick_regexes(values.get("nitpick_ignore_regex"))
    if not pairs:
        return
    asked = references.nitpick_asked(index)
    for rule_id, other in NITPICK_RULES.items():
        if rule_id not in asked:  # not selected, or not run yet: ask as it would
            for _ in other.check(index, ctx):
                pass
    failed = [p for pair in pairs for p in pair if p.failure in _REPORTED]
    if not failed:
        return
    lines = _pattern_lines(index.conf.source)
    for pattern in failed:
        if pattern.failure == saferegex.TIMED_OUT:
            line, column = lines.get(pattern.pattern, lines.get("", (1, 1)))
            message = (
                f"nitpick_ignore_regex pattern {pattern.shown()} took over {saferegex.TIMEOUT} s "
                "on one target (catastrophic backtracking?); treated as not matching"
            )
        else:
            line, column = lines.get("", (1, 1))
            message = (
                f"nitpick_ignore_regex patterns took over {pattern.budget.total} s in all; "
                "those not yet tried are treated as not matching"
            )
        yield Hit(Location("conf.py", line, column), message)


_REPORTED = (saferegex.TIMED_OUT, saferegex.OVER_BUDGET)  # SKIPPED: OVER_BUDGET says it


def _pattern_lines(source: bytes) -> dict[str, tuple[int, int]]:
    """Where conf.py writes each nitpick_ignore_regex string, and ('') the setting itself.

    Parsed with ast, never run; no conf.py, or one that does not parse: nothing known.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    found: dict[str, tuple[int, int]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if not any(isinstance(t, ast.Name) and t.id == "nitpick_ignore_regex" for t in targets):
            continue
        found.setdefault("", (node.lineno, node.col_offset + 1))
        for item in ast.walk(node.value) if node.value is not None else ():
            if isinstance(item, ast.Constant) and isinstance(item.value, str):
                found.setdefault(item.value, (item.lineno, item.col_offset + 1))
    return found
