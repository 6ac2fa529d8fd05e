"""Keep the GitHub test server honest: its endpoints, over raw HTTP (see also
``test_github_server_access.py`` for auth, permissions, rate limits and faults)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.github_server import GitHubTestServer, parse_links

OWNER, REPO = "acme", "detector"
R = f"/repos/{OWNER}/{REPO}"
C7 = f"{R}/issues/7/comments"
SHA_A, SHA_C = "a" * 40, "c" * 40
NOTE = {
    "path": "a.py",
    "start_line": 1,
    "end_line": 1,
    "annotation_level": "notice",
    "message": "m",
}
OUTPUT = {"title": "t", "summary": "s" * 65_535, "annotations": [NOTE] * 50}
INVALID = "Invalid request.\n\n"


@pytest.fixture
def api(github_server: GitHubTestServer) -> Iterator[httpx.Client]:
    """An authenticated client on the fixture server, with PR #7 (head SHA_A) in acme/detector."""
    github_server.add_pull(OWNER, REPO, 7, head_sha=SHA_A)
    with github_server.client() as client:
        yield client


def _links(response: httpx.Response) -> dict[str, str]:
    """The ``Link`` header as ``{rel: url}``."""
    return parse_links(response.headers.get("Link", ""))


def _pages(response: httpx.Response) -> dict[str, int]:
    """The ``Link`` header as ``{rel: page number}``."""
    return {rel: int(httpx.URL(url).params["page"]) for rel, url in _links(response).items()}


def _said(response: httpx.Response) -> tuple[int, str]:
    """Status and message; for ``Validation Failed``, the first error's message."""
    data = response.json()
    return response.status_code, (data.get("errors") or [data])[0]["message"]


# --- comments: pagination, CRUD, limits ------------------------------------------------------


def test_pagination_link_headers_across_three_pages(
    github_server: GitHubTestServer, api: httpx.Client
) -> None:
    """Three pages carry GitHub's next/last, prev/next/last/first and prev/first absolute links."""
    ids = [github_server.add_comment(OWNER, REPO, 7, f"c{i}")["id"] for i in range(7)]
    first = api.get(C7, params={"per_page": 3})
    repo_id = github_server.add_repo(OWNER, REPO)["id"]
    base = f"{github_server.api_url}/repositories/{repo_id}/issues/7/comments?per_page=3&page="
    assert first.headers["Link"] == f'<{base}2>; rel="next", <{base}3>; rel="last"'
    second = api.get(_links(first)["next"])
    assert _pages(second) == {"prev": 1, "next": 3, "last": 3, "first": 1}
    assert list(_pages(second)) == ["prev", "next", "last", "first"]
    third = api.get(_links(second)["next"])
    assert _pages(third) == {"prev": 2, "first": 1}
    assert [len(p.json()) for p in (first, second, third)] == [3, 3, 1]
    assert [c["id"] for p in (first, second, third) for c in p.json()] == ids == sorted(ids)


def test_per_page_default_max_and_single_page(
    github_server: GitHubTestServer, api: httpx.Client
) -> None:
    """per_page defaults to 30 and caps at 100; junk values fall back; one page has no Link."""
    for i in range(120):
        github_server.add_comment(OWNER, REPO, 7, f"c{i}")
    default = api.get(C7)
    assert (len(default.json()), _pages(default)["last"]) == (30, 4)
    capped = api.get(C7, params={"per_page": 500})
    assert (len(capped.json()), _pages(capped)["last"]) == (100, 2)
    assert len(api.get(C7, params={"per_page": "x"}).json()) == 30
    assert api.get(C7, params={"page": 9}).json() == []
    github_server.add_pull(OWNER, REPO, 8)
    github_server.add_comment(OWNER, REPO, 8, "only")
    single = api.get(f"{R}/issues/8/comments")
    assert "Link" not in single.headers
    assert [c["body"] for c in single.json()] == ["only"]


_numbers = itertools.count(100)


@settings(max_examples=25, deadline=None)
@given(total=st.integers(0, 40), per_page=st.integers(1, 12))
def test_following_next_yields_every_comment_once(total: int, per_page: int) -> None:
    """Following rel=next from page 1 visits every comment once, ascending, in `last` pages."""
    with GitHubTestServer() as server, server.client() as client:
        number = next(_numbers)
        server.add_pull(OWNER, REPO, number)
        ids = [server.add_comment(OWNER, REPO, number, "x")["id"] for _ in range(total)]
        url: str | None = f"{R}/issues/{number}/comments?per_page={per_page}"
        seen: list[int] = []
        responses = []
        while url:
            responses.append(client.get(url))
            seen += [c["id"] for c in responses[-1].json()]
            url = _links(responses[-1]).get("next")
    expected_pages = max(1, -(-total // per_page))
    assert seen == ids
    assert len(responses) == expected_pages
    assert _pages(responses[0]).get("last", 1) == expected_pages


def test_comment_create_get_update_delete(
    github_server: GitHubTestServer, api: httpx.Client
) -> None:
    """POST 201 (bot user, Location), GET, PATCH 200 moving updated_at, DELETE 204, then 404s."""
    created = api.post(C7, json={"body": "hello"})
    comment = created.json()
    assert (created.status_code, created.headers["Location"]) == (201, comment["url"])
    assert comment["user"] == comment["user"] | {"login": "github-actions[bot]", "type": "Bot"}
    page = f"https://github.com/{OWNER}/{REPO}/pull/7"
    assert comment["html_url"] == f"{page}#issuecomment-{comment['id']}"
    assert {"id", "node_id", "body", "url", "issue_url", "created_at", "updated_at"} <= set(comment)
    url = f"{R}/issues/comments/{comment['id']}"
    assert api.get(url).json() == comment
    updated = api.patch(url, json={"body": "edited"})
    assert (updated.status_code, updated.json()["body"]) == (200, "edited")
    assert updated.json()["updated_at"] > comment["updated_at"] == comment["created_at"]
    deleted = api.delete(url)
    assert (deleted.status_code, deleted.content) == (204, b"")
    for method in ("GET", "PATCH", "DELETE"):
        gone = api.request(method, url, json={"body": "x"} if method == "PATCH" else None)
        assert _said(gone) == (404, "Not Found")
        assert gone.json()["documentation_url"].startswith("https://docs.github.com/rest/issues/")
    assert github_server.comments(OWNER, REPO, 7) == []


def test_body_limit_is_65536_characters(github_server: GitHubTestServer, api: httpx.Client) -> None:
    """65,536 characters are accepted; 65,537 get GitHub's 422 on create and on update."""
    ok = api.post(C7, json={"body": "é" * 65_536})
    assert ok.status_code == 201
    error = {
        "resource": "IssueComment",
        "code": "unprocessable",
        "field": "data",
        "message": "Body is too long (maximum is 65536 characters)",
    }
    for method, url in (("POST", C7), ("PATCH", ok.json()["url"])):
        too_long = api.request(method, url, json={"body": "x" * 65_537})
        assert too_long.status_code == 422
        assert too_long.json() == {
            "message": "Validation Failed",
            "errors": [error],
            "documentation_url": too_long.json()["documentation_url"],
            "status": "422",
        }
    assert [len(c["body"]) for c in github_server.comments(OWNER, REPO, 7)] == [65_536]


def test_comment_body_schema_errors(api: httpx.Client) -> None:
    """A missing or non-string body is 422 Invalid request; broken JSON is 400."""
    assert _said(api.post(C7, json={})) == (422, f'{INVALID}"body" wasn\'t supplied.')
    number = api.post(C7, json={"body": 5})
    assert _said(number) == (422, f"{INVALID}For 'properties/body', 5 is not a string.")
    broken = api.post(C7, content=b"{", headers={"Content-Type": "application/json"})
    assert _said(broken) == (400, "Problems parsing JSON")


def test_comments_ascend_by_id_across_authors(
    github_server: GitHubTestServer, api: httpx.Client
) -> None:
    """Comments by other users and by the token's bot list in creation order with their logins."""
    github_server.add_comment(OWNER, REPO, 7, "<!-- wandb-pr -->", login="someone")
    mine = api.post(C7, json={"body": "<!-- wandb-pr --> ours"}).json()
    github_server.add_comment(OWNER, REPO, 7, "later", login="reviewer")
    listed = api.get(C7).json()
    assert [(c["user"]["login"], c["user"]["type"]) for c in listed] == [
        ("someone", "User"), ("github-actions[bot]", "Bot"), ("reviewer", "User"),
    ]  # fmt: skip
    assert listed[1] == mine
    assert listed == github_server.comments(OWNER, REPO, 7)
    assert [c["id"] for c in listed] == sorted(c["id"] for c in listed)


# --- pull requests, commits, commit comments ---------------------------------------------


def test_pull_request_and_its_commits(github_server: GitHubTestServer, api: httpx.Client) -> None:
    """GET pulls/{n} has number/head/base/state/html_url; pulls/{n}/commits paginates in order."""
    shas = [f"{i:040x}" for i in range(1, 4)]
    github_server.add_pull(OWNER, REPO, 9, commits=shas, base_sha="b" * 40, head_ref="exp")
    pull = api.get(f"{R}/pulls/9").json()
    head, base = pull["head"], pull["base"]
    assert (pull["number"], pull["state"], head["ref"], head["sha"]) == (9, "open", "exp", shas[-1])
    assert (head["repo"]["full_name"], head["repo"]["fork"]) == (f"{OWNER}/{REPO}", False)
    assert base["sha"] == "b" * 40
    assert pull["html_url"] == f"https://github.com/{OWNER}/{REPO}/pull/9"
    page1 = api.get(f"{R}/pulls/9/commits", params={"per_page": 2})
    page2 = api.get(_links(page1)["next"])
    assert [c["sha"] for c in page1.json() + page2.json()] == shas
    assert page1.json()[1]["parents"] == [{"sha": shas[0], "url": page1.json()[0]["url"]}]
    github_server.add_issue(OWNER, REPO, 10)
    assert [api.get(f"{R}/pulls/{n}").status_code for n in (99, 10)] == [404, 404]


def test_fork_pull_request(github_server: GitHubTestServer, api: httpx.Client) -> None:
    """A PR from a fork names the fork in head.repo.full_name with fork: true."""
    github_server.add_pull(OWNER, REPO, 11, head_repo="someone/detector")
    head = api.get(f"{R}/pulls/11").json()["head"]
    assert (head["repo"]["full_name"], head["repo"]["fork"]) == ("someone/detector", True)
    assert head["label"] == "someone:feature"


def test_commit_comment_and_pulls_of_a_commit(
    github_server: GitHubTestServer, api: httpx.Client
) -> None:
    """commits/{sha}/comments -> 201; commits/{sha}/pulls lists PRs; unknown SHAs are 422."""
    github_server.add_pull(OWNER, REPO, 12, commits=["b" * 40, SHA_C])
    made = api.post(f"{R}/commits/{SHA_C}/comments", json={"body": "report"})
    assert made.status_code == 201
    assert (made.json()["commit_id"], made.json()["body"]) == (SHA_C, "report")
    assert github_server.commit_comments(OWNER, REPO, SHA_C) == [made.json()]
    pulls = api.get(f"{R}/commits/{SHA_C[:7]}/pulls").json()
    assert [(p["number"], p["head"]["sha"], p["state"]) for p in pulls] == [(12, SHA_C, "open")]
    assert {"html_url", "base"} <= set(pulls[0])
    unknown = api.get(f"{R}/commits/{'d' * 40}/pulls")
    assert _said(unknown) == (422, f"No commit found for SHA: {'d' * 40}")


# --- check runs and statuses ------------------------------------------------------------------


def test_check_run_create_update_and_annotations(
    github_server: GitHubTestServer, api: httpx.Client
) -> None:
    """201 with id/html_url at the limits (65,535 chars, 50 notes); PATCH appends annotations."""
    payload = {"name": "wandb", "head_sha": SHA_A, "conclusion": "success", "output": OUTPUT}
    made = api.post(f"{R}/check-runs", json=payload)
    run = made.json()
    assert (made.status_code, run["status"], run["conclusion"]) == (201, "completed", "success")
    assert run["output"]["annotations_count"] == 50
    assert run["html_url"] == f"https://github.com/{OWNER}/{REPO}/runs/{run['id']}"
    assert run["id"] > 2**32
    update = {"output": {"summary": "more", "annotations": [NOTE] * 3}}
    updated = api.patch(f"{R}/check-runs/{run['id']}", json=update)
    assert (updated.status_code, updated.json()["output"]["annotations_count"]) == (200, 53)
    assert len(github_server.annotations(run["id"])) == 53
    assert api.get(f"{R}/check-runs/{run['id']}").json() == updated.json()
    assert api.patch(f"{R}/check-runs/1", json={}).status_code == 404
    assert [r["id"] for r in github_server.check_runs(OWNER, REPO)] == [run["id"]]


RUN = {"name": "n", "head_sha": SHA_A}
# fmt: off
CHECK_RUN_ERRORS = [
    ({"head_sha": SHA_A}, f'{INVALID}"name" wasn\'t supplied.'),
    (RUN | {"name": None}, f"{INVALID}For 'properties/name', nil is not a string."),
    ({}, f'{INVALID}"name", "head_sha" weren\'t supplied.'),
    (RUN | {"output": {**OUTPUT, "summary": "s" * 65_536}},
     f"{INVALID}Only 65535 characters are allowed; 65536 were supplied."),
    (RUN | {"output": {**OUTPUT, "summary": "é" * 40_000}},
     "summary exceeds a maximum bytesize of 65535"),
    (RUN | {"output": {**OUTPUT, "annotations": [NOTE] * 51}},
     f"{INVALID}No more than 50 items are allowed; 51 were supplied."),
    (RUN | {"output": {"title": "t"}}, f'{INVALID}"summary" wasn\'t supplied.'),
    (RUN | {"status": "completed"}, f'{INVALID}"conclusion" wasn\'t supplied.'),
    (RUN | {"head_sha": "d" * 40}, f"No commit found for SHA: {'d' * 40}"),
]
# fmt: on


@pytest.mark.parametrize(("payload", "message"), CHECK_RUN_ERRORS)
def test_check_run_validation(api: httpx.Client, payload: dict[str, Any], message: str) -> None:
    """Missing/invalid fields, oversized output and unknown SHAs get GitHub's 422 messages."""
    assert _said(api.post(f"{R}/check-runs", json=payload)) == (422, message)


def test_check_run_lifecycle_and_pull_requests(api: httpx.Client) -> None:
    """A run on a PR head lists that PR; queued -> in_progress -> completed by a conclusion."""
    queued = api.post(f"{R}/check-runs", json={"name": "n", "head_sha": SHA_A}).json()
    assert (queued["status"], queued["conclusion"]) == ("queued", None)
    assert [p["number"] for p in queued["pull_requests"]] == [7]
    moving = api.patch(queued["url"], json={"status": "in_progress"}).json()
    assert (moving["status"], moving["completed_at"]) == ("in_progress", None)
    done = api.patch(queued["url"], json={"conclusion": "failure"}).json()
    assert (done["status"], done["conclusion"]) == ("completed", "failure")
    assert done["completed_at"] is not None


def test_statuses(github_server: GitHubTestServer, api: httpx.Client) -> None:
    """Statuses: 201 with 140 chars; 422 for a bad state, 141 chars or an unknown SHA."""
    fields = {"state": "success", "context": "wandb-pr", "target_url": "https://x"}
    made = api.post(f"{R}/statuses/{SHA_A}", json={**fields, "description": "d" * 140})
    assert (made.status_code, made.json() | fields) == (201, made.json())
    bad_state = api.post(f"{R}/statuses/{SHA_A}", json={"state": "cancelled"})
    error = {"resource": "Status", "code": "custom", "field": "state"}
    assert bad_state.json()["errors"] == [error | {"message": "state is not included in the list"}]
    long = api.post(f"{R}/statuses/{SHA_A}", json={"state": "failure", "description": "d" * 141})
    assert _said(long) == (422, "description is too long (maximum is 140 characters)")
    unknown = api.post(f"{R}/statuses/{'0' * 40}", json={"state": "success"})
    assert _said(unknown) == (422, f"No commit found for SHA: {'0' * 40}")
    assert [s["context"] for s in github_server.statuses(OWNER, REPO, SHA_A)] == ["wandb-pr"]
