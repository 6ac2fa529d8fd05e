"""Runs to and from plain JSON-able dicts (snapshot files, the JSON report)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from wandb_pr.models import ArtifactUse, Run, RunState

__all__ = ["run_from_dict", "run_to_dict"]


def run_to_dict(run: Run) -> dict[str, Any]:
    """A run as a JSON-able dict (non-finite numbers are kept; JSON files spell them NaN)."""
    return {
        "id": run.id,
        "name": run.name,
        "entity": run.entity,
        "project": run.project,
        "state": run.state_label,
        "url": run.url,
        "tags": list(run.tags),
        "group": run.group,
        "job_type": run.job_type,
        "commit": run.commit,
        "created_at": run.created_at,
        "notes": run.notes,
        "user": run.user,
        "config": dict(run.config),
        "summary": dict(run.summary),
        "history": {key: [list(p) for p in points] for key, points in run.history.items()},
        "artifacts": [dataclasses.asdict(a) | {"aliases": list(a.aliases)} for a in run.artifacts],
        "uncommitted_bytes": run.uncommitted_bytes,
    }


def run_from_dict(data: Mapping[str, Any]) -> Run:
    """Rebuild a run from :func:`run_to_dict`'s output (raises KeyError, TypeError, ValueError)."""
    history = data.get("history") or {}
    state, state_text = RunState.read(data.get("state"))
    return Run(
        id=str(data["id"]),
        name=str(data.get("name") or data["id"]),
        entity=str(data.get("entity") or ""),
        project=str(data.get("project") or ""),
        state=state,
        state_text=state_text,
        url=data.get("url"),
        tags=tuple(str(t) for t in data.get("tags") or ()),
        group=data.get("group"),
        job_type=data.get("job_type"),
        commit=data.get("commit"),
        created_at=data.get("created_at"),
        notes=data.get("notes"),
        user=data.get("user"),
        config=dict(data.get("config") or {}),
        summary=dict(data.get("summary") or {}),
        history={
            str(key): tuple((float(s), float(v)) for s, v in points)
            for key, points in dict(history).items()
        },
        artifacts=tuple(
            ArtifactUse(
                name=str(a["name"]),
                version=a.get("version"),
                type=str(a.get("type") or "unknown"),
                digest=a.get("digest"),
                aliases=tuple(a.get("aliases") or ()),
                project=a.get("project"),
            )
            for a in data.get("artifacts") or ()
        ),
        uncommitted_bytes=_size(data.get("uncommitted_bytes")),
    )


def _size(value: object) -> int | None:
    """A byte count, or ``None`` when absent or not a whole number."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None
