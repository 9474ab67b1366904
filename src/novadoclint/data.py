"""Loads the TOML data shipped from the top-level ``rules/`` folder.

In a wheel the folder is ``novadoclint/rules``; in a source checkout (editable
install) it is ``<repo>/rules``. Reading goes through here only, so a missing
data file fails loudly in one place.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]


def rules_dir() -> Path:
    packaged = Path(__file__).parent / "rules"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "rules"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"novadoclint's rules data folder is missing (looked in {packaged})")


@cache
def load(name: str) -> dict[str, Any]:
    """A data file by name (``extensions``, ``nova``...), parsed once per process."""
    with (rules_dir() / f"{name}.toml").open("rb") as f:
        loaded: dict[str, Any] = tomllib.load(f)
        return loaded


def profiles() -> tuple[str, ...]:
    """Policy profiles shipped in rules/ (every file but the extension table)."""
    return tuple(sorted(p.stem for p in rules_dir().glob("*.toml") if p.stem != "extensions"))
