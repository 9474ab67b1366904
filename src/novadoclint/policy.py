"""Placement policies (``rules/<profile>.toml``): which sections an index page has.

Loaded once per run by the engine and handed to rules through ``Context.policy``.
"""

from __future__ import annotations

from typing import Any

from novadoclint import data


def load_policy(profile: str | None) -> dict[str, Any]:
    """The policy of a profile shipped in rules/, or {} when no profile is active."""
    return data.load(profile) if profile else {}
