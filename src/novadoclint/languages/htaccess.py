"""Apache redirects (mod_alias lines of an ``.htaccess``) and ``whereto`` test files.

Parsing and matching are pure functions over text, tested on their own; the
two ``read_*`` functions are the only I/O, called by the redirect rules for
the files a build copies verbatim (``html_extra_path``) and the test file
beside the docs. Matching follows Apache, not whereto where they differ:
``Redirect`` matches a URL-path prefix on segment boundaries and appends the
rest; ``RedirectMatch`` searches the regex (re's syntax for PCRE, run by
:mod:`novadoclint.safety.saferegex` with a time limit) and builds the target from
``$0``-``$9``; a missing status means 302.

Both files come from the pull request: messages about a line that does not
parse quote a short excerpt of it only, and the files are read through
:mod:`novadoclint.safety.untrusted` (inside the repository, size-capped).
"""

from __future__ import annotations

import os
import posixpath
import re
import shlex
from collections import Counter
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from novadoclint.project.treefiles import TreeFiles
from novadoclint.safety import saferegex, untrusted
from novadoclint.safety.untrusted import excerpt

if TYPE_CHECKING:
    import regex

STATUS_WORDS = {"permanent": 301, "temp": 302, "seeother": 303, "gone": 410}
DIRECTIVES = {
    "redirect": None,
    "redirectmatch": None,
    "redirectpermanent": 301,
    "redirecttemp": 302,
}
MAX_HOPS = 10
PROJECT_RE = re.compile(r"^\^?/([A-Za-z0-9_.-]+)/")
GROUP_RE = re.compile(r"\$\d")
EXPAND_RE = re.compile(r"\\(.)|\$(\d)")
STATUS_RE = re.compile(r"[0-9]{3}")  # Apache's statuses; int() of 5,000 digits raises
DEFAULT_TESTS = "../test/redirect-tests.txt"  # nova's doc/test/, beside doc/source

Route = tuple[int, str | None]  # first_match's answer: the index of the rule that matched, the URL


@dataclass(frozen=True, slots=True)
class Redirect:
    """One redirect rule; ``target`` is None for a status without one (410 gone)."""

    line: int
    directive: str  # lowercased: redirect, redirectmatch, redirectpermanent, redirecttemp
    status: int
    source: str  # the URL-path prefix, or RedirectMatch's regex
    target: str | None
    column: int  # of the target (or of the source when there is none), 1-based
    regex: saferegex.SafePattern | None = None

    def apply(self, path: str) -> Hop | None:
        """Where Apache sends a request for ``path``, or None when the rule does not match."""
        if self.regex is not None:
            match = self.regex.search(path)
            if match is None:
                return None
            url = None if self.target is None else _expand(self.target, match)
            return Hop(self, self.status, url)
        prefix = self.source.rstrip("/")
        if path != prefix and not path.startswith(prefix + "/"):
            return None
        rest = path[len(prefix) :]
        if self.target is None:
            return Hop(self, self.status, None)
        return Hop(self, self.status, self.target.rstrip("/") + rest if rest else self.target)


@dataclass(frozen=True, slots=True)
class Hop:
    rule: Redirect
    status: int
    url: str | None  # None: the rule answers without a target (410)


@dataclass(frozen=True, slots=True)
class RedirectTest:
    """A whereto test line: ``path status [target]``."""

    line: int
    path: str
    status: int
    target: str | None


@dataclass(frozen=True, slots=True)
class Problem:
    """A line the parser could not read; reported by the rule that owns the file."""

    line: int
    column: int
    message: str


@dataclass(frozen=True, slots=True)
class Chain:
    """The redirects a URL goes through until no rule matches."""

    hops: tuple[Hop, ...]
    end: str | None  # the final URL (None when the last rule has no target)
    loop: bool = False
    too_long: bool = False


def _expand(template: str, match: regex.Match[str]) -> str:
    """Apache's ap_pregsub: ``$N`` is group N (empty if unset), a backslash escapes."""

    def group(found: re.Match[str]) -> str:
        if found.group(1) is not None:
            return found.group(1)
        number = int(found.group(2))
        return (match.group(number) or "") if number <= match.re.groups else ""

    return EXPAND_RE.sub(group, template)


def _tokens(line: str) -> list[str] | str:
    """A whereto test line's words: whereto splits them with shlex."""
    try:
        return shlex.split(line, comments=False)
    except ValueError as exc:
        return f"cannot split the line: {exc}"


def _words(line: str) -> list[tuple[str, int]] | str:
    """Apache's ap_getword_conf: (word, 1-based column) pairs, or an error message.

    Unquoted words are taken verbatim (a regex's backslashes stay); inside
    quotes only an escaped quote or backslash is unescaped.
    """
    words: list[tuple[str, int]] = []
    i, end = 0, len(line)
    while i < end:
        if line[i].isspace():
            i += 1
            continue
        start, quote = i, line[i]
        if quote not in "\"'":
            while i < end and not line[i].isspace():
                i += 1
            words.append((line[start:i], start + 1))
            continue
        chars: list[str] = []
        i += 1
        while i < end and line[i] != quote:
            if line[i] == "\\" and i + 1 < end and line[i + 1] in (quote, "\\"):
                i += 1
            chars.append(line[i])
            i += 1
        if i >= end:
            return f"unterminated quote in {excerpt(line)}"
        i += 1
        words.append(("".join(chars), start + 2))
    return words


def _content_lines(text: str) -> Iterable[tuple[int, str]]:
    """(line number, line) of the lines that are neither blank nor comments."""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield number, raw


def parse_rules(
    text: str,
    budget: saferegex.Budget | None = None,
    verdicts: MutableMapping[str, saferegex.Verdict] | None = None,
) -> tuple[tuple[Redirect, ...], tuple[Problem, ...]]:
    """The redirect rules of an .htaccess, in file order; other directives are ignored.

    The RedirectMatch regexes share ``budget`` (a fresh one by default): the
    time and compile size one file's patterns may cost in one rule run.
    ``verdicts`` (regex -> saferegex.verdict, kept between runs) is read and
    filled in: a regex with a verdict is neither parsed nor compiled until it
    is matched.
    """
    budget = budget if budget is not None else saferegex.Budget()
    rules: list[Redirect] = []
    problems: list[Problem] = []
    for number, raw in _content_lines(text):
        words = _words(raw)
        column = len(raw) - len(raw.lstrip()) + 1
        if isinstance(words, str):
            problems.append(Problem(number, column, words))
            continue
        directive = words[0][0].lower()
        if directive not in DIRECTIVES:
            continue
        parsed = _rule(number, raw.strip(), directive, words[1:], budget, verdicts)
        if isinstance(parsed, Redirect):
            rules.append(parsed)
        else:
            problems.append(Problem(number, column, parsed))
    return tuple(rules), tuple(problems)


def _rule(
    number: int,
    line: str,
    directive: str,
    args: list[tuple[str, int]],
    budget: saferegex.Budget,
    verdicts: MutableMapping[str, saferegex.Verdict] | None = None,
) -> Redirect | str:
    fixed = DIRECTIVES[directive]
    status = fixed or 302
    if fixed is None and args and (args[0][0].lower() in STATUS_WORDS or args[0][0].isdigit()):
        word = args.pop(0)[0].lower()
        if word not in STATUS_WORDS and not STATUS_RE.fullmatch(word):
            return f"{directive} status {excerpt(word)} is not an HTTP status"
        status = STATUS_WORDS.get(word) or int(word)
    needs_target = 300 <= status <= 399
    if len(args) != (2 if needs_target else 1):
        wanted = "a source and a target" if needs_target else "a source and no target"
        return f"{directive} with status {status} takes {wanted}: {excerpt(line)}"
    (source, source_column), target = args[0], (args[1] if needs_target else None)
    pattern = None
    if directive == "redirectmatch":
        known = None
        if verdicts is not None:
            known = verdicts.get(source)
            if known is None:
                known = verdicts[source] = saferegex.verdict(source)
        try:
            pattern = saferegex.compile(source, budget, known)
        except saferegex.PatternError as exc:
            return f"invalid RedirectMatch regex {excerpt(source)}: {untrusted.clip(str(exc))}"
    elif not source.startswith("/"):
        return f"{directive} source must be a URL-path starting with '/': {excerpt(source)}"
    if target is None:
        return Redirect(number, directive, status, source, None, source_column, pattern)
    return Redirect(number, directive, status, source, target[0], target[1], pattern)


def parse_tests(text: str) -> tuple[tuple[RedirectTest, ...], tuple[Problem, ...]]:
    """whereto's test lines: ``path status [target]``; blank lines and # comments skipped."""
    tests: list[RedirectTest] = []
    problems: list[Problem] = []
    for number, raw in _content_lines(text):
        line, column = raw.strip(), len(raw) - len(raw.lstrip()) + 1
        words = _tokens(line)
        if isinstance(words, str):
            problems.append(Problem(number, column, words))
        elif len(words) not in (2, 3) or not STATUS_RE.fullmatch(words[1]):
            message = f"a test is 'path status [target]': {excerpt(line)}"
            problems.append(Problem(number, column, message))
        else:
            target = words[2] if len(words) == 3 else None
            tests.append(RedirectTest(number, words[0], int(words[1]), target))
    return tuple(tests), tuple(problems)


def first_match(
    rules: Sequence[Redirect], path: str, routes: MutableMapping[str, Route | None] | None = None
) -> Hop | None:
    """The first rule in file order that matches wins, as in Apache's mod_alias.

    ``routes`` (path -> :data:`Route`, for these rules) is read and filled in:
    a path already routed is answered without matching a rule.
    """
    if routes is not None and path in routes:
        kept = routes[path]
        return None if kept is None else Hop(rules[kept[0]], rules[kept[0]].status, kept[1])
    for number, rule in enumerate(rules):
        hop = rule.apply(path)
        if hop is not None:
            if routes is not None:
                routes[path] = (number, hop.url)
            return hop
    if routes is not None:
        routes[path] = None
    return None


def follow(
    rules: Sequence[Redirect],
    url: str,
    *,
    max_hops: int = MAX_HOPS,
    routes: MutableMapping[str, Route | None] | None = None,
) -> Chain:
    """Redirect after redirect from ``url`` (already a target) until none matches."""
    hops: list[Hop] = []
    seen = {url}
    current: str | None = url
    while current is not None and not is_absolute(current):
        hop = first_match(rules, current, routes)
        if hop is None:
            break
        hops.append(hop)
        current = hop.url
        if current is not None and current in seen:
            return Chain(tuple(hops), current, loop=True)
        if len(hops) > max_hops:
            return Chain(tuple(hops), current, too_long=True)
        if current is not None:
            seen.add(current)
    return Chain(tuple(hops), current)


def is_absolute(url: str) -> bool:
    return "://" in url or url.startswith("//")


def site_project(rules: Sequence[Redirect]) -> str | None:
    """The ``/<project>/`` most rules start with (nova's ``^/nova/([^/]+)/``), if any.

    URLs are then ``/<project>/<version>/<page>``; without one they are ``/<page>``.
    """
    counts = Counter(m.group(1) for r in rules if (m := PROJECT_RE.match(r.source)))
    if not counts:
        return None
    project, count = counts.most_common(1)[0]
    return project if 2 * count >= len(rules) else None


def page_of(url: str, project: str | None) -> str | None:
    """The site page a URL path names (``admin/foo.html``), or None outside the project."""
    if is_absolute(url) or not url.startswith("/"):
        return None
    path = url.split("#", 1)[0].split("?", 1)[0]
    if project is None:
        return path[1:]
    parts = path.split("/", 3)  # "", project, version, page
    if len(parts) < 3 or parts[1] != project:
        return None
    return parts[3] if len(parts) == 4 else ""


def docname_of(page: str) -> str | None:
    """The document an HTML page is built from; None for other files (images, text...)."""
    if page == "" or page.endswith("/"):
        return page + "index"
    last = page.rsplit("/", 1)[-1]
    if last.endswith(".html"):
        return page[: -len(".html")]
    if "." in last:
        return None
    return page + "/index"  # a folder without its slash: Apache adds it


def templated(url: str) -> bool:
    """A target still holding ``$N``: which page it names depends on the request."""
    return GROUP_RE.search(url) is not None


def sample_url(target: str, project: str | None) -> str | None:
    """The target with its version placeholder filled in, or None when the page is templated.

    ``/nova/$1/admin/x.html`` -> ``/nova/latest/admin/x.html``: any version
    shows whether the page exists.
    """
    if project is not None and target.startswith(f"/{project}/"):
        parts = target.split("/", 3)
        if len(parts) == 4 and templated(parts[2]) and not templated(parts[3]):
            return "/".join([parts[0], parts[1], "latest", parts[3]])
    return None if templated(target) else target


def htaccess_paths(extra_paths: Iterable[str], files: Iterable[str]) -> list[str]:
    """The .htaccess files a build copies to the site root from ``html_extra_path``."""
    present = set(files)
    found = []
    for extra in extra_paths:
        extra = posixpath.normpath(extra)
        candidate = extra if posixpath.basename(extra) == ".htaccess" else f"{extra}/.htaccess"
        if candidate in present:
            found.append(candidate)
    return found


def read_text(files: TreeFiles, path: str, root: str) -> str | None:
    """A file relative to the source dir ("../" allowed), or None when it cannot be read.

    untrusted.Refused when the file, its symbolic links followed, lies outside
    ``root`` (the repository), is no regular file, or is too large: the tree
    must not make a rule read, and echo, ``/proc/self/environ``. A path that
    leads outside to nothing is simply not there.
    """
    read = files.read(path, root)
    if read.outside:
        if os.path.lexists(os.path.join(files.srcdir, path)):
            raise untrusted.Refused("outside the repository")
        return None
    if read.refused:
        raise untrusted.Refused(read.error)
    return read.text
