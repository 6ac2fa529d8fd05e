"""Local git, for ``--sha HEAD`` and base commits: revisions to SHAs, first-parent ancestors."""

from __future__ import annotations

from pathlib import Path

__all__ = ["git_first_parents", "is_git_repository", "resolve_revision"]


def resolve_revision(value: str, *, cwd: Path | None = None) -> str | None:
    """Resolve a git revision (``HEAD``, a branch) to a commit SHA with local git, if possible."""
    out = _git(
        "rev-parse", "--verify", "--quiet", "--end-of-options", f"{value}^{{commit}}", cwd=cwd
    )
    return out.strip() or None if out is not None else None


def git_first_parents(revision: str, limit: int, *, cwd: Path | None = None) -> list[str] | None:
    """``revision`` and its first-parent ancestors with local git, nearest first, or ``None``."""
    args = ("rev-list", "--first-parent", f"--max-count={limit}", "--end-of-options", revision)
    out = _git(*args, cwd=cwd)
    return out.split() or None if out is not None else None


def _git(*args: str, cwd: Path | None) -> str | None:
    """Run git; its standard output, or ``None`` when git is missing or the command failed."""
    import subprocess  # only here: it is a noticeable part of `wandb-pr --version`'s start-up

    try:
        result = subprocess.run(
            ["git", *args], capture_output=True, text=True, timeout=30, check=False, cwd=cwd
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def is_git_repository(cwd: Path | None = None) -> bool:
    """Whether ``cwd`` is inside a git work tree (and git is installed)."""
    return _git("rev-parse", "--git-dir", cwd=cwd) is not None
