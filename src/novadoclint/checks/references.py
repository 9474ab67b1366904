"""Cross-references between documents: :doc: targets, :ref: and :numref: labels."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from novadoclint import data
from novadoclint.context import Context
from novadoclint.edits import Fix, FixSafety
from novadoclint.facts import Label, Ref
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.project import generated
from novadoclint.registry import Phase, rule
from novadoclint.resolve import (
    BUILTIN_LABELS,
    Suggestions,
    did_you_mean,
    doc_target,
    external_label,
    intersphinx_names,
    inventories_searched,
    label_target,
    nitpick_ignored,
    resolve_doc,
    warning_suppressed,
    xref_disabled,
)
from novadoclint.retarget import role_target_fix, written_like
from novadoclint.safety import untrusted

DOC_ROLES = frozenset({"doc", "std:doc"})
REF_ROLES = frozenset({"ref", "std:ref"})
NUMREF_ROLES = frozenset({"numref", "std:numref"})


def _refs(index: FactsIndex, roles: frozenset[str]) -> Iterator[tuple[str, Ref]]:
    """(docname, ref) for every enabled reference of these roles, in document order."""
    for docname in sorted(index.docs):
        for ref in index.docs[docname].refs:
            if ref.role in roles and not xref_disabled(ref.title, ref.target):
                yield docname, ref


def _quiet(index: FactsIndex, role: str, target: str) -> bool:
    """conf.py told Sphinx not to warn about this reference."""
    values = index.conf.values
    kind = role.removeprefix("std:")
    return warning_suppressed(values, "ref", kind) or nitpick_ignored(values, role, target)


@rule("doc-ref-missing", Severity.ERROR, Phase.TREE, tags={"references"}, fix=FixSafety.UNSAFE)
def doc_ref_missing(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A `:doc:` reference whose target is no document.

    With `--unsafe-fixes`, a target whose hint names one document, no other
    as close, is replaced by it as the target was written (relative, with
    `../`, or absolute; absolute in an included file), its title kept; a `~`
    or a source suffix goes. No fix for a tie, nor for a target meant for
    another project (a `name:` prefix close to an intersphinx_mapping key).

    ## Why is this bad?
    Sphinx renders it as plain text and logs `unknown document` in a long
    build; readers meet a dead end, and the build fails only where `-W` is set.
    Targets are resolved as Sphinx does: relative to the referring document
    unless they start with `/`; a `!` prefix turns the link off. Sphinx strips
    nothing else: `~page` and `page.rst` name no document. A document the
    build writes before Sphinx reads (apidoc's and autosummary's pages, files
    extensions or the docs tox environment write) is not missing; one it only
    probably writes is counted by `generated-assumed`.

    ## Example
    ```rst
    .. file: index.rst
    See :doc:`instal` for the steps.
    .. file: install.rst
    Installing
    ==========
    ```

    ## Use instead
    ```rst
    .. file: index.rst
    See :doc:`install` for the steps.
    .. file: install.rst
    Installing
    ==========
    ```
    """
    for docname, ref, hint, candidate in _doc_misses(index, ctx):
        if hint is not None:
            yield Hit(
                Location(ref.path, ref.line, ref.column),
                f"unknown document: {ref.target!r}{hint}",
                cause=docname,
                fix=_doc_fix(index, docname, ref, candidate),
            )
    _asked_nitpick(index, "doc-ref-missing")


def doc_misses(index: FactsIndex, ctx: Context) -> Iterator[tuple[str, Ref, str | None]]:
    """(docname, ref, hint) for each :doc: that names no document, in document order."""
    for docname, ref, hint, _ in _doc_misses(index, ctx):
        yield docname, ref, hint


def _doc_misses(
    index: FactsIndex, ctx: Context
) -> Iterator[tuple[str, Ref, str | None, str | None]]:
    """(docname, ref, hint, candidate) for each :doc: that names no document, in order.

    The candidate is the document the hint names when it is also the one
    close document (resolve.closest) of the target read from the document's
    folder, as Sphinx reads it; else None, and None for a ``name:`` prefix
    close to an intersphinx_mapping key.

    A document the build writes (generated.BuildOutput) is left to
    generated_doc_refs.

    A target ``name:doc`` where name is an intersphinx_mapping key is another
    project's document, never reported. The hint is None where Sphinx would
    look the target up as is in every inventory: only when conf.py removes
    'std:doc' from ``intersphinx_disabled_reftypes`` (disabled since Sphinx 7).
    """
    conf = index.conf
    inventories = intersphinx_names(conf.values, conf.extensions)
    searched = inventories_searched(conf.values, conf.extensions, "std:doc", conf.unknown)
    output = generated.of(index, ctx)
    suggest = Suggestions((*index.docs, *output.docnames()))
    for docname, ref in _refs(index, DOC_ROLES):
        if resolve_doc(index.docs, docname, ref.target) is not None:
            continue
        if output.doc(doc_target(docname, ref.target)) is not None:
            continue
        if _quiet(index, ref.role, ref.target) or external_label(ref.target, inventories):
            continue
        plain = _plain_doc(index, ref.target)
        hint = suggest.hint(plain)
        misspelt = _misspelt(ref.target, inventories)  # another project's page: no fix
        # the hint reads the target as written, Sphinx from the document's folder: a fix
        # needs the one close document of Sphinx's reading to be the one the hint names
        read = _plain_doc(index, doc_target(docname, ref.target.lstrip("~")))
        candidate = suggest.unique(read) if hint and not misspelt else None
        if candidate is not None and suggest.hint(read) != hint:
            candidate = None
        if not hint and misspelt:
            hint = _inventory_hint(ref.target, inventories)
        yield docname, ref, None if searched and not hint else hint, candidate


def generated_doc_refs(
    index: FactsIndex, ctx: Context
) -> Iterator[tuple[str, Ref, generated.Generator]]:
    """(docname, ref, writer) for each :doc: naming a document only the build writes."""
    output = generated.of(index, ctx)
    for docname, ref in _refs(index, DOC_ROLES):
        if resolve_doc(index.docs, docname, ref.target) is not None:
            continue
        writer = output.doc(doc_target(docname, ref.target))
        if writer is not None and not _quiet(index, ref.role, ref.target):
            yield docname, ref, writer


def _doc_fix(index: FactsIndex, docname: str, ref: Ref, candidate: str | None) -> Fix | None:
    """The target rewritten to name the one candidate (retarget.written_like), or None."""
    if candidate is None or candidate not in index.docs:
        return None
    included = ref.path != index.docs[docname].path
    new = written_like(ref.target, docname, candidate, included=included)
    if resolve_doc(index.docs, docname, new) != candidate:
        return None
    return role_target_fix(index.tree_files, ref, new)


def _plain_doc(index: FactsIndex, target: str) -> str:
    """The target without what people wrongly add (~, /, a source suffix), for the hint."""
    plain = target.lstrip("~/")
    for suffix in index.conf.source_suffixes:
        plain = plain.removesuffix(suffix)
    return plain


@rule("ref-label-missing", Severity.ERROR, Phase.TREE, tags={"references"}, fix=FixSafety.UNSAFE)
def ref_label_missing(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A `:ref:` or `:numref:` to a label that no document defines.

    With `--unsafe-fixes`, a target whose hint names one label, no other as
    close, is replaced by it, its title kept; no fix for a tie, nor for a
    `name:` target (another project's, or `intersphinx_resolve_self`'s).

    ## Why is this bad?
    Sphinx logs `undefined label` and renders the reference as plain text:
    the link readers expect is not there. Labels are explicit targets
    (`.. _name:`) in any document, including those inside `only` blocks and
    included files, plus section titles when `sphinx.ext.autosectionlabel` is
    enabled. Targets are compared as Sphinx does: case and runs of whitespace
    do not matter. A target `name:label` where `name` is an
    `intersphinx_mapping` key points into another project and is not checked.

    ## Example
    ```rst
    .. file: index.rst
    See :ref:`instal-steps`.
    .. file: install.rst
    .. _install-steps:

    Installing
    ==========
    ```

    ## Use instead
    ```rst
    .. file: index.rst
    See :ref:`install-steps`.
    .. file: install.rst
    .. _install-steps:

    Installing
    ==========
    ```

    ## Known problems
    With `sphinx.ext.intersphinx` and an `intersphinx_mapping`, Sphinx also
    looks a label no document defines up in every inventory (unless
    `intersphinx_disabled_reftypes` lists `std:label`, `std:*` or `*`).
    Inventories are not read here, so such a label is reported only when it
    is a near miss of a label this project defines, or its `name:` prefix a
    near miss of a mapping key; the others are counted once, at info level,
    by `intersphinx-assumed`. Likewise where a page the build writes, a
    directive of a local extension or an unreadable extension may define
    labels novadoclint cannot see: only near misses are reported, the others
    are counted by `ref-label-assumed`.
    `:numref:` to a label that exists but sits on no figure, table, code block
    or section is not reported. With autosectionlabel, Sphinx names a section
    by its title's source text, markup included (``` ``nova-manage`` usage ```);
    here the title's plain text is used.
    """
    for docname, ref, target, hint, _, candidate in _label_misses(index, ctx):
        if hint is not None:
            fix = None if candidate is None else role_target_fix(index.tree_files, ref, candidate)
            yield Hit(
                Location(ref.path, ref.line, ref.column),
                f"undefined label: {target!r}{hint}",
                cause=docname,
                fix=fix,
            )
    _asked_nitpick(index, "ref-label-missing")


def label_misses(
    index: FactsIndex, ctx: Context
) -> Iterator[tuple[str, Ref, str, str | None, str]]:
    """(docname, ref, target, hint, assumed) for each label no document defines, in order."""
    for docname, ref, target, hint, assumed, _ in _label_misses(index, ctx):
        yield docname, ref, target, hint, assumed


def _label_misses(
    index: FactsIndex, ctx: Context
) -> Iterator[tuple[str, Ref, str, str | None, str, str | None]]:
    """(docname, ref, target, hint, assumed, candidate) for each undefined label, in order.

    The hint is None where Sphinx would go on to look the label up in the
    intersphinx inventories, which are not read here: a target written as is
    (no ``name:`` prefix, or one that is no near miss of a mapping key) and
    no near miss of a local label (``assumed`` is "intersphinx"). Only :ref:
    is looked up so; :numref: has no object type an inventory holds. It is
    None too where something novadoclint cannot see into may define the
    label (label_sources; ``assumed`` is "unseen"), unless it is a near miss.
    The candidate is the local label the hint names when no other is as
    close (resolve.closest) and the target has no ``name:`` prefix (this
    project's, or a near miss of a mapping key), else None.
    """
    labels = index.all_labels
    inventories = intersphinx_names(index.conf.values, index.conf.extensions)
    searched = inventories_searched(
        index.conf.values, index.conf.extensions, "std:label", index.conf.unknown
    )
    resolve_self = index.conf.get("intersphinx_resolve_self")
    suggest = index.label_suggestions
    for docname, ref in _refs(index, REF_ROLES | NUMREF_ROLES):
        target = label_target(ref.target)
        name = _local_name(target, resolve_self)
        if name in labels or name in BUILTIN_LABELS or _quiet(index, ref.role, target):
            continue
        if name == target and external_label(target, inventories):
            continue
        local = suggest.hint(name)
        mine = name == target and not _misspelt(name, inventories)
        candidate = suggest.unique(name) if local and mine else None
        if searched and ref.role in REF_ROLES and not local and not _misspelt(name, inventories):
            yield docname, ref, target, None, "intersphinx", None
        elif not local and name == target and label_sources(index, ctx):
            yield docname, ref, target, None, "unseen", None
        else:
            hint = local or _inventory_hint(name, inventories)
            yield docname, ref, target, hint, "", candidate


def _misspelt(target: str, inventories: frozenset[str]) -> bool:
    """A 'name:label' whose name is a near miss of an intersphinx_mapping key."""
    prefix, sep, _ = target.partition(":")
    known = inventories - {"*"}
    return bool(sep) and bool(known) and bool(did_you_mean(prefix, known))


def _inventory_hint(target: str, inventories: frozenset[str]) -> str:
    """How to point at another project: a misspelt inventory name, or none given."""
    prefix, sep, _ = target.partition(":")
    if not inventories or "*" in inventories:
        return ""
    if not sep:
        names = ", ".join(sorted(inventories))
        return f"; if another project defines it, write '<name>:{target}' (intersphinx: {names})"
    close = did_you_mean(prefix, inventories)
    return (
        f"; {prefix!r} is no intersphinx_mapping key{close.replace(';', ',', 1)}" if close else ""
    )


def _local_name(target: str, resolve_self: object) -> str:
    """``intersphinx_resolve_self``: 'thisproject:label' is this project's 'label'."""
    if isinstance(resolve_self, str) and resolve_self and target.startswith(resolve_self + ":"):
        return target[len(resolve_self) + 1 :]
    return target


@rule("ref-title-missing", Severity.ERROR, Phase.TREE, tags={"references"})
def ref_title_missing(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A `:ref:` without a title to a label that is not before a section, figure or table.

    ## Why is this bad?
    Sphinx takes the link text of `:ref:`label`` from what the label sits on:
    a section title, a figure or code-block caption, a table title. A label
    before a plain paragraph or a list has none, so Sphinx logs "Failed to
    create a cross reference. A title or caption not found" and the link is
    lost. Give the reference its own text, or move the label before a title.
    A label right before a directive novadoclint cannot see into (a local
    extension's, an unreadable one's, or one declared in `extra-directives`)
    may sit on a titled table or a section the directive makes: it is counted
    by `ref-label-assumed` instead.

    ## Example
    ```rst
    .. file: index.rst
    See :ref:`retry-note`.
    .. file: install.rst
    Installing
    ==========

    .. _retry-note:

    Retry when the download fails.
    ```

    ## Use instead
    ```rst
    .. file: index.rst
    See :ref:`the retry note <retry-note>`.
    .. file: install.rst
    Installing
    ==========

    .. _retry-note:

    Retry when the download fails.
    ```
    """
    for ref, target, places in untitled(index, ctx):
        yield Hit(
            Location(ref.path, ref.line, ref.column),
            "failed to create a cross reference. A title or caption not found: "
            f"{target!r}; write :ref:`text <{target}>` or put the label before a section title",
            cause=places[0][0],  # the label's document: moving the label caused it
        )
    _asked_nitpick(index, "ref-title-missing")


def untitled(
    index: FactsIndex, ctx: Context, *, unseen: bool = False
) -> Iterator[tuple[Ref, str, tuple[tuple[str, Label], ...]]]:
    """(ref, target, places) for each :ref: without a title to labels on no title, in order.

    A label right before a directive novadoclint cannot see into (one a local
    extension, conf.py or an extension outside its table registers, or
    extra-directives declares) may sit on a titled table or a section the
    directive makes: those are left out, or with ``unseen`` the only ones given.
    """
    labels = index.all_labels
    for _docname, ref in _refs(index, REF_ROLES):
        if ref.title is not None:
            continue
        target = label_target(ref.target)
        places = labels.get(target)
        if not places or target in BUILTIN_LABELS or any(label.titled for _, label in places):
            continue
        if _quiet(index, ref.role, target):
            continue
        if any(_before_unseen(index, ctx, docname, label) for docname, label in places) is unseen:
            yield ref, target, places


def _before_unseen(index: FactsIndex, ctx: Context, docname: str, label: Label) -> bool:
    """The label sits right before (blank lines and other labels apart) an unseen directive."""
    doc = index.docs.get(docname)
    if doc is None:
        return False
    after = [d for d in doc.directives if d.path == label.path and d.line > label.line]
    if not after:
        return False
    directive = min(after, key=lambda d: d.line)
    if _provider_seen(index, ctx, directive.name):
        return False
    try:
        text = untrusted.read_text(os.path.join(index.srcdir, label.path))
    except (OSError, UnicodeDecodeError):
        return False
    between = text.splitlines()[label.line : directive.line - 1]
    return all(not line.strip() or LABEL_LINE_RE.match(line) for line in between)


LABEL_LINE_RE = re.compile(r"^\s*\.\. _[^:]*:\s*$")


def _provider_seen(index: FactsIndex, ctx: Context, name: str) -> bool:
    """Sphinx, docutils or an extension of novadoclint's table registers the directive."""
    provider = _directive_providers(ctx).get(name)
    table = data.load("extensions").get("extension", {})
    return provider is None or provider == "sphinx" or provider in table


def _directive_providers(ctx: Context) -> dict[str, str]:
    return {name: provider for name, _, provider in ctx.vocabulary.directives}


def label_sources(index: FactsIndex, ctx: Context) -> tuple[str, ...]:
    """What may define labels novadoclint cannot see, each said as a phrase; () for none.

    Pages the build writes whose text is unknown (a local extension's, the
    docs tox environment's, generated-files) that the tree refers to;
    directives the documents use that a project-local extension or conf.py
    registers and whose code writes a label (``.. _`` in a string) or notes
    an explicit target, or that extra-directives declares; and extensions
    novadoclint cannot read at all. Computed once per index.
    """
    cached = vars(index).get("_label_sources")
    if isinstance(cached, tuple):
        return cached
    from novadoclint.checks.toctree import generated_entries

    found: dict[str, None] = {}
    writers = [w for _, w in generated_entries(index, ctx)]
    writers += [w for _, _, w in generated_doc_refs(index, ctx)]
    for writer in writers:
        if writer.opaque:
            found.setdefault(f"pages {writer.name}", None)
    providers = _directive_providers(ctx)
    used = sorted({d.name for doc in index.docs.values() for d in doc.directives})
    for name in used:
        provider = providers.get(name)
        if provider is None or _provider_seen(index, ctx, name):
            continue
        if provider == "config":
            found.setdefault(f"directive {name!r} (extra-directives)", None)
        elif generated.makes_labels(index, provider):
            found.setdefault(f"directive {name!r} ({provider})", None)
    for ext in ctx.vocabulary.unknown_extensions:
        found.setdefault(f"extension {ext!r}, which novadoclint cannot read", None)
    result = tuple(found)
    vars(index)["_label_sources"] = result
    return result


def nitpick_asked(index: FactsIndex) -> set[str]:
    """The rules that have asked nitpick_ignore_regex all they would ask of this tree."""
    asked: set[str] = vars(index).get("_nitpick_asked", set())
    return asked


def _asked_nitpick(index: FactsIndex, rule_id: str) -> None:
    """Note that a rule has asked nitpick_ignore_regex all it would ask of this tree.

    Kept in the index's ``__dict__``, as its cached properties are (it is frozen).
    """
    vars(index).setdefault("_nitpick_asked", set()).add(rule_id)
