"""Rules for files the documents name: includes, literal includes, images, downloads."""

from __future__ import annotations
