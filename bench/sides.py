"""The two ways of getting a report's runs out of W&B, as command lines for a fresh interpreter.

Both sides ask the server the same question: the candidate and baseline filters are the ones
wandb-pr builds (``wandb_pr.selection``), handed to the official client as they are, and both
sample the same number of history points per metric.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.project import Generated
from wandb_pr.chart_plan import HISTORY_SAMPLES, MAX_CHARTS, RUNS_PER_SIDE
from wandb_pr.selection import build_selection
from wandb_pr.settings import Settings

__all__ = ["OFFICIAL_SCRIPT", "check_output", "official_argv", "wandb_pr_argv"]

OFFICIAL_SCRIPT = Path(__file__).with_name("official_client.py")
_DIRECTIONS = {"val_loss": "min", "val_acc": "max"}


def wandb_pr_argv(project: Generated, output: Path, *, charts: bool = True) -> list[str]:
    """``python -m wandb_pr report ...`` writing the JSON report to ``output``.

    Without ``charts`` no metric is named, so no history is asked for: the summaries alone.
    """
    argv = [sys.executable, "-m", "wandb_pr", "report", "--project", project.path]
    argv += ["--sha", project.sha, "--baseline-tag", project.baseline_tag]
    for metric in project.metrics if charts else ():
        argv += ["--metric", f"{metric}:{_DIRECTIONS.get(metric, 'min')}"]
    return [*argv, "--format", "json", "--output", str(output)]


def check_output(label: str, output: Path, project: Generated, *, history: bool = True) -> None:
    """Fail unless a side's output holds exactly the selected runs, and (``history``) the
    history of each, or of the at most 20 runs a side that a chart draws.

    Both outputs list ``candidates`` and ``baselines`` as objects with an ``id`` and a
    ``history`` (wandb-pr: points per metric; the script: rows).
    """
    document = json.loads(output.read_text(encoding="utf-8"))
    expected = {"candidates": project.candidate_ids, "baselines": project.baseline_ids}
    for side, ids in expected.items():
        runs = document[side]
        if sorted(run["id"] for run in runs) != sorted(ids):
            raise RuntimeError(f"{label} found other {side} than the selected runs: {output}")
        with_history = sum(1 for run in runs if run["history"])
        if history and with_history < min(len(runs), RUNS_PER_SIDE):
            raise RuntimeError(f"{label} returned {side} without history: {output}")


def official_argv(
    project: Generated,
    output: Path,
    spec_file: Path,
    *,
    lazy: bool = True,
    history_runs: int | None = None,
) -> list[str]:
    """``python bench/official_client.py SPEC OUTPUT``, after writing SPEC for ``project``.

    ``lazy=True`` is the client's default and its documentation's way; ``lazy=False`` asks for
    config and summary in the list query (its best case, without the per-run ``Run`` query).
    ``history_runs`` reads the history of only that many evenly spaced runs a side, as
    wandb-pr's charts do (``None``: every run's).
    """
    entity, name = project.path.split("/")
    settings = Settings(
        entity=entity, project=name, sha=project.sha, baseline_tags=(project.baseline_tag,)
    )
    selection = build_selection(settings, history_keys=project.metrics)
    assert selection.baselines is not None
    spec = {
        "path": project.path,
        "filters": {
            "candidates": dict(selection.candidates.filters),
            "baselines": dict(selection.baselines.filters),
        },
        "keys": list(project.metrics[:MAX_CHARTS]),
        "samples": HISTORY_SAMPLES,
        "lazy": lazy,
        "history_runs": history_runs,
    }
    spec_file.write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return [sys.executable, str(OFFICIAL_SCRIPT), str(spec_file), str(output)]
