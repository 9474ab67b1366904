"""What the reference rules took on trust, said once per tree: intersphinx labels, labels unseen code may define.

doc-ref-missing and ref-label-missing (checks/references.py) stay silent on a
target that something novadoclint cannot read may define; these info rules
count those targets instead of reporting each use.
"""

from __future__ import annotations

from collections.abc import Iterator

from novadoclint.checks.references import doc_misses, label_misses, label_sources, untitled
from novadoclint.context import Context
from novadoclint.findings import Hit, Location, Severity
from novadoclint.index import FactsIndex
from novadoclint.registry import Phase, rule
from novadoclint.resolve import intersphinx_names

ASSUMED_SHOWN = 5  # names quoted in an intersphinx-assumed finding


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
        for d, ref, target, hint, why in label_misses(index, ctx)
        if hint is None and why == "intersphinx"
    ]
    docs = [(d, ref, ref.target) for d, ref, hint in doc_misses(index, ctx) if hint is None]
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
        for d, ref, target, hint, why in label_misses(index, ctx)
        if hint is None and why == "unseen"
    ]
    titles = [(p[0][0], ref, target) for ref, target, p in untitled(index, ctx, unseen=True)]
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


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
