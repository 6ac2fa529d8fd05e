"""Snapshot files: the runs of a report saved as JSON, to re-run the report without W&B.

A snapshot holds runs, not a verdict: loading one re-applies the selection with the shared
filter evaluator, so ``--snapshot`` with the same flags reproduces the report exactly, and
other flags select from the same runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from wandb_pr.errors import SnapshotError
from wandb_pr.models import Run
from wandb_pr.serialize import run_from_dict, run_to_dict
from wandb_pr.sources.local import LocalRunSource

__all__ = ["SNAPSHOT_FORMAT", "SNAPSHOT_VERSION", "load_snapshot", "snapshot_document"]

SNAPSHOT_FORMAT = "wandb-pr-snapshot"
SNAPSHOT_VERSION = 1


def snapshot_document(runs: Iterable[Run], *, entity: str, project: str) -> dict[str, Any]:
    """The JSON document of a snapshot (the CLI writes it)."""
    return {
        "format": SNAPSHOT_FORMAT,
        "version": SNAPSHOT_VERSION,
        "entity": entity,
        "project": project,
        "runs": [run_to_dict(run) for run in runs],
    }


def load_snapshot(path: Path) -> tuple[LocalRunSource, str, str]:
    """Read a snapshot: a run source over its runs, and the entity and project it was taken from."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SnapshotError(
            f"Snapshot file {path} does not exist.",
            tip="Save one first with: wandb-pr report ... --save-snapshot FILE",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"Snapshot file {path} cannot be read: {exc}") from exc
    except (ValueError, RecursionError) as exc:
        raise SnapshotError(f"Snapshot file {path} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != SNAPSHOT_FORMAT:
        raise SnapshotError(
            f'{path} is not a wandb-pr snapshot (no "format": "{SNAPSHOT_FORMAT}").',
            tip="Snapshots are written by --save-snapshot; the JSON report (--format json) is "
            "a different file.",
        )
    version = document.get("version")
    if version != SNAPSHOT_VERSION:
        raise SnapshotError(
            f"Snapshot {path} has version {version!r}; this wandb-pr reads version "
            f"{SNAPSHOT_VERSION}.",
            tip="Re-create the snapshot with this wandb-pr, or use the wandb-pr that wrote it.",
        )
    try:
        runs = [run_from_dict(item) for item in document["runs"]]
        entity, project = str(document["entity"]), str(document["project"])
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise SnapshotError(f"Snapshot {path} has a malformed run or field: {exc!r}") from exc
    return LocalRunSource(runs, description=f"snapshot {path}"), entity, project
