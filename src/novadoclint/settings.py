"""Settings: novadoclint's config files, doc8's config, and the command line, merged.

Sources, later ones winning: ``[doc8]`` / ``[tool.doc8]`` (style options only, so a
project's doc8 configuration keeps working), ``[tool.novadoclint]`` in
pyproject.toml or ``.novadoclint.toml``, then command-line options.
"""

from __future__ import annotations

import configparser
import fnmatch
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from novadoclint import saferegex, untrusted
from novadoclint.findings import Severity
from novadoclint.untrusted import excerpt

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

TOML_LINE_RE = re.compile(r"\(at line (\d+), column \d+\)")
DOC8_FILES = ("doc8.ini", ".config/doc8.ini", "tox.ini", "pep8.ini", "setup.cfg", "pyproject.toml")
CONFIG_KEYS = frozenset(
    {
        "select",
        "ignore",
        "extend-select",
        "severity",
        "per-path-ignores",
        "extra-directives",
        "extra-roles",
        "generated-files",
        "profile",
        "fail-on",
        "jobs",
        "exclude",
        "check-shell",
        "linkcheck",
        "redirect-tests",
        "python",
    }
)

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
    time_budget: float = 30.0  # seconds one file may take in phase 1 (0: no limit)
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


def _tuple(value: Any, key: str, path: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(path, line_of_key(path, key), f"{key!r} must be a list of strings")


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
        if candidate.is_file() and "novadoclint" in read_toml(candidate).get("tool", {}):
            return candidate
    return None


def novadoclint_table(path: Path) -> dict[str, Any]:
    data = read_toml(path)
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("novadoclint", {})
        return table if isinstance(table, dict) else {}
    nested = data.get("tool", {}).get("novadoclint")
    return nested if isinstance(nested, dict) else data


def from_table(table: Mapping[str, Any], path: Path, base: Settings) -> Settings:
    unknown = set(table) - CONFIG_KEYS
    if unknown:
        key = sorted(unknown)[0]
        known = ", ".join(sorted(CONFIG_KEYS))
        message = f"unknown key {excerpt(key)} (known: {known})"
        raise ConfigError(path, line_of_key(path, key), message)
    root = config_root(path)
    changes: dict[str, Any] = {"config_path": str(path), "config_root": str(root)}
    for key in ("select", "ignore", "extend-select", "extra-directives", "extra-roles"):
        if key in table:
            changes[key.replace("-", "_")] = _tuple(table[key], key, path)
    for key in ("generated-files", "exclude"):
        if key in table:
            changes[key.replace("-", "_")] = _tuple(table[key], key, path)
    if "severity" in table:
        try:
            changes["severity"] = tuple(
                (rule, Severity.parse(level)) for rule, level in dict(table["severity"]).items()
            )
        except (ValueError, TypeError) as exc:
            raise ConfigError(path, line_of_key(path, "severity"), str(exc)) from None
    if "per-path-ignores" in table:
        value = table["per-path-ignores"]
        if not isinstance(value, dict):
            line = line_of_key(path, "per-path-ignores")
            raise ConfigError(path, line, "'per-path-ignores' must be a table of glob = [rules]")
        changes["per_path_ignores"] = tuple(
            (glob, _tuple(rules, "per-path-ignores", path)) for glob, rules in value.items()
        )
    if "profile" in table:
        profile = _string(table, "profile", path)  # a policy name, or a .toml path
        if profile.endswith(".toml"):
            profile = _inside(path, "profile", profile, root)
        changes["profile"] = profile
    if "redirect-tests" in table:  # a path relative to the config file, as profile is
        value = _string(table, "redirect-tests", path)
        changes["redirect_tests"] = _inside(path, "redirect-tests", value, root)
    if "python" in table:  # relative to the config file, inside the repository
        value = _string(table, "python", path)
        changes["python"] = _inside_link(path, "python", value, root)
        changes["python_root"] = str(root)
    if "fail-on" in table:
        try:
            changes["fail_on"] = Severity.parse(str(table["fail-on"]))
        except ValueError as exc:
            raise ConfigError(path, line_of_key(path, "fail-on"), str(exc)) from None
    if "jobs" in table:
        changes["jobs"] = _jobs(table["jobs"], path)
    if "check-shell" in table:
        changes["check_shell"] = bool(table["check-shell"])
    if "linkcheck" in table:
        changes["linkcheck"] = _linkcheck(table["linkcheck"], path)
    return replace(base, **changes)


def config_root(path: Path) -> Path:
    """The folder a config's paths must stay in: the repository holding it (project_root)."""
    return Path(untrusted.project_root(os.path.abspath(path.parent)))


def _string(table: Mapping[str, Any], key: str, path: Path) -> str:
    value = table[key]
    if not isinstance(value, str) or not value:
        raise ConfigError(path, line_of_key(path, key), f"{key!r} must be a non-empty string")
    return value


def _inside(path: Path, key: str, value: str, root: Path) -> str:
    """``value`` relative to the config file, absolute; ConfigError when it leaves ``root``.

    A pull request writes the config: ``redirect-tests = "../../../proc/self/environ"``
    would make a rule print the CI's environment, line by line.
    """
    target = os.path.normpath(os.path.join(os.path.abspath(path.parent), value))
    if not untrusted.inside(target, root):
        raise ConfigError(
            path,
            line_of_key(path, key),
            f"{key!r} must name a file inside the repository ({root}), "
            f"but {excerpt(value)} leads outside it",
        )
    return target


def _inside_link(path: Path, key: str, value: str, root: Path) -> str:
    """Like _inside, but the path's last part may be a link leading out (a virtual
    environment's ``bin/python`` links to the base interpreter, never run or read)."""
    target = os.path.normpath(os.path.join(os.path.abspath(path.parent), value))
    if not untrusted.inside(os.path.dirname(target), root):
        raise ConfigError(
            path,
            line_of_key(path, key),
            f"{key!r} must name a file inside the repository ({root}), "
            f"but {excerpt(value)} leads outside it",
        )
    return target


def _jobs(value: Any, path: Path) -> int:
    """A positive integer, at most the CPU count: a tree's config may not fork 100,000."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(path, line_of_key(path, "jobs"), "'jobs' must be an integer >= 1")
    return min(value, os.cpu_count() or 1)


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
            table = read_toml(path).get("tool", {}).get("doc8", {})
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
            raise ConfigError(path, None, "doc8's max-line-length must be an integer") from None
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
    srcdir: Path, *, config: Path | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Settings for a source dir: doc8's config, then ours, then the command line."""
    settings = Settings(doc8=read_doc8(srcdir))
    path = config if config is not None else find_config(srcdir)
    if path is not None:
        if not path.is_file():
            raise ConfigError(path, None, "config file not found")
        settings = from_table(novadoclint_table(path), path, settings)
    return replace(settings, **(overrides or {}))


def path_ignored(settings: Settings, path: str, rule: str) -> bool:
    for glob, rules in settings.per_path_ignores:
        if fnmatch.fnmatch(path, glob) and any(fnmatch.fnmatchcase(rule, r) for r in rules):
            return True
    for glob, codes in settings.doc8.ignore_path_errors:
        if (path == glob or path.endswith("/" + glob.lstrip("./"))) and rule in codes:
            return True
    return False


def names(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(v.strip() for item in values for v in item.split(",") if v.strip())
