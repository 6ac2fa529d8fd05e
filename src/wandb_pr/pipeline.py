"""The one place that wires every stage: selection -> fetch -> comparison -> renderers -> files.

History is fetched when it is known to be needed: fetch the runs (their summaries are the
evidence), fetch the history the comparison reads if any (metrics missing from summaries,
running candidates), compare, choose what the charts draw (:mod:`wandb_pr.chart_plan`), fetch
that history, render. History that cannot be had leaves the charts out (or those values
missing) with a line saying why; it never fails a report by itself.

No printing, no exiting, no environment: the CLI and the Action entry hand in settings and
edges, and get back an :class:`Outcome` to print and choose an exit code from.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from wandb_pr.base_branch import base_branch_trend, nearest_baselines
from wandb_pr.chart_plan import HISTORY_SAMPLES, MAX_CHARTS, plan_evidence, plan_history
from wandb_pr.compare import compare
from wandb_pr.compare.notices import (
    Notice,
    evidence_notices,
    uncommitted_alert,
    uncommitted_notices,
)
from wandb_pr.compare.provenance import commit_mismatches
from wandb_pr.history import with_chart_history, with_evidence
from wandb_pr.models import RunSet
from wandb_pr.notes import Note, Notes, ignore
from wandb_pr.publish.files import write_atomically
from wandb_pr.publish.outputs import append_text, write_outputs
from wandb_pr.render.csv_report import render_csv
from wandb_pr.render.json_report import (
    comparison_document,
    json_chunks,
    notice_document,
    trend_document,
)
from wandb_pr.render.markdown import SUMMARY_LIMIT, render_markdown
from wandb_pr.render.report import Provenance, Report
from wandb_pr.selection import (
    Selection,
    build_selection,
    runs_of_nearest,
)
from wandb_pr.settings import Settings
from wandb_pr.sources.interface import RunSource
from wandb_pr.sources.snapshot import snapshot_document

__all__ = [
    "Context",
    "Destinations",
    "Outcome",
    "Waiting",
    "json_pieces",
    "produce",
    "write_files",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    """Facts about where the report is made that the runs do not carry."""

    project_url: str | None = None
    """Link to the W&B project; ``None`` for local runs."""
    workflow_run_url: str | None = None
    """Link to the GitHub Actions run making the report."""


@dataclass(frozen=True)
class Destinations:
    """Where the report's files and outputs go; ``None`` skips one."""

    csv: Path | None = None
    """The CSV report (``wandb_report.csv``)."""
    json: Path | None = None
    """The JSON report."""
    snapshot: Path | None = None
    """A snapshot of the fetched runs, to re-run the report offline."""
    step_summary: Path | None = None
    """``$GITHUB_STEP_SUMMARY``: the Markdown report is appended to it."""
    step_outputs: Path | None = None
    """``$GITHUB_OUTPUT``."""
    seed_csv: bool = False
    """Write the CSV as the original action did: finished candidates only, and only if any; a
    metric column only for each metric named (none chosen automatically)."""


@dataclass(frozen=True)
class Outcome:
    """What a report run produced."""

    selection: Selection
    """The queries that were run."""
    report: Report
    """The runs, their comparison and provenance."""
    written: Mapping[str, Path] = field(default_factory=dict)
    """Files written, by kind (``csv``, ``json``, ``snapshot``, ``summary``)."""

    @property
    def run_set(self) -> RunSet:
        """The runs found."""
        return self.report.run_set

    @property
    def gate_failed(self) -> bool:
        """Whether ``fail-on-regression`` fails: any verdict but ``pass``, except missing
        evidence the user accepted with ``allow-missing``."""
        comparison = self.report.comparison
        return comparison.verdict.fails_gate(allow_missing=comparison.allow_missing)


@dataclass(frozen=True)
class Waiting:
    """How long to wait for candidate runs to finish (each pause is a ``wait`` note)."""

    seconds: float = 0.0
    """The longest wait; 0 does not wait."""
    sleep: Callable[[float], None] = time.sleep
    """How to pause."""
    clock: Callable[[], float] = time.monotonic
    """How to read the time."""


FIRST_POLL = 15.0
"""Seconds before the first re-poll; each later pause doubles, up to :data:`LONGEST_POLL`."""
LONGEST_POLL = 120.0


def produce(
    settings: Settings,
    source: RunSource,
    context: Context,
    waiting: Waiting | None = None,
    *,
    notes: Notes = ignore,
    earlier_commits: Callable[[], Sequence[str]] | None = None,
) -> Outcome:
    """Select, fetch and compare; tell ``notes`` what the user must know about the result.

    With ``waiting``, poll until no candidate is unfinished: a candidate is unfinished while it
    is running or pending, and all are while none has appeared yet (the training job may not
    have started); when the time is up the report is made from what there is, and its verdict
    says ``pending``. With ``earlier_commits`` (a pull request's commits, newest first), a head
    commit without runs is reported from the newest earlier commit that has some, as stale.
    """
    if context.project_url is None and source.app_url:
        context = replace(context, project_url=f"{source.app_url}/{settings.path}")
    outcome = _produce_waiting(settings, source, context, waiting or Waiting(), notes)
    earlier = _earlier(settings, outcome, earlier_commits)
    if earlier:
        settings = replace(settings, candidate_commits=earlier)
        outcome = _produce_once(settings, source, context)
    if settings.trend and settings.trend_commits:
        report = outcome.report
        trend, notices = base_branch_trend(settings, source, report, notes)
        report = replace(report, trend=trend, notices=report.notices + notices)
        outcome = replace(outcome, report=report)
    for warning in outcome.run_set.warnings:
        notes(Note("warning", warning, evidence=True))
    return outcome


def _earlier(
    settings: Settings, outcome: Outcome, commits: Callable[[], Sequence[str]] | None
) -> tuple[str, ...]:
    """The pull request's earlier commits, newest first, when its head has no runs."""
    if commits is None or settings.run_ids or settings.candidate_commits:
        return ()
    if outcome.run_set.counts.total:
        return ()
    head = (settings.sha or "").lower()
    return tuple(sha for sha in commits() if not (head and sha.lower().startswith(head)))


def _produce_waiting(
    settings: Settings, source: RunSource, context: Context, waiting: Waiting, notes: Notes
) -> Outcome:
    """Produce, re-polling until no candidate is unfinished or the wait is over."""
    deadline = waiting.clock() + waiting.seconds
    pause = FIRST_POLL
    while True:
        outcome = _produce_once(settings, source, context)
        unfinished = outcome.report.comparison.in_progress
        if outcome.run_set.counts.total == 0:
            unfinished = 1
        left = deadline - waiting.clock()
        if not unfinished or left <= 0:
            return outcome
        pause = min(pause, left)
        notes(
            Note(
                "wait",
                f"{unfinished} candidate run(s) not finished; checking again in {pause:.0f} s",
            )
        )
        waiting.sleep(pause)
        pause = min(pause * 2, LONGEST_POLL)


def _produce_once(settings: Settings, source: RunSource, context: Context) -> Outcome:
    """Select, fetch and compare once."""
    named = tuple(dict.fromkeys(spec.name for spec in settings.metrics))
    selection = build_selection(
        settings, history_keys=named[:MAX_CHARTS], history_samples=HISTORY_SAMPLES
    )
    log.debug("candidates: %s", json.dumps(dict(selection.candidates.filters)))
    if selection.baselines is not None:
        log.debug("baselines: %s", json.dumps(dict(selection.baselines.filters)))
    run_set = source.fetch(selection)
    log.debug(
        "found %d candidate and %d baseline runs", len(run_set.candidates), len(run_set.baselines)
    )
    run_set, sha, stale = _nearest_candidates(settings, run_set, selection.sha)
    run_set, baseline_words, pooled = nearest_baselines(settings, run_set, selection)
    evidence = plan_evidence(run_set, named)
    missing_evidence: tuple[str, ...] = ()
    if evidence is not None:
        run_set, missing_evidence = with_evidence(source, evidence, run_set)
    entity, project = _project_of(settings, run_set)
    provenance = Provenance(
        project_url=context.project_url,
        entity=entity,
        project=project,
        sha=sha,
        secondary_sha=settings.secondary_sha if sha else None,
        candidate_selection=selection.candidates.description,
        baseline_selection=baseline_words,
        workflow_run_url=context.workflow_run_url,
        trained_on=_trained_on(settings, run_set) if sha == settings.sha else "",
    )
    comparison = compare(
        run_set,
        settings.metrics,
        require_same_data=settings.require_same_data,
        allow_missing=settings.allow_missing,
        require_clean=settings.require_clean,
        stale=bool(stale),
    )
    mismatches = commit_mismatches(run_set.candidates, settings.sha_key)
    dirty = uncommitted_alert(run_set)
    alerts = (
        stale
        + missing_evidence
        + tuple(sentence for _, sentence in mismatches)
        + ((dirty,) if dirty else ())
    )
    notices = (
        *(Notice("stale-commit", sentence) for sentence in stale),
        *(
            Notice("commit-mismatch", sentence, run=run_id, side="candidate")
            for run_id, sentence in mismatches
        ),
        *evidence_notices(comparison, run_set),
        *uncommitted_notices(run_set),
        *((Notice("pooled-baselines", baseline_words),) if pooled else ()),
        *(Notice("history-left-out", sentence) for sentence in missing_evidence),
    )
    request = plan_history(comparison, named)
    if request is not None:
        run_set, left_out = with_chart_history(source, request, run_set)
        alerts += left_out
        notices += tuple(Notice("charts-left-out", sentence) for sentence in left_out)
    report = Report(
        comparison, run_set, provenance, settings.config_keys, alerts=alerts, notices=notices
    )
    return Outcome(selection, report)


def _trained_on(settings: Settings, run_set: RunSet) -> str:
    """Which commit the candidates were trained on, when the merge commit is a candidate too."""
    head, merge = settings.sha, settings.merge_sha
    if not head or not merge or not run_set.candidates:
        return ""
    tally = {"head": 0, "merge": 0}
    for run in run_set.candidates:
        logged = run.config.get(settings.sha_key)
        shas = [
            s.lower() for s in (logged if isinstance(logged, str) else "", run.commit or "") if s
        ]
        if any(s.startswith(merge.lower()) or merge.lower().startswith(s) for s in shas):
            tally["merge"] += 1
        else:
            tally["head"] += 1
    parts = []
    if tally["head"]:
        parts.append(f"the pull request's head {head[:7]} ({_runs(tally['head'])})")
    if tally["merge"]:
        parts.append(f"GitHub's merge commit {merge[:7]} ({_runs(tally['merge'])})")
    return " and ".join(parts)


def _runs(count: int) -> str:
    return "1 run" if count == 1 else f"{count} runs"


def _nearest_candidates(
    settings: Settings, run_set: RunSet, sha: str | None
) -> tuple[RunSet, str | None, tuple[str, ...]]:
    """With earlier commits standing in for the head, keep the newest commit's runs, and say so."""
    if not settings.candidate_commits or settings.run_ids:
        return run_set, sha, ()
    found = runs_of_nearest(run_set.candidates, settings.candidate_commits, settings.sha_key)
    if found is None:
        return replace(run_set, candidates=()), settings.sha, ()
    distance, commit, runs = found
    head = f" {settings.sha[:7]}" if settings.sha else ""
    behind = "1 commit" if distance == 0 else f"{distance + 1} commits"
    alert = (
        f"The head commit{head} has no runs yet: these results are from {commit[:7]}, "
        f"{behind} behind head."
    )
    return replace(run_set, candidates=runs), commit, (alert,)


def _project_of(settings: Settings, run_set: RunSet) -> tuple[str, str]:
    """The project to name: the one asked for, else (offline runs) the one the runs share."""
    if settings.entity and settings.project:
        return settings.entity, settings.project
    projects = {(run.entity, run.project) for run in run_set.candidates + run_set.baselines}
    if len(projects) == 1:
        return projects.pop()
    return settings.entity, settings.project


def write_files(
    outcome: Outcome,
    settings: Settings,
    destinations: Destinations,
    *,
    outputs: Mapping[str, str] | None = None,
) -> Outcome:
    """Write the files and the job summary, then the step outputs (they point at the files)."""
    written: dict[str, Path] = {}
    run_set = outcome.run_set
    if destinations.csv is not None and (run_set.counts.finished > 0 or not destinations.seed_csv):
        write_atomically(destinations.csv, csv_text(outcome, settings, destinations))
        written["csv"] = destinations.csv
    if destinations.json is not None:
        write_atomically(destinations.json, json_pieces(outcome))
        written["json"] = destinations.json
    if destinations.snapshot is not None:
        runs = run_set.candidates + run_set.baselines
        document = snapshot_document(runs, entity=settings.entity, project=settings.project)
        write_atomically(destinations.snapshot, json.dumps(document, indent=1) + "\n")
        written["snapshot"] = destinations.snapshot
    if destinations.step_summary is not None:
        summary = render_markdown(outcome.report, max_chars=SUMMARY_LIMIT)
        append_text(destinations.step_summary, summary + "\n", what="$GITHUB_STEP_SUMMARY")
        written["summary"] = destinations.step_summary
    if destinations.step_outputs is not None and outputs:
        write_outputs(destinations.step_outputs, outputs)
    return replace(outcome, written=written)


def csv_text(outcome: Outcome, settings: Settings, destinations: Destinations | None = None) -> str:
    """The CSV report: a column per compared metric (per named metric for the seed's CSV)."""
    seed = bool(destinations and destinations.seed_csv)
    if seed:
        metrics = tuple(spec.name for spec in settings.metrics)
    else:
        metrics = tuple(metric.name for metric in outcome.report.comparison.metrics)
    return render_csv(
        outcome.run_set,
        metrics=metrics,
        config_keys=settings.config_keys,
        sha_key=settings.sha_key,
        finished_candidates_only=seed,
    )


def json_text(outcome: Outcome) -> str:
    """The JSON report, comparison included."""
    return "".join(json_pieces(outcome))


def json_pieces(outcome: Outcome) -> Iterator[str]:
    """The JSON report in pieces, a run at a time (written without holding its whole text)."""
    provenance = outcome.report.provenance
    # Offline runs of any project: name the project the runs share, as the report does.
    selection = replace(outcome.selection, entity=provenance.entity, project=provenance.project)
    return json_chunks(
        outcome.run_set,
        selection,
        extra={
            "comparison": comparison_document(outcome.report.comparison),
            "notices": [notice_document(n) for n in outcome.report.notices],
            **(
                {"trend": trend_document(outcome.report.trend)}
                if outcome.report.trend is not None
                else {}
            ),
        },
    )
