"""Waiting for candidate runs to finish before reporting."""

from __future__ import annotations

import pytest

from tests.factories import make_run
from wandb_pr.errors import InputError
from wandb_pr.models import Run, RunSet
from wandb_pr.pipeline import Context, Waiting, produce
from wandb_pr.selection import Selection
from wandb_pr.settings import Settings, parse_duration


class ChangingSource:
    """A run source whose runs change between fetches, as training progresses."""

    def __init__(self, rounds: list[tuple[Run, ...]]) -> None:
        self.rounds = rounds
        self.fetches = 0

    def fetch(self, selection: Selection) -> RunSet:
        """The runs of the next round (the last round repeats)."""
        runs = self.rounds[min(self.fetches, len(self.rounds) - 1)]
        self.fetches += 1
        return RunSet(runs, ())


class FakeTime:
    """A clock that moves only when slept."""

    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def sleep(self, seconds: float) -> None:
        """Advance the clock."""
        self.pauses.append(seconds)
        self.now += seconds


SETTINGS = Settings(entity="acme", project="det", run_ids=("r1",))
RUNNING = (make_run("r1", state="running", summary={"acc": 0.5}),)
FINISHED = (make_run("r1", state="finished", summary={"acc": 0.9}),)


def waiting(clock: FakeTime, seconds: float, seen: list[int]) -> Waiting:
    """A Waiting on the fake clock that records what it reports."""
    return Waiting(
        seconds=seconds,
        on_wait=lambda unfinished, pause: seen.append(unfinished),
        sleep=clock.sleep,
        clock=lambda: clock.now,
    )


def test_waits_until_runs_finish() -> None:
    """Polling continues with growing pauses until no candidate is running."""
    clock, seen = FakeTime(), []
    source = ChangingSource([(), RUNNING, RUNNING, FINISHED])
    outcome = produce(SETTINGS, source, Context(), waiting(clock, 1200, seen))
    assert outcome.report.comparison.verdict.value == "no-baseline"  # no longer running
    assert source.fetches == 4
    assert clock.pauses == [15.0, 30.0, 60.0]
    assert seen == [1, 1, 1]


def test_time_up_reports_pending() -> None:
    """When the wait runs out the report is made from what there is: pending."""
    clock, seen = FakeTime(), []
    source = ChangingSource([RUNNING])
    outcome = produce(SETTINGS, source, Context(), waiting(clock, 100, seen))
    assert outcome.report.comparison.verdict.value == "pending"
    assert clock.now == 100
    assert clock.pauses == [15.0, 30.0, 55.0]


def test_no_wait_fetches_once() -> None:
    """Without a wait, one fetch."""
    source = ChangingSource([RUNNING])
    produce(SETTINGS, source, Context())
    assert source.fetches == 1


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("", 0), ("90", 90), ("90s", 90), ("20m", 1200), ("1h30m", 5400), ("2.5", 2.5)],
)
def test_durations(text: str, seconds: float) -> None:
    """Durations read as seconds, minutes, hours or a plain number."""
    assert parse_duration(text, what="--wait") == seconds


@pytest.mark.parametrize("text", ["20 minutes", "m", "-5", "1d"])
def test_bad_durations(text: str) -> None:
    """Anything else is an error naming the input."""
    with pytest.raises(InputError, match="--wait is not a duration"):
        parse_duration(text, what="--wait")
