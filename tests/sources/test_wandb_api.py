"""The W&B run source against the loopback W&B test server: requests, pages, errors, retries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.wandb_server import WandbTestServer
from tests.wandb_server.faults import graphql_errors, malformed_json, rate_limited, reset, status
from wandb_pr.errors import ProjectNotFound, WandbAuthError, WandbQueryError, WandbUnavailable
from wandb_pr.models import RunState
from wandb_pr.retry import RetryPolicy
from wandb_pr.selection import build_selection
from wandb_pr.settings import Settings
from wandb_pr.sources.wandb_api import WandbClient, WandbRunSource, app_url_for

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """A plain httpx client, closed after the test."""
    with httpx.Client() as client:
        yield client


def source_for(
    server: WandbTestServer, http: httpx.Client, *, key: str | None = None, **policy: Any
) -> tuple[WandbRunSource, WandbClient, list[float]]:
    """A run source on the test server whose retry waits are recorded instead of slept."""
    waits: list[float] = []
    client = WandbClient(
        http,
        api_key=key if key is not None else server.api_key,
        base_url=server.base_url,
        retry=RetryPolicy(**policy),
        sleep=waits.append,
    )
    return WandbRunSource(client), client, waits


def populate(server: WandbTestServer, candidates: int, baselines: int) -> None:
    """Candidate runs of SHA (config key) and tagged baselines, with history."""
    for i in range(candidates):
        server.add_run(
            "acme",
            "detector",
            id=f"cand{i:03d}",
            display_name=f"seed-{i}",
            config={"github_sha": SHA, "lr": 0.01, "seed": i},
            summary={"val_loss": 0.5 + i / 100, "_step": 9},
            history=[{"_step": s, "val_loss": 1.0 / (s + 1)} for s in range(10)],
            commit=SHA if i % 2 else None,
        )
    for i in range(baselines):
        server.add_run(
            "acme",
            "detector",
            id=f"base{i:03d}",
            tags=["baseline"],
            config={"github_sha": f"old{i:07d}"},
            summary={"val_loss": 0.6},
        )
    server.add_run("acme", "detector", id="unrelated", config={"github_sha": "other0000"})


def selection(**extra: Any) -> Any:
    """The usual selection: SHA candidates, 'baseline' tag, val_loss history."""
    settings = Settings(
        entity="acme", project="detector", sha=SHA, baseline_tags=("baseline",), **extra
    )
    return build_selection(settings, history_keys=("val_loss",))


def test_one_request_when_each_side_fits_a_page(
    wandb_server: WandbTestServer, http: httpx.Client
) -> None:
    """Candidates, baselines, config, summary and history come back in exactly one request."""
    populate(wandb_server, candidates=5, baselines=3)
    source, client, _ = source_for(wandb_server, http)
    run_set = source.fetch(selection())
    assert wandb_server.graphql_request_count == 1
    assert client.requests_sent == 1
    assert [r.id for r in run_set.candidates] == [f"cand{i:03d}" for i in range(5)]
    assert [r.id for r in run_set.baselines] == ["base000", "base001", "base002"]
    first = run_set.candidates[0]
    assert first.config == {"github_sha": SHA, "lr": 0.01, "seed": 0}
    assert first.summary == {"val_loss": 0.5, "_step": 9}
    assert first.history["val_loss"][:2] == ((0.0, 1.0), (1.0, 0.5))
    assert first.state is RunState.FINISHED
    assert first.url == f"{wandb_server.base_url}/acme/detector/runs/cand000"
    assert first.name == "seed-0"
    assert run_set.candidates[1].commit == SHA


def test_pages_each_side_by_its_last_cursor(
    wandb_server: WandbTestServer, http: httpx.Client
) -> None:
    """Seven candidates and five baselines in pages of three take three requests, nothing lost."""
    populate(wandb_server, candidates=7, baselines=5)
    source, _, _ = source_for(wandb_server, http)
    run_set = source.fetch(selection(page_size=3))
    assert [r.id for r in run_set.candidates] == [f"cand{i:03d}" for i in range(7)]
    assert [r.id for r in run_set.baselines] == [f"base{i:03d}" for i in range(5)]
    bodies = [r.body for r in wandb_server.requests]
    assert len(bodies) == 3
    assert "baselines:" in bodies[1]["query"]
    assert "baselines:" not in bodies[2]["query"]  # the baselines ran out after two pages
    assert bodies[2]["variables"]["candidatesCursor"] is not None


def test_bad_key_is_an_auth_error_without_the_key(
    wandb_server: WandbTestServer, http: httpx.Client
) -> None:
    """A 401 says the key was rejected, where to get one, and never shows the key."""
    populate(wandb_server, 1, 0)
    wrong = "wrongkey" * 5
    source, _, _ = source_for(wandb_server, http, key=wrong)
    with pytest.raises(WandbAuthError) as caught:
        source.fetch(selection())
    assert caught.value.message == (
        f"W&B rejected the API key (HTTP 401 at {wandb_server.base_url}/graphql)."
    )
    assert f"{wandb_server.base_url}/authorize" in (caught.value.tip or "")
    assert wrong not in str(caught.value) + (caught.value.tip or "")
    assert wandb_server.graphql_request_count == 1  # a 401 is never retried


def test_unknown_project(wandb_server: WandbTestServer, http: httpx.Client) -> None:
    """project: null becomes a message naming the entity/project tried."""
    source, _, _ = source_for(wandb_server, http)
    with pytest.raises(ProjectNotFound) as caught:
        source.fetch(selection())
    assert caught.value.message.startswith(
        "W&B project acme/detector was not found, or this API key cannot see it"
    )


def test_graphql_errors_in_a_200_are_errors(
    wandb_server: WandbTestServer, http: httpx.Client
) -> None:
    """An errors array fails the fetch even when partial data came with it."""
    populate(wandb_server, 1, 0)
    wandb_server.inject(graphql_errors("filter is too complex"))
    source, _, _ = source_for(wandb_server, http)
    with pytest.raises(WandbQueryError, match="W&B answered with GraphQL errors: filter is too"):
        source.fetch(selection())


def test_server_rejects_what_it_cannot_evaluate(
    wandb_server: WandbTestServer, http: httpx.Client
) -> None:
    """A filter W&B cannot evaluate comes back as a clear query error."""
    populate(wandb_server, 1, 0)
    _, client, _ = source_for(wandb_server, http)
    document = (
        'query Q($f: JSONString) { p: project(name: "detector", entityName: "acme") '
        "{ runs(filters: $f) { edges { node { name } } } } }"
    )
    with pytest.raises(WandbQueryError, match="GraphQL errors"):
        client.execute(document, {"f": json.dumps({"$where": "1"})})


@pytest.mark.parametrize(
    "fault",
    [status(500), status(502), status(503), rate_limited(2), malformed_json(), reset()],
    ids=["500", "502", "503", "429", "malformed-json", "connection-reset"],
)
def test_transient_faults_are_retried(
    wandb_server: WandbTestServer, http: httpx.Client, fault: Any
) -> None:
    """Each transient fault is retried and the fetch then succeeds with the right runs."""
    populate(wandb_server, 2, 1)
    wandb_server.inject(fault)
    source, _, waits = source_for(wandb_server, http)
    run_set = source.fetch(selection())
    assert [r.id for r in run_set.candidates] == ["cand000", "cand001"]
    assert wandb_server.graphql_request_count == 2
    assert len(waits) == 1


def test_retry_after_is_waited(wandb_server: WandbTestServer, http: httpx.Client) -> None:
    """A 429's Retry-After sets the wait before the next attempt."""
    populate(wandb_server, 1, 0)
    wandb_server.inject(rate_limited(7))
    source, _, waits = source_for(wandb_server, http)
    source.fetch(selection())
    assert waits == [7.0]


def test_500s_until_the_budget_runs_out(wandb_server: WandbTestServer, http: httpx.Client) -> None:
    """Persistent 500s end in WandbUnavailable after the attempts the policy allows."""
    populate(wandb_server, 1, 0)
    wandb_server.inject(*[status(500)] * 10)
    source, _, waits = source_for(wandb_server, http, max_attempts=4)
    with pytest.raises(WandbUnavailable) as caught:
        source.fetch(selection())
    assert caught.value.message.startswith(
        "W&B answered HTTP 500 to a page of 10 runs with history for 1 metric (4 attempts in "
    )
    assert "rate" not in caught.value.message + (caught.value.tip or "")
    assert "status.wandb.com" in (caught.value.tip or "")
    assert wandb_server.graphql_request_count == 4
    assert len(waits) == 3


def test_wrong_base_url_path(wandb_server: WandbTestServer, http: httpx.Client) -> None:
    """A base URL that is not the server root gets a 404 message about WANDB_BASE_URL."""
    client = WandbClient(http, api_key=wandb_server.api_key, base_url=wandb_server.base_url + "/x")
    with pytest.raises(WandbQueryError, match=r"No W&B API at .*/x/graphql \(HTTP 404\)"):
        WandbRunSource(client).fetch(selection())


@pytest.mark.parametrize(
    ("base", "app"),
    [
        ("https://api.wandb.ai", "https://wandb.ai"),
        ("https://wandb.example.com", "https://wandb.example.com"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
    ],
)
def test_app_url(base: str, app: str) -> None:
    """Run links point at the app: api.wandb.ai -> wandb.ai, self-hosted unchanged."""
    assert app_url_for(base) == app
