"""The sticky comment's history of pushes: carried forward, bounded, and safe to read back."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.github_server import GitHubTestServer
from tests.render import reports
from tests.render.gfm import parse
from wandb_pr.compare import Verdict
from wandb_pr.publish.github import CommentMode, GitHubPublisher, marker
from wandb_pr.publish.github_api import GitHubClient
from wandb_pr.publish.history import MAX_ENTRIES, PushEntry, comment_tail, read_history
from wandb_pr.publish.to_github import PublishOptions, Target, publish
from wandb_pr.retry import RetryPolicy

NOON = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)
RUN_URL = "https://github.com/octo/app/actions/runs/9"


@pytest.fixture
def publisher(github_server: GitHubTestServer) -> Iterator[GitHubPublisher]:
    """A publisher for octo/app, whose pull request #7 exists."""
    github_server.add_pull("octo", "app", 7, head_sha="a" * 40, base_sha="b" * 40)
    with httpx.Client() as http:
        client = GitHubClient(
            http,
            token=github_server.token,
            api_url=github_server.api_url,
            retry=RetryPolicy(deadline=60, max_attempts=2),
            sleep=lambda _: None,
        )
        yield GitHubPublisher(client, "octo/app")


def _payload(data: object) -> str:
    encoded = base64.b64encode(json.dumps(data).encode()).decode()
    return f"report\n<!-- wandb-pr history: {encoded} -->\n"


def _entry(sha: str, minute: int = 0, verdict: Verdict = Verdict.PASS) -> PushEntry:
    return PushEntry.now(sha, verdict, "val_loss -1.0%", RUN_URL, NOON + timedelta(minutes=minute))


def test_pushes_are_carried_forward_newest_first_with_the_footer(
    github_server: GitHubTestServer, publisher: GitHubPublisher
) -> None:
    """Three pushes: the comment lists the two earlier ones, newest first, and says when."""
    for minute, sha in enumerate(("1" * 40, "2" * 40, "3" * 40)):
        target = Target(sha, 7, "pull_request")
        publish(
            publisher,
            reports.regression() if minute == 0 else reports.seeds_vs_baselines(),
            target,
            PublishOptions(comment_key="k"),
            target_url=RUN_URL,
            now=lambda m=minute: NOON + timedelta(minutes=m),  # type: ignore[misc]
        )
    (comment,) = github_server.comments("octo", "app", 7)
    body = str(comment["body"])
    assert body.startswith(marker("k") + "\n### ✅ wandb-pr: pass")
    doc = parse(body)
    earlier = doc.tables[-1]
    assert earlier.header == ["Commit", "Time", "Verdict", "Changes"]
    assert earlier.rows == [
        ["2222222", "2026-12-04 12:01 UTC", "✅ pass", "val_loss -4.8%"],
        ["1111111", "2026-12-04 12:00 UTC", "❌ regression", "val_loss +4.0%, val_acc -0.89%"],
    ]
    assert "Earlier pushes (2)" in doc.text
    assert "Updated for 3333333 · workflow run · 2026-12-04 12:02 UTC" in doc.text
    assert doc.links[-1] == "https://github.com/acme/detector/actions/runs/42"
    assert [e.sha for e in read_history(body)] == ["3333333", "2222222", "1111111"]


def test_a_rerun_of_the_same_commit_replaces_its_entry() -> None:
    """Re-running a commit does not list it twice; the history keeps at most MAX_ENTRIES."""
    earlier = [_entry(f"{i:07x}", i) for i in range(1, MAX_ENTRIES + 5)]
    tail = comment_tail(_entry("0000003", 30), earlier)
    kept = read_history(tail)
    assert len(kept) == MAX_ENTRIES
    assert [e.sha for e in kept].count("0000003") == 1
    assert kept[0].time == "2026-12-04 12:30 UTC"


@pytest.mark.parametrize(
    "body",
    [
        None,
        "",
        "no history here",
        "<!-- wandb-pr history: not base64!! -->",
        "<!-- wandb-pr history: " + base64.b64encode(b"{not json").decode() + " -->",
        "<!-- wandb-pr history: " + "A" * 20_000 + " -->",
        _payload({"sha": "1234567"}),
        _payload("[" * 5000),
    ],
)
def test_unreadable_history_starts_afresh(body: str | None) -> None:
    """Missing, malformed, oversized or nested payloads give an empty history, never an error."""
    assert read_history(body) == []


def test_hostile_entries_are_dropped_field_by_field() -> None:
    """Only entries shaped as written survive; their text is escaped when shown."""
    good = {"sha": "abcdef1", "time": "2026-12-04 12:00 UTC", "verdict": "pass", "changes": "ok"}
    hostile = [
        good,
        {**good, "sha": "--><script>"},
        {**good, "verdict": "merged"},
        {**good, "time": "yesterday"},
        {**good, "changes": "x" * 10_000},
        {**good, "extra": 1},
        {**good, "url": "javascript:alert(1)", "changes": "@admin #1 | <b>x</b> -->"},
        "not a dict",
    ]
    entries = read_history(_payload(hostile))
    assert [e.sha for e in entries] == ["abcdef1", "abcdef1"]
    assert entries[1].url == ""
    tail = comment_tail(_entry("9999999"), entries)
    doc = parse(tail)
    assert doc.tables[0].rows[1][3] == "@\u2060admin #\u20601 | <b>x</b> -->"
    assert "b" not in doc.tags
    assert tail.count("-->") == 1  # only the payload's own end: nothing closes it early


def test_history_and_report_together_stay_within_the_comment_limit(
    github_server: GitHubTestServer, publisher: GitHubPublisher
) -> None:
    """A report that fills whatever room it is given still leaves the comment under 65,536."""
    earlier = [_entry(f"{i:07x}", i) for i in range(1, MAX_ENTRIES)]
    github_server.add_comment(
        "octo", "app", 7, marker("k") + "\n" + _payload_of(earlier), login="github-actions[bot]"
    )
    publisher.sticky_comment(
        7, lambda limit: "x" * limit, key="k", mode=CommentMode.ON, entry=_entry("fedcba9", 60)
    )
    (comment,) = github_server.comments("octo", "app", 7)
    body = str(comment["body"])
    assert len(body) <= 65_536
    assert f"Earlier pushes ({MAX_ENTRIES - 1})" in body
    assert [e.sha for e in read_history(body)][:2] == ["fedcba9", "0000001"]


def _payload_of(entries: list[PushEntry]) -> str:
    return comment_tail(entries[0], entries[1:])


def test_without_room_for_the_table_the_history_is_still_carried() -> None:
    """A tail without the table still carries every earlier push to the next comment."""
    earlier = [_entry("1111111"), _entry("2222222")]
    tail = comment_tail(_entry("3333333"), earlier, table=False)
    assert "Earlier pushes" not in tail
    assert [e.sha for e in read_history(tail)] == ["3333333", "1111111", "2222222"]
