"""Publishing to GitHub against the loopback GitHub server: the sticky comment and its races,
check runs, statuses, rate limits and refusals."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.github_server import GitHubTestServer, primary_rate_limit, secondary_rate_limit, status
from wandb_pr.compare import Verdict
from wandb_pr.errors import GitHubPermissionError, GitHubUnavailable
from wandb_pr.publish.github import CommentMode, GitHubPublisher, marker
from wandb_pr.publish.github_api import GitHubClient
from wandb_pr.retry import RetryPolicy

HEAD = "1234567890abcdef1234567890abcdef12345678"
KEY = "acme/detector"


@pytest.fixture
def repo(github_server: GitHubTestServer) -> GitHubTestServer:
    """A repository with pull request #7."""
    github_server.add_pull("octo", "app", 7, head_sha=HEAD, base_sha="b" * 40)
    return github_server


@pytest.fixture
def waits() -> list[float]:
    """The retry pauses the client took (recorded, not slept)."""
    return []


@pytest.fixture
def publisher(repo: GitHubTestServer, waits: list[float]) -> Iterator[GitHubPublisher]:
    """A publisher on the test server whose retry waits are recorded instead of slept."""
    with httpx.Client() as http:
        client = GitHubClient(
            http,
            token=repo.token,
            api_url=repo.api_url,
            retry=RetryPolicy(deadline=600, max_attempts=4),
            sleep=waits.append,
        )
        yield GitHubPublisher(client, "octo/app")


def body(text: str) -> object:
    """A renderer that returns ``text`` whatever the limit."""
    return lambda limit: text[:limit]


def ours(server: GitHubTestServer) -> list[dict[str, object]]:
    """The comments on #7 carrying our marker."""
    return [c for c in server.comments("octo", "app", 7) if marker(KEY) in str(c["body"])]


def test_creates_then_updates_in_place(repo: GitHubTestServer, publisher: GitHubPublisher) -> None:
    """The first report creates the comment; the next updates it without a new comment."""
    first = publisher.sticky_comment(7, body("report 1"), key=KEY, mode=CommentMode.ON)
    second = publisher.sticky_comment(7, body("report 2"), key=KEY, mode=CommentMode.ON)
    comments = ours(repo)
    assert len(comments) == 1
    assert comments[0]["body"] == f"{marker(KEY)}\nreport 2"
    assert first == second == comments[0]["html_url"]
    methods = [r.method for r in repo.requests if "/comments" in r.path]
    assert methods.count("POST") == 1
    assert methods.count("PATCH") == 1


def test_finds_its_comment_on_a_later_page(
    repo: GitHubTestServer, publisher: GitHubPublisher
) -> None:
    """The marker is searched on every page of comments, not only the first."""
    publisher.sticky_comment(7, body("old"), key=KEY, mode=CommentMode.ON)
    for i in range(230):
        repo.add_comment("octo", "app", 7, f"chatter {i}")
    publisher.sticky_comment(7, body("new"), key=KEY, mode=CommentMode.ON)
    assert [c["body"] for c in ours(repo)] == [f"{marker(KEY)}\nnew"]
    listed = [r.path for r in repo.requests if r.method == "GET" and r.path.count("comments")]
    assert len(listed) >= 4  # three pages of 100 for the second report


def test_ignores_marked_comments_by_people(
    repo: GitHubTestServer, publisher: GitHubPublisher
) -> None:
    """A person's comment quoting the marker is never edited."""
    repo.add_comment("octo", "app", 7, f"{marker(KEY)}\nI copied this", login="mallory")
    publisher.sticky_comment(7, body("report"), key=KEY, mode=CommentMode.ON)
    bodies = [c["body"] for c in ours(repo)]
    assert bodies == [f"{marker(KEY)}\nI copied this", f"{marker(KEY)}\nreport"]


def test_keys_keep_separate_comments(repo: GitHubTestServer, publisher: GitHubPublisher) -> None:
    """Matrix jobs with different keys keep one comment each."""
    publisher.sticky_comment(7, body("a"), key="model-a", mode=CommentMode.ON)
    publisher.sticky_comment(7, body("b"), key="model-b", mode=CommentMode.ON)
    publisher.sticky_comment(7, body("a2"), key="model-a", mode=CommentMode.ON)
    bodies = sorted(str(c["body"]) for c in repo.comments("octo", "app", 7))
    assert bodies == [f"{marker('model-a')}\na2", f"{marker('model-b')}\nb"]


def test_create_new_replaces(repo: GitHubTestServer, publisher: GitHubPublisher) -> None:
    """create-new deletes our comment and posts a new one."""
    publisher.sticky_comment(7, body("old"), key=KEY, mode=CommentMode.ON)
    old_id = ours(repo)[0]["id"]
    publisher.sticky_comment(7, body("new"), key=KEY, mode=CommentMode.CREATE_NEW)
    comments = ours(repo)
    assert [c["body"] for c in comments] == [f"{marker(KEY)}\nnew"]
    assert comments[0]["id"] != old_id


def test_off_does_nothing(repo: GitHubTestServer, publisher: GitHubPublisher) -> None:
    """comment: off sends no request."""
    assert publisher.sticky_comment(7, body("x"), key=KEY, mode=CommentMode.OFF) is None
    assert repo.request_count == 0


def test_concurrent_jobs_leave_one_comment(
    repo: GitHubTestServer, publisher: GitHubPublisher
) -> None:
    """If another job creates the comment while we create ours, only the oldest is kept."""
    # Request 1 lists comments (none). Before our POST (request 2) is answered, another job
    # posts its own comment with the same marker.
    repo.on_request(
        2,
        lambda server: server.add_comment(
            "octo", "app", 7, f"{marker(KEY)}\nother job", login="github-actions[bot]"
        ),
    )
    publisher.sticky_comment(7, body("this job"), key=KEY, mode=CommentMode.ON)
    comments = ours(repo)
    assert len(comments) == 1
    assert comments[0]["body"] == f"{marker(KEY)}\nthis job"


def test_comment_deleted_between_lookup_and_update(
    repo: GitHubTestServer, publisher: GitHubPublisher
) -> None:
    """A 404 on the update (someone deleted our comment meanwhile) creates a new one."""
    publisher.sticky_comment(7, body("old"), key=KEY, mode=CommentMode.ON)
    comment_id = int(str(ours(repo)[0]["id"]))
    repo.reset_counters()
    repo.delete_comment_at(2, comment_id)  # after the listing, before the PATCH
    url = publisher.sticky_comment(7, body("new"), key=KEY, mode=CommentMode.ON)
    comments = ours(repo)
    assert [c["body"] for c in comments] == [f"{marker(KEY)}\nnew"]
    assert url == comments[0]["html_url"]


def test_body_too_long_is_shrunk_once(repo: GitHubTestServer, publisher: GitHubPublisher) -> None:
    """A 422 for the body's size is retried once with half the limit."""
    limits: list[int] = []

    def render(limit: int) -> str:
        limits.append(limit)
        return "x" * 10

    repo.inject_at(
        2,
        status(
            422, body={"message": "Validation Failed", "errors": [{"message": "Body is too long"}]}
        ),
    )
    publisher.sticky_comment(7, render, key=KEY, mode=CommentMode.ON)
    assert limits == [65536 - len(marker(KEY)) - 1, (65536 - len(marker(KEY)) - 1) // 2]
    assert len(ours(repo)) == 1


def test_rate_limits_are_waited(
    repo: GitHubTestServer, publisher: GitHubPublisher, waits: list[float]
) -> None:
    """Secondary limits wait retry-after, primary ones until x-ratelimit-reset; 502s retry."""
    repo.inject(secondary_rate_limit(retry_after=42), status(502))
    publisher.sticky_comment(7, body("r"), key=KEY, mode=CommentMode.ON)
    assert waits[0] == 42
    assert len(waits) == 2
    waits.clear()
    repo.inject(primary_rate_limit(reset_in=300))
    publisher.sticky_comment(7, body("r2"), key=KEY, mode=CommentMode.ON)
    assert 290 <= waits[0] <= 301


def test_rate_limit_beyond_the_deadline_gives_up(repo: GitHubTestServer) -> None:
    """A wait longer than the deadline ends at once with a clear error."""
    repo.inject(primary_rate_limit(reset_in=3600))
    with httpx.Client() as http:
        client = GitHubClient(
            http, token=repo.token, api_url=repo.api_url, retry=RetryPolicy(deadline=60)
        )
        with pytest.raises(GitHubUnavailable, match="GitHub did not answer GET"):
            GitHubPublisher(client, "octo/app").sticky_comment(
                7, body("r"), key=KEY, mode=CommentMode.ON
            )


def test_allow_missing_makes_missing_evidence_neutral_never_success(
    repo: GitHubTestServer, publisher: GitHubPublisher
) -> None:
    """With allow-missing, no-baseline is a neutral check; a regression still fails."""
    for verdict in (Verdict.NO_BASELINE, Verdict.REGRESSION):
        publisher.check_run(
            HEAD, name="wandb-pr", verdict=verdict, title="t", render=body("s"), allow_missing=True
        )
    conclusions = [check["conclusion"] for check in repo.check_runs("octo", "app")]
    assert sorted(conclusions) == ["failure", "neutral"]


@pytest.mark.parametrize(
    ("verdict", "conclusion", "state"),
    [
        (Verdict.PASS, "success", "success"),
        (Verdict.REGRESSION, "failure", "failure"),
        (Verdict.PENDING, "failure", "pending"),
        (Verdict.NO_RUNS, "failure", "error"),
        (Verdict.NO_BASELINE, "failure", "error"),
        (Verdict.MISSING_METRIC, "failure", "error"),
        (Verdict.DIVERGED, "failure", "failure"),
        (Verdict.DIFFERENT_DATA, "failure", "failure"),
        (Verdict.UNCOMMITTED_CHANGES, "failure", "failure"),
    ],
)
def test_check_run_and_status_follow_the_verdict(
    repo: GitHubTestServer,
    publisher: GitHubPublisher,
    verdict: Verdict,
    conclusion: str,
    state: str,
) -> None:
    """Every verdict maps to a check conclusion and a status state; only pass is success."""
    url = publisher.check_run(HEAD, name="wandb-pr", verdict=verdict, title="t", render=body("s"))
    publisher.commit_status(
        HEAD, context="wandb-pr", verdict=verdict, description="d" * 200, target_url=None
    )
    check = repo.check_runs("octo", "app")[0]
    assert (check["conclusion"], check["output"]["summary"], url) == (
        conclusion,
        "s",
        check["html_url"],
    )
    status_ = repo.statuses("octo", "app", HEAD)[0]
    assert status_["state"] == state
    assert len(status_["description"]) == 140


def test_read_only_token_is_a_permission_error(github_server: GitHubTestServer) -> None:
    """A fork PR's read-only token gets a GitHubPermissionError naming the refusal."""
    server = github_server
    server.add_pull("octo", "app", 7, head_sha=HEAD)
    server.permissions.clear()
    server.permissions.update({"pull_requests": "read", "metadata": "read"})
    with httpx.Client() as http:
        client = GitHubClient(http, token=server.token, api_url=server.api_url)
        publisher = GitHubPublisher(client, "octo/app")
        with pytest.raises(GitHubPermissionError, match="Resource not accessible by integration"):
            publisher.sticky_comment(7, body("r"), key=KEY, mode=CommentMode.ON)


def test_enterprise_server_prefix() -> None:
    """GITHUB_API_URL with /api/v3 (GitHub Enterprise Server) works the same, pages included."""
    with GitHubTestServer(prefix="/api/v3") as server:
        server.add_pull("octo", "app", 7, head_sha=HEAD)
        for i in range(150):
            server.add_comment("octo", "app", 7, f"c{i}")
        with httpx.Client() as http:
            client = GitHubClient(http, token=server.token, api_url=server.api_url)
            publisher = GitHubPublisher(client, "octo/app")
            publisher.sticky_comment(7, body("r"), key=KEY, mode=CommentMode.ON)
            publisher.sticky_comment(7, body("r2"), key=KEY, mode=CommentMode.ON)
        assert [c["body"] for c in ours(server)] == [f"{marker(KEY)}\nr2"]
        assert all(r.path.startswith("/api/v3/") for r in server.requests)
