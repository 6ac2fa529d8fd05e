"""The Action's publishers: each takes the same outcome and puts it somewhere.

First the files and the job summary, then the step outputs (they point at the files), then
GitHub (comment, check run, status), whose refusals for lack of a permission are warnings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TextIO

from wandb_pr.compare import Verdict
from wandb_pr.events import EventCommit
from wandb_pr.models import StateCounts
from wandb_pr.notes import Note, Notes
from wandb_pr.option_values import Given
from wandb_pr.pipeline import Destinations, Outcome, write_files
from wandb_pr.publish.github import GitHubPublisher
from wandb_pr.publish.outputs import single_line, write_outputs
from wandb_pr.publish.to_github import PublishOptions, Target, publish
from wandb_pr.render.markdown import plain_headline
from wandb_pr.settings import Settings

__all__ = [
    "FilePublisher",
    "GitHubReportPublisher",
    "Publisher",
    "destinations",
    "gate_failure",
    "target",
]


class Publisher(Protocol):
    """Puts an outcome somewhere; returns it with what was written added."""

    def publish(self, outcome: Outcome, notes: Notes) -> Outcome:
        """Publish the outcome, telling ``notes`` what the user must know."""
        ...


@dataclass
class FilePublisher:
    """The CSV and JSON files, the job summary, and the step outputs."""

    settings: Settings
    destinations: Destinations
    compat: bool
    stdout: TextIO

    def publish(self, outcome: Outcome, notes: Notes) -> Outcome:
        """Write the files, the summary and the outputs; log what was written."""
        counts = outcome.run_set.counts
        outputs = _compat_outputs(counts) if self.compat else _outputs(outcome, self.destinations)
        outcome = write_files(outcome, self.settings, self.destinations, outputs=outputs)
        _log_outcome(outcome, self.stdout, compat=self.compat)
        return outcome


@dataclass
class GitHubReportPublisher:
    """The pull request comment, check run and commit status; their URLs as step outputs."""

    publisher: GitHubPublisher
    target: Target
    options: PublishOptions
    target_url: str | None
    step_outputs: Path | None
    urls: Mapping[str, str] = field(default_factory=dict)

    def publish(self, outcome: Outcome, notes: Notes) -> Outcome:
        """Publish to GitHub (a :class:`~wandb_pr.errors.PublishError` is raised on)."""
        published = publish(
            self.publisher, outcome.report, self.target, self.options, target_url=self.target_url
        )
        for warning in published.warnings:
            notes(Note("warning", warning))
        self.urls = {
            "comment-url": published.comment_url or "",
            "check-run-url": published.check_run_url or "",
        }
        if self.step_outputs is not None:
            write_outputs(self.step_outputs, self.urls)
        return outcome


def target(settings: Settings, event: EventCommit, event_name: str) -> Target:
    """Where on GitHub the report goes."""
    return Target(_commit_under_review(settings, event), event.pr_number, event_name)


def gate_failure(outcome: Outcome) -> str:
    """Why the gate failed, for the error annotation."""
    comparison = outcome.report.comparison
    if comparison.verdict is Verdict.DIFFERENT_DATA:
        names = ", ".join(version.name for version in comparison.different_data)
        return f"Candidates and baselines were evaluated on different data ({names})"
    if comparison.verdict is Verdict.REGRESSION:
        return "Regression in " + ", ".join(comparison.regressions)
    return plain_headline(outcome.report)


def _commit_under_review(settings: Settings, event: EventCommit) -> str | None:
    """The commit check runs and statuses go on: the SHA given, if a full one, else the event's."""
    sha = settings.sha
    if sha and len(sha) == 40 and all(c in "0123456789abcdefABCDEF" for c in sha):
        return sha.lower()
    return event.sha


def destinations(given: Given, env: Mapping[str, str], workspace: Path) -> Destinations:
    """Where files and outputs go."""
    step_outputs = Path(env["GITHUB_OUTPUT"]) if env.get("GITHUB_OUTPUT") else None
    summary = Path(env["GITHUB_STEP_SUMMARY"]) if env.get("GITHUB_STEP_SUMMARY") else None
    if given.door.kind == "compat":
        return Destinations(
            csv=workspace / "wandb_report.csv",
            step_summary=summary,
            step_outputs=step_outputs,
            seed_csv=True,
        )
    csv_path, json_path = given.path("csv-path"), given.path("json-path")
    return Destinations(
        csv=workspace / csv_path if csv_path else None,
        json=workspace / json_path if json_path else None,
        step_summary=summary,
        step_outputs=step_outputs,
    )


def _outputs(outcome: Outcome, destinations: Destinations) -> dict[str, str]:
    """The new action's outputs (booleans as ``true``/``false``, as Actions spell them)."""
    counts = outcome.run_set.counts
    comparison = outcome.report.comparison
    return {
        "verdict": comparison.verdict.value,
        "regressions": ",".join(comparison.regressions),
        "complete": str(counts.complete).lower(),
        "single-run": str(counts.single_run).lower(),
        "num-finished": str(counts.finished),
        "num-running": str(counts.running),
        "num-crashed": str(counts.crashed),
        "num-aborted": str(counts.aborted),
        "num-baselines": str(counts.baselines),
        "csv-path": str(destinations.csv or ""),
        "json-path": str(destinations.json or ""),
    }


def _compat_outputs(counts: StateCounts) -> dict[str, str]:
    """machine-learning-apps/wandb-action's outputs, spelled as it spelled them."""
    return {
        "BOOL_COMPLETE": str(counts.complete),
        "BOOL_SINGLE_RUN": str(counts.single_run),
        "NUM_FINISHED": str(counts.finished),
        "NUM_RUNNING": str(counts.running),
        "NUM_CRASHED": str(counts.crashed),
        "NUM_ABORTED": str(counts.aborted),
        "NUM_BASELINES": str(counts.baselines),
    }


def _log_outcome(outcome: Outcome, stdout: TextIO, *, compat: bool) -> None:
    """A few lines for the job log."""
    counts = outcome.run_set.counts
    description = single_line(outcome.selection.candidates.description)
    stdout.write(
        f"wandb-pr: {counts.total} candidate runs ({description}): "
        f"{counts.finished} finished, {counts.running} running, {counts.crashed} crashed, "
        f"{counts.aborted} aborted; {counts.baselines} baseline runs.\n"
    )
    for kind, path in outcome.written.items():
        if compat:  # the original action's line
            rows = counts.finished + counts.baselines
            stdout.write(f"{rows} runs written to {single_line(str(path))}\n")
        else:
            stdout.write(f"wandb-pr: wrote the {kind} report to {single_line(str(path))}\n")
