"""Compare candidate runs with baseline runs, metric by metric, and decide the verdict.

Which runs are evidence: only ``finished`` runs. Runs still ``running``, ``pending`` (queued),
``preempting`` or in a state wandb-pr does not know make the verdict ``pending``; runs that
ended without finishing (crashed, failed, killed, aborted, preempted) are left out, and the
report lists them with their state.

While candidates run, they are compared provisionally with the baselines at the same step
(the smallest step a running candidate has reached): values from each run's history at or
before that step where the history has the metric. Provisional statuses are never regressions.

The statuses of one metric are described in :mod:`wandb_pr.compare.metric`. The p-values of
the metrics with a direction are corrected together with Holm's step-down procedure, so the
chance that a report calls any regression when nothing changed stays at ``alpha``.

The verdict, the first that applies:

1. ``pending``: a candidate is running, pending, preempting or in an unknown state;
2. ``no-runs``: no candidate run finished;
3. ``no-baseline``: no baseline run finished (none asked for, none found);
4. ``diverged``: a metric with a direction went NaN/inf on a larger share of the candidates
   than of the baselines;
5. ``regression``: a metric regressed;
6. ``missing-metric``: a metric (named, or chosen) has no finite value on a side, no run has
   it at all, there was no metric to compare, or no compared metric has a direction (nothing
   was judged);
7. ``pass``: every metric was compared on both sides, and none regressed; an earlier commit's
   runs standing in for the head's (``stale``) are ``pending`` instead.

With ``require_same_data``, a ``pass`` or ``regression`` on different data versions becomes
``different-data``. With ``require_clean``, a verdict that could still pass (any but
``regression``, ``diverged`` and ``different-data``, which fail anyway) becomes
``uncommitted-changes`` when a counted run, on either side, was trained with uncommitted changes
(W&B saved a non-empty ``diff.patch`` with it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from wandb_pr.compare._exhaustive import unhandled
from wandb_pr.compare.directions import Direction, infer_direction
from wandb_pr.compare.metric import (
    MetricStatus,
    SideStats,
    Significance,
    is_diverged,
    one_sided_p,
    points_worse,
    run_test,
    side_stats,
    suggest,
)
from wandb_pr.compare.provenance import DataVersion, data_versions
from wandb_pr.compare.spec import MetricSpec
from wandb_pr.compare.states import IN_PROGRESS, counts_toward_stats
from wandb_pr.compare.stats import holm_adjust
from wandb_pr.compare.values import (
    Kind,
    current_step,
    is_aggregate_part,
    metric_names,
    read_metric,
)
from wandb_pr.compare.verdict import Standing, Verdict
from wandb_pr.errors import InputError
from wandb_pr.models import Run, RunSet, RunState, StateCounts

__all__ = [
    "IN_PROGRESS",
    "MAX_AUTO_METRICS",
    "Comparison",
    "MetricComparison",
    "MetricStatus",
    "SideStats",
    "Significance",
    "Verdict",
    "choose_metrics",
    "compare",
    "counts_toward_stats",
    "metric_value",
]

logger = logging.getLogger(__name__)

MAX_AUTO_METRICS = 20
"""At most this many metrics are chosen automatically when the user names none."""


@dataclass(frozen=True)
class MetricComparison:
    """One metric, candidates against baselines."""

    name: str
    """The metric's name (summary key, dotted path, or history key)."""
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
    """Candidate mean minus baseline mean; ``None`` when a side has no finite value."""
    relative_delta: float | None
    """``delta / |baseline mean|``; ``None`` when a side is missing or the baseline mean is 0."""
    test: Significance | None
    """The significance test; ``None`` with fewer than one value on a side, or one on each."""
    significant: bool | None
    """``test.p_adjusted < alpha``; ``None`` when no test was run."""
    status: MetricStatus
    """The judgement (see :mod:`wandb_pr.compare.metric`)."""
    suggestions: tuple[str, ...] = ()
    """For a name no run has: the nearest names that exist."""
    provisional: bool = False
    """Candidates are still running: the status is provisional, never a regression."""

    @property
    def no_noise_estimate(self) -> bool:
        """One finite value on each side: nothing says how much runs vary."""
        return self.candidate.n == 1 and self.baseline.n == 1

    @property
    def source(self) -> str:
        """Where the values came from, when not plainly the summary (``summary min``)."""
        found = dict.fromkeys((*self.candidate.sources, *self.baseline.sources))
        found.pop("summary", None)
        return ", ".join(found)


@dataclass(frozen=True)
class Comparison:
    """Every metric compared, and the verdict."""

    metrics: tuple[MetricComparison, ...]
    """One entry per metric, in the user's order (chosen metrics: sorted by name)."""
    verdict: Verdict
    """The overall outcome."""
    alpha: float
    """Family-wise significance level (Holm-Bonferroni over the tested metrics)."""
    counts: StateCounts
    """Candidate runs per state, and the number of baselines."""
    counted_candidates: tuple[str, ...]
    """Ids of the candidate runs that count toward the statistics."""
    counted_baselines: tuple[str, ...]
    """Ids of the baseline runs that count toward the statistics."""
    in_progress: int = 0
    """Candidate runs not finished yet (running, pending, preempting, unknown state)."""
    auto_metrics: bool = False
    """The metrics were chosen automatically (the user named none)."""
    metrics_left_out: int = 0
    """Numeric summary keys not chosen because of the :data:`MAX_AUTO_METRICS` cap."""
    data_versions: tuple[DataVersion, ...] = ()
    """The data artifacts each side used, and whether they differ."""
    at_step: int | None = None
    """While candidates run: the step the sides are compared at."""
    baseline_steps: int | None = None
    """While candidates run: how many steps the baselines logged (``at step 14 of 30``)."""
    allow_missing: bool = False
    """The user accepted missing evidence (``--allow-missing``): it does not fail the gate."""
    uncommitted: tuple[str, ...] = ()
    """Ids of the counted runs (either side) trained with uncommitted changes."""
    stale: bool = False
    """The candidates are an earlier commit's runs: the head commit has none yet."""

    @property
    def different_data(self) -> tuple[DataVersion, ...]:
        """Data artifacts the two sides used in different versions."""
        return tuple(v for v in self.data_versions if v.differs)

    @property
    def regressions(self) -> tuple[str, ...]:
        """Names of the regressed or diverged metrics (the ``regressions`` output)."""
        failed = (MetricStatus.REGRESSION, MetricStatus.DIVERGED)
        return tuple(m.name for m in self.metrics if m.status in failed)

    @property
    def missing(self) -> tuple[MetricComparison, ...]:
        """Metrics that could not be compared on both sides."""
        gaps = (MetricStatus.MISSING, MetricStatus.NOT_FOUND)
        return tuple(m for m in self.metrics if m.status in gaps)

    @property
    def tested(self) -> int:
        """How many metrics entered the Holm correction."""
        return sum(1 for m in self.metrics if m.test and m.direction is not Direction.NONE)


def metric_value(run: Run, name: str, direction: Direction = Direction.NONE) -> float | None:
    """The run's finite value for a metric (a ``define_metric`` summary read for the
    direction), else ``None``."""
    reading = read_metric(run, name, direction)
    return reading.value if reading.kind is Kind.FINITE else None


def choose_metrics(
    candidates: Iterable[Run], *, limit: int = MAX_AUTO_METRICS, baselines: Iterable[Run] = ()
) -> tuple[tuple[str, ...], int]:
    """Pick metrics when the user named none: ``(chosen names, how many were left out)``.

    The numeric summary keys of the candidates (finite, NaN or infinite: a diverged metric is
    chosen too), nested dicts flattened to dotted names and ``define_metric`` summaries by
    their own name, skipping keys that start with ``_`` and W&B media objects; and the
    baselines' keys with a known direction, so that a goal metric the candidates stopped
    logging is missing, not silently dropped. Over the cap, keys with a known direction win,
    then by name.
    """
    found = _numeric_keys(candidates)
    found |= {k for k in _numeric_keys(baselines) if infer_direction(k) is not Direction.NONE}
    ranked = sorted(found, key=lambda key: (infer_direction(key) is Direction.NONE, key))
    chosen = sorted(ranked[:limit])
    return tuple(chosen), len(found) - len(chosen)


def _numeric_keys(runs: Iterable[Run]) -> set[str]:
    """The numeric summary keys of the runs that count (or still run)."""
    found: set[str] = set()
    for run in runs:
        if not (counts_toward_stats(run.state) or run.state is RunState.RUNNING):
            continue
        found.update(
            key
            for key in metric_names([replace(run, history={})])
            if not is_aggregate_part(run, key)  # val_loss.max is a part of val_loss
            and read_metric(run, key, infer_direction(key)).kind in (Kind.FINITE, Kind.NON_FINITE)
        )
    return found


def compare(
    run_set: RunSet,
    specs: Sequence[MetricSpec] = (),
    *,
    alpha: float = 0.05,
    max_auto_metrics: int = MAX_AUTO_METRICS,
    require_same_data: bool = False,
    allow_missing: bool = False,
    require_clean: bool = False,
    stale: bool = False,
) -> Comparison:
    """Compare the candidates with the baselines; with no ``specs``, choose the metrics.

    ``stale``: the candidates are an earlier commit's runs, standing in for a head commit that
    has none yet. They can show a regression, but never pass the head: a pass waits for the
    head's own runs (``pending``).
    """
    if not 0 < alpha < 1:
        raise InputError(
            f"significance level {alpha!r} is not between 0 and 1",
            tip="Use a level such as 0.05 (5%) or 0.01.",
        )
    in_progress = sum(1 for r in run_set.candidates if r.state in IN_PROGRESS)
    finished = tuple(r for r in run_set.candidates if counts_toward_stats(r.state))
    running = tuple(r for r in run_set.candidates if r.state is RunState.RUNNING)
    baselines = tuple(r for r in run_set.baselines if counts_toward_stats(r.state))
    at_step = baseline_steps = None
    candidates = finished
    if in_progress:
        candidates = finished + running
        steps = [s for s in map(current_step, running) if s is not None]
        at_step = min(steps) if steps else None
        ends = [s for s in map(current_step, baselines) if s is not None]
        baseline_steps = max(ends) + 1 if ends and at_step is not None else None
    auto, left_out = not specs, 0
    if auto:
        names, left_out = choose_metrics(candidates, limit=max_auto_metrics, baselines=baselines)
        specs = tuple(MetricSpec(name=name) for name in names)
        logger.debug("chose %d metrics automatically (%d left out)", len(names), left_out)
    known = metric_names(run_set.candidates + run_set.baselines)
    metrics = [_measure(spec, candidates, baselines, at_step, known) for spec in specs]
    metrics = _judge(metrics, alpha, provisional=bool(in_progress))
    versions = data_versions(candidates, baselines)
    verdict = _verdict(metrics, finished, baselines, in_progress)
    settled = verdict in (Verdict.PASS, Verdict.REGRESSION)
    if require_same_data and settled and any(v.differs for v in versions):
        verdict = Verdict.DIFFERENT_DATA
    if stale and verdict is Verdict.PASS:
        verdict = Verdict.PENDING
    uncommitted = tuple(r.id for r in (*candidates, *baselines) if r.uncommitted)
    if require_clean and uncommitted and verdict.standing is not Standing.FAILED:
        verdict = Verdict.UNCOMMITTED_CHANGES
    return Comparison(
        metrics=tuple(metrics),
        verdict=verdict,
        data_versions=versions,
        alpha=alpha,
        counts=run_set.counts,
        counted_candidates=tuple(r.id for r in candidates),
        counted_baselines=tuple(r.id for r in baselines),
        auto_metrics=auto,
        in_progress=in_progress,
        metrics_left_out=left_out,
        at_step=at_step,
        baseline_steps=baseline_steps,
        allow_missing=allow_missing,
        uncommitted=uncommitted,
        stale=stale,
    )


def _verdict(
    metrics: Sequence[MetricComparison],
    finished: Sequence[Run],
    baselines: Sequence[Run],
    in_progress: int,
) -> Verdict:
    statuses = {m.status for m in metrics}
    if in_progress:
        return Verdict.PENDING
    if not finished:
        return Verdict.NO_RUNS
    if not baselines:
        return Verdict.NO_BASELINE
    if MetricStatus.DIVERGED in statuses:
        return Verdict.DIVERGED
    if MetricStatus.REGRESSION in statuses:
        return Verdict.REGRESSION
    if not metrics or statuses & {MetricStatus.MISSING, MetricStatus.NOT_FOUND}:
        return Verdict.MISSING_METRIC
    if statuses == {MetricStatus.NO_DIRECTION}:  # shown, but nothing was judged
        return Verdict.MISSING_METRIC
    return Verdict.PASS


def _measure(
    spec: MetricSpec,
    candidates: Sequence[Run],
    baselines: Sequence[Run],
    at_step: int | None,
    known: set[str],
) -> MetricComparison:
    """Each side's values, the delta and the uncorrected test; the status comes later."""
    if spec.direction is None:
        direction = infer_direction(spec.name)
        inferred = direction is not Direction.NONE
    else:
        direction, inferred = spec.direction, False
    cand = side_stats(candidates, spec.name, direction, at_step)
    base = side_stats(baselines, spec.name, direction, at_step)
    delta = relative = test = None
    if cand.mean is not None and base.mean is not None:
        delta = cand.mean - base.mean
        relative = delta / abs(base.mean) if base.mean != 0 else None
        result = run_test(cand, base)
        if result is not None:
            name = "welch" if cand.n >= 2 and base.n >= 2 else "prediction"
            p = one_sided_p(result.p, direction)
            test = Significance(name, result.t, result.df, p, p)
    suggestions = () if spec.name in known else suggest(spec.name, known)
    return MetricComparison(
        name=spec.name,
        spec=spec,
        direction=direction,
        direction_inferred=inferred,
        baseline=base,
        candidate=cand,
        delta=delta,
        relative_delta=relative,
        test=test,
        significant=None,
        status=MetricStatus.NOT_FOUND if spec.name not in known else MetricStatus.MISSING,
        suggestions=suggestions,
    )


def _judge(
    metrics: list[MetricComparison], alpha: float, *, provisional: bool
) -> list[MetricComparison]:
    """Correct the p-values of the metrics with a direction (Holm), then set every status."""
    family = [i for i, m in enumerate(metrics) if m.test and m.direction is not Direction.NONE]
    worse = [_worse(metrics[i]) for i in family]
    # One Holm family per claim: "worse" (a regression) and "better"; a metric's p in the
    # family it does not point to is the other tail, 1 - p.
    adjusted_worse = holm_adjust([_p(metrics[i], w) for i, w in zip(family, worse, strict=True)])
    adjusted_better = holm_adjust(
        [_p(metrics[i], not w) for i, w in zip(family, worse, strict=True)]
    )
    for k, i in enumerate(family):
        test = metrics[i].test
        assert test is not None
        p = adjusted_worse[k] if worse[k] else adjusted_better[k]
        metrics[i] = replace(metrics[i], test=replace(test, p_adjusted=p))
    judged = []
    for m in metrics:
        significant = None if m.test is None else m.test.p_adjusted < alpha
        m = replace(m, significant=significant, provisional=provisional)
        judged.append(replace(m, status=_status(m, provisional=provisional)))
    return judged


def _worse(metric: MetricComparison) -> bool:
    """Whether the metric's change points the bad way."""
    return metric.delta is not None and points_worse(metric.delta, metric.direction)


def _p(metric: MetricComparison, pointing: bool) -> float:
    """The metric's one-sided p for a claim: its own when the change points that way, else the
    other tail."""
    assert metric.test is not None
    return metric.test.p if pointing else 1 - metric.test.p


def _status(m: MetricComparison, *, provisional: bool) -> MetricStatus:
    if m.status is MetricStatus.NOT_FOUND:
        return m.status
    if is_diverged(m.direction, m.candidate, m.baseline):
        return MetricStatus.DIVERGED
    if m.delta is None or m.baseline.mean is None:
        return MetricStatus.MISSING
    if m.direction is Direction.NONE:
        return MetricStatus.NO_DIRECTION
    if not abs(m.delta) > m.spec.tolerance.threshold(m.baseline.mean):
        return MetricStatus.UNCHANGED
    if m.direction is Direction.HIGHER:
        improved = m.delta > 0
    elif m.direction is Direction.LOWER:
        improved = m.delta < 0
    else:
        raise unhandled(m.direction)
    if improved:
        return MetricStatus.BETTER
    if provisional or m.significant is False:
        return MetricStatus.WORSE
    return MetricStatus.REGRESSION
