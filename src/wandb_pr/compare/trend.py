"""The base branch's trend: the headline metrics over its recent commits, then this change's.

Pure: the pipeline fetches the finished runs of the base branch's last first-parent commits in
one query and hands them here with the chain (nearest first). Each commit that has finished
runs is a point (mean, standard deviation and n of each metric over its runs), the newest
``count`` such commits oldest first; commits without finished runs are skipped and counted. The
candidates the report compared are the last point. A run belongs to the first commit of the
chain it matches (its config SHA key or the git commit W&B recorded), and a candidate is never
a point of the base branch.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wandb_pr.compare.comparison import metric_value
from wandb_pr.compare.directions import Direction
from wandb_pr.compare.states import counts_toward_stats
from wandb_pr.models import Run
from wandb_pr.selection import runs_by_commit

__all__ = ["TREND_METRICS", "Trend", "TrendPoint", "TrendValue", "build_trend"]

TREND_METRICS = 3
"""The trend shows at most this many of the report's metrics (its first ones)."""


@dataclass(frozen=True)
class TrendValue:
    """One metric over one commit's runs."""

    n: int
    """Runs with a finite value."""
    mean: float | None
    """Their mean; ``None`` when no run has a finite value."""
    std: float | None
    """Their sample standard deviation; ``None`` with fewer than two values."""


@dataclass(frozen=True)
class TrendPoint:
    """One commit of the trend (or this change's candidates)."""

    commit: str
    """The commit's SHA (for the candidates: the commit under review, as given)."""
    runs: int
    """Finished runs counted for the commit."""
    values: Mapping[str, TrendValue]
    """Per metric."""
    candidates: bool = False
    """This point is the change under review, not a base-branch commit."""

    @property
    def label(self) -> str:
        """The short SHA."""
        return self.commit[:7]


@dataclass(frozen=True)
class Trend:
    """The headline metrics over the base branch's recent commits with finished runs."""

    metrics: tuple[str, ...]
    """The metrics shown, in the report's order."""
    points: tuple[TrendPoint, ...]
    """Base-branch commits oldest first, then the candidates (when any finished)."""
    wanted: int
    """How many base-branch commits with runs were asked for."""
    looked: int
    """How many first-parent commits were looked through."""
    skipped: int
    """Commits among those passed over (newer than the oldest shown) without finished runs."""
    left_out: str | None = None
    """Why there is no trend (the runs could not be fetched); ``None`` otherwise."""

    @property
    def commits(self) -> tuple[TrendPoint, ...]:
        """The base-branch points, without the candidates."""
        return tuple(p for p in self.points if not p.candidates)


def build_trend(
    runs: Sequence[Run],
    chain: Sequence[str],
    *,
    metrics: Sequence[str],
    sha_key: str,
    count: int,
    candidates: Sequence[Run] = (),
    head: str | None = None,
    directions: Mapping[str, Direction] | None = None,
) -> Trend:
    """The trend from the base branch's runs and its first-parent ``chain`` (nearest first).

    ``directions`` read a ``define_metric`` summary as the comparison did (``min`` for a loss).
    """
    shown = tuple(metrics[:TREND_METRICS])
    goals = directions or {}
    candidate_ids = {run.id for run in candidates}
    finished = [r for r in runs if counts_toward_stats(r.state) and r.id not in candidate_ids]
    found = runs_by_commit(finished, chain, sha_key, limit=count)
    reach = found[-1][0] + 1 if len(found) == count else len(chain)
    points = [_point(sha, commit_runs, shown, goals) for _, sha, commit_runs in reversed(found)]
    counted = [r for r in candidates if counts_toward_stats(r.state)]
    if counted and head:
        points.append(_point(head, counted, shown, goals, candidates=True))
    return Trend(
        metrics=shown,
        points=tuple(points),
        wanted=count,
        looked=len(chain),
        skipped=reach - len(found),
    )


def _point(
    sha: str,
    runs: Sequence[Run],
    metrics: Sequence[str],
    directions: Mapping[str, Direction],
    *,
    candidates: bool = False,
) -> TrendPoint:
    """One commit's runs summarised per metric."""
    return TrendPoint(
        commit=sha,
        runs=len(runs),
        values={name: _value(runs, name, directions.get(name, Direction.NONE)) for name in metrics},
        candidates=candidates,
    )


def _value(runs: Sequence[Run], metric: str, direction: Direction) -> TrendValue:
    """Mean, standard deviation and n of a metric's finite values over ``runs``."""
    values = [v for v in (metric_value(run, metric, direction) for run in runs) if v is not None]
    values = [v for v in values if math.isfinite(v)]
    if not values:
        return TrendValue(0, None, None)
    std = statistics.stdev(values) if len(values) > 1 else None
    return TrendValue(len(values), statistics.fmean(values), std)
