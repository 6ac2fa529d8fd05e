"""Which states may still finish, and what the seed's counts make of them."""

from __future__ import annotations

import pytest

from tests.compare.factories import make_run
from wandb_pr.compare.states import IN_PROGRESS, counts_toward_stats
from wandb_pr.models import RunState, StateCounts

MAY_FINISH = {"running", "pending", "preempting", "unknown"}


@pytest.mark.parametrize("state", list(RunState))
def test_a_state_either_may_finish_or_has_ended(state: RunState) -> None:
    """Running, pending, preempting and unknown may finish; no other state does."""
    assert state.may_finish is (state.value in MAY_FINISH)
    assert (state in IN_PROGRESS) is state.may_finish
    if state.may_finish:
        assert not counts_toward_stats(state)


@pytest.mark.parametrize("state", sorted(MAY_FINISH))
def test_a_run_that_may_still_finish_keeps_the_set_incomplete(state: str) -> None:
    """One finished and one run in a state that may still finish: not complete."""
    runs = [make_run("a"), make_run("b", state=state)]
    counts = StateCounts.of(runs, [])
    assert counts.finished == 1
    assert counts.waiting == 1
    assert not counts.complete


@pytest.mark.parametrize("state", ["crashed", "killed", "preempted"])
def test_runs_that_ended_badly_leave_the_set_complete(state: str) -> None:
    """A finished run beside one that ended (crashed, killed, preempted) is complete."""
    counts = StateCounts.of([make_run("a"), make_run("b", state=state)], [])
    assert counts.waiting == 0
    assert counts.complete
