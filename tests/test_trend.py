"""The base branch's trend: one GitHub commits listing, one W&B query, commits without runs
skipped, this change last."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import cmarkgfm
import pytest

from tests.factories import make_run
from tests.git_repo import linear_repo
from tests.github_server import GitHubTestServer
from tests.test_action_publish import HEAD, run_action, runner  # noqa: F401 - the fixture
from tests.wandb_server import WandbTestServer
from tests.wandb_server.faults import status
from wandb_pr.compare import Direction
from wandb_pr.compare.trend import Trend, TrendPoint, TrendValue, build_trend
from wandb_pr.entry.cli import main
from wandb_pr.render.trend import markdown_trend, terminal_trend

CHAIN = [f"{i:x}" * 40 for i in range(1, 11)]  # oldest first: CHAIN[-1] is the base
RUNS = {9: (0.90, 0.92), 7: (0.91,), 5: (0.89, 0.90, 0.91), 4: (0.88,), 2: (0.87,)}
RUNS |= {1: (0.86,), 0: (0.85,)}  # older than the five shown: never asked about


def seed(github_server: GitHubTestServer, wandb_server: WandbTestServer) -> None:
    """Ten base-branch commits on GitHub; finished runs of seven of them in W&B (and a crashed
    run of a commit without finished ones)."""
    for index, sha in enumerate(CHAIN):
        github_server.add_commit(
            "octo", "app", sha, parents=CHAIN[index - 1 : index] if index else ()
        )
    for index, values in RUNS.items():
        for n, value in enumerate(values):
            wandb_server.add_run(
                "acme",
                "det",
                id=f"base{index}-{n}",
                config={"github_sha": CHAIN[index]},
                summary={"val_acc": value},
            )
    wandb_server.add_run("acme", "det", id="crashed8", state="crashed", commit=CHAIN[8])


def action(env: dict[str, str], tmp_path: Path, **inputs: str) -> dict[str, Any]:
    """Run the Action on PR #7 (base CHAIN[-1]); the JSON report."""
    env = {**env, **{f"INPUT_{k.upper()}": v for k, v in inputs.items()}}
    event = {"pull_request": {"number": 7, "head": {"sha": HEAD}, "base": {"sha": CHAIN[-1]}}}
    code, _, err = run_action(env, tmp_path, "pull_request", event)
    assert code == 0, err
    report: dict[str, Any] = json.loads(
        (Path(env["GITHUB_WORKSPACE"]) / "wandb_report.json").read_text()
    )
    return report


def test_trend_over_ten_base_commits_costs_one_more_wandb_request(
    runner: dict[str, str],  # noqa: F811 - the fixture
    tmp_path: Path,
    github_server: GitHubTestServer,
    wandb_server: WandbTestServer,
) -> None:
    """trend 5 over 10 first-parent commits: the 5 newest with finished runs (3 without are
    skipped), this change last; one GitHub commits listing and one W&B request more."""
    seed(github_server, wandb_server)
    action(runner, tmp_path)
    alone = wandb_server.graphql_request_count
    assert alone == 1
    before = wandb_server.graphql_request_count
    listings = len([r for r in github_server.requests if r.path.split("?")[0].endswith("/commits")])
    report = action(runner, tmp_path, trend="5")
    assert wandb_server.graphql_request_count - before == alone + 1
    commit_listings = [
        r for r in github_server.requests if r.path.split("?")[0].endswith("/commits")
    ]
    assert len(commit_listings) - listings == 1
    trend = report["trend"]
    assert [p["commit"] for p in trend["points"]] == [
        CHAIN[2],
        CHAIN[4],
        CHAIN[5],
        CHAIN[7],
        CHAIN[9],
        HEAD,
    ]
    assert [p["runs"] for p in trend["points"]] == [1, 1, 3, 1, 2, 3]
    assert trend["skipped"] == 3
    assert trend["points"][-1]["candidates"] is True
    assert trend["points"][2]["values"]["val_acc"]["mean"] == 0.9
    assert trend["points"][2]["values"]["val_acc"]["n"] == 3
    skipped = [n["message"] for n in report["notices"] if n["code"] == "trend-skipped"]
    assert skipped == ["Trend: 3 base-branch commit(s) without finished runs skipped."]
    body = github_server.comments("octo", "app", 7)[0]["body"]
    assert "<details><summary>Trend on the base branch: val_acc over 5 commits</summary>" in body
    assert '  x-axis ["3333333", "5555555", "6666666", "8888888", "aaaaaaa", "this change"]' in body
    html = cmarkgfm.github_flavored_markdown_to_html(
        body, options=cmarkgfm.Options.CMARK_OPT_UNSAFE
    )
    assert (
        '<td><code>6666666</code></td>\n<td align="right">3</td>\n'
        '<td align="right">0.9 ± 0.01 (n=3)</td>'
    ) in html


def test_trend_query_asks_for_summaries_of_the_chain_only(
    runner: dict[str, str],  # noqa: F811 - the fixture
    tmp_path: Path,
    github_server: GitHubTestServer,
    wandb_server: WandbTestServer,
) -> None:
    """The trend's request has no history, one $in on the chain's SHAs, and finished runs only."""
    seed(github_server, wandb_server)
    action(runner, tmp_path, trend="2")
    last = wandb_server.requests[-1].body
    assert "sampledHistory" not in last["query"]
    filters = json.loads(last["variables"]["candidatesFilters"])
    shas = filters["$and"][0]["$or"][0]["config.github_sha"]["$in"]
    assert shas == list(reversed(CHAIN))[:6]
    assert {"state": "finished"} in filters["$and"]


def test_cli_trend_from_a_local_clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a laptop the chain comes from local git: --base-sha names the base branch's tip."""
    repo, shas = linear_repo(tmp_path, 4)
    runs: list[dict[str, Any]] = [
        {
            "id": "cand",
            "state": "finished",
            "config": {"github_sha": "a" * 40},
            "summary": {"acc": 1},
        }
    ]
    runs += [
        {"id": f"r{i}", "state": "finished", "commit": shas[i], "summary": {"acc": 0.5 + i / 10}}
        for i in (0, 2, 3)
    ]
    snapshot = tmp_path / "snap.json"
    document = {"format": "wandb-pr-snapshot", "version": 1, "entity": "acme", "project": "det"}
    snapshot.write_text(json.dumps({**document, "runs": runs}))
    args = ["report", "--snapshot", str(snapshot), "--sha", "a" * 40, "--format", "text"]
    args += ["--baseline-run-id", "r3", "--trend", "3", "--base-sha", "HEAD~1"]
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.chdir(repo)
    code = main(args, environ={}, stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert (
        "Trend on the base branch: the last 2 commits of the base branch with finished runs, "
        "among its last 3 first-parent commits, oldest first, then this change" in text
    )
    assert "; 1 commit without finished runs skipped." in text
    table = text.split("Each point is the mean over the commit's finished runs.\n\n", 1)[1]
    assert table.splitlines()[:4] == [
        "commit                 runs  acc",
        f"{shas[0][:7]}                1     0.5",
        f"{shas[2][:7]}                1     0.7",
        "aaaaaaa (this change)  1     1",
    ]


def test_build_trend_attributes_each_run_once_and_counts_what_it_skipped() -> None:
    """A run matching two commits counts for the nearer; candidates never count for the base."""
    chain = ["3" * 40, "2" * 40, "1" * 40]  # nearest first
    both = make_run("both", config={"github_sha": chain[0]}, commit=chain[1], summary={"m": 2.0})
    older = make_run("older", commit=chain[2], summary={"m": 4.0})
    cand = make_run("cand", config={"github_sha": chain[0]}, summary={"m": 9.0})
    trend = build_trend(
        [both, older, cand],
        chain,
        metrics=["m"],
        sha_key="github_sha",
        count=5,
        candidates=[cand],
        head="f" * 40,
    )
    assert [(p.label, p.runs) for p in trend.points] == [
        ("1111111", 1),
        ("3333333", 1),
        ("fffffff", 1),
    ]
    assert trend.skipped == 1  # chain[1] had only a run that belongs to chain[0]
    assert trend.points[-1].values["m"] == TrendValue(1, 9.0, None)


def test_markdown_trend_numbers_the_axis_beyond_twelve_points() -> None:
    """With more points than fit, the x-axis is numbered and the table has a # column."""
    points = tuple(
        TrendPoint(commit=f"{i:02d}" * 20, runs=1, values={"m": TrendValue(1, float(i), None)})
        for i in range(13)
    )
    text = markdown_trend(Trend(("m",), points, wanted=13, looked=39, skipped=0))
    assert '  x-axis ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"]' in text
    assert "| # | Commit | Runs | m |" in text
    assert markdown_trend(None) == ""
    assert terminal_trend(None) == []


def test_cli_trend_outside_a_clone_says_what_to_pass(tmp_path: Path) -> None:
    """--trend with a commit git does not know is an input error naming the way out."""
    snapshot = tmp_path / "snap.json"
    document = {"format": "wandb-pr-snapshot", "version": 1, "entity": "acme", "project": "det"}
    snapshot.write_text(json.dumps({**document, "runs": []}))
    args = ["report", "--snapshot", str(snapshot), "--sha", "a" * 40, "--trend", "3"]
    args += ["--base-sha", "b" * 40]
    out, err = io.StringIO(), io.StringIO()
    assert main(args, environ={}, stdout=out, stderr=err) == 2
    assert f"--trend reads the base branch's history with git, but {'b' * 40!r} is not a " in (
        err.getvalue()
    )
    assert "or name the commits with --trend-commits." in err.getvalue()


def test_a_trend_wandb_refuses_is_left_out_and_the_report_stands(
    runner: dict[str, str],  # noqa: F811 - the fixture
    tmp_path: Path,
    github_server: GitHubTestServer,
    wandb_server: WandbTestServer,
) -> None:
    """A 403 on the trend's query leaves the trend out with the reason; the verdict stands."""
    seed(github_server, wandb_server)
    wandb_server.inject_at(2, status(403))  # the report's own request is the first
    report = action(runner, tmp_path, trend="5")
    assert report["trend"]["points"] == []
    assert "403" in report["trend"]["left_out"]
    assert report["comparison"]["verdict"] == "regression"
    body = github_server.comments("octo", "app", 7)[0]["body"]
    assert "Trend on the base branch</summary>\n\nLeft out: " in body


def test_trend_reads_define_metric_summaries_for_the_metrics_goal() -> None:
    """A {"min", "last"} summary shows its min for a loss, as the comparison reads it."""
    chain = ["1" * 40, "2" * 40]
    summary = {"val_loss": {"min": 0.3, "last": 0.35}}
    runs = [make_run("a", config={"github_sha": chain[0]}, summary=summary)]
    for directions, shown in (({"val_loss": Direction.LOWER}, 0.3), (None, 0.35)):
        trend = build_trend(
            runs, chain, metrics=["val_loss"], sha_key="github_sha", count=2, directions=directions
        )
        assert trend.points[0].values["val_loss"].mean == shown  # no goal known: the last
