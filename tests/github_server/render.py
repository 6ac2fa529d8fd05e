"""GitHub REST JSON shapes for the store's records (the fields clients read, named as GitHub does).

Every URL is absolute: API URLs point at the test server (prefix included), web URLs at
``Urls.web`` (``https://github.com`` by default, the server itself in GHES mode).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from tests.github_server.store import (
    CheckRun,
    Commit,
    CommitComment,
    CommitStatus,
    Issue,
    IssueComment,
    Repo,
)

__all__ = [
    "Urls",
    "check_run",
    "commit",
    "commit_comment",
    "issue_comment",
    "pull_request",
    "repository",
    "status",
    "user",
]

_KNOWN_USER_IDS = {"github-actions[bot]": 41898282, "octocat": 583231}
_ACTIONS_APP = {"id": 15368, "slug": "github-actions", "node_id": "MDM6QXBwMTUzNjg="}


@dataclass(frozen=True)
class Urls:
    """Where links point: ``api`` (with any ``/api/v3`` prefix) and ``web`` (html_url base)."""

    api: str
    web: str

    def repo(self, repo: Repo | str) -> str:
        """The API URL of a repository."""
        name = repo.full_name if isinstance(repo, Repo) else repo
        return f"{self.api}/repos/{name}"


def _stable_id(text: str, base: int = 10_000_000) -> int:
    """A stable positive id derived from ``text``."""
    return base + int(hashlib.sha1(text.encode()).hexdigest()[:7], 16)  # noqa: S324


def _node_id(prefix: str, number: int) -> str:
    """A GraphQL node id of GitHub's current shape (``PREFIX_kw...``)."""
    return f"{prefix}_kwDO{base64.b64encode(str(number).encode()).decode().rstrip('=')}"


def user(login: str, urls: Urls) -> dict[str, Any]:
    """A simple user; logins ending in ``[bot]`` are ``type: Bot``."""
    bot = login.endswith("[bot]")
    user_id = _KNOWN_USER_IDS.get(login) or _stable_id(login)
    html = f"{urls.web}/apps/{login[: -len('[bot]')]}" if bot else f"{urls.web}/{login}"
    return {
        "login": login,
        "id": user_id,
        "node_id": _node_id("BOT" if bot else "U", user_id),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "url": f"{urls.api}/users/{quote(login, safe='')}",
        "html_url": html,
        "type": "Bot" if bot else "User",
        "site_admin": False,
    }


def repository(
    repo: Repo | str, urls: Urls, *, fork: bool = False, private: bool = False
) -> dict[str, Any]:
    """A compact repository (``full_name``, ``fork``, ``owner`` ...); ``repo`` may be a name."""
    full_name = repo.full_name if isinstance(repo, Repo) else repo
    owner, name = full_name.split("/", 1)
    repo_id = repo.id if isinstance(repo, Repo) else _stable_id(full_name, 900_000_000)
    return {
        "id": repo_id,
        "node_id": _node_id("R", repo_id),
        "name": name,
        "full_name": full_name,
        "private": repo.private if isinstance(repo, Repo) else private,
        "owner": user(owner, urls),
        "html_url": f"{urls.web}/{full_name}",
        "url": urls.repo(full_name),
        "fork": fork,
        "default_branch": repo.default_branch if isinstance(repo, Repo) else "main",
    }


def _reactions(url: str) -> dict[str, Any]:
    """An empty reactions summary."""
    counts = dict.fromkeys(
        ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"), 0
    )
    return {"url": f"{url}/reactions", "total_count": 0, **counts}


def issue_comment(comment: IssueComment, urls: Urls, *, on_pull: bool) -> dict[str, Any]:
    """An issue comment; its ``html_url`` points at the pull request page for a PR."""
    repo, number = comment.repo, comment.number
    url = f"{urls.repo(repo)}/issues/comments/{comment.id}"
    page = "pull" if on_pull else "issues"
    return {
        "url": url,
        "html_url": f"{urls.web}/{repo.full_name}/{page}/{number}#issuecomment-{comment.id}",
        "issue_url": f"{urls.repo(repo)}/issues/{number}",
        "id": comment.id,
        "node_id": _node_id("IC", comment.id),
        "user": user(comment.user, urls),
        "created_at": comment.created_at,
        "updated_at": comment.updated_at,
        "author_association": comment.author_association,
        "body": comment.body,
        "reactions": _reactions(url),
        "performed_via_github_app": None,
    }


def commit_comment(comment: CommitComment, urls: Urls) -> dict[str, Any]:
    """A commit comment."""
    repo = comment.repo
    url = f"{urls.repo(repo)}/comments/{comment.id}"
    return {
        "html_url": f"{urls.web}/{repo.full_name}/commit/{comment.sha}#commitcomment-{comment.id}",
        "url": url,
        "id": comment.id,
        "node_id": _node_id("CC", comment.id),
        "body": comment.body,
        "path": comment.path,
        "position": comment.position,
        "line": comment.line,
        "commit_id": comment.sha,
        "user": user(comment.user, urls),
        "created_at": comment.created_at,
        "updated_at": comment.updated_at,
        "author_association": "NONE",
        "reactions": _reactions(url),
    }


def _branch(repo: Repo, full_name: str, ref: str, sha: str, urls: Urls) -> dict[str, Any]:
    """A pull request's ``head`` or ``base``."""
    fork = full_name.lower() != repo.full_name.lower()
    owner = full_name.split("/", 1)[0]
    return {
        "label": f"{owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": user(owner, urls),
        "repo": repository(full_name if fork else repo, urls, fork=fork),
    }


def pull_request(issue: Issue, repo: Repo, urls: Urls, *, full: bool = True) -> dict[str, Any]:
    """A pull request; ``full=False`` gives the list shape (no ``merged``, counts ...)."""
    pull = issue.pull
    assert pull is not None
    base_url = f"{urls.repo(repo)}/pulls/{issue.number}"
    data: dict[str, Any] = {
        "url": base_url,
        "id": pull.id,
        "node_id": _node_id("PR", pull.id),
        "html_url": f"{urls.web}/{repo.full_name}/pull/{issue.number}",
        "diff_url": f"{urls.web}/{repo.full_name}/pull/{issue.number}.diff",
        "patch_url": f"{urls.web}/{repo.full_name}/pull/{issue.number}.patch",
        "issue_url": f"{urls.repo(repo)}/issues/{issue.number}",
        "commits_url": f"{base_url}/commits",
        "comments_url": f"{urls.repo(repo)}/issues/{issue.number}/comments",
        "statuses_url": f"{urls.repo(repo)}/statuses/{pull.head_sha}",
        "number": issue.number,
        "state": pull.state,
        "locked": False,
        "title": issue.title,
        "user": user(issue.user, urls),
        "body": issue.body,
        "labels": [],
        "created_at": issue.created_at,
        "updated_at": issue.created_at,
        "closed_at": None,
        "merged_at": None,
        "merge_commit_sha": pull.merge_commit_sha,
        "draft": pull.draft,
        "head": _branch(repo, pull.head_repo, pull.head_ref, pull.head_sha, urls),
        "base": _branch(repo, repo.full_name, pull.base_ref, pull.base_sha, urls),
        "author_association": "CONTRIBUTOR",
        "auto_merge": None,
    }
    if full:
        data |= {
            "merged": pull.merged,
            "mergeable": None if pull.merged else True,
            "comments": 0,
            "commits": len(pull.commits),
            "maintainer_can_modify": False,
        }
    return data


def commit(record: Commit, repo: Repo, urls: Urls) -> dict[str, Any]:
    """A commit as listed by ``GET /pulls/{n}/commits``."""
    url = f"{urls.repo(repo)}/commits/{record.sha}"
    person = {"name": record.author, "email": f"{record.author}@example.com", "date": record.date}
    return {
        "sha": record.sha,
        "node_id": _node_id("C", int(record.sha[:8], 16)),
        "commit": {
            "author": person,
            "committer": person,
            "message": record.message,
            "tree": {"sha": record.sha[::-1], "url": f"{urls.repo(repo)}/git/trees/{record.sha}"},
            "url": f"{urls.repo(repo)}/git/commits/{record.sha}",
            "comment_count": 0,
        },
        "url": url,
        "html_url": f"{urls.web}/{repo.full_name}/commit/{record.sha}",
        "comments_url": f"{url}/comments",
        "author": user(record.author, urls),
        "committer": user(record.author, urls),
        "parents": [{"sha": p, "url": f"{urls.repo(repo)}/commits/{p}"} for p in record.parents],
    }


def check_run(run: CheckRun, urls: Urls, pulls: list[Issue]) -> dict[str, Any]:
    """A check run; ``pulls`` are the open pull requests whose head is ``run.head_sha``."""
    repo = run.repo
    url = f"{urls.repo(repo)}/check-runs/{run.id}"
    prs = []
    for issue in pulls:
        assert issue.pull is not None
        prs.append(
            {
                "url": f"{urls.repo(repo)}/pulls/{issue.number}",
                "id": issue.pull.id,
                "number": issue.number,
                "head": {"ref": issue.pull.head_ref, "sha": issue.pull.head_sha},
                "base": {"ref": issue.pull.base_ref, "sha": issue.pull.base_sha},
            }
        )
    return {
        "id": run.id,
        "node_id": _node_id("CR", run.id),
        "head_sha": run.head_sha,
        "external_id": run.external_id or "",
        "url": url,
        "html_url": f"{urls.web}/{repo.full_name}/runs/{run.id}",
        "details_url": run.details_url or f"{urls.web}/{repo.full_name}/runs/{run.id}",
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": run.started_at,
        "completed_at": run.completed_at,
        "output": {
            "title": run.title,
            "summary": run.summary,
            "text": run.text,
            "annotations_count": len(run.annotations),
            "annotations_url": f"{url}/annotations",
        },
        "name": run.name,
        "check_suite": {"id": run.id // 2},
        "app": {**_ACTIONS_APP, "owner": user("github", urls), "name": "GitHub Actions"},
        "pull_requests": prs,
    }


def status(record: CommitStatus, urls: Urls) -> dict[str, Any]:
    """A commit status."""
    creator = user(record.user, urls)
    return {
        "url": f"{urls.repo(record.repo)}/statuses/{record.sha}",
        "avatar_url": creator["avatar_url"],
        "id": record.id,
        "node_id": _node_id("SC", record.id),
        "state": record.state,
        "description": record.description,
        "target_url": record.target_url,
        "context": record.context,
        "created_at": record.created_at,
        "updated_at": record.created_at,
        "creator": creator,
    }
