"""Command line: argparse -> settings; run the engine; render; exit code. Nothing else.

Exit codes: 0 nothing at or above the fail level, 1 findings at or above it,
2 usage or configuration error (or the report could not be written), 3 internal
error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).

Every message to standard error goes through ``findings.printable``: paths,
revisions and error texts come from the pull request under review.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from novadoclint import __version__, baseline, decide
from novadoclint.checks import META
from novadoclint.edits import Fix
from novadoclint.engine import lint
from novadoclint.findings import Run, Severity, printable
from novadoclint.index import FactsIndex
from novadoclint.phase1 import project_context, run_phase1_cached
from novadoclint.project.discover import ProjectError, find_srcdir, load_project
from novadoclint.registry import Phase
from novadoclint.report import FORMATS, write_file
from novadoclint.safety import untrusted
from novadoclint.safety.untrusted import excerpt
from novadoclint.settings import ConfigError, Settings, from_cli, line_of_key, load, names
from novadoclint.workers import Terminated

if TYPE_CHECKING:
    from novadoclint import fixes

EXIT_OK, EXIT_FINDINGS, EXIT_INTERNAL = decide.EXIT_OK, decide.EXIT_FINDINGS, decide.EXIT_INTERNAL
EXIT_USAGE = 2
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM, as shells report


class UsageError(Exception):
    pass


class OutputError(Exception):
    """The report could not be written: exit 2, like any other problem of the environment."""


def say(message: str) -> None:
    """One line to standard error, printable whatever the message holds."""
    print(f"novadoclint: {printable(message)}", file=sys.stderr)


class PrintableFormatter(logging.Formatter):
    """Log messages through ``printable`` too (a --verbose traceback keeps its lines)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return printable(super().formatMessage(record))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="novadoclint",
        description="A fast, Sphinx-aware linter for reStructuredText documentation trees.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="Sphinx source dir (the folder holding conf.py) or files inside one; "
        "default: doc/source if it exists, else the current folder",
    )
    parser.add_argument("--format", choices=sorted(FORMATS), default="text", help="output format")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    parser.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="RULES",
        help="comma-separated rule ids, patterns (link-*), tags or 'all' to run instead of "
        "the defaults",
    )
    parser.add_argument(
        "--extend-select",
        action="append",
        default=[],
        metavar="RULES",
        help="rules to run in addition to the defaults (e.g. rules disabled by default)",
    )
    parser.add_argument(
        "--ignore", action="append", default=[], metavar="RULES", help="rules not to run"
    )
    parser.add_argument("--config", metavar="FILE", help="a .novadoclint.toml or pyproject.toml")
    parser.add_argument(
        "--profile",
        metavar="NAME",
        help="a policy profile shipped in rules/ (e.g. nova), or a policy .toml file",
    )
    # --write-policy (issue 16): a project's own placement policy, from its tree
    parser.add_argument(
        "--write-policy",
        metavar="FILE",
        help="write a placement policy for section-placement (use it with --profile FILE) "
        "from the tree as it is, never over an existing file, and exit 0",
    )
    parser.add_argument(
        "--policy-page",
        action="append",
        default=[],
        metavar="PAGE",
        help="with --write-policy: an index page to describe (a docname such as "
        "reference/index; repeatable); default: every page with two or more sections that "
        "each hold a :doc: list or a toctree",
    )
    parser.add_argument(
        "--python",
        metavar="PATH",
        help="the docs environment's Python (e.g. .tox/docs/bin/python) or its folder: "
        "extensions installed there are read, never imported or run",
    )
    parser.add_argument("--jobs", "-j", type=int, metavar="N", help="worker processes")
    parser.add_argument(
        "--fail-on",
        choices=["error", "warning", "info"],
        help="lowest severity that makes the exit code 1 (default: warning)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write novadoclint's caches (parsed files, link results) "
        "under $XDG_CACHE_HOME/novadoclint",
    )
    parser.add_argument(
        "--check-links",
        action="store_true",
        help="also check that external links work: the network rules (link-broken, "
        "link-redirected, link-anchor-missing, link-skipped)",
    )
    parser.add_argument(
        "--allow-private",
        action="store_true",
        help="with --check-links: contact loopback and private addresses too (refused by default)",
    )
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="with --check-links: check every link again, ignoring cached results",
    )
    parser.add_argument(
        "--check-shell",
        action="store_true",
        help="also check bash/sh code blocks without prompts with `bash -n`",
    )
    parser.add_argument(
        "--changed-since",
        metavar="REV",
        help="report only findings in files changed since the git revision REV, and those "
        "the change caused elsewhere (a removed page or label others still use)",
    )
    parser.add_argument(
        "--changed-lines",
        action="store_true",
        help="with --changed-since: of the changed files' findings, report only those on "
        "lines the change touched (git diff -U0), and those the change caused",
    )
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        help="do not report findings recorded in FILE (matched by path, rule and message)",
    )
    parser.add_argument(
        "--write-baseline",
        metavar="FILE",
        help="record every current finding in FILE and exit 0",
    )
    # --fix, --diff, --unsafe-fixes (issue 16): fixes.py applies, the rules say which are safe
    parser.add_argument(
        "--fix",
        action="store_true",
        help="apply the safe fixes in place, re-lint and repeat until nothing changes; report "
        "what remains; exit 1 if a file was changed or findings remain",
    )
    parser.add_argument(
        "--diff",
        action="store_true",
        help="print what --fix would change as a unified diff and change nothing; exit 1 if "
        "there is a diff",
    )
    parser.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="with --fix or --diff: apply the fixes that need a human's eye too",
    )
    parser.add_argument("--list-rules", action="store_true", help="list rules and exit")
    parser.add_argument("--explain", metavar="RULE", help="document a rule ('all' for every rule)")
    parser.add_argument("--no-color", action="store_true", help="never colour the output")
    parser.add_argument("--verbose", "-v", action="store_true", help="log diagnostics to stderr")
    parser.add_argument("--version", action="version", version=f"novadoclint {__version__}")
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The options that set settings, each through its key's parse (settings.KEYS): the
    same checks as in a config file; UsageError naming the option."""
    overrides: dict[str, Any] = {}
    for key in ("select", "extend_select", "ignore"):
        values = names(getattr(args, key))
        if values:
            overrides.update(_from_cli(f"--{key.replace('_', '-')}", values))
    for option, value in (
        ("--profile", args.profile),
        ("--python", args.python),
        ("--jobs", args.jobs),
        ("--fail-on", args.fail_on),
    ):
        if value is not None and value != "":
            overrides.update(_from_cli(option, value))
    if args.no_cache:
        overrides["cache"] = False
    if args.check_shell:
        overrides.update(_from_cli("--check-shell", True))
    for flag in ("check_links", "allow_private", "refresh"):
        if getattr(args, flag):
            overrides[flag] = True
    return overrides


def _from_cli(option: str, value: Any) -> dict[str, Any]:
    try:
        return from_cli(option, value, META)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def _default_paths() -> list[Path]:
    candidate = Path("doc/source")
    return [candidate] if candidate.is_dir() else [Path(".")]


def _check_output(output: str | None) -> None:
    """-o's folder must exist before the run: a report that cannot be written is exit 2 now,
    not after a lint of the whole tree."""
    if not output:
        return
    if not Path(output).parent.is_dir():
        raise OutputError(f"cannot write the report to {output}: {os.strerror(errno.ENOENT)}")
    if Path(output).is_dir():
        raise OutputError(f"cannot write the report to {output}: {os.strerror(errno.EISDIR)}")


def _note_left_alone(paths: Sequence[Path]) -> None:
    """Files given that belong to no Sphinx tree: say so, a silent pass would read as clean."""
    for path in paths:
        say(
            f"note: {os.path.relpath(path)} is in no Sphinx source dir (no conf.py above it) "
            "and no document includes it: not checked"
        )


def _explain(name: str, fmt: str) -> str:
    from novadoclint import explain  # not imported by a lint run (as policy_writer below)
    from novadoclint.checks import ALL_RULES  # every rule module: their docs

    rules = list(ALL_RULES) if name == "all" else [r for r in ALL_RULES if r.id == name]
    if not rules:
        raise UsageError(f"--explain: unknown rule {name!r} (see --list-rules)")
    if fmt == "json":
        return explain.explain_json(rules) + "\n"
    return "\n".join(explain.explain(r) for r in rules)


def _write_policy(args: argparse.Namespace) -> int:
    """--write-policy: read one tree's documents (phase 1, no rule reported) and write the
    policy of its index pages to a file that does not exist yet."""
    if not args.write_policy:
        raise UsageError("--policy-page needs --write-policy FILE")
    others = ("changed_since", "write_baseline", "fix", "diff", "check_links")
    given = [f"--{o.replace('_', '-')}" for o in others if getattr(args, o, None)]
    if given:
        raise UsageError(f"--write-policy cannot be used with {given[0]}")
    target = Path(args.write_policy)
    if os.path.lexists(target):
        raise UsageError(
            f"{args.write_policy} exists; --write-policy never overwrites a policy (it may "
            "hold edits): remove it, or write another file and compare the two"
        )
    found = {find_srcdir(Path(p)) for p in args.paths} if args.paths else None
    srcdirs = found or {find_srcdir(p) for p in _default_paths()}
    if len(srcdirs) > 1:
        raise UsageError(f"--write-policy reads one Sphinx source dir; {len(srcdirs)} given")
    ((srcdir, has_conf),) = srcdirs
    config = Path(args.config) if args.config else None
    settings = load(srcdir, rules=META, config=config, overrides=_overrides(args))
    project = load_project(srcdir, has_conf)
    ctx = project_context(project, replace(settings, profile=None))
    results = run_phase1_cached(
        ctx, sorted(project.docs.items()), settings.jobs or os.cpu_count() or 1
    )
    docs = {r.facts.docname: r.facts for r in results}
    index = FactsIndex(str(project.srcdir), project.conf, docs, project.files)
    from novadoclint.project import policy_writer

    try:
        written = policy_writer.write_policy(index, args.policy_page, args.write_policy)
    except policy_writer.PolicyError as exc:
        raise UsageError(str(exc)) from None
    try:
        with open(target, "x", encoding="utf-8", newline="\n") as stream:
            stream.write(written.text)
    except OSError as exc:
        raise OutputError(
            f"cannot write the policy to {args.write_policy}: {_reason(exc)}"
        ) from None
    pages = f"{written.pages} index page{'s' if written.pages != 1 else ''}"
    say(
        f"wrote {args.write_policy}: {pages}, {written.sections} sections, {written.documents} "
        f"documents placed; lint with --profile {args.write_policy}"
    )
    return EXIT_OK


def _write(text: str, output: str | None) -> None:
    """The report to output (whole or not at all) or to standard output; OutputError if not."""
    if output:
        try:
            write_file(Path(output), text)
        except OSError as exc:
            raise OutputError(f"cannot write the report to {output}: {_reason(exc)}") from None
        return
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        sys.stdout.write(text.encode(encoding, "backslashreplace").decode(encoding))
        sys.stdout.flush()
    except OSError as exc:
        _discard_stdout()
        raise OutputError(f"cannot write the report to standard output: {_reason(exc)}") from None


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's flush at exit fails no second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # not a real file (tests capture it)
        pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = logging.StreamHandler()
    handler.setFormatter(PrintableFormatter("novadoclint: %(message)s"))
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, handlers=[handler]
    )
    try:
        return _main(args)
    except KeyboardInterrupt:
        say("interrupted")
        return EXIT_INTERRUPTED
    except Terminated:
        say("terminated")
        return EXIT_TERMINATED
    except OutputError as exc:
        say(f"error: {exc}")
        return EXIT_USAGE


def _main(args: argparse.Namespace) -> int:
    try:
        if args.list_rules:
            from novadoclint import explain
            from novadoclint.checks import ALL_RULES

            _write(explain.list_rules(ALL_RULES), args.output)
            return EXIT_OK
        if args.explain:
            _write(_explain(args.explain, args.format), args.output)
            return EXIT_OK
        if args.write_policy or args.policy_page:
            return _write_policy(args)
        overrides = _overrides(args)
        paths = [Path(p) for p in args.paths]
        if not paths and not args.changed_since:
            paths = _default_paths()
        if args.changed_lines and not args.changed_since:
            raise UsageError("--changed-lines needs --changed-since REV")
        _check_fix_options(args)
        _check_output(args.output)
        config = Path(args.config) if args.config else None
        seen = _Projects()

        def lint_again() -> Run:
            run = lint(
                paths,
                config=config,
                overrides=overrides,
                on_project=seen,
                since=args.changed_since,
                changed_lines=args.changed_lines,
                on_left_alone=None if args.changed_since or seen.levels else _note_left_alone,
            )
            run = replace(run, fail_on=decide.fail_level(seen.levels))
            if args.baseline and not args.write_baseline:  # the baseline records them all
                run = decide.apply_baseline(run, Path(args.baseline))
            return run

        def lint_copy(scratch: fixes.Scratch) -> Run:
            """--diff's re-lint, of the copy its passes write in; a baseline matches as named
            in the original."""
            run = lint(
                [Path(scratch.inside(str(path))) for path in paths],
                config=Path(scratch.inside(str(config))) if config else None,
                overrides={**overrides, **seen.python()},
            )
            if args.baseline:
                named = [replace(f, path=scratch.outside(f.path)) for f in run.findings]
                shown = replace(run, findings=tuple(named))
                kept = Counter(decide.apply_baseline(shown, Path(args.baseline)).findings)
                findings = []
                for finding, original in zip(run.findings, named, strict=True):
                    if kept[original] > 0:
                        kept[original] -= 1
                        findings.append(finding)
                run = replace(run, findings=tuple(findings))
            return run

        run = lint_again()
        if args.fix or args.diff:
            return _fix(args, run, lint_again, lint_copy, seen.roots())
    except (UsageError, ConfigError, ProjectError) as exc:
        say(f"error: {exc}")
        return EXIT_USAGE
    except OutputError:
        raise
    except Exception as exc:
        logging.getLogger(__name__).debug("internal error", exc_info=True)
        say(f"internal error: {type(exc).__name__}: {exc} (run with --verbose for details)")
        return EXIT_INTERNAL
    if args.write_baseline:
        try:
            target = Path(args.write_baseline)
            write_file(target, baseline.render(run, target))
        except OSError as exc:
            raise OutputError(
                f"cannot write the baseline to {args.write_baseline}: {_reason(exc)}"
            ) from None
        say(f"wrote {len(run.findings)} findings to {args.write_baseline}")
        return EXIT_OK
    _write(FORMATS[args.format](run, _color(args)), args.output)
    return _exit_code(run)


def _exit_code(run: Run) -> int:
    """decide.exit_code, and a line on stderr when it is 3 for an internal-error finding.

    Exit 3 otherwise came with nothing on stderr, the reason only in the report
    (a file over its time budget on a loaded machine): a caller that reads only
    stderr for exit 3 (bench/forest.py) had nothing to show.
    """
    code = decide.exit_code(run)
    errors = [f for f in run.findings if f.rule == "internal-error"]
    if code == EXIT_INTERNAL and errors:
        more = f" (and {len(errors) - 1} more in the report)" if len(errors) > 1 else ""
        say(f"internal error: {errors[0].message}{more}")  # it names the file
    return code


def _color(args: argparse.Namespace) -> bool:
    return (
        not args.no_color
        and not args.output
        and sys.stdout.isatty()
        and "NO_COLOR" not in os.environ
    )


def _check_fix_options(args: argparse.Namespace) -> None:
    """--fix and --diff: which options they go with (UsageError for the others)."""
    if args.unsafe_fixes and not (args.fix or args.diff):
        raise UsageError("--unsafe-fixes needs --fix or --diff")
    if args.fix and args.diff:
        raise UsageError("--fix and --diff exclude each other (--diff changes nothing)")
    if not (args.fix or args.diff):
        return
    option = "--fix" if args.fix else "--diff"
    if args.check_links:
        # each pass re-lints: every link would be checked again, and no network rule has a fix
        raise UsageError(f"{option} cannot be used with --check-links (no link rule has a fix)")
    if args.write_baseline:
        raise UsageError(f"{option} cannot be used with --write-baseline")


def _diff(
    args: argparse.Namespace,
    run: Run,
    lint_copy: Callable[[fixes.Scratch], Run],
    roots: list[str],
) -> int:
    """--diff: what --fix writes in total, its passes run on a copy of the projects.

    With --changed-since, the copy has no history to compare with: one pass,
    and a note counts the fixes that wait for a re-lint.
    """
    from novadoclint import fixes  # as in _fix: a run without --fix or --diff needs none

    if args.changed_since:
        step = fixes.plan(run.findings, roots, unsafe=args.unsafe_fixes)
        for note in step.notes:
            say(f"note: {note}")
        if step.deferred:
            say(
                f"note: {step.deferred} more fixes overlap these; --fix applies them after a "
                "re-lint, which --diff with --changed-since does not run"
            )
        _write(fixes.unified_diff(step.changes), args.output)
        return EXIT_FINDINGS if step.changes else EXIT_OK
    with fixes.Scratch(roots) as scratch:
        first = replace(
            run,
            findings=tuple(
                replace(f, path=scratch.inside(f.path), fix=_moved(f.fix, scratch))
                for f in run.findings
            ),
        )
        outcome = fixes.fix_until_done(
            first,
            lambda: lint_copy(scratch),
            scratch.copies(),
            unsafe=args.unsafe_fixes,
            writer=scratch.write,
        )
        for note in outcome.notes:
            say(f"note: {scratch.note(note)}")
        if outcome.bounded:
            say(f"note: stopped after {outcome.passes} passes of fixes with fixes left to apply")
        changes = scratch.changes(outcome, roots)
    _write(fixes.unified_diff(changes), args.output)
    return EXIT_FINDINGS if changes else EXIT_OK


def _moved(fix: Fix | None, scratch: fixes.Scratch) -> Fix | None:
    """A fix of the original's first lint, its edits naming the copy's files."""
    if fix is None:
        return None
    return replace(fix, edits=tuple(replace(e, path=scratch.inside(e.path)) for e in fix.edits))


def _fix(
    args: argparse.Namespace,
    run: Run,
    lint_again: Callable[[], Run],
    lint_copy: Callable[[fixes.Scratch], Run],
    roots: list[str],
) -> int:
    """--diff: what --fix would write; --fix: the passes, then the findings that remain."""
    if args.diff:
        return _diff(args, run, lint_copy, roots)
    from novadoclint import fixes  # ~5 ms of imports a run without --fix or --diff saves

    try:
        outcome = fixes.fix_until_done(run, lint_again, roots, unsafe=args.unsafe_fixes)
    except OSError as exc:
        name = f" {exc.filename}" if exc.filename else ""
        raise OutputError(f"cannot write a fix to{name}: {_reason(exc)}") from None
    for note in outcome.notes:
        say(f"note: {note}")
    if outcome.bounded:
        say(f"note: stopped after {outcome.passes} passes of fixes with fixes left to apply")
    remaining = outcome.remaining
    if args.format == "text":
        report = FORMATS["text"](remaining, _color(args)) + fixes.summary(outcome) + "\n"
    else:
        report = FORMATS[args.format](remaining, _color(args))
        say(fixes.summary(outcome))
    _write(report, args.output)
    return EXIT_FINDINGS if outcome.changed else _exit_code(remaining)


class _Projects:
    """lint()'s on_project: the notes and warnings on each source dir's settings, and each
    one's fail level (the run's is decided from them). --fix lints again: said once."""

    def __init__(self) -> None:
        self.levels: list[tuple[str | None, Severity]] = []
        self.warned: set[tuple[str | None, str, str]] = set()
        self.srcdirs: dict[str, None] = {}
        self.pythons: list[tuple[str | None, str | None]] = []

    def python(self) -> dict[str, Any]:
        """The docs environment the trees were read with, for --diff's copy to read too (a
        copy leaves out ``.tox``); empty when none was named or the trees differ."""
        named = set(self.pythons)
        if len(named) != 1 or None in next(iter(named)):
            return {}
        python, root = next(iter(named))
        return {"python": python, "python_root": root}

    def roots(self) -> list[str]:
        """The folders the fixes may write in: each linted source dir's repository."""
        return list(dict.fromkeys(untrusted.project_root(srcdir) for srcdir in self.srcdirs))

    def __call__(self, project: Any, settings: Settings) -> None:
        if str(project.srcdir) in self.srcdirs:
            return
        self.srcdirs[str(project.srcdir)] = None
        _on_project(project, settings)
        self.levels.append((settings.config_path, settings.fail_on))
        self.pythons.append((settings.python, settings.python_root))
        for key, pattern in decide.unmatched_patterns(settings, str(project.srcdir), project.files):
            if (settings.config_path, key, pattern) not in self.warned:
                self.warned.add((settings.config_path, key, pattern))
                _warn_unmatched(settings, key, pattern)


def _warn_unmatched(settings: Settings, key: str, pattern: str) -> None:
    """A per-path-ignores or exclude glob that matches no file: a typo, or a path written
    relative to another folder than the config file's (ruff's rule, which novadoclint
    follows). A warning, as a glob for files not written yet is no error."""
    config = settings.config_path or "?"
    line = line_of_key(Path(config), pattern) or line_of_key(Path(config), key)
    where = f"{config}:{line}" if line else config
    folder = os.path.dirname(os.path.abspath(config))
    say(
        f"warning: {where}: {key} pattern {excerpt(pattern)} matches no file "
        f"(patterns are relative to {folder}, the config file's folder)"
    )


def _on_project(project: Any, settings: Settings) -> None:
    _warn_no_conf(project, settings)
    _note_network_rules(settings)


def _note_network_rules(settings: Settings) -> None:
    """Network rules selected by name without --check-links would silently do nothing."""
    if settings.check_links:
        return
    wanted = (*settings.select, *settings.extend_select)
    named = [
        r.id
        for r in META
        if r.phase is Phase.NETWORK and any(p in (r.id, Phase.NETWORK.value) for p in wanted)
    ]
    if named:
        say(f"note: {', '.join(named)} run only with --check-links; no link was checked")


def _warn_no_conf(project: Any, settings: Any) -> None:
    if project.conf.path is None:
        say(
            f"warning: no conf.py in {os.path.relpath(project.srcdir)} or above; "
            "linting with Sphinx's defaults"
        )
