"""What a GitHub Actions event says about the commit under review (pure).

On ``pull_request`` events ``GITHUB_SHA`` is a merge commit GitHub made, not the commit the
developer pushed and trained from; the pushed commit is ``pull_request.head.sha``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["EventCommit", "event_commit"]

PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})


@dataclass(frozen=True)
class EventCommit:
    """The commit an event points at, and where that came from."""

    sha: str | None
    """The commit to look up runs for, or ``None`` when the event names none."""
    source: str
    """Where ``sha`` came from, for messages (``pull_request.head.sha``, ``GITHUB_SHA``)."""
    base_sha: str | None = None
    """The pull request's base commit, on pull request events."""
    pr_number: int | None = None
    """The pull request's number, when the event has one."""


def event_commit(
    event_name: str | None, payload: Mapping[str, Any] | None, github_sha: str | None
) -> EventCommit:
    """The default commit: the PR head, the workflow run's head, else ``GITHUB_SHA``."""
    payload = payload or {}
    if event_name in PULL_REQUEST_EVENTS:
        pull = _mapping(payload.get("pull_request"))
        head = _text(_mapping(pull.get("head")).get("sha"))
        if head:
            number = pull.get("number")
            return EventCommit(
                head,
                "pull_request.head.sha",
                base_sha=_text(_mapping(pull.get("base")).get("sha")),
                pr_number=number if isinstance(number, int) else None,
            )
    if event_name == "workflow_run":
        head = _text(_mapping(payload.get("workflow_run")).get("head_sha"))
        if head:
            return EventCommit(head, "workflow_run.head_sha")
    sha = _text(github_sha)
    return EventCommit(sha, "GITHUB_SHA" if sha else "nowhere")


def _mapping(value: object) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else an empty one (payloads are untrusted)."""
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str | None:
    """A stripped non-empty string, or ``None``."""
    return value.strip() or None if isinstance(value, str) else None
