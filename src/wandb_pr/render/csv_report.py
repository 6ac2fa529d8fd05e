"""``wandb_report.csv``: the original action's columns, in its order, then ours.

Columns: ``run.url, run.name, run.tags, run.id, run.entity, run.project, github_sha,
run.description``, one per metric, ``_<config key>`` per config key, ``__eval.category``
(``candidate`` or ``baseline``), then wandb-pr's additions ``run.state, run.commit, run.created_at,
run.group, run.job_type, run.uncommitted_bytes`` (the size of the diff of uncommitted changes W&B
saved with the run; empty when none was saved) and one ``artifact.<name>`` column per input
artifact used (the versions, e.g. ``v3``). Cells are written as the original's pandas export wrote
them (tags as a Python list literal), except that an empty cell means only "not logged": NaN and
infinities are written ``NaN``, ``inf`` and ``-inf``. Config keys are looked up as the Markdown
report looks them up (``model.depth`` reads the nested config ``{"model": {"depth": 4}}``).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

from wandb_pr.models import Run, RunSet, RunState
from wandb_pr.summary import summary_value

__all__ = ["SEED_LEADING_COLUMNS", "render_csv"]

SEED_LEADING_COLUMNS = (
    "run.url",
    "run.name",
    "run.tags",
    "run.id",
    "run.entity",
    "run.project",
    "github_sha",
    "run.description",
)
EXTRA_COLUMNS = (
    "run.state",
    "run.commit",
    "run.created_at",
    "run.group",
    "run.job_type",
    "run.uncommitted_bytes",
)


def render_csv(
    run_set: RunSet,
    *,
    metrics: Sequence[str],
    config_keys: Sequence[str],
    sha_key: str = "github_sha",
    finished_candidates_only: bool = False,
) -> str:
    """The CSV report; with ``finished_candidates_only`` exactly the original action's rows."""
    candidates: Iterable[Run] = run_set.candidates
    if finished_candidates_only:
        candidates = [run for run in run_set.candidates if run.state is RunState.FINISHED]
    artifact_names = sorted(
        {a.name for run in (*candidates, *run_set.baselines) for a in run.artifacts}
    )
    header = [
        *SEED_LEADING_COLUMNS,
        *metrics,
        *(f"_{key}" for key in config_keys),
        "__eval.category",
        *EXTRA_COLUMNS,
        *(f"artifact.{name}" for name in artifact_names),
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for category, runs in (("candidate", candidates), ("baseline", run_set.baselines)):
        for run in runs:
            row: list[Any] = [
                run.url,
                run.name,
                list(run.tags),
                run.id,
                run.entity,
                run.project,
                run.config.get(sha_key),
                run.notes,
                *(summary_value(run.summary, metric) for metric in metrics),
                *(summary_value(run.config, key) for key in config_keys),
                category,
                run.state_label,
                run.commit,
                run.created_at,
                run.group,
                run.job_type,
                run.uncommitted_bytes,
                *(_versions(run, name) for name in artifact_names),
            ]
            writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def _versions(run: Run, name: str) -> str | None:
    """The versions of artifact ``name`` a run used (``v3``, or ``v3;v4``), or ``None``."""
    used = [
        f"v{a.version}" if a.version is not None else "?" for a in run.artifacts if a.name == name
    ]
    return ";".join(used) if used else None


def _cell(value: Any) -> str:
    """One cell, formatted as pandas' ``to_csv`` wrote the original action's report."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return repr(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)
