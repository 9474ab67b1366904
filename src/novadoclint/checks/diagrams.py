"""Rules for diagram directives: extension enabled and installed, source parses, nodes declared, files exist."""

from __future__ import annotations
