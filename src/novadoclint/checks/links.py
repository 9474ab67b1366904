"""Rules for external links: well-formed, targets defined and used, and (with --check-links) alive."""

from __future__ import annotations
