"""Keep the W&B test server honest: the real wandb client and raw HTTP against it."""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.wandb_server import (
    WandbTestServer,
    delay,
    graphql_errors,
    malformed_json,
    rate_limited,
    reset,
    status,
)

RUNS_QUERY = """
query Runs($entity: String!, $project: String!, $filters: JSONString, $after: String,
           $first: Int, $order: String) {
  project(name: $project, entityName: $entity) {
    runCount(filters: $filters)
    runs(filters: $filters, after: $after, first: $first, order: $order) {
      totalCount
      edges { node { name } cursor }
      pageInfo { startCursor endCursor hasNextPage hasPreviousPage }
    }
  }
}
"""

RUN_QUERY = """
query Run($name: String!, $specs: [JSONString!]!) {
  project(name: "detector", entityName: "acme") {
    run(name: $name) { config summaryMetrics historyKeys sampledHistory(specs: $specs) }
  }
}
"""

# Ten steps; step 5 logged "lr" but no "loss".
HISTORY = [
    {"_step": i, "_runtime": 2 * i, **({"lr": 0.01} if i == 5 else {"loss": 1.0 / (i + 1)})}
    for i in range(10)
]


def _seed(server: WandbTestServer) -> None:
    """Five runs in acme/detector, created in this order."""
    add = server.add_run
    add("acme", "detector", id="abc123", display_name="baseline-1", tags=["baseline"],
        config={"github_sha": "deadbeef", "lr": 0.1, "model": {"depth": 3}},
        summary={"acc": 0.9, "loss": math.nan, "best": math.inf}, history=HISTORY,
        commit="deadbeef", notes="first")  # fmt: skip
    add("acme", "detector", id="def456", display_name="cand-1", tags=["candidate"],
        config={"github_sha": "cafef00d", "lr": 0.2}, summary={"acc": 0.8})  # fmt: skip
    add("acme", "detector", id="ghi789", display_name="cand-2", tags=["candidate", "nightly"],
        config={"github_sha": "cafef00d", "lr": 0.3}, state="crashed")  # fmt: skip
    add("acme", "detector", id="jkl012", display_name="baseline-2", group="g", state="running",
        config={"github_sha": "deadbeef", "lr": 0.4}, summary={"acc": 0.95})  # fmt: skip
    add("acme", "detector", id="mno345", display_name="old", tags=["baseline"], state="failed",
        config={"lr": 0.5}, summary={"acc": 0.5})  # fmt: skip


def _post(server: WandbTestServer, body: Any, *, auth: Any = "default") -> httpx.Response:
    """POST a raw body to the server's GraphQL endpoint (no proxies, no retries)."""
    key_auth = ("api", server.api_key) if auth == "default" else auth
    with httpx.Client(trust_env=False, timeout=10) as client:
        return client.post(server.graphql_url, json=body, auth=key_auth)


def _gql(server: WandbTestServer, query: str, **variables: Any) -> dict[str, Any]:
    """Run a GraphQL query; return the decoded body of its 200 answer."""
    response = _post(server, {"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return json.loads(response.text)  # type: ignore[no-any-return]


def _names(server: WandbTestServer, **variables: Any) -> list[str]:
    """Run ids of one page of ``project.runs``."""
    variables = {"entity": "acme", "project": "detector", **variables}
    body = _gql(server, RUNS_QUERY, **variables)
    assert "errors" not in body, body
    return [edge["node"]["name"] for edge in body["data"]["project"]["runs"]["edges"]]


def _api(server: WandbTestServer, timeout: int = 20) -> Any:
    """The real ``wandb.Api`` pointed at the server."""
    import wandb

    return wandb.Api(
        overrides={"base_url": server.base_url}, api_key=server.api_key, timeout=timeout
    )


# --- the real wandb client ------------------------------------------------------------------

FILTER_CASES = [
    ({"config.github_sha": "deadbeef"}, ["abc123", "jkl012"]),
    ({"config.github_sha.value": "cafef00d"}, ["def456", "ghi789"]),
    ({"tags": {"$in": ["nightly", "baseline"]}}, ["abc123", "ghi789", "mno345"]),
    ({"$and": [{"config.github_sha": "cafef00d"}, {"state": "finished"}]}, ["def456"]),
    ({"$or": [{"state": "crashed"}, {"config.lr": {"$gte": 0.4}}]}, ["ghi789", "jkl012", "mno345"]),
    ({"state": {"$ne": "finished"}}, ["ghi789", "jkl012", "mno345"]),
    ({"config.github_sha": {"$exists": False}}, ["mno345"]),
    ({"summary_metrics.acc": {"$gt": 0.85}}, ["abc123", "jkl012"]),
    ({"display_name": {"$regex": "^cand"}}, ["def456", "ghi789"]),
    ({}, ["abc123", "def456", "ghi789", "jkl012", "mno345"]),
]


def test_real_client_filters_runs(wandb_server: WandbTestServer, wandb_env: dict[str, str]) -> None:
    """The real wandb.Api lists exactly the runs each filter selects, with runCount agreeing."""
    _seed(wandb_server)
    api = _api(wandb_server)
    for filters, expected in FILTER_CASES:
        runs = api.runs("acme/detector", filters)
        assert [run.id for run in runs] == expected, filters
        assert len(runs) == len(expected), filters


def test_real_client_paginates(wandb_server: WandbTestServer, wandb_env: dict[str, str]) -> None:
    """With per_page=2 the real client follows cursors through 3 pages, in the asked order."""
    _seed(wandb_server)
    api = _api(wandb_server)
    wandb_server.reset_counters()
    runs = api.runs("acme/detector", per_page=2)
    assert [run.id for run in runs] == ["abc123", "def456", "ghi789", "jkl012", "mno345"]
    pages = [r for r in wandb_server.requests if r.operation_name == "Runs"]
    assert len(pages) == 3
    assert [p.body["variables"]["perPage"] for p in pages] == [2, 2, 2]
    assert pages[0].body["variables"]["cursor"] is None
    assert all(p.body["variables"]["cursor"] for p in pages[1:])
    newest = api.runs("acme/detector", order="-created_at", per_page=2)
    assert [run.id for run in newest] == ["mno345", "jkl012", "ghi789", "def456", "abc123"]
    by_acc = api.runs("acme/detector", order="-summary_metrics.acc", per_page=2)
    assert [run.id for run in by_acc] == ["jkl012", "abc123", "def456", "mno345", "ghi789"]


def test_real_client_reads_run_fields(
    wandb_server: WandbTestServer, wandb_env: dict[str, str]
) -> None:
    """The real client reads back config, summary (NaN, inf), tags, state, url and history."""
    _seed(wandb_server)
    api = _api(wandb_server)
    run = next(iter(api.runs("acme/detector", {"config.github_sha": "deadbeef"})))
    assert (run.id, run.name, run.state) == ("abc123", "baseline-1", "finished")
    assert run.tags == ["baseline"]
    assert run.config == {"github_sha": "deadbeef", "lr": 0.1, "model": {"depth": 3}}
    summary = dict(run.summary)
    assert summary["acc"] == 0.9
    assert math.isnan(summary["loss"])
    assert summary["best"] == math.inf
    assert (run.commit, run.notes, run.created_at) == ("deadbeef", "first", "2024-01-01T12:02:00")
    assert run.url == f"{wandb_server.base_url}/acme/detector/runs/abc123"
    loss = run.history(keys=["loss"], pandas=False)
    assert loss == [
        {"_step": row["_step"], "loss": row["loss"]} for row in HISTORY if "loss" in row
    ]
    assert run.history(pandas=False) == HISTORY
    sampled = run.history(samples=3, pandas=False)
    assert sampled == [HISTORY[0], HISTORY[5], HISTORY[-1]]
    thinned = run.history(keys=["loss"], samples=4, pandas=False)
    assert [row["_step"] for row in thinned] == [0, 3, 6, 9]


def test_real_client_errors(wandb_server: WandbTestServer, wandb_env: dict[str, str]) -> None:
    """A wrong key, an unknown project and an invalid filter fail in the real client."""
    import wandb

    _seed(wandb_server)
    with pytest.raises(wandb.errors.AuthenticationError, match="not logged in"):
        wandb.Api(overrides={"base_url": wandb_server.base_url}, api_key="b" * 40)
    api = _api(wandb_server)
    with pytest.raises(ValueError, match="Could not find project nope"):
        len(api.runs("acme/nope"))
    with pytest.raises(Exception, match=r"unknown operator \$foo"):
        len(api.runs("acme/detector", {"$foo": 1}))
    assert not wandb_server.internal_errors


def test_real_client_honours_retry_after(
    wandb_server: WandbTestServer, wandb_env: dict[str, str]
) -> None:
    """The real client retries a 429 after its Retry-After (1 s) and then succeeds."""
    _seed(wandb_server)
    api = _api(wandb_server)
    assert api.default_entity == "acme"  # asked once, before the fault
    wandb_server.reset_counters()
    wandb_server.inject(rate_limited(1))
    started = time.monotonic()
    assert len(api.runs("acme/detector")) == 5
    assert time.monotonic() - started >= 0.9
    assert [(r.operation_name, r.status) for r in wandb_server.requests] == [
        ("Runs", 429),
        ("Runs", 200),
    ]


@pytest.mark.slow
def test_real_client_survives_transient_faults(
    wandb_server: WandbTestServer, wandb_env: dict[str, str]
) -> None:
    """The real client retries a 503 (after ~2 s) and gives up on malformed JSON."""
    _seed(wandb_server)
    api = _api(wandb_server)
    assert api.default_entity == "acme"
    wandb_server.reset_counters()
    wandb_server.inject(status(503))
    assert len(api.runs("acme/detector", {"state": "finished"})) == 2
    assert [r.status for r in wandb_server.requests] == [503, 200]
    wandb_server.inject(malformed_json())
    with pytest.raises(Exception, match="unexpected EOF"):
        len(api.runs("acme/detector", {"state": "crashed"}))


# --- raw HTTP: auth, GraphQL semantics ------------------------------------------------------


@pytest.mark.parametrize(
    "auth", [None, ("api", "wrong" * 8), ("user", "fakekey0" * 5)], ids=["none", "key", "user"]
)
def test_auth_required(wandb_server: WandbTestServer, auth: Any) -> None:
    """A missing or wrong Basic credential gets HTTP 401 with a W&B-style JSON error."""
    response = _post(wandb_server, {"query": "{ viewer { username } }"}, auth=auth)
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "user is not logged in"
    assert _post(wandb_server, {"query": "{ viewer { username } }"}).status_code == 200


def test_unknown_project_is_null(wandb_server: WandbTestServer) -> None:
    """project(...) is null, without errors, for an unknown project or entity."""
    _seed(wandb_server)
    for entity, project in [("acme", "nope"), ("other", "detector")]:
        body = _gql(wandb_server, RUNS_QUERY, entity=entity, project=project)
        assert body == {"data": {"project": None}}


@pytest.mark.parametrize(
    ("filters", "fragment"),
    [("{not json", "not JSON"), ('{"$foo": 1}', "unknown operator $foo"), ("[1]", "JSON object")],
)
def test_invalid_filter_is_graphql_error(
    wandb_server: WandbTestServer, filters: str, fragment: str
) -> None:
    """An invalid filter string is a GraphQL error (HTTP 200, errors with a path), like W&B."""
    _seed(wandb_server)
    body = _gql(wandb_server, RUNS_QUERY, entity="acme", project="detector", filters=filters)
    assert body["data"] == {"project": None}
    assert fragment in body["errors"][0]["message"]
    assert body["errors"][0]["path"][0] == "project"


def test_cursor_pagination(wandb_server: WandbTestServer) -> None:
    """Cursors walk the runs 2 at a time; pageInfo, runCount and totalCount are right."""
    _seed(wandb_server)
    seen, after, pages = [], None, []
    while True:
        body = _gql(
            wandb_server, RUNS_QUERY, entity="acme", project="detector", first=2, after=after
        )
        project = body["data"]["project"]
        assert project["runCount"] == project["runs"]["totalCount"] == 5
        edges, info = project["runs"]["edges"], project["runs"]["pageInfo"]
        assert info["endCursor"] == edges[-1]["cursor"]
        assert info["startCursor"] == edges[0]["cursor"]
        assert info["hasPreviousPage"] is (after is not None)
        seen += [edge["node"]["name"] for edge in edges]
        pages.append(info["hasNextPage"])
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert seen == ["abc123", "def456", "ghi789", "jkl012", "mno345"]
    assert pages == [True, True, False]
    assert _names(wandb_server) == seen  # first defaults to 50
    body = _gql(wandb_server, RUNS_QUERY, entity="acme", project="detector", after="bogus")
    assert "invalid cursor" in body["errors"][0]["message"]
    wandb_server.max_page_size = 3
    assert len(_names(wandb_server, first=100)) == 3


def test_pagination_property(wandb_server: WandbTestServer) -> None:
    """Any page size visits every run once, in the order one big page gives (ties included)."""
    client = httpx.Client(trust_env=False, auth=("api", wandb_server.api_key))

    def walk(first: int, order: str) -> list[str]:
        seen: list[str] = []
        after = None
        while True:
            variables = {"entity": "acme", "project": "p", "first": first, "after": after}
            body = {"query": RUNS_QUERY, "variables": {**variables, "order": order}}
            runs = client.post(wandb_server.graphql_url, json=body).json()["data"]["project"][
                "runs"
            ]
            seen += [edge["node"]["name"] for edge in runs["edges"]]
            if not runs["pageInfo"]["hasNextPage"]:
                return seen
            after = runs["pageInfo"]["endCursor"]

    orders = ["+created_at", "-created_at", "+summary_metrics.acc", "-summary_metrics.acc"]

    @settings(max_examples=40, deadline=None)
    @given(
        accs=st.lists(st.none() | st.integers(0, 3), max_size=12),
        page=st.integers(1, 5),
        order=st.sampled_from(orders),
    )
    def check(accs: list[int | None], page: int, order: str) -> None:
        wandb_server.store.projects.clear()
        wandb_server.add_project("acme", "p")
        ids = [f"r{i:02d}" for i in range(len(accs))]
        for run_id, acc in zip(ids, accs, strict=True):
            wandb_server.add_run(
                "acme", "p", id=run_id, summary={} if acc is None else {"acc": acc}
            )
        whole = walk(50, order)
        assert sorted(whole) == ids
        assert walk(page, order) == whole
        if order.endswith("created_at"):
            assert whole == (ids if order[0] == "+" else ids[::-1])

    with client:
        check()


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("+summary_metrics.acc", ["mno345", "def456", "abc123", "jkl012", "ghi789"]),
        ("-config.lr.value", ["mno345", "jkl012", "ghi789", "def456", "abc123"]),
        ("+config.lr", ["abc123", "def456", "ghi789", "jkl012", "mno345"]),
        ("-heartbeat_at", ["mno345", "jkl012", "ghi789", "def456", "abc123"]),
        ("+config.model.value.depth", ["abc123", "def456", "ghi789", "jkl012", "mno345"]),
        ("+bogus", None),
    ],
)
def test_orders(wandb_server: WandbTestServer, order: str, expected: list[str] | None) -> None:
    """Runs sort by W&B's order strings, runs lacking the value last; unknown orders fail."""
    _seed(wandb_server)
    if expected is not None:
        assert _names(wandb_server, order=order) == expected
    else:
        body = _gql(wandb_server, RUNS_QUERY, entity="acme", project="detector", order=order)
        assert "invalid order '+bogus'" in body["errors"][0]["message"]


def test_field_encodings(wandb_server: WandbTestServer) -> None:
    """config is wrapped JSON text, summaries keep NaN tokens, sampledHistory follows specs."""
    _seed(wandb_server)
    specs = [json.dumps({"keys": ["_step", "loss"], "samples": 3}), json.dumps({"keys": ["lr"]})]
    run = _gql(wandb_server, RUN_QUERY, name="abc123", specs=specs)["data"]["project"]["run"]
    config = json.loads(run["config"])
    assert config["lr"] == {"value": 0.1, "desc": None}
    assert config["model"] == {"value": {"depth": 3}, "desc": None}
    assert "_wandb" in config
    assert "NaN" in run["summaryMetrics"]
    assert "Infinity" in run["summaryMetrics"]
    assert json.loads(run["summaryMetrics"])["acc"] == 0.9
    assert run["historyKeys"]["lastStep"] == 9
    assert run["historyKeys"]["keys"]["loss"]["typeCounts"] == [{"type": "number", "count": 9}]
    assert run["sampledHistory"] == [
        [{"_step": 0, "loss": 1.0}, {"_step": 4, "loss": 0.2}, {"_step": 9, "loss": 0.1}],
        [{"lr": 0.01}],
    ]
    wandb_server.add_run("acme", "detector", id="nan1", history=[{"_step": 0, "x": -math.inf}])
    run = _gql(wandb_server, RUN_QUERY, name="nan1", specs=[json.dumps({"keys": ["x"]})])
    assert run["data"]["project"]["run"]["sampledHistory"] == [[{"x": "-Infinity"}]]  # strict JSON


def test_aliases_share_one_request(wandb_server: WandbTestServer) -> None:
    """Two aliased project selections are answered in one HTTP request, which is counted."""
    _seed(wandb_server)
    wandb_server.add_run("acme", "baselines", id="base01")
    wandb_server.reset_counters()
    query = """query Both { a: project(name: "detector", entityName: "acme") { runCount }
                            b: project(name: "baselines", entityName: "acme") {
                              runs { edges { node { name } } } } }"""
    body = _gql(wandb_server, query)
    assert body["data"]["a"] == {"runCount": 5}
    assert body["data"]["b"]["runs"]["edges"] == [{"node": {"name": "base01"}}]
    assert wandb_server.graphql_request_count == 1
    request = wandb_server.requests[0]
    assert (request.method, request.path, request.operation_name) == ("POST", "/graphql", "Both")
    assert request.headers["Authorization"].startswith("Basic ")
    assert request.body["query"] == query
    wandb_server.reset_counters()
    assert wandb_server.graphql_request_count == 0


def test_http_edges(wandb_server: WandbTestServer) -> None:
    """Query strings are accepted, other paths 404, GET 405, non-JSON 400; introspection works."""
    with httpx.Client(trust_env=False, auth=("api", wandb_server.api_key)) as client:
        url = wandb_server.graphql_url
        ok = client.post(f"{url}?op=viewer", json={"query": "{ viewer { entity } }"})
        assert ok.json() == {"data": {"viewer": {"entity": "acme"}}}
        assert client.post(f"{wandb_server.base_url}/other", json={}).status_code == 404
        assert client.get(url).status_code == 405
        assert client.post(url, content=b"not json").status_code == 400
        probe = {"query": '{ __type(name: "Run") { fields { name } } }'}
        fields = {
            f["name"] for f in client.post(url, json=probe).json()["data"]["__type"]["fields"]
        }
        assert {"config", "summaryMetrics", "sampledHistory", "historyKeys"} <= fields
    assert wandb_server.graphql_request_count == 4


# --- raw HTTP: faults, latency, concurrency, lifecycle --------------------------------------

VIEWER = {"query": "query Me { viewer { username } }"}


def test_status_faults_in_order(wandb_server: WandbTestServer) -> None:
    """Queued faults hit the next requests in order, with their status, headers and body."""
    when = datetime(2030, 1, 1, tzinfo=timezone.utc)
    wandb_server.inject(status(503), rate_limited(2), rate_limited(when), status(502, body="bad"))
    first, second, third, fourth = (_post(wandb_server, VIEWER) for _ in range(4))
    assert (first.status_code, first.json()["errors"][0]["message"]) == (503, "injected HTTP 503")
    assert (second.status_code, second.headers["Retry-After"]) == (429, "2")
    assert second.headers["RateLimit-Remaining"] == "0"
    assert third.headers["Retry-After"] == "Tue, 01 Jan 2030 00:00:00 GMT"
    assert (fourth.status_code, fourth.text) == (502, "bad")
    assert _post(wandb_server, VIEWER).status_code == 200
    assert [r.fault for r in wandb_server.requests] == ["status"] * 4 + [None]


def test_malformed_json_fault(wandb_server: WandbTestServer) -> None:
    """malformed_json() answers a complete HTTP 200 whose body is truncated JSON."""
    wandb_server.inject(malformed_json())
    response = _post(wandb_server, VIEWER)
    assert response.status_code == 200
    assert response.text.startswith('{"data"')
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_reset_fault(wandb_server: WandbTestServer) -> None:
    """reset() drops the connection without a response; the next request is served."""
    wandb_server.inject(reset())
    with pytest.raises(httpx.TransportError):
        _post(wandb_server, VIEWER)
    assert _post(wandb_server, VIEWER).status_code == 200
    assert wandb_server.requests[0].status is None


def test_graphql_errors_fault(wandb_server: WandbTestServer) -> None:
    """graphql_errors() adds an errors array to 200 answers, with or without the data."""
    wandb_server.inject(graphql_errors("boom"), graphql_errors("gone", partial_data=False))
    partial, empty = _post(wandb_server, VIEWER).json(), _post(wandb_server, VIEWER).json()
    assert partial == {
        "data": {"viewer": {"username": "tester"}},
        "errors": [{"message": "boom", "path": ["viewer"]}],
    }
    assert empty == {"data": None, "errors": [{"message": "gone", "path": ["viewer"]}]}


def test_delay_latency_and_inject_at(wandb_server: WandbTestServer) -> None:
    """delay() slows one answer, latency every answer; inject_at targets the n-th request."""
    wandb_server.inject(delay(0.3))
    wandb_server.inject_at(2, status(500))
    started = time.monotonic()
    assert _post(wandb_server, VIEWER).status_code == 200
    assert time.monotonic() - started >= 0.3
    assert _post(wandb_server, VIEWER).status_code == 500
    wandb_server.latency = 0.2
    started = time.monotonic()
    assert _post(wandb_server, VIEWER).status_code == 200
    assert time.monotonic() - started >= 0.2
    assert wandb_server.pending_faults == 0


def test_concurrent_requests_and_disconnects(wandb_server: WandbTestServer) -> None:
    """Requests are served concurrently, and a client hanging up mid-request harms nothing."""
    _seed(wandb_server)
    wandb_server.latency = 0.3
    with socket.create_connection(("127.0.0.1", wandb_server.port)) as sock:
        sock.sendall(b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{")
    results: list[list[str]] = []
    threads = [
        threading.Thread(target=lambda: results.append(_names(wandb_server))) for _ in range(8)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started < 8 * 0.3
    assert len(results) == 8
    assert all(names == results[0] for names in results)


def test_stop_closes_everything() -> None:
    """stop() closes the listening socket and keep-alive connections; it is idempotent."""
    server = WandbTestServer().start()
    client = httpx.Client(trust_env=False, auth=("api", server.api_key))
    assert client.post(server.graphql_url, json=VIEWER).status_code == 200
    url = server.graphql_url
    server.stop()
    server.stop()
    with pytest.raises(httpx.TransportError):
        client.post(url, json=VIEWER)
    client.close()
    with pytest.raises(RuntimeError):
        _ = server.base_url
