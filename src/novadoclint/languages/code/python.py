"""Python and Python console blocks: compiled as written, or as the fragment they show.

Why so much beyond ``compile``: a block is often a fragment (a method
without its class, a signature, lines elided with ``...``), Python 2 code, or
a newer grammar than this interpreter's; each is illustration, not an error.
"""

from __future__ import annotations

import ast
import itertools
import re
import sys
import warnings

from novadoclint.languages.code.snippets import (
    ELISION_LINE_RE,
    CodeProblem,
    clamp,
    elision_or_placeholder,
    line_at,
    lower_first,
)

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
    lineno = clamp(err.lineno or 1, lines)
    line = line_at(lines, lineno)
    what = _python2_feature(line, err)
    if what is not None:
        column = len(line) - len(line.lstrip()) + 1
        return CodeProblem(lineno, column, f"python 2 syntax, not valid python 3: {what}"), True
    repaired, added = _as_fragment(lines)
    for _ in range(len(lines) + 1):
        err = _parse_python("\n".join(repaired) + "\n")
        if err is None:
            return None, False
        lineno = clamp((err.lineno or 1) - added, lines)
        line = line_at(lines, lineno)
        if elision_or_placeholder(line) or ELISION_LINE_RE.match(line):
            return None, False
        if sys.version_info < (3, 12) and NEWER_PYTHON_RE.search(line):
            return None, False  # may be valid for a newer grammar than the one running
        message = lower_first(err.msg or "")
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


def check_python(lexer: str, text: str) -> tuple[CodeProblem, ...]:
    """Parse a Python block with the Python 3 grammar of the running interpreter."""
    problem, _ = _python_problem(text)
    return (problem,) if problem else ()


PS1_RE = re.compile(r"^(\s*>>>) ?(.*)$")
PS2_RE = re.compile(r"^(\s*\.\.\.)(?: (.*)|)$")


def check_pycon(lexer: str, text: str) -> tuple[CodeProblem, ...]:
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
