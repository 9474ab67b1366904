"""Rules for redirect rules (.htaccess under html_extra_path) and their tests."""

from __future__ import annotations
