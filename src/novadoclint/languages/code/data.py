"""Data formats in code blocks: JSON (and JavaScript object literals), YAML, INI and TOML.

Why each with the parser its consumers use (json, PyYAML, configparser,
tomllib): a block that those read must pass; elided values and placeholders
are filled in or blanked before judging.
"""

from __future__ import annotations

import configparser
import json
import re
import sys
from collections.abc import Callable

from novadoclint.languages.code.snippets import (
    ELISION_LINE_RE,
    ELISION_RE,
    TEMPLATE_RE,
    CodeProblem,
    blank,
    clamp,
    elision_or_placeholder,
    line_at,
    lower_first,
)

# --------------------------------------------------------------------------- json

_JS_ALIASES = frozenset({"javascript", "js"})

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
                token[:] = ["ws", blank(token[1])]
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
        tokens[index][1] = blank(value)
        if next_text == "," and nxt is not None:
            removed.add(nxt)
            tokens[nxt][1] = " "
        elif next_text in ("]", "}", "") and prev_text == "," and prev is not None:
            removed.add(prev)
            tokens[prev][1] = " "


def check_json(lexer: str, text: str) -> tuple[CodeProblem, ...]:
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
        lineno, column, what = err.lineno, err.colno, lower_first(err.msg)
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
        lineno = clamp(lineno, lines)
        if ELISION_LINE_RE.match(line_at(lines, lineno)):
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


def check_yaml(lexer: str, text: str) -> tuple[CodeProblem, ...]:
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
        lineno = clamp(mark.line + 1 if mark else 1, lines)
        if ELISION_LINE_RE.match(line_at(lines, lineno)):
            return ()
        column = mark.column + 1 if mark else 1
        what = lower_first(err.problem or err.context or str(err))
        return (CodeProblem(lineno, column, f"yaml syntax error: {what}"),)
    except yaml.YAMLError:
        return ()
    return ()


# --------------------------------------------------------------------------- ini

# A top-level line that opens a section header but never closes it.
INI_UNCLOSED_SECTION_RE = re.compile(r"^\[[^\]]*$")
_INI_DUMMY_SECTION = "[novadoclint-snippet]\n"


def check_ini(lexer: str, text: str) -> tuple[CodeProblem, ...]:
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
            line = line_at(lines, number)
            if number in problems or not line or elision_or_placeholder(line):
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


def check_toml(lexer: str, text: str) -> tuple[CodeProblem, ...]:
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
                column = len(line_at(lines, lineno)) + 1
            lineno = clamp(lineno, lines)
            if elision_or_placeholder(line_at(lines, lineno)):
                return ()
            what = lower_first(TOML_POSITION_RE.sub("", message))
            if TOML_AGAIN_RE.match(what) and shown[lineno - 1]:
                shown[lineno - 1] = ""  # a key or table shown again: an alternative, or more of it
                continue
            return (CodeProblem(lineno, max(1, column), f"toml syntax error: {what}"),)
        return ()
    return ()
