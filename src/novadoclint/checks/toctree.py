"""Rules for toctree entries, orphan documents, documents listed twice."""

from __future__ import annotations
