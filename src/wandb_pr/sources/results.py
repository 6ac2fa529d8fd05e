"""Turning fetched runs into a :class:`RunSet`, the same way for every run source."""

from __future__ import annotations

from collections.abc import Iterable

from wandb_pr.models import HistoryPoint, Run, RunSet
from wandb_pr.selection import Selection
from wandb_pr.sources.interface import HistoryRequest

__all__ = ["assemble", "history_of", "unique_by_id"]


def unique_by_id(runs: Iterable[Run]) -> list[Run]:
    """Drop repeated runs (W&B may return a run on two pages of a large project); keep the first."""
    seen: set[str] = set()
    unique = []
    for run in runs:
        if run.id not in seen:
            seen.add(run.id)
            unique.append(run)
    return unique


def assemble(
    selection: Selection, candidates: Iterable[Run], baselines: Iterable[Run], *, where: str
) -> RunSet:
    """De-duplicate, keep baselines disjoint from candidates, and warn about ids not found."""
    found = unique_by_id(candidates)
    candidate_ids = {run.id for run in found}
    base = [run for run in unique_by_id(baselines) if run.id not in candidate_ids]
    warnings = [
        f"Run id {run_id} was not found in {where}."
        for run_id in selection.run_ids
        if run_id not in candidate_ids
    ]
    baseline_ids = {run.id for run in base}
    warnings += [
        f"Baseline run id {run_id} was not found in {where}"
        + (" (it is a candidate, and a baseline never is)." if run_id in candidate_ids else ".")
        for run_id in selection.baseline_run_ids
        if run_id not in baseline_ids
    ]
    return RunSet(tuple(found), tuple(base), warnings=tuple(selection.notes) + tuple(warnings))


def history_of(
    request: HistoryRequest, run_set: RunSet
) -> dict[str, dict[str, tuple[HistoryPoint, ...]]]:
    """The requested history out of runs that carry theirs (local runs, snapshots)."""
    wanted = set(request.run_ids)
    return {
        run.id: {m: run.history[m] for m in request.metrics if m in run.history}
        for run in (*run_set.candidates, *run_set.baselines)
        if run.id in wanted
    }
