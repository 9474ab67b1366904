"""Cross-references between documents: :doc: targets, :ref: and :numref: labels."""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator

from novadoclint import data, generated, saferegex, untrusted
from novadoclint.context import Context
from novadoclint.facts import Label, Ref
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
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
    nitpick_regexes,
    resolve_doc,
    warning_suppressed,
    xref_disabled,
)

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


@rule("doc-ref-missing", Severity.ERROR, Phase.TREE, tags={"references"})
def doc_ref_missing(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A `:doc:` reference whose target is no document.

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
    for docname, ref, hint in _doc_misses(index, ctx):
        if hint is not None:
            yield Hit(
                Location(ref.path, ref.line, ref.column),
                f"unknown document: {ref.target!r}{hint}",
                cause=docname,
            )
    _asked_nitpick(index, "doc-ref-missing")


def _doc_misses(index: FactsIndex, ctx: Context) -> Iterator[tuple[str, Ref, str | None]]:
    """(docname, ref, hint) for each :doc: that names no document, in document order.

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
        hint = suggest.hint(_plain_doc(index, ref.target))
        if not hint and _misspelt(ref.target, inventories):
            hint = _inventory_hint(ref.target, inventories)
        yield docname, ref, None if searched and not hint else hint


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


def _plain_doc(index: FactsIndex, target: str) -> str:
    """The target without what people wrongly add (~, /, a source suffix), for the hint."""
    plain = target.lstrip("~/")
    for suffix in index.conf.source_suffixes:
        plain = plain.removesuffix(suffix)
    return plain


@rule("ref-label-missing", Severity.ERROR, Phase.TREE, tags={"references"})
def ref_label_missing(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A `:ref:` or `:numref:` to a label that no document defines.

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
    for docname, ref, target, hint, _ in _label_misses(index, ctx):
        if hint is not None:
            yield Hit(
                Location(ref.path, ref.line, ref.column),
                f"undefined label: {target!r}{hint}",
                cause=docname,
            )
    _asked_nitpick(index, "ref-label-missing")


def _label_misses(
    index: FactsIndex, ctx: Context
) -> Iterator[tuple[str, Ref, str, str | None, str]]:
    """(docname, ref, target, hint, assumed) for each label no document defines, in order.

    The hint is None where Sphinx would go on to look the label up in the
    intersphinx inventories, which are not read here: a target written as is
    (no ``name:`` prefix, or one that is no near miss of a mapping key) and
    no near miss of a local label (``assumed`` is "intersphinx"). Only :ref:
    is looked up so; :numref: has no object type an inventory holds. It is
    None too where something novadoclint cannot see into may define the
    label (label_sources; ``assumed`` is "unseen"), unless it is a near miss.
    """
    labels = index.all_labels
    inventories = intersphinx_names(index.conf.values, index.conf.extensions)
    searched = inventories_searched(
        index.conf.values, index.conf.extensions, "std:label", index.conf.unknown
    )
    resolve_self = index.conf.get("intersphinx_resolve_self")
    suggest = Suggestions(labels)
    for docname, ref in _refs(index, REF_ROLES | NUMREF_ROLES):
        target = label_target(ref.target)
        name = _local_name(target, resolve_self)
        if name in labels or name in BUILTIN_LABELS or _quiet(index, ref.role, target):
            continue
        if name == target and external_label(target, inventories):
            continue
        local = suggest.hint(name)
        if searched and ref.role in REF_ROLES and not local and not _misspelt(name, inventories):
            yield docname, ref, target, None, "intersphinx"
        elif not local and name == target and label_sources(index, ctx):
            yield docname, ref, target, None, "unseen"
        else:
            yield docname, ref, target, local or _inventory_hint(name, inventories), ""


def _misspelt(target: str, inventories: frozenset[str]) -> bool:
    """A 'name:label' whose name is a near miss of an intersphinx_mapping key."""
    prefix, sep, _ = target.partition(":")
    known = inventories - {"*"}
    return bool(sep) and bool(known) and bool(did_you_mean(prefix, known))


@rule("intersphinx-assumed", Severity.INFO, Phase.TREE, tags={"references"})
def intersphinx_assumed(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """References this project does not resolve, assumed to be in intersphinx inventories.

    ## Why is this bad?
    It may not be. With `sphinx.ext.intersphinx` and an `intersphinx_mapping`,
    Sphinx looks a `:ref:` label no document defines up in every inventory
    (since Sphinx 7 only `std:doc` is left out, by
    `intersphinx_disabled_reftypes`). novadoclint reads no inventory, so it
    cannot tell another project's label from a mistake: instead of an error
    at each use, it says once per tree how many labels it took on trust,
    naming a few. A near miss of a label this project defines is still
    `ref-label-missing`. Writing the inventory name (`python:label`) or the
    `:external:` role says where the label lives; adding `'std:label'` to
    `intersphinx_disabled_reftypes` makes Sphinx, and novadoclint, check
    unprefixed labels locally.

    ## Example
    ```rst
    .. conf.py: extensions = ['sphinx.ext.intersphinx']; intersphinx_mapping = {'python': ('https://docs.python.org/3', None)}
    See :ref:`tut-intro`.
    ```

    ## Use instead
    ```rst
    .. conf.py: extensions = ['sphinx.ext.intersphinx']; intersphinx_mapping = {'python': ('https://docs.python.org/3', None)}
    See :ref:`python:tut-intro`.
    ```
    """
    labels = [
        (d, ref, target)
        for d, ref, target, hint, why in _label_misses(index, ctx)
        if hint is None and why == "intersphinx"
    ]
    docs = [(d, ref, ref.target) for d, ref, hint in _doc_misses(index, ctx) if hint is None]
    names = intersphinx_names(index.conf.values, index.conf.extensions) - {"*"}
    inventories = f" ({', '.join(sorted(names))})" if names else ""
    for kind, found in ((":ref: label", labels), (":doc: target", docs)):
        if not found:
            continue
        docname, ref, _ = found[0]
        targets = sorted({target for _, _, target in found})
        shown = ", ".join(repr(t) for t in targets[:ASSUMED_SHOWN])
        more = f" and {len(targets) - ASSUMED_SHOWN} more" if len(targets) > ASSUMED_SHOWN else ""
        yield Hit(
            Location(ref.path, ref.line, ref.column),
            f"{_count(len(targets), kind)} not in this project ({_count(len(found), 'use')}) "
            f"assumed to be in intersphinx inventories, which are not read: {shown}{more}; "
            f"a '<name>:' prefix says which project defines each{inventories}",
            cause=docname,
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


ASSUMED_SHOWN = 5  # names quoted in an intersphinx-assumed finding


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
    for ref, target, places in _untitled(index, ctx):
        yield Hit(
            Location(ref.path, ref.line, ref.column),
            "failed to create a cross reference. A title or caption not found: "
            f"{target!r}; write :ref:`text <{target}>` or put the label before a section title",
            cause=places[0][0],  # the label's document: moving the label caused it
        )
    _asked_nitpick(index, "ref-title-missing")


def _untitled(
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


@rule("ref-label-assumed", Severity.INFO, Phase.TREE, tags={"references"})
def ref_label_assumed(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """Labels and titles taken on trust from directives or pages novadoclint cannot see into.

    ## Why is this bad?
    It may be a mistake. A `:ref:` label no document defines is not
    `ref-label-missing` when something novadoclint cannot read may define
    it: a page the build writes whose text is unknown (a local extension's,
    the docs tox environment's), a directive of a local extension or conf.py
    whose code writes labels (`.. _name:` text, or an explicit target it
    notes), a directive declared in `extra-directives`, or an extension
    novadoclint cannot read. A near miss of a label the project defines is
    still `ref-label-missing`. Likewise a `:ref:` without a title to a label
    right before such a directive is not `ref-title-missing`: the directive
    may make a titled table or a section. Instead of an error at each use,
    this says once per tree what it took on trust, naming a few.

    ## Example
    ```rst
    .. file: index.rst
    .. _overview:

    Index
    =====

    See :ref:`profile-basic`.

    .. toctree::

       generated/profile
    .. file: tox.ini
    [testenv:docs]
    commands =
      python tools/profile.py --output generated/profile.rst
      sphinx-build . _build
    ```

    ## Use instead
    ```rst
    .. file: index.rst
    .. _profile-basic:

    Index
    =====

    See :ref:`profile-basic`.

    .. toctree::

       generated/profile
    .. file: tox.ini
    [testenv:docs]
    commands =
      python tools/profile.py --output generated/profile.rst
      sphinx-build . _build
    ```
    """
    sources = label_sources(index, ctx)
    labels = [
        (d, ref, target)
        for d, ref, target, hint, why in _label_misses(index, ctx)
        if hint is None and why == "unseen"
    ]
    titles = [(p[0][0], ref, target) for ref, target, p in _untitled(index, ctx, unseen=True)]
    said = ", ".join(sources[:ASSUMED_SHOWN])
    said += f" and {len(sources) - ASSUMED_SHOWN} more" if len(sources) > ASSUMED_SHOWN else ""
    for kind, found in ((":ref: label", labels), (":ref: title", titles)):
        if not found:
            continue
        docname, ref, _ = found[0]
        targets = sorted({target for _, _, target in found})
        shown = ", ".join(repr(t) for t in targets[:ASSUMED_SHOWN])
        more = f" and {len(targets) - ASSUMED_SHOWN} more" if len(targets) > ASSUMED_SHOWN else ""
        if kind == ":ref: label":
            why = f"taken to be defined by what novadoclint cannot see into: {shown}{more}; "
            why += f"possible sources: {said}"
        else:
            why = (
                f"taken to be titled by the directive each label sits before, which "
                f"novadoclint cannot see into: {shown}{more}"
            )
        yield Hit(
            Location(ref.path, ref.line, ref.column),
            f"{_count(len(targets), kind)} ({_count(len(found), 'use')}) {why}",
            cause=docname,
        )


@rule("duplicate-label", Severity.WARNING, Phase.TREE, tags={"references"})
def duplicate_label(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A label defined in two documents (or by two sections, with autosectionlabel).

    ## Why is this bad?
    Sphinx keeps one of the two and `:ref:` silently links to whichever
    document it read last, so readers land on the wrong page. It warns
    "duplicate label" only when the first definition sits before a title;
    this rule reports every label defined in more than one document. A label
    in a file that two documents `include` is defined twice too.

    ## Example
    ```rst
    .. file: index.rst
    .. _setup:

    Index
    =====
    .. file: install.rst
    .. _setup:

    Installing
    ==========
    ```

    ## Use instead
    ```rst
    .. file: index.rst
    .. _overview:

    Index
    =====
    .. file: install.rst
    .. _setup:

    Installing
    ==========
    ```
    """
    first: dict[str, tuple[str, Label]] = {}  # the std domain's anonlabels, in read order
    titled: dict[str, str] = {}  # its labels: name -> docname of the titled definition
    sections = index.section_labels
    by_doc: dict[str, list[tuple[str, Label]]] = {}
    for name, places in sections.items():
        for docname, label in places:
            by_doc.setdefault(docname, []).append((name, label))
    reported: set[tuple[str, str, int]] = set()  # a file included thrice: one finding
    for docname in sorted(index.docs):
        for label in index.docs[docname].labels:
            prior = first.get(label.name)
            place = (label.name, label.path, label.line)
            if prior is not None and prior[0] != docname and place not in reported:
                reported.add(place)
                yield _duplicate(index, label, prior, docname)
            first.setdefault(label.name, (docname, label))
            if label.titled:
                titled[label.name] = docname
        for name, label in by_doc.get(docname, ()):
            if name in titled and not warning_suppressed(
                index.conf.values, "autosectionlabel", docname
            ):
                yield _duplicate(index, label, first[name], docname, section=True)
            first.setdefault(name, (docname, label))
            titled[name] = docname


def _duplicate(
    index: FactsIndex,
    label: Label,
    prior: tuple[str, Label],
    docname: str,
    *,
    section: bool = False,
) -> Hit:
    other_doc, other = prior
    where, here = index.docs[other_doc].path, index.docs[docname].path
    if section:
        hint = "; autosectionlabel labels section titles: rename the section or the other label"
    elif other.path != label.path:
        hint = "; rename one of them"
    elif label.path in (where, here):
        includer = here if label.path == where else where
        hint = (
            f"; {label.path} is a document and is also included by {includer}: "
            "give files meant for inclusion another suffix (.txt) or no labels"
        )
    else:
        hint = (
            f"; {label.path} is included by both {where} and {here}: "
            "keep labels out of files included more than once"
        )
    return Hit(
        Location(label.path, label.line),
        f"duplicate label {label.name}, other instance in {where}{hint}",
        cause=other_doc,  # reported at the later definition: a change to either shows it
    )


# Rules that consult nitpick_ignore_regex, each on every reference it would report.
NITPICK_RULES = {r.id: r for r in (doc_ref_missing, ref_label_missing, ref_title_missing)}


def _asked_nitpick(index: FactsIndex, rule_id: str) -> None:
    """Note that a rule has asked nitpick_ignore_regex all it would ask of this tree.

    Kept in the index's ``__dict__``, as its cached properties are (it is frozen).
    """
    vars(index).setdefault("_nitpick_asked", set()).add(rule_id)


@rule("regex-timeout", Severity.WARNING, Phase.TREE, tags={"references"})
def regex_timeout(index: FactsIndex, ctx: Context) -> Iterator[Hit]:
    """A conf.py `nitpick_ignore_regex` pattern that timed out on a target and was given up.

    ## Why is this bad?
    conf.py comes with the pull request, and a pattern like `(a|a)+$`
    backtracks for ages on a long target (Sphinx's build hangs on it). Each
    match may take 0.1 s and all of conf.py's patterns 5 s; a pattern that
    takes longer is treated as not matching from then on, so the references
    it was meant to silence are reported. Rewrite it without nested
    repetition. Reported once per pattern, at its line in conf.py.

    ## Example
    ```rst
    .. conf.py: nitpicky = True; nitpick_ignore_regex = [('ref', '(a|a)+$')]
    See :ref:`aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab`.
    ```

    ## Use instead
    ```rst
    .. conf.py: nitpicky = True; nitpick_ignore_regex = [('ref', 'a+b')]
    See :ref:`aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab`.
    ```

    ## Known problems
    The patterns are tried by `doc-ref-missing`, `ref-label-missing` and
    `ref-title-missing` on the references they would report; when those are
    not selected, this rule tries them the same way. A pattern conf.py gives
    that is no regular expression is not used, and is said on standard error.
    """
    values = index.conf.values
    if not values.get("nitpicky"):
        return
    pairs = nitpick_regexes(values.get("nitpick_ignore_regex"))
    if not pairs:
        return
    asked = vars(index).get("_nitpick_asked", set())
    for rule_id, other in NITPICK_RULES.items():
        if rule_id not in asked:  # not selected, or not run yet: ask as it would
            for _ in other.check(index, ctx):
                pass
    failed = [p for pair in pairs for p in pair if p.failure in _REPORTED]
    if not failed:
        return
    lines = _pattern_lines(index.conf.source)
    for pattern in failed:
        if pattern.failure == saferegex.TIMED_OUT:
            line, column = lines.get(pattern.pattern, lines.get("", (1, 1)))
            message = (
                f"nitpick_ignore_regex pattern {pattern.shown()} took over {saferegex.TIMEOUT} s "
                "on one target (catastrophic backtracking?); treated as not matching"
            )
        else:
            line, column = lines.get("", (1, 1))
            message = (
                f"nitpick_ignore_regex patterns took over {pattern.budget.total} s in all; "
                "those not yet tried are treated as not matching"
            )
        yield Hit(Location("conf.py", line, column), message)


_REPORTED = (saferegex.TIMED_OUT, saferegex.OVER_BUDGET)  # SKIPPED: OVER_BUDGET says it


def _pattern_lines(source: bytes) -> dict[str, tuple[int, int]]:
    """Where conf.py writes each nitpick_ignore_regex string, and ('') the setting itself.

    Parsed with ast, never run; no conf.py, or one that does not parse: nothing known.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    found: dict[str, tuple[int, int]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if not any(isinstance(t, ast.Name) and t.id == "nitpick_ignore_regex" for t in targets):
            continue
        found.setdefault("", (node.lineno, node.col_offset + 1))
        for item in ast.walk(node.value) if node.value is not None else ():
            if isinstance(item, ast.Constant) and isinstance(item.value, str):
                found.setdefault(item.value, (item.lineno, item.col_offset + 1))
    return found
