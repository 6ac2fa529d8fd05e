"""One metric, candidates against baselines: each side's values, the test, the status (pure).

Per metric, with ``delta = candidate mean - baseline mean`` over the finite values:

- ``not-found``: no run on either side has the name (the report suggests the nearest names);
- ``missing``: a side has no finite value (no value, text, a media object...);
- ``diverged``: the metric has a direction and a larger share of the candidates than of the
  baselines has a NaN or infinite value (the training diverged more often): fails the gate;
- ``no-direction``: the direction is unknown, so the delta is shown without a judgement;
- ``unchanged``: ``|delta|`` is within the tolerance (``<=``);
- ``better``: improved beyond the tolerance;
- ``regression``: worse beyond the tolerance and the one-sided test ("the candidates are
  worse"), corrected for the number of metrics (Holm), rejects at level ``alpha``; with one
  run on each side there is no noise estimate, and the tolerance alone decides (the report
  says so);
- ``worse``: worse beyond the tolerance, but within run-to-run noise (not significant), or
  provisional (candidates still running).

The test: Welch's t-test when both sides have >= 2 finite values; with one value on one side
and >= 2 on the other, the prediction-interval test (the single value against the other side's
mean and spread, :func:`~wandb_pr.compare.stats.prediction_test`); none with one on each side.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from wandb_pr.compare.directions import Direction
from wandb_pr.compare.stats import WelchResult, prediction_test, summarize, welch_t_test
from wandb_pr.compare.values import Kind, read_metric
from wandb_pr.models import Run

__all__ = [
    "MetricStatus",
    "SideStats",
    "Significance",
    "is_diverged",
    "one_sided_p",
    "points_worse",
    "run_test",
    "side_stats",
    "suggest",
]


class MetricStatus(str, enum.Enum):
    """The outcome for one metric."""

    BETTER = "better"
    WORSE = "worse"
    REGRESSION = "regression"
    DIVERGED = "diverged"
    UNCHANGED = "unchanged"
    NO_DIRECTION = "no-direction"
    MISSING = "missing"
    NOT_FOUND = "not-found"


@dataclass(frozen=True)
class SideStats:
    """One metric's statistics over the counted runs of one side (candidates or baselines)."""

    n: int
    """Runs with a finite value."""
    mean: float | None
    """Mean of the finite values; ``None`` when ``n == 0``."""
    std: float | None
    """Sample standard deviation; ``None`` when ``n < 2``."""
    min: float | None
    """Smallest value; ``None`` when ``n == 0``."""
    max: float | None
    """Largest value; ``None`` when ``n == 0``."""
    values: tuple[float, ...]
    """The finite values, in run order."""
    run_ids: tuple[str, ...]
    """Ids of the runs the values came from, in the same order."""
    missing: tuple[str, ...] = ()
    """Ids of counted runs that lack the metric."""
    unusable: tuple[str, ...] = ()
    """Ids of counted runs whose value is not a number (text, a boolean, a media object)."""
    non_finite: tuple[str, ...] = ()
    """Ids of counted runs whose value is NaN or infinite (diverged)."""
    nan: int = 0
    """How many of ``non_finite`` are NaN (the rest are infinite)."""
    sources: tuple[str, ...] = ()
    """Where the values came from (``summary``, ``summary min``, ``history last``...)."""

    @property
    def total(self) -> int:
        """Counted runs on this side."""
        return self.n + len(self.missing) + len(self.unusable) + len(self.non_finite)


@dataclass(frozen=True)
class Significance:
    """The significance test run for one metric."""

    name: str
    """``welch`` (both sides >= 2 values) or ``prediction`` (one value on one side)."""
    t: float | None
    """The t statistic (candidates minus baselines); ``None`` when no side varies."""
    df: float | None
    """Degrees of freedom; ``None`` when no side varies."""
    p: float
    """p-value of this metric alone: for a metric with a direction, one-sided in the direction
    the change points ("worse" or "better"); two-sided for a metric without one."""
    p_adjusted: float
    """Holm-adjusted p-value over the report's tested metrics with a direction, for the claim
    the change points to: "worse" claims and "better" claims are two families, each held to
    ``alpha``, so a clear improvement never lowers the bar for calling a regression."""


def side_stats(
    runs: Sequence[Run], name: str, direction: Direction, at_step: int | None = None
) -> SideStats:
    """Read the metric from every run of one side."""
    values: list[float] = []
    ids: list[str] = []
    missing: list[str] = []
    unusable: list[str] = []
    non_finite: list[str] = []
    nan = 0
    sources: dict[str, None] = {}
    for run in runs:
        reading = read_metric(run, name, direction, at_step=at_step)
        if reading.kind is Kind.FINITE and reading.value is not None:
            values.append(reading.value)
            ids.append(run.id)
            sources[reading.source] = None
        elif reading.kind is Kind.NON_FINITE:
            non_finite.append(run.id)
            nan += reading.value != reading.value
            sources[reading.source] = None
        elif reading.kind is Kind.MISSING:
            missing.append(run.id)
        else:
            unusable.append(run.id)
    s = summarize(values)
    return SideStats(
        n=s.n,
        mean=s.mean,
        std=s.std,
        min=s.min,
        max=s.max,
        values=tuple(values),
        run_ids=tuple(ids),
        missing=tuple(missing),
        unusable=tuple(unusable),
        non_finite=tuple(non_finite),
        nan=nan,
        sources=tuple(sources),
    )


def run_test(candidate: SideStats, baseline: SideStats) -> WelchResult | None:
    """Welch's test, the prediction test, or ``None`` (see the module docstring)."""
    if candidate.n >= 2 and baseline.n >= 2:
        return welch_t_test(candidate.values, baseline.values)
    if candidate.n == 1 and baseline.n >= 2:
        return prediction_test(candidate.values[0], baseline.values)
    if baseline.n == 1 and candidate.n >= 2:
        result = prediction_test(baseline.values[0], candidate.values)
        t = None if result.t is None else -result.t  # candidates minus baselines
        return WelchResult(t=t, df=result.df, p=result.p)
    return None


def points_worse(delta: float, direction: Direction) -> bool:
    """Whether a change points the bad way for a metric with a direction."""
    return delta > 0 if direction is Direction.LOWER else delta < 0


def one_sided_p(two_sided_p: float, direction: Direction) -> float:
    """The one-sided p-value in the direction the change points, from a symmetric test's
    two-sided one: half of it. Without a direction there is no side to take."""
    return two_sided_p if direction is Direction.NONE else two_sided_p / 2


def suggest(name: str, known: Collection[str]) -> tuple[str, ...]:
    """The nearest existing names to a name no run has (``val_acc`` -> ``val/acc``)."""
    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
    if not close:
        folded = {k.lower().replace("/", "_").replace(".", "_"): k for k in known}
        key = name.lower().replace("/", "_").replace(".", "_")
        close = [folded[k] for k in difflib.get_close_matches(key, sorted(folded), n=3)]
    return tuple(close)


def is_diverged(spec_direction: Direction, candidate: SideStats, baseline: SideStats) -> bool:
    """More of the candidates than of the baselines went NaN/inf, on a metric with a goal.

    A share, not "any baseline diverged too": one diverged baseline seed must not hide
    candidates that diverged more often. Baselines with no finite value at all leave the
    metric missing instead (nothing to compare the finite candidates with).
    """
    return (
        spec_direction is not Direction.NONE
        and bool(candidate.non_finite)
        and baseline.n > 0
        and _non_finite_share(candidate) > _non_finite_share(baseline)
    )


def _non_finite_share(side: SideStats) -> float:
    """The share of a side's numeric values that are NaN or infinite."""
    numeric = side.n + len(side.non_finite)
    return len(side.non_finite) / numeric if numeric else 0.0
