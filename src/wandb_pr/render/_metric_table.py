"""The Markdown metric table: regressions first, one precision per metric, tolerances shown.

Status and change cells join their words with no-break spaces so that a narrow comment (800
pixels) wraps the metric name rather than ``🔴 regression`` or ``+4.0%``; a metric's tolerance
sits under its name, so that three runs a side with p-values still fit 800 pixels. Columns that
would be empty for every row (p without tests) are left out, and the number of runs with a
value moves into the header when every row has the same (and not every run has one).
"""

from __future__ import annotations

from collections.abc import Sequence

from wandb_pr.compare import Direction, MetricComparison
from wandb_pr.compare._exhaustive import unhandled
from wandb_pr.render import _format as fmt
from wandb_pr.render import _summary as summ
from wandb_pr.render.escape import escape_markdown

__all__ = ["goal_text", "metric_table"]

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"


def goal_text(metric: MetricComparison) -> str:
    """``↓`` (lower is better), ``↑``, with ``*`` when guessed from the name; empty for none."""
    if metric.direction is Direction.NONE:
        return ""
    elif metric.direction is Direction.HIGHER:
        mark = "↑"
    elif metric.direction is Direction.LOWER:
        mark = "↓"
    else:
        raise unhandled(metric.direction)
    return f"{mark}\\*" if metric.direction_inferred else mark


def metric_table(metrics: Sequence[MetricComparison], *, limit: int | None) -> str:
    """The table's Markdown (header, alignment, at most ``limit`` rows when given)."""
    rows = summ.ordered(metrics)
    with_p = any(m.test is not None for m in rows)
    n_base, n_cand = summ.shared_n(rows, "baseline"), summ.shared_n(rows, "candidate")
    every_base = all(m.baseline.n == m.baseline.total for m in rows)
    every_cand = all(m.candidate.n == m.candidate.total for m in rows)
    header = [
        "Status",
        "Metric",
        _side_header("Baseline", None if every_base else n_base),
        _side_header("Candidate", None if every_cand else n_cand),
    ]
    header.append("Δ")
    align = ["---", "---", "--:", "--:", "--:"]
    if with_p:
        header.append("p")
        align.append("--:")
    lines = [_row(header), _row(align)]
    for metric in rows if limit is None else rows[:limit]:
        places = summ.decimals(metric)
        name = escape_markdown(fmt.metric_title(metric), max_length=120)
        goal = goal_text(metric)
        cells = [
            _keep(f"{fmt.status_mark(metric.status)} {summ.short_status(metric)}"),
            _metric_cell(metric, name, goal),
            _narrow(summ.side_text(metric.baseline, places, show_n=n_base is None)),
            _narrow(summ.side_text(metric.candidate, places, show_n=n_cand is None)),
            _keep(_change(metric, places)),
        ]
        if with_p:
            cells.append(fmt.format_p(metric))
        lines.append(_row(cells))
    return "\n".join(lines)


def _metric_cell(metric: MetricComparison, name: str, goal: str) -> str:
    """The name, its goal mark, and under it the tolerance in small print when it has one."""
    cell = f"{name}{NBSP}{goal}" if goal else name
    if metric.spec.tolerance.amount:
        cell += f"<br><sub>tolerance{NBSP}{metric.spec.tolerance}</sub>"
    return cell


def _change(metric: MetricComparison, places: int | None) -> str:
    """The relative change; the difference itself where there is none (a zero baseline)."""
    relative = summ.relative_text(metric.relative_delta)
    if relative != fmt.NO_VALUE or metric.delta is None:
        return relative
    return f"{summ.delta_text(metric.delta, places)} (abs.)"


def _narrow(text: str) -> str:
    """``mean ± std`` held together by narrow no-break spaces: it never wraps, and it is a
    little narrower, so that three runs a side still fit 800 pixels."""
    return text.replace(" ", NARROW_NBSP)


def _keep(text: str) -> str:
    """Joins the words with no-break spaces, so the cell never wraps."""
    return text.replace(" ", NBSP)


def _side_header(word: str, n: int | None) -> str:
    """``Candidate (n=3)`` when every row has 3 values but not every run has one (the line
    above the table already says how many runs each side has)."""
    return f"{word} (n={n})" if n is not None and n > 1 else word


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"
