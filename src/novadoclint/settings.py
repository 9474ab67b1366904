"""Settings: novadoclint's config files, doc8's config, and the command line, merged.

Sources, later ones winning: ``[doc8]`` / ``[tool.doc8]`` (style options only, so a
project's doc8 configuration keeps working), ``[tool.novadoclint]`` in
pyproject.toml or ``.novadoclint.toml``, then command-line options.
"""

from __future__ import annotations

import configparser
import difflib
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from novadoclint.findings import Severity
from novadoclint.registry import Named, unknown_rule_id, unknown_selector
from novadoclint.safety import saferegex, untrusted
from novadoclint.safety.untrusted import excerpt

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

TOML_LINE_RE = re.compile(r"\(at line (\d+), column \d+\)")
DOC8_FILES = ("doc8.ini", ".config/doc8.ini", "tox.ini", "pep8.ini", "setup.cfg", "pyproject.toml")
# [tool.novadoclint.linkcheck]: Sphinx's linkcheck_* settings without the prefix, plus
# https-hosts (link-insecure) and per-host (concurrent requests to one host).
LINKCHECK_KEYS = frozenset(
    {
        "ignore",
        "anchors",
        "anchors-ignore",
        "allowed-redirects",
        "request-headers",
        "timeout",
        "run-timeout",
        "retries",
        "workers",
        "per-host",
        "https-hosts",
    }
)


class ConfigError(Exception):
    """A configuration problem the user must fix; cli exits 2 with it."""

    def __init__(self, path: str | Path | None, line: int | None, message: str) -> None:
        self.path, self.line, self.message = str(path) if path else None, line, message
        where = f"{self.path}:{line}: " if self.path and line else f"{self.path}: " if path else ""
        super().__init__(f"{where}{message}")


@dataclass(frozen=True)
class Doc8Options:
    max_line_length: int = 79
    allow_long_titles: bool = False
    ignore: frozenset[str] = frozenset()
    ignore_path_errors: tuple[tuple[str, frozenset[str]], ...] = ()
    sphinx: bool = True


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ()  # empty: the rules enabled by default
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    per_path_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    extra_directives: tuple[str, ...] = ()
    extra_roles: tuple[str, ...] = ()
    generated_files: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    profile: str | None = None
    fail_on: Severity = Severity.WARNING
    jobs: int = 0  # 0: all cores
    check_shell: bool = False
    time_budget: float = 30.0  # CPU seconds one file may take in phase 1 (0: no limit)
    cache: bool = True  # --no-cache: neither read nor write any cache (facts, link results)
    linkcheck: Mapping[str, Any] = field(default_factory=dict)  # validated, see LINKCHECK_KEYS
    check_links: bool = False  # --check-links: run the network rules
    allow_private: bool = False  # --allow-private: contact loopback and private addresses
    refresh: bool = False  # --refresh: check links again, ignoring cached results
    redirect_tests: str | None = None  # whereto test file (absolute once read from a config)
    # The docs environment's interpreter (absolute), whose installed extensions are read
    # (never run); python_root: a config file named it, so only files inside are read
    python: str | None = None
    python_root: str | None = None
    doc8: Doc8Options = Doc8Options()
    config_path: str | None = None
    config_root: str | None = None  # the repository holding config_path: its paths stay inside


def line_of_key(path: Path, key: str) -> int | None:
    """tomllib gives no line numbers: find the key in the text."""
    try:
        for number, line in enumerate(untrusted.read_text(path).splitlines(), 1):
            if line.strip().startswith((key, f'"{key}"')):
                return number
    except OSError:
        return None
    return None


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file, read with the size cap (a pyproject.toml may be a link to /dev/zero)."""
    try:
        loaded: dict[str, Any] = tomllib.loads(untrusted.read_bytes(path).decode("utf-8"))
        return loaded
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, None, f"invalid TOML: not UTF-8 at byte {exc.start}") from None
    except tomllib.TOMLDecodeError as exc:
        # .lineno exists from Python 3.14; before, the line is only in the text
        found = TOML_LINE_RE.search(str(exc))
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        raise ConfigError(path, line, f"invalid TOML: {exc}") from None


def find_config(start: Path) -> Path | None:
    """The nearest .novadoclint.toml, or pyproject.toml with [tool.novadoclint], upwards."""
    for folder in (start, *start.parents):
        candidate = folder / ".novadoclint.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "novadoclint" in _tool(read_toml(candidate)):
            return candidate
    return None


def _tool(data: Mapping[str, Any]) -> dict[str, Any]:
    tool = data.get("tool", {})
    return tool if isinstance(tool, dict) else {}


def novadoclint_table(path: Path) -> dict[str, Any]:
    """The settings table: [tool.novadoclint], or a .novadoclint.toml's top level."""
    data = read_toml(path)
    nested = _tool(data).get("novadoclint")
    if nested is not None and not isinstance(nested, dict):
        line = line_of_key(path, "novadoclint") or line_of_key(path, "tool")
        raise ConfigError(path, line, "'tool.novadoclint' must be a table")
    if path.name == "pyproject.toml":
        return nested or {}
    return nested if nested is not None else data


class SettingError(ValueError):
    """A value a key cannot take; the caller says where it was written (file and key, or
    the command-line option). ``at``: the entry of a table the problem is in (a rule id,
    a glob), whose line is the one to show."""

    def __init__(self, message: str, at: str | None = None) -> None:
        super().__init__(message)
        self.at = at


@dataclass(frozen=True)
class Where:
    """Where a value was written: a config file (paths are relative to its folder and
    must stay inside ``root``, its repository), or the command line (``path`` None:
    paths are relative to the working directory, and the user's own). ``rules``: the
    rules a selector written there must name, handed in by the caller that runs them."""

    rules: tuple[Named, ...]
    path: Path | None = None
    root: Path | None = None


Parser = Callable[[Any, Where], dict[str, Any]]


@dataclass(frozen=True)
class Key:
    """One setting: how config files and the command line write it, check it, document it."""

    name: str  # the config key ([tool.novadoclint] / .novadoclint.toml)
    type: str  # what it takes, as the README and error messages say it
    default: str  # as documented
    doc: str  # one sentence for the README's table
    parse: Parser  # value -> the Settings fields it sets; SettingError (or ConfigError)
    option: str | None = None  # the command-line option going through the same parse


def _strings(value: Any, *, split: bool = False) -> tuple[str, ...]:
    """A list of strings (or one comma-separated string); commas split list items too
    when ``split`` (rule selectors: an id never holds one)."""
    if isinstance(value, str):
        items = [value]
    elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        items = list(value)
    else:
        raise SettingError("must be a list of strings")
    if isinstance(value, str) or split:
        return tuple(v.strip() for item in items for v in item.split(",") if v.strip())
    return tuple(items)


def _selectors(field: str) -> Parser:
    def parse(value: Any, where: Where) -> dict[str, Any]:
        found = _strings(value, split=True)
        for name in found:
            problem = unknown_selector(name, where.rules)
            if problem:
                raise SettingError(problem)
        return {field: found}

    return parse


def _strings_of(field: str) -> Parser:
    def parse(value: Any, where: Where) -> dict[str, Any]:
        return {field: _strings(value)}

    return parse


def _globs(field: str) -> Parser:
    def parse(value: Any, where: Where) -> dict[str, Any]:
        found = _strings(value)
        if any(not glob.strip() for glob in found):
            raise SettingError("must not hold an empty pattern")
        return {field: found}

    return parse


def _severity(value: Any, where: Where) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SettingError('must be a table of rule-id = "error" | "warning" | "info"')
    levels = []
    for rule_id, level in value.items():
        problem = unknown_rule_id(rule_id, where.rules)
        if problem:
            raise SettingError(problem, at=rule_id)
        if not isinstance(level, str):
            raise SettingError(f'{rule_id}: must be "error", "warning" or "info"', at=rule_id)
        try:
            levels.append((rule_id, Severity.parse(level)))
        except ValueError as exc:
            raise SettingError(f"{rule_id}: {exc}", at=rule_id) from None
    return {"severity": tuple(levels)}


def _per_path_ignores(value: Any, where: Where) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SettingError("must be a table of glob = [rules]")
    pairs = []
    for glob, rules in value.items():
        if not glob.strip():
            raise SettingError("must not hold an empty pattern")
        try:
            found = _strings(rules, split=True)
        except SettingError:
            raise SettingError(f"{glob!r}: must be a list of rules", at=glob) from None
        for name in found:
            problem = unknown_selector(name, where.rules)
            if problem:
                raise SettingError(f"{glob!r}: {problem}", at=glob)
        pairs.append((glob, found))
    return {"per_path_ignores": tuple(pairs)}


def _nonempty(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SettingError("must be a non-empty string")
    return value


def _profile(value: Any, where: Where) -> dict[str, Any]:
    from novadoclint import data

    profile = _nonempty(value)
    if profile.endswith(".toml"):  # a user's own policy file
        if where.path is None:
            if not Path(profile).is_file():
                raise SettingError(f"no such policy file {excerpt(profile)}")
            return {"profile": str(Path(profile).resolve())}
        assert where.root is not None
        target = _inside(where.path, "profile", profile, where.root)
        if not os.path.isfile(target):
            raise SettingError(f"no such policy file {excerpt(profile)} (relative to this file)")
        return {"profile": target}
    if profile not in data.profiles():
        shipped = ", ".join(data.profiles()) or "none"
        raise SettingError(f"unknown profile {excerpt(profile)} (shipped: {shipped})")
    return {"profile": profile}


def _redirect_tests(value: Any, where: Where) -> dict[str, Any]:
    path = _nonempty(value)
    if where.path is None:
        return {"redirect_tests": os.path.abspath(path)}
    assert where.root is not None
    return {"redirect_tests": _inside(where.path, "redirect-tests", path, where.root)}


def _python(value: Any, where: Where) -> dict[str, Any]:
    path = _nonempty(value)
    if where.path is None:  # the user's own path: read wherever it leads
        if not os.path.lexists(path):
            raise SettingError(f"no such file or folder {excerpt(path)}")
        return {"python": os.path.abspath(path), "python_root": None}
    assert where.root is not None
    return {
        "python": _inside(where.path, "python", path, where.root, link=True),
        "python_root": str(where.root),
    }


def _fail_on(value: Any, where: Where) -> dict[str, Any]:
    if not isinstance(value, str):
        raise SettingError('must be "error", "warning" or "info"')
    try:
        return {"fail_on": Severity.parse(value)}
    except ValueError as exc:
        raise SettingError(str(exc)) from None


def _jobs(value: Any, where: Where) -> dict[str, Any]:
    """A positive integer, at most the CPU count: a tree's config may not fork 100,000."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise SettingError("must be an integer >= 1")
    if value < 1:
        raise SettingError("must be at least 1")
    return {"jobs": min(value, os.cpu_count() or 1)}


def _flag(field: str) -> Parser:
    def parse(value: Any, where: Where) -> dict[str, Any]:
        if not isinstance(value, bool):
            raise SettingError("must be true or false")
        return {field: value}

    return parse


def _linkcheck_key(value: Any, where: Where) -> dict[str, Any]:
    if where.path is None:
        raise SettingError("is set in a config file only")
    return {"linkcheck": _linkcheck(value, where.path)}


KEYS: tuple[Key, ...] = (
    Key(
        "select",
        "list of rules",
        "the rules enabled by default",
        "Rule ids, patterns (`link-*`), tags or `all` to run instead of the defaults.",
        _selectors("select"),
        "--select",
    ),
    Key(
        "extend-select",
        "list of rules",
        "[]",
        "Rules to run as well as the selected ones (rules off by default).",
        _selectors("extend_select"),
        "--extend-select",
    ),
    Key(
        "ignore",
        "list of rules",
        "[]",
        "Rules not to run; a rule named by its id in `select` or `extend-select` still runs.",
        _selectors("ignore"),
        "--ignore",
    ),
    Key(
        "severity",
        "table of rule id = level",
        "{}",
        'A rule\'s severity: `"error"`, `"warning"` or `"info"`.',
        _severity,
    ),
    Key(
        "per-path-ignores",
        "table of glob = list of rules",
        "{}",
        "Rules not reported in the files a glob matches (relative to the config file's "
        "folder; a folder covers the files in it); a glob matching no file is warned about.",
        _per_path_ignores,
    ),
    Key(
        "exclude",
        "list of globs",
        "[]",
        "Files in which nothing is reported (relative to the config file's folder); they are "
        "still read, so their labels and toctrees count. A glob matching no file is warned "
        "about.",
        _globs("exclude"),
    ),
    Key(
        "fail-on",
        '"error", "warning" or "info"',
        '"warning"',
        "The lowest severity that fails the run: the exit code and the JUnit report.",
        _fail_on,
        "--fail-on",
    ),
    Key(
        "profile",
        "string",
        "none",
        'A placement policy shipped in `rules/` (`"nova"`), or a policy `.toml` file '
        "(relative to the config file, inside the repository).",
        _profile,
        "--profile",
    ),
    Key(
        "extra-directives",
        "list of strings",
        "[]",
        "Directives an extension novadoclint cannot read provides.",
        _strings_of("extra_directives"),
    ),
    Key(
        "extra-roles",
        "list of strings",
        "[]",
        "Roles an extension novadoclint cannot read provides.",
        _strings_of("extra_roles"),
    ),
    Key(
        "generated-files",
        "list of strings",
        "[]",
        "Files the build writes (source-dir relative): not reported as missing.",
        _strings_of("generated_files"),
    ),
    Key(
        "redirect-tests",
        "string",
        "none",
        "The whereto test file of the `.htaccess` redirects (relative to the config file, "
        "inside the repository).",
        _redirect_tests,
    ),
    Key(
        "python",
        "string",
        "the running environment",
        "The docs environment's Python (`.tox/docs/bin/python`) or its folder: extensions "
        "installed there are read, never run (relative to the config file, inside the "
        "repository).",
        _python,
        "--python",
    ),
    Key(
        "jobs",
        "integer >= 1",
        "all cores",
        "Worker processes (at most the CPU count).",
        _jobs,
        "--jobs",
    ),
    Key(
        "check-shell",
        "true or false",
        "false",
        "Also check bash/sh code blocks without prompts with `bash -n`.",
        _flag("check_shell"),
        "--check-shell",
    ),
    Key(
        "linkcheck",
        "table",
        "{}",
        "Settings of the network link check (see Checking external links).",
        _linkcheck_key,
    ),
)
KEYS_BY_NAME = {k.name: k for k in KEYS}
CONFIG_KEYS = frozenset(KEYS_BY_NAME)
KEYS_BY_OPTION = {k.option: k for k in KEYS if k.option}


def _message(name: str, problem: str) -> str:
    """``'jobs' must be ...`` or ``'select': no rule matches ...``."""
    return f"{name} {problem}" if problem.startswith(("must", "is ")) else f"{name}: {problem}"


def from_table(
    table: Mapping[str, Any], path: Path, base: Settings, rules: Sequence[Named]
) -> Settings:
    """A config file's table through KEYS: each key checked (selectors against ``rules``),
    the Settings it gives."""
    unknown = sorted(set(table) - CONFIG_KEYS)
    if unknown:
        name = unknown[0]
        close = difflib.get_close_matches(name, sorted(CONFIG_KEYS), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        message = f"unknown key {excerpt(name)} ({hint}known: {', '.join(sorted(CONFIG_KEYS))})"
        raise ConfigError(path, line_of_key(path, name), message)
    where = Where(tuple(rules), path, config_root(path))
    changes: dict[str, Any] = {"config_path": str(path), "config_root": str(where.root)}
    for key in KEYS:
        if key.name in table:
            try:
                changes.update(key.parse(table[key.name], where))
            except SettingError as exc:
                line = _line_of(path, key.name, exc.at)
                raise ConfigError(path, line, _message(repr(key.name), str(exc))) from None
    return replace(base, **changes)


def _line_of(path: Path, name: str, at: str | None) -> int | None:
    """The line of a table's entry, else of the key, else of its [...name] table header."""
    line = (line_of_key(path, at) if at else None) or line_of_key(path, name)
    if line is not None:
        return line
    try:
        for number, text in enumerate(untrusted.read_text(path).splitlines(), 1):
            header = text.strip()
            if header.startswith("[") and header.rstrip("]").rsplit(".", 1)[-1] in (
                name,
                f"[{name}",
            ):
                return number
    except OSError:
        return None
    return None


def from_cli(option: str, value: Any, rules: Sequence[Named]) -> dict[str, Any]:
    """A command-line option's value through its key's parse (selectors against ``rules``):
    the Settings fields it sets; ConfigError (no file: the option is named) when the value
    is wrong."""
    key = KEYS_BY_OPTION[option]
    try:
        return key.parse(value, Where(tuple(rules)))
    except SettingError as exc:
        raise ConfigError(None, None, _message(option, str(exc))) from None


def config_table() -> str:
    """The README's table of configuration keys, generated from KEYS."""
    rows = [
        "| key | takes | default | option | what it does |",
        "| --- | --- | --- | --- | --- |",
    ]
    for key in KEYS:
        option = f"`{key.option}`" if key.option else ""
        literal = key.default[:1] in ('"', "[", "{") or key.default in ("true", "false")
        default = f"`{key.default}`" if literal else key.default
        rows.append(f"| `{key.name}` | {key.type} | {default} | {option} | {key.doc} |")
    return "\n".join(rows) + "\n"


def config_root(path: Path) -> Path:
    """The folder a config's paths must stay in: the repository holding it (project_root)."""
    return Path(untrusted.project_root(os.path.abspath(path.parent)))


def _inside(path: Path, key: str, value: str, root: Path, *, link: bool = False) -> str:
    """``value`` relative to the config file, absolute; ConfigError when it leaves ``root``.

    A pull request writes the config: ``redirect-tests = "../../../proc/self/environ"``
    would make a rule print the CI's environment, line by line. With ``link``, the
    path's last part may be a link leading out (a virtual environment's ``bin/python``
    links to the base interpreter, never run or read): its folder must stay inside.
    """
    target = os.path.normpath(os.path.join(os.path.abspath(path.parent), value))
    if not untrusted.inside(os.path.dirname(target) if link else target, root):
        raise ConfigError(
            path,
            line_of_key(path, key),
            f"{key!r} must name a file inside the repository ({root}), "
            f"but {excerpt(value)} leads outside it",
        )
    return target


def _linkcheck(table: Any, path: Path) -> dict[str, Any]:
    """Check [tool.novadoclint.linkcheck] now, so a typo fails before any request is made."""

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(path, line_of_key(path, key), f"linkcheck.{key}: {message}")

    if not isinstance(table, dict):
        raise ConfigError(path, line_of_key(path, "linkcheck"), "'linkcheck' must be a table")
    unknown = sorted(set(table) - LINKCHECK_KEYS)
    if unknown:
        known = ", ".join(sorted(LINKCHECK_KEYS))
        raise fail(unknown[0], f"unknown key (known: {known})")
    checked: dict[str, Any] = {}
    for key, value in table.items():
        if key in ("ignore", "anchors-ignore", "https-hosts"):
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise fail(key, "must be a list of strings")
            value = tuple(value)
        elif key == "anchors":
            if not isinstance(value, bool):
                raise fail(key, "must be true or false")
        elif key in ("timeout", "run-timeout", "retries", "workers", "per-host"):
            seconds = key in ("timeout", "run-timeout")
            low = 0 if key == "retries" else 1
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            too_low = number and (value <= 0 if seconds else value < low)
            if not number or too_low or (not seconds and not isinstance(value, int)):
                kind = "a positive number" if seconds else f"an integer >= {low}"
                raise fail(key, f"must be {kind}")
        elif key == "allowed-redirects":
            if not (isinstance(value, dict) and all(isinstance(v, str) for v in value.values())):
                raise fail(key, "must be a table of source-regex = target-regex")
            value = tuple(value.items())
        elif key == "request-headers":
            if not (
                isinstance(value, dict)
                and all(
                    isinstance(h, dict) and all(isinstance(v, str) for v in h.values())
                    for h in value.values()
                )
            ):
                raise fail(key, 'must be a table of URL prefix (or "*") = {header = value}')
            value = tuple((prefix, tuple(h.items())) for prefix, h in value.items())
        checked[key] = value
    for key in ("ignore", "anchors-ignore"):
        for pattern in checked.get(key, ()):
            _regex(pattern, fail, key)
    for source, target in checked.get("allowed-redirects", ()):
        _regex(source, fail, "allowed-redirects")
        _regex(target, fail, "allowed-redirects")
    return checked


def _regex(pattern: str, fail: Callable[[str, str], ConfigError], key: str) -> None:
    """A pattern re reads, short and cheap enough for saferegex (it runs with a time limit)."""
    try:
        saferegex.check(pattern)
    except saferegex.PatternError as exc:
        raise fail(key, f"bad regular expression {excerpt(pattern)}: {exc}") from None


def read_doc8(start: Path) -> Doc8Options:
    """doc8's own config search: the first file with a non-empty [doc8] section wins."""
    for folder in (start, *start.parents):
        for name in DOC8_FILES:
            path = folder / name
            if not path.is_file():
                continue
            section = _doc8_section(path)
            if section:
                return _doc8_options(section, path)
    return Doc8Options()


def _doc8_section(path: Path) -> dict[str, Any]:
    try:
        if path.suffix == ".toml":
            table = _tool(read_toml(path)).get("doc8", {})
            if not isinstance(table, dict):  # doc8 would fail on it: not our section
                return {}
            return {k.replace("-", "_"): v for k, v in table.items()}
        parser = configparser.RawConfigParser()
        parser.read_string(untrusted.read_bytes(path).decode("utf-8"), str(path))
        if not parser.has_section("doc8"):
            return {}
        return {k.replace("-", "_"): v for k, v in parser.items("doc8")}
    except (configparser.Error, UnicodeDecodeError, ConfigError, OSError):
        return {}


def _doc8_options(section: Mapping[str, Any], path: Path) -> Doc8Options:
    def items(value: Any) -> list[str]:
        if isinstance(value, list):
            return [str(v).strip() for v in value]
        return [v.strip() for v in str(value).replace("\n", ",").split(",") if v.strip()]

    options = Doc8Options()
    if "max_line_length" in section:
        try:
            options = replace(options, max_line_length=int(section["max_line_length"]))
        except (TypeError, ValueError):  # doc8 fails on it too; a traceback is no answer
            line = line_of_key(path, "max-line-length") or line_of_key(path, "max_line_length")
            message = "doc8's max-line-length must be an integer"
            raise ConfigError(path, line, message) from None
    if "allow_long_titles" in section:
        value = section["allow_long_titles"]
        flag = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
        options = replace(options, allow_long_titles=flag)
    if "ignore" in section:
        options = replace(options, ignore=frozenset(items(section["ignore"])))
    if "ignore_path_errors" in section:
        pairs = []
        for item in items(section["ignore_path_errors"]):
            glob, _, codes = item.partition(";")
            pairs.append((glob.strip(), frozenset(c.strip() for c in codes.split(";") if c)))
        options = replace(options, ignore_path_errors=tuple(pairs))
    return options


def load(
    srcdir: Path,
    *,
    rules: Sequence[Named],
    config: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Settings for a source dir: doc8's config, then ours, then the command line; the
    selectors written in the config name some of ``rules``."""
    settings = Settings(doc8=read_doc8(srcdir))
    path = config if config is not None else find_config(srcdir)
    if path is not None:
        if not path.is_file():
            raise ConfigError(path, None, "config file not found")
        settings = from_table(novadoclint_table(path), path, settings, rules)
    return replace(settings, **(overrides or {}))


def names(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(v.strip() for item in values for v in item.split(",") if v.strip())
