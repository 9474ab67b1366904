"""Rules for images: formats the HTML builder can show, alt text, image files nothing uses."""

from __future__ import annotations
