"""Reading GitHub event payloads (untrusted data) for the commit and pull request."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wandb_pr.events import EventCommit, event_commit, mentions_trigger

HEAD, BASE, MERGE = "a" * 40, "b" * 40, "c" * 40


@pytest.mark.parametrize(
    ("name", "payload", "expected"),
    [
        (
            "pull_request",
            {"pull_request": {"number": 7, "head": {"sha": HEAD}, "base": {"sha": BASE}}},
            EventCommit(HEAD, "pull_request.head.sha", base_sha=BASE, pr_number=7, merge_sha=MERGE),
        ),
        (
            "pull_request_target",
            {"pull_request": {"number": 7, "head": {"sha": HEAD}}},
            EventCommit(HEAD, "pull_request.head.sha", pr_number=7, merge_sha=MERGE),
        ),
        (
            "workflow_run",
            {
                "workflow_run": {
                    "head_sha": HEAD,
                    "pull_requests": [
                        {"number": 2, "head": {"sha": BASE}, "base": {"sha": BASE}},
                        {"number": 3, "head": {"sha": HEAD}, "base": {"sha": BASE}},
                    ],
                }
            },
            EventCommit(HEAD, "workflow_run.head_sha", base_sha=BASE, pr_number=3),
        ),
        (
            "workflow_run",  # a pull request whose head moved on since the run: not this one's
            {"workflow_run": {"head_sha": HEAD, "pull_requests": [{"number": 3, "head": {}}]}},
            EventCommit(HEAD, "workflow_run.head_sha"),
        ),
        (
            "workflow_run",
            {"workflow_run": {"head_sha": HEAD, "pull_requests": []}},  # fork PRs: empty
            EventCommit(HEAD, "workflow_run.head_sha"),
        ),
        (
            "issue_comment",
            {"issue": {"number": 9, "pull_request": {"url": "x"}}, "comment": {"body": "/wandb"}},
            EventCommit(None, "the pull request of the comment", pr_number=9, comment="/wandb"),
        ),
        (
            "issue_comment",
            {"issue": {"number": 9}, "comment": {"body": "/wandb"}},
            EventCommit(None, "nowhere (a comment on an issue, not a pull request)"),
        ),
        ("push", {"after": HEAD}, EventCommit(MERGE, "GITHUB_SHA")),
    ],
)
def test_events(name: str, payload: dict[str, Any], expected: EventCommit) -> None:
    """Each event kind yields its commit and pull request; GITHUB_SHA is the last resort."""
    assert event_commit(name, payload, MERGE) == expected


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(
    st.sampled_from(["pull_request", "workflow_run", "issue_comment", "push", ""]),
    st.dictionaries(
        st.sampled_from(["pull_request", "workflow_run", "issue", "comment"]), json_values
    ),
)
def test_hostile_payloads_never_raise(name: str, payload: dict[str, Any]) -> None:
    """Any payload shape reads as a commit or as absent, never as an exception."""
    event = event_commit(name, payload, None)
    assert event.sha is None or isinstance(event.sha, str)
    assert event.pr_number is None or (isinstance(event.pr_number, int) and event.pr_number > 0)


@pytest.mark.parametrize(
    ("comment", "asks"),
    [
        ("/wandb", True),
        ("  /wandb please", True),
        ("thanks!\n/wandb\n", True),
        ("see /wandb docs", False),
        ("/wandbx", False),
        ("/wandb-pr", False),
        ("", False),
    ],
)
def test_trigger_phrase(comment: str, asks: bool) -> None:
    """Only a comment with the phrase at the start of a line, as a whole word, asks for a report."""
    assert mentions_trigger(comment, "/wandb") is asks
