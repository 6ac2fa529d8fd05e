"""Where each verdict stands for a gate, and what every door makes of it."""

from __future__ import annotations

import pytest

from wandb_pr.compare import Standing, Verdict
from wandb_pr.entry.exit_codes import EXIT_OK, gate_exit_code
from wandb_pr.publish.github import check_conclusion, status_state

# verdict: (standing, exit code, exit code with allow-missing, check, check with allow-missing,
#           commit status)
TABLE = {
    Verdict.PASS: (Standing.PASSED, 0, 0, "success", "success", "success"),
    Verdict.REGRESSION: (Standing.FAILED, 1, 1, "failure", "failure", "failure"),
    Verdict.DIFFERENT_DATA: (Standing.FAILED, 1, 1, "failure", "failure", "failure"),
    Verdict.DIVERGED: (Standing.FAILED, 6, 6, "failure", "failure", "failure"),
    Verdict.UNCOMMITTED_CHANGES: (Standing.FAILED, 11, 11, "failure", "failure", "failure"),
    Verdict.MISSING_METRIC: (Standing.MISSING, 7, 0, "failure", "neutral", "error"),
    Verdict.NO_BASELINE: (Standing.MISSING, 8, 0, "failure", "neutral", "error"),
    Verdict.NO_RUNS: (Standing.MISSING, 9, 0, "failure", "neutral", "error"),
    Verdict.PENDING: (Standing.WAITING, 10, 0, "failure", "neutral", "pending"),
}


def test_the_table_covers_every_verdict() -> None:
    """Every verdict has a row: a new verdict must be placed deliberately."""
    assert set(TABLE) == set(Verdict)


@pytest.mark.parametrize("verdict", list(Verdict))
def test_each_verdict_maps_the_same_way_at_every_door(verdict: Verdict) -> None:
    """Standing, exit codes, check conclusion and commit status agree with the table."""
    standing, code, allowed, check, check_allowed, status = TABLE[verdict]
    assert verdict.standing is standing
    assert gate_exit_code(verdict, allow_missing=False) == code
    assert gate_exit_code(verdict, allow_missing=True) == allowed
    assert verdict.fails_gate(allow_missing=False) is (code != EXIT_OK)
    assert verdict.fails_gate(allow_missing=True) is (allowed != EXIT_OK)
    assert check_conclusion(verdict) == check
    assert check_conclusion(verdict, allow_missing=True) == check_allowed
    assert status_state(verdict) == status
