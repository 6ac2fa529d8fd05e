"""The Action's GitHub side: which pull request and commit an event is about, and publishing.

Part of the Action entry (it reads the environment mapping it is handed and opens HTTP
connections); the publishing rules themselves live in :mod:`wandb_pr.publish`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace

import httpx

from wandb_pr import __version__
from wandb_pr.errors import InputError
from wandb_pr.events import PULL_REQUEST_EVENTS, EventCommit, mentions_trigger
from wandb_pr.notes import Note, Notes, ignore
from wandb_pr.publish.github import GitHubPublisher
from wandb_pr.publish.github_api import DEFAULT_API_URL, GitHubClient
from wandb_pr.retry import RetryPolicy

__all__ = ["GitHubSetup", "open_publisher", "resolve_event"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GitHubSetup:
    """How to reach the repository."""

    token: str
    """The token (``github-token``, by default the job's ``GITHUB_TOKEN``)."""
    repository: str
    """``owner/repo`` (``GITHUB_REPOSITORY``)."""
    api_url: str
    """``GITHUB_API_URL`` (GitHub Enterprise Server: ``https://HOST/api/v3``)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str], token: str) -> GitHubSetup | None:
        """The setup from the runner's variables, or ``None`` outside a repository's workflow."""
        repository = env.get("GITHUB_REPOSITORY", "").strip()
        if not token or not repository:
            return None
        if repository.count("/") != 1:
            raise InputError(f"GITHUB_REPOSITORY {repository!r} is not of the form OWNER/REPO.")
        api_url = env.get("GITHUB_API_URL", "").strip() or DEFAULT_API_URL
        return cls(token=token, repository=repository, api_url=api_url)


@contextmanager
def open_publisher(
    setup: GitHubSetup, *, deadline: float, notes: Notes = ignore
) -> Iterator[GitHubPublisher]:
    """A publisher for the repository; closes its connections afterwards."""
    headers = {"User-Agent": f"wandb-pr/{__version__}"}
    with httpx.Client(headers=headers) as http:
        client = GitHubClient(
            http,
            token=setup.token,
            api_url=setup.api_url,
            retry=RetryPolicy(deadline=deadline, request_timeout=min(30.0, deadline)),
            on_retry=lambda reason, wait: notes(
                Note("retry", f"GitHub: {reason}; retrying in {wait:.1f} s")
            ),
        )
        yield GitHubPublisher(client, setup.repository)


def resolve_event(
    event_name: str,
    event: EventCommit,
    *,
    pr_number: int | None,
    trigger: str,
    publisher: GitHubPublisher | None,
) -> EventCommit | None:
    """Complete what the event leaves open; ``None`` when the event asks for no report.

    ``issue_comment``: only a comment on a pull request that starts a line with the trigger
    phrase asks for a report; the pull request's head commit is looked up. ``workflow_run``: the
    pull request comes from the ``pr-number`` input (the fork-safe pattern passes it as an
    artifact), else from the payload, else from the commit.
    """
    if pr_number is not None:
        event = replace(event, pr_number=pr_number)
    if event_name == "issue_comment":
        if event.pr_number is None or not mentions_trigger(event.comment or "", trigger):
            return None
        if publisher is None:
            raise InputError(
                "An issue_comment event needs a GitHub token to look up the pull request.",
                tip="Pass github-token (the default, github.token, works).",
            )
        pull = publisher.pull_request(event.pr_number)
        return replace(event, sha=pull.head_sha, base_sha=pull.base_sha, source="the pull request")
    if event_name == "workflow_run" and event.pr_number is None and event.sha and publisher:
        return replace(event, pr_number=publisher.pull_request_of(event.sha))
    if pr_number and event_name not in PULL_REQUEST_EVENTS | {"workflow_run"} and publisher:
        pull = publisher.pull_request(pr_number)  # e.g. workflow_dispatch with a PR number
        source = f"the head of pull request #{pull.number}"
        return replace(event, sha=pull.head_sha, base_sha=pull.base_sha, source=source)
    return event
