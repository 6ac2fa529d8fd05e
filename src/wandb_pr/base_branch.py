"""What the base branch's commits bring to a report: base-commit baselines and the trend.

Both read the base commit's first-parent chain (settings, read once by the entry layer):
the baselines are the finished runs of the nearest commit that has any, or of the nearest
``baseline-commits`` pooled; the trend is the report's metrics over the last ``trend``
commits with finished runs, fetched in one more query without history.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace

from wandb_pr.compare.notices import Notice
from wandb_pr.compare.trend import Trend, build_trend
from wandb_pr.errors import SourceError
from wandb_pr.models import RunSet
from wandb_pr.notes import Note, Notes
from wandb_pr.render.report import Report
from wandb_pr.selection import Selection, runs_by_commit, trend_selection
from wandb_pr.settings import Settings
from wandb_pr.sources.interface import RunSource

__all__ = ["base_branch_trend", "nearest_baselines"]

log = logging.getLogger(__name__)


def nearest_baselines(
    settings: Settings, run_set: RunSet, selection: Selection
) -> tuple[RunSet, str, bool]:
    """With base-commit baselines, keep the runs of the nearest ancestor that has any (or pool
    those of the nearest ``baseline-commits`` that have any); the runs, how they were chosen in
    words, and whether several commits were pooled."""
    words = "; ".join(
        ([selection.baselines.description] if selection.baselines else [])
        + list(run_set.baseline_sources)
    )
    commits = settings.baseline_commits
    if not commits:
        return run_set, words, False
    base, depth = commits[0][:7], len(commits) - 1
    found = runs_by_commit(
        run_set.baselines, commits, settings.sha_key, limit=settings.baseline_pool
    )
    if not found:
        words = f"no finished runs of base commit {base} or its {depth} nearest ancestors"
        return replace(run_set, baselines=()), words, False
    pooled = tuple(run for _, _, runs in found for run in runs)
    if len(found) > 1:
        parts = [f"{sha[:7]} ({_runs(len(runs))})" for _, sha, runs in found]
        words = (
            f"finished runs of {len(found)} commits pooled, nearest the base commit {base} "
            f"first: {', '.join(parts)}; pooling assumes these commits are equivalent on the "
            "metrics"
        )
        return replace(run_set, baselines=pooled), words, True
    distance, commit, runs = found[0]
    if distance == 0:
        words = f"finished runs of the base commit {base}"
    else:
        behind = "1 commit" if distance == 1 else f"{distance} commits"
        words = f"finished runs of {commit[:7]}, {behind} behind the base commit {base}"
    if settings.baseline_pool > 1:
        words += f" (the only commit with runs among the {depth + 1} looked at, so none pooled)"
    return replace(run_set, baselines=runs), words, False


def base_branch_trend(
    settings: Settings, source: RunSource, report: Report, notes: Notes
) -> tuple[Trend, tuple[Notice, ...]]:
    """The base branch's trend for a report, and notices about it: one more query, summaries
    only.

    The trend is context, not evidence: when its runs cannot be fetched, the report goes out
    without it and says why.
    """
    metrics = tuple(m.name for m in report.comparison.metrics)
    selection = trend_selection(settings)
    log.debug("trend: %s", json.dumps(dict(selection.candidates.filters)))
    try:
        runs = source.fetch(selection).candidates
    except SourceError as exc:
        reason = exc.message.rstrip(".")
        notes(Note("warning", f"Trend left out: {reason}.", evidence=True))
        looked = len(settings.trend_commits)
        return Trend(metrics, (), settings.trend, looked, 0, left_out=reason), ()
    counted = set(report.comparison.counted_candidates)
    trend = build_trend(
        runs,
        settings.trend_commits,
        metrics=metrics,
        sha_key=settings.sha_key,
        count=settings.trend,
        candidates=[r for r in report.run_set.candidates if r.id in counted],
        head=report.provenance.sha,
        directions={m.name: m.direction for m in report.comparison.metrics},
    )
    notices: tuple[Notice, ...] = ()
    if trend.skipped:
        notices += (
            Notice(
                "trend-skipped",
                f"Trend: {trend.skipped} base-branch commit(s) without finished runs skipped.",
            ),
        )
    if len(trend.commits) < settings.trend:
        notices += (
            Notice(
                "trend-skipped",
                f"Trend: {len(trend.commits)} of the {settings.trend} commits asked for have "
                f"finished runs among the last {trend.looked} of the base branch.",
            ),
        )
    return trend, notices


def _runs(count: int) -> str:
    return "1 run" if count == 1 else f"{count} runs"
