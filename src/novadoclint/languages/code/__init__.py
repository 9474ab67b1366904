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

import textwrap
from collections.abc import Callable, Mapping
from types import MappingProxyType

from novadoclint.languages.code.data import check_ini, check_json, check_toml, check_yaml
from novadoclint.languages.code.lexers import language_family, lexer_known, lexer_near_miss
from novadoclint.languages.code.markup import check_rst, check_xml
from novadoclint.languages.code.python import check_pycon, check_python
from novadoclint.languages.code.shell import check_bash
from novadoclint.languages.code.snippets import ELISION_LINE_RE, CodeProblem, first_code_line

__all__ = ["CodeProblem", "check_code", "language_family", "lexer_known", "lexer_near_miss"]


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
    if family == "python" and first_code_line(text).lstrip().startswith(">>>"):
        family = "pycon"
    if family == "bash":
        return check_bash(text) if check_shell else ()
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


_CHECKERS: Mapping[str, Callable[[str, str], tuple[CodeProblem, ...]]] = MappingProxyType(
    {
        "python": check_python,
        "pycon": check_pycon,
        "json": check_json,
        "yaml": check_yaml,
        "ini": check_ini,
        "toml": check_toml,
        "xml": check_xml,
        "rst": check_rst,
    }
)
