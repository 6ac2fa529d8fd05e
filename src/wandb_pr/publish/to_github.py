"""What goes to GitHub for one report, and how a refusal degrades to a warning.

Called after the files, outputs and job summary are written, so nothing here can lose the
report. A 403 (a read-only token on a fork pull request, or a permission the workflow did not
grant) becomes a warning naming the permission to add; other failures are raised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from wandb_pr.errors import GitHubPermissionError
from wandb_pr.publish.github import CommentMode, GitHubPublisher
from wandb_pr.publish.history import PushEntry
from wandb_pr.render._summary import changes_brief
from wandb_pr.render.markdown import plain_headline, render_markdown
from wandb_pr.render.report import Report

__all__ = ["FORK_TIP", "PublishOptions", "Published", "Target", "publish"]

FORK_TIP = (
    "On pull requests from forks GitHub gives a read-only token: publish from a workflow_run "
    "workflow instead (examples/workflows/fork-pr-report.yml and fork-pr-publish.yml)."
)


@dataclass(frozen=True)
class PublishOptions:
    """Which GitHub outputs to write."""

    comment: CommentMode = CommentMode.ON
    """The pull request comment."""
    comment_key: str = "default"
    """Tells apart the comments of several jobs (e.g. a matrix) on one pull request."""
    commit_comment: bool = False
    """Comment on the commit on ``push`` events."""
    check: bool = False
    """Create a check run whose conclusion follows the verdict."""
    check_name: str = "wandb-pr"
    """The check run's name."""
    status: bool = False
    """Set a commit status from the verdict."""
    status_context: str = "wandb-pr"
    """The commit status's context."""


@dataclass(frozen=True)
class Target:
    """The commit and pull request the report is about."""

    sha: str | None
    """The head commit (for check runs, statuses and commit comments)."""
    pr_number: int | None
    """The pull request to comment on, if any."""
    event_name: str
    """The GitHub event that triggered the run."""


@dataclass(frozen=True)
class Published:
    """What was published, and what could not be."""

    comment_url: str | None = None
    """The pull request comment, or the commit comment on push events."""
    check_run_url: str | None = None
    """The check run."""
    warnings: tuple[str, ...] = ()
    """Refusals that became warnings (missing permissions)."""


def publish(
    publisher: GitHubPublisher,
    report: Report,
    target: Target,
    options: PublishOptions,
    *,
    target_url: str | None,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
) -> Published:
    """Publish the report where the options and the event say; 403s become warnings.

    The pull request comment keeps the earlier pushes' results and says when (``now``) and
    for which commit it was last updated.
    """
    warnings: list[str] = []

    def render(limit: int) -> str:
        return render_markdown(report, max_chars=limit)

    def permitted(what: str, permission: str, exc: GitHubPermissionError) -> None:
        warnings.append(
            f"Could not {what}: {exc.message} Add 'permissions: {permission}: write' to the job. "
            + FORK_TIP
        )

    comment_url = check_url = None
    if target.pr_number is not None and options.comment is not CommentMode.OFF:
        try:
            entry = PushEntry.now(
                target.sha or report.provenance.sha,
                report.comparison.verdict,
                changes_brief(report),
                report.provenance.workflow_run_url or target_url,
                now(),
            )
            comment_url = publisher.sticky_comment(
                target.pr_number, render, key=options.comment_key, mode=options.comment, entry=entry
            )
        except GitHubPermissionError as exc:
            permitted(f"comment on pull request #{target.pr_number}", "pull-requests", exc)
    elif target.event_name == "push" and options.commit_comment and target.sha:
        try:
            comment_url = publisher.commit_comment(target.sha, render)
        except GitHubPermissionError as exc:
            permitted(f"comment on commit {target.sha[:7]}", "contents", exc)
    verdict = report.comparison.verdict
    headline = plain_headline(report)
    if options.check and target.sha:
        try:
            check_url = publisher.check_run(
                target.sha,
                name=options.check_name,
                verdict=verdict,
                title=headline,
                render=render,
                allow_missing=report.comparison.allow_missing,
            )
        except GitHubPermissionError as exc:
            permitted("create a check run", "checks", exc)
    if options.status and target.sha:
        try:
            publisher.commit_status(
                target.sha,
                context=options.status_context,
                verdict=verdict,
                description=headline,
                target_url=comment_url or target_url,
            )
        except GitHubPermissionError as exc:
            permitted("set a commit status", "statuses", exc)
    return Published(comment_url, check_url, tuple(warnings))
