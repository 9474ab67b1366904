"""Rules for where pages sit on index pages: section placement policies, bullet lists paired with toctrees."""

from __future__ import annotations
