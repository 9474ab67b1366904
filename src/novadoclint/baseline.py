"""Baselines: adopt the linter on a tree with existing findings, fail only on new ones.

An entry matches a finding by path, rule and message, never by line, so edits
elsewhere in a file do not break it. Entries count: a baseline holding one
``doc-ref-missing`` for a page absorbs one such finding, not every future one.
Paths are stored relative to the baseline file's folder, so the file works
from any working directory. The file is read and rendered here (the command
line writes it, whole or not at all, as it writes every report); which findings
it takes out of a run is decided in :mod:`novadoclint.decide`.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from novadoclint.findings import Finding, Run
from novadoclint.settings import ConfigError

BASELINE_VERSION = 1
Key = tuple[str, str, str]


def key(finding: Finding, base: Path) -> Key:
    """How an entry names a finding: path relative to ``base``, rule, message."""
    path = os.path.relpath(os.path.abspath(finding.path), base).replace(os.sep, "/")
    return (path, finding.rule, finding.message)


def render(run: Run, path: Path) -> str:
    """The baseline file at path that records the run's findings (the caller writes it)."""
    base = path.resolve().parent
    entries = [
        {"path": p, "rule": r, "message": m}
        for p, r, m in sorted(key(f, base) for f in run.findings)
    ]
    data = {"version": BASELINE_VERSION, "tool": "novadoclint", "findings": entries}
    return json.dumps(data, indent=2) + "\n"


def read(path: Path) -> Counter[Key]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read baseline: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise ConfigError(path, line, f"baseline is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise ConfigError(path, None, f"not a novadoclint baseline (version {BASELINE_VERSION})")
    try:
        return Counter((e["path"], e["rule"], e["message"]) for e in data["findings"])
    except (KeyError, TypeError):
        raise ConfigError(path, None, "baseline entries need path, rule and message") from None
