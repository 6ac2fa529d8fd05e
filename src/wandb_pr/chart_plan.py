"""Which history the report draws: a few metrics, a few runs a side, about so many points (pure).

Summaries are the evidence and charts are decoration, so history is asked for only once it is
known what will be drawn, and never for more than that:

* metrics: the named metrics, regressions first, then the order the user gave, at most
  :data:`MAX_CHARTS`;
* runs: the counted runs of each side (those the comparison used), at most
  :data:`RUNS_PER_SIDE` of them, evenly spaced over the side's run list (oldest to newest), so a
  sweep's mean is drawn from its whole span; the chart says how many runs its mean covers;
* points: :data:`HISTORY_SAMPLES`, about 2.5 times the points of the chart's grid.

History is evidence in two cases only (:func:`plan_evidence`), and then it is fetched before
the comparison: a named metric that some runs have only in their history (the comparison takes
its last logged value), and candidates still running (compared with the baselines at the same
step).
"""

from __future__ import annotations

from collections.abc import Sequence

from wandb_pr.compare import Comparison, MetricStatus
from wandb_pr.models import RunSet, RunState
from wandb_pr.sources.interface import HistoryRequest
from wandb_pr.summary import summary_value

__all__ = [
    "CHART_POINTS",
    "HISTORY_SAMPLES",
    "MAX_CHARTS",
    "RUNS_PER_SIDE",
    "evenly_spaced",
    "plan_evidence",
    "plan_history",
]

CHART_POINTS = 40
"""Steps on the grid of a history chart (the Markdown report's Mermaid charts)."""
MAX_CHARTS = 6
"""Metrics charted at most."""
RUNS_PER_SIDE = 20
"""Runs of each side whose history a chart's mean is drawn from, at most."""
HISTORY_SAMPLES = 100
"""Points sampled per metric and run: about 2.5 times the chart grid's points."""
assert HISTORY_SAMPLES >= 2 * CHART_POINTS


def plan_history(comparison: Comparison, named: Sequence[str]) -> HistoryRequest | None:
    """The history to fetch for the charts, or ``None`` when nothing will be drawn."""
    wanted = set(named)
    metrics = [m for m in comparison.metrics if m.name in wanted]
    order = {name: i for i, name in enumerate(named)}
    metrics.sort(key=lambda m: (m.status is not MetricStatus.REGRESSION, order[m.name]))
    chosen = tuple(m.name for m in metrics[:MAX_CHARTS])
    runs = evenly_spaced(comparison.counted_candidates, RUNS_PER_SIDE)
    runs += evenly_spaced(comparison.counted_baselines, RUNS_PER_SIDE)
    if not chosen or not runs:
        return None
    return HistoryRequest(metrics=chosen, run_ids=runs, samples=HISTORY_SAMPLES)


def plan_evidence(run_set: RunSet, named: Sequence[str]) -> HistoryRequest | None:
    """The history the comparison itself reads, or ``None`` (the usual case: summaries suffice).

    While a candidate runs, every run's history of every named metric (values at the same
    step); otherwise, for each named metric that some summaries lack, those runs' history.
    """
    runs = (*run_set.candidates, *run_set.baselines)
    if any(run.state is RunState.RUNNING for run in run_set.candidates):
        metrics, ids = tuple(named), tuple(run.id for run in runs)
    else:
        lacking = {
            run.id: {m for m in named if summary_value(run.summary, m) is None} for run in runs
        }
        metrics = tuple(m for m in named if any(m in gaps for gaps in lacking.values()))
        ids = tuple(run_id for run_id, gaps in lacking.items() if gaps)
    if not metrics or not ids:
        return None
    return HistoryRequest(metrics=metrics, run_ids=ids, samples=HISTORY_SAMPLES)


def evenly_spaced(items: Sequence[str], most: int) -> tuple[str, ...]:
    """At most ``most`` of ``items``, evenly spaced, the first and the last included."""
    if len(items) <= most:
        return tuple(items)
    if most == 1:
        return (items[0],)
    last = len(items) - 1
    return tuple(items[round(i * last / (most - 1))] for i in range(most))
