"""History added to runs after their summaries were fetched: what the comparison reads, then
what the charts draw (see :mod:`wandb_pr.chart_plan` for which runs and metrics).

A source that fetches history apart (W&B: a second request for the chosen runs) is asked for
it; any other source already holds it in its runs. History that cannot be had becomes an alert,
never an error: the summaries are the evidence.
"""

from __future__ import annotations

from dataclasses import replace

from wandb_pr.models import Run, RunSet
from wandb_pr.sources.interface import History, HistoryRequest, HistorySource, RunSource
from wandb_pr.sources.results import history_of

__all__ = ["with_chart_history", "with_evidence"]


def _fetch_history(source: RunSource, request: HistoryRequest, run_set: RunSet) -> History:
    """The requested history, from a source that fetches it apart or from the runs."""
    if isinstance(source, HistorySource):
        return source.fetch_history(request, run_set)
    return History(history_of(request, run_set))


def with_evidence(
    source: RunSource, request: HistoryRequest, run_set: RunSet
) -> tuple[RunSet, tuple[str, ...]]:
    """The runs with the history the comparison reads added, and an alert if it is missing."""
    history = _fetch_history(source, request, run_set)

    def added(run: Run) -> Run:
        points = history.points.get(run.id)
        return replace(run, history={**run.history, **points}) if points else run

    alerts: tuple[str, ...] = ()
    if history.left_out is not None:
        alerts = (
            f"History the comparison needs (values at the running candidates' step, or of "
            f"metrics only logged as history) was left out: {history.left_out}. Those values "
            "are missing from the comparison.",
        )
    candidates, baselines = (
        tuple(map(added, run_set.candidates)),
        tuple(map(added, run_set.baselines)),
    )
    return replace(run_set, candidates=candidates, baselines=baselines), alerts


def with_chart_history(
    source: RunSource, request: HistoryRequest, run_set: RunSet
) -> tuple[RunSet, tuple[str, ...]]:
    """The runs with exactly the history the charts draw, and an alert if it could not be had."""
    history = _fetch_history(source, request, run_set)
    alerts: tuple[str, ...] = ()
    if history.left_out is not None:
        alerts = (
            f"Charts left out: {history.left_out}. The verdict and the tables rest on the run "
            "summaries, which are complete.",
        )

    def charted(run: Run) -> Run:
        points = history.points.get(run.id, {})
        return run if points == run.history else replace(run, history=points)

    return (
        replace(
            run_set,
            candidates=tuple(map(charted, run_set.candidates)),
            baselines=tuple(map(charted, run_set.baselines)),
        ),
        alerts,
    )
