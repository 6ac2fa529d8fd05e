"""In-memory repositories, pull requests, comments, check runs and statuses for the test server.

Records are plain dataclasses; ``render.py`` turns them into GitHub's JSON. Repository
owner and name are matched case-insensitively, as on GitHub. Ids are large (beyond 32 bits
for comments and check runs, as on GitHub today) and ascend in creation order; timestamps come
from a fake clock (one minute per event from 2024-01-01T12:00:00Z) so they sort the same way.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = [
    "CheckRun",
    "Commit",
    "CommitComment",
    "CommitStatus",
    "GitHubStore",
    "Issue",
    "IssueComment",
    "Pull",
    "Repo",
    "fake_sha",
]

_EPOCH = datetime(2024, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def fake_sha(seed: str) -> str:
    """A deterministic 40-hex commit SHA derived from ``seed``."""
    return hashlib.sha1(seed.encode()).hexdigest()  # noqa: S324 - an id, not security


@dataclass
class Repo:
    """A repository; ``owner``/``name`` keep the case they were created with."""

    id: int
    owner: str
    name: str
    private: bool = False
    default_branch: str = "main"

    @property
    def full_name(self) -> str:
        """``owner/name``."""
        return f"{self.owner}/{self.name}"


@dataclass
class Commit:
    """A commit known to a repository."""

    sha: str
    message: str
    author: str
    date: str
    parents: list[str] = field(default_factory=list)


@dataclass
class Pull:
    """A pull request's own fields (its number, title and author live on the ``Issue``)."""

    id: int
    head_sha: str
    base_sha: str
    head_ref: str
    base_ref: str
    head_repo: str
    commits: list[str]
    state: str = "open"
    merged: bool = False
    merge_commit_sha: str | None = None
    draft: bool = False


@dataclass
class Issue:
    """An issue, or the issue side of a pull request (``pull`` is set then)."""

    id: int
    number: int
    title: str
    user: str
    created_at: str
    body: str = ""
    state: str = "open"
    pull: Pull | None = None


@dataclass
class IssueComment:
    """A comment on an issue or pull request conversation."""

    id: int
    repo: Repo
    number: int
    body: str
    user: str
    created_at: str
    updated_at: str
    author_association: str = "NONE"


@dataclass
class CommitComment:
    """A comment on a commit."""

    id: int
    repo: Repo
    sha: str
    body: str
    user: str
    created_at: str
    updated_at: str
    path: str | None = None
    position: int | None = None
    line: int | None = None


@dataclass
class CheckRun:
    """A check run; ``annotations`` accumulate over create and updates."""

    id: int
    repo: Repo
    name: str
    head_sha: str
    status: str
    conclusion: str | None
    started_at: str
    completed_at: str | None
    details_url: str | None = None
    external_id: str | None = None
    title: str | None = None
    summary: str | None = None
    text: str | None = None
    annotations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CommitStatus:
    """A commit status."""

    id: int
    repo: Repo
    sha: str
    state: str
    context: str
    description: str | None
    target_url: str | None
    user: str
    created_at: str


class GitHubStore:
    """Thread-safe in-memory GitHub data; every method takes ``lock`` itself (it is reentrant)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.repos: dict[tuple[str, str], Repo] = {}
        self.commits: dict[int, dict[str, Commit]] = {}
        self.issues: dict[int, dict[int, Issue]] = {}
        self.issue_comments: dict[int, IssueComment] = {}
        self.commit_comments: dict[int, CommitComment] = {}
        self.check_runs: dict[int, CheckRun] = {}
        self.statuses: list[CommitStatus] = []
        self.collaborators: dict[int, dict[str, str]] = {}
        """Repository id -> login (lower case) -> role: admin, maintain, write, triage, read."""
        self._clock = 0
        self._ids = {
            "repo": 800_000_000,
            "issue": 2_100_000_000,
            "pull": 1_900_000_000,
            "comment": 2_400_000_000,  # beyond 2**31, like GitHub's comment ids today
            "commit_comment": 140_000_000,
            "check_run": 30_000_000_000,  # beyond 2**32
            "status": 31_000_000_000,
        }

    # --- clock and ids -------------------------------------------------------------------

    def now(self) -> str:
        """The next timestamp (ISO 8601, UTC, ``Z``): one minute after the previous one."""
        with self.lock:
            self._clock += 1
            return (_EPOCH + timedelta(minutes=self._clock)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def next_id(self, kind: str) -> int:
        """The next id of ``kind`` (ascending)."""
        with self.lock:
            self._ids[kind] += 1
            return self._ids[kind]

    # --- repositories and commits ----------------------------------------------------------

    def add_repo(
        self, owner: str, name: str, *, private: bool = False, default_branch: str = "main"
    ) -> Repo:
        """Create (or return the existing) repository ``owner/name``."""
        with self.lock:
            key = (owner.lower(), name.lower())
            if key not in self.repos:
                repo = Repo(self.next_id("repo"), owner, name, private, default_branch)
                self.repos[key] = repo
                self.commits[repo.id] = {}
                self.issues[repo.id] = {}
            return self.repos[key]

    def repo(self, owner: str, name: str) -> Repo | None:
        """The repository ``owner/name`` (case-insensitive), or ``None``."""
        with self.lock:
            return self.repos.get((owner.lower(), name.lower()))

    def repo_by_id(self, repo_id: int) -> Repo | None:
        """The repository with GitHub id ``repo_id``, or ``None``."""
        with self.lock:
            return next((r for r in self.repos.values() if r.id == repo_id), None)

    def add_commit(
        self,
        repo: Repo,
        sha: str,
        *,
        message: str = "",
        author: str = "octocat",
        parents: Iterable[str] = (),
    ) -> Commit:
        """Make ``sha`` known to ``repo`` (idempotent: an existing commit is returned)."""
        with self.lock:
            known = self.commits[repo.id]
            if sha not in known:
                text = message or f"Commit {sha[:7]}"
                known[sha] = Commit(sha, text, author, self.now(), list(parents))
            return known[sha]

    def resolve_sha(self, repo: Repo, ref: str) -> str | None:
        """The full SHA for ``ref``: an exact SHA, or a unique prefix of at least 7 characters."""
        with self.lock:
            known = self.commits[repo.id]
            if ref in known:
                return ref
            if len(ref) < 7:
                return None
            matches = [sha for sha in known if sha.startswith(ref.lower())]
            return matches[0] if len(matches) == 1 else None

    # --- issues and pull requests ------------------------------------------------------------

    def add_issue(
        self, repo: Repo, number: int, *, title: str = "", user: str = "octocat"
    ) -> Issue:
        """Create (or return the existing) issue ``number``."""
        with self.lock:
            issues = self.issues[repo.id]
            if number not in issues:
                issues[number] = Issue(
                    self.next_id("issue"), number, title or f"Issue {number}", user, self.now()
                )
            return issues[number]

    def add_pull(
        self, repo: Repo, number: int, *, title: str, user: str, body: str, pull: Mapping[str, Any]
    ) -> Issue:
        """Create pull request ``number`` from ``pull`` (``Pull`` fields except ``id``)."""
        with self.lock:
            existing = self.issues[repo.id].get(number)
            if existing is not None:
                kind = "pull request" if existing.pull else "issue"
                raise ValueError(f"{repo.full_name}#{number} already exists as an {kind}")
            record = Pull(id=self.next_id("pull"), **pull)
            for sha in {record.head_sha, record.base_sha, *record.commits}:
                self.add_commit(repo, sha)
            if record.merge_commit_sha:
                self.add_commit(repo, record.merge_commit_sha)
            issue = self.add_issue(repo, number, title=title, user=user)
            issue.body, issue.pull = body, record
            issue.state = "closed" if record.state == "closed" else "open"
            return issue

    def issue(self, repo: Repo, number: int) -> Issue | None:
        """Issue or pull request ``number`` of ``repo``, or ``None``."""
        with self.lock:
            return self.issues[repo.id].get(number)

    def pulls_with_commit(self, repo: Repo, sha: str) -> list[Issue]:
        """Pull requests of ``repo`` whose commits include ``sha`` (closed unmerged ones not)."""
        with self.lock:
            found = []
            for issue in sorted(self.issues[repo.id].values(), key=lambda i: i.number):
                pull = issue.pull
                if pull is None or (pull.state == "closed" and not pull.merged):
                    continue
                if sha in {pull.head_sha, pull.merge_commit_sha, *pull.commits}:
                    found.append(issue)
            return found

    # --- comments ------------------------------------------------------------------------------

    def add_issue_comment(
        self, repo: Repo, number: int, body: str, user: str, association: str = "NONE"
    ) -> IssueComment:
        """Append a comment to issue ``number`` (which must exist)."""
        with self.lock:
            stamp = self.now()
            comment = IssueComment(
                self.next_id("comment"), repo, number, body, user, stamp, stamp, association
            )
            self.issue_comments[comment.id] = comment
            return comment

    def issue_comment(self, repo: Repo, comment_id: int) -> IssueComment | None:
        """Comment ``comment_id`` if it belongs to ``repo``."""
        with self.lock:
            comment = self.issue_comments.get(comment_id)
            return comment if comment is not None and comment.repo is repo else None

    def comments_of(self, repo: Repo, number: int) -> list[IssueComment]:
        """The comments of issue ``number``, ascending by id (GitHub's order)."""
        with self.lock:
            return sorted(
                (c for c in self.issue_comments.values() if c.repo is repo and c.number == number),
                key=lambda c: c.id,
            )

    def add_commit_comment(
        self, repo: Repo, sha: str, body: str, user: str, **where: Any
    ) -> CommitComment:
        """A comment on commit ``sha``; ``where`` holds ``path``, ``position``, ``line``."""
        with self.lock:
            stamp = self.now()
            comment = CommitComment(
                self.next_id("commit_comment"), repo, sha, body, user, stamp, stamp, **where
            )
            self.commit_comments[comment.id] = comment
            return comment

    # --- collaborators ----------------------------------------------------------------------------

    def add_collaborator(self, repo: Repo, login: str, role: str) -> None:
        """Give ``login`` a role on ``repo``."""
        if role not in ("admin", "maintain", "write", "triage", "read"):
            raise ValueError(f"role {role!r} is not a repository role")
        with self.lock:
            self.collaborators.setdefault(repo.id, {})[login.lower()] = role

    def role(self, repo: Repo, login: str) -> str | None:
        """``login``'s role on ``repo``, or ``None`` when not a collaborator."""
        with self.lock:
            return self.collaborators.get(repo.id, {}).get(login.lower())

    # --- checks and statuses ------------------------------------------------------------------

    def add_check_run(self, repo: Repo, fields: Mapping[str, Any]) -> CheckRun:
        """Store a check run from validated ``CheckRun`` fields (except ``id`` and ``repo``)."""
        with self.lock:
            run = CheckRun(id=self.next_id("check_run"), repo=repo, **fields)
            self.check_runs[run.id] = run
            return run

    def add_status(self, repo: Repo, fields: Mapping[str, Any]) -> CommitStatus:
        """Store a commit status from validated ``CommitStatus`` fields."""
        with self.lock:
            record = CommitStatus(id=self.next_id("status"), repo=repo, **fields)
            self.statuses.append(record)
            return record
