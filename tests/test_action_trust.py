"""What the Action trusts, shown with action.yml run step by step against both test servers:
the fork-safe stage's pr-number, /wandb commenters, and run data in outputs and logs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.actions_runner import ActionResult, run_composite_action
from tests.github_server import GitHubTestServer
from tests.test_actions import preinstalled
from tests.wandb_server import WandbTestServer

REPO = Path(__file__).resolve().parents[1]
HEAD = "1234567890abcdef1234567890abcdef12345678"
OTHER = "abcdef1234567890abcdef1234567890abcdef12"
INJECT = "val_loss\n::error title=x::y\r::add-mask::x\u2028::warning::z"


@pytest.fixture
def servers(
    wandb_server: WandbTestServer, github_server: GitHubTestServer
) -> tuple[WandbTestServer, GitHubTestServer]:
    """W&B runs of HEAD and production baselines; PR #7 (head HEAD) and #8 (head OTHER)."""
    for seed, loss in enumerate((0.50, 0.51, 0.52)):
        summary = {"val_loss": 0.3, INJECT: loss}
        wandb_server.add_run("acme", "det", config={"github_sha": HEAD, "s": seed}, summary=summary)
    for loss in (0.20, 0.201, 0.199):
        summary = {"val_loss": 0.3, INJECT: loss}
        wandb_server.add_run("acme", "det", tags=["production"], summary=summary)
    github_server.add_pull("octo", "app", 7, head_sha=HEAD)
    github_server.add_pull("octo", "app", 8, head_sha=OTHER)
    return wandb_server, github_server


def run(
    servers: tuple[WandbTestServer, GitHubTestServer],
    tmp_path: Path,
    event_name: str,
    event: dict[str, Any],
    **inputs: str,
) -> ActionResult:
    """action.yml for an event in octo/app, wandb-pr preinstalled for this checkout."""
    wandb, github = servers
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    return run_composite_action(
        REPO,
        inputs={
            "project": "acme/det",
            "wandb-api-key": wandb.api_key,
            "wandb-base-url": wandb.base_url,
            "baseline-tags": "production",
            **{name.replace("_", "-"): value for name, value in inputs.items()},
        },
        env={},
        workspace=workspace,
        runner_temp=preinstalled(tmp_path / f"temp-{event_name}"),
        github={
            "sha": "f" * 40,
            "token": github.token,
            "repository": "octo/app",
            "api_url": github.api_url,
            "server_url": github.server_url,
            "event_name": event_name,
            "event": event,
        },
    )


def workflow_run(head_repository: str = "octo/app") -> dict[str, Any]:
    """A workflow_run payload for HEAD, as the fork-safe stage sees it (no pull_requests)."""
    return {
        "workflow_run": {
            "head_sha": HEAD,
            "pull_requests": [],
            "head_repository": {"full_name": head_repository},
        }
    }


def warnings(result: ActionResult) -> list[str]:
    """The warning annotations' messages."""
    return [a.message for a in result.annotations if a.level == "warning"]


def test_pr_number_of_a_pull_request_with_another_head_gets_nothing(
    servers: tuple[WandbTestServer, GitHubTestServer], tmp_path: Path
) -> None:
    """workflow_run, pr-number naming a PR whose head is not the run's: a warning, no comment."""
    result = run(servers, tmp_path, "workflow_run", workflow_run(), pr_number="8")
    github = servers[1]
    assert not result.failed, result.step("run").stderr
    assert github.comments("octo", "app", 8) == []
    assert github.comments("octo", "app", 7) == []
    assert not [r for r in github.requests if r.method != "GET"]
    assert any("pull request #8's head (octo/app@abcdef123456)" in w for w in warnings(result))
    assert result.outputs["comment-url"] == ""
    assert result.outputs["num-finished"] == "3"  # the report itself is still made


def test_pr_number_with_the_head_sha_from_another_repository_gets_nothing(
    servers: tuple[WandbTestServer, GitHubTestServer], tmp_path: Path
) -> None:
    """The run's head SHA alone is not enough: the PR's head repository must be the run's too."""
    event = workflow_run(head_repository="mallory/app")
    result = run(servers, tmp_path, "workflow_run", event, pr_number="7")
    assert servers[1].comments("octo", "app", 7) == []
    assert any("is not this workflow run's head (mallory/app@" in w for w in warnings(result))


def test_pr_number_bound_to_the_run_is_published(
    servers: tuple[WandbTestServer, GitHubTestServer], tmp_path: Path
) -> None:
    """The PR whose head is the run's head commit and repository gets the comment."""
    result = run(servers, tmp_path, "workflow_run", workflow_run(), pr_number="7")
    comments = servers[1].comments("octo", "app", 7)
    assert len(comments) == 1
    assert result.outputs["comment-url"] == comments[0]["html_url"]


@pytest.mark.parametrize("role", ["read", "triage", None])
def test_wandb_from_a_commenter_without_write_access_does_nothing(
    servers: tuple[WandbTestServer, GitHubTestServer], tmp_path: Path, role: str | None
) -> None:
    """/wandb by a read or triage collaborator, or a stranger: no W&B request, no comment."""
    wandb, github = servers
    if role:
        github.add_collaborator("octo", "app", "visitor", role)
    comment = {"body": "/wandb", "user": {"login": "visitor"}, "author_association": "MEMBER"}
    event = {"issue": {"number": 7, "pull_request": {}}, "comment": comment}
    result = run(servers, tmp_path, "issue_comment", event)
    assert not result.failed
    assert wandb.graphql_request_count == 0
    assert github.comments("octo", "app", 7) == []
    assert any("visitor has read permission on octo/app" in w for w in warnings(result))
    assert result.outputs["verdict"] == ""


@pytest.mark.parametrize("role", ["write", "maintain", "admin"])
def test_wandb_from_a_commenter_with_write_access_reports(
    servers: tuple[WandbTestServer, GitHubTestServer], tmp_path: Path, role: str
) -> None:
    """/wandb by a collaborator with write, maintain or admin comments on the PR."""
    servers[1].add_collaborator("octo", "app", "dev", role)
    comment = {"body": "/wandb", "user": {"login": "dev"}}
    event = {"issue": {"number": 7, "pull_request": {}}, "comment": comment}
    result = run(servers, tmp_path, "issue_comment", event)
    assert not result.failed, result.step("run").stderr
    assert len(servers[1].comments("octo", "app", 7)) == 1


def test_a_run_data_key_with_line_breaks_adds_no_output_and_no_command(
    servers: tuple[WandbTestServer, GitHubTestServer], tmp_path: Path
) -> None:
    """A regressed summary key holding CR, LF and U+2028 stays one output line and one message."""
    event = {"pull_request": {"number": 7, "head": {"sha": HEAD}, "base": {"sha": "b" * 40}}}
    result = run(servers, tmp_path, "pull_request", event, fail_on_regression="true")
    step = result.step("run")
    assert step.exit_code == 1
    assert result.outputs["verdict"] == "regression"
    escaped = "val_loss\\n::error title=x::y\\r::add-mask::x\\u2028::warning::z"
    assert result.outputs["regressions"] == escaped
    assert set(step.outputs) == {
        "verdict", "regressions", "complete", "single-run", "num-finished", "num-running",
        "num-crashed", "num-aborted", "num-baselines", "csv-path", "json-path", "comment-url",
        "check-run-url",
    }  # fmt: skip
    assert len(result.masked) == 2  # the W&B key and the token, nothing from run data
    # %0A/%0D-escaped in the command, the annotation's own text shows the breaks: one message.
    assert [a.message for a in result.annotations if a.level == "error"] == [
        "Regression in val_loss\n::error title=x::y\r::add-mask::x\\u2028::warning::z",
        "Process completed with exit code 1.",
    ]
    for line in (step.stdout + step.stderr).splitlines():
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", line)
        if line.lstrip().startswith("::"):
            assert re.match(r"::(add-mask|warning|error|group|endgroup)[ :]", line), line
