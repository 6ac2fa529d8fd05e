"""Comment, pull request and commit endpoints, and the route table (check runs and statuses
live in ``checks.py``).

Each handler takes a ``Call`` and returns an ``Answer`` or raises ``ApiError``. Routes match the
path after ``/repos/{owner}/{repo}`` (or ``/repositories/{id}``); a path no route matches, or a
method a route does not take, is a 404 as on GitHub.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tests.github_server import render
from tests.github_server.checks import (
    create_check_run,
    create_status,
    get_check_run,
    update_check_run,
)
from tests.github_server.http_api import (
    Answer,
    ApiError,
    Call,
    invalid_request,
    json_text,
    validation_failed,
)
from tests.github_server.store import Issue, IssueComment

__all__ = ["COMMENT_BODY_LIMIT", "ROUTES", "Route", "find_route"]

COMMENT_BODY_LIMIT = 65_536
MAX_PULL_COMMITS = 250
_D = "https://docs.github.com/rest"


@dataclass(frozen=True)
class Route:
    """``method`` + ``pattern`` (matched against the path after the repository) -> handler."""

    method: str
    pattern: re.Pattern[str]
    handler: Callable[[Call], Answer]
    docs: str


def _comment_options(issue: Issue | None, level: str) -> tuple[tuple[str, str], ...]:
    """Permissions that allow ``level`` access to an issue's comments (a PR accepts either)."""
    if issue is not None and issue.pull is None:
        return (("issues", level),)
    return (("pull_requests", level), ("issues", level))


def _comment_body(call: Call, resource: str) -> str:
    """The required ``body`` field: a string of at most 65,536 characters."""
    data = call.object_body()
    if "body" not in data:
        raise invalid_request('"body" wasn\'t supplied.', call.docs)
    body = data["body"]
    if not isinstance(body, str):
        raise invalid_request(
            f"For 'properties/body', {json_text(body)} is not a string.", call.docs
        )
    if len(body) > COMMENT_BODY_LIMIT:
        message = f"Body is too long (maximum is {COMMENT_BODY_LIMIT} characters)"
        raise validation_failed(resource, "data", message, call.docs, code="unprocessable")
    return body


def _issue(call: Call, level: str) -> Issue:
    """The issue of path group 0, after the permission check (404 when it does not exist)."""
    issue = call.store.issue(call.repo, call.int_group())
    call.require(*_comment_options(issue, level))
    if issue is None:
        raise call.not_found()
    return issue


def _sha(call: Call, ref: str) -> str:
    """The full SHA for ``ref``, or 422 ``No commit found for SHA``."""
    sha = call.store.resolve_sha(call.repo, ref)
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {ref}", call.docs)
    return sha


# --- issue comments -------------------------------------------------------------------------


def list_issue_comments(call: Call) -> Answer:
    """``GET /issues/{n}/comments``: ascending by id, paginated."""
    issue = _issue(call, "read")
    comments = call.store.comments_of(call.repo, issue.number)
    on_pull = issue.pull is not None
    return call.paginate(comments, lambda c: render.issue_comment(c, call.urls, on_pull=on_pull))


def create_issue_comment(call: Call) -> Answer:
    """``POST /issues/{n}/comments {body}`` -> 201."""
    issue = _issue(call, "write")
    body = _comment_body(call, "IssueComment")
    comment = call.store.add_issue_comment(call.repo, issue.number, body, call.login)
    data = render.issue_comment(comment, call.urls, on_pull=issue.pull is not None)
    return Answer(201, data, {"Location": data["url"]})


def _comment_call(call: Call, level: str) -> tuple[IssueComment, bool]:
    """The comment of path group 0 and whether it is on a PR, after the permission check."""
    comment = call.store.issue_comment(call.repo, call.int_group())
    issue = call.store.issue(call.repo, comment.number) if comment else None
    call.require(*_comment_options(issue, level))
    if comment is None:
        raise call.not_found()
    return comment, issue is not None and issue.pull is not None


def get_issue_comment(call: Call) -> Answer:
    """``GET /issues/comments/{id}``."""
    comment, on_pull = _comment_call(call, "read")
    return Answer(200, render.issue_comment(comment, call.urls, on_pull=on_pull))


def update_issue_comment(call: Call) -> Answer:
    """``PATCH /issues/comments/{id} {body}`` -> 200 (``updated_at`` moves)."""
    comment, on_pull = _comment_call(call, "write")
    body = _comment_body(call, "IssueComment")
    with call.store.lock:
        if call.store.issue_comments.get(comment.id) is not comment:
            raise call.not_found()  # deleted meanwhile
        comment.body, comment.updated_at = body, call.store.now()
    return Answer(200, render.issue_comment(comment, call.urls, on_pull=on_pull))


def delete_issue_comment(call: Call) -> Answer:
    """``DELETE /issues/comments/{id}`` -> 204."""
    comment, _ = _comment_call(call, "write")
    with call.store.lock:
        if call.store.issue_comments.pop(comment.id, None) is None:
            raise call.not_found()
    return Answer(204)


# --- commits and pull requests --------------------------------------------------------------


def create_commit_comment(call: Call) -> Answer:
    """``POST /commits/{sha}/comments {body, path?, position?, line?}`` -> 201."""
    call.require(("contents", "write"))
    sha = _sha(call, call.groups[0])
    body = _comment_body(call, "CommitComment")
    data = call.object_body()
    where = {k: data.get(k) for k in ("path", "position", "line")}
    comment = call.store.add_commit_comment(call.repo, sha, body, call.login, **where)
    rendered = render.commit_comment(comment, call.urls)
    return Answer(201, rendered, {"Location": rendered["url"]})


def list_commit_comments(call: Call) -> Answer:
    """``GET /commits/{sha}/comments``: paginated."""
    call.require(("contents", "read"))
    sha = _sha(call, call.groups[0])
    with call.store.lock:
        found = [c for c in call.store.commit_comments.values() if c.repo is call.repo]
    found = sorted((c for c in found if c.sha == sha), key=lambda c: c.id)
    return call.paginate(found, lambda c: render.commit_comment(c, call.urls))


def list_commits(call: Call) -> Answer:
    """``GET /commits?sha=REF``: the history from ``REF``, newest first, paginated.

    GitHub orders by date; here the walk is breadth-first from ``REF`` (first parents first),
    which is the same order for the linear histories tests build.
    """
    call.require(("contents", "read"))
    ref = dict(call.query).get("sha")
    with call.store.lock:
        known = call.store.commits[call.repo.id]
        start = _sha(call, ref) if ref else None
        order: list[str] = []
        queue = [start] if start else []
        while queue:
            sha = queue.pop(0)
            if sha in order or sha not in known:
                continue
            order.append(sha)
            queue.extend(known[sha].parents)
        records = [known[sha] for sha in order]
    return call.paginate(records, lambda c: render.commit(c, call.repo, call.urls))


def commit_pulls(call: Call) -> Answer:
    """``GET /commits/{sha}/pulls``: open (or merged) PRs containing the commit, paginated."""
    call.require(("pull_requests", "read"))
    sha = _sha(call, call.groups[0])
    pulls = call.store.pulls_with_commit(call.repo, sha)
    return call.paginate(pulls, lambda i: render.pull_request(i, call.repo, call.urls, full=False))


def _pull(call: Call) -> Issue:
    """The pull request of path group 0 (404 for a plain issue, as on GitHub)."""
    call.require(("pull_requests", "read"))
    issue = call.store.issue(call.repo, call.int_group())
    if issue is None or issue.pull is None:
        raise call.not_found()
    return issue


def get_pull(call: Call) -> Answer:
    """``GET /pulls/{n}``."""
    return Answer(200, render.pull_request(_pull(call), call.repo, call.urls))


def list_pull_commits(call: Call) -> Answer:
    """``GET /pulls/{n}/commits``: oldest first, at most 250, paginated."""
    pull = _pull(call).pull
    assert pull is not None
    with call.store.lock:
        known = call.store.commits[call.repo.id]
        records = [known[sha] for sha in pull.commits[:MAX_PULL_COMMITS]]
    return call.paginate(records, lambda c: render.commit(c, call.repo, call.urls))


def collaborator_permission(call: Call) -> Answer:
    """``GET /collaborators/{username}/permission``: ``permission`` folds maintain into write
    and triage into read; ``role_name`` keeps the role. A user who is not a collaborator reads
    a public repository (``read``) and nothing of a private one (``none``)."""
    call.require(("metadata", "read"))
    login = call.groups[0]
    role = call.store.role(call.repo, login)
    if role is None:
        role = "none" if call.repo.private else "read"
    folded = {"maintain": "write", "triage": "read"}.get(role, role)
    data = {"permission": folded, "role_name": role, "user": render.user(login, call.urls)}
    return Answer(200, data)


# --- routing -------------------------------------------------------------------------------------


def _route(method: str, pattern: str, handler: Callable[[Call], Answer], docs: str) -> Route:
    """A route; ``{n}`` in ``pattern`` matches digits, ``{ref}`` one path segment."""
    regex = re.escape(pattern).replace(r"\{n\}", r"(\d+)").replace(r"\{ref\}", r"([^/]+)")
    return Route(method, re.compile(f"^{regex}$"), handler, f"{_D}/{docs}")


ROUTES = (
    _route(
        "GET", "/issues/{n}/comments", list_issue_comments, "issues/comments#list-issue-comments"
    ),
    _route(
        "POST",
        "/issues/{n}/comments",
        create_issue_comment,
        "issues/comments#create-an-issue-comment",
    ),
    _route(
        "GET", "/issues/comments/{n}", get_issue_comment, "issues/comments#get-an-issue-comment"
    ),
    _route(
        "PATCH",
        "/issues/comments/{n}",
        update_issue_comment,
        "issues/comments#update-an-issue-comment",
    ),
    _route(
        "DELETE",
        "/issues/comments/{n}",
        delete_issue_comment,
        "issues/comments#delete-an-issue-comment",
    ),
    _route(
        "POST",
        "/commits/{ref}/comments",
        create_commit_comment,
        "commits/comments#create-a-commit-comment",
    ),
    _route(
        "GET",
        "/commits/{ref}/comments",
        list_commit_comments,
        "commits/comments#list-commit-comments",
    ),
    _route(
        "GET",
        "/commits/{ref}/pulls",
        commit_pulls,
        "commits/commits#list-pull-requests-associated-with-a-commit",
    ),
    _route("GET", "/pulls/{n}", get_pull, "pulls/pulls#get-a-pull-request"),
    _route("GET", "/commits", list_commits, "commits/commits#list-commits"),
    _route(
        "GET", "/pulls/{n}/commits", list_pull_commits, "pulls/pulls#list-commits-on-a-pull-request"
    ),
    _route(
        "GET",
        "/collaborators/{ref}/permission",
        collaborator_permission,
        "collaborators/collaborators#get-repository-permissions-for-a-user",
    ),
    _route("POST", "/check-runs", create_check_run, "checks/runs#create-a-check-run"),
    _route("GET", "/check-runs/{n}", get_check_run, "checks/runs#get-a-check-run"),
    _route("PATCH", "/check-runs/{n}", update_check_run, "checks/runs#update-a-check-run"),
    _route("POST", "/statuses/{ref}", create_status, "commits/statuses#create-a-commit-status"),
)


def find_route(method: str, rest: str) -> tuple[Route, tuple[str, ...]] | None:
    """The route for ``method`` and ``rest`` (the path after the repository) and its groups."""
    for route in ROUTES:
        match = route.pattern.match(rest)
        if match and route.method == method:
            return route, match.groups()
    return None
