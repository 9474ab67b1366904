"""FactsIndex: every document's facts plus derived, lazily computed lookups.

Built once after phase 1 and read by every cross-document rule; each derived
view is computed on first use, in one pass over the facts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from novadoclint.facts import DocFacts, Label
from novadoclint.sphinxconf import SphinxConf


@dataclass(frozen=True)
class FactsIndex:
    srcdir: str  # absolute
    conf: SphinxConf
    docs: Mapping[str, DocFacts]  # docname -> facts
    files: frozenset[str]  # every file under the source dir, relative posix

    @cached_property
    def labels(self) -> Mapping[str, tuple[tuple[str, Label], ...]]:
        """Label name -> every (docname, label) defining it."""
        found: dict[str, list[tuple[str, Label]]] = {}
        for docname in sorted(self.docs):
            for label in self.docs[docname].labels:
                found.setdefault(label.name, []).append((docname, label))
        return {name: tuple(places) for name, places in found.items()}

    def exists(self, path: str) -> bool:
        """A path relative to the source dir ("../" allowed) names an existing file."""
        if path in self.files:
            return True
        return os.path.isfile(os.path.join(self.srcdir, path))
