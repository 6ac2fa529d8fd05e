"""In-memory W&B projects and runs, stored as plain dicts in W&B's own field names.

A run dict holds ``name`` (the run id), ``id`` (W&B's opaque storage id), ``displayName``,
``state``, ``tags``, ``config`` wrapped as W&B wraps it (``{key: {"value": v, "desc": None}}``
plus ``_wandb``), ``summaryMetrics``, ``systemMetrics``, ``history`` and ``events`` (lists of
rows), and the other ``Run`` fields of ``schema.graphql``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tests.wandb_server.artifact_store import ArtifactStore
from tests.wandb_server.ids import TIME_FORMAT, b64

__all__ = ["ProjectData", "RunStore", "b64"]

_EPOCH = datetime(2024, 1, 1, 12, 0, 0)  # W&B's timestamps are UTC written without a zone


@dataclass
class ProjectData:
    """One project and its runs, in insertion order."""

    entity: str
    name: str
    internal_id: int
    created_at: str
    runs: list[dict[str, Any]] = field(default_factory=list)


class RunStore:
    """Thread-safe in-memory projects and runs, with builders that fill W&B's defaults.

    ``artifacts`` holds the artifacts, collections and organizations (``ArtifactStore``).
    """

    def __init__(self, *, viewer_entity: str = "acme", viewer_username: str = "tester") -> None:
        self.lock = threading.RLock()
        self.projects: dict[tuple[str, str], ProjectData] = {}
        self.viewer_entity = viewer_entity
        self.viewer_username = viewer_username
        self.max_page_size: int | None = None
        self.artifacts = ArtifactStore(self)
        self._clock = 0

    def _tick(self) -> datetime:
        """The next default timestamp: one minute after the previous one."""
        self._clock += 1
        return _EPOCH + timedelta(minutes=self._clock)

    def next_timestamp(self) -> str:
        """The next default timestamp as W&B writes it (naive UTC, one minute later each time)."""
        with self.lock:
            return self._tick().strftime(TIME_FORMAT)

    def add_project(self, entity: str, project: str) -> ProjectData:
        """Create (or return the existing) project ``entity/project``."""
        with self.lock:
            key = (entity, project)
            if key not in self.projects:
                self.projects[key] = ProjectData(
                    entity, project, len(self.projects) + 1, self._tick().strftime(TIME_FORMAT)
                )
            return self.projects[key]

    def add_run(
        self,
        entity: str,
        project: str,
        *,
        id: str | None = None,
        display_name: str | None = None,
        state: str = "finished",
        tags: Iterable[str] = (),
        config: Mapping[str, Any] | None = None,
        summary: Mapping[str, Any] | None = None,
        history: Sequence[Mapping[str, Any]] = (),
        system_metrics: Mapping[str, Any] | None = None,
        events: Sequence[Mapping[str, Any]] = (),
        commit: str | None = None,
        created_at: str | None = None,
        heartbeat_at: str | None = None,
        group: str | None = None,
        job_type: str | None = None,
        sweep_name: str | None = None,
        notes: str | None = None,
        description: str | None = None,
        host: str | None = None,
        user: Mapping[str, Any] | None = None,
        files: Mapping[str, int] | None = None,
    ) -> dict[str, Any]:
        """Add a run to ``entity/project`` (created if needed) and return its stored dict.

        ``id`` is the run id (W&B's ``name``; default ``run00001``, ...); ``display_name``
        defaults to ``run-N``. ``config`` is given unwrapped and stored wrapped, with a
        ``_wandb`` entry added unless given. ``summary``, ``system_metrics``, ``history`` and
        ``events`` (system-metric rows) are stored as given (NaN and infinities allowed; no
        ``_step``/``_runtime`` keys are invented). ``created_at`` defaults to a timestamp one
        minute after the previous default (from 2024-01-01T12:00:00, naive UTC as W&B writes
        it), so default runs sort in insertion order; ``heartbeat_at`` defaults to
        ``created_at``. ``user`` overrides ``{"name": "Test User", "username": "tester"}``.
        ``files`` are the run's saved files, name to size in bytes (e.g. ``{"diff.patch": 1234}``
        for a run trained with uncommitted changes and code saving on).
        """
        with self.lock:
            data = self.add_project(entity, project)
            number = sum(len(p.runs) for p in self.projects.values()) + 1
            run_id = id or f"run{number:05d}"
            if any(run["name"] == run_id for run in data.runs):
                raise ValueError(f"run {run_id!r} already exists in {entity}/{project}")
            created = created_at or self._tick().strftime(TIME_FORMAT)
            wrapped = {key: {"value": value, "desc": None} for key, value in (config or {}).items()}
            wrapped.setdefault("_wandb", {"value": {"cli_version": "0.31.0"}, "desc": None})
            run: dict[str, Any] = {
                "id": b64(f"Run:v1:{run_id}:{project}:{entity}"),
                "name": run_id,
                "displayName": display_name if display_name is not None else f"run-{number}",
                "state": state,
                "tags": list(tags),
                "group": group,
                "jobType": job_type,
                "sweepName": sweep_name,
                "commit": commit,
                "host": host,
                "readOnly": False,
                "createdAt": created,
                "updatedAt": heartbeat_at or created,
                "heartbeatAt": heartbeat_at or created,
                "description": description,
                "notes": notes,
                "user": {
                    "id": b64(f"User:{(user or {}).get('username', self.viewer_username)}"),
                    "name": "Test User",
                    "username": self.viewer_username,
                    **(user or {}),
                },
                "config": wrapped,
                "summaryMetrics": dict(summary or {}),
                "systemMetrics": dict(system_metrics or {}),
                "history": [dict(row) for row in history],
                "events": [dict(row) for row in events],
                "files": dict(files or {}),
            }
            data.runs.append(run)
            return run

    def project(self, entity: str, name: str) -> ProjectData | None:
        """The project ``entity/name``, or ``None``."""
        with self.lock:
            return self.projects.get((entity, name))
