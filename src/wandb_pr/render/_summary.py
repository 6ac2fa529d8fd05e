"""What a reviewer reads first: the worst changes with numbers, both sides named, and numbers
printed in one precision per metric so that their decimals line up.

Shared by the Markdown and terminal renderers. Returns trusted text except where a function
takes an ``escape`` callable for the user-controlled parts (metric names, selections).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from wandb_pr.compare import Direction, MetricComparison, MetricStatus, SideStats, Verdict
from wandb_pr.compare._exhaustive import unhandled
from wandb_pr.render import _format as fmt
from wandb_pr.render.report import Report

__all__ = [
    "alert_lines",
    "change_text",
    "changes_brief",
    "decimals",
    "fixed",
    "ordered",
    "relative_text",
    "shared_n",
    "short_status",
    "side_text",
    "sides_text",
    "tolerance_text",
    "worst_changes",
]

_MAX_DECIMALS = 10
_EXCLUDING = ", excluding the candidates"


def rank(metric: MetricComparison) -> int:
    """Regressions first, then what could not be compared, then other changes, then the rest."""
    status = metric.status
    if status is MetricStatus.REGRESSION or status is MetricStatus.DIVERGED:
        return 0
    elif status is MetricStatus.MISSING or status is MetricStatus.NOT_FOUND:
        return 1
    elif status is MetricStatus.WORSE:
        return 2
    elif status is MetricStatus.BETTER:
        return 3
    elif status is MetricStatus.NO_DIRECTION:
        return 4 if metric.delta else 5
    elif status is MetricStatus.UNCHANGED:
        return 5
    else:
        raise unhandled(status)


def ordered(metrics: Sequence[MetricComparison]) -> list[MetricComparison]:
    """The metrics in table order: by :func:`rank`, the user's order within a rank."""
    return sorted(metrics, key=rank)


def _badness(metric: MetricComparison) -> float:
    """How far the metric moved the wrong way, relative to the baseline (larger is worse)."""
    if metric.status is MetricStatus.DIVERGED:
        return math.inf
    change = metric.relative_delta if metric.relative_delta is not None else metric.delta
    if change is None:
        return -math.inf
    return -change if metric.direction is Direction.HIGHER else change


def worst_changes(report: Report, limit: int = 3) -> list[MetricComparison]:
    """Up to ``limit`` metrics for the headline: the regressions, worst first; else the
    largest changes (worse before better); none when the verdict is about missing evidence."""
    comparison = report.comparison
    if comparison.verdict in (Verdict.NO_RUNS, Verdict.MISSING_METRIC):
        return []
    failed = [m for m in comparison.metrics if rank(m) == 0]
    if failed:
        return sorted(failed, key=_badness, reverse=True)[:limit]
    changed = [m for m in comparison.metrics if m.delta and rank(m) in (2, 3, 4)]

    def size(m: MetricComparison) -> tuple[int, float]:
        rel = m.relative_delta if m.relative_delta is not None else 0.0
        return (rank(m), -abs(rel))

    return sorted(changed, key=size)[:limit]


def change_text(metric: MetricComparison, *, escape: Callable[..., str], bold: bool) -> str:
    """``val_loss +4.0% (0.4427 → 0.4603, tolerance 2%)``."""
    name = escape(metric.name, max_length=60)
    if bold:
        name = f"**{name}**"
    if metric.status is MetricStatus.DIVERGED:
        return f"{name} {fmt.diverged_text(metric.candidate, 'candidate')}"
    places = decimals(metric)
    before, after = fixed(metric.baseline.mean, places), fixed(metric.candidate.mean, places)
    rel = relative_text(metric.relative_delta)
    change = rel if rel != fmt.NO_VALUE else delta_text(metric.delta, places)
    detail = f"{before} → {after}"
    if metric.spec.tolerance.amount:
        detail += f", tolerance {metric.spec.tolerance}"
    return f"{name} {change} ({detail})"


def changes_brief(report: Report) -> str:
    """The headline changes as plain text for the history of pushes (``val_loss +4.0%``)."""
    parts = []
    for metric in worst_changes(report):
        change = relative_text(metric.relative_delta)
        if metric.status is MetricStatus.DIVERGED:
            change = "diverged"
        elif change == fmt.NO_VALUE:
            change = delta_text(metric.delta, decimals(metric))
        parts.append(f"{metric.name} {change}")
    return ", ".join(parts)


def alert_lines(report: Report) -> tuple[list[str], list[str]]:
    """The alerts as plain text, one line per kind, and the per-run sentences of the kind that
    was merged (runs whose config SHA and recorded commit disagree), empty when none was."""
    comparison = report.comparison
    mismatches = [n.message for n in report.notices if n.code == "commit-mismatch"]
    merged = set(mismatches) if len(mismatches) > 1 else set()
    lines = [a for a in report.alerts if a not in merged][:10]
    lines += [fmt.different_data_alert(v) for v in comparison.different_data[:10]]
    if merged:
        lines.append(
            f"{len(mismatches)} of {fmt.plural(comparison.counts.total, 'candidate')}: the "
            "config's commit SHA ≠ W&B's recorded git commit, so their numbers may come from "
            "other code than the config says."
        )
    return lines, mismatches if merged else []


def sides_text(
    report: Report, *, escape: Callable[..., str], code: Callable[[str], str], project: str = ""
) -> str:
    """``3 candidate runs of commit 9b1d6c0 in <project> vs 1 baseline run: tagged baseline``:
    the candidates (commit, runs, their states unless all finished), the baselines and how they
    were chosen (tag, run id, base commit, the run behind a production artifact)."""
    counts = report.comparison.counts
    states = (
        (counts.finished, "finished"),
        (counts.running, "running"),
        (counts.crashed, "crashed or failed"),
        (counts.aborted, "killed or aborted"),
        (counts.other, "other"),
    )
    detail = ", ".join(f"{n} {what}" for n, what in states if n)
    if counts.finished == counts.total:
        detail = ""
    sha = report.provenance.sha
    of = f" of commit {fmt.sha_text(sha[:7], escape=escape, code=code)}" if sha else ""
    cands = fmt.plural(counts.total, "candidate run") + of + (f" ({detail})" if detail else "")
    if project:
        cands += f" in {project}"
    how = report.provenance.baseline_selection.replace(_EXCLUDING, "")
    base = fmt.plural(counts.baselines, "baseline run")
    if how:
        base += f": {escape(how, max_length=300)}"
    return f"{cands} vs {base}"


def tolerance_text(metric: MetricComparison) -> str:
    """``2%``, ``0.005``, or a dash without one."""
    return str(metric.spec.tolerance) if metric.spec.tolerance.amount else fmt.NO_VALUE


def short_status(metric: MetricComparison) -> str:
    """The status in a word or two for a narrow cell; the legend says what ``n.s.`` means."""
    status = metric.status
    if status is MetricStatus.BETTER:
        words = "better" if metric.significant is not False else "better (n.s.)"
        return "better (prov.)" if metric.provisional else words
    elif status is MetricStatus.WORSE:
        return "worse (prov.)" if metric.provisional else "worse (n.s.)"
    elif status is MetricStatus.UNCHANGED:
        return "within tolerance" if metric.delta else "unchanged"
    elif status is MetricStatus.NO_DIRECTION:
        return "changed" if metric.delta else "unchanged"
    elif (
        status is MetricStatus.REGRESSION
        or status is MetricStatus.DIVERGED
        or status is MetricStatus.MISSING
        or status is MetricStatus.NOT_FOUND
    ):
        return fmt.status_label(metric).split(" (")[0]
    else:
        raise unhandled(status)


def decimals(metric: MetricComparison) -> int | None:
    """Decimals for every number of one metric: four significant digits of the larger mean, more
    when the change needs them; ``None`` for values too small or large for fixed point."""
    means = [
        v
        for v in (metric.baseline.mean, metric.candidate.mean)
        if v is not None and math.isfinite(v)
    ]
    top = max((abs(v) for v in means), default=0.0)
    if not top:
        return 4 if means else None
    magnitude = math.floor(math.log10(top))
    if not -4 <= magnitude < 9:
        return None
    spreads = [s.std for s in (metric.baseline, metric.candidate) if s.std is not None]
    if all(float(v).is_integer() for v in (*means, *spreads)):
        return 0  # counts, epochs: no decimals to line up
    places = max(0, 3 - magnitude)
    delta = metric.delta
    if delta and math.isfinite(delta):
        places = max(places, 1 - math.floor(math.log10(abs(delta))))
    return min(places, _MAX_DECIMALS)


def fixed(value: float | None, places: int | None) -> str:
    """``value`` with ``places`` decimals (about four significant digits when ``None``)."""
    if value is None:
        return fmt.NO_VALUE
    if places is None or not math.isfinite(value):
        return fmt.format_number(value)
    return f"{value:.{places}f}"


def delta_text(value: float | None, places: int | None) -> str:
    """A signed difference in the metric's precision (``+0.0123``)."""
    if value is None:
        return fmt.NO_VALUE
    text = fixed(value, places)
    return text if text.startswith("-") else f"+{text}"


def relative_text(value: float | None) -> str:
    """A signed percentage: two decimals below 1%, one below 1,000%, else none."""
    if value is None or not math.isfinite(value):
        return fmt.NO_VALUE
    if value == 0:
        return "0%"
    pct = value * 100
    places = 2 if abs(pct) < 1 else 1 if abs(pct) < 1000 else 0
    text = f"{pct:,.{places}f}%"
    return text if text.startswith("-") else f"+{text}"


def shared_n(metrics: Sequence[MetricComparison], side: str) -> int | None:
    """The number of runs with a value when every metric has the same on ``side``, else ``None``."""
    counts = {(m.candidate if side == "candidate" else m.baseline).n for m in metrics}
    return counts.pop() if len(counts) == 1 else None


def side_text(stats: SideStats, places: int | None, *, show_n: bool) -> str:
    """``mean ± std`` in the metric's precision, ``(n=k)`` when the header cannot say it."""
    if stats.mean is None:
        if stats.non_finite:
            return "NaN" if stats.nan else "inf"
        return fmt.NO_VALUE
    text = fixed(stats.mean, places)
    if stats.std is not None:
        text += f" ± {fixed(stats.std, places)}"
    if show_n and stats.n != 1:
        text += f" (n={stats.n})"
    return text
