"""Verdicts that never mislead, end to end through the CLI against the W&B test server.

Each test reproduces a situation in which a report once said "pass" with nothing compared,
or "regression" on noise, and checks the verdict, the exit code with ``--fail-on-regression``
and what the report says.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import pytest

from tests.wandb_server import WandbTestServer
from wandb_pr.entry.cli import main

SHA = "0123456789abcdef0123456789abcdef01234567"
MERGE = "fedcba9876543210fedcba9876543210fedcba98"
PROJECT = ("acme", "det")


def cli(server: WandbTestServer, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run ``wandb-pr report`` against the server; return the exit code and stdout."""
    out, err = io.StringIO(), io.StringIO()
    environ = {"WANDB_API_KEY": server.api_key, "WANDB_BASE_URL": server.base_url, **(env or {})}
    code = main(["report", "--project", "acme/det", *args], environ=environ, stdout=out, stderr=err)
    assert code != 3, err.getvalue()
    return code, out.getvalue() + err.getvalue()


def report(server: WandbTestServer, *args: str) -> tuple[int, dict[str, Any], str]:
    """The JSON report and the Markdown headline, and the gate's exit code."""
    gate = [*args, "--fail-on-regression"]
    code, text = cli(server, "--sha", SHA, *gate, "--format", "json")
    markdown_code, markdown = cli(server, "--sha", SHA, *gate, "--format", "markdown")
    assert code == markdown_code
    return code, json.loads(text[: text.rindex("}") + 1]), markdown


def add(server: WandbTestServer, run_id: str, summary: dict[str, Any], **fields: Any) -> None:
    """A candidate (config github_sha = SHA) unless tags or config say otherwise."""
    fields.setdefault("config", {} if fields.get("tags") else {"github_sha": SHA})
    fields.setdefault("display_name", run_id)
    server.add_run(*PROJECT, id=run_id, summary=summary, **fields)


def baseline(server: WandbTestServer, run_id: str, summary: dict[str, Any], **fields: Any) -> None:
    """A finished run tagged ``baseline``."""
    add(server, run_id, summary, tags=["baseline"], **fields)


def metric(document: dict[str, Any], name: str) -> dict[str, Any]:
    """One metric's comparison from the JSON report."""
    (found,) = [m for m in document["comparison"]["metrics"] if m["name"] == name]
    return found


def test_a_metric_no_run_logs_fails_the_gate_and_suggests_the_name(
    wandb_server: WandbTestServer,
) -> None:
    """--metric val_acc when runs log val/acc: missing-metric, exit 7, did you mean val/acc."""
    add(wandb_server, "c0", {"val/acc": 0.9})
    baseline(wandb_server, "b0", {"val/acc": 0.8})
    code, document, markdown = report(
        wandb_server, "--baseline-tag", "baseline", "--metric", "val_acc"
    )
    assert code == 7
    assert document["comparison"]["verdict"] == "missing-metric"
    assert metric(document, "val_acc")["status"] == "not-found"
    assert metric(document, "val_acc")["suggestions"] == ["val/acc"]
    headline = markdown.splitlines()[0]
    assert "val\\_acc is logged by no run (did you mean val/acc?)" in headline
    assert "--allow-missing" in headline
    notice = next(n for n in document["notices"] if n["code"] == "metric-not-found")
    assert (notice["metric"], notice["suggestions"]) == ("val_acc", ["val/acc"])


def test_a_misspelt_direction_is_an_input_error(wandb_server: WandbTestServer) -> None:
    """val_loss:minimum is not taken as a metric name: exit 2, naming the accepted words."""
    add(wandb_server, "c0", {"val_loss": 0.3})
    code, text = cli(wandb_server, "--sha", SHA, "--metric", "val_loss:minimum")
    assert code == 2
    assert "metric spec 'val_loss:minimum': 'minimum' is not a direction" in text
    assert "min or lower (lower is better) and max or higher (higher is better)" in text


@pytest.mark.parametrize("selection", [[], ["--baseline-tag", "nothing-has-this"]])
def test_no_baseline_is_never_a_pass(wandb_server: WandbTestServer, selection: list[str]) -> None:
    """No baseline asked for, or none found: no-baseline, exit 8; --allow-missing exits 0."""
    add(wandb_server, "c0", {"acc": 0.9})
    baseline(wandb_server, "b0", {"acc": 0.8})
    code, document, markdown = report(wandb_server, *selection, "--metric", "acc")
    assert (code, document["comparison"]["verdict"]) == (8, "no-baseline")
    headline = markdown.splitlines()[0]
    assert headline.startswith("### ⚠️ wandb-pr: no baseline")
    assert "--allow-missing" in headline
    assert ("--baseline-tag" in headline) == (not selection)
    code, document, markdown = report(
        wandb_server, *selection, "--metric", "acc", "--allow-missing"
    )
    assert (code, document["comparison"]["verdict"]) == (0, "no-baseline")
    assert "accepted with --allow-missing" in markdown.splitlines()[0]


def test_a_diverged_candidate_fails_the_gate_and_is_chosen_automatically(
    wandb_server: WandbTestServer,
) -> None:
    """NaN/inf loss on candidates, finite on baselines: diverged, exit 6, counted per kind."""
    for i, loss in enumerate([math.nan, math.inf, 0.31]):
        add(wandb_server, f"c{i}", {"loss": loss, "acc": 0.9})
    for i in range(2):
        baseline(wandb_server, f"b{i}", {"loss": 0.3 + i / 100, "acc": 0.9})
    code, document, markdown = report(wandb_server, "--baseline-tag", "baseline")
    assert code == 6
    assert document["comparison"]["verdict"] == "diverged"
    loss = metric(document, "loss")  # chosen automatically although not finite on candidates
    assert (loss["status"], loss["candidate"]["non_finite"], loss["candidate"]["nan"]) == (
        "diverged",
        ["c0", "c1"],
        1,
    )
    assert "2 of 3 candidate runs diverged (NaN, inf)" in markdown.splitlines()[0]
    coded = {(n["code"], n.get("run"), n.get("metric")) for n in document["notices"]}
    assert {("diverged", "c0", "loss"), ("diverged", "c1", "loss")} <= coded
    code, _, _ = report(wandb_server, "--baseline-tag", "baseline", "--allow-missing")
    assert code == 6  # divergence is evidence, not missing evidence


def test_define_metric_summaries_resolve_by_direction(wandb_server: WandbTestServer) -> None:
    """{"min": ...} summaries are read as the min for val_loss:min, and the report says so."""
    for i, value in enumerate([0.50, 0.51, 0.49]):
        add(wandb_server, f"c{i}", {"val_loss": {"min": value, "max": 2.0}})
    for i, value in enumerate([0.39, 0.40, 0.41]):
        baseline(wandb_server, f"b{i}", {"val_loss": {"min": value, "max": 2.0}})
    code, document, markdown = report(
        wandb_server, "--baseline-tag", "baseline", "--metric", "val_loss:min"
    )
    assert (code, document["comparison"]["verdict"]) == (1, "regression")
    loss = metric(document, "val_loss")
    assert loss["relative_delta"] == pytest.approx(0.25)
    assert loss["source"] == "summary min"
    assert "| val\\_loss (summary min)\xa0↓ |" in markdown


def test_history_only_metrics_take_the_last_logged_value(wandb_server: WandbTestServer) -> None:
    """A metric in history but not in the summary is its history's last value, said so."""
    steps = [{"_step": s, "val_f1": 0.5 + s / 100} for s in range(5)]
    add(wandb_server, "c0", {"other": 1}, history=steps)
    baseline(wandb_server, "b0", {"other": 1}, history=steps)
    code, document, markdown = report(
        wandb_server, "--baseline-tag", "baseline", "--metric", "val_f1"
    )
    assert code == 0
    f1 = metric(document, "val_f1")
    assert (f1["candidate"]["mean"], f1["source"]) == (pytest.approx(0.54), "history last")
    assert "val\\_f1 (history last)" in markdown


def test_one_baseline_run_borrows_the_candidates_spread(wandb_server: WandbTestServer) -> None:
    """1 baseline vs 5 candidates 0.078% worse, inside their spread: not a regression."""
    values = [0.9012, 0.8991, 0.9025, 0.8978, 0.9003]
    for i, value in enumerate(values):
        add(wandb_server, f"c{i}", {"val_acc": value})
    baseline(wandb_server, "b0", {"val_acc": sum(values) / 5 * 1.00078})
    code, document, markdown = report(
        wandb_server, "--baseline-tag", "baseline", "--metric", "val_acc"
    )
    assert (code, document["comparison"]["verdict"]) == (0, "pass")
    acc = metric(document, "val_acc")
    assert (acc["status"], acc["test"]["name"], acc["significant"]) == (
        "worse",
        "prediction",
        False,
    )
    assert "| 🟡\xa0worse\xa0(n.s.) |" in markdown
    assert "n.s.: not significant, within run-to-run noise." in markdown


def test_one_run_per_side_says_it_has_no_noise_estimate(wandb_server: WandbTestServer) -> None:
    """1 vs 1: no test, and the status says there is no noise estimate."""
    add(wandb_server, "c0", {"val_acc": 0.8})
    baseline(wandb_server, "b0", {"val_acc": 0.9})
    code, document, markdown = report(
        wandb_server, "--baseline-tag", "baseline", "--metric", "val_acc"
    )
    assert code == 1
    assert metric(document, "val_acc")["no_noise_estimate"] is True
    assert "| 🔴\xa0regression |" in markdown
    assert "No significance test: with one run per side there is no noise estimate" in markdown


def test_modifiers_leave_a_metric_without_direction(wandb_server: WandbTestServer) -> None:
    """loss_scale, val/acc_std, acc_drop, f1_gap... get no direction and no colour; with no
    goal on any metric nothing was judged, so the gate does not pass."""
    names = [
        "loss_scale",
        "val/acc_std",
        "acc_drop",
        "f1_gap",
        "time_to_accuracy",
        "loss_reduction",
    ]
    for i in range(3):
        add(wandb_server, f"c{i}", dict.fromkeys(names, 10.0 + i))
        baseline(wandb_server, f"b{i}", dict.fromkeys(names, 1.0 + i / 10))
    code, document, markdown = report(wandb_server, "--baseline-tag", "baseline")
    assert (code, document["comparison"]["verdict"]) == (7, "missing-metric")
    assert "nothing judged: no metric has a goal" in markdown.splitlines()[0]
    for name in names:
        assert (metric(document, name)["direction"], metric(document, name)["status"]) == (
            "none",
            "no-direction",
        )
    assert "🔴" not in markdown
    assert "🟢" not in markdown


def test_running_candidates_are_compared_at_their_step(wandb_server: WandbTestServer) -> None:
    """A candidate at step 14 is compared with the baselines' step 14 of 30, provisionally."""

    def curve(last: int, scale: float) -> list[dict[str, Any]]:
        return [{"_step": s, "loss": scale / (s + 1)} for s in range(last + 1)]

    add(wandb_server, "c0", {"loss": 1 / 15, "_step": 14}, state="running", history=curve(14, 1.0))
    for i in range(2):
        baseline(
            wandb_server, f"b{i}", {"loss": 0.5 / 30, "_step": 29}, history=curve(29, 0.5 + i / 100)
        )
    code, document, markdown = report(
        wandb_server, "--baseline-tag", "baseline", "--metric", "loss:min"
    )
    assert (code, document["comparison"]["verdict"]) == (10, "pending")
    assert (document["comparison"]["at_step"], document["comparison"]["baseline_steps"]) == (14, 30)
    loss = metric(document, "loss")
    assert (loss["status"], loss["provisional"]) == ("worse", True)
    assert loss["baseline"]["mean"] == pytest.approx(0.505 / 15)  # the baselines at step 14
    assert "(compared at step 14 of 30)" in markdown.splitlines()[0]
    assert "🔴" not in markdown
    chart = markdown.split("```mermaid", 1)[1].split("```", 1)[0]
    lines = [line for line in chart.splitlines() if line.startswith("  line [")]
    counts = [line.count(",") + 1 for line in lines]
    assert counts[1] - counts[0] == 15  # the candidate's line ends at step 14, 15 before 29
    assert 'x-axis "step" [' in chart  # categories, so that the shorter line stops early


@pytest.mark.parametrize("state", ["preempting", "pending", "zombie"])
def test_unfinished_states_make_the_verdict_pending(
    wandb_server: WandbTestServer, state: str
) -> None:
    """preempting, pending and unknown states are not finished: pending, exit 10, listed with
    W&B's own word for the state."""
    add(wandb_server, "c0", {"acc": 0.9})
    add(wandb_server, "c1", {"acc": 0.1}, state=state)
    baseline(wandb_server, "b0", {"acc": 0.9})
    baseline(wandb_server, "b1", {"acc": 0.1}, state="preempted")
    code, document, markdown = report(wandb_server, "--baseline-tag", "baseline", "--metric", "acc")
    assert (code, document["comparison"]["verdict"]) == (10, "pending")
    assert f"| {state} (not finished) |" in markdown  # "zombie", not "unknown"
    assert "b1 (preempted)" in markdown  # left out, and said so
    assert document["comparison"]["counted_baselines"] == ["b0"]
    code_of_state = "unknown" if state == "zombie" else state  # codes are a closed set
    notices = {(n["code"], n.get("run")): n["message"] for n in document["notices"]}
    assert {(f"state-{code_of_state}", "c1"), ("state-preempted", "b1")} <= set(notices)
    assert (
        f"is {state}: only finished runs are evidence" in notices[(f"state-{code_of_state}", "c1")]
    )


def test_merge_commit_runs_are_candidates_on_pull_requests(
    wandb_server: WandbTestServer, tmp_path: Path
) -> None:
    """On pull_request, runs that logged GITHUB_SHA (the merge commit) are found, and said so."""
    add(wandb_server, "c0", {"acc": 0.9}, config={"github_sha": MERGE})
    baseline(wandb_server, "b0", {"acc": 0.9})
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 3, "head": {"sha": SHA}}}))
    pr = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event), "GITHUB_SHA": MERGE}
    args = ["--baseline-tag", "baseline", "--metric", "acc", "--fail-on-regression"]
    code, text = cli(wandb_server, *args, "--format", "markdown", env=pr)
    assert code == 0, text
    assert text.splitlines()[0] == "### ✅ wandb-pr: pass, no regressions in 1 metric"
    assert f"- Trained on: GitHub's merge commit {MERGE[:7]} (1 run)" in text


def test_every_flag_is_data(wandb_server: WandbTestServer, tmp_path: Path) -> None:
    """Commit mismatches are JSON notices on their run; the CSV keeps NaN, inf and dotted config."""
    config = {"github_sha": SHA, "model": {"depth": 4}}
    add(wandb_server, "c0", {"acc": 0.9, "loss": math.nan}, config=config, commit="a" * 40)
    add(wandb_server, "c1", {"acc": 0.9, "loss": -math.inf}, config=config)
    baseline(wandb_server, "b0", {"acc": 0.9, "loss": 0.2})
    csv_path = tmp_path / "report.csv"
    args = ["--baseline-tag", "baseline", "--config-key", "model.depth", "--csv", str(csv_path)]
    code, document, markdown = report(wandb_server, *args)
    assert code == 6
    mismatch = next(n for n in document["notices"] if n["code"] == "commit-mismatch")
    assert (mismatch["run"], mismatch["side"]) == ("c0", "candidate")
    assert "logged github\\_sha" in markdown.replace("github_sha", "github\\_sha")
    with csv_path.open(encoding="utf-8") as handle:
        rows = {row["run.id"]: row for row in csv.DictReader(handle)}
    assert (rows["c0"]["loss"], rows["c1"]["loss"], rows["b0"]["loss"]) == ("NaN", "-inf", "0.2")
    assert rows["c0"]["_model.depth"] == "4"
    assert "| 4 |" in markdown  # the same value in the Markdown run table
