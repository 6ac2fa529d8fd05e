"""A run's value for a metric, and where it came from (pure).

* The summary value under the name (the literal key first, then a dotted path into nested dicts).
* A ``define_metric`` summary (``{"min": 0.39}``, several keys for ``summary="min,max"``) is
  resolved to the aggregate that matches the direction: ``min`` for lower-is-better, ``max`` for
  higher-is-better, else ``best``, ``last``, ``mean``; the source then says which
  (``summary min``).
* A name the summary lacks but the history has (history-only metrics) takes the history's last
  logged value (``history last``).
* At a given step (running candidates compared with baselines at the same step), the history's
  last value at or before that step (``history at step 14``), else the summary.

The value is finite, non-finite (NaN, infinity: the run diverged; a logged value, not a missing
one), unusable (text, a boolean, a media object) or missing.
"""

from __future__ import annotations

import enum
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from wandb_pr.compare.directions import Direction
from wandb_pr.models import Run
from wandb_pr.summary import summary_value

__all__ = [
    "Kind",
    "Reading",
    "current_step",
    "is_aggregate_part",
    "metric_names",
    "read_metric",
]

_AGGREGATES = frozenset({"min", "max", "mean", "last", "best", "first"})
_PREFERENCE = {
    Direction.LOWER: ("min", "best", "last", "mean"),
    Direction.HIGHER: ("max", "best", "last", "mean"),
    Direction.NONE: ("last", "mean", "best"),
}
_NON_FINITE_TEXT = {
    "nan": math.nan,
    "infinity": math.inf,
    "inf": math.inf,
    "-infinity": -math.inf,
    "-inf": -math.inf,
}


class Kind(str, enum.Enum):
    """What a run has for a metric."""

    FINITE = "finite"
    NON_FINITE = "non-finite"
    UNUSABLE = "unusable"
    MISSING = "missing"


@dataclass(frozen=True)
class Reading:
    """One run's value for one metric."""

    kind: Kind
    """Finite, non-finite (NaN/inf), unusable or missing."""
    value: float | None = None
    """The number (NaN or infinite for ``NON_FINITE``); ``None`` otherwise."""
    source: str = "summary"
    """Where it came from: ``summary``, ``summary min``, ``history last``, ``history at step 4``."""


def read_metric(
    run: Run, name: str, direction: Direction = Direction.NONE, *, at_step: int | None = None
) -> Reading:
    """The run's value for ``name`` (see the module docstring)."""
    if at_step is not None:
        points = [p for p in run.history.get(name, ()) if p[0] <= at_step]
        if points:
            step, value = points[-1]
            return _number(value, f"history at step {int(step)}")
    raw = summary_value(run.summary, name)
    if raw is None:
        points = list(run.history.get(name, ()))
        if points:
            return _number(points[-1][1], "history last")
        return Reading(Kind.MISSING, source="")
    if _is_aggregates(raw):
        assert isinstance(raw, Mapping)
        for key in _PREFERENCE[direction]:
            if key in raw:
                return _number(raw[key], f"summary {key}")
        return Reading(Kind.UNUSABLE)
    return _number(raw, "summary")


def is_aggregate_part(run: Run, name: str) -> bool:
    """Whether ``name`` is one aggregate of a ``define_metric`` summary (``val_loss.max`` of
    ``{"val_loss": {"min": .., "max": ..}}``): a part of a metric, not a metric of its own."""
    parent, _, leaf = name.rpartition(".")
    if not parent or leaf not in _AGGREGATES:
        return False
    return _is_aggregates(summary_value(run.summary, parent))


def _is_aggregates(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and "_type" not in value
        and bool(value)
        and (set(value) <= _AGGREGATES)
    )


def current_step(run: Run) -> int | None:
    """The last step a run logged: its summary ``_step``, else its history's last step."""
    step = run.summary.get("_step")
    if isinstance(step, int) and not isinstance(step, bool):
        return step
    last = [points[-1][0] for points in run.history.values() if points]
    return int(max(last)) if last else None


def metric_names(runs: Iterable[Run]) -> set[str]:
    """Every metric name the runs have: summary keys (nested as dotted) and history keys."""
    names: set[str] = set()
    for run in runs:
        names.update(_keys(run.summary, prefix=""))
        names.update(key for key in run.history if not key.startswith("_"))
    return names


def _keys(mapping: Mapping[str, Any], *, prefix: str) -> Iterable[str]:
    for key, value in mapping.items():
        if not isinstance(key, str) or key.startswith("_"):
            continue
        if isinstance(value, Mapping) and "_type" not in value:
            if _is_aggregates(value):
                yield prefix + key
            yield from _keys(value, prefix=f"{prefix}{key}.")
        else:
            yield prefix + key


def _number(value: Any, source: str) -> Reading:
    if isinstance(value, str) and value.strip().lower() in _NON_FINITE_TEXT:
        return Reading(Kind.NON_FINITE, _NON_FINITE_TEXT[value.strip().lower()], source)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return Reading(Kind.UNUSABLE, source=source)
    try:
        number = float(value)
    except (OverflowError, ValueError):  # an int beyond the float range
        return Reading(Kind.UNUSABLE, source=source)
    if math.isfinite(number):
        return Reading(Kind.FINITE, number, source)
    return Reading(Kind.NON_FINITE, number, source)
