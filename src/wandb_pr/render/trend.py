"""The base branch's trend as text: a collapsed Mermaid chart and table, or terminal lines.

Pure: :func:`markdown_trend` returns a ``<details>`` block (one ``xychart-beta`` line chart per
metric, x: commits oldest to newest with this change last, then a small table of mean ± std
and n); :func:`terminal_trend` returns the same table as aligned lines. Both return nothing when
no trend was asked for. Commits are labelled by short SHA while they fit on the x-axis
(:data:`LABELLED_POINTS`), else numbered, with the table mapping the numbers to SHAs.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from wandb_pr.compare.trend import Trend, TrendPoint, TrendValue
from wandb_pr.render._format import NO_VALUE, format_number, plural
from wandb_pr.render.escape import escape_markdown, escape_terminal, mermaid_label

__all__ = ["LABELLED_POINTS", "markdown_trend", "terminal_trend"]

LABELLED_POINTS = 12
"""Up to this many points the x-axis shows short SHAs; beyond, numbers."""
TREND_COLOUR = "#2563eb"
"""The trend line's colour (the candidates' blue: the line ends at this change)."""
THIS_CHANGE = "this change"


def markdown_trend(trend: Trend | None, *, charts: bool = True) -> str:
    """The ``<details>`` block, or '' when no trend was asked for."""
    if trend is None:
        return ""
    words = _summary_words(trend, escape=escape_markdown)
    body = [words[:1].upper() + words[1:]]
    if trend.points and trend.metrics:
        numbered = len(trend.points) > LABELLED_POINTS
        if charts:
            body += [c for c in (_chart(trend, m, numbered) for m in trend.metrics) if c]
        body.append(_markdown_table(trend, numbered))
    summary = "Trend on the base branch"
    if trend.metrics and trend.points:
        names = ", ".join(mermaid_label(m, max_length=40) for m in trend.metrics)
        summary += f": {names} over {plural(len(trend.commits), 'commit')}"
    return f"<details><summary>{summary}</summary>\n\n" + "\n\n".join(body) + "\n\n</details>"


def terminal_trend(trend: Trend | None) -> list[str]:
    """The trend as terminal lines (a heading and an aligned table); none when not asked."""
    if trend is None:
        return []
    lines = [f"Trend on the base branch: {_summary_words(trend, escape=escape_terminal)}"]
    if not trend.points or not trend.metrics:
        return lines
    header = ["commit", "runs", *(escape_terminal(m, max_length=40) for m in trend.metrics)]
    rows = [header]
    for point in trend.points:
        label = point.label + (f" ({THIS_CHANGE})" if point.candidates else "")
        rows.append([label, str(point.runs), *(_value(point.values[m]) for m in trend.metrics)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines.append("")
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return lines


def _summary_words(trend: Trend, *, escape: Callable[..., str]) -> str:
    """What the trend shows and what it passed over, in one sentence."""
    if trend.left_out is not None:
        return f"left out: {escape(trend.left_out, max_length=300)}."
    shown = len(trend.commits)
    words = (
        f"the last {plural(shown, 'commit')} of the base branch with finished runs, among its "
        f"last {trend.looked} first-parent commits"
    )
    if any(p.candidates for p in trend.points):
        words += f", oldest first, then {THIS_CHANGE}"
    else:
        words += ", oldest first"
    if trend.skipped:
        words += f"; {plural(trend.skipped, 'commit')} without finished runs skipped"
    return words + ". Each point is the mean over the commit's finished runs."


def _chart(trend: Trend, metric: str, numbered: bool) -> str:
    """A ``mermaid`` line chart of one metric over the points that have a value."""
    points = [(i, p) for i, p in enumerate(trend.points) if p.values[metric].mean is not None]
    if len(points) < 2:
        return ""
    values = [float(p.values[metric].mean or 0.0) for _, p in points]
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.1 or abs(hi) * 0.05 or 1.0
    lo, hi = lo - pad, hi + pad
    decimals = min(15, max(0, 3 - math.floor(math.log10(hi - lo))))
    labels = ", ".join(f'"{_axis_label(i, p, numbered)}"' for i, p in points)
    label = mermaid_label(metric)
    return "\n".join(
        [
            "```mermaid",
            '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "'
            + TREND_COLOUR
            + '"}}}}%%',
            "xychart-beta",
            f'  title "{label}"',
            f"  x-axis [{labels}]",
            f'  y-axis "{label}" {_number(lo, decimals)} --> {_number(hi, decimals)}',
            "  line [" + ", ".join(_number(v, decimals) for v in values) + "]",
            "```",
        ]
    )


def _axis_label(index: int, point: TrendPoint, numbered: bool) -> str:
    """A short SHA (numbers when there are too many points); ``this change`` last."""
    if point.candidates:
        return THIS_CHANGE
    return str(index + 1) if numbered else mermaid_label(point.label)


def _markdown_table(trend: Trend, numbered: bool) -> str:
    """Commit, runs and each metric's mean ± std (n) per point."""
    names = [escape_markdown(m, max_length=40) for m in trend.metrics]
    head = (["#"] if numbered else []) + ["Commit", "Runs", *names]
    rule = (["--:"] if numbered else []) + ["---", "--:", *("--:" for _ in names)]
    rows = ["| " + " | ".join(head) + " |", "| " + " | ".join(rule) + " |"]
    for index, point in enumerate(trend.points):
        commit = f"`{point.label}`"
        if point.candidates:
            commit = f"**{commit} ({THIS_CHANGE})**"
        cells = ([str(index + 1)] if numbered else []) + [commit, str(point.runs)]
        cells += [_value(point.values[m]) for m in trend.metrics]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _value(value: TrendValue) -> str:
    """``mean`` for one run, ``mean ± std (n=k)`` for several, a dash for none."""
    if value.mean is None:
        return NO_VALUE
    if value.std is None:
        return format_number(value.mean)
    return f"{format_number(value.mean)} ± {format_number(value.std, 2)} (n={value.n})"


def _number(value: float, decimals: int) -> str:
    """Fixed-point without exponent or needless zeros: what Mermaid's lexer reads."""
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
