"""The one place that wires every stage: selection -> fetch -> comparison -> renderers -> files.

No printing, no exiting, no environment: the CLI and the Action entry hand in settings and
edges, and get back a :class:`Outcome` to print and choose an exit code from.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from wandb_pr.models import RunSet
from wandb_pr.publish.files import write_atomically
from wandb_pr.publish.outputs import write_outputs
from wandb_pr.render.csv_report import render_csv
from wandb_pr.render.json_report import render_json
from wandb_pr.selection import Selection, build_selection
from wandb_pr.settings import Settings
from wandb_pr.sources.interface import RunSource
from wandb_pr.sources.snapshot import snapshot_document

__all__ = ["Destinations", "Outcome", "fetch_runs", "write_files"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Destinations:
    """Where the report's files and outputs go; ``None`` skips one."""

    csv: Path | None = None
    """The CSV report (``wandb_report.csv``)."""
    json: Path | None = None
    """The JSON report."""
    snapshot: Path | None = None
    """A snapshot of the fetched runs, to re-run the report offline."""
    step_outputs: Path | None = None
    """``$GITHUB_OUTPUT``."""
    csv_finished_only: bool = False
    """Write the CSV as the original action did: finished candidates only, and only if any."""


@dataclass(frozen=True)
class Outcome:
    """What a report run produced."""

    selection: Selection
    """The queries that were run."""
    run_set: RunSet
    """The runs found."""
    written: Mapping[str, Path] = field(default_factory=dict)
    """Files written, by kind (``csv``, ``json``, ``snapshot``)."""


def fetch_runs(
    settings: Settings, source: RunSource, *, history_keys: tuple[str, ...] = ()
) -> Outcome:
    """Build the selection from settings and fetch its runs."""
    selection = build_selection(settings, history_keys=history_keys)
    log.debug("candidates: %s", json.dumps(dict(selection.candidates.filters)))
    if selection.baselines is not None:
        log.debug("baselines: %s", json.dumps(dict(selection.baselines.filters)))
    run_set = source.fetch(selection)
    log.debug(
        "found %d candidate and %d baseline runs", len(run_set.candidates), len(run_set.baselines)
    )
    return Outcome(selection, run_set)


def write_files(
    outcome: Outcome,
    settings: Settings,
    destinations: Destinations,
    *,
    outputs: Mapping[str, str] | None = None,
) -> Outcome:
    """Write the files, then the step outputs (outputs last: they point at the files)."""
    written: dict[str, Path] = {}
    run_set = outcome.run_set
    metric_names = tuple(spec.split(":", 1)[0] for spec in settings.metrics)
    if destinations.csv is not None:
        has_finished = run_set.counts.finished > 0
        if has_finished or not destinations.csv_finished_only:
            text = render_csv(
                run_set,
                metrics=metric_names,
                config_keys=settings.config_keys,
                sha_key=settings.sha_key,
                finished_candidates_only=destinations.csv_finished_only,
            )
            write_atomically(destinations.csv, text)
            written["csv"] = destinations.csv
    if destinations.json is not None:
        write_atomically(destinations.json, render_json(run_set, outcome.selection))
        written["json"] = destinations.json
    if destinations.snapshot is not None:
        runs = run_set.candidates + run_set.baselines
        document = snapshot_document(runs, entity=settings.entity, project=settings.project)
        write_atomically(destinations.snapshot, json.dumps(document, indent=1) + "\n")
        written["snapshot"] = destinations.snapshot
    if destinations.step_outputs is not None and outputs:
        write_outputs(destinations.step_outputs, outputs)
    return Outcome(outcome.selection, outcome.run_set, written)
