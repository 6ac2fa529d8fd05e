"""Sweep-sized selections on the W&B test server: what they cost, and how they fail.

History costs what the charts draw; pages W&B cannot answer in time get smaller; a history that
cannot be had leaves the charts out; nothing answering fails fast; the deadline is kept.
"""

from __future__ import annotations

import io
import json
import socket
import time
from typing import NamedTuple

import httpx
import pytest

from tests.wandb_server import WandbTestServer
from tests.wandb_server.faults import status
from wandb_pr.chart_plan import HISTORY_SAMPLES, RUNS_PER_SIDE, evenly_spaced
from wandb_pr.entry.cli import main
from wandb_pr.errors import WandbUnavailable
from wandb_pr.retry import RetryPolicy
from wandb_pr.sources.wandb_api import FIRST_PAGE_WITH_HISTORY, WandbClient

SHA = "0123456789abcdef0123456789abcdef01234567"
METRICS = [f"m{i:02d}" for i in range(30)]


class Result(NamedTuple):
    """What one in-process run of the CLI left behind."""

    code: int
    out: str
    err: str
    elapsed: float


def cli(env: dict[str, str], *args: str, metrics: list[str] | None = METRICS) -> Result:
    """``wandb-pr report`` for SHA against the ``baseline`` tag, timed."""
    argv = ["report", "--project", "acme/sweep", "--sha", SHA, "--baseline-tag", "baseline"]
    argv += [arg for m in metrics or () for arg in ("--metric", f"{m}:min")]
    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    code = main([*argv, *args], environ=env, stdout=out, stderr=err)
    return Result(code, out.getvalue(), err.getvalue(), time.monotonic() - start)


def sweep(server: WandbTestServer, candidates: int, baselines: int, steps: int = 300) -> None:
    """A sweep of one commit and tagged baselines: 30 metrics logged for ``steps`` steps.

    Every run shares one history list (the server only reads it), so the test stays small;
    ``m17`` is worse for every candidate than for any baseline.
    """
    rows = [{"_step": s, **dict.fromkeys(METRICS, 1.0 / (s + 1))} for s in range(steps)]
    for i in range(candidates + baselines):
        candidate = i < candidates
        summary = dict.fromkeys(METRICS, 0.5 + i % 7 / 100)
        summary["m17"] = 0.9 + (i % 7) / 100 if candidate else 0.5
        run = server.add_run(
            "acme",
            "sweep",
            id=f"c{i:04d}" if candidate else f"b{i - candidates:04d}",
            config={"github_sha": SHA if candidate else "f" * 40},
            tags=() if candidate else ("baseline",),
            summary=summary,
        )
        run["history"] = rows


@pytest.fixture
def env(wandb_server: WandbTestServer) -> dict[str, str]:
    """The environment pointing wandb-pr at the test server."""
    return {"WANDB_API_KEY": wandb_server.api_key, "WANDB_BASE_URL": wandb_server.base_url}


def test_the_first_page_holds_as_many_runs_as_a_chart_draws() -> None:
    """The first page's size (history inline) is the number of runs a chart's mean covers."""
    assert FIRST_PAGE_WITH_HISTORY == RUNS_PER_SIDE
    assert evenly_spaced([str(i) for i in range(100)], 5) == ("0", "25", "50", "74", "99")


@pytest.mark.slow
def test_a_wide_sweep_costs_its_pages_and_one_history_request(
    wandb_server: WandbTestServer, env: dict[str, str]
) -> None:
    """400 + 60 runs, 30 metrics: 6 requests; history adds the same bytes as at 200 runs."""
    sweep(wandb_server, candidates=400, baselines=60)
    summaries = cli(env, "--format", "json", metrics=None)  # no metric named: no history
    assert summaries.code == 0, summaries.err
    summary_bytes = wandb_server.bytes_sent
    wandb_server.reset_counters()
    result = cli(env, "--format", "json")
    assert result.code == 0, result.err
    firsts = [r.body["variables"]["first"] for r in wandb_server.requests]
    assert firsts == [20, 100, 100, 100, 100, 40]
    history = wandb_server.requests[-1].body["variables"]
    specs = [json.loads(spec) for spec in history["historySpecs"]]
    assert [spec["keys"][1] for spec in specs] == ["m17", "m00", "m01", "m02", "m03", "m04"]
    assert {spec["samples"] for spec in specs} == {HISTORY_SAMPLES}
    # m17 regressed, so the history of the first page (m00-m05) is not enough: asked anew
    assert len(json.loads(history["filters"])["name"]["$in"]) == 40
    extra = wandb_server.bytes_sent - summary_bytes
    # at most 2 x 40 runs x 6 metrics x 100 points of about 40 bytes, whatever the sweep's size
    assert 0 < extra <= 2 * 40 * 6 * 100 * 45
    document = json.loads(result.out)
    charted = {
        side: [r["id"] for r in document[side] if r["history"]]
        for side in ("candidates", "baselines")
    }
    assert charted["candidates"] == [f"c{round(i * 399 / 19):04d}" for i in range(20)]
    assert len(charted["baselines"]) == 20
    assert {len(r["history"]) for r in document["candidates"] if r["history"]} == {6}


def test_a_chart_says_how_many_runs_its_mean_covers(
    wandb_server: WandbTestServer, env: dict[str, str]
) -> None:
    """60 candidates and 3 baselines: the chart draws the mean of 20 of the 60 candidates."""
    sweep(wandb_server, candidates=60, baselines=3, steps=50)
    result = cli(env, "--format", "markdown", metrics=["m17", "m00"])
    assert result.code == 0, result.err
    summaries = [line for line in result.out.splitlines() if "<summary>" in line and "—" in line]
    assert [line.split("<summary>", 1)[1].split()[1] for line in summaries] == ["m17", "m00"]
    for line in summaries:  # a line's mean covers 20 of the 60 candidates, all 3 baselines
        assert "×20 of 60, grey: baseline ×3" in line, line
    assert result.out.count("```mermaid") == 2


@pytest.mark.slow
def test_pages_too_big_to_answer_get_smaller(
    wandb_server: WandbTestServer, env: dict[str, str]
) -> None:
    """A W&B holding every page over 40 runs: pages of 100, 50, then 25 for the rest; whole."""
    sweep(wandb_server, candidates=150, baselines=5, steps=20)
    wandb_server.hold_pages_over = 40
    result = cli(env, "--format", "json", "--deadline", "6")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert len(document["candidates"]) == 150
    assert len(document["baselines"]) == 5
    firsts = [r.body["variables"]["first"] for r in wandb_server.requests]
    # 20 with history; 100 and 50 held; 25 from then on (130 runs: 6 pages); then the history
    # of 20 candidates and 5 baselines, by name
    assert firsts == [20, 100, 50, *[25] * 6, 25]
    assert "historySpecs" in wandb_server.requests[-1].body["variables"]
    assert "W&B: no answer within 2 s; asking for a page of 50 runs" in result.err
    assert "asking for a page of 25 runs" in result.err
    assert sum(1 for c in document["candidates"] if c["history"]) == 20


def test_a_slow_first_page_with_history_leaves_the_later_pages_their_size(
    wandb_server: WandbTestServer, env: dict[str, str]
) -> None:
    """The first page (with history) failing once is asked again at 10 runs; the pages of
    summaries after it keep the page size: the history was what weighed."""
    sweep(wandb_server, candidates=150, baselines=5, steps=20)
    wandb_server.inject_at(1, status(503))
    result = cli(env, "--format", "json", "--deadline", "20")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert (len(document["candidates"]), len(document["baselines"])) == (150, 5)
    firsts = [r.body["variables"]["first"] for r in wandb_server.requests]
    assert firsts[:4] == [20, 10, 100, 100]  # then the charted runs' history, by name
    assert "historySpecs" in wandb_server.requests[1].body["variables"]
    assert "historySpecs" not in wandb_server.requests[2].body["variables"]


def test_a_closed_port_fails_fast_saying_nothing_answers() -> None:
    """Connection refused: exit 3 within a few seconds, "nothing answers", no rate limits."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    result = cli({"WANDB_API_KEY": "k" * 40, "WANDB_BASE_URL": url})
    assert result.code == 3
    assert f"wandb-pr: error: Nothing answers at {url} (ConnectError: " in result.err
    assert "Tip: Check WANDB_BASE_URL" in result.err
    assert "rate" not in result.err
    assert result.elapsed < 5


def test_history_that_cannot_be_had_leaves_the_charts_out(
    wandb_server: WandbTestServer, env: dict[str, str]
) -> None:
    """The history request failing to the deadline: the report, no charts, a line saying why."""
    sweep(wandb_server, candidates=30, baselines=3, steps=20)
    for n in range(3, 40):  # page 1 (20 runs), page 2 (10), then history: 503 every time
        wandb_server.inject_at(n, status(503))
    result = cli(env, "--format", "markdown", "--deadline", "3")
    assert result.code == 0, result.err
    assert result.out.startswith("### ")
    assert "| m17 |" in result.out.replace("`", "")
    assert "```mermaid" not in result.out
    assert "> ⚠️ Charts left out: W&amp;B answered HTTP 503 to the history of 5 runs" in result.out
    assert "The verdict and the tables rest on the run summaries" in result.out
    assert result.elapsed < 3 + 1


def test_the_deadline_is_kept_when_nothing_is_answered(
    wandb_server: WandbTestServer, env: dict[str, str]
) -> None:
    """A W&B that never answers: the process ends within the deadline plus a second."""
    sweep(wandb_server, candidates=3, baselines=1, steps=5)
    wandb_server.hold_pages_over = 0
    result = cli(env, "--deadline", "2")
    assert result.code == 3
    assert "W&B took longer than 0.7 s to answer a page of 10 runs with history for" in result.err
    assert result.elapsed < 2 + 1


def test_an_exhausted_rate_limit_waits_for_its_reset(wandb_server: WandbTestServer) -> None:
    """``RateLimit-Remaining: 0`` with ``RateLimit-Reset: 2`` makes the next request wait 2 s."""
    headers = {"RateLimit-Remaining": "0", "RateLimit-Reset": "2"}
    wandb_server.inject(status(200, headers, {"data": {"viewer": None}}))
    waits: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    with httpx.Client() as http:
        client = WandbClient(
            http,
            api_key=wandb_server.api_key,
            base_url=wandb_server.base_url,
            retry=RetryPolicy(deadline=30),
            sleep=sleep,
            clock=lambda: now[0],
        )
        assert client.execute("query { viewer { username } }", {}) == {"viewer": None}
        assert waits == []
        answer = client.execute("query { viewer { username } }", {})
    assert answer == {"viewer": {"username": "tester"}}
    assert waits == [2.0]


def test_a_connection_that_times_out_is_nothing_answering() -> None:
    """A connect timeout twice (a host that drops packets) is "nothing answers", not slowness."""
    attempts: list[str] = []

    def drop(request: httpx.Request) -> httpx.Response:
        attempts.append(str(request.url))
        raise httpx.ConnectTimeout("timed out", request=request)

    with httpx.Client(transport=httpx.MockTransport(drop)) as http:
        client = WandbClient(
            http, api_key="k" * 40, base_url="http://10.255.255.1", sleep=lambda _: None
        )
        with pytest.raises(WandbUnavailable) as caught:
            client.execute("query { viewer { username } }", {})
    assert (
        caught.value.message
        == "Nothing answers at http://10.255.255.1 (ConnectTimeout: timed out)."
    )
    assert "WANDB_BASE_URL" in (caught.value.tip or "")
    assert attempts == ["http://10.255.255.1/graphql"] * 2


def test_a_running_candidate_brings_every_runs_history_for_the_comparison(
    wandb_server: WandbTestServer, env: dict[str, str]
) -> None:
    """A candidate still running: every run's history is fetched to compare at the same step."""
    sweep(wandb_server, candidates=30, baselines=3, steps=20)
    project = wandb_server.store.project("acme", "sweep")
    assert project is not None
    running = next(run for run in project.runs if run["name"] == "c0025")
    running["state"] = "running"
    running["summaryMetrics"]["_step"] = 9
    result = cli(env, "--format", "json", metrics=["m17", "m00"])
    assert result.code == 0, result.err
    firsts = [r.body["variables"]["first"] for r in wandb_server.requests]
    assert firsts == [20, 100, 10]  # two pages, then the 10 candidates beyond the first page
    document = json.loads(result.out)
    assert document["comparison"]["at_step"] == 9
    assert {m["provisional"] for m in document["comparison"]["metrics"]} == {True}
