"""Pooled baselines: the finished runs of the K nearest base commits that have any, together."""

from __future__ import annotations

import io
import json
from pathlib import Path

from tests.factories import make_run
from tests.github_server import GitHubTestServer
from tests.test_action_publish import run_action, runner  # noqa: F401 - the fixture
from tests.wandb_server import WandbTestServer
from wandb_pr.entry.cli import main
from wandb_pr.pipeline import Context, produce
from wandb_pr.settings import Settings
from wandb_pr.sources.local import LocalRunSource

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "wandb"

HEAD = "1234567890abcdef1234567890abcdef12345678"
CHAIN = tuple(f"{i:x}" * 40 for i in range(1, 8))  # the base, then its ancestors, nearest first


def test_three_commits_pooled_through_github_and_wandb(
    runner: dict[str, str],  # noqa: F811 - the fixture
    tmp_path: Path,
    github_server: GitHubTestServer,
    wandb_server: WandbTestServer,
) -> None:
    """baseline-commits 3 pools the runs of the 3 nearest commits with runs (a commit without
    runs is skipped, a fourth is left out), from one GitHub and one W&B request."""
    oldest_first = list(reversed(CHAIN[:6]))
    for index, sha in enumerate(oldest_first):
        parents = oldest_first[index - 1 : index] if index else ()
        github_server.add_commit("octo", "app", sha, parents=parents)
    runs = {
        CHAIN[0]: (0.90, 0.91),
        CHAIN[2]: (0.92,),
        CHAIN[3]: (0.89, 0.90, 0.91),
        CHAIN[4]: (0.5,),
    }
    for sha, values in runs.items():
        for seed, value in enumerate(values):
            wandb_server.add_run(
                "acme",
                "det",
                id=f"{sha[:3]}-{seed}",
                config={"github_sha": sha},
                summary={"val_acc": value},
            )
    wandb_server.add_run("acme", "det", id="crashed", state="crashed", commit=CHAIN[0])
    env = {
        **runner,
        "INPUT_BASELINE": "base-commit",
        "INPUT_BASELINE_TAGS": "",
        "INPUT_BASELINE_COMMITS": "3",
    }
    event = {"pull_request": {"number": 7, "head": {"sha": HEAD}, "base": {"sha": CHAIN[0]}}}
    github_before, wandb_before = github_server.request_count, wandb_server.graphql_request_count
    code, _, err = run_action(env, tmp_path, "pull_request", event)
    assert code == 0, err
    report = json.loads((Path(runner["GITHUB_WORKSPACE"]) / "wandb_report.json").read_text())
    assert sorted(r["id"] for r in report["baselines"]) == [
        "111-0",
        "111-1",
        "333-0",
        "444-0",
        "444-1",
        "444-2",
    ]
    assert wandb_server.graphql_request_count - wandb_before == 1
    commit_listings = [
        r for r in github_server.requests if r.path.split("?")[0].endswith("/commits")
    ]
    assert len(commit_listings) == 1
    assert github_server.request_count > github_before
    body = github_server.comments("octo", "app", 7)[0]["body"]
    assert (
        f"finished runs of 3 commits pooled, nearest the base commit {CHAIN[0][:7]} first: "
        f"{CHAIN[0][:7]} (2 runs), {CHAIN[2][:7]} (1 run), {CHAIN[3][:7]} (3 runs); pooling "
        "assumes these commits are equivalent on the metrics"
    ) in body
    pooled = [n["message"] for n in report["notices"] if n["code"] == "pooled-baselines"]
    assert len(pooled) == 1
    assert pooled[0].startswith("finished runs of 3 commits pooled")
    metric = report["comparison"]["metrics"][0]
    assert metric["baseline"]["n"] == 6


def test_one_commit_with_runs_is_not_called_pooled() -> None:
    """With only one commit with runs in reach, the report says nothing was pooled."""
    source = LocalRunSource(
        (
            make_run("head", config={"github_sha": HEAD}, summary={"acc": 0.9}),
            make_run("only", commit=CHAIN[1], summary={"acc": 0.8}),
        ),
        description="test runs",
    )
    settings = Settings(
        entity="acme", project="detector", sha=HEAD, baseline_commits=CHAIN, baseline_pool=3
    )
    outcome = produce(settings, source, Context())
    assert [r.id for r in outcome.run_set.baselines] == ["only"]
    assert outcome.report.provenance.baseline_selection == (
        f"finished runs of {CHAIN[1][:7]}, 1 commit behind the base commit {CHAIN[0][:7]} "
        "(the only commit with runs among the 7 looked at, so none pooled)"
    )


def test_default_keeps_the_nearest_commit_only() -> None:
    """baseline-commits 1 (the default) keeps only the nearest commit's runs, as before."""
    source = LocalRunSource(
        (
            make_run("head", config={"github_sha": HEAD}, summary={"acc": 0.9}),
            make_run("near", commit=CHAIN[0], summary={"acc": 0.8}),
            make_run("far", commit=CHAIN[1], summary={"acc": 0.7}),
        ),
        description="test runs",
    )
    settings = Settings(entity="acme", project="detector", sha=HEAD, baseline_commits=CHAIN)
    outcome = produce(settings, source, Context())
    assert [r.id for r in outcome.run_set.baselines] == ["near"]


def test_pooling_without_base_commit_baselines_is_an_error_naming_the_flag() -> None:
    """--baseline-commits with tag baselines would be ignored: exit 2 naming both flags."""
    out, err = io.StringIO(), io.StringIO()
    args = ["report", "--runs-dir", str(EXAMPLES), "--sha", "9b1d6c0", "--baseline-tag"]
    code = main([*args, "baseline", "--baseline-commits", "3"], environ={}, stdout=out, stderr=err)
    assert code == 2
    assert "--baseline-commits pools the runs of several base commits" in err.getvalue()
    assert "Tip: Set --baseline to base-commit, or leave --baseline-commits out." in err.getvalue()
