"""Which files a change touched, from git: for --changed-since and the pre-commit hook.

Deleted and renamed files count: a page that is gone is exactly what makes
findings appear in files nobody touched.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from novadoclint.settings import ConfigError


def _git(args: list[str], cwd: Path) -> str:
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ConfigError(None, None, f"--changed-since needs git: {exc}") from None
    if result.returncode != 0:
        message = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed"
        raise ConfigError(None, None, f"--changed-since: git {' '.join(args)}: {message}")
    return result.stdout


def changed_since(rev: str, cwd: Path | None = None) -> list[Path] | None:
    """Absolute paths changed since rev (work tree and index), untracked files included.

    None when the repository has no commit yet (an initial commit changes everything).
    """
    where = (cwd or Path.cwd()).resolve()
    top = Path(_git(["rev-parse", "--show-toplevel"], where).strip())
    has_head = (
        subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", "HEAD"], cwd=where, capture_output=True
        ).returncode
        == 0
    )
    if not has_head:
        return None
    names = _git(["diff", "--name-only", "--no-renames", rev, "--"], where).splitlines()
    names += _git(["ls-files", "--others", "--exclude-standard", "--full-name"], top).splitlines()
    return sorted({(top / name).resolve() for name in names if name})


def old_content(rev: str, path: Path) -> bytes | None:
    """A file's bytes at rev, or None when it did not exist there."""
    top = Path(
        _git(
            ["rev-parse", "--show-toplevel"], path.parent if path.parent.exists() else Path.cwd()
        ).strip()
    )
    try:
        rel = path.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return None
    result = subprocess.run(["git", "show", f"{rev}:{rel}"], cwd=top, capture_output=True)
    return result.stdout if result.returncode == 0 else None
