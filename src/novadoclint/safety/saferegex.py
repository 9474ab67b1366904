"""Regular expressions a tree supplies, run with a time limit.

``RedirectMatch`` in ``.htaccess`` and ``nitpick_ignore_regex`` in conf.py
are written by whoever opens the pull request. Python's ``re`` cannot be
interrupted, so ``(a|a)+$`` against a long URL hangs the run. The ``regex``
module reads re's syntax (its VERSION0) and takes a ``timeout`` per call; its
compiler, though, expands counted repeats (``(?:a{1000}){1000}`` is a
gigabyte), so a pattern is first parsed with re's own parser, which also
keeps re's syntax the reference, and its expanded size bounded.

Callers never import ``re`` or ``regex`` for such patterns: they compile here
and match through :class:`SafePattern`, which answers "no match" after a
timeout and remembers why (``failure``), so the rule can say so once.

A pattern's :func:`verdict` (its cost and required text, or why it is not
used) is plain data a caller may keep between runs; given back to
:func:`compile`, it spares the parse, and the pattern is compiled with
``regex`` (imported then) on its first match only: a warm run whose
answers are all kept imports and compiles nothing.
"""

from __future__ import annotations

import importlib
import logging
import time
from typing import TYPE_CHECKING, Any

from novadoclint.safety.untrusted import excerpt

if TYPE_CHECKING:
    import regex

_log = logging.getLogger(__name__)

_parser: Any
try:  # re's parser: re._parser from Python 3.11, sre_parse before
    _parser = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover
    _parser = importlib.import_module("sre_parse")

MAX_PATTERN = 1000  # characters; real redirect and nitpick patterns are under 200
MAX_COST = 20_000  # one pattern's size with counted repeats expanded
TIMEOUT = 0.1  # seconds per match; real patterns take microseconds
BUDGET_SECONDS = 5.0  # all the matching one Budget (one file, one rule run) may cost
BUDGET_COST = 1_000_000  # all the compiling one Budget may cost (about 150 bytes a unit)
REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})
MAX_CACHED = 4096  # compiled patterns kept per process: both redirect rules read one file
_compiled: dict[str, tuple[regex.Pattern[str], int, str]] = {}

Verdict = tuple[int, str] | str  # (cost, required text) of a usable pattern, else why not

TIMED_OUT = "timeout"
OVER_BUDGET = "budget"  # the first pattern refused because the budget was spent
SKIPPED = "skipped"  # later ones: the budget was already reported; or a kept verdict was wrong


class PatternError(ValueError):
    """A pattern that is not compiled: invalid, too long or too costly."""


class Budget:
    """Time and compile size shared by the patterns of one file in one rule run."""

    def __init__(self, seconds: float = BUDGET_SECONDS, cost: int = BUDGET_COST) -> None:
        self.total = seconds
        self.seconds = seconds
        self.cost = cost
        self.reported = False  # whether a pattern already carries OVER_BUDGET


class SafePattern:
    """A compiled tree pattern; every match has a time limit and a shared budget."""

    __slots__ = ("_compiled", "budget", "cost", "failure", "pattern", "required")

    def __init__(
        self,
        pattern: str,
        compiled: regex.Pattern[str] | None,
        budget: Budget,
        required: str = "",
        cost: int = 0,
    ) -> None:
        self.pattern = pattern
        self._compiled = compiled  # None: compiled on first use (its verdict was kept)
        self.budget = budget
        self.required = required  # text every match contains: no need to run without it
        self.cost = cost  # what it took of the budget
        self.failure: str | None = None  # TIMED_OUT, OVER_BUDGET or SKIPPED: no longer run

    @property
    def compiled(self) -> regex.Pattern[str] | None:
        """The compiled pattern; None when a kept verdict was wrong (a forged cache entry).

        A kept verdict is checked before compiling: its cost, which the budget
        was charged, must be the pattern's, so no entry can lift the budget.
        """
        if self._compiled is None and self.failure is None:
            try:
                self._compiled = _compiled_entry(self.pattern, (self.cost, self.required))[0]
            except PatternError:
                self.failure = SKIPPED  # never run: the cache's writer can only hide findings
        return self._compiled

    @property
    def groups(self) -> int:
        compiled = self.compiled
        return 0 if compiled is None else compiled.groups

    def search(self, text: str) -> regex.Match[str] | None:
        return self._run("search", text)

    def match(self, text: str) -> regex.Match[str] | None:
        return self._run("match", text)

    def fullmatch(self, text: str) -> regex.Match[str] | None:
        return self._run("fullmatch", text)

    def shown(self) -> str:
        """The pattern, quoted short and printable, for a message."""
        return excerpt(self.pattern)

    def _run(self, name: str, text: str) -> regex.Match[str] | None:
        """The match, or None when it does not match, timed out, or the budget is spent."""
        if self.failure is not None or self.required not in text:
            return None
        compiled = self.compiled
        if compiled is None:
            return None
        method = getattr(compiled, name)
        if self.budget.seconds <= 0:
            self.failure = SKIPPED if self.budget.reported else OVER_BUDGET
            self.budget.reported = True
            return None
        start = time.perf_counter()
        try:
            for _ in range(2):  # the limit is wall time: a busy CI may pause a cheap match once
                left = self.budget.seconds - (time.perf_counter() - start)
                if left <= 0:
                    break
                try:
                    found: regex.Match[str] | None = method(text, timeout=min(TIMEOUT, left))
                    return found
                except TimeoutError:
                    continue
            self.failure = TIMED_OUT
            return None
        finally:
            self.budget.seconds -= time.perf_counter() - start


def compile(
    pattern: str, budget: Budget | None = None, known: Verdict | None = None
) -> SafePattern:
    """A pattern ready to match; PatternError when it cannot be used.

    ``budget`` is shared by the patterns of one file; without one the pattern
    gets its own. ``known``: the pattern's :func:`verdict`, kept from an
    earlier run; the pattern is then compiled on its first match.
    """
    budget = budget if budget is not None else Budget()
    compiled: regex.Pattern[str] | None = None
    if isinstance(known, str) and _valid_verdict(known):
        raise PatternError(known)
    if isinstance(known, tuple) and _valid_verdict(known):
        cost, required = known
    else:
        compiled, cost, required = _compiled_entry(pattern)
    if cost > budget.cost:
        raise PatternError("the file's regular expressions are too costly in all; not used")
    budget.cost -= cost
    return SafePattern(pattern, compiled, budget, required, cost)


def verdict(pattern: str) -> Verdict:
    """What :func:`compile` finds of the pattern alone, as plain data a caller may keep.

    Its cost and required text, or the PatternError's message: the same for
    the same pattern as long as this module and ``regex`` are unchanged.
    """
    try:
        _, cost, required = _compiled_entry(pattern)
    except PatternError as exc:
        return str(exc)
    return cost, required


def engine_file() -> str | None:
    """The ``regex`` package's file (found, not imported): a kept verdict follows its version."""
    import importlib.util  # loaded at start-up already

    spec = importlib.util.find_spec("regex")
    return None if spec is None else spec.origin


def _valid_verdict(known: object) -> bool:
    """A verdict as :func:`verdict` makes it (a kept one comes from an untrusted cache)."""
    if type(known) is str:
        return True
    return (
        type(known) is tuple
        and len(known) == 2
        and type(known[0]) is int
        and 0 <= known[0] <= MAX_COST
        and type(known[1]) is str
    )


def _compiled_entry(
    pattern: str, expected: tuple[int, str] | None = None
) -> tuple[regex.Pattern[str], int, str]:
    """_compile's answer, kept per process; PatternError if ``expected`` is not its verdict."""
    entry = _compiled.get(pattern)
    if entry is None:
        if len(_compiled) >= MAX_CACHED:
            _compiled.clear()
        entry = _compiled[pattern] = _compile(pattern, expected)
    if expected is not None and entry[1:] != expected:
        raise PatternError("not the pattern's verdict")
    return entry


def _compile(
    pattern: str, expected: tuple[int, str] | None = None
) -> tuple[regex.Pattern[str], int, str]:
    """The compiled pattern, its expanded size and required text; PatternError if unusable.

    With ``expected`` (a kept verdict), a pattern whose cost or required text
    differs is refused before ``regex`` compiles it: the budget was charged the
    kept cost.
    """
    parsed = _parse(pattern)
    cost = _checked_cost(parsed)
    required = _required(parsed)
    if expected is not None and (cost, required) != expected:
        raise PatternError("not the pattern's verdict")
    import regex  # ~15 ms: a warm run whose verdicts and answers are kept needs none

    try:
        compiled = regex.compile(pattern, regex.VERSION0)
    except RecursionError:
        raise PatternError("nested too deeply; not used") from None
    except (regex.error, MemoryError, OverflowError) as exc:
        raise PatternError(str(exc)) from None
    return compiled, cost, required


def check(pattern: str) -> int:
    """The pattern's expanded size, after checking it is one re reads; else PatternError."""
    return _checked_cost(_parse(pattern))


def _parse(pattern: str) -> Any:
    """re's parse of the pattern (re's syntax is the reference); PatternError if it has none."""
    if len(pattern) > MAX_PATTERN:
        raise PatternError(f"longer than {MAX_PATTERN} characters; not used")
    try:
        return _parser.parse(pattern)
    except RecursionError:
        raise PatternError("nested too deeply; not used") from None
    except (_parser.error, OverflowError, ValueError) as exc:
        raise PatternError(str(exc)) from None


def _checked_cost(parsed: Any) -> int:
    try:
        cost = _cost(parsed)
    except RecursionError:
        raise PatternError("nested too deeply; not used") from None
    if cost > MAX_COST:
        raise PatternError(f"its counted repeats expand to over {MAX_COST} steps; not used")
    return cost


def _required(parsed: Any) -> str:
    """The longest run of plain characters every match contains ('' when unknown).

    A cheap ``in`` test first: a file of a thousand rules tries each URL on
    every rule, and most rules name another page. Only top-level literals
    count, and none under a case-insensitive flag.
    """
    if parsed.state.flags & (_parser.SRE_FLAG_IGNORECASE | _parser.SRE_FLAG_VERBOSE):
        return ""
    best, run = "", []
    for op, av in parsed:
        if getattr(op, "name", "") == "LITERAL":
            run.append(chr(av))
            continue
        best, run = max(best, "".join(run), key=len), []
    return max(best, "".join(run), key=len)


def _cost(items: Any) -> int:
    """Nodes of a parsed pattern, a counted repeat's body counted once per repeat.

    Stops adding once over MAX_COST, so nested huge counts cost no time.
    """
    total = 0
    for op, av in items:
        if getattr(op, "name", "") in REPEATS:
            low, high, body = av
            times = low if high == _parser.MAXREPEAT else high
            total += max(times, 1) * _cost(body)
        else:
            total += 1 + sum(_cost(child) for child in _children(av))
        if total > MAX_COST:
            break
    return total


def _children(value: Any) -> list[Any]:
    """The sub-patterns inside a node's argument (groups, branches, lookarounds)."""
    if hasattr(value, "data"):  # a SubPattern
        return [value]
    if isinstance(value, (tuple, list)):
        return [child for item in value for child in _children(item)]
    return []


def match_or_say(pattern: SafePattern, text: str, option: str, what: str) -> bool:
    """``re.match`` as Sphinx applies its conf.py patterns, within the limits.

    For options whose patterns no rule reports: the first failure of a pattern
    (or of its budget) is said once on standard error, and from then on the
    pattern does not match. ``what`` names the text tried ("URL", "document name").
    """
    if pattern.failure is not None:
        return False
    found = pattern.match(text) is not None
    if pattern.failure == TIMED_OUT:
        _log.warning(
            "%s pattern %s took over %s s on one %s (catastrophic backtracking?); "
            "treated as not matching",
            option,
            pattern.shown(),
            TIMEOUT,
            what,
        )
    elif pattern.failure == OVER_BUDGET:
        _log.warning(
            "%s patterns took over %s s in all; those not yet tried are treated as not matching",
            option,
            pattern.budget.total,
        )
    return found
