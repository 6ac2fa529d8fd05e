"""Build :class:`~wandb_pr.models.Run` records for tests with only the fields a test cares about."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from wandb_pr.models import HistoryPoint, Run, RunSet, RunState

__all__ = ["history", "make_run", "make_run_set"]


def make_run(
    id: str = "run1",
    *,
    name: str | None = None,
    summary: Mapping[str, Any] | None = None,
    history: Mapping[str, Sequence[HistoryPoint]] | None = None,
    state: RunState | str = RunState.FINISHED,
    tags: Sequence[str] = (),
    config: Mapping[str, Any] | None = None,
    commit: str | None = None,
    notes: str | None = None,
    entity: str = "acme",
    project: str = "detector",
    url: str | bool | None = True,
) -> Run:
    """A run; ``url=True`` (the default) means the usual W&B URL, ``None`` no link."""
    if url is True:
        url = f"https://wandb.ai/{entity}/{project}/runs/{id}"
    elif url is False:
        url = None
    return Run(
        id=id,
        name=id if name is None else name,
        entity=entity,
        project=project,
        state=RunState.parse(state) if isinstance(state, str) else state,
        url=url,
        tags=tuple(tags),
        commit=commit,
        notes=notes,
        config=dict(config or {}),
        summary=dict(summary or {}),
        history={k: tuple(v) for k, v in (history or {}).items()},
    )


def make_run_set(candidates: Sequence[Run] = (), baselines: Sequence[Run] = ()) -> RunSet:
    """A run set from lists."""
    return RunSet(candidates=tuple(candidates), baselines=tuple(baselines))


def history(
    values: Sequence[float], *, start: int = 0, every: int = 100
) -> tuple[HistoryPoint, ...]:
    """A history with one point every ``every`` steps from ``start``."""
    return tuple((float(start + i * every), float(v)) for i, v in enumerate(values))
