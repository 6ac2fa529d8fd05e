"""Round trips to W&B through the real CLI: one request per report while each side fits a page.

A report costs ceil(runs / page size) requests per side, and both sides share requests while
both have pages left, so the total is the larger side's page count (at least one).
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

import pytest

from tests.wandb_server import WandbTestServer
from wandb_pr.entry.cli import main

SHA = "0123456789abcdef0123456789abcdef01234567"


def add_runs(server: WandbTestServer, *, candidates: int, baselines: int, steps: int = 3) -> None:
    """Candidates of SHA and tagged baselines, each with ``steps`` history rows and the last
    value in its summary (as ``wandb.log`` leaves it), plus noise."""
    history = [{"_step": s, "val_loss": 1.0 / (s + 1)} for s in range(steps)]
    summary = {"val_loss": history[-1]["val_loss"], "_step": steps - 1}
    for i in range(candidates):
        server.add_run(
            "acme",
            "detector",
            id=f"c{i:04d}",
            config={"github_sha": SHA},
            history=history,
            summary=summary,
        )
    for i in range(baselines):
        server.add_run(
            "acme", "detector", id=f"b{i:04d}", tags=["baseline"], history=history, summary=summary
        )
    server.add_run("acme", "detector", id="other", config={"github_sha": "f" * 40})


def report(server: WandbTestServer, *extra: str) -> dict[str, Any]:
    """Run ``wandb-pr report --metric val_loss --format json`` in-process; the parsed report."""
    out, err = io.StringIO(), io.StringIO()
    args = ["report", "--project", "acme/detector", "--sha", SHA, "--baseline-tag", "baseline"]
    args += ["--metric", "val_loss:min", "--format", "json", *extra]
    env = {"WANDB_API_KEY": server.api_key, "WANDB_BASE_URL": server.base_url}
    code = main(args, environ=env, stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


def sides_asked(server: WandbTestServer) -> list[set[str]]:
    """For each request, which sides (``candidates``, ``baselines``) its document asked for."""
    asked = []
    for request in server.requests:
        query = request.body["query"]
        asked.append({side for side in ("candidates", "baselines") if f"{side}: project(" in query})
    return asked


def test_one_page_report_with_charts_is_one_request(wandb_server: WandbTestServer) -> None:
    """Both sides, their config, summary and chart history come back in exactly one request."""
    add_runs(wandb_server, candidates=5, baselines=3, steps=50)
    document = report(wandb_server)
    assert wandb_server.graphql_request_count == 1
    [request] = wandb_server.requests
    assert "sampledHistory(specs: $historySpecs)" in request.body["query"]
    assert sides_asked(wandb_server) == [{"candidates", "baselines"}]
    assert [len(document[side]) for side in ("candidates", "baselines")] == [5, 3]
    assert all(len(run["history"]["val_loss"]) == 50 for run in document["candidates"])


def test_sides_beyond_the_first_page_page_on_then_ask_history_by_name(
    wandb_server: WandbTestServer,
) -> None:
    """250 + 250 runs, pages of 100: a first page of 20 with history, 3 more without, 1 history."""
    add_runs(wandb_server, candidates=250, baselines=250)
    document = report(wandb_server, "--page-size", "100")
    assert wandb_server.graphql_request_count == 5
    firsts = [r.body["variables"]["first"] for r in wandb_server.requests]
    # 20 evenly spaced runs a side are charted; 2 a side came with the first page already
    assert firsts == [20, 100, 100, 100, 36]
    assert sides_asked(wandb_server)[:4] == [{"candidates", "baselines"}] * 4
    with_history = ["sampledHistory" in r.body["query"] for r in wandb_server.requests]
    assert with_history == [True, False, False, False, True]
    assert [len(document[side]) for side in ("candidates", "baselines")] == [250, 250]
    assert len({run["id"] for run in document["candidates"]}) == 250
    charted = [run["id"] for run in document["candidates"] if run["history"]]
    assert len(charted) == 20
    assert charted[0] == "c0000"
    assert charted[-1] == "c0249"


def test_a_side_that_runs_out_leaves_later_requests(wandb_server: WandbTestServer) -> None:
    """250 candidates and 20 baselines: the baselines, whole in the first page, only in it."""
    add_runs(wandb_server, candidates=250, baselines=20)
    document = report(wandb_server, "--page-size", "100")
    assert wandb_server.graphql_request_count == 5
    assert sides_asked(wandb_server) == [
        {"candidates", "baselines"},
        {"candidates"},
        {"candidates"},
        {"candidates"},
        set(),
    ]
    history = wandb_server.requests[-1].body["variables"]
    names = json.loads(history["filters"])["name"]["$in"]
    assert len(names) == 18  # the baselines' history and 2 candidates' came with the first page
    assert all(name.startswith("c") for name in names)
    assert [len(document[side]) for side in ("candidates", "baselines")] == [250, 20]


@pytest.mark.parametrize(("candidates", "requests"), [(20, 1), (21, 3)])
def test_sides_of_20_runs_are_one_request(
    wandb_server: WandbTestServer, candidates: int, requests: int
) -> None:
    """20 candidates and 20 baselines take 1 request, charts included; a 21st takes 2 more."""
    add_runs(wandb_server, candidates=candidates, baselines=20)
    report(wandb_server)
    assert wandb_server.graphql_request_count == requests
    firsts = [r.body["variables"]["first"] for r in wandb_server.requests]
    assert firsts == ([20] if requests == 1 else [20, 100, 1])


@pytest.mark.parametrize(
    ("candidates", "baselines"), [(10, 10), (11, 3), (3, 25), (30, 30), (31, 1), (1, 0)]
)
def test_requests_are_the_larger_sides_page_count(
    wandb_server: WandbTestServer, candidates: int, baselines: int
) -> None:
    """Pages of 10: max(ceil(c / 10), ceil(b / 10), 1) requests, plus 1 for history beyond them."""
    add_runs(wandb_server, candidates=candidates, baselines=baselines)
    document = report(wandb_server, "--page-size", "10")
    pages = max(math.ceil(candidates / 10), math.ceil(baselines / 10), 1)
    assert wandb_server.graphql_request_count == pages + (pages > 1)
    assert [len(document[side]) for side in ("candidates", "baselines")] == [candidates, baselines]


def test_the_first_page_of_a_wide_sweep_names_the_first_six_metrics(
    wandb_server: WandbTestServer,
) -> None:
    """With 31 named metrics the first page samples the first 6, 100 points each."""
    add_runs(wandb_server, candidates=2, baselines=1)
    metrics = [f"m{i:02d}" for i in range(30)]
    report(wandb_server, *(arg for m in metrics for arg in ("--metric", m)))
    request = wandb_server.requests[0]  # then the history of m00-m29, which no summary has
    specs = [json.loads(spec) for spec in request.body["variables"]["historySpecs"]]
    assert [spec["keys"] for spec in specs] == [["_step", m] for m in ["val_loss", *metrics[:5]]]
    assert {spec["samples"] for spec in specs} == {100}


def test_a_metric_only_in_history_is_read_from_history_before_comparing(
    wandb_server: WandbTestServer,
) -> None:
    """30 candidates without val_loss in their summaries: their history is fetched as evidence."""
    history = [{"_step": s, "val_loss": 1.0 / (s + 1)} for s in range(3)]
    for i in range(30):
        wandb_server.add_run(
            "acme", "detector", id=f"c{i:04d}", config={"github_sha": SHA}, history=history
        )
    wandb_server.add_run(
        "acme", "detector", id="b0000", tags=["baseline"], summary={"val_loss": 0.3}
    )
    document = report(wandb_server)
    firsts = [r.body["variables"]["first"] for r in wandb_server.requests]
    # the two pages; then c0020-c0029 for the comparison, which the charts reuse
    assert firsts == [20, 100, 10]
    [metric] = document["comparison"]["metrics"]
    assert metric["candidate"]["n"] == 30
    assert metric["candidate"]["mean"] == pytest.approx(1 / 3)
