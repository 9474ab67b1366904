"""Loads the TOML data shipped from the top-level ``rules/`` folder.

In a wheel the folder is ``novadoclint/rules``; in a source checkout (editable
install) it is ``<repo>/rules``. Reading goes through here only, so a missing
data file fails loudly in one place.

A data file may have a JSON twin beside it (``extensions.json``, written by
``tools/data_twins.py``): the same table with the sha256 of the TOML bytes it
was made from. tomllib takes ~7 ms on ``extensions.toml``, json ~0.2 ms, and
every run loads it, so the twin is read whenever it was made from the TOML as
it is now; a twin that is missing, stale or unreadable is ignored and the TOML
parsed (``tests/test_data_twins.py`` fails on a stale one).
"""

from __future__ import annotations

import hashlib
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

#: The key of a twin's TOML digest; its table is under ``data``.
TWIN_DIGEST = "toml_sha256"
#: The data files with a twin: those every run loads (a profile is read by project.policy).
TWINNED = ("extensions",)


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
    folder = rules_dir()
    raw = (folder / f"{name}.toml").read_bytes()
    twin = _twin(folder / f"{name}.json", hashlib.sha256(raw).hexdigest())
    if twin is not None:
        return twin
    loaded: dict[str, Any] = tomllib.loads(raw.decode("utf-8"))
    return loaded


def _twin(path: Path, digest: str) -> dict[str, Any] | None:
    """The table of the JSON twin at *path* if it was made from TOML bytes of this *digest*."""
    try:
        twin = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(twin, dict) or twin.get(TWIN_DIGEST) != digest:
        return None
    table = twin.get("data")
    return table if isinstance(table, dict) else None


def twin_text(toml_bytes: bytes) -> str:
    """The JSON twin of a data file with these bytes (what tools/data_twins.py writes)."""
    table = tomllib.loads(toml_bytes.decode("utf-8"))
    twin = {TWIN_DIGEST: hashlib.sha256(toml_bytes).hexdigest(), "data": table}
    return json.dumps(twin, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def profiles() -> tuple[str, ...]:
    """Policy profiles shipped in rules/ (every file but the extension table)."""
    return tuple(sorted(p.stem for p in rules_dir().glob("*.toml") if p.stem != "extensions"))
