"""Which lexer names Sphinx highlights with, and which checker family reads each.

Why apart from the checkers: ``code-block-lexer-unknown`` asks only this (is
the name known, which known name is it one typo from), and Pygments is
imported only here, once.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping
from types import MappingProxyType

from novadoclint.resolve import one_edit

# Lexer aliases (lowercase) mapped to the checker family that handles them.
# ``default``/``guess``/``python2``/``ipython``/``console``/``zsh`` are left out
# on purpose: Sphinx's ``default`` silently falls back to no highlighting, and
# the others are not (or not reliably) the grammar the checker knows.
_FAMILIES: Mapping[str, str] = MappingProxyType(
    {
        "python": "python",
        "py": "python",
        "python3": "python",
        "py3": "python",
        "pyi": "python",
        "pycon": "pycon",
        "pycon3": "pycon",
        "python-console": "pycon",
        "json": "json",
        "json-object": "json",
        "jsonld": "json",
        "json-ld": "json",
        "javascript": "json",
        "js": "json",
        "yaml": "yaml",
        "yml": "yaml",
        "ini": "ini",
        "cfg": "ini",
        "dosini": "ini",
        "toml": "toml",
        "xml": "xml",
        "rst": "rst",
        "rest": "rst",
        "restructuredtext": "rst",
        "bash": "bash",
        "sh": "bash",
        "shell": "bash",
    }
)

# Names Sphinx accepts for ``highlight``/``code-block`` beyond Pygments' aliases.
_SPHINX_LEXERS = frozenset(
    {"none", "text", "default", "guess", "python3", "pycon3", "console", "rst", "restructuredtext"}
)


def language_family(lexer: str) -> str | None:
    """Map a Pygments/Sphinx lexer alias to the checker family, or None when not checked.

    Families: ``python``, ``pycon``, ``json``, ``yaml``, ``ini``, ``toml``, ``xml``,
    ``rst`` (checked by the caller as nested reStructuredText) and ``bash`` (only
    with ``check_shell``).  Console/session lexers are never checked: their
    output lines are not code.
    """
    return _FAMILIES.get(lexer.strip().lower())


def lexer_known(name: str) -> bool:
    """True when Sphinx can highlight with this lexer name (case-insensitive).

    Pygments is imported only here; without it we cannot tell and say True.
    An empty name means "the default lexer", which is always known.
    """
    key = name.strip().lower()
    if not key or key in _SPHINX_LEXERS:
        return True
    aliases = _pygments_aliases()
    return True if aliases is None else key in aliases


def lexer_near_miss(name: str) -> str | None:
    """The Pygments or Sphinx lexer name ``name`` is one typo away from, if any.

    One insertion, deletion, substitution or swap of neighbours (``pyhton``,
    ``jsno``), on names of three letters or more: strict, because a lexer an
    extension novadoclint cannot read registers is rarely one letter off a
    Pygments alias.  None without Pygments.
    """
    aliases = _pygments_aliases()
    key = name.strip().lower()
    if aliases is None or key in aliases or key in _SPHINX_LEXERS:
        return None
    for candidate in difflib.get_close_matches(key, [*aliases, *_SPHINX_LEXERS], n=5, cutoff=0.8):
        if min(len(key), len(candidate)) >= 3 and one_edit(key, candidate):
            return candidate
    return None


@functools.cache
def _pygments_aliases() -> frozenset[str] | None:
    """All Pygments lexer aliases, lowercased, built once (None without Pygments)."""
    try:
        from pygments.lexers import get_all_lexers
    except ImportError:
        return None
    return frozenset(alias.lower() for _, aliases, *_ in get_all_lexers() for alias in aliases)
