"""The report as plain text for a terminal (``wandb-pr report`` on a laptop).

The same facts as the Markdown report, as aligned columns: the verdict, what was compared,
the metric table, notes, a short list of runs and the provenance. ANSI colours only when
asked for. User text goes through :func:`~wandb_pr.render.escape.escape_terminal`, which
removes escape sequences, control characters and bidi overrides.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from wandb_pr.compare import MetricStatus, Verdict, counts_toward_stats
from wandb_pr.compare._exhaustive import unhandled
from wandb_pr.models import Run
from wandb_pr.render import _format as fmt
from wandb_pr.render import _summary as summ
from wandb_pr.render.escape import escape_terminal
from wandb_pr.render.report import Report
from wandb_pr.render.trend import terminal_trend

__all__ = ["WIDTH", "render_terminal"]

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_GREEN = "\x1b[32m"
_RED = "\x1b[31m"
_YELLOW = "\x1b[33m"
_DIM = "\x1b[2m"
_RUNS_SHOWN = 10
WIDTH = 100
"""Columns the metric table fits by default."""


def render_terminal(report: Report, *, color: bool, width: int = WIDTH) -> str:
    """The report as aligned plain text; ANSI colours when ``color``.

    The metric table fits ``width`` columns: over it, the least important columns go first
    (p, then the tolerance, then the baseline's spread).
    """
    comparison = report.comparison
    paint = _Paint(color)
    words = fmt.headline(report, escape=escape_terminal, code=lambda s: s)
    lines = [paint(f"wandb-pr: {words}", _verdict_colour(comparison.verdict), bold=True)]
    alerts, runs = summ.alert_lines(report)
    for alert in alerts:
        lines.append(paint(f"warning: {escape_terminal(alert, max_length=400)}", _YELLOW))
    for sentence in runs[:10]:
        lines.append(paint(f"  - {escape_terminal(sentence, max_length=300)}", _YELLOW))
    lines.append("")
    if comparison.verdict is not Verdict.NO_RUNS:
        for m in summ.worst_changes(report):
            change = summ.change_text(m, escape=escape_terminal, bold=False)
            lines.append(paint(f"  {summ.short_status(m)}: {change}", _status_colour(m.status)))
    lines.append(_intro(report))
    if comparison.verdict is not Verdict.NO_RUNS and comparison.metrics:
        lines.append("")
        lines.extend(_metric_table(report, paint, width))
        if any(m.direction_inferred for m in comparison.metrics):
            lines.append("↓ lower is better, ↑ higher is better (* guessed from the name)")
        if any(m.no_noise_estimate for m in comparison.metrics):
            lines.append(
                "No significance test: one run per side, so any change beyond the tolerance counts."
            )
        if any(m.test is not None for m in comparison.metrics):
            lines.append("")
            lines.append(
                "p: one-sided Welch's t-test (a prediction-interval t-test with one run on a "
                f"side), Holm-adjusted over {fmt.plural(comparison.tested, 'metric')}; worse is a "
                f"regression only if p < {comparison.alpha:g} and beyond the tolerance."
            )
    elif comparison.verdict is Verdict.NO_RUNS and not comparison.counts.total:
        lines.append(
            "Tip: log github_sha in the run config or enable git in wandb, so runs can be "
            "matched to commits."
        )
    notes = _notes(report)
    if notes:
        lines.append("")
        lines.extend(f"- {note}" for note in notes)
    for title, runs_of in (
        ("Candidates", report.run_set.candidates),
        ("Baselines", report.run_set.baselines),
    ):
        lines.append("")
        lines.append(f"{title} ({len(runs_of)}):")
        lines.extend(_run_lines(runs_of))
    trend = terminal_trend(report.trend)
    lines.extend(["", *trend] if trend else [])
    lines.append("")
    lines.extend(_provenance(report))
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class _Paint:
    """Wraps text in ANSI colour codes, or not."""

    color: bool

    def __call__(self, text: str, colour: str, *, bold: bool = False) -> str:
        if not self.color or (not colour and not bold):
            return text
        return f"{_BOLD if bold else ''}{colour}{text}{_RESET}"


def _verdict_colour(verdict: Verdict) -> str:
    if verdict is Verdict.PASS:
        return _GREEN
    elif (
        verdict is Verdict.REGRESSION
        or verdict is Verdict.DIFFERENT_DATA
        or verdict is Verdict.DIVERGED
        or verdict is Verdict.UNCOMMITTED_CHANGES
    ):
        return _RED
    elif (
        verdict is Verdict.PENDING
        or verdict is Verdict.NO_RUNS
        or verdict is Verdict.NO_BASELINE
        or verdict is Verdict.MISSING_METRIC
    ):
        return _YELLOW
    else:
        raise unhandled(verdict)


def _status_colour(status: MetricStatus) -> str:
    if status is MetricStatus.BETTER:
        return _GREEN
    elif status is MetricStatus.REGRESSION or status is MetricStatus.DIVERGED:
        return _RED
    elif status is MetricStatus.WORSE:
        return _YELLOW
    elif (
        status is MetricStatus.UNCHANGED
        or status is MetricStatus.NO_DIRECTION
        or status is MetricStatus.MISSING
        or status is MetricStatus.NOT_FOUND
    ):
        return _DIM
    else:
        raise unhandled(status)


def _intro(report: Report) -> str:
    prov = report.provenance
    project = ""  # offline runs of several projects name none
    if prov.entity or prov.project:
        project = escape_terminal(f"{prov.entity}/{prov.project}", max_length=120)
    return summ.sides_text(report, escape=escape_terminal, code=lambda s: s, project=project)


# Columns in the order they are dropped when the table is too wide (most important kept).
_DROP_ORDER = ("p", "tolerance", "baseline")


def _metric_table(report: Report, paint: _Paint, width: int) -> list[str]:
    metrics = summ.ordered(report.comparison.metrics)
    n_base = summ.shared_n(metrics, "baseline")
    n_cand = summ.shared_n(metrics, "candidate")
    columns: dict[str, list[str]] = {
        "status": ["status"],
        "metric": ["metric"],
        "baseline": [f"baseline (n={n_base})" if n_base and n_base > 1 else "baseline"],
        "candidate": [f"candidate (n={n_cand})" if n_cand and n_cand > 1 else "candidate"],
        "delta": ["Δ"],
        "tolerance": ["tolerance"],
        "p": ["p"],
    }
    for m in metrics:
        places = summ.decimals(m)
        goal = {"lower": " ↓", "higher": " ↑"}.get(m.direction.value, "")
        goal += "*" if goal and m.direction_inferred else ""
        relative = summ.relative_text(m.relative_delta)
        columns["status"].append(summ.short_status(m))
        columns["metric"].append(escape_terminal(fmt.metric_title(m), max_length=40) + goal)
        columns["baseline"].append(summ.side_text(m.baseline, places, show_n=n_base is None))
        columns["candidate"].append(summ.side_text(m.candidate, places, show_n=n_cand is None))
        columns["delta"].append(
            relative if relative != fmt.NO_VALUE else summ.delta_text(m.delta, places)
        )
        columns["tolerance"].append(summ.tolerance_text(m))
        columns["p"].append(fmt.format_p(m))
    if all(c == fmt.NO_VALUE for c in columns["tolerance"][1:]):
        del columns["tolerance"]
    if all(c == fmt.NO_VALUE for c in columns["p"][1:]):
        del columns["p"]
    for name in _DROP_ORDER:
        if _table_width(columns) <= width:
            break
        columns.pop(name, None)
    names = list(columns)
    widths = [max(map(_width, columns[n])) for n in names]
    right = {"baseline", "candidate", "delta", "tolerance", "p"}
    rows = [[columns[n][i] for n in names] for i in range(len(metrics) + 1)]
    lines = [paint(_line(rows[0], widths, names, right), "", bold=True)]
    for metric, row in zip(metrics, rows[1:], strict=True):
        lines.append(paint(_line(row, widths, names, right), _status_colour(metric.status)))
    return lines


def _table_width(columns: dict[str, list[str]]) -> int:
    return sum(max(map(_width, cells)) for cells in columns.values()) + 2 * (len(columns) - 1)


def _notes(report: Report) -> list[str]:
    notes: list[str] = []
    comparison = report.comparison
    for m in comparison.metrics:
        for side, stats in (("candidate", m.candidate), ("baseline", m.baseline)):
            if stats.missing:
                notes.append(
                    f"{escape_terminal(m.name)}: no value on {len(stats.missing)} {side} runs"
                )
            if stats.unusable:
                notes.append(
                    f"{escape_terminal(m.name)}: not a number on {len(stats.unusable)} {side} runs"
                )
            if stats.non_finite:
                notes.append(f"{escape_terminal(m.name)}: {fmt.diverged_text(stats, side)}")
        if m.suggestions:
            hint = ", ".join(escape_terminal(s, max_length=60) for s in m.suggestions)
            notes.append(f"{escape_terminal(m.name)}: logged by no run; did you mean {hint}?")
    if comparison.auto_metrics and comparison.metrics:
        more = comparison.metrics_left_out
        notes.append(
            "metrics chosen automatically from the candidates' summaries"
            + (f" ({more} more left out)" if more else "")
        )
    notes.extend(escape_terminal(w, max_length=300) for w in report.run_set.warnings[:10])
    for unreadable in report.run_set.unreadable[:10]:
        notes.append(
            f"unreadable offline run {escape_terminal(unreadable.folder, max_length=200)}: "
            f"{escape_terminal(unreadable.reason, max_length=200)}"
        )
    return notes


def _run_lines(runs: Sequence[Run]) -> list[str]:
    rows = [
        [
            escape_terminal(r.name or r.id, max_length=40),
            escape_terminal(r.state_label, max_length=40)
            + ("" if counts_toward_stats(r.state) else " (not counted)"),
            escape_terminal(r.short_commit or "", max_length=12),
            ", ".join(escape_terminal(t, max_length=30) for t in r.tags[:5]),
        ]
        for r in runs[:_RUNS_SHOWN]
    ]
    if not rows:
        return ["  (none)"]
    widths = [max(_width(row[i]) for row in rows) for i in range(4)]
    lines = ["  " + _line(row, widths) for row in rows]
    if len(runs) > _RUNS_SHOWN:
        lines.append(f"  ... and {len(runs) - _RUNS_SHOWN} more (see the CSV/JSON report)")
    return lines


def _provenance(report: Report) -> list[str]:
    prov = report.provenance
    lines = [
        f"data:       {escape_terminal(fmt.data_version_text(v), max_length=300)}"
        for v in report.comparison.data_versions[:20]
    ]
    if prov.project_url:
        lines.append(f"project:    {escape_terminal(prov.project_url, max_length=300)}")
    if prov.sha:
        lines.append(f"commit:     {escape_terminal(prov.sha, max_length=64)}")
    if prov.secondary_sha:
        lines.append(f"secondary:  {escape_terminal(prov.secondary_sha, max_length=64)}")
    if prov.candidate_selection:
        lines.append(f"candidates: {escape_terminal(prov.candidate_selection, max_length=500)}")
    if prov.trained_on:
        lines.append(f"trained on: {escape_terminal(prov.trained_on, max_length=300)}")
    if prov.baseline_selection:
        lines.append(f"baselines:  {escape_terminal(prov.baseline_selection, max_length=500)}")
    if prov.workflow_run_url:
        lines.append(f"workflow:   {escape_terminal(prov.workflow_run_url, max_length=300)}")
    return lines


def _line(
    cells: Sequence[str],
    widths: Sequence[int],
    names: Sequence[str] = (),
    right: frozenset[str] | set[str] = frozenset(),
) -> str:
    padded = []
    for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        gap = " " * (width - _width(cell))
        padded.append(gap + cell if names and names[i] in right else cell + gap)
    return "  ".join(padded).rstrip()


def _width(text: str) -> int:
    """Columns a string takes: wide East Asian characters count two, combining marks none."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )
