"""Publishing a report to GitHub: the sticky PR comment, a commit comment, a check run, a status.

One comment per pull request and per key (matrix jobs pass different keys), found by a hidden
marker among all pages of comments and by its author, and updated in place: updating notifies
nobody, creating does. Two jobs that finish at once may both create one; after creating, the
comments are listed again and every copy but the oldest is deleted.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from wandb_pr.compare import Verdict
from wandb_pr.compare._exhaustive import unhandled
from wandb_pr.errors import GitHubPermissionError
from wandb_pr.publish.github_api import GitHubClient, GitHubResponseError

__all__ = [
    "COMMENT_LIMIT",
    "CommentMode",
    "GitHubPublisher",
    "check_conclusion",
    "marker",
    "status_state",
]

log = logging.getLogger(__name__)

COMMENT_LIMIT = 65_536
"""Characters GitHub accepts in a comment body (422 "Body is too long" beyond)."""
CHECK_SUMMARY_LIMIT = 65_535
"""Characters GitHub accepts in a check run's ``output.summary``."""

Render = Callable[[int], str]
"""Renders the report's Markdown within a number of characters."""


class CommentMode(str, enum.Enum):
    """What to do with the pull request comment."""

    ON = "on"
    """Update our comment in place, or create it."""
    OFF = "off"
    """Leave comments alone."""
    CREATE_NEW = "create-new"
    """Delete our comment and post a new one (which notifies people)."""


def marker(key: str) -> str:
    """The hidden line that identifies our comment for a key.

    The key may come from untrusted text (a branch name in a matrix): it is percent-encoded
    except for letters, digits and ``/ : @ . _ ~ -`` so it can never end the HTML comment.
    """
    return f"<!-- wandb-pr comment: {quote(key, safe='/:@')} -->"


def check_conclusion(verdict: Verdict, *, allow_missing: bool = False) -> str:
    """A check run's conclusion for a verdict; only ``pass`` is ever ``success``.

    Missing evidence (no runs, no baseline, a missing metric, runs not finished) fails closed:
    ``failure`` (a required check then blocks the merge), ``neutral`` with ``allow-missing``.
    """
    if verdict is Verdict.PASS:
        return "success"
    elif (
        verdict is Verdict.REGRESSION
        or verdict is Verdict.DIFFERENT_DATA
        or verdict is Verdict.DIVERGED
        or verdict is Verdict.UNCOMMITTED_CHANGES
    ):
        return "failure"
    elif (
        verdict is Verdict.PENDING
        or verdict is Verdict.NO_RUNS
        or verdict is Verdict.NO_BASELINE
        or verdict is Verdict.MISSING_METRIC
    ):
        return "neutral" if allow_missing else "failure"
    else:
        raise unhandled(verdict)


def status_state(verdict: Verdict) -> str:
    """A commit status state for a verdict; only ``pass`` is ever ``success``.

    Missing evidence is an ``error`` (nothing decisive was measured), whatever ``allow-missing``
    says: a status has no neutral state.
    """
    if verdict is Verdict.PASS:
        return "success"
    elif (
        verdict is Verdict.REGRESSION
        or verdict is Verdict.DIFFERENT_DATA
        or verdict is Verdict.DIVERGED
        or verdict is Verdict.UNCOMMITTED_CHANGES
    ):
        return "failure"
    elif verdict is Verdict.PENDING:
        return "pending"
    elif (
        verdict is Verdict.NO_RUNS
        or verdict is Verdict.NO_BASELINE
        or verdict is Verdict.MISSING_METRIC
    ):
        return "error"
    else:
        raise unhandled(verdict)


@dataclass(frozen=True)
class PullRequest:
    """The parts of a pull request wandb-pr uses."""

    number: int
    """The pull request's number."""
    head_sha: str
    """The commit at the head of the pull request."""
    base_sha: str | None
    """The commit it is based on."""
    head_repository: str | None = None
    """``owner/repo`` of the head branch (a fork's, for a pull request from a fork)."""


class GitHubPublisher:
    """Writes reports to one repository."""

    def __init__(self, client: GitHubClient, repository: str) -> None:
        self._client = client
        self.repository = repository
        self._repo = f"/repos/{repository}"
        self._login: str | None = None
        self._login_known = False

    def pull_request(self, number: int) -> PullRequest:
        """Look up a pull request's head and base commits."""
        data = _dict(self._client.json("GET", f"{self._repo}/pulls/{number}"))
        head, base = _dict(data.get("head")), _dict(data.get("base"))
        repository = _dict(head.get("repo")).get("full_name")
        head_repository = repository if isinstance(repository, str) else None
        return PullRequest(number, str(head.get("sha")), base.get("sha"), head_repository)

    def permission(self, login: str) -> str:
        """``login``'s permission on the repository: admin, write, read or none.

        ``GET /collaborators/{login}/permission``. Its ``permission`` field folds maintain into
        write and triage into read, and custom roles into their base role; ``role_name`` would
        name those, but write access is what matters here.
        """
        path = f"{self._repo}/collaborators/{quote(login, safe='')}/permission"
        permission = _dict(self._client.json("GET", path)).get("permission")
        return permission if permission in ("admin", "write", "read") else "none"

    def pull_request_commits(self, number: int) -> list[str]:
        """The pull request's commits, newest first (GitHub lists at most 250)."""
        listed = self._client.paginate(f"{self._repo}/pulls/{number}/commits")
        return [sha for sha in reversed([c.get("sha") for c in listed]) if isinstance(sha, str)]

    def first_parents(self, sha: str, limit: int) -> list[str]:
        """``sha`` and up to ``limit - 1`` of its first-parent ancestors, nearest first.

        One request: the history listing carries each commit's parents, and the first-parent
        chain is followed through it (a chain longer than the page simply stops early).
        """
        listed = self._client.json(
            "GET", f"{self._repo}/commits", params={"sha": sha, "per_page": min(100, limit)}
        )
        commits = [_dict(c) for c in listed or ()]
        first_parent = {
            c.get("sha"): _dict((c.get("parents") or [{}])[0]).get("sha") for c in commits
        }
        chain: list[str] = []
        current = commits[0].get("sha") if commits else None
        while isinstance(current, str) and current not in chain and len(chain) < limit:
            chain.append(current)
            current = first_parent.get(current)
        return chain

    def pull_request_of(self, sha: str) -> int | None:
        """The open pull request whose head is ``sha`` (fork pull requests may not be found)."""
        for pull in self._client.json("GET", f"{self._repo}/commits/{sha}/pulls") or []:
            head = _dict(_dict(pull).get("head"))
            if head.get("sha") == sha and _dict(pull).get("state", "open") == "open":
                number = pull.get("number")
                return number if isinstance(number, int) else None
        return None

    def sticky_comment(
        self, number: int, render: Render, *, key: str, mode: CommentMode
    ) -> str | None:
        """Create or update our comment on pull request ``number``; return its URL."""
        if mode is CommentMode.OFF:
            return None
        tag = marker(key)
        ours = self._our_comments(number, tag)
        if mode is CommentMode.CREATE_NEW:
            for comment in ours:
                self._delete(comment["id"])
            ours = []
        if ours:
            for duplicate in ours[1:]:
                self._delete(duplicate["id"])
            updated = self._write_comment(f"/issues/comments/{ours[0]['id']}", "PATCH", render, tag)
            if updated is not None:
                return updated
            log.info("our comment %s was deleted meanwhile; creating a new one", ours[0]["id"])
        created = self._write_comment(f"/issues/{number}/comments", "POST", render, tag)
        assert created is not None  # creating never meets a deleted comment
        return self._settle(number, tag, created, render)

    def commit_comment(self, sha: str, render: Render) -> str:
        """Comment on a commit (for ``push`` events); return the comment's URL."""
        url = self._write_comment(f"/commits/{sha}/comments", "POST", render, "")
        assert url is not None
        return url

    def check_run(
        self,
        sha: str,
        *,
        name: str,
        verdict: Verdict,
        title: str,
        render: Render,
        allow_missing: bool = False,
    ) -> str:
        """Create a completed check run whose conclusion follows the verdict; return its URL."""
        body = {
            "name": name,
            "head_sha": sha,
            "status": "completed",
            "conclusion": check_conclusion(verdict, allow_missing=allow_missing),
            "output": {"title": title[:255], "summary": render(CHECK_SUMMARY_LIMIT)},
        }
        data = self._client.json("POST", f"{self._repo}/check-runs", json=body)
        return str(_dict(data).get("html_url", ""))

    def commit_status(
        self, sha: str, *, context: str, verdict: Verdict, description: str, target_url: str | None
    ) -> None:
        """Set a commit status from the verdict."""
        body: dict[str, Any] = {
            "state": status_state(verdict),
            "context": context,
            "description": description if len(description) <= 140 else description[:139] + "…",
        }
        if target_url:
            body["target_url"] = target_url
        self._client.json("POST", f"{self._repo}/statuses/{sha}", json=body)

    def _our_comments(self, number: int, tag: str) -> list[dict[str, Any]]:
        """Our comments carrying the marker, oldest first, across every page."""
        tagged = [
            c
            for c in self._client.paginate(f"{self._repo}/issues/{number}/comments")
            if tag in str(c.get("body", ""))
        ]
        return sorted((c for c in tagged if self._is_ours(c)), key=lambda c: int(c["id"]))

    def _is_ours(self, comment: dict[str, Any]) -> bool:
        """Written by this token's user; a bot when that cannot be known (``GITHUB_TOKEN``)."""
        if not self._login_known:
            self._login_known = True
            try:
                self._login = _dict(self._client.json("GET", "/user")).get("login")
            except (GitHubPermissionError, GitHubResponseError):
                self._login = None  # installation tokens may not read /user
        user = _dict(comment.get("user"))
        if self._login:
            return bool(user.get("login") == self._login)
        return user.get("type") == "Bot"

    def _write_comment(self, path: str, method: str, render: Render, tag: str) -> str | None:
        """POST or PATCH a comment; shrink once on 422; ``None`` when the comment is gone (404)."""
        limit = COMMENT_LIMIT - len(tag) - 1
        for attempt in (1, 2):
            body = f"{tag}\n{render(limit)}" if tag else render(limit)
            try:
                data = self._client.json(method, f"{self._repo}{path}", json={"body": body})
            except GitHubResponseError as exc:
                if exc.status == 404 and method == "PATCH":
                    return None
                if exc.status == 422 and attempt == 1:
                    log.warning("GitHub refused the comment's size; retrying with a shorter one")
                    limit //= 2
                    continue
                raise
            return str(_dict(data).get("html_url", ""))
        raise AssertionError("unreachable")  # pragma: no cover

    def _settle(self, number: int, tag: str, created_url: str, render: Render) -> str:
        """After creating, keep only the oldest of our comments (another job may have raced us)."""
        ours = self._our_comments(number, tag)
        if len(ours) <= 1:
            return created_url
        for duplicate in ours[1:]:
            self._delete(duplicate["id"])
        oldest = ours[0]
        updated = self._write_comment(f"/issues/comments/{oldest['id']}", "PATCH", render, tag)
        return updated or str(oldest.get("html_url", created_url))

    def _delete(self, comment_id: object) -> None:
        """Delete a comment; one already gone is fine."""
        try:
            self._client.request("DELETE", f"{self._repo}/issues/comments/{comment_id}")
        except GitHubResponseError as exc:
            if exc.status != 404:
                raise


def _dict(value: object) -> dict[str, Any]:
    """``value`` if it is a dict, else an empty one (answers are checked, not trusted)."""
    return value if isinstance(value, dict) else {}
