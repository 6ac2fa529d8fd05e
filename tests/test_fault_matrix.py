"""The fault matrix: each W&B and GitHub fault wandb-pr must survive, end to end, on the clock.

One test per row of SECURITY.md's fault table. Each drives ``wandb-pr report`` or ``wandb-pr
action`` in-process against the loopback test servers, injects the fault at a chosen request,
and asserts the outcome (recovered with the right runs, or the specific message and exit code)
and the elapsed time measured with ``time.monotonic()``. Deadlines are a few seconds and bounds
generous, so the tests do not flake on a loaded machine; real sleeps are kept to about a second.
"""

from __future__ import annotations

import io
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest

from tests.factories import runner_env
from tests.github_server import GitHubTestServer, primary_rate_limit, secondary_rate_limit
from tests.github_server import reset as github_reset
from tests.github_server import status as github_status
from tests.test_outputs import parse_github_output
from tests.wandb_server import WandbTestServer
from tests.wandb_server.faults import (
    delay,
    graphql_errors,
    malformed_json,
    rate_limited,
    reset,
    status,
)
from wandb_pr.entry.cli import main
from wandb_pr.errors import GitHubUnavailable
from wandb_pr.publish.github import marker
from wandb_pr.publish.github_api import GitHubClient
from wandb_pr.retry import RetryPolicy
from wandb_pr.selection import build_selection
from wandb_pr.settings import Settings
from wandb_pr.sources.wandb_api import WandbClient, WandbRunSource

SHA = "0123456789abcdef0123456789abcdef01234567"
BASE = "b" * 40
CANDIDATES = ["c0", "c1", "c2"]
BASELINES = ["b0", "b1"]
KEY = "acme/det"


class Result(NamedTuple):
    """What one in-process run of the CLI left behind."""

    code: int
    out: str
    err: str
    elapsed: float


def run_main(argv: list[str], env: dict[str, str]) -> Result:
    """Run ``wandb-pr`` in-process, timing it with the monotonic clock."""
    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    code = main(argv, environ=env, stdout=out, stderr=err)
    return Result(code, out.getvalue(), err.getvalue(), time.monotonic() - start)


def populate(server: WandbTestServer, candidates: int = 3, baselines: int = 2) -> None:
    """Candidate runs of SHA (acc 0.90, 0.91, ...) and baselines tagged production (acc 0.8)."""
    for i in range(candidates):
        server.add_run(
            "acme", "det", id=f"c{i}", config={"github_sha": SHA}, summary={"acc": 0.9 + i / 100}
        )
    for i in range(baselines):
        server.add_run("acme", "det", id=f"b{i}", tags=["production"], summary={"acc": 0.8})


# --- W&B, through `wandb-pr report` ---------------------------------------------------------------


@pytest.fixture
def cli_env(wandb_server: WandbTestServer) -> dict[str, str]:
    """The environment of a laptop pointed at the W&B test server, which holds CANDIDATES and
    BASELINES."""
    populate(wandb_server)
    return {"WANDB_API_KEY": wandb_server.api_key, "WANDB_BASE_URL": wandb_server.base_url}


def report(env: dict[str, str], *extra: str, deadline: float = 5) -> Result:
    """``wandb-pr report`` as JSON on stdout, with a short deadline."""
    args = ["report", "--project", KEY, "--sha", SHA, "--baseline-tag", "production"]
    args += ["--metric", "acc:max", "--format", "json", "--deadline", str(deadline), *extra]
    return run_main(args, env)


def ids(result: Result) -> tuple[list[str], list[str]]:
    """The candidate and baseline run ids of a JSON report, in order."""
    document = json.loads(result.out)
    return [r["id"] for r in document["candidates"]], [r["id"] for r in document["baselines"]]


def assert_recovered(result: Result, server: WandbTestServer, *, requests: int) -> None:
    """The report came out whole, after the given number of requests."""
    assert result.code == 0, result.err
    assert ids(result) == (CANDIDATES, BASELINES)
    assert server.graphql_request_count == requests


@pytest.mark.parametrize("code", [500, 502, 503])
def test_wandb_5xx_then_success_recovers(
    cli_env: dict[str, str], wandb_server: WandbTestServer, code: int
) -> None:
    """A 500, 502 or 503 is retried after a backoff of about a second and the report is whole."""
    wandb_server.inject(status(code))
    result = report(cli_env)
    assert_recovered(result, wandb_server, requests=2)
    assert f"W&B: HTTP {code}; asking for a page of 10 runs; retrying in" in result.err
    assert 0.4 < result.elapsed < 10


def test_wandb_429_retry_after_seconds_is_honoured(
    cli_env: dict[str, str], wandb_server: WandbTestServer
) -> None:
    """A 429 with Retry-After: 1 waits that second, then the report is whole."""
    wandb_server.inject(rate_limited(1))
    result = report(cli_env)
    assert_recovered(result, wandb_server, requests=2)
    assert "W&B: HTTP 429; retrying in 1.0 s" in result.err
    assert 1.0 <= result.elapsed < 10


def test_wandb_429_retry_after_http_date_is_honoured(
    cli_env: dict[str, str], wandb_server: WandbTestServer
) -> None:
    """A 429 whose Retry-After is an HTTP date 2-3 s ahead waits until then, then recovers."""
    wandb_server.inject(rate_limited(datetime.now(timezone.utc) + timedelta(seconds=3)))
    result = report(cli_env)
    assert_recovered(result, wandb_server, requests=2)
    waited = re.search(r"W&B: HTTP 429; retrying in (\d+\.\d) s", result.err)
    assert waited, result.err
    assert 1.5 <= float(waited.group(1)) <= 3.0
    assert 1.5 <= result.elapsed < 10


def test_wandb_connection_reset_recovers(
    cli_env: dict[str, str], wandb_server: WandbTestServer
) -> None:
    """A connection reset without an answer is retried and the report is whole."""
    wandb_server.inject(reset())
    result = report(cli_env)
    assert_recovered(result, wandb_server, requests=2)
    assert "retrying in" in result.err
    assert result.elapsed < 10


def test_wandb_response_cut_mid_json_recovers(
    cli_env: dict[str, str], wandb_server: WandbTestServer
) -> None:
    """A 200 whose JSON body is cut in the middle is retried and the report is whole."""
    wandb_server.inject(malformed_json())
    result = report(cli_env)
    assert_recovered(result, wandb_server, requests=2)
    assert "W&B: HTTP 200 with a body that is not JSON; retrying in" in result.err
    assert result.elapsed < 10


def test_wandb_answer_nested_too_deeply_is_retried(
    cli_env: dict[str, str], wandb_server: WandbTestServer
) -> None:
    """A 200 whose JSON nests deeper than Python can decode is malformed: retried, then whole."""
    wandb_server.inject(status(200, body='{"data": ' + "[" * 100_000))
    result = report(cli_env)
    assert_recovered(result, wandb_server, requests=2)
    assert result.elapsed < 10


def test_wandb_graphql_errors_with_partial_data_fail_clearly(
    cli_env: dict[str, str], wandb_server: WandbTestServer, tmp_path: Path
) -> None:
    """A 200 with errors and partial data: exit 3, W&B's message, no retry, no partial file."""
    wandb_server.inject(graphql_errors("filter too complex", partial_data=True))
    result = report(cli_env, "--csv", str(tmp_path / "r.csv"))
    assert result.code == 3
    assert result.err.startswith("wandb-pr: error: W&B answered with GraphQL errors: filter too")
    assert "\nTip: " in result.err
    assert result.out == ""
    assert not (tmp_path / "r.csv").exists()
    assert wandb_server.graphql_request_count == 1
    assert result.elapsed < 5


def test_wandb_slower_than_the_timeout_ends_by_the_deadline(
    cli_env: dict[str, str], wandb_server: WandbTestServer
) -> None:
    """Answers slower than the deadline allows are cut off: exit 3, naming time, page and remedy."""
    wandb_server.inject(*[delay(8)] * 10)
    result = report(cli_env, deadline=1)
    assert result.code == 3
    assert re.search(
        r"W&B took longer than 0\.3 s to answer a page of 10 runs with history for 1 metric "
        r"\(\d attempts in [\d.]+ s\)",
        result.err,
    ), result.err
    assert f"at {cli_env['WANDB_BASE_URL']}/graphql." in result.err
    assert "fewer --metric values, a smaller --page-size, or a longer --deadline" in result.err
    assert "rate" not in result.err
    assert result.elapsed < 2


def test_wandb_slow_answer_is_retried_within_the_deadline(wandb_server: WandbTestServer) -> None:
    """With a deadline longer than the request timeout, a slow answer is abandoned and retried."""
    populate(wandb_server)
    waits: list[float] = []
    with httpx.Client() as http:
        client = WandbClient(
            http,
            api_key=wandb_server.api_key,
            base_url=wandb_server.base_url,
            retry=RetryPolicy(deadline=10, request_timeout=0.5),
            sleep=waits.append,
        )
        wandb_server.inject(delay(3))
        settings = Settings(entity="acme", project="det", sha=SHA, baseline_tags=("production",))
        start = time.monotonic()
        run_set = WandbRunSource(client).fetch(build_selection(settings))
        elapsed = time.monotonic() - start
    assert [r.id for r in run_set.candidates] == CANDIDATES
    assert [r.id for r in run_set.baselines] == BASELINES
    assert client.requests_sent == 2
    assert waits == []  # the timeout was the wait: a lighter page goes out at once
    assert [r.body["variables"]["first"] for r in wandb_server.requests] == [100, 50]
    assert elapsed < 2.5  # the 3-second answer was not waited for


def test_wandb_failure_on_page_2_of_3_resumes_from_page_2(wandb_server: WandbTestServer) -> None:
    """A 503 on the second of three pages is retried with the same cursor: every run once."""
    populate(wandb_server, candidates=7, baselines=3)
    env = {"WANDB_API_KEY": wandb_server.api_key, "WANDB_BASE_URL": wandb_server.base_url}
    wandb_server.inject_at(2, status(503))
    result = report(env, "--page-size", "3")
    assert result.code == 0, result.err
    assert ids(result) == ([f"c{i}" for i in range(7)], ["b0", "b1", "b2"])
    bodies = [r.body for r in wandb_server.requests]
    # page 1, page 2 (503), page 2 again (the page is already at its floor), page 3, then
    # the history of the runs after the first page, by name
    assert len(bodies) == 5
    cursors = [b["variables"].get("candidatesCursor") for b in bodies[:4]]
    assert cursors[0] is None
    assert cursors[1] == cursors[2] is not None
    assert cursors[3] not in (None, cursors[2])
    assert json.loads(bodies[4]["variables"]["filters"]) == {
        "name": {"$in": ["c3", "c4", "c5", "c6"]}
    }
    assert result.elapsed < 10


def test_wandb_page_2_failing_until_the_deadline_writes_no_partial_report(
    wandb_server: WandbTestServer, tmp_path: Path
) -> None:
    """Page 2 of 3 failing to the deadline: exit 3 and no file with page 1's runs only."""
    populate(wandb_server, candidates=7, baselines=3)
    env = {"WANDB_API_KEY": wandb_server.api_key, "WANDB_BASE_URL": wandb_server.base_url}
    for n in range(2, 30):
        wandb_server.inject_at(n, status(502))
    outputs = ["--csv", str(tmp_path / "r.csv"), "--json", str(tmp_path / "r.json")]
    result = report(env, "--page-size", "3", *outputs, deadline=2)
    assert result.code == 3
    assert "W&B answered HTTP 502 to a page of 3 runs" in result.err
    assert result.out == ""
    assert not (tmp_path / "r.csv").exists()
    assert not (tmp_path / "r.json").exists()
    assert result.elapsed < 10


def test_wandb_same_run_on_two_pages_is_reported_once(
    wandb_server: WandbTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run W&B serves on two pages (it moved behind the cursor) is reported once."""
    populate(wandb_server, candidates=7, baselines=0)
    env = {"WANDB_API_KEY": wandb_server.api_key, "WANDB_BASE_URL": wandb_server.base_url}
    answer = wandb_server._answer
    served: list[str] = []

    def moving_answer(handler: Any, body: Any) -> tuple[int, dict[str, Any]]:
        if len(served) == 3:  # page 1 (c0-c2) was served: c1 becomes the newest run
            with wandb_server.store.lock:
                project = wandb_server.store.project("acme", "det")
                assert project is not None
                moved = next(r for r in project.runs if r["name"] == "c1")
                moved["createdAt"] = "2030-01-01T00:00:00"
        code, data = answer(handler, body)
        edges = data["data"]["candidates"]["runs"]["edges"]
        served.extend(edge["node"]["name"] for edge in edges)
        return code, data

    monkeypatch.setattr(wandb_server, "_answer", moving_answer)
    result = run_main(
        ["report", "--project", KEY, "--sha", SHA, "--format", "json", "--page-size", "3"], env
    )
    assert result.code == 0, result.err
    assert served.count("c1") == 2  # the server did send it twice
    assert wandb_server.graphql_request_count == 3
    candidates, _ = ids(result)
    assert sorted(candidates) == [f"c{i}" for i in range(7)]
    assert json.loads(result.out)["counts"]["finished"] == 7
    assert result.elapsed < 5


def test_wandb_500s_until_the_deadline_end_with_exit_3(
    cli_env: dict[str, str], wandb_server: WandbTestServer
) -> None:
    """W&B failing on every attempt ends by the 2-second deadline with exit 3 and the status."""
    wandb_server.inject(*[status(500)] * 30)
    result = report(cli_env, deadline=2)
    assert result.code == 3
    assert re.search(
        r"W&B answered HTTP 500 to a page of 10 runs .*\(\d+ attempts? in ", result.err
    )
    assert "status.wandb.com" in result.err
    assert "rate" not in result.err
    assert result.elapsed < 10


def test_wandb_retry_after_beyond_the_deadline_gives_up_at_once(
    cli_env: dict[str, str], wandb_server: WandbTestServer
) -> None:
    """A Retry-After longer than what is left of the deadline ends at once, saying so."""
    wandb_server.inject(rate_limited(3600))
    result = report(cli_env, deadline=30)
    assert result.code == 3
    assert "W&B is rate-limiting these requests (HTTP 429) and asked to wait longer" in result.err
    assert wandb_server.graphql_request_count == 1
    assert result.elapsed < 5


class _Trickle:
    """A loopback server that answers 200 but sends its body a byte every 0.1 s (3 s in all)."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                conn.sendall(f"{head}Content-Length: {len(self.body)}\r\n\r\n".encode())
                for byte in self.body:
                    conn.sendall(bytes([byte]))
                    time.sleep(3 / len(self.body))
            except OSError:
                return

    def close(self) -> None:
        """Stop accepting connections."""
        self.sock.close()


@pytest.fixture
def trickle() -> Iterator[_Trickle]:
    """A trickling server whose body is a valid, empty GraphQL answer (and a JSON list)."""
    server = _Trickle(b'{"data": {"candidates": null}}'.ljust(30))
    yield server
    server.close()


def test_wandb_trickling_answer_ends_by_the_deadline(trickle: _Trickle) -> None:
    """An answer that trickles in a byte at a time is cut off at the deadline: exit 3, no hang."""
    env = {"WANDB_API_KEY": "k" * 40, "WANDB_BASE_URL": trickle.url}
    result = run_main(["report", "--project", KEY, "--sha", SHA, "--deadline", "0.5"], env)
    assert result.code == 3
    assert "W&B took longer than" in result.err
    assert result.elapsed < 2.5


def test_github_trickling_answer_ends_by_the_deadline(trickle: _Trickle) -> None:
    """GitHub's client cuts off a trickling answer at the deadline too."""
    start = time.monotonic()
    with httpx.Client() as http:
        client = GitHubClient(
            http, token="t" * 40, api_url=trickle.url, retry=RetryPolicy(deadline=0.5)
        )
        with pytest.raises(GitHubUnavailable):
            client.request("GET", "/repos/octo/app/issues/7/comments")
    assert time.monotonic() - start < 2.5


# --- GitHub, through `wandb-pr action` ------------------------------------------------------------


@pytest.fixture
def action_env(
    tmp_path: Path, wandb_server: WandbTestServer, github_server: GitHubTestServer
) -> dict[str, str]:
    """A runner on a pull_request event for PR #7 (head SHA), both servers on loopback."""
    populate(wandb_server)
    github_server.add_pull("octo", "app", 7, head_sha=SHA, base_sha=BASE)
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"number": 7, "head": {"sha": SHA}, "base": {"sha": BASE}}})
    )
    return {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": "f" * 40,
        **runner_env(
            tmp_path,
            wandb_url=wandb_server.base_url,
            wandb_key=wandb_server.api_key,
            api_url=github_server.api_url,
            token=github_server.token,
        ),
        "INPUT_PROJECT": KEY,
        "INPUT_BASELINE_TAGS": "production",
        "INPUT_METRICS": "acc:max",
        "INPUT_DEADLINE": "5",
    }


def action(env: dict[str, str], **inputs: str) -> Result:
    """``wandb-pr action`` with extra ``INPUT_*`` variables."""
    extra = {f"INPUT_{name.upper()}": value for name, value in inputs.items()}
    return run_main(["action"], {**env, **extra})


def our_comments(server: GitHubTestServer) -> list[dict[str, Any]]:
    """The comments on PR #7 carrying our marker."""
    return [c for c in server.comments("octo", "app", 7) if marker(KEY) in str(c["body"])]


def outputs(env: dict[str, str]) -> dict[str, str]:
    """The step outputs written so far."""
    return parse_github_output(Path(env["GITHUB_OUTPUT"]).read_text())


def assert_report_kept(env: dict[str, str]) -> None:
    """Files, outputs and the job summary hold the report."""
    workspace = Path(env["GITHUB_WORKSPACE"])
    document = json.loads((workspace / "wandb_report.json").read_text())
    assert [r["id"] for r in document["candidates"]] == CANDIDATES
    assert (workspace / "wandb_report.csv").read_text().count("\n") == 1 + 5
    assert "### ✅ wandb-pr: pass" in Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    values = outputs(env)
    assert (values["verdict"], values["num-finished"], values["num-baselines"]) == (
        "pass",
        "3",
        "2",
    )


RATE_LIMITS: dict[str, Callable[[], Any]] = {
    "secondary-403-retry-after": lambda: secondary_rate_limit(retry_after=1, code=403),
    "secondary-429-retry-after": lambda: secondary_rate_limit(retry_after=1, code=429),
    "primary-ratelimit-reset": lambda: primary_rate_limit(reset_in=1),  # the epoch is built now
}


@pytest.mark.parametrize("limit", sorted(RATE_LIMITS))
def test_github_rate_limits_are_waited_then_the_comment_is_posted(
    action_env: dict[str, str], github_server: GitHubTestServer, limit: str
) -> None:
    """Secondary (retry-after) and primary (x-ratelimit-reset) limits are waited out, then post."""
    fault = RATE_LIMITS[limit]()
    github_server.inject(fault)
    result = action(action_env)
    assert result.code == 0, result.err
    comments = our_comments(github_server)
    assert len(comments) == 1
    assert outputs(action_env)["comment-url"] == comments[0]["html_url"]
    assert re.search(r"GitHub: HTTP 4(03|29); retrying in [01]\.\d s", result.err), result.err
    assert github_server.requests[0].status == fault.status
    assert result.elapsed < 10


def test_github_502_on_the_update_is_retried(
    action_env: dict[str, str], github_server: GitHubTestServer, wandb_server: WandbTestServer
) -> None:
    """A 502 on the PATCH of our comment is retried; the comment is updated in place."""
    assert action(action_env).code == 0
    first = our_comments(github_server)[0]
    wandb_server.add_run("acme", "det", id="c3", config={"github_sha": SHA}, summary={"acc": 0.93})
    github_server.reset_counters()
    github_server.inject_at(3, github_status(502))  # list comments, GET /user, PATCH
    result = action(action_env)
    assert result.code == 0, result.err
    faulted = github_server.requests[2]
    assert (faulted.method, faulted.status) == ("PATCH", 502)
    assert (github_server.requests[3].method, github_server.requests[3].status) == ("PATCH", 200)
    comments = our_comments(github_server)
    assert [c["id"] for c in comments] == [first["id"]]
    assert "4 candidate runs" in comments[0]["body"]
    assert "GitHub: HTTP 502; retrying in" in result.err
    assert result.elapsed < 10


def test_github_comment_deleted_between_lookup_and_update_is_created_anew(
    action_env: dict[str, str], github_server: GitHubTestServer
) -> None:
    """Our comment deleted after it was found but before the PATCH (a 404): a new one is posted."""
    assert action(action_env).code == 0
    first = our_comments(github_server)[0]
    github_server.reset_counters()
    github_server.delete_comment_at(3, int(first["id"]))  # just before the PATCH is answered
    result = action(action_env)
    assert result.code == 0, result.err
    assert [(r.method, r.status) for r in github_server.requests[2:4]] == [
        ("PATCH", 404),
        ("POST", 201),
    ]
    comments = our_comments(github_server)
    assert len(comments) == 1
    assert comments[0]["id"] != first["id"]
    assert outputs(action_env)["comment-url"] == comments[0]["html_url"]
    assert result.elapsed < 5


TOO_LONG = github_status(
    422,
    body={
        "message": "Validation Failed",
        "errors": [{"resource": "IssueComment", "code": "custom", "message": "Body is too long"}],
    },
)


@pytest.fixture
def big_project(wandb_server: WandbTestServer) -> None:
    """Enough runs with long names that the comment needs most of GitHub's 65,536 characters."""
    for i in range(3, 400):
        wandb_server.add_run(
            "acme",
            "det",
            id=f"c{i}",
            display_name=f"candidate-{i}-" + "x" * 120,
            config={"github_sha": SHA},
            summary={"acc": 0.9},
        )


def test_github_422_body_too_long_is_shrunk_and_retried_once(
    big_project: None, action_env: dict[str, str], github_server: GitHubTestServer
) -> None:
    """A 422 "Body is too long" on the POST is retried once with half the size, and succeeds."""
    github_server.inject_at(2, TOO_LONG)  # list comments, then the POST
    result = action(action_env)
    assert result.code == 0, result.err
    posts = [r for r in github_server.requests if r.method == "POST"]
    assert [r.status for r in posts] == [422, 201]
    first, second = (len(r.body["body"]) for r in posts)
    assert 40_000 < first <= 65_536
    assert second <= 65_536 // 2 < first
    assert [c["body"] for c in our_comments(github_server)] == [posts[1].body["body"]]
    assert "GitHub refused the comment's size; retrying with a shorter one" in result.err
    assert result.elapsed < 10


def test_github_422_twice_exits_5_and_keeps_the_report(
    action_env: dict[str, str], github_server: GitHubTestServer
) -> None:
    """A second 422 is not retried again: exit 5 with GitHub's message, the report kept."""
    github_server.inject_at(2, TOO_LONG)
    github_server.inject_at(3, TOO_LONG)
    result = action(action_env)
    assert result.code == 5
    assert (
        "wandb-pr: error: GitHub answered POST /repos/octo/app/issues/7/comments with HTTP 422: "
        "Validation Failed; Body is too long\n"
    ) in result.err
    assert "::error title=wandb-pr::GitHub answered POST" in result.out
    assert our_comments(github_server) == []
    assert_report_kept(action_env)
    assert result.elapsed < 5


def test_github_down_never_loses_the_report(
    action_env: dict[str, str], github_server: GitHubTestServer
) -> None:
    """GitHub resetting every request: report written before publishing, exit 5 by the deadline."""
    written_before: list[bool] = []

    def check_files(_server: GitHubTestServer) -> None:
        workspace = Path(action_env["GITHUB_WORKSPACE"])
        written_before.append(
            (workspace / "wandb_report.json").exists()
            and (workspace / "wandb_report.csv").exists()
            and "wandb-pr" in Path(action_env["GITHUB_STEP_SUMMARY"]).read_text()
            and "verdict=pass" in Path(action_env["GITHUB_OUTPUT"]).read_text()
        )

    github_server.on_request(1, check_files)
    github_server.inject(*[github_reset()] * 40)
    result = action(action_env, deadline="2")
    assert written_before == [True]
    assert result.code == 5
    assert "GitHub did not answer GET /repos/octo/app/issues/7/comments successfully" in result.err
    assert "::error title=wandb-pr::GitHub did not answer" in result.out
    assert_report_kept(action_env)
    assert result.elapsed < 10


def test_github_garbled_answer_is_retried(
    action_env: dict[str, str], github_server: GitHubTestServer
) -> None:
    """A 200 whose JSON is cut in the middle is retried, and the comment is posted."""
    github_server.inject(github_status(200, body=b'[{"id": 1, "bo'))
    result = action(action_env)
    assert result.code == 0, result.err
    assert len(our_comments(github_server)) == 1
    assert result.elapsed < 10
