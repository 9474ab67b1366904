"""Applying fixes: the edits of the selected findings, written into the files they mend (issue 16).

A rule attaches a :class:`~novadoclint.edits.Fix` to its hit; ``--fix`` applies
the fixes of a run's findings file by file, re-lints and repeats until nothing
changes, and ``--diff`` prints what that would write. :func:`apply_edits` is the
pure core every caller shares: one file's text and the edits to it in, the new
text and the edits it could not take out.
"""

from __future__ import annotations

import bisect
import contextlib
import difflib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType

from novadoclint.edits import Edit, Fix, FixSafety
from novadoclint.edits import relocated as relocated  # moved; the old name stays
from novadoclint.findings import Finding, Run, printable
from novadoclint.safety import untrusted

# Not copied for --diff's passes: version control (its marker is kept, empty) and caches.
SCRATCH_SKIPS = frozenset(
    {*untrusted.VCS_MARKERS, ".tox", ".nox", "node_modules", "__pycache__", ".mypy_cache"}
    | {".pytest_cache", ".ruff_cache"}
)
MAX_PASSES = 10  # ruff's bound: fixes that keep making fixable findings stop here, said so
BOM = b"\xef\xbb\xbf"  # phase 1 decodes utf-8-sig: a BOM is kept, outside the text
LINE_RE = re.compile(r"[^\n]*\n|[^\n]+$")


def apply_edits(text: str, edits: Iterable[Edit]) -> tuple[str, tuple[Edit, ...]]:
    """``text`` with the edits that do not overlap applied, and the edits skipped.

    Edits are taken in order of position (start, then end, then replacement) and
    applied from the end backwards, so each one's offsets stay those of the text
    it was computed on. An edit identical to one already taken counts once (an
    included file's fix, reached through two documents); an edit overlapping one
    already taken is skipped and returned, for the next pass to retry on the new
    text. Two edits overlap when their ranges share a character, or when both
    insert at the same offset (their order would be a guess); an insertion at the
    start or the end of a replaced range touches it without overlapping. A range
    outside the text, or edits to two files, are a caller's error: ValueError.
    """
    taken: list[Edit] = []
    skipped: list[Edit] = []
    unique = sorted(set(edits))
    if len({edit.path for edit in unique}) > 1:
        raise ValueError("apply_edits takes the edits of one file")
    for edit in unique:
        if not 0 <= edit.start <= edit.end <= len(text):
            raise ValueError(f"edit {edit!r} is outside a text of {len(text)} characters")
        if taken and overlaps(taken[-1], edit):
            skipped.append(edit)
            continue
        taken.append(edit)
    for edit in reversed(taken):
        text = text[: edit.start] + edit.new + text[edit.end :]
    return text, tuple(skipped)


def overlaps(one: Edit, other: Edit) -> bool:
    """Whether two edits cannot both be applied to one text: their ranges share a
    character, or both insert at one offset and differ (their order would be a guess)."""
    if one.start < other.end and other.start < one.end:
        return True
    return one.start == one.end == other.start == other.end and one != other


def _collides(taken: list[Edit], edit: Edit) -> bool:
    """Whether ``edit`` overlaps one of ``taken`` (sorted, pairwise apart); itself does not.

    Only the edit before it by position, and those starting inside it, can overlap.
    """
    at = bisect.bisect_left(taken, edit)
    if at < len(taken) and taken[at] == edit:
        return False
    if at > 0 and overlaps(taken[at - 1], edit):
        return True
    for other in taken[at:]:
        if not (other.start < edit.end or other.start == edit.start):
            return False
        if overlaps(other, edit):
            return True
    return False


def wanted(finding: Finding, unsafe: bool) -> Fix | None:
    """The finding's fix if this run applies it: safe ones always, unsafe with --unsafe-fixes."""
    fix = finding.fix
    if fix is None or not fix.edits:
        return None
    if fix.safety is FixSafety.UNSAFE and not unsafe:
        return None
    return fix


@dataclass(frozen=True, slots=True)
class Source:
    """A file to fix as novadoclint read it: the decoded text, and how to write it back."""

    path: str  # as the edits name it, relative to the working directory
    real: str  # where it is, resolved inside a project: what is read and written
    raw: bytes
    text: str  # decoded as phase 1 decodes it: UTF-8, a leading BOM not part of the text
    bom: bool

    def encode(self, text: str) -> bytes:
        return (BOM if self.bom else b"") + text.encode("utf-8")


@dataclass(frozen=True, slots=True)
class Change:
    """One file's bytes before and after a pass of fixes."""

    source: Source
    after: str  # the new decoded text

    @property
    def path(self) -> str:
        return self.source.path

    def data(self) -> bytes:
        return self.source.encode(self.after)


@dataclass(frozen=True, slots=True)
class Pass:
    """What one pass of fixes does: the files it changes, how many fixes it takes, what waits."""

    changes: tuple[Change, ...]
    fixed: int  # findings whose fix was applied
    deferred: int  # fixes overlapping one taken: the next pass, on the re-linted text, retries
    notes: tuple[str, ...]  # files left alone, and why


def read_source(path: str, roots: Iterable[str]) -> Source | str:
    """The file an edit names, read as phase 1 reads it; or why it is not fixed.

    Only a regular file inside one of the linted projects (``roots``: their
    repositories, see :func:`~novadoclint.safety.untrusted.project_root`) is
    fixed, reached without a symbolic link leading out of it; a file that is
    not UTF-8 is left alone: its text was read with replacements, writing it
    back would change bytes no fix meant to change.
    """
    real = next(
        (
            found
            for root in roots
            if (found := untrusted.resolve_inside(root, os.path.abspath(path))) is not None
        ),
        None,
    )
    if real is None:
        return f"{path} is outside the project: not fixed"
    try:
        raw = untrusted.read_bytes(real, untrusted.MAX_DOCUMENT_BYTES)
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}; not fixed"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return f"{path} is not UTF-8: not fixed"
    return Source(path, real, raw, text, raw.startswith(BOM))


@dataclass(frozen=True, slots=True)
class Selection:
    """The fixes one pass takes: each file's edits, and how many fixes were taken or wait."""

    edits: dict[str, list[Edit]]  # by path, sorted by position, pairwise apart
    fixed: int  # fixes taken
    deferred: int  # fixes overlapping one taken: the next pass, on the re-linted text, retries
    stale: tuple[Finding, ...]  # fixes whose range is not in the text (it changed since)

    def apply(self, path: str, text: str) -> str:
        """``path``'s text with the edits taken for it."""
        after, skipped = apply_edits(text, self.edits.get(path, ()))
        assert not skipped, skipped  # taken edits never collide
        return after


def select(
    findings: Iterable[Finding], texts: Mapping[str, str], *, unsafe: bool = False
) -> Selection:
    """The fixes of ``findings`` one pass applies to ``texts`` (by path), each whole or not at all.

    Fixes are taken in the findings' order; one whose edit overlaps an edit
    already taken waits for the next pass (counted as deferred); one naming a
    file not in ``texts`` (by its edits' path, as they name it) is left out,
    one whose range is not in its text is stale. Pure: the command line's
    passes and the language server's fix-all choose alike.
    """
    taken: dict[str, list[Edit]] = {}
    stale: list[Finding] = []
    fixed = deferred = 0
    for finding in findings:
        fix = wanted(finding, unsafe)
        if fix is None:
            continue
        edits = fix.edits
        if any(edit.path not in texts for edit in edits):
            continue
        if any(not 0 <= e.start <= e.end <= len(texts[e.path]) for e in edits):
            stale.append(finding)
            continue
        if any(_collides(taken.get(edit.path, []), edit) for edit in edits):
            deferred += 1
            continue
        for edit in edits:
            kept = taken.setdefault(edit.path, [])
            at = bisect.bisect_left(kept, edit)
            if at == len(kept) or kept[at] != edit:
                kept.insert(at, edit)
        fixed += 1
    return Selection(taken, fixed, deferred, tuple(stale))


def plan(findings: Iterable[Finding], roots: Sequence[str], *, unsafe: bool = False) -> Pass:
    """One pass over the files: :func:`select` on the files the fixes name, read from disk.

    A file that cannot be fixed is noted and its fixes dropped, as are fixes
    whose range is not in the file (it changed since it was linted). Nothing
    is written.
    """
    findings = list(findings)
    sources: dict[str, Source | str] = {}
    for finding in findings:
        fix = wanted(finding, unsafe)
        for edit in fix.edits if fix else ():
            if edit.path not in sources:
                sources[edit.path] = read_source(edit.path, roots)
    texts = {path: source.text for path, source in sources.items() if isinstance(source, Source)}
    chosen = select(findings, texts, unsafe=unsafe)
    notes = [note for note in sources.values() if isinstance(note, str)]
    notes += [f"{f.path}: the file changed since it was linted; not fixed" for f in chosen.stale]
    changes = []
    for path in sorted(chosen.edits):
        source = sources[path]
        assert isinstance(source, Source)
        after = chosen.apply(path, source.text)
        if after != source.text:
            changes.append(Change(source, after))
    return Pass(tuple(changes), chosen.fixed, chosen.deferred, tuple(dict.fromkeys(notes)))


class _Tally:
    """The first lint's findings fixed over the passes: all the first pass fixes, then at
    most as many as waited behind an overlap (a fix's new finding, fixed in turn, was
    never found)."""

    def __init__(self) -> None:
        self.fixed = self.done = self.waiting = 0

    def add(self, fixed: int, deferred: int) -> None:
        counted = fixed if self.done == 0 else min(fixed, self.waiting)
        self.waiting = deferred if self.done == 0 else self.waiting - counted
        self.fixed += counted
        self.done += 1


def fix_text(
    text: str,
    path: str,
    findings: Sequence[Finding],
    relint: Callable[[str], Sequence[Finding]],
    *,
    unsafe: bool = False,
    passes: int = MAX_PASSES,
) -> tuple[str, int]:
    """``--fix``'s passes over one text in memory: the text after them, and the findings fixed.

    As :func:`fix_until_done`: apply a pass's fixes (only those whose edits are
    all in ``path``), re-lint, until a pass changes nothing or ``passes`` ran.
    """
    tally = _Tally()
    while True:
        chosen = select(findings, {path: text}, unsafe=unsafe)
        after = chosen.apply(path, text)
        if after == text or tally.done == passes:
            return text, tally.fixed
        tally.add(chosen.fixed, chosen.deferred)
        text = after
        findings = relint(text)


def write(change: Change) -> None:
    """The file's new bytes, whole or not at all, with its permissions.

    A temporary file in the same folder, given the file's mode, then renamed
    over it; in a folder where no file may be created, written in place.
    """
    target = change.source.real
    data = change.data()
    mode = stat.S_IMODE(os.stat(target).st_mode)
    folder, name = os.path.split(target)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".fix", dir=folder)
    except PermissionError:
        with open(target, "r+b") as stream:
            stream.write(data)
            stream.truncate()
        return
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@dataclass(frozen=True, slots=True)
class Outcome:
    """What ``--fix`` did: the first lint's findings, the last lint's, and the work between."""

    found: int  # findings of the first lint, every severity
    fixed: int
    remaining: Run  # the last lint (the first, when nothing was fixed)
    changed: tuple[str, ...]  # files written, relative to the working directory
    passes: int  # passes that wrote something
    bounded: bool  # stopped after MAX_PASSES with fixes left to apply
    notes: tuple[str, ...]


def fix_until_done(
    run: Run,
    lint: Callable[[], Run],
    roots: Sequence[str],
    *,
    unsafe: bool = False,
    passes: int = MAX_PASSES,
    writer: Callable[[Change], None] = write,
) -> Outcome:
    """Apply the run's fixes, re-lint, and again until a pass changes nothing (at most ``passes``).

    A re-lint is what tells whether a fix worked, which findings remain, and
    what the fixes deferred by an overlap now look like in the new text.
    """
    tally = _Tally()
    changed: dict[str, None] = {}
    notes: dict[str, None] = {}
    current = run
    while True:
        step = plan(current.findings, roots, unsafe=unsafe)
        notes.update(dict.fromkeys(step.notes))
        if not step.changes or tally.done == passes:
            found, bounded = len(run.findings), bool(step.changes)
            return Outcome(
                found, tally.fixed, current, tuple(changed), tally.done, bounded, tuple(notes)
            )
        for change in step.changes:
            writer(change)
            changed[change.path] = None
        tally.add(step.fixed, step.deferred)
        current = lint()


class Scratch:
    """A copy of the projects a run may fix, where --diff runs --fix's passes (issue 16).

    A pass's fixes can wait for the re-lint of the text an earlier one wrote; to
    show what --fix writes in total, --diff writes into a copy and lints that.
    Each project (a repository: see :func:`~novadoclint.safety.untrusted.project_root`)
    is copied whole into a temporary folder, files hard-linked where the file
    system allows, without version control (an empty marker keeps the copy a
    repository of its own) or tool caches; :meth:`write` replaces a file of the
    copy by a new one, so a hard-linked original is never written. Paths map
    both ways: :meth:`inside` for what the copy is linted with, :meth:`outside`
    for what the findings and fixes say. Symbolic links are copied as links: one
    naming an absolute path in the original leads out of the copy, and what it
    reaches is not fixed there (nor, then, shown).
    """

    def __init__(self, roots: Sequence[str]) -> None:
        self.roots = [os.path.abspath(root) for root in roots]
        self.folder = ""
        self.pairs: list[tuple[str, str]] = []  # (original, copy), absolute

    def __enter__(self) -> Scratch:
        self.folder = tempfile.mkdtemp(prefix="novadoclint-diff-")
        for number, root in enumerate(self.roots):
            copy = os.path.join(self.folder, str(number), os.path.basename(root) or "root")
            shutil.copytree(
                root, copy, symlinks=True, ignore=_scratch_skips, copy_function=_link_or_copy
            )
            for marker in untrusted.VCS_MARKERS:
                if os.path.lexists(os.path.join(root, marker)):
                    os.mkdir(os.path.join(copy, marker))
            self.pairs.append((root, copy))
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def copies(self) -> list[str]:
        """The copies' roots: where --diff's passes may write."""
        return [copy for _, copy in self.pairs]

    def inside(self, path: str) -> str:
        """A path of an original project as in its copy (others as they are)."""
        return self._move(path, self.pairs)

    def outside(self, path: str) -> str:
        """A path of a copy as in its original project, relative to the working directory."""
        return self._move(path, [(copy, root) for root, copy in self.pairs])

    @staticmethod
    def _move(path: str, pairs: Sequence[tuple[str, str]]) -> str:
        absolute = os.path.abspath(path)
        for source, target in pairs:
            if absolute == source or absolute.startswith(source.rstrip(os.sep) + os.sep):
                moved = os.path.join(target, os.path.relpath(absolute, source))
                return os.path.relpath(os.path.normpath(moved)).replace(os.sep, "/")
        return path

    def write(self, change: Change) -> None:
        """A copy's file replaced by a new one (its hard link to the original is dropped)."""
        target = change.source.real
        folder = os.path.dirname(target)
        os.chmod(folder, stat.S_IMODE(os.stat(folder).st_mode) | stat.S_IRWXU)
        os.unlink(target)
        with open(target, "xb") as stream:
            stream.write(change.data())

    def changes(self, outcome: Outcome, roots: Sequence[str]) -> tuple[Change, ...]:
        """What the passes wrote into the copy, as changes of the original files."""
        out = []
        for path in sorted(self.outside(path) for path in outcome.changed):
            original = read_source(path, roots)
            copied = read_source(self.inside(path), self.copies())
            if not (isinstance(original, Source) and isinstance(copied, Source)):
                continue  # read_source said why when the pass read it
            if copied.text != original.text:
                out.append(Change(original, copied.text))
        return tuple(out)

    def note(self, text: str) -> str:
        """A note of the passes in the copy, naming the original files."""
        for root, copy in self.pairs:
            text = text.replace(os.path.relpath(copy), os.path.relpath(root))
        return text


def _scratch_skips(folder: str, names: list[str]) -> set[str]:
    return {name for name in names if name in SCRATCH_SKIPS}


def _link_or_copy(source: str, target: str) -> str:
    """A hard link where the file system allows it (the copy costs no bytes), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
    return target


def summary(outcome: Outcome) -> str:
    """ruff's closing line, in novadoclint's words."""
    noun = "finding" if outcome.found == 1 else "findings"
    remaining = len(outcome.remaining.findings)
    return f"Found {outcome.found} {noun} ({outcome.fixed} fixed, {remaining} remaining)."


def unified_diff(changes: Iterable[Change]) -> str:
    """What the changes write, as a unified diff with ``a/PATH`` and ``b/PATH`` headers.

    Lines end at ``\\n`` only (a CRLF line's ``\\r`` is part of it, so a CRLF ->
    LF fix shows); a last line without a newline is marked as git marks it;
    control characters but the tab are shown escaped, as in every report: the
    file's text comes from the pull request under review.
    """
    out: list[str] = []
    for change in changes:
        path = printable(change.path)
        for line in difflib.unified_diff(
            _lines(change.source.text),
            _lines(change.after),
            fromfile=f"a/{path}",
            tofile=f"b/{path}",
        ):
            body, newline = (line[:-1], "\n") if line.endswith("\n") else (line, "")
            out.append("\t".join(printable(part) for part in body.split("\t")) + newline)
            if not newline:
                out.append("\n\\ No newline at end of file\n")
    return "".join(out)


def _lines(text: str) -> list[str]:
    return LINE_RE.findall(text)
