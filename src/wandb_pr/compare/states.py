"""Which run states are evidence (only ``finished``) and which may still finish."""

from __future__ import annotations

from wandb_pr.compare._exhaustive import unhandled
from wandb_pr.models import RunState

__all__ = ["IN_PROGRESS", "counts_toward_stats"]

IN_PROGRESS = frozenset({RunState.RUNNING, RunState.PENDING, RunState.PREEMPTING, RunState.UNKNOWN})
"""States of runs that may still finish: they make the verdict ``pending``."""


def counts_toward_stats(state: RunState) -> bool:
    """Whether a run in this state is evidence: only finished runs are."""
    match state:
        case RunState.FINISHED:
            return True
        case (
            RunState.RUNNING
            | RunState.PENDING
            | RunState.PREEMPTING
            | RunState.UNKNOWN
            | RunState.CRASHED
            | RunState.FAILED
            | RunState.KILLED
            | RunState.ABORTED
            | RunState.PREEMPTED
        ):
            return False
        case _:
            raise unhandled(state)
