"""Sphinx's name rules as pure functions; nowhere else knows them.

Docnames are posix paths without suffix, relative to the source dir. A
reference from a document is relative to that document's folder unless it
starts with ``/`` (sphinx.util.docname_join and the std domain's resolvers).
"""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Collection, Iterable

from novadoclint.collect import normalise_label


def docname_join(basedocname: str, docname: str) -> str:
    return posixpath.normpath(posixpath.join("/" + basedocname, "..", docname))[1:]


def strip_suffix(target: str, suffixes: Iterable[str]) -> str:
    for suffix in suffixes:
        if suffix and target.endswith(suffix):
            return target[: -len(suffix)]
    return target


def doc_target(fromdoc: str, target: str) -> str:
    """The docname a :doc: or toctree target names (``~``/``!`` prefixes dropped)."""
    target = target.lstrip("~!").strip()
    if target.startswith("/"):
        return posixpath.normpath(target[1:])
    return docname_join(fromdoc, target)


def resolve_doc(
    docs: Collection[str], fromdoc: str, target: str, suffixes: Iterable[str] = (".rst",)
) -> str | None:
    name = doc_target(fromdoc, strip_suffix(target.lstrip("~!"), suffixes))
    return name if name in docs else None


def label_target(target: str) -> str:
    return normalise_label(target.lstrip("~!"))


def did_you_mean(wanted: str, candidates: Iterable[str]) -> str:
    """'; did you mean 'x'?' for the closest candidate, or ''."""
    pool = list(candidates)
    close = difflib.get_close_matches(wanted, pool, n=1, cutoff=0.6)
    if not close:
        tail = wanted.rsplit("/", 1)[-1]
        close = [c for c in pool if c.rsplit("/", 1)[-1] == tail][:1]
    return f"; did you mean {close[0]!r}?" if close else ""
