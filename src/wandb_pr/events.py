"""What a GitHub Actions event says about the commit and pull request under review (pure).

On ``pull_request`` events ``GITHUB_SHA`` is a merge commit GitHub made, not the commit the
developer pushed; the pushed commit is ``pull_request.head.sha``. A training job in the same
workflow checks out the merge commit, so W&B records that one: both are the commit under review
(:attr:`EventCommit.merge_sha`). Payloads are
untrusted data: every field is type-checked, and anything unexpected reads as absent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["EventCommit", "event_commit", "mentions_trigger"]

PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})


@dataclass(frozen=True)
class EventCommit:
    """The commit and pull request an event points at, and where they came from."""

    sha: str | None
    """The commit to look up runs for, or ``None`` when the event names none."""
    source: str
    """Where ``sha`` came from, for messages (``pull_request.head.sha``, ``GITHUB_SHA``)."""
    base_sha: str | None = None
    """The pull request's base commit, when the event carries it."""
    pr_number: int | None = None
    """The pull request's number, when the event carries it."""
    comment: str | None = None
    """The comment's text, on ``issue_comment`` events on a pull request."""
    commenter: str | None = None
    """The login of the comment's author, on ``issue_comment`` events on a pull request."""
    head_repository: str | None = None
    """``owner/repo`` the commit was pushed to (``workflow_run.head_repository.full_name``)."""
    merge_sha: str | None = None
    """On ``pull_request`` events: GitHub's merge commit (``GITHUB_SHA``), when it differs from
    the head; runs trained on it are candidates too."""


def event_commit(
    event_name: str | None, payload: Mapping[str, Any] | None, github_sha: str | None
) -> EventCommit:
    """The default commit: the PR head, the workflow run's head, else ``GITHUB_SHA``.

    ``issue_comment`` events on a pull request carry its number and the comment, but no commit:
    the caller looks the head commit up.
    """
    payload = payload or {}
    if event_name in PULL_REQUEST_EVENTS:
        pull = _mapping(payload.get("pull_request"))
        head = _sha(_mapping(pull.get("head")).get("sha"))
        if head:
            merge = _sha(github_sha)
            return EventCommit(
                head,
                "pull_request.head.sha",
                base_sha=_sha(_mapping(pull.get("base")).get("sha")),
                pr_number=_number(pull.get("number")),
                merge_sha=merge if merge and merge.lower() != head.lower() else None,
            )
    if event_name == "workflow_run":
        run = _mapping(payload.get("workflow_run"))
        head = _sha(run.get("head_sha"))
        if head:
            # GitHub lists the pull requests whose head branch the run was on; only one whose
            # head is still the run's commit is the one the results belong to.
            pulls = run.get("pull_requests")
            first = next(
                (
                    pull
                    for pull in map(_mapping, pulls if isinstance(pulls, list) else ())
                    if (_sha(_mapping(pull.get("head")).get("sha")) or "").lower() == head.lower()
                ),
                {},
            )
            return EventCommit(
                head,
                "workflow_run.head_sha",
                base_sha=_sha(_mapping(first.get("base")).get("sha")),
                pr_number=_number(first.get("number")),
                head_repository=_sha(_mapping(run.get("head_repository")).get("full_name")),
            )
    if event_name == "issue_comment":
        issue = _mapping(payload.get("issue"))
        if isinstance(issue.get("pull_request"), Mapping):  # present on pull requests only
            comment = _mapping(payload.get("comment"))
            body = comment.get("body")
            return EventCommit(
                None,
                "the pull request of the comment",
                pr_number=_number(issue.get("number")),
                comment=body if isinstance(body, str) else "",
                commenter=_sha(_mapping(comment.get("user")).get("login")),
            )
        return EventCommit(None, "nowhere (a comment on an issue, not a pull request)")
    sha = _sha(github_sha)
    return EventCommit(sha, "GITHUB_SHA" if sha else "nowhere")


def mentions_trigger(comment: str, phrase: str) -> bool:
    """Whether a comment asks for a report: the phrase at the start of a line, as a whole word."""
    pattern = rf"(?m)^\s*{re.escape(phrase.strip())}(?![\w-])"
    return bool(phrase.strip()) and re.search(pattern, comment) is not None


def _mapping(value: object) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def _sha(value: object) -> str | None:
    """A stripped non-empty string, or ``None``."""
    return value.strip() or None if isinstance(value, str) else None


def _number(value: object) -> int | None:
    """A positive integer, or ``None``."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
