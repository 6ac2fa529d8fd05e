"""Data helpers and assertion accessors of ``GitHubTestServer`` (a mixin over its store).

Helpers return, and accessors list, records in the JSON shape the API serves, so tests can
compare what a client saw with what the server holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tests.github_server import render
from tests.github_server.render import Urls
from tests.github_server.store import GitHubStore, Repo, fake_sha

__all__ = ["SeedingMixin"]


class SeedingMixin:
    """``add_*`` helpers and ``comments``/``check_runs``/``statuses``/... accessors."""

    store: GitHubStore

    @property
    def urls(self) -> Urls:
        """Where rendered links point (provided by the server)."""
        raise NotImplementedError

    def _repo(self, owner: str, repo: str) -> Repo:
        """The repository ``owner/repo``; ``KeyError`` when it was never added."""
        found = self.store.repo(owner, repo)
        if found is None:
            raise KeyError(f"no repository {owner}/{repo} on the GitHub test server")
        return found

    # --- seeding -------------------------------------------------------------------------------

    def add_repo(
        self, owner: str, repo: str, *, private: bool = False, default_branch: str = "main"
    ) -> dict[str, Any]:
        """Create (or return) the repository ``owner/repo``; every ``add_*`` creates it too."""
        record = self.store.add_repo(owner, repo, private=private, default_branch=default_branch)
        return render.repository(record, self.urls)

    def add_commit(
        self,
        owner: str,
        repo: str,
        sha: str,
        *,
        message: str = "",
        author: str = "octocat",
        parents: Sequence[str] = (),
    ) -> str:
        """Make commit ``sha`` known (statuses, check runs and commit comments need one);
        ``parents`` (first parent first) build the history ``GET /commits?sha=`` walks."""
        record = self.store.add_repo(owner, repo)
        return self.store.add_commit(
            record, sha, message=message, author=author, parents=parents
        ).sha

    def add_issue(self, owner: str, repo: str, number: int, *, title: str = "") -> None:
        """Create plain issue ``number`` (not a pull request)."""
        self.store.add_issue(self.store.add_repo(owner, repo), number, title=title)

    def add_pull(
        self,
        owner: str,
        repo: str,
        number: int,
        *,
        head_sha: str | None = None,
        base_sha: str | None = None,
        commits: Sequence[str | Mapping[str, Any]] | None = None,
        head_ref: str = "feature",
        base_ref: str = "main",
        head_repo: str | None = None,
        state: str = "open",
        merged: bool = False,
        merge_commit_sha: str | None = None,
        draft: bool = False,
        title: str | None = None,
        user: str = "octocat",
        body: str = "",
    ) -> dict[str, Any]:
        """Create pull request ``number`` and return it as ``GET /pulls/{n}`` would.

        ``commits`` are SHAs or ``{"sha", "message", "author"}`` dicts, oldest first (default:
        just the head); ``head_sha`` defaults to the last of them, else a derived fake SHA, and
        ``base_sha`` to a derived fake SHA. ``head_repo`` (``"someone/fork"``) makes it a fork
        PR. Every SHA becomes a known commit, chained from the base.
        """
        record = self.store.add_repo(owner, repo)
        entries = [{"sha": c} if isinstance(c, str) else dict(c) for c in commits or ()]
        head = head_sha or (entries[-1]["sha"] if entries else fake_sha(f"{owner}/{repo}#{number}"))
        base = base_sha or fake_sha(f"{owner}/{repo}#{number}:base")
        entries = entries or [{"sha": head}]
        self.store.add_commit(record, base, message="Base commit")
        parent = base
        for entry in entries:
            self.store.add_commit(
                record,
                entry["sha"],
                message=entry.get("message", ""),
                author=entry.get("author", user),
                parents=[parent],
            )
            parent = entry["sha"]
        issue = self.store.add_pull(
            record,
            number,
            title=title or f"Pull request {number}",
            user=user,
            body=body,
            pull={
                "head_sha": head,
                "base_sha": base,
                "head_ref": head_ref,
                "base_ref": base_ref,
                "head_repo": head_repo or record.full_name,
                "commits": [e["sha"] for e in entries],
                "state": state,
                "merged": merged,
                "merge_commit_sha": merge_commit_sha,
                "draft": draft,
            },
        )
        return render.pull_request(issue, record, self.urls)

    def add_comment(
        self,
        owner: str,
        repo: str,
        number: int,
        body: str,
        *,
        login: str = "octocat",
        author_association: str = "NONE",
    ) -> dict[str, Any]:
        """Post a comment by ``login`` (no checks, no limits); creates issue ``number`` if needed.

        Add pull requests before their comments: ``add_pull`` refuses an existing number.
        """
        record = self.store.add_repo(owner, repo)
        issue = self.store.issue(record, number) or self.store.add_issue(record, number)
        comment = self.store.add_issue_comment(record, number, body, login, author_association)
        return render.issue_comment(comment, self.urls, on_pull=issue.pull is not None)

    def add_collaborator(self, owner: str, repo: str, login: str, role: str = "write") -> None:
        """Give ``login`` a role (admin, maintain, write, triage, read) on ``owner/repo``."""
        self.store.add_collaborator(self.store.add_repo(owner, repo), login, role)

    def delete_comment(self, comment_id: int) -> bool:
        """Delete issue comment ``comment_id``; whether it existed."""
        with self.store.lock:
            return self.store.issue_comments.pop(comment_id, None) is not None

    # --- accessors ------------------------------------------------------------------------------

    def comments(self, owner: str, repo: str, number: int) -> list[dict[str, Any]]:
        """The comments of issue or PR ``number``, ascending, as the API lists them."""
        record = self._repo(owner, repo)
        issue = self.store.issue(record, number)
        on_pull = issue is not None and issue.pull is not None
        return [
            render.issue_comment(c, self.urls, on_pull=on_pull)
            for c in self.store.comments_of(record, number)
        ]

    def commit_comments(
        self, owner: str, repo: str, sha: str | None = None
    ) -> list[dict[str, Any]]:
        """Commit comments of the repository (of commit ``sha`` only, when given)."""
        record = self._repo(owner, repo)
        with self.store.lock:
            found = [c for c in self.store.commit_comments.values() if c.repo is record]
        return [
            render.commit_comment(c, self.urls)
            for c in sorted(found, key=lambda c: c.id)
            if sha is None or c.sha == sha
        ]

    def check_runs(self, owner: str, repo: str) -> list[dict[str, Any]]:
        """Check runs of the repository, oldest first.

        ``pull_requests`` is left empty here; ``annotations()`` gives the annotations.
        """
        record = self._repo(owner, repo)
        with self.store.lock:
            runs = sorted(
                (r for r in self.store.check_runs.values() if r.repo is record), key=lambda r: r.id
            )
        return [render.check_run(r, self.urls, []) for r in runs]

    def annotations(self, check_run_id: int) -> list[dict[str, Any]]:
        """Every annotation sent for check run ``check_run_id`` (create and updates), in order."""
        with self.store.lock:
            return [dict(a) for a in self.store.check_runs[check_run_id].annotations]

    def statuses(self, owner: str, repo: str, sha: str | None = None) -> list[dict[str, Any]]:
        """Commit statuses of the repository (of commit ``sha`` only, when given), oldest first."""
        record = self._repo(owner, repo)
        with self.store.lock:
            found = [s for s in self.store.statuses if s.repo is record]
        return [render.status(s, self.urls) for s in found if sha is None or s.sha == sha]
