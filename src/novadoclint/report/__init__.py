"""Formatters: each a pure ``render(run, color) -> str``, keyed by name."""

from __future__ import annotations

from collections.abc import Callable

from novadoclint.findings import Run
from novadoclint.report import github, json_format, junit, sarif, text

Formatter = Callable[[Run, bool], str]

FORMATS: dict[str, Formatter] = {
    "text": text.render,
    "json": json_format.render,
    "sarif": sarif.render,
    "github": github.render,
    "junit": junit.render,
}
