"""A small git repository in a test's folder, for the code that walks first parents."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` (with a fixed author) and return its output."""
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.email=t@e", "-c", "user.name=t", *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def linear_repo(parent: Path, commits: int) -> tuple[Path, list[str]]:
    """A new repository ``parent/repo`` with ``commits`` empty commits; their SHAs, oldest first."""
    repo = parent / "repo"
    git(parent, "init", "-q", str(repo))
    shas = []
    for i in range(commits):
        git(repo, "commit", "-q", "--allow-empty", "-m", f"c{i}")
        shas.append(git(repo, "rev-parse", "HEAD"))
    return repo, shas
