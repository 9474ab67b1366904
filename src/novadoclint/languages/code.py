"""Syntax checks for the content of code blocks found in documentation.

These are pure functions: the caller (the ``code-block-syntax`` and
``code-block-lexer-unknown`` rules) extracts block text with docutils and
maps the 1-based line returned here onto the ``.rst`` file.  Documentation
code is full of elisions (``...``) and placeholders (``<server-id>``) that are
not meant to be literal, and a false positive costs more than a missed error,
so every checker prefers silence when the text is clearly illustrative.
Heavy or optional imports (Pygments, PyYAML, tomllib, expat, subprocess) are
deferred to the checker that needs them.
"""

from __future__ import annotations

import ast
import configparser
import difflib
import functools
import itertools
import json
import re
import sys
import textwrap
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["CodeProblem", "check_code", "language_family", "lexer_known", "lexer_near_miss"]


@dataclass(frozen=True, slots=True)
class CodeProblem:
    """One syntax problem in a code block, positioned within the block text."""

    line: int
    """1-based line within the block text given to :func:`check_code`."""
    column: int
    """1-based column, best effort (1 when unknown)."""
    message: str
    """Lowercase start, no final period."""


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

_JS_ALIASES = frozenset({"javascript", "js"})

# A line that only stands for omitted content.
ELISION_LINE_RE = re.compile(
    r"^\s*(?:\.{3,}|…|\"\.{3}\"|\"…\"|\.{3,},|…,|\"\.{3}\",|"
    r"(?:#+|//|;)\s*(?:\.{3}|…)(?:\s.*)?|\[\.{3}\]|\(\.{3}\)|[\[<(]snip[\]>)])\s*$"
)
# ``...``, ``…`` or ``[snip]`` anywhere in a line.
ELISION_RE = re.compile(r"\.{3}|…|[\[<(]snip[\]>)]")
# ``<server id>``-style placeholder for a value the reader fills in.
PLACEHOLDER_RE = re.compile(r"<[A-Za-z_][\w .:/-]*>")
# Template markup (Jinja and friends): such text is not the final syntax.
TEMPLATE_RE = re.compile(r"\{\{|\{%|\{#")


def _elision_or_placeholder(line: str) -> bool:
    """True when an error line holds an elision or placeholder, i.e. is illustrative."""
    return bool(ELISION_RE.search(line) or PLACEHOLDER_RE.search(line))


def _lower_first(message: str) -> str:
    """Normalise a parser message: first line only, lowercase start, no final period."""
    message = message.strip().splitlines()[0].strip() if message.strip() else "invalid syntax"
    message = message.rstrip(".").strip()
    return message[:1].lower() + message[1:]


def _line_at(lines: list[str], lineno: int) -> str:
    """The text of a 1-based line, or "" when out of range."""
    return lines[lineno - 1] if 1 <= lineno <= len(lines) else ""


def _clamp(lineno: int, lines: list[str]) -> int:
    """Keep a reported line inside the block (parsers may report one past the end)."""
    return max(1, min(lineno, max(1, len(lines))))


def language_family(lexer: str) -> str | None:
    """Map a Pygments/Sphinx lexer alias to the checker family, or None when not checked.

    Families: ``python``, ``pycon``, ``json``, ``yaml``, ``ini``, ``toml``, ``xml``,
    ``rst`` (checked by the caller as nested reStructuredText) and ``bash`` (only
    with ``check_shell``).  Console/session lexers are never checked: their
    output lines are not code.
    """
    return _FAMILIES.get(lexer.strip().lower())


def check_code(lexer: str, text: str, *, check_shell: bool = False) -> tuple[CodeProblem, ...]:
    """Check a code block's text for syntax errors in the language its lexer names.

    Returns problems with 1-based lines relative to ``text``.  Unknown or
    unchecked lexers give ``()``.  ``check_shell`` enables ``bash -n`` for
    prompt-free bash/sh/shell blocks (a subprocess per block, hence opt-in).
    """
    family = language_family(lexer)
    if family is None or not text.strip():
        return ()
    text = textwrap.dedent(text)
    if family == "python" and _first_code_line(text).lstrip().startswith(">>>"):
        family = "pycon"
    if family == "bash":
        return _check_bash(text) if check_shell else ()
    checker = _CHECKERS.get(family)
    if checker is None:
        return ()
    name = lexer.strip().lower()
    problems = checker(name, text)
    if problems and family not in ("python", "pycon"):  # both read elisions themselves
        lines = text.splitlines()
        if any(ELISION_LINE_RE.match(line) for line in lines):
            # An error caused by an elision line disappears once it is blanked;
            # a real error remains, on the same line since line count is kept.
            blanked = ["" if ELISION_LINE_RE.match(line) else line for line in lines]
            problems = checker(name, "\n".join(blanked) + "\n")
    return problems


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
        if min(len(key), len(candidate)) >= 3 and _one_edit(key, candidate):
            return candidate
    return None


def _one_edit(a: str, b: str) -> bool:
    """a and b differ by one insertion, deletion, substitution or swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    if len(a) == len(b):
        swapped = (
            a[start + 2 :] == b[start + 2 :] and a[start : start + 2] == b[start : start + 2][::-1]
        )
        return a[start + 1 :] == b[start + 1 :] or swapped
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer[start + 1 :] == shorter[start:]


@functools.cache
def _pygments_aliases() -> frozenset[str] | None:
    """All Pygments lexer aliases, lowercased, built once (None without Pygments)."""
    try:
        from pygments.lexers import get_all_lexers
    except ImportError:
        return None
    return frozenset(alias.lower() for _, aliases, *_ in get_all_lexers() for alias in aliases)


def _first_code_line(text: str) -> str:
    """The first non-blank line of a block."""
    return next((line for line in text.splitlines() if line.strip()), "")


# --------------------------------------------------------------------------- python

PY2_FEATURES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\s*print\b(?!\s*[(=.,)\[:]|\s*$)"), "print statement"),
    (re.compile(r"^\s*print\s*>>"), "print statement"),
    (re.compile(r"^\s*exec\s+(?![(=])\S"), "exec statement"),
    (re.compile(r"^\s*except\s+(?:[\w.]+|\([^)]*\))\s*,\s*\w+\s*:"), "'except X, e' syntax"),
    (re.compile(r"^\s*raise\s+[\w.]+(?:\([^)]*\))?\s*,"), "'raise E, msg' syntax"),
    (re.compile(r"(?<![\w.])0[0-7]*[1-7][0-7]*(?![\w.])"), "old octal literal"),
    (re.compile(r"(?<![\w.])\d+[lL](?!\w)"), "long integer suffix"),
    (re.compile(r"<>"), "'<>' operator"),
    (re.compile(r"`"), "backtick repr"),
    (re.compile(r"(?<![\w])[uU][rR][\"']"), "'ur' string prefix"),
)
# Syntax newer than some supported interpreters: PEP 695 generics and ``type``
# aliases (3.12), PEP 701 f-strings (3.12), ``except*`` (3.11).
NEWER_PYTHON_RE = re.compile(
    r"^\s*type\s+\w+\s*(?:\[.*\])?\s*=|^\s*(?:async\s+)?def\s+\w+\s*\[|^\s*class\s+\w+\s*\["
    r"|(?<![\w])(?:[rR]?[fF]|[fF][rR])[\"']|^\s*except\s*\*"
)
# The message CPython gives for a Python 2 print/exec statement.
PY2_MESSAGE_RE = re.compile(r"Missing parentheses in call to '(print|exec)'")


def _parse_python(source: str) -> SyntaxError | None:
    """Parse Python 3 source; return the SyntaxError, or None when it parses (or cannot tell).

    Warnings are silenced: an invalid escape warning must neither be printed
    nor, under ``-W error``, turn into a false syntax error.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<code-block>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as err:  # includes IndentationError/TabError
        return err
    except (ValueError, RecursionError, MemoryError, OverflowError):
        return None  # null bytes, absurd nesting: not a syntax verdict
    return None


def _python2_feature(line: str, err: SyntaxError) -> str | None:
    """Name the Python 2 construct on the failing line, if any."""
    found = PY2_MESSAGE_RE.search(err.msg or "")
    if found:
        return f"{found.group(1)} statement"
    code = _strip_python_strings(line)
    for pattern, what in PY2_FEATURES:
        if pattern.search(code if what != "'ur' string prefix" else line):
            return what
    return None


PY_STRING_RE = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")


def _strip_python_strings(line: str) -> str:
    """Blank out simple string literals and the comment so heuristics see only code."""
    code = PY_STRING_RE.sub('""', line)
    hash_at = code.find("#")
    return code[:hash_at] if hash_at >= 0 else code


def _code_part(line: str) -> str:
    """A line without its comment (a ``#`` outside simple string literals), right-stripped."""
    position = 0
    while position < len(line):
        string = PY_STRING_RE.match(line, position)
        if string:
            position = string.end()
        elif line[position] == "#":
            return line[:position].rstrip()
        else:
            position += 1
    return line.rstrip()


# Compound statement headers a fragment may show without their body (a lone ``if``,
# a signature); ``)`` ends a header written over several lines.
HEADER_RE = re.compile(
    r"^\s*(?:(?:async\s+)?(?:def|for|with)|class|if|elif|else|while|try|except|finally|"
    r"match|case)\b|^\s*\)"
)
# A definition shown as a bare signature: ``def deploy(self, task)``, no colon, no body.
BARE_SIGNATURE_RE = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+\w+\s*(?:\(.*\))?(?:\s*->.*)?$")
# A call-like line: ``name(...)`` with an optional ``-> annotation``.
SIGNATURE_RE = re.compile(r"^\s*[A-Za-z_][\w.]*\s*\(.*\)\s*(?:->.*)?$")
_BLANK, _COMMENT, _ELISION, _CODE = range(4)


def _line_kind(line: str) -> int:
    """What a line is for the indentation Python sees: comments and blanks have none."""
    if not line.strip():
        return _BLANK
    if ELISION_LINE_RE.match(line):
        return _ELISION
    return _COMMENT if line.lstrip().startswith("#") else _CODE


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip())


def _as_fragment(lines: list[str]) -> tuple[list[str], int]:
    """The block completed the way a reader reads an excerpt: (lines, header lines put first).

    Each line keeps its number (after the headers put in front) and its code
    its columns.  An elision line becomes ``pass``, or ``if 1:`` when deeper
    code follows it (it stands for the header of that code); a compound
    header with no body (the block ends, or a header or decorator at its
    level follows) gets `` ...`` as its body, and a bare ``def name(args)``
    ending the block ``: ...``; code that starts indented (a method cut out of
    its class, perhaps under a comment at a lesser indent) gets ``if 1:``
    headers in front.
    """
    out = list(lines)
    kinds = [_line_kind(line) for line in lines]

    def code_near(index: int, step: int) -> int | None:
        index += step
        while 0 <= index < len(out):
            if kinds[index] == _CODE:
                return index
            index += step
        return None

    for i, kind in enumerate(kinds):
        if kind != _ELISION:
            continue
        before, after = code_near(i, -1), code_near(i, 1)
        prev_indent = _indent_of(out[before]) if before is not None else 0
        next_indent = _indent_of(out[after]) if after is not None else -1
        if before is not None and _code_part(out[before]).endswith(":"):
            out[i] = " " * (next_indent if next_indent > prev_indent else prev_indent + 4) + "pass"
        elif next_indent > prev_indent:
            out[i] = " " * prev_indent + "if 1:"
        else:
            out[i] = " " * (next_indent if next_indent >= 0 else prev_indent) + "pass"
        kinds[i] = _CODE
    for i, kind in enumerate(kinds):
        if kind != _CODE:
            continue
        code = _code_part(out[i])
        after = code_near(i, 1)
        bodiless = after is None or (
            _indent_of(out[after]) <= _indent_of(out[i])
            and bool(HEADER_RE.match(out[after]) or out[after].lstrip().startswith("@"))
        )
        if bodiless and code.endswith(":") and HEADER_RE.match(code):
            out[i] = code + " ..."
        elif after is None and BARE_SIGNATURE_RE.match(code):
            out[i] = code + ": ..."
    first = code_near(-1, 1)
    start = _indent_of(out[first]) if first is not None else 0
    levels = sorted({0} | {_indent_of(out[i]) for i, kind in enumerate(kinds) if kind == _CODE})
    levels = [level for level in levels if level < start]
    return [" " * level + "if 1:" for level in levels] + out, len(levels)


# Operators other languages have and Python has not (C's ``&&``, Perl's ``=~``).
FOREIGN_OPERATOR_RE = re.compile(r"&&|\|\||=~|!~")
# Two words starting a line (``pip install``), for text the tokenizer refuses.
LEADING_WORDS_RE = re.compile(r"^\$?\s*([A-Za-z_][\w.-]*)\s+([A-Za-z_][\w-]*)")
# Tokens no Python statement starts with.
_NO_STATEMENT_START = frozenset(
    {"/", "//", "%", "|", "&", "^", "<", ">", "<<", ">>", "=", "==", "!=", "<=", ">=", ",", ":"}
)


def _not_python(line: str) -> bool:
    """A line in another language under a Python lexer, not a Python mistake.

    A shell command (``pip install x``), a hosts entry (``127.0.0.1 host``), a
    grammar or another expression language (``a == 'x' && b``), a printed
    result (``/parent/child``): two names or numbers side by side outside
    brackets on a line that does not start with a Python keyword, an
    operator Python has not, or a first token no statement starts with.
    """
    code = _code_part(line).strip()
    if not code:
        return False
    if FOREIGN_OPERATOR_RE.search(_strip_python_strings(code)):
        return True
    import io
    import keyword
    import tokenize

    skip = {tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT, tokenize.ENDMARKER}
    try:
        tokens = [
            token
            for token in tokenize.generate_tokens(io.StringIO(code + "\n").readline)
            if token.type not in skip
        ]
    except (tokenize.TokenError, SyntaxError):  # newer tokenizers refuse some text outright
        leading = LEADING_WORDS_RE.match(code)
        return leading is not None and not any(map(keyword.iskeyword, leading.groups()))
    if not tokens:
        return False
    first = tokens[0]
    if first.type == tokenize.OP and first.string in _NO_STATEMENT_START:
        return True
    if first.type == tokenize.NAME and (
        keyword.iskeyword(first.string) or keyword.issoftkeyword(first.string)
    ):
        return False
    depth = 0
    words = (tokenize.NAME, tokenize.NUMBER)
    for token, following in itertools.pairwise(tokens):
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        elif (
            depth == 0
            and token.type in words
            and following.type in words
            and not keyword.iskeyword(token.string)
            and not keyword.iskeyword(following.string)
        ):
            return True
    return False


def _signature(line: str) -> bool:
    """A signature shown as documentation (``f(item: int) -> None``), not a call."""
    code = _code_part(line)
    if not SIGNATURE_RE.match(code):
        return False
    stub = "def f" + code[code.index("(") :].strip() + ": ...\n"
    return _parse_python(stub) is None


def _python_problem(source: str) -> tuple[CodeProblem | None, bool]:
    """Check one Python source; return (problem or None, whether it is Python 2).

    The block is read as the excerpt it usually is (:func:`_as_fragment`); a
    line in another language (:func:`_not_python`) or a bare signature
    (:func:`_signature`) is set aside, one at a time, and the rest checked.
    """
    lines = source.splitlines()
    err = _parse_python(source + "\n")
    if err is None:
        return None, False
    lineno = _clamp(err.lineno or 1, lines)
    line = _line_at(lines, lineno)
    what = _python2_feature(line, err)
    if what is not None:
        column = len(line) - len(line.lstrip()) + 1
        return CodeProblem(lineno, column, f"python 2 syntax, not valid python 3: {what}"), True
    repaired, added = _as_fragment(lines)
    for _ in range(len(lines) + 1):
        err = _parse_python("\n".join(repaired) + "\n")
        if err is None:
            return None, False
        lineno = _clamp((err.lineno or 1) - added, lines)
        line = _line_at(lines, lineno)
        if _elision_or_placeholder(line) or ELISION_LINE_RE.match(line):
            return None, False
        if sys.version_info < (3, 12) and NEWER_PYTHON_RE.search(line):
            return None, False  # may be valid for a newer grammar than the one running
        message = _lower_first(err.msg or "")
        if message.endswith("was never closed") and any(
            ELISION_LINE_RE.match(after) for after in lines[lineno:]
        ):
            return None, False  # the rest of the bracket is elided
        generic = message == "invalid syntax"
        if (generic and _not_python(line)) or _signature(line):
            repaired[lineno - 1 + added] = " " * _indent_of(line) + "pass"
            continue
        same_line = err.lineno == lineno + added
        column = err.offset if same_line and err.offset and err.offset > 0 else 1
        return CodeProblem(lineno, column, f"python syntax error: {message}"), False
    return None, False


def _check_python(lexer: str, text: str) -> tuple[CodeProblem, ...]:
    """Parse a Python block with the Python 3 grammar of the running interpreter."""
    problem, _ = _python_problem(text)
    return (problem,) if problem else ()


PS1_RE = re.compile(r"^(\s*>>>) ?(.*)$")
PS2_RE = re.compile(r"^(\s*\.\.\.)(?: (.*)|)$")


def _check_pycon(lexer: str, text: str) -> tuple[CodeProblem, ...]:
    """Check each ``>>>`` statement (with its ``...`` continuations); output is ignored.

    A Python 2 session gives one problem, not one per ``print`` line.
    """
    statements: list[tuple[list[str], list[int], list[int]]] = []
    current: tuple[list[str], list[int], list[int]] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        ps1 = PS1_RE.match(line)
        ps2 = PS2_RE.match(line) if current is not None else None
        if ps1:
            current = ([ps1.group(2)], [number], [len(ps1.group(1)) + 1])
            statements.append(current)
        elif ps2 and current is not None:
            current[0].append(ps2.group(2) or "")
            current[1].append(number)
            current[2].append(len(ps2.group(1)) + 1)
        else:
            current = None  # output line ends the statement
    problems: list[CodeProblem] = []
    for source_lines, numbers, prompt_widths in statements:
        problem, py2 = _python_problem("\n".join(source_lines))
        if problem is None:
            continue
        index = problem.line - 1
        mapped = CodeProblem(
            numbers[index],
            problem.column + prompt_widths[index],
            problem.message,
        )
        if py2:
            return (mapped,)
        problems.append(mapped)
    return tuple(problems)


# --------------------------------------------------------------------------- json

JSON_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<eli>\.{3}|…|[\[<(]snip[\]>)])
  | (?P<ph><[A-Za-z_][\w .:/-]*>|\$\{?[A-Za-z_]\w*\}?)
  | (?P<punct>[{}\[\]:,])
  | (?P<other>[^\s{}\[\]:,"]+)
  | (?P<bad>.)
    """,
    re.VERBOSE | re.DOTALL,
)
# Unquoted key or single-quoted string: a JavaScript object literal, not JSON.
JS_LITERAL_RE = re.compile(r"(?:^|[{,])\s*[A-Za-z_$][\w$]*\s*:|'")


def _json_tokens(text: str) -> list[list[str]]:
    """Split JSON-ish text into mutable [kind, text] tokens that cover it exactly."""
    tokens: list[list[str]] = []
    for match in JSON_TOKEN_RE.finditer(text):
        kind = match.lastgroup or "bad"
        tokens.append([kind, match.group()])
    return tokens


def _blank(token_text: str) -> str:
    """Spaces (newlines kept) of the same size, so later positions do not move."""
    return re.sub(r"[^\n]", " ", token_text)


def _remove_elisions(tokens: list[list[str]], *, javascript: bool) -> None:
    """Rewrite elisions and placeholders in place so only real JSON errors remain.

    ``"k": ...``, ``"k": <id>`` and ``"k": $VAR`` become ``null``; a placeholder
    key (``{$UUID: {...}}``) becomes a string; ``...``/``[snip]`` items are
    dropped with one adjacent comma (``[1, 2, ...]`` -> ``[1, 2]``); ``"..."``
    as an object member is dropped likewise.  For JavaScript, comments go too.
    """
    significant = [i for i, t in enumerate(tokens) if t[0] not in ("ws", "comment")]
    if javascript:
        for token in tokens:
            if token[0] == "comment":
                token[:] = ["ws", _blank(token[1])]
    removed: set[int] = set()
    stack: list[str] = []

    def neighbour(pos: int, step: int) -> int | None:
        pos += step
        while 0 <= pos < len(significant):
            if significant[pos] not in removed:
                return significant[pos]
            pos += step
        return None

    for pos, index in enumerate(significant):
        kind, value = tokens[index]
        if kind == "punct" and value in "{[":
            stack.append(value)
            continue
        if kind == "punct" and value in "}]":
            if stack:
                stack.pop()
            continue
        prev, nxt = neighbour(pos, -1), neighbour(pos, 1)
        prev_text = tokens[prev][1] if prev is not None else ""
        next_text = tokens[nxt][1] if nxt is not None else ""
        in_object = bool(stack) and stack[-1] == "{"
        if kind == "str" and value in ('"..."', '"…"'):
            if not (in_object and prev_text in ("{", ",") and next_text in (",", "}", "")):
                continue
        elif kind not in ("eli", "ph"):
            continue
        if kind == "ph" and in_object and prev_text in ("{", ",") and next_text == ":":
            tokens[index][1] = '"' + "k" * max(0, len(value) - 2) + '"'  # placeholder key
            continue
        if prev_text == ":" or (kind == "ph" and not in_object):
            tokens[index][1] = "null".ljust(len(value))
            continue
        removed.add(index)
        tokens[index][1] = _blank(value)
        if next_text == "," and nxt is not None:
            removed.add(nxt)
            tokens[nxt][1] = " "
        elif next_text in ("]", "}", "") and prev_text == "," and prev is not None:
            removed.add(prev)
            tokens[prev][1] = " "


def _check_json(lexer: str, text: str) -> tuple[CodeProblem, ...]:
    """Decode JSON, allowing doc elisions and several top-level values.

    ``javascript``/``js`` blocks are checked only when they look like JSON
    (start with ``{``/``[``, no JavaScript object-literal syntax).
    """
    javascript = lexer in _JS_ALIASES
    stripped = text.lstrip()
    if TEMPLATE_RE.search(text) or (javascript and not stripped.startswith(("{", "["))):
        return ()
    tokens = _json_tokens(text)
    if javascript:
        code = "".join(t[1] for t in tokens if t[0] not in ("str", "comment"))
        if JS_LITERAL_RE.search(code):
            return ()
    _remove_elisions(tokens, javascript=javascript)
    _fill_omitted_values(tokens)
    significant = [t for t in tokens if t[0] not in ("ws", "comment") and t[1].strip()]
    # Members without their object (``"key": {...}``): an excerpt of a larger object.
    members = len(significant) > 1 and significant[0][0] == "str" and significant[1][1] == ":"
    cleaned = "".join(t[1] for t in tokens)
    if javascript:  # JavaScript allows trailing commas
        cleaned = re.sub(r",(\s*[}\]])", r" \1", cleaned)
    if members:
        cleaned = "{" + cleaned + "\n}"
    decoder = json.JSONDecoder()
    index = 0
    try:
        while True:
            while index < len(cleaned) and cleaned[index].isspace():
                index += 1
            if index >= len(cleaned):
                return ()
            _, index = decoder.raw_decode(cleaned, index)
    except json.JSONDecodeError as err:
        lines = text.splitlines()
        lineno, column, what = err.lineno, err.colno, _lower_first(err.msg)
        before = cleaned[: err.pos].rstrip()
        if cleaned[err.pos : err.pos + 1] in ("}", "]") and before.endswith(","):
            comma = len(before) - 1  # point at the comma, not at the bracket after it
            lineno = cleaned.count("\n", 0, comma) + 1
            column = comma - cleaned.rfind("\n", 0, comma)
            what = "trailing comma"
        if members:
            if cleaned[len(before) :].strip() in ("", "}"):
                return ()  # at the brace put after the excerpt: the object goes on
            column -= lineno == 1
        lineno = _clamp(lineno, lines)
        if ELISION_LINE_RE.match(_line_at(lines, lineno)):
            return ()
        return (CodeProblem(lineno, max(1, column), f"json syntax error: {what}"),)


def _fill_omitted_values(tokens: list[list[str]]) -> None:
    """A member whose value the reader fills in (``"key":`` ending its line) gets ``null``.

    A template lists the keys and leaves each value, and often the comma after
    it, to the reader; ``{"a": , "b": 1}`` on one line is still an error.
    """
    significant = [i for i, t in enumerate(tokens) if t[0] not in ("ws", "comment")]
    for pos, index in enumerate(significant):
        if tokens[index] != ["punct", ":"] or pos + 1 >= len(significant):
            continue
        gap = "".join(t[1] for t in tokens[index + 1 : significant[pos + 1]])
        if "\n" not in gap:
            continue
        nxt = tokens[significant[pos + 1]]
        after = tokens[significant[pos + 2]] if pos + 2 < len(significant) else None
        if nxt[1] in (",", "}"):
            tokens[index][1] = ": null"
        elif nxt[0] == "str" and after is not None and after[1] == ":":
            tokens[index][1] = ": null,"


# --------------------------------------------------------------------------- yaml


def _check_yaml(lexer: str, text: str) -> tuple[CodeProblem, ...]:
    """Compose every YAML document (syntax only: custom tags are not constructed).

    Skipped without PyYAML and for templated (Jinja) text.
    """
    if TEMPLATE_RE.search(text):
        return ()
    try:
        import yaml
    except ImportError:
        return ()
    try:
        for _ in yaml.compose_all(text, Loader=yaml.SafeLoader):
            pass
    except yaml.MarkedYAMLError as err:
        lines = text.splitlines()
        mark = err.problem_mark or err.context_mark
        if mark and mark.line >= len(lines) and err.context_mark:
            mark = err.context_mark  # "<stream end>": point at what was left open
        lineno = _clamp(mark.line + 1 if mark else 1, lines)
        if ELISION_LINE_RE.match(_line_at(lines, lineno)):
            return ()
        column = mark.column + 1 if mark else 1
        what = _lower_first(err.problem or err.context or str(err))
        return (CodeProblem(lineno, column, f"yaml syntax error: {what}"),)
    except yaml.YAMLError:
        return ()
    return ()


# --------------------------------------------------------------------------- ini

# A top-level line that opens a section header but never closes it.
INI_UNCLOSED_SECTION_RE = re.compile(r"^\[[^\]]*$")
_INI_DUMMY_SECTION = "[novadoclint-snippet]\n"


def _check_ini(lexer: str, text: str) -> tuple[CodeProblem, ...]:
    """Parse INI leniently, as doc snippets are written.

    Options before any section (a one-option snippet), duplicates, value-less
    keys and ``...`` lines are fine.  Reported: section headers missing their
    ``]`` and lines configparser rejects (an option with no name).
    """
    lines = text.splitlines()
    problems: dict[int, CodeProblem] = {}
    for number, line in enumerate(lines, start=1):
        if INI_UNCLOSED_SECTION_RE.match(line.rstrip()) and not ELISION_RE.search(line):
            problems[number] = CodeProblem(
                number, 1, f"ini syntax error: section header without closing ']': {line.strip()}"
            )
    parser = configparser.ConfigParser(strict=False, interpolation=None, allow_no_value=True)
    try:
        parser.read_string(_INI_DUMMY_SECTION + text)
    except configparser.ParsingError as err:
        for error in err.errors:
            number = int(error[0]) - 1  # account for the dummy section line
            line = _line_at(lines, number)
            if number in problems or not line or _elision_or_placeholder(line):
                continue
            problems[number] = CodeProblem(
                number,
                1,
                f"ini syntax error: line is not a section, option or comment: {line.strip()}",
            )
    except Exception:  # configparser crashes on some valid inputs (no-value continuations)
        pass
    return tuple(problems[n] for n in sorted(problems))


# --------------------------------------------------------------------------- toml

# A key or table given a second time: docs show alternatives (``level = "INFO"`` or
# ``level = "10"``) and more keys of a table shown before; INI and YAML allow it too.
TOML_AGAIN_RE = re.compile(r"cannot overwrite a value|cannot declare .* twice")
TOML_POSITION_RE = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")


def _check_toml(lexer: str, text: str) -> tuple[CodeProblem, ...]:
    """Parse TOML with tomllib (or tomli); skipped when neither is available."""
    if TEMPLATE_RE.search(text):
        return ()
    loads: Callable[[str], object]
    decode_error: type[ValueError]
    if sys.version_info >= (3, 11):
        import tomllib

        loads, decode_error = tomllib.loads, tomllib.TOMLDecodeError
    else:
        try:
            import tomli  # type: ignore[import-not-found, unused-ignore]
        except ImportError:
            return ()
        loads, decode_error = tomli.loads, tomli.TOMLDecodeError
    lines = text.splitlines()
    shown = list(lines)
    for _ in range(len(lines) + 1):
        try:
            loads("\n".join(shown) + "\n")
        except decode_error as err:
            message = str(err)
            position = TOML_POSITION_RE.search(message)
            if position and position.group(1):
                lineno, column = int(position.group(1)), int(position.group(2))
            else:
                lineno = len(lines)
                column = len(_line_at(lines, lineno)) + 1
            lineno = _clamp(lineno, lines)
            if _elision_or_placeholder(_line_at(lines, lineno)):
                return ()
            what = _lower_first(TOML_POSITION_RE.sub("", message))
            if TOML_AGAIN_RE.match(what) and shown[lineno - 1]:
                shown[lineno - 1] = ""  # a key or table shown again: an alternative, or more of it
                continue
            return (CodeProblem(lineno, max(1, column), f"toml syntax error: {what}"),)
        return ()
    return ()


# --------------------------------------------------------------------------- xml

XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
_XML_WRAPPER = "novadoclint-root"


def _expat_error(data: str) -> tuple[int, int, int, str, int] | None:
    """Parse with expat (no namespace processing).

    Returns (line, col0, code, message, elements open) at the first error.
    """
    from xml.parsers import expat

    parser = expat.ParserCreate()
    depth = 0

    def start(name: str, attributes: object) -> None:
        nonlocal depth
        depth += 1

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as err:
        message = expat.ErrorString(err.code) or "not well-formed"
        return err.lineno, err.offset, err.code or 0, message, depth
    return None


END_TAG_RE = re.compile(r"</[^<>]*>")


def _check_xml(lexer: str, text: str) -> tuple[CodeProblem, ...]:
    """Check XML well-formedness of a document or an excerpt of one.

    Namespace prefixes are not resolved (snippets omit ``xmlns`` declarations);
    several top-level elements are allowed; errors on elision lines are dropped.
    An excerpt may leave elements open at its end (a bare start tag, a tree cut
    off) and close elements opened before it: only a mismatch inside it counts.
    """
    lines = text.splitlines()
    leading = len(text) - len(text.lstrip())
    skipped_lines = text[:leading].count("\n")
    body = text.lstrip()
    error = _expat_error(body)
    if error is None:
        return ()
    shift = 0
    if "<!DOCTYPE" not in body:
        declaration = XML_DECL_RE.match(body)
        if declaration:
            body = _blank(declaration.group()) + body[declaration.end() :]
        opening, closing = f"<{_XML_WRAPPER}>", f"</{_XML_WRAPPER}>"
        shift = len(opening)
        for _ in range(body.count("</") + 1):
            wrapped = opening + body + closing
            error = _expat_error(wrapped)
            if error is None:
                return ()
            line, col0, _, _, depth = error
            at = _offset(wrapped, line, col0)
            at -= 2 if wrapped[at - 2 : at] == "</" else 0  # expat points after the "</"
            if at >= len(opening) + len(body):
                return ()  # elements left open at the end: the excerpt stops there
            tag = END_TAG_RE.match(wrapped, at)
            if depth != 1 or tag is None:
                break
            # closes an element opened before the excerpt
            start = at - len(opening)
            body = body[:start] + _blank(tag.group()) + body[start + len(tag.group()) :]
    line, col0, _, message, _ = error
    column = col0 + 1 - (shift if line == 1 else 0)
    lineno = _clamp(line + skipped_lines, lines)
    if ELISION_RE.search(_line_at(lines, lineno)):
        return ()
    return (CodeProblem(lineno, max(1, column), f"xml syntax error: {_lower_first(message)}"),)


def _offset(text: str, line: int, col0: int) -> int:
    """The index in text of a 1-based line and 0-based column."""
    index = 0
    for _ in range(line - 1):
        index = text.index("\n", index) + 1
    return index + col0


# --------------------------------------------------------------------------- rst


def _check_rst(lexer: str, text: str) -> tuple[CodeProblem, ...]:
    """Nested reStructuredText is parsed by the caller, with docutils."""
    return ()


# --------------------------------------------------------------------------- shell

_ROOT_PROMPT_COMMANDS = (
    "sudo|su|apt|apt-get|aptitude|yum|dnf|zypper|rpm|dpkg|pip|pip3|python|python3|systemctl|"
    "service|cd|ls|cat|echo|export|source|mkdir|rm|cp|mv|chmod|chown|ln|git|curl|wget|tar|"
    "openstack|nova|nova-manage|virsh|qemu-img|mysql|docker|podman|kubectl|vi|vim|nano|"
    "grep|sed|awk|tail|head|ip|ovs-vsctl|modprobe|lspci|lsmod|dmesg|mount|umount|useradd|"
    "usermod|passwd|ssh|scp|rsync|make|tox|crudini|firewall-cmd|iptables|setenforce"
)
PROMPT_RE = re.compile(
    r"^\s*(?:"
    r"[$%>](?:\s|$)"  # $ cmd, % cmd, > cmd
    r"|\([\w.-]+\)\s*[$#%>](?:\s|$)"  # (venv) $ cmd
    r"|(?:[\w.-]+@[\w.-]+(?::\S*)?|\[[^\]\n]*\])\s?[$#%>](?:\s|$)"  # user@host:~$ cmd
    r"|(?:PS\s+)?[A-Za-z]:\\[^>\n]*>"  # C:\> cmd
    rf"|#\s*(?:(?:{_ROOT_PROMPT_COMMANDS})(?:\s|$)|\.?/)"  # # apt-get ... (root prompt)
    r"|[\w-]+(?: \[[^\]\n]*\])?> "  # mysql> select, MariaDB [nova]> select
    r"|\+[-=+]{3,}\s*$"  # +------+ border of a table printed by a command
    r")"
)
BASH_ERROR_RE = re.compile(r"line (\d+): (.*)$", re.MULTILINE)


def _check_bash(text: str) -> tuple[CodeProblem, ...]:
    """Run ``bash -n`` on a prompt-free script; skipped when bash is missing or slow.

    A block with prompt lines is a session (commands mixed with output), not
    a script.  Errors on lines with ``<placeholder>`` or elisions are dropped.
    """
    if any(PROMPT_RE.match(line) for line in text.splitlines()):
        return ()
    import shutil
    import subprocess

    bash = shutil.which("bash")
    if bash is None:
        return ()
    try:
        result = subprocess.run(
            [bash, "-n"],
            input=text if text.endswith("\n") else text + "\n",
            capture_output=True,
            text=True,
            timeout=5,
            env={"LC_ALL": "C", "PATH": ""},
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    if result.returncode == 0:
        return ()
    found = BASH_ERROR_RE.search(result.stderr)
    if not found:
        return ()
    lines = text.splitlines()
    lineno = _clamp(int(found.group(1)), lines)
    if _elision_or_placeholder(_line_at(lines, lineno)):
        return ()
    what = re.sub(r"^syntax error:?\s*", "", found.group(2).strip()) or "invalid syntax"
    return (CodeProblem(lineno, 1, f"bash syntax error: {_lower_first(what)}"),)


_CHECKERS: Mapping[str, Callable[[str, str], tuple[CodeProblem, ...]]] = MappingProxyType(
    {
        "python": _check_python,
        "pycon": _check_pycon,
        "json": _check_json,
        "yaml": _check_yaml,
        "ini": _check_ini,
        "toml": _check_toml,
        "xml": _check_xml,
        "rst": _check_rst,
    }
)
