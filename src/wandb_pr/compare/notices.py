"""Every warning a report shows, as data: a machine-readable code, attached to a run or metric.

The Markdown, terminal and JSON reports show the same facts; the JSON report lists these
notices so that a later workflow step can act on them without parsing text. Codes:

``stale-commit``       the head has no runs; an earlier commit's runs stand in
``commit-mismatch``    a run's config SHA and W&B's recorded git commit disagree (run)
``different-data``     the sides used different versions of a data artifact
``diverged``           a run's value is NaN or infinite (run, metric)
``missing-value``      a counted run lacks the metric (run, metric)
``not-a-number``       a run's value is text, a boolean or a media object (run, metric)
``metric-not-found``   no run on either side logs the metric (metric; ``suggestions``)
``value-source``       values are not plain summary numbers (``summary min``, ``history last``)
``provisional``        candidates still run; compared at the same step (metric)
``no-noise-estimate``  one run per side: no test was possible (metric)
``no-baseline``        no finished baseline run
``state-<state>``      a run is not finished (``state-running``, ``state-preempting``...) (run)
``unreadable``         an offline run could not be read (``folder``)
``fetch``              something the run source said (a run id not found...)
``charts-left-out``    the history a chart draws could not be had in time (the report has none)
``history-left-out``   history the comparison reads could not be had (those values are missing)
``uncommitted-changes`` the run was trained with uncommitted changes (W&B saved a ``diff.patch``
                       with it; only known with code saving on) (run; ``size_bytes``)
``pooled-baselines``   the baselines pool the runs of several base-branch commits (which, how many)
``trend-skipped``      base-branch commits of the trend without finished runs were skipped
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wandb_pr.compare.comparison import Comparison, counts_toward_stats
from wandb_pr.compare.metric import MetricStatus, SideStats
from wandb_pr.models import Run, RunSet

__all__ = ["Notice", "evidence_notices", "size_text", "uncommitted_alert", "uncommitted_notices"]


@dataclass(frozen=True)
class Notice:
    """One warning, with what it is about."""

    code: str
    """Machine-readable kind (see the module docstring)."""
    message: str
    """The sentence the reports show."""
    run: str | None = None
    """The run id it is about, if any."""
    side: str | None = None
    """``candidate`` or ``baseline``, when about a run."""
    metric: str | None = None
    """The metric it is about, if any."""
    folder: str | None = None
    """For unreadable offline runs: the run's folder."""
    suggestions: tuple[str, ...] = ()
    """For ``metric-not-found``: the nearest existing names."""
    size_bytes: int | None = None
    """For ``uncommitted-changes``: the size of the run's saved diff."""


def uncommitted_notices(run_set: RunSet) -> tuple[Notice, ...]:
    """One notice per run W&B saved a non-empty ``diff.patch`` with (either side)."""
    return tuple(
        Notice(
            "uncommitted-changes",
            f"{side.capitalize()} run {run.name} ({run.id}) was trained with uncommitted "
            f"changes: {size_text(run.uncommitted_bytes or 0)} diff",
            run=run.id,
            side=side,
            size_bytes=run.uncommitted_bytes,
        )
        for side, runs in (("candidate", run_set.candidates), ("baseline", run_set.baselines))
        for run in runs
        if run.uncommitted
    )


def uncommitted_alert(run_set: RunSet) -> str | None:
    """One sentence naming the runs trained with uncommitted changes, or ``None``."""
    dirty = [r for r in (*run_set.candidates, *run_set.baselines) if r.uncommitted]
    if not dirty:
        return None
    shown = ", ".join(f"{r.name} ({size_text(r.uncommitted_bytes or 0)} diff)" for r in dirty[:5])
    more = f" and {len(dirty) - 5} more" if len(dirty) > 5 else ""
    verb = "was" if len(dirty) == 1 else "were"
    subject = "Run" if len(dirty) == 1 else f"{len(dirty)} runs"
    return (
        f"{subject} {shown}{more} {verb} trained with uncommitted changes: the results are not "
        "those of the commit alone."
    )


def size_text(size: int) -> str:
    """A byte count as people read it: ``512 B``, ``1.2 KB``, ``3.4 MB``."""
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1000:
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def evidence_notices(comparison: Comparison, run_set: RunSet) -> tuple[Notice, ...]:
    """The notices about the runs and the metrics (the pipeline adds commit-level ones)."""
    found: list[Notice] = []
    names = {r.id: r.name for r in (*run_set.candidates, *run_set.baselines)}
    for m in comparison.metrics:
        if m.status is MetricStatus.NOT_FOUND:
            hint = ", ".join(m.suggestions)
            found.append(
                Notice(
                    "metric-not-found",
                    f"No run logs {m.name}" + (f"; did you mean {hint}?" if hint else "."),
                    metric=m.name,
                    suggestions=m.suggestions,
                )
            )
        if m.source:
            found.append(Notice("value-source", f"{m.name}: values from {m.source}", metric=m.name))
        if m.provisional:
            final = comparison.at_step is not None and "summary" in m.baseline.sources
            found.append(
                Notice(
                    "provisional",
                    f"{m.name}: provisional, candidates still run"
                    + ("; the baselines' final values are used (no history)" if final else ""),
                    metric=m.name,
                )
            )
        if m.no_noise_estimate:
            found.append(
                Notice(
                    "no-noise-estimate",
                    f"{m.name}: no noise estimate (one run per side)",
                    metric=m.name,
                )
            )
        for side, stats in (("candidate", m.candidate), ("baseline", m.baseline)):
            found.extend(_value_notices(m.name, side, stats, names))
    if not comparison.counted_baselines and comparison.counts.total:
        found.append(Notice("no-baseline", "No finished baseline run to compare with."))
    for side, runs in (("candidate", run_set.candidates), ("baseline", run_set.baselines)):
        found.extend(_state_notices(side, runs))
    for unreadable in run_set.unreadable:
        found.append(
            Notice(
                "unreadable",
                f"Unreadable offline run {unreadable.folder}: {unreadable.reason}",
                folder=unreadable.folder,
            )
        )
    found.extend(Notice("fetch", warning) for warning in run_set.warnings)
    for version in comparison.different_data:
        found.append(
            Notice(
                "different-data",
                f"Evaluated on different data: {', '.join(version.candidates)} vs "
                f"{', '.join(version.baselines)} (candidates vs baselines).",
            )
        )
    return tuple(found)


def _value_notices(
    metric: str, side: str, stats: SideStats, names: dict[str, str]
) -> Iterable[Notice]:
    for code, ids, what in (
        ("diverged", stats.non_finite, "is NaN or infinite (diverged)"),
        ("missing-value", stats.missing, "has no value"),
        ("not-a-number", stats.unusable, "is not a number"),
    ):
        for run_id in ids:
            yield Notice(
                code,
                f"{metric} {what} on {side} run {names.get(run_id, run_id)} ({run_id})",
                run=run_id,
                side=side,
                metric=metric,
            )


def _state_notices(side: str, runs: Sequence[Run]) -> Iterable[Notice]:
    for run in runs:
        if not counts_toward_stats(run.state):
            yield Notice(
                f"state-{run.state.value}",
                f"{side.capitalize()} run {run.name} ({run.id}) is {run.state_label}: only "
                "finished runs are evidence",
                run=run.id,
                side=side,
            )
