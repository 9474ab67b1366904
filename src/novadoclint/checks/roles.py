"""role-* rules: roles written so that docutils does not see them (no backticks, a colon missing...).

A role is markup only with both colons and single backticks around its
text, after a space; anything else is printed as written. Sphinx says nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from docutils import nodes

from novadoclint.context import Context, ParsedDoc
from novadoclint.edits import FixSafety
from novadoclint.findings import Hit, Severity, quoted
from novadoclint.parse import xref
from novadoclint.project.vocabulary import Vocabulary
from novadoclint.prose import (
    LEADING_BACKTICK_RE,
    NAME,
    TAGS,
    Span,
    edge_fix,
    elements,
    is_interpreted,
    known_roles,
    span_location,
    texts,
    written_here,
)
from novadoclint.registry import Phase, rule

UNSAFE = FixSafety.UNSAFE
# Quick fix titles (Fix.title: what an editor names the action)
ADD_BACKTICKS = "Add the backticks"
ADD_COLON = "Add the colon"
ESCAPED_SPACE = "Add an escaped space"
OPENERS = "([{\"'"
TRAILING_PUNCTUATION = ".,;:!?)]}'\""
BEFORE = r"(?<![^\s(\[{\"'])"  # start of text, whitespace or an opener
ROLE_NO_BACKTICKS_RE = re.compile(BEFORE + rf":(?P<name>{NAME}):(?P<target>[^\s`:][^\s`]*)")
ROLE_TAIL_RE = re.compile(BEFORE + rf":(?P<name>{NAME}):$")
GLUED_TAIL_RE = re.compile(r"(?P<token>[^\s`]+):$")
ROLE_NO_COLON_RE = re.compile(BEFORE + rf":(?P<name>{NAME})`(?P<body>[^`\s][^`]*)`")
ROLE_RE = re.compile(rf"^:(?P<name>{NAME}):`(?P<body>.*)`$", re.DOTALL)
UNESCAPED_BACKTICK_RE = re.compile(r"(?<!\\)`")
# A whole role inside another role's text: markup quoted, as in :literal:`:manpage:`ls(1)``.
QUOTED_ROLE_RE = re.compile(r":[\w.+:-]+:`[^`]+`")


def _strip_trailing(target: str) -> str:
    while target and target[-1] in TRAILING_PUNCTUATION:
        target = target[:-1]
    return target


@cache
def role_domains(vocabulary: Vocabulary) -> frozenset[str]:
    """Domain prefixes (``py``, ``c``, ``std``...) of the project's qualified roles."""
    return frozenset(n.split(":", 1)[0].lower() for n, _, _ in vocabulary.roles if ":" in n)


@rule("role-missing-backticks", Severity.WARNING, Phase.FILE, tags=TAGS, fix=FixSafety.SAFE)
def role_missing_backticks(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A role written without backticks (`:ref:foo`).

    ## Why is this bad?
    docutils only sees a role when its text is in backticks; otherwise the
    colons and the name are printed as they are, and the reference is never
    made. Sphinx says nothing. Only names of roles the project knows are
    reported, so text such as `:30:` is left alone.

    ## Example
    ```rst
    See :ref:minimal-downtime-upgrade for the steps.
    ```

    ## Use instead
    ```rst
    See :ref:`minimal-downtime-upgrade` for the steps.
    ```
    """
    roles = known_roles(ctx.vocabulary)
    for span in texts(doc, ctx):
        for match in ROLE_NO_BACKTICKS_RE.finditer(span.text):
            name, target = match.group("name"), _strip_trailing(match.group("target"))
            if name.lower() not in roles or not target:
                continue
            raw = f":{name}:{target}"
            at = span_location(doc, span, match.start(), raw)
            yield Hit(
                at,
                f"role with no backticks: {quoted(raw)}; did you mean ':{name}:`{target}`'?",
                fix=edge_fix(
                    doc,
                    ctx,
                    span,
                    at,
                    raw,
                    (f":{name}:", f":{name}:`"),
                    ("", "`"),
                    title=ADD_BACKTICKS,
                ),
            )


@rule("role-double-backticks", Severity.WARNING, Phase.FILE, tags=TAGS, fix=FixSafety.SAFE)
def role_double_backticks(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A role written with double backticks (``:ref:``foo`` ``).

    ## Why is this bad?
    A role takes single backticks. With double ones docutils reads plain text
    `:ref:` followed by an inline literal: the role name is printed and no
    reference is made. Sphinx says nothing.

    ## Example
    ```rst
    Run :command:``nova-manage db sync`` first.
    ```

    ## Use instead
    ```rst
    Run :command:`nova-manage db sync` first.
    ```
    """
    if not written_here(doc, ctx, ":``"):
        return
    roles = known_roles(ctx.vocabulary)
    for span in texts(doc, ctx):
        match = ROLE_TAIL_RE.search(span.text)
        after = span.after
        if not match or not isinstance(after, nodes.literal) or after.rawsource[:2] != "``":
            continue
        name = match.group("name")
        if name.lower() not in roles:
            continue
        raw = f":{name}:{after.rawsource}"
        at = span_location(doc, span, match.start(), raw)
        plain = "\\" not in raw and "`" not in after.astext()  # a role reads escapes
        mend = (f":{name}:``", f":{name}:`"), ("``", "`")
        yield Hit(
            at,
            f"role with double backticks: {quoted(raw)}; did you mean ':{name}:`{after.astext()}`'?",
            fix=edge_fix(doc, ctx, span, at, raw, *mend, title="Use single backticks")
            if plain
            else None,
        )


def _glued(span: Span, ctx: Context) -> tuple[str, str, str, int] | None:
    """``word:ref:`x``` or ``ref:`x```: (kind, written, fixed, offset) for a Text before `x`."""
    after = span.after
    if not is_interpreted(after):
        return None
    assert isinstance(after, nodes.Element)
    match = GLUED_TAIL_RE.search(span.text)
    if not match:
        return None
    token = match.group("token")
    offset = match.start("token")
    stripped = token.lstrip(OPENERS)
    offset += len(token) - len(stripped)
    if not stripped or stripped.startswith(":"):
        return None
    roles, domains = known_roles(ctx.vocabulary), role_domains(ctx.vocabulary)
    parts = stripped.split(":")
    whole, tail = stripped.lower(), ":".join(parts[1:]).lower()
    written = f"{stripped}:{after.rawsource}"
    if (len(parts) > 1 and parts[0].lower() in domains and whole in roles) or (
        whole in roles and not (tail and tail in roles)
    ):
        return "colon", written, f":{stripped}:{after.rawsource}", offset
    if tail and tail in roles:
        word, role = parts[0], ":".join(parts[1:])
        return "space", written, f"{word} :{role}:{after.rawsource}", offset
    return None


@rule("role-missing-space-before", Severity.WARNING, Phase.FILE, tags=TAGS, fix=FixSafety.SAFE)
def role_missing_space_before(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A role glued to the word before it (``word:ref:`x` ``).

    ## Why is this bad?
    A role must start after a space or punctuation. Glued to a word, docutils
    prints `word:ref:` as text and renders `` `x` `` in italics (or with the
    default role): no reference, and no warning from Sphinx.

    ## Example
    ```rst
    Read the:ref:`upgrade notes <upgrades>` first.
    ```

    ## Use instead
    ```rst
    Read the :ref:`upgrade notes <upgrades>` first.
    ```

    The fix adds the space: the word and the role stay as written.
    """
    if not written_here(doc, ctx, "`"):
        return
    for span in texts(doc, ctx):
        found = _glued(span, ctx)
        if found is not None and found[0] == "space":
            _, written, fixed, offset = found
            at = span_location(doc, span, offset, written)
            word = written.split(":", 1)[0]
            yield Hit(
                at,
                f"missing space before role: {quoted(written)}; did you mean {quoted(fixed)}?",
                fix=edge_fix(
                    doc, ctx, span, at, written, (word, f"{word} "), title="Add the space"
                ),
            )


@rule("role-missing-colon", Severity.WARNING, Phase.FILE, tags=TAGS, fix=FixSafety.UNSAFE)
def role_missing_colon(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A role missing one of its colons (``ref:`x` ``, ``c:func:`x` ``, ``:ref`x` ``).

    ## Why is this bad?
    Without both colons docutils does not see a role: the name is printed as
    text and the backticked part renders in italics or with its backticks
    showing. Sphinx says nothing.

    ## Example
    ```rst
    See ref:`upgrades` and :doc`install`.
    ```

    ## Use instead
    ```rst
    See :ref:`upgrades` and :doc:`install`.
    ```
    """
    if not written_here(doc, ctx, "`"):
        return
    roles = known_roles(ctx.vocabulary)
    for span in texts(doc, ctx):
        found = _glued(span, ctx)
        if found is not None and found[0] == "colon":
            _, written, fixed, offset = found
            at = span_location(doc, span, offset, written)
            word = written.split("`", 1)[0]  # the role's name and the colon after it
            yield Hit(
                at,
                f"role missing its leading colon: {quoted(written)}; did you mean {quoted(fixed)}?",
                fix=edge_fix(
                    doc, ctx, span, at, written, (word, f":{word}"), safety=UNSAFE, title=ADD_COLON
                ),
            )
        for match in ROLE_NO_COLON_RE.finditer(span.text) if "`" in span.text else ():
            name, body = match.group("name"), match.group("body")
            if name.lower() in roles:
                at = span_location(doc, span, match.start(), match.group())
                head = (f":{name}`", f":{name}:`")
                yield Hit(
                    at,
                    f"role missing the colon before its backtick: {quoted(match.group())}; "
                    f"did you mean ':{name}:`{body}`'?",
                    fix=edge_fix(
                        doc, ctx, span, at, match.group(), head, safety=UNSAFE, title=ADD_COLON
                    ),
                )


def _role_spans(doc: ParsedDoc, ctx: Context) -> Iterator[tuple[Span, re.Match[str]]]:
    for span in elements(doc, ctx):
        match = ROLE_RE.match(span.text)
        if match:
            yield span, match


@rule("role-extra-backtick", Severity.WARNING, Phase.FILE, tags=TAGS, fix=FixSafety.SAFE)
def role_extra_backtick(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A role with an extra backtick at the start or end of its text (``:func:`foo`` ``).

    ## Why is this bad?
    docutils keeps the extra backtick as part of the role's text: the target
    becomes ``foo` `` and the reference is broken or shows a stray backtick.
    Sphinx says nothing when the role is not a cross-reference.

    ## Example
    ```rst
    Use :command:`nova-manage`` to do it.
    ```

    ## Use instead
    ```rst
    Use :command:`nova-manage` to do it.
    ```
    """
    if not written_here(doc, ctx, ":`"):
        return
    for span, match in _role_spans(doc, ctx):
        body = match.group("body")
        inner = body.lstrip("`")
        if inner.endswith("`") and not inner.endswith("\\`"):  # an escaped one is text
            inner = inner.rstrip("`")
        if body == inner or UNESCAPED_BACKTICK_RE.search(inner):
            continue
        fixed = f":{match.group('name')}:`{inner}`"
        at = span_location(doc, span, 0, span.text)
        opening = f":{match.group('name')}:`"
        extra_head, extra_tail = body[: body.index(inner)], body[body.index(inner) + len(inner) :]
        mend = (opening + extra_head, opening), ("`" + extra_tail, "`")
        yield Hit(
            at,
            f"extra backtick in role: {quoted(span.text)}; did you mean {quoted(fixed)}?",
            fix=edge_fix(doc, ctx, span, at, span.text, *mend, title="Remove the extra backticks"),
        )


@rule("role-missing-space-after", Severity.WARNING, Phase.FILE, tags=TAGS, fix=UNSAFE)
def role_missing_space_after(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A role followed directly by a letter (``:class:`Flavor`s``), which swallows the text after it.

    ## Why is this bad?
    A role's closing backtick must be followed by a space or punctuation. When
    a letter follows, docutils looks further for the end and takes everything
    up to the next backtick as the role's text: the sentence disappears into a
    broken reference. Escape the space: ``:class:`Flavor`\\ s``.

    ## Example
    ```rst
    Create :class:`Flavor`s with `openstack`.
    ```

    ## Use instead
    ```rst
    Create :class:`Flavor`\\ s with ``openstack``.
    ```

    A role whose text holds a whole role (``:literal:`:manpage:`ls(1)```) shows
    markup on purpose and is left alone. The fix, unsafe, escapes the space:
    the text the role swallowed is read as prose again, and the markup in it
    comes alive, which is for a reviewer to read; none where that text would
    be left with an unpaired backtick, or the role has extra backticks.
    """
    if not written_here(doc, ctx, ":`"):
        return
    for span, match in _role_spans(doc, ctx):
        body = match.group("body")
        inner = body.strip("`")
        first = UNESCAPED_BACKTICK_RE.search(inner)
        if first is None or QUOTED_ROLE_RE.search(body):
            continue  # none, or the text quotes a whole role: markup shown as markup
        name = match.group("name")
        word = re.match(r"\S*", inner[first.end() :])
        glued = word.group() if word else ""
        written = f":{name}:`{inner[: first.start()]}`{glued}"
        fixed = f":{name}:`{inner[: first.start()]}`\\ {glued}"
        at = span_location(doc, span, 0, written)
        # the swallowed text's backticks, the role's closing one with them, must pair up
        paired = len(UNESCAPED_BACKTICK_RE.findall(inner, first.end())) % 2 == 1
        mend = (f"`{glued}", f"`\\ {glued}")
        yield Hit(
            at,
            f"role runs into the text after it: {quoted(written)}; did you mean {quoted(fixed)}?",
            fix=edge_fix(doc, ctx, span, at, written, ("", ""), mend, UNSAFE, title=ESCAPED_SPACE)
            if paired and body == inner and glued
            else None,
        )


@rule("role-leading-backtick", Severity.WARNING, Phase.FILE, tags=TAGS, fix=FixSafety.SAFE)
def role_leading_backtick(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A role with a backtick in front of it (`` `:ref:`x` ``).

    ## Why is this bad?
    The leading backtick opens interpreted text that swallows the role: the
    role name and its backticks are printed in italics and no reference is made.

    ## Example
    ```rst
    See `:ref:`upgrades` first.
    ```

    ## Use instead
    ```rst
    See :ref:`upgrades` first.
    ```
    """
    if not written_here(doc, ctx, ":`"):
        return
    for span in elements(doc, ctx):
        match = LEADING_BACKTICK_RE.match(span.text)
        if match:
            fixed = f":{match.group('name')}:`{match.group('body')}`"
            at = span_location(doc, span, 0, span.text)
            yield Hit(
                at,
                f"superfluous backtick in front of role: {quoted(span.text)}; did you mean {quoted(fixed)}?",
                fix=edge_fix(
                    doc, ctx, span, at, span.text, ("`:", ":"), title="Remove the leading backtick"
                ),
            )


@rule("role-exclamation-tilde", Severity.WARNING, Phase.FILE, tags=TAGS)
def role_exclamation_tilde(doc: ParsedDoc, ctx: Context) -> Iterator[Hit]:
    """A cross-reference with both `!` and `~` (``:meth:`!~list.pop` ``).

    ## Why is this bad?
    `!` turns the link off and `~` shortens the title, but not together: with
    `!` first Sphinx prints `~list.pop` as it is, with `~` first it looks for a
    target named `!list.pop`. Write the short name after `!`.

    ## Example
    ```rst
    Call :meth:`!~list.pop` last.
    ```

    ## Use instead
    ```rst
    Call :meth:`!pop` last.
    ```
    """
    if not written_here(doc, ctx, "!~", "~!"):
        return
    for span in elements(doc, ctx):
        node = span.node
        if not isinstance(node, xref) or node["target"][:2] not in ("!~", "~!"):
            continue
        short = node["target"][2:].rsplit(".", 1)[-1]
        fixed = f":{node['role']}:`!{short}`"
        yield Hit(
            span_location(doc, span, 0, span.text),
            f"role with both '!' and '~': {quoted(span.text)}; did you mean {quoted(fixed)}?",
        )
