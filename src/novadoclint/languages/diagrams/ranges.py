"""pyparsing's character-range collapse, the same strings in a twentieth of the time.

Why: pydot's grammar has a ``Word`` of every letter and digit of Unicode's
Basic Multilingual Plane (49,430 characters). pyparsing collapses that set into
``a-z``-style ranges three times (the word's regular expression, then its name
for error messages), grouping characters with a Python callable per character:
~0.3 s of every process that checks a Graphviz diagram, more than parsing
nova-2026's four graphs takes. :func:`collapse` groups runs of consecutive code
points in one pass over sorted integers and writes the same string.

Swapped in only on the pyparsing releases it was checked against, and only
where pyparsing's function is the one checked (its names, its defaults):
elsewhere pyparsing's own runs. tests/test_pyparsing_ranges.py compares the
two on the grammar's sets, every pyparsing Unicode set and random ones.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["collapse", "install"]

# (major, minor) releases of pyparsing whose _collapse_string_to_ranges collapse matches.
CHECKED_PYPARSING = frozenset({(3, 3)})
ORIGINAL_NAMES = (
    *("_escape_re_range_char", "sorted", "set", "len", "itertools", "groupby"),
    *("_GroupConsecutive", "next", "contextlib", "suppress", "ValueError", "append"),
    *("chr", "ord", "join"),
)
NAME = "_collapse_string_to_ranges"  # in pyparsing.util, imported by pyparsing.core
RANGE_SPECIALS = "\\^-]["  # what pyparsing escapes inside a character class
_installed: list[Any] = []  # pyparsing's own function, once replaced


def _escaped(char: str) -> str:
    return f"\\{char}" if char in RANGE_SPECIALS else char


def _kept(char: str) -> str:
    return char


def collapse(s: str | Iterable[str], re_escape: bool = True) -> str:
    """The characters of ``s`` as a character class's body: ``'fdgeh'`` -> ``'d-h'``.

    pyparsing's ``_collapse_string_to_ranges``: sorted, duplicates dropped,
    runs of three or more consecutive characters written ``first-last``, runs
    of two as both characters, ``\\^-][`` escaped when ``re_escape``. pydot's
    grammar collapses its one large set five times (copies of the word), so
    answers are kept by the set.
    """
    return _collapse(frozenset(s), re_escape)


@functools.lru_cache(maxsize=32)
def _collapse(chars: frozenset[str], re_escape: bool) -> str:
    escape: Callable[[str], str] = _escaped if re_escape else _kept
    codes = sorted(map(ord, chars))
    if len(codes) <= 2:
        return "".join(escape(chr(code)) for code in codes)
    parts: list[str] = []
    append = parts.append
    start = previous = codes[0]
    for code in codes:
        if code - previous > 1:
            append(_run(start, previous, escape))
            start = code
        previous = code
    append(_run(start, previous, escape))
    return "".join(parts)


def _run(first: int, last: int, escape: Callable[[str], str]) -> str:
    if first == last:
        return escape(chr(first))
    if last == first + 1:
        return escape(chr(first)) + escape(chr(last))
    return f"{escape(chr(first))}-{escape(chr(last))}"


def _release(module: Any) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in str(module.__version__).split(".")[:2])
    except (AttributeError, ValueError):
        return ()


def install() -> bool:
    """Use :func:`collapse` in pyparsing (before a grammar is built); whether it is in use."""
    if _installed:
        return True
    try:  # called by optional.import_optional, whose warnings filter is in force
        pyparsing = importlib.import_module("pyparsing")
        util = importlib.import_module("pyparsing.util")
        core = importlib.import_module("pyparsing.core")
    except Exception:
        return False  # no pyparsing: the grammar's import will say so
    if _release(pyparsing) not in CHECKED_PYPARSING:
        return False
    original = getattr(util, NAME, None)
    code = getattr(original, "__code__", None)
    defaults = getattr(original, "__defaults__", None)
    if code is None or code.co_names != ORIGINAL_NAMES or defaults != (True,):
        return False
    if getattr(core, NAME, None) is not original:
        return False
    setattr(util, NAME, collapse)  # one name for the check and the swap
    setattr(core, NAME, collapse)
    _installed.append(original)
    return True


def uninstall() -> None:
    """pyparsing's own function back (tests compare the two)."""
    if not _installed:
        return
    original = _installed.pop()
    setattr(importlib.import_module("pyparsing.util"), NAME, original)
    setattr(importlib.import_module("pyparsing.core"), NAME, original)
