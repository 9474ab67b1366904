"""Which files a change touched, from git: for --changed-since and the pre-commit hook.

Deleted and renamed files count: a page that is gone is exactly what makes
findings appear in files nobody touched.

The revision and the file names come from the pull request under review, so:
names are listed NUL-separated (``-z``; without it git C-quotes names with
quotes or non-ASCII bytes, and such a changed file went unchecked) and decoded
like any file name (``os.fsdecode``); the revision is verified as a commit
before use and never taken for an option (``--changed-since=--output=x``).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from novadoclint.settings import ConfigError


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, check=False, timeout=60
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ConfigError(None, None, f"--changed-since needs git: {exc}") from None
    if result.returncode != 0:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
        message = lines[-1] if lines else "failed"
        raise ConfigError(None, None, f"--changed-since: git {' '.join(args)}: {message}")
    return result.stdout


def _names(output: bytes) -> list[str]:
    """File names from a ``-z`` listing."""
    return [os.fsdecode(name) for name in output.split(b"\0") if name]


def _toplevel(where: Path) -> Path:
    return Path(os.fsdecode(_git(["rev-parse", "--show-toplevel"], where).rstrip(b"\n")))


def verify(rev: str, cwd: Path) -> str:
    """The commit id rev names; a ConfigError (exit 2) naming it when there is none."""
    if rev.startswith("-") or not rev:
        raise ConfigError(None, None, f"--changed-since: not a revision: {rev!r}")
    result = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
        cwd=cwd,
        capture_output=True,
        check=False,
        timeout=60,
    )
    if result.returncode != 0:
        raise ConfigError(None, None, f"--changed-since: unknown revision {rev!r}")
    return result.stdout.decode("ascii").strip()


def changed_since(rev: str, cwd: Path | None = None) -> list[Path] | None:
    """Absolute paths changed since rev (work tree and index), untracked files included.

    None when the repository has no commit yet (an initial commit changes everything).
    """
    where = (cwd or Path.cwd()).resolve()
    top = _toplevel(where)
    has_head = (
        subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", "HEAD"], cwd=where, capture_output=True
        ).returncode
        == 0
    )
    if not has_head:
        return None
    commit = verify(rev, where)
    names = _names(_git(["diff", "--name-only", "-z", "--no-renames", commit, "--"], where))
    untracked = ["ls-files", "-z", "--others", "--exclude-standard", "--full-name"]
    names += _names(_git(untracked, top))
    return sorted({(top / name).resolve() for name in names})


def old_content(rev: str, path: Path) -> bytes | None:
    """A file's bytes at rev, or None when it did not exist there."""
    if rev.startswith("-"):
        return None
    top = _toplevel(path.parent if path.parent.exists() else Path.cwd())
    try:
        rel = path.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return None
    result = subprocess.run(
        ["git", "cat-file", "blob", "--end-of-options", f"{rev}:{rel}"],
        cwd=top,
        capture_output=True,
    )
    return result.stdout if result.returncode == 0 else None
