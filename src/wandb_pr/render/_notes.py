"""The notes under the Markdown report's metric table: gaps per metric, runs left out, warnings.

Each note has a JSON counterpart in :mod:`wandb_pr.compare.notices`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from wandb_pr.compare import MetricComparison
from wandb_pr.render import _format as fmt
from wandb_pr.render._summary import alert_lines
from wandb_pr.render.escape import escape_markdown
from wandb_pr.render.report import Report

__all__ = ["markdown_alerts", "markdown_notes"]


def markdown_notes(
    report: Report, metrics: Sequence[MetricComparison], counted: Collection[str]
) -> str:
    """The notes as a Markdown list (empty when there are none)."""
    comparison = report.comparison
    names = {r.id: r.name for r in (*report.run_set.candidates, *report.run_set.baselines)}
    notes: list[str] = []
    for metric in metrics:
        gaps = _gaps(metric, names, at_step=comparison.at_step)
        if gaps:
            notes.append(f"{escape_markdown(metric.name, max_length=60)}: {gaps}")
    if report.run_set.candidates or report.run_set.baselines:
        if not comparison.counted_baselines:
            how = escape_markdown(report.provenance.baseline_selection, max_length=300)
            notes.append(f"No finished baseline runs were found{': ' + how if how else ''}.")
        skipped = [
            r for r in (*report.run_set.candidates, *report.run_set.baselines)
            if r.id not in counted
        ]  # fmt: skip
        if skipped:
            states = ", ".join(
                f"{escape_markdown(r.name, max_length=40)} "
                f"({escape_markdown(r.state_label, max_length=40)})"
                for r in skipped[:10]
            )
            more = f" and {len(skipped) - 10} more" if len(skipped) > 10 else ""
            notes.append(f"Not counted, because only finished runs are evidence: {states}{more}.")
    for unreadable in report.run_set.unreadable[:10]:
        notes.append(
            "Unreadable offline run "
            f"{escape_markdown(unreadable.folder, max_length=200)}: "
            f"{escape_markdown(unreadable.reason, max_length=200)}"
        )
    if len(report.run_set.unreadable) > 10:
        notes.append(f"{len(report.run_set.unreadable) - 10} more unreadable runs.")
    warnings = report.run_set.warnings
    notes.extend(escape_markdown(w, max_length=300) for w in warnings[:10])
    if len(warnings) > 10:
        notes.append(f"{fmt.plural(len(warnings) - 10, 'more warning')} not shown.")
    return "\n".join(f"- {note}" for note in notes)


def markdown_alerts(report: Report) -> str:
    """What qualifies the verdict, as a quoted block: one line per kind of warning, with a
    count; the per-run sentences of a kind that repeats collapsed below it."""
    alerts, runs = alert_lines(report)
    block = "\n>\n".join(f"> ⚠️ {escape_markdown(a, max_length=400)}" for a in alerts)
    if runs:
        items = "\n".join(f"- {escape_markdown(m, max_length=400)}" for m in runs[:20])
        if len(runs) > 20:
            items += f"\n- and {fmt.plural(len(runs) - 20, 'more run')}"
        block += (
            f"\n\n<details><summary>Runs whose commits disagree ({len(runs)})</summary>"
            f"\n\n{items}\n\n</details>"
        )
    return block


def _gaps(metric: MetricComparison, names: dict[str, str], *, at_step: int | None) -> str:
    parts = [
        text
        for text in (
            fmt.diverged_text(metric.candidate, "candidate"),
            fmt.diverged_text(metric.baseline, "baseline"),
        )
        if text
    ]
    if at_step is not None and metric.provisional and "summary" in metric.baseline.sources:
        parts.append("the baselines have no history of it, so their final values are used")
    if metric.suggestions:
        hint = ", ".join(escape_markdown(s, max_length=60) for s in metric.suggestions)
        parts.append(f"logged by no run; did you mean {hint}?")
    for side, stats in (("candidate", metric.candidate), ("baseline", metric.baseline)):
        total = stats.total
        for ids, what in ((stats.missing, "no value"), (stats.unusable, "not a number")):
            if ids:
                shown = ", ".join(escape_markdown(names.get(i, i), max_length=40) for i in ids[:3])
                more = f" and {len(ids) - 3} more" if len(ids) > 3 else ""
                parts.append(f"{what} on {len(ids)} of {total} {side} runs ({shown}{more})")
    return "; ".join(parts)
