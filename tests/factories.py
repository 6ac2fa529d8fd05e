"""Building runs for tests."""

from __future__ import annotations

from typing import Any

from wandb_pr.models import Run, RunState


def make_run(
    run_id: str,
    *,
    state: str = "finished",
    tags: tuple[str, ...] = (),
    config: dict[str, Any] | None = None,
    summary: dict[str, Any] | None = None,
    commit: str | None = None,
    created_at: str = "2024-01-01T00:00:00",
    entity: str = "acme",
    project: str = "detector",
    **fields: Any,
) -> Run:
    """A run with sensible defaults; any other :class:`Run` field may be given by name."""
    return Run(
        id=run_id,
        name=fields.pop("name", run_id),
        entity=entity,
        project=project,
        state=RunState.parse(state),
        url=fields.pop("url", f"https://wandb.ai/{entity}/{project}/runs/{run_id}"),
        tags=tags,
        config=config or {},
        summary=summary or {},
        commit=commit,
        created_at=created_at,
        **fields,
    )
