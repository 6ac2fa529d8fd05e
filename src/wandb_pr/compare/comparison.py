"""Compare candidate runs with baseline runs, metric by metric, and decide the verdict.

Which runs count: every run except those that ended abnormally or never started (crashed,
failed, killed, aborted, preempted, pending). Running candidates count, but make the verdict
``pending``, so their numbers are provisional.

A metric's value is its summary value; anything but a finite, non-boolean number (a string,
``True``, NaN, infinity, a nested dict) is *unusable* and left out of the statistics, like a
missing key, and both are reported per run.

Per metric, with ``delta = candidate mean - baseline mean``:

- ``missing``: a side has no value at all;
- ``no-direction``: the direction is unknown, so the delta is shown without a judgement;
- ``unchanged``: ``|delta|`` is within the tolerance (``<=``);
- ``better``: improved beyond the tolerance;
- ``regression``: worse beyond the tolerance and, when both sides have >= 2 values, the Welch
  test rejects "same mean" at level ``alpha`` (with one value on a side there is no noise
  estimate, so the tolerance alone decides);
- ``worse``: worse beyond the tolerance, but within run-to-run noise (not significant).

When neither side varies at all, Welch's test is degenerate: a difference then counts as
significant (no noise was observed) and equal means get ``p = 1`` (see ``stats``).

Verdict: ``pending`` while any candidate is running or pending (not started), else ``no-runs``
when no candidate run counts (none found, or all crashed...), else ``regression`` when any
metric regressed, else ``pass``.
"""

from __future__ import annotations

import enum
import logging
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wandb_pr.compare._exhaustive import unhandled
from wandb_pr.compare.provenance import DataVersion, data_versions
from wandb_pr.compare.spec import Direction, MetricSpec, infer_direction
from wandb_pr.compare.stats import WelchResult, summarize, welch_t_test
from wandb_pr.errors import InputError
from wandb_pr.models import Run, RunSet, RunState, StateCounts
from wandb_pr.summary import summary_value

__all__ = [
    "MAX_AUTO_METRICS",
    "Comparison",
    "MetricComparison",
    "MetricStatus",
    "SideStats",
    "Verdict",
    "choose_metrics",
    "compare",
    "counts_toward_stats",
    "metric_value",
]

logger = logging.getLogger(__name__)

MAX_AUTO_METRICS = 20
"""At most this many metrics are chosen automatically when the user names none."""
_IN_PROGRESS = frozenset({RunState.RUNNING, RunState.PENDING})


class Verdict(str, enum.Enum):
    """The overall outcome (the Action's ``verdict`` output)."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    REGRESSION = "regression"
    PENDING = "pending"
    NO_RUNS = "no-runs"
    DIFFERENT_DATA = "different-data"
    """Candidates and baselines used different data versions, and the same was required."""


class MetricStatus(str, enum.Enum):
    """The outcome for one metric."""

    BETTER = "better"
    WORSE = "worse"
    REGRESSION = "regression"
    UNCHANGED = "unchanged"
    NO_DIRECTION = "no-direction"
    MISSING = "missing"


@dataclass(frozen=True)
class SideStats:
    """One metric's statistics over the counted runs of one side (candidates or baselines)."""

    n: int
    """Runs with a usable value."""
    mean: float | None
    """Mean of the values; ``None`` when ``n == 0``."""
    std: float | None
    """Sample standard deviation; ``None`` when ``n < 2``."""
    min: float | None
    """Smallest value; ``None`` when ``n == 0``."""
    max: float | None
    """Largest value; ``None`` when ``n == 0``."""
    values: tuple[float, ...]
    """The usable values, in run order."""
    run_ids: tuple[str, ...]
    """Ids of the runs the values came from, in the same order."""
    missing: tuple[str, ...] = ()
    """Ids of counted runs whose summary lacks the metric."""
    unusable: tuple[str, ...] = ()
    """Ids of counted runs whose value is not a finite number (string, bool, NaN, inf, dict)."""


@dataclass(frozen=True)
class MetricComparison:
    """One metric, candidates against baselines."""

    name: str
    """The metric's summary key."""
    spec: MetricSpec
    """The spec it came from (for chosen metrics: the bare name)."""
    direction: Direction
    """Which way is better, as used for the judgement."""
    direction_inferred: bool
    """``direction`` was guessed from the name rather than given by the user."""
    baseline: SideStats
    """Statistics over the baseline runs."""
    candidate: SideStats
    """Statistics over the candidate runs."""
    delta: float | None
    """Candidate mean minus baseline mean; ``None`` when a side is missing."""
    relative_delta: float | None
    """``delta / |baseline mean|``; ``None`` when a side is missing or the baseline mean is 0."""
    welch: WelchResult | None
    """Welch's t-test of candidates against baselines; ``None`` unless both sides have n >= 2."""
    significant: bool | None
    """``welch.p < alpha``; ``None`` when the test was not run."""
    status: MetricStatus
    """The judgement (see the module docstring)."""


@dataclass(frozen=True)
class Comparison:
    """Every metric compared, and the verdict."""

    metrics: tuple[MetricComparison, ...]
    """One entry per metric, in the user's order (chosen metrics: sorted by name)."""
    verdict: Verdict
    """The overall outcome."""
    alpha: float
    """Significance level of the Welch test."""
    counts: StateCounts
    """Candidate runs per state, and the number of baselines."""
    counted_candidates: tuple[str, ...]
    """Ids of the candidate runs that count toward the statistics."""
    counted_baselines: tuple[str, ...]
    """Ids of the baseline runs that count toward the statistics."""
    in_progress: int = 0
    """Candidate runs still running or waiting to start (``pending``)."""
    auto_metrics: bool = False
    """The metrics were chosen automatically (the user named none)."""
    metrics_left_out: int = 0
    """Numeric summary keys not chosen because of the :data:`MAX_AUTO_METRICS` cap."""
    data_versions: tuple[DataVersion, ...] = ()
    """The data artifacts each side used, and whether they differ."""

    @property
    def different_data(self) -> tuple[DataVersion, ...]:
        """Data artifacts the two sides used in different versions."""
        return tuple(v for v in self.data_versions if v.differs)

    @property
    def regressions(self) -> tuple[str, ...]:
        """Names of the regressed metrics (the ``regressions`` output joins them with commas).

        While the verdict is ``pending`` they are provisional.
        """
        return tuple(m.name for m in self.metrics if m.status is MetricStatus.REGRESSION)


def counts_toward_stats(state: RunState) -> bool:
    """Whether a run in this state contributes values (see the module docstring)."""
    match state:
        case RunState.FINISHED | RunState.RUNNING | RunState.UNKNOWN:
            return True
        case (
            RunState.CRASHED
            | RunState.FAILED
            | RunState.KILLED
            | RunState.ABORTED
            | RunState.PREEMPTED
            | RunState.PENDING
        ):
            return False
        case _:
            raise unhandled(state)


def metric_value(run: Run, name: str) -> float | None:
    """The run's usable value for a metric: a finite non-boolean number, else ``None``."""
    return _as_number(summary_value(run.summary, name))


def choose_metrics(
    candidates: Iterable[Run], *, limit: int = MAX_AUTO_METRICS
) -> tuple[tuple[str, ...], int]:
    """Pick metrics when the user named none: ``(chosen names, how many were left out)``.

    Candidates are the numeric summary keys of the counted candidate runs, nested dicts
    flattened to dotted names, skipping keys that start with ``_`` and W&B media objects
    (dicts with a ``_type``). Over the cap, keys with a known direction win, then by name.
    """
    found: set[str] = set()
    for run in candidates:
        if counts_toward_stats(run.state):
            found.update(
                key
                for key in _numeric_keys(run.summary, prefix="")
                if metric_value(run, key) is not None  # a dotted name must find its way back
            )
    ranked = sorted(found, key=lambda key: (infer_direction(key) is Direction.NONE, key))
    chosen = sorted(ranked[:limit])
    return tuple(chosen), len(found) - len(chosen)


def compare(
    run_set: RunSet,
    specs: Sequence[MetricSpec] = (),
    *,
    alpha: float = 0.05,
    max_auto_metrics: int = MAX_AUTO_METRICS,
    require_same_data: bool = False,
) -> Comparison:
    """Compare the candidates with the baselines; with no ``specs``, choose the metrics.

    With ``require_same_data``, runs evaluated on different data versions fail the gate
    (verdict ``different-data``) whatever the metrics say.
    """
    if not 0 < alpha < 1:
        raise InputError(
            f"significance level {alpha!r} is not between 0 and 1",
            tip="Use a level such as 0.05 (5%) or 0.01.",
        )
    auto, left_out = not specs, 0
    if auto:
        names, left_out = choose_metrics(run_set.candidates, limit=max_auto_metrics)
        specs = tuple(MetricSpec(name=name) for name in names)
        logger.debug("chose %d metrics automatically (%d left out)", len(names), left_out)
    candidates = tuple(r for r in run_set.candidates if counts_toward_stats(r.state))
    baselines = tuple(r for r in run_set.baselines if counts_toward_stats(r.state))
    metrics = tuple(_compare_metric(spec, candidates, baselines, alpha) for spec in specs)
    counts = run_set.counts
    in_progress = sum(1 for r in run_set.candidates if r.state in _IN_PROGRESS)
    versions = data_versions(candidates, baselines)
    verdict = _verdict(metrics, candidates, in_progress)
    settled = verdict in (Verdict.PASS, Verdict.REGRESSION)
    if require_same_data and settled and any(v.differs for v in versions):
        verdict = Verdict.DIFFERENT_DATA
    return Comparison(
        metrics=metrics,
        verdict=verdict,
        data_versions=versions,
        alpha=alpha,
        counts=counts,
        counted_candidates=tuple(r.id for r in candidates),
        counted_baselines=tuple(r.id for r in baselines),
        auto_metrics=auto,
        in_progress=in_progress,
        metrics_left_out=left_out,
    )


def _verdict(
    metrics: Sequence[MetricComparison], counted_candidates: Sequence[Run], in_progress: int
) -> Verdict:
    if in_progress:
        return Verdict.PENDING
    if not counted_candidates:
        return Verdict.NO_RUNS
    if any(m.status is MetricStatus.REGRESSION for m in metrics):
        return Verdict.REGRESSION
    return Verdict.PASS


def _compare_metric(
    spec: MetricSpec, candidates: Sequence[Run], baselines: Sequence[Run], alpha: float
) -> MetricComparison:
    if spec.direction is None:
        direction = infer_direction(spec.name)
        inferred = direction is not Direction.NONE
    else:
        direction, inferred = spec.direction, False
    cand, base = _side(candidates, spec.name), _side(baselines, spec.name)
    delta = relative = welch = significant = None
    if cand.mean is not None and base.mean is not None:
        delta = cand.mean - base.mean
        relative = delta / abs(base.mean) if base.mean != 0 else None
        if cand.n >= 2 and base.n >= 2:
            welch = welch_t_test(cand.values, base.values)
            significant = welch.p < alpha
    status = _status(spec, direction, base, delta, significant)
    return MetricComparison(
        name=spec.name,
        spec=spec,
        direction=direction,
        direction_inferred=inferred,
        baseline=base,
        candidate=cand,
        delta=delta,
        relative_delta=relative,
        welch=welch,
        significant=significant,
        status=status,
    )


def _status(
    spec: MetricSpec,
    direction: Direction,
    base: SideStats,
    delta: float | None,
    significant: bool | None,
) -> MetricStatus:
    if delta is None or base.mean is None:
        return MetricStatus.MISSING
    if direction is Direction.NONE:
        return MetricStatus.NO_DIRECTION
    if not abs(delta) > spec.tolerance.threshold(base.mean):
        return MetricStatus.UNCHANGED
    if direction is Direction.HIGHER:
        improved = delta > 0
    elif direction is Direction.LOWER:
        improved = delta < 0
    else:
        raise unhandled(direction)
    if improved:
        return MetricStatus.BETTER
    return MetricStatus.WORSE if significant is False else MetricStatus.REGRESSION


def _side(runs: Sequence[Run], name: str) -> SideStats:
    values: list[float] = []
    ids: list[str] = []
    missing: list[str] = []
    unusable: list[str] = []
    for run in runs:
        raw = summary_value(run.summary, name)
        number = _as_number(raw)
        if number is not None:
            values.append(number)
            ids.append(run.id)
        elif raw is None:
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
    )


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    try:
        number = float(value)
    except (OverflowError, ValueError):  # a huge int
        return None
    return number if math.isfinite(number) else None


def _numeric_keys(mapping: Mapping[str, Any], *, prefix: str) -> Iterable[str]:
    for key, value in mapping.items():
        if not isinstance(key, str) or key.startswith("_"):
            continue
        if isinstance(value, Mapping):
            if "_type" not in value:
                yield from _numeric_keys(value, prefix=f"{prefix}{key}.")
        elif _as_number(value) is not None:
            yield prefix + key
