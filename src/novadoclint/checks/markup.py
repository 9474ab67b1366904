"""Rules for markup mistakes docutils accepts silently (roles without backticks, links missing their underscore...)."""

from __future__ import annotations
