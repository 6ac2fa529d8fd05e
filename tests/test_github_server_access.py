"""Keep the GitHub test server honest: auth, permissions, routing, rate limits, faults, hooks
and lifecycle, over raw HTTP (``test_github_server.py`` covers the endpoints)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.github_server import (
    GitHubTestServer,
    delay,
    parse_links,
    primary_rate_limit,
    reset,
    secondary_rate_limit,
    status,
)

OWNER, REPO = "acme", "detector"
R = f"/repos/{OWNER}/{REPO}"
C7 = f"{R}/issues/7/comments"
SHA_A = "a" * 40


@pytest.fixture
def api(github_server: GitHubTestServer) -> Iterator[httpx.Client]:
    """An authenticated client on the fixture server, with PR #7 (head SHA_A) in acme/detector."""
    github_server.add_pull(OWNER, REPO, 7, head_sha=SHA_A)
    with github_server.client() as client:
        yield client


def _said(response: httpx.Response) -> tuple[int, str]:
    """Status and message of a GitHub error answer."""
    return response.status_code, response.json()["message"]


# --- auth, permissions, routing ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "scheme", "code", "message"),
    [
        ("", "Bearer", 200, None),
        ("", "token", 200, None),
        ("", "Basic", 401, "Bad credentials"),
        ("ghs_wrong", "Bearer", 401, "Bad credentials"),
        (None, "Bearer", 401, "Requires authentication"),
    ],
)
def test_auth(
    github_server: GitHubTestServer, token: str | None, scheme: str, code: int, message: str | None
) -> None:
    """Bearer and token schemes with the right token pass; anything else is 401."""
    github_server.add_pull(OWNER, REPO, 7)
    with github_server.client(token=token, scheme=scheme) as client:
        response = client.get(C7)
    assert response.status_code == code
    if message:
        docs = "https://docs.github.com/rest"
        assert response.json() == {"message": message, "documentation_url": docs, "status": "401"}


def test_read_only_token_cannot_write() -> None:
    """A read-only (fork PR) token reads, but every write is 403 'Resource not accessible...'."""
    with GitHubTestServer(read_only=True) as server, server.client() as client:
        server.add_pull(OWNER, REPO, 7, head_sha=SHA_A)
        assert [client.get(p).status_code for p in (C7, f"{R}/pulls/7")] == [200, 200]
        writes = [
            client.post(C7, json={"body": "x"}),
            client.post(f"{R}/commits/{SHA_A}/comments", json={"body": "x"}),
            client.post(f"{R}/check-runs", json={"name": "n", "head_sha": SHA_A}),
            client.post(f"{R}/statuses/{SHA_A}", json={"state": "success"}),
        ]
        assert {_said(r) for r in writes} == {(403, "Resource not accessible by integration")}
        docs = "https://docs.github.com/rest/issues/comments#create-an-issue-comment"
        assert writes[0].json()["documentation_url"] == docs
        assert server.comments(OWNER, REPO, 7) == []
        assert server.check_runs(OWNER, REPO) == server.statuses(OWNER, REPO) == []


@pytest.mark.parametrize(
    ("permissions", "expected"),
    [
        ({"pull_requests": "read"}, (403, 403, 403, 403)),
        ({"pull-requests": "write"}, (201, 403, 403, 403)),
        ({"issues": "write"}, (201, 201, 403, 403)),
        ({"checks": "write", "statuses": "write"}, (403, 403, 201, 201)),
    ],
)
def test_permissions_are_enforced(permissions: dict[str, str], expected: tuple[int, ...]) -> None:
    """Comments need pull_requests/issues write (issues only for issues), checks/statuses theirs."""
    with GitHubTestServer(permissions=permissions) as server, server.client() as client:
        server.add_pull(OWNER, REPO, 7, head_sha=SHA_A)
        server.add_issue(OWNER, REPO, 8)
        got = (
            client.post(C7, json={"body": "x"}).status_code,
            client.post(f"{R}/issues/8/comments", json={"body": "x"}).status_code,
            client.post(f"{R}/check-runs", json={"name": "n", "head_sha": SHA_A}).status_code,
            client.post(f"{R}/statuses/{SHA_A}", json={"state": "success"}).status_code,
        )
    assert got == expected


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/user"),
        ("PUT", C7),
        ("GET", f"{C7}/"),
        ("GET", f"{R}/issues/comments/abc"),
        ("GET", "/repos/acme/other/issues/7/comments"),
        ("GET", f"{R}/issues/70/comments"),
        ("POST", f"{R}/issues/70/comments"),
    ],
)
def test_unknown_routes_methods_and_resources_are_404(
    api: httpx.Client, method: str, path: str
) -> None:
    """Unknown paths, unsupported methods, trailing slashes, repos and issues answer 404."""
    response = api.request(method, path, json={"body": "x"} if method != "GET" else None)
    assert _said(response) == (404, "Not Found")


def test_repository_names_are_case_insensitive_and_ids_route(
    github_server: GitHubTestServer, api: httpx.Client
) -> None:
    """/repos/ACME/Detector and /repositories/{id} reach the same repository."""
    github_server.add_comment(OWNER, REPO, 7, "hi")
    repo_id = github_server.add_repo(OWNER, REPO)["id"]
    upper = api.get("/repos/ACME/Detector/issues/7/comments").json()
    by_id = api.get(f"/repositories/{repo_id}/issues/7/comments").json()
    assert upper == by_id == github_server.comments(OWNER, REPO, 7)


def test_ghes_prefix() -> None:
    """With prefix=/api/v3 routes, Link headers and URLs carry the prefix; bare paths are 404."""
    with GitHubTestServer(prefix="/api/v3") as server, server.client() as client:
        host = server.base_url
        assert (server.api_url, server.server_url) == (f"{host}/api/v3", host)
        server.add_pull(OWNER, REPO, 7)
        for i in range(3):
            server.add_comment(OWNER, REPO, 7, f"c{i}")
        page = client.get(C7, params={"per_page": 2})
        assert parse_links(page.headers["Link"])["next"].startswith(f"{host}/api/v3/repositories/")
        assert page.json()[0]["url"].startswith(f"{host}/api/v3/repos/acme/detector/")
        assert page.json()[0]["html_url"].startswith(f"{host}/acme/detector/pull/7#")
        assert httpx.get(f"{host}{C7}", headers=client.headers).status_code == 404


# --- rate limits, faults, hooks, instrumentation -----------------------------------------------


def test_every_response_carries_rate_limit_headers(github_server: GitHubTestServer) -> None:
    """x-ratelimit-* are on 200, 401, 404 and faulted answers; remaining counts down."""
    github_server.add_pull(OWNER, REPO, 7)
    github_server.inject_at(4, status(502))
    with github_server.client() as client, github_server.client(token="bad") as bad:
        got = [client.get(C7), client.get(C7), bad.get(C7), client.get(C7), client.get("/x")]
    assert [r.status_code for r in got] == [200, 200, 401, 502, 404]
    names = ("limit", "remaining", "reset", "used", "resource")
    assert all(f"x-ratelimit-{n}" in r.headers for r in got for n in names)
    assert [r.headers["x-ratelimit-remaining"] for r in got] == ["999", "998", "998", "998", "997"]
    assert got[0].headers["x-ratelimit-resource"] == "core"
    assert int(got[0].headers["x-ratelimit-reset"]) > time.time()


def test_primary_rate_limit_is_enforced() -> None:
    """Past rate_limit requests in the hour, GitHub's 403 with remaining 0 answers."""
    with GitHubTestServer(rate_limit=2) as server, server.client() as client:
        server.add_pull(OWNER, REPO, 7)
        got = [client.get(f"{R}/pulls/7") for _ in range(3)]
    assert [r.status_code for r in got] == [200, 200, 403]
    assert got[2].headers["x-ratelimit-remaining"] == "0"
    assert got[2].json()["message"] == "API rate limit exceeded for installation ID 1."


def test_rate_limit_and_status_faults(github_server: GitHubTestServer, api: httpx.Client) -> None:
    """Secondary (403/429 + retry-after), primary (remaining 0 + reset) and 502 faults, in order."""
    limits = [secondary_rate_limit(30), secondary_rate_limit(5, code=429), primary_rate_limit(10)]
    github_server.inject(*limits, status(502))
    got = [api.get(f"{R}/pulls/7") for _ in range(5)]
    assert [r.status_code for r in got] == [403, 429, 403, 502, 200]
    assert [r.headers.get("retry-after") for r in got] == ["30", "5", None, None, None]
    assert int(got[0].headers["x-ratelimit-remaining"]) > 0
    assert "secondary rate limit" in got[0].json()["message"]
    assert got[2].headers["x-ratelimit-remaining"] == "0"
    assert abs(int(got[2].headers["x-ratelimit-reset"]) - (time.time() + 10)) < 5
    assert [r.fault for r in github_server.requests] == ["status"] * 4 + [None]


def test_reset_delay_and_inject_at(github_server: GitHubTestServer, api: httpx.Client) -> None:
    """reset() drops the connection, delay() slows one answer, inject_at targets request n."""
    github_server.inject(reset())
    github_server.inject_at(3, status(500))
    with pytest.raises(httpx.TransportError):
        api.get(f"{R}/pulls/7")
    github_server.inject(delay(0.2))
    started = time.monotonic()
    assert api.get(f"{R}/pulls/7").status_code == 200
    assert time.monotonic() - started >= 0.2
    assert api.get(f"{R}/pulls/7").status_code == 500
    assert github_server.pending_faults == 0
    assert github_server.requests[0].status is None


def test_comment_deleted_between_lookup_and_update(
    github_server: GitHubTestServer, api: httpx.Client
) -> None:
    """delete_comment_at(2, id): the list still shows the comment, the PATCH after it gets 404."""
    ours = api.post(C7, json={"body": "<!-- wandb-pr -->"}).json()
    github_server.delete_comment_at(2, ours["id"])
    assert [c["id"] for c in api.get(C7).json()] == [ours["id"]]
    assert api.patch(ours["url"], json={"body": "new"}).status_code == 404
    calls: list[int] = []
    github_server.on_request(1, lambda server: calls.append(server.request_count))
    assert api.get(C7).json() == []
    assert calls == [4]  # the 4th request is recorded, not yet answered


def test_requests_are_recorded(github_server: GitHubTestServer, api: httpx.Client) -> None:
    """Each request keeps method, path with query, headers and JSON body; counters reset."""
    api.post(C7, json={"body": "b"})
    api.get(f"{C7}?per_page=5")
    first, second = github_server.requests
    assert (first.method, first.path, first.body, first.status) == ("POST", C7, {"body": "b"}, 201)
    assert first.headers["Authorization"] == f"Bearer {github_server.token}"
    assert (second.method, second.path, second.body) == ("GET", f"{C7}?per_page=5", None)
    assert github_server.request_count == 2
    github_server.reset_counters()
    assert github_server.request_count == 0


def test_hook_errors_are_recorded_as_internal_errors() -> None:
    """A failing on_request callback lands in internal_errors (which fails the fixture's test)."""

    def boom(server: GitHubTestServer) -> None:
        raise RuntimeError("boom")

    with GitHubTestServer() as server, server.client() as client:
        server.on_request(1, boom)
        assert client.get("/nowhere").status_code == 404
    assert "RuntimeError: boom" in server.internal_errors[0]


def test_stop_closes_everything() -> None:
    """stop() closes the socket and keep-alive connections, is idempotent; data stays readable."""
    server = GitHubTestServer().start()
    server.add_pull(OWNER, REPO, 7)
    client = server.client()
    assert client.get(f"{R}/pulls/7").status_code == 200
    server.stop()
    server.stop()
    with pytest.raises(httpx.TransportError):
        client.get(f"{R}/pulls/7")
    client.close()
    with pytest.raises(RuntimeError):
        _ = server.api_url
    assert server.comments(OWNER, REPO, 7) == []
