"""Rules for code blocks: content parses in its language, lexer names Pygments or Sphinx knows."""

from __future__ import annotations
