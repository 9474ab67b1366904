"""Which edge endpoint misspells a declared node, for every diagram language.

Why apart from the grammars: the judgement (what counts as a typo, what as a
series of nodes) is the same whatever parser found the names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["near_miss_message", "typo_of"]


def near_miss_message(name: str, declared: Sequence[str]) -> str | None:
    """The message for an edge endpoint that misspells a declared node, else None.

    Naming a node in an edge declares it in every one of these languages, so a
    name that is only used is no error in itself: Graphviz and blockdiag
    authors mix declared, styled nodes with nodes created by their edges.  It
    is worth a warning only when it is a typo of a name the diagram declares.
    """
    typo = typo_of(name, declared)
    if typo is None:
        return None
    return f"edge names {name!r}, which is never declared; did you mean {typo!r}?"


def typo_of(name: str, declared: Sequence[str]) -> str | None:
    """The declared name that ``name`` misspells, if there is one.

    A typo is one edit (two for names of nine characters or more; letters
    swapped count as one) or a difference of case only.  Names of fewer than
    four characters are too short to tell a typo from another node, and a
    series is not a typo: names that differ only in their digits (``sp3`` and
    ``sp5``, ``db`` and ``db2``), or in one character that is the last of the
    name or a whole word of it (``host_a`` and ``host_b``, ``nodeA`` and
    ``nodeB``), are meant to be different nodes.
    """
    best: tuple[int, str] | None = None
    for candidate in sorted(set(declared)):
        if candidate == name:
            return None
        if candidate.casefold() == name.casefold():
            distance = 0
        elif max(len(candidate), len(name)) < 4 or _series(name, candidate):
            continue
        else:
            distance = _edit_distance(name, candidate)
            if distance > (1 if min(len(candidate), len(name)) < 9 else 2):
                continue
        if best is None or distance < best[0]:
            best = (distance, candidate)
    return best[1] if best is not None else None


_WORD_SEPARATORS = re.compile(r"[\s_.:/-]+")


def _series(a: str, b: str) -> bool:
    """Whether two names look like members of one series rather than a typo."""
    if re.sub(r"\d+", "", a) == re.sub(r"\d+", "", b):
        return True
    if len(a) != len(b):
        return False
    differ = [i for i in range(len(a)) if a[i] != b[i]]
    if len(differ) != 1:
        return False
    where = differ[0]
    if where == len(a) - 1:
        return True
    words_a, words_b = _WORD_SEPARATORS.split(a), _WORD_SEPARATORS.split(b)
    return len(words_a) == len(words_b) and any(
        x != y and len(x) == len(y) == 1 for x, y in zip(words_a, words_b, strict=True)
    )


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, swaps."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


# --------------------------------------------------------------------------
