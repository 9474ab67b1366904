"""novadoclint: a fast, Sphinx-aware linter for reStructuredText documentation trees."""

from __future__ import annotations

__version__ = "0.1.0"
