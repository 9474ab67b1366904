"""The optional grammar packages, imported once and only when present.

Why: blockdiag, seqdiag, actdiag, nwdiag and pydot are extras; a missing or
broken one must make the rules say they cannot run, never crash the linter.
Callers look ``import_optional`` up on this module at call time, so that a
test can stand in for a missing package.
"""

from __future__ import annotations

import functools
import importlib
import warnings
from types import ModuleType
from typing import Any

from novadoclint.languages.diagrams import ranges

__all__ = ["import_optional", "loaded_module"]


@functools.cache
def import_optional(module_name: str) -> ModuleType | None:
    """Import an optional grammar module once, or None if it cannot be used.

    Any failure counts as "not installed": a broken optional dependency must
    make the rule say it cannot run, not crash the linter.  pyparsing emits
    diagnostic warnings while pydot builds its grammar when Python runs with
    ``-W error``; they say nothing about the documents, so they are muted.
    pydot's grammar is built with pyparsing's range collapse made fast
    (:mod:`.ranges`) where that is known to give the same grammar.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if module_name.partition(".")[0] == "pydot":
                ranges.install()
            return importlib.import_module(module_name)
    except Exception:
        return None


def loaded_module(module_name: str) -> Any:
    """Return an optional module already known to import."""
    module = import_optional(module_name)
    if module is None:  # pragma: no cover - callers check parser_available
        raise RuntimeError(f"{module_name} is not importable")
    return module
