"""The Action's GitHub side: which pull request and commit an event is about, and publishing.

Part of the Action entry (it reads the environment mapping it is handed and opens HTTP
connections); the publishing rules themselves live in :mod:`wandb_pr.publish`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace

import httpx

from wandb_pr import __version__
from wandb_pr.errors import GitHubPermissionError, InputError
from wandb_pr.events import PULL_REQUEST_EVENTS, EventCommit, mentions_trigger
from wandb_pr.publish.github import GitHubPublisher
from wandb_pr.publish.github_api import DEFAULT_API_URL, GitHubClient, GitHubResponseError
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
def open_publisher(setup: GitHubSetup, *, deadline: float) -> Iterator[GitHubPublisher]:
    """A publisher for the repository; closes its connections afterwards."""
    headers = {"User-Agent": f"wandb-pr/{__version__}"}
    with httpx.Client(headers=headers) as http:
        client = GitHubClient(
            http,
            token=setup.token,
            api_url=setup.api_url,
            retry=RetryPolicy(deadline=deadline, request_timeout=min(30.0, deadline)),
            on_retry=lambda reason, wait: log.warning(
                "GitHub: %s; retrying in %.1f s", reason, wait
            ),
        )
        yield GitHubPublisher(client, setup.repository)


def resolve_event(
    event_name: str,
    event: EventCommit,
    *,
    pr_input: str,
    trigger: str,
    publisher: GitHubPublisher | None,
    warn: Callable[[str], object],
) -> EventCommit | None:
    """Complete what the event leaves open; ``None`` when the event asks for no report.

    ``issue_comment``: only a comment on a pull request that starts a line with the trigger
    phrase, by someone with write access to the repository, asks for a report; the pull
    request's head commit is looked up. ``workflow_run``: the pull request comes from the
    ``pr-number`` input (the fork-safe pattern passes it as an artifact the fork wrote, so it is
    checked: the pull request's head must be the run's head commit and repository, else nothing
    is published to it), else from the payload, else from the commit.
    """
    if pr_input:
        if not pr_input.isdigit() or int(pr_input) <= 0:
            raise InputError(
                f"input 'pr-number' must be a pull request number, got {pr_input[:40]!r}",
                tip="In the fork-safe workflow, read it from the artifact and check it is digits.",
            )
        event = replace(event, pr_number=int(pr_input))
    if event_name == "issue_comment":
        if event.pr_number is None or not mentions_trigger(event.comment or "", trigger):
            return None
        if publisher is None:
            raise InputError(
                "An issue_comment event needs a GitHub token to look up the pull request.",
                tip="Pass github-token (the default, github.token, works).",
            )
        if not _may_trigger(publisher, event.commenter, warn):
            return None
        pull = publisher.pull_request(event.pr_number)
        return replace(event, sha=pull.head_sha, base_sha=pull.base_sha, source="the pull request")
    if event_name == "workflow_run" and pr_input and publisher:
        return _bound_to_run(publisher, event, warn)
    if event_name == "workflow_run" and event.pr_number is None and event.sha and publisher:
        return replace(event, pr_number=publisher.pull_request_of(event.sha))
    if pr_input and event_name not in PULL_REQUEST_EVENTS | {"workflow_run"} and publisher:
        pull = publisher.pull_request(int(pr_input))  # e.g. workflow_dispatch with a PR number
        source = f"the head of pull request #{pull.number}"
        return replace(event, sha=pull.head_sha, base_sha=pull.base_sha, source=source)
    return event


def _may_trigger(
    publisher: GitHubPublisher, login: str | None, warn: Callable[[str], object]
) -> bool:
    """Whether the commenter has write (or admin) permission on the repository."""
    if not login:
        warn("The comment's author is not in the event; no report is made.")
        return False
    try:
        permission = publisher.permission(login)
    except GitHubPermissionError as exc:
        warn(f"Cannot check {login}'s permission, so no report is made: {exc.message}")
        return False
    if permission in ("admin", "write"):
        return True
    warn(
        f"{login} has {permission} permission on {publisher.repository}; a report on request "
        "needs write permission. Nothing to do."
    )
    return False


def _bound_to_run(
    publisher: GitHubPublisher, event: EventCommit, warn: Callable[[str], object]
) -> EventCommit:
    """The event with ``pr-number`` kept only if that pull request's head is the run's."""
    assert event.pr_number is not None
    try:
        pull = publisher.pull_request(event.pr_number)
    except GitHubResponseError as exc:  # 404: no such pull request
        warn(
            f"pull request #{event.pr_number} was not found ({exc.message}); nothing is published."
        )
        return replace(event, pr_number=None)
    same_sha = bool(event.sha) and pull.head_sha.lower() == (event.sha or "").lower()
    same_repo = (
        event.head_repository is not None
        and pull.head_repository is not None
        and pull.head_repository.lower() == event.head_repository.lower()
    )
    if same_sha and same_repo:
        return replace(event, base_sha=event.base_sha or pull.base_sha)
    head = f"{pull.head_repository or '?'}@{pull.head_sha[:12]}"
    run = f"{event.head_repository or '?'}@{(event.sha or '?')[:12]}"
    warn(
        f"pull request #{pull.number}'s head ({head}) is not this workflow run's head ({run}): "
        "nothing is published to it. The report is in the job summary and files."
    )
    return replace(event, pr_number=None)
