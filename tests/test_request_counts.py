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
    """Candidates of SHA and tagged baselines, each with ``steps`` history rows, plus noise."""
    history = [{"_step": s, "val_loss": 1.0 / (s + 1)} for s in range(steps)]
    for i in range(candidates):
        server.add_run(
            "acme", "detector", id=f"c{i:04d}", config={"github_sha": SHA}, history=history
        )
    for i in range(baselines):
        server.add_run("acme", "detector", id=f"b{i:04d}", tags=["baseline"], history=history)
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


def test_three_pages_a_side_take_three_requests(wandb_server: WandbTestServer) -> None:
    """250 candidates and 250 baselines in pages of 100: 3 requests, each carrying both sides."""
    add_runs(wandb_server, candidates=250, baselines=250)
    document = report(wandb_server, "--page-size", "100")
    assert wandb_server.graphql_request_count == 3
    assert sides_asked(wandb_server) == [{"candidates", "baselines"}] * 3
    assert [len(document[side]) for side in ("candidates", "baselines")] == [250, 250]
    assert len({run["id"] for run in document["candidates"]}) == 250


def test_a_side_that_runs_out_leaves_later_requests(wandb_server: WandbTestServer) -> None:
    """250 candidates and 20 baselines: 3 requests, the baselines only in the first."""
    add_runs(wandb_server, candidates=250, baselines=20)
    document = report(wandb_server, "--page-size", "100")
    assert wandb_server.graphql_request_count == 3
    assert sides_asked(wandb_server) == [
        {"candidates", "baselines"},
        {"candidates"},
        {"candidates"},
    ]
    assert [len(document[side]) for side in ("candidates", "baselines")] == [250, 20]


@pytest.mark.parametrize(("candidates", "requests"), [(100, 1), (101, 2)])
def test_default_page_size_is_100(
    wandb_server: WandbTestServer, candidates: int, requests: int
) -> None:
    """Without --page-size a page holds 100 runs: 100 candidates take 1 request, 101 take 2."""
    add_runs(wandb_server, candidates=candidates, baselines=100)
    report(wandb_server)
    assert wandb_server.graphql_request_count == requests
    assert {r.body["variables"]["first"] for r in wandb_server.requests} == {100}


@pytest.mark.parametrize(
    ("candidates", "baselines"), [(10, 10), (11, 3), (3, 25), (30, 30), (31, 1), (1, 0)]
)
def test_requests_are_the_larger_sides_page_count(
    wandb_server: WandbTestServer, candidates: int, baselines: int
) -> None:
    """With pages of 10, a report costs max(ceil(c / 10), ceil(b / 10), 1) requests."""
    add_runs(wandb_server, candidates=candidates, baselines=baselines)
    document = report(wandb_server, "--page-size", "10")
    pages = max(math.ceil(candidates / 10), math.ceil(baselines / 10), 1)
    assert wandb_server.graphql_request_count == pages
    assert [len(document[side]) for side in ("candidates", "baselines")] == [candidates, baselines]
