"""The Action publishing to GitHub end to end: events, permissions, exit codes, secrets."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.factories import runner_env
from tests.github_server import GitHubTestServer, status
from tests.render.gfm import parse
from tests.test_outputs import parse_github_output
from tests.wandb_server import WandbTestServer
from wandb_pr.entry.cli import main
from wandb_pr.publish.github import marker

HEAD = "1234567890abcdef1234567890abcdef12345678"
BASE = "b" * 40


@pytest.fixture
def runner(
    tmp_path: Path, wandb_server: WandbTestServer, github_server: GitHubTestServer
) -> dict[str, str]:
    """A runner environment: W&B with runs of HEAD, GitHub with PR #7 whose head is HEAD."""
    for seed, acc in enumerate((0.90, 0.91, 0.92)):
        wandb_server.add_run(
            "acme", "det", config={"github_sha": HEAD, "seed": seed}, summary={"val_acc": acc}
        )
    for acc in (0.95, 0.951, 0.949):
        wandb_server.add_run("acme", "det", tags=["production"], summary={"val_acc": acc})
    github_server.add_pull("octo", "app", 7, head_sha=HEAD, base_sha=BASE)
    return {
        **runner_env(
            tmp_path,
            wandb_url=wandb_server.base_url,
            wandb_key=wandb_server.api_key,
            api_url=github_server.api_url,
            token=github_server.token,
        ),
        "INPUT_PROJECT": "acme/det",
        "INPUT_BASELINE_TAGS": "production",
        "INPUT_METRICS": "val_acc:max:0.005",
    }


def run_action(
    env: dict[str, str], tmp_path: Path, event: str, payload: dict[str, Any]
) -> tuple[int, str, str]:
    """Run ``wandb-pr action`` for an event; return code, stdout, stderr."""
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    env = {
        **env,
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_SHA": "f" * 40,
    }
    out, err = io.StringIO(), io.StringIO()
    code = main(["action"], environ=env, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


PR_EVENT = {"pull_request": {"number": 7, "head": {"sha": HEAD}, "base": {"sha": BASE}}}


def outputs(env: dict[str, str]) -> dict[str, str]:
    """Step outputs written."""
    return parse_github_output(Path(env["GITHUB_OUTPUT"]).read_text())


def test_pull_request_gets_the_sticky_comment(
    runner: dict[str, str], tmp_path: Path, github_server: GitHubTestServer
) -> None:
    """A PR event compares the head's runs, comments once, and says where the comment is."""
    code, out, err = run_action(runner, tmp_path, "pull_request", PR_EVENT)
    assert code == 0, err
    comments = github_server.comments("octo", "app", 7)
    assert len(comments) == 1
    assert comments[0]["body"].startswith(marker("acme/det") + "\n### ❌ wandb-pr: 1 regression")
    values = outputs(runner)
    assert values["verdict"] == "regression"
    assert values["regressions"] == "val_acc"
    assert values["comment-url"] == comments[0]["html_url"]
    assert "### ❌ wandb-pr" in Path(runner["GITHUB_STEP_SUMMARY"]).read_text()
    assert (
        runner["INPUT_GITHUB_TOKEN"]
        not in out.replace(f"::add-mask::{runner['INPUT_GITHUB_TOKEN']}", "") + err
    )


def test_regression_gate_and_check_run(
    runner: dict[str, str], tmp_path: Path, github_server: GitHubTestServer
) -> None:
    """fail-on-regression exits 1 after publishing a failing check run."""
    env = {**runner, "INPUT_CHECK": "true", "INPUT_FAIL_ON_REGRESSION": "true"}
    code, out, _ = run_action(env, tmp_path, "pull_request", PR_EVENT)
    assert code == 1
    assert "::error title=wandb-pr::Regression in val_acc" in out
    check = github_server.check_runs("octo", "app")[0]
    assert (check["head_sha"], check["conclusion"]) == (HEAD, "failure")
    assert outputs(runner)["check-run-url"] == check["html_url"]


def test_read_only_token_warns_and_keeps_the_report(
    runner: dict[str, str], tmp_path: Path, github_server: GitHubTestServer
) -> None:
    """A fork PR's read-only token: a warning naming the permission; summary and outputs stay."""
    github_server.permissions.clear()
    github_server.permissions.update({"pull_requests": "read", "contents": "read"})
    code, out, _ = run_action({**runner, "INPUT_CHECK": "true"}, tmp_path, "pull_request", PR_EVENT)
    assert code == 0
    warnings = [line for line in out.splitlines() if line.startswith("::warning")]
    assert any("permissions: pull-requests: write" in w for w in warnings)
    assert any("permissions: checks: write" in w for w in warnings)
    assert all("fork-pr-publish.yml" in w for w in warnings)
    assert outputs(runner)["verdict"] == "regression"
    assert outputs(runner)["comment-url"] == ""
    assert Path(runner["GITHUB_STEP_SUMMARY"]).read_text().startswith("### ❌")


def test_github_down_exits_5_after_writing_everything(
    runner: dict[str, str], tmp_path: Path, github_server: GitHubTestServer
) -> None:
    """GitHub failing past the deadline exits 5, with the files, summary and outputs written."""
    github_server.inject(*[status(502)] * 30)
    code, _, err = run_action({**runner, "INPUT_DEADLINE": "2"}, tmp_path, "pull_request", PR_EVENT)
    assert code == 5
    assert "GitHub did not answer GET /repos/octo/app/issues/7/comments successfully" in err
    assert (Path(runner["GITHUB_WORKSPACE"]) / "wandb_report.json").exists()
    assert outputs(runner)["verdict"] == "regression"


def test_issue_comment_with_trigger_reports_on_the_pr_head(
    runner: dict[str, str], tmp_path: Path, github_server: GitHubTestServer
) -> None:
    """'/wandb' by a collaborator with write access looks up the PR's head commit and comments."""
    github_server.add_collaborator("octo", "app", "maintainer", "maintain")
    comment = {"body": "/wandb please", "user": {"login": "maintainer"}}
    event = {"issue": {"number": 7, "pull_request": {}}, "comment": comment}
    code, _, err = run_action(runner, tmp_path, "issue_comment", event)
    assert code == 0, err
    assert len(github_server.comments("octo", "app", 7)) == 1


def test_other_comments_are_ignored_quietly(
    runner: dict[str, str], tmp_path: Path, wandb_server: WandbTestServer
) -> None:
    """A comment without the trigger phrase does nothing and succeeds."""
    event = {"issue": {"number": 7, "pull_request": {}}, "comment": {"body": "LGTM"}}
    code, out, _ = run_action(runner, tmp_path, "issue_comment", event)
    assert code == 0
    assert "this comment does not ask for a report" in out
    assert wandb_server.graphql_request_count == 0
    assert outputs(runner) == {}


def test_workflow_run_finds_the_pull_request_by_commit(
    runner: dict[str, str], tmp_path: Path, github_server: GitHubTestServer
) -> None:
    """workflow_run with no pull_requests (forks) finds the PR whose head is the commit."""
    event = {"workflow_run": {"head_sha": HEAD, "pull_requests": []}}
    code, _, err = run_action(runner, tmp_path, "workflow_run", event)
    assert code == 0, err
    assert len(github_server.comments("octo", "app", 7)) == 1


def test_fork_safe_pr_number_input(
    runner: dict[str, str], tmp_path: Path, github_server: GitHubTestServer
) -> None:
    """The fork-safe publish stage passes pr-number; a non-number is refused before any request."""
    run = {"head_sha": HEAD, "pull_requests": [], "head_repository": {"full_name": "octo/app"}}
    event = {"workflow_run": run}
    code, _, err = run_action(
        {**runner, "INPUT_PR_NUMBER": "7; rm -rf"}, tmp_path, "workflow_run", event
    )
    assert code == 2
    assert "input 'pr-number' must be a pull request number" in err
    code, _, _ = run_action({**runner, "INPUT_PR_NUMBER": "7"}, tmp_path, "workflow_run", event)
    assert code == 0
    assert len(github_server.comments("octo", "app", 7)) == 1


def test_push_comments_on_the_commit_and_sets_a_status(
    runner: dict[str, str], tmp_path: Path, github_server: GitHubTestServer
) -> None:
    """On push: a commit comment and a commit status when asked for."""
    github_server.add_commit("octo", "app", HEAD)
    env = {**runner, "GITHUB_SHA": HEAD, "INPUT_COMMIT_COMMENT": "true", "INPUT_STATUS": "true"}
    path = tmp_path / "event.json"
    path.write_text("{}")
    env |= {"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(path)}
    out, err = io.StringIO(), io.StringIO()
    assert main(["action"], environ=env, stdout=out, stderr=err) == 0, err.getvalue()
    assert len(github_server.commit_comments("octo", "app", HEAD)) == 1
    assert github_server.statuses("octo", "app", HEAD)[0]["state"] == "failure"


def test_base_commit_baseline_through_the_github_api(
    runner: dict[str, str],
    tmp_path: Path,
    github_server: GitHubTestServer,
    wandb_server: WandbTestServer,
) -> None:
    """baseline: base-commit walks first parents through GitHub; the nearest with runs wins."""
    chain = [f"{i}" * 40 for i in range(1, 6)]  # chain[0] is the base's oldest ancestor
    for index, sha in enumerate(chain):
        github_server.add_commit(
            "octo", "app", sha, parents=chain[index - 1 : index] if index else ()
        )
    wandb_server.add_run(
        "acme", "det", id="two-back", config={"github_sha": chain[2]}, summary={"val_acc": 0.9}
    )
    env = {**runner, "INPUT_BASELINE": "base-commit", "INPUT_BASELINE_TAGS": ""}
    event = {"pull_request": {"number": 7, "head": {"sha": HEAD}, "base": {"sha": chain[-1]}}}
    code, _, err = run_action(env, tmp_path, "pull_request", event)
    assert code == 0, err
    report = json.loads((Path(runner["GITHUB_WORKSPACE"]) / "wandb_report.json").read_text())
    assert [r["id"] for r in report["baselines"]] == ["two-back"]
    body = github_server.comments("octo", "app", 7)[0]["body"]
    assert (
        f"finished runs of {chain[2][:7]}, 2 commits behind the base commit {chain[-1][:7]}" in body
    )


def test_stale_head_reports_the_newest_earlier_commit(
    runner: dict[str, str],
    tmp_path: Path,
    github_server: GitHubTestServer,
    wandb_server: WandbTestServer,
) -> None:
    """A PR head without runs reports the newest earlier commit's runs, flagged as stale."""
    older, newer, head = "1" * 40, "2" * 40, "3" * 40
    github_server.add_pull(
        "octo", "app", 8, head_sha=head, base_sha=BASE, commits=[older, newer, head]
    )
    wandb_server.add_run(
        "acme", "det", id="from-older", config={"github_sha": older}, summary={"val_acc": 0.9}
    )
    event = {"pull_request": {"number": 8, "head": {"sha": head}, "base": {"sha": BASE}}}
    code, _, err = run_action(runner, tmp_path, "pull_request", event)
    assert code == 0, err
    body = github_server.comments("octo", "app", 8)[0]["body"]
    assert (
        f"> ⚠️ The head commit {head[:7]} has no runs yet: these results are from {older[:7]}, "
        "2 commits behind head." in body
    )
    assert outputs(runner)["num-finished"] == "1"


def test_bad_publishing_input_fails_before_fetching(
    runner: dict[str, str], tmp_path: Path, wandb_server: WandbTestServer
) -> None:
    """A wrong comment mode is refused up front: exit 2, no W&B request, no outputs."""
    code, _, err = run_action(
        {**runner, "INPUT_COMMENT": "yes"}, tmp_path, "pull_request", PR_EVENT
    )
    assert code == 2
    assert "input 'comment' must be on, off or create-new, got 'yes'" in err
    assert wandb_server.graphql_request_count == 0
    assert outputs(runner) == {}


def test_different_data_fails_the_gate_with_its_reason(
    runner: dict[str, str], tmp_path: Path, wandb_server: WandbTestServer
) -> None:
    """require-same-data + fail-on-regression: exit 1, and the annotation names the data."""
    runs = {r["name"]: r for r in wandb_server.store.projects[("acme", "det")].runs}
    old = wandb_server.add_artifact("acme", "det", "holdout", "dataset")
    new = wandb_server.add_artifact("acme", "det", "holdout", "dataset")
    candidates = [n for n, r in runs.items() if "production" not in r["tags"]]
    baselines = [n for n, r in runs.items() if "production" in r["tags"]]
    wandb_server.use_artifact(new, *candidates)
    wandb_server.use_artifact(old, *baselines)
    env = {
        **runner,
        "INPUT_METRICS": "val_acc:max:0.5",
        "INPUT_REQUIRE_SAME_DATA": "true",
        "INPUT_FAIL_ON_REGRESSION": "true",
    }
    code, out, _ = run_action(env, tmp_path, "pull_request", PR_EVENT)
    assert code == 1
    assert (
        "::error title=wandb-pr::Candidates and baselines were evaluated on different data "
        "(holdout)" in out
    )
    assert outputs(runner)["verdict"] == "different-data"


@pytest.mark.parametrize(
    ("allow", "code", "conclusion"), [("false", 8, "failure"), ("true", 0, "neutral")]
)
def test_no_baseline_fails_the_gate_unless_allowed(
    runner: dict[str, str],
    tmp_path: Path,
    github_server: GitHubTestServer,
    allow: str,
    code: int,
    conclusion: str,
) -> None:
    """No baseline found: exit 8 and a failed check; allow-missing: exit 0 and neutral."""
    env = {
        **runner,
        "INPUT_BASELINE_TAGS": "no-such-tag",
        "INPUT_CHECK": "true",
        "INPUT_FAIL_ON_REGRESSION": "true",
        "INPUT_ALLOW_MISSING": allow,
    }
    got, out, _ = run_action(env, tmp_path, "pull_request", PR_EVENT)
    assert got == code
    assert ("::error title=wandb-pr::⚠️ wandb-pr: no baseline runs found" in out) == (code != 0)
    check = github_server.check_runs("octo", "app")[0]
    assert check["conclusion"] == conclusion
    assert check["output"]["title"].startswith("⚠️ wandb-pr: no baseline runs found")
    assert outputs(runner)["verdict"] == "no-baseline"


def test_second_push_keeps_the_first_in_the_comment_without_asking_wandb_again(
    runner: dict[str, str],
    tmp_path: Path,
    github_server: GitHubTestServer,
    wandb_server: WandbTestServer,
) -> None:
    """A second push updates the one comment, listing the first push from its hidden history."""
    code, _, err = run_action(runner, tmp_path, "pull_request", PR_EVENT)
    assert code == 0, err
    first_requests = wandb_server.graphql_request_count
    new_head = "abcdef0" + "1" * 33
    for acc in (0.96, 0.961, 0.962):
        wandb_server.add_run(
            "acme", "det", config={"github_sha": new_head}, summary={"val_acc": acc}
        )
    event = {"pull_request": {"number": 7, "head": {"sha": new_head}, "base": {"sha": BASE}}}
    code, _, err = run_action(runner, tmp_path, "pull_request", event)
    assert code == 0, err
    assert wandb_server.graphql_request_count == 2 * first_requests
    comments = github_server.comments("octo", "app", 7)
    assert len(comments) == 1
    body = comments[0]["body"]
    assert body.startswith(marker("acme/det") + "\n### ✅ wandb-pr: pass")
    doc = parse(body)
    earlier = doc.tables[-1]
    assert earlier.header == ["Commit", "Time", "Verdict", "Changes"]
    assert [row[0] for row in earlier.rows] == [HEAD[:7]]
    assert earlier.rows[0][2] == "❌ regression"
    assert earlier.rows[0][3].startswith("val_acc -")
    assert doc.tags.count("details") >= 2
    assert re.search(
        rf"Updated for {new_head[:7]} · workflow run · \d{{4}}-\d\d-\d\d \d\d:\d\d UTC", doc.text
    )
