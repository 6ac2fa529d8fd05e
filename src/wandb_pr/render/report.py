"""What the renderers are handed: the comparison, the runs, and where they came from."""

from __future__ import annotations

from dataclasses import dataclass

from wandb_pr.compare import Comparison
from wandb_pr.compare.notices import Notice
from wandb_pr.compare.trend import Trend
from wandb_pr.models import RunSet

__all__ = ["Provenance", "Report"]


@dataclass(frozen=True)
class Provenance:
    """Where the runs came from and how they were chosen (shown as plain, escaped text)."""

    project_url: str | None
    """Link to the W&B project; ``None`` for local runs."""
    entity: str
    """The W&B entity (user or team)."""
    project: str
    """The W&B project name."""
    sha: str | None = None
    """The commit under review; ``None`` when candidates were chosen by run id."""
    secondary_sha: str | None = None
    """The secondary SHA (e.g. a data version) candidates also had to match, if any."""
    candidate_selection: str = ""
    """How the candidates were selected, e.g. "runs whose config github_sha is 3f2a...";
    also shown as the query that found nothing when there are no runs."""
    baseline_selection: str = ""
    """How the baselines were selected, e.g. "runs tagged production"."""
    workflow_run_url: str | None = None
    """Link to the GitHub Actions run that made the report; ``None`` outside Actions."""
    trained_on: str = ""
    """Which commit the candidate runs were trained on, when a pull request's merge commit was
    a candidate too (e.g. "GitHub's merge commit 9d8e7f6 (2 runs)")."""


@dataclass(frozen=True)
class Report:
    """Everything a renderer needs."""

    comparison: Comparison
    """The per-metric comparison and the verdict."""
    run_set: RunSet
    """The candidate and baseline runs, for the table of runs and the charts."""
    provenance: Provenance
    """Where the runs came from."""
    config_keys: tuple[str, ...] = ()
    """Config keys to show per run (dotted keys look into nested dicts)."""
    alerts: tuple[str, ...] = ()
    """What a reviewer must know before reading the numbers (results of another commit, runs
    whose config and git commit disagree...), shown right under the verdict."""
    notices: tuple[Notice, ...] = ()
    """Every warning the report shows, as data (the JSON report lists them)."""
    trend: Trend | None = None
    """The metrics over the base branch's recent commits (``trend``); ``None`` when not asked."""
