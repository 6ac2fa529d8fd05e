"""Numbers, labels and headlines shared by the Markdown and terminal renderers.

Everything here returns trusted text (built from numbers and fixed words) except where a
function takes an ``escape`` callable for the user-controlled parts.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from wandb_pr.compare import (
    Comparison,
    Direction,
    MetricComparison,
    MetricStatus,
    SideStats,
    Standing,
    Verdict,
)
from wandb_pr.compare._exhaustive import unhandled
from wandb_pr.compare.notices import size_text
from wandb_pr.compare.provenance import DataVersion
from wandb_pr.render.report import Report

__all__ = [
    "NO_VALUE",
    "arrow",
    "direction_label",
    "format_delta",
    "format_number",
    "format_p",
    "format_relative",
    "format_side",
    "format_value",
    "headline",
    "plural",
    "sha_text",
    "status_label",
    "status_mark",
    "verdict_mark",
]

NO_VALUE = "—"
"""Shown where there is no value."""
HEX_SHA = re.compile(r"^[0-9a-fA-F]{4,64}$")


def format_number(value: float, significant: int = 4) -> str:
    """About ``significant`` digits, fixed-point between 1e-4 and 1e9, no needless zeros."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    if -4 <= magnitude < 9:
        text = f"{value:.{max(significant - 1 - magnitude, 0)}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return f"{value:.{significant - 1}e}"


def format_delta(value: float | None) -> str:
    """A signed difference (``+0.0123``, ``-4.5``)."""
    if value is None:
        return NO_VALUE
    return ("+" if value > 0 else "") + format_number(value, 3)


def format_relative(value: float | None) -> str:
    """A signed relative difference in percent (``+3.4%``)."""
    if value is None:
        return NO_VALUE
    return ("+" if value > 0 else "") + format_number(value * 100, 2) + "%"


def format_p(metric: MetricComparison) -> str:
    """The Holm-adjusted p-value, or a dash when no test was run."""
    if metric.test is None:
        return NO_VALUE
    p = metric.test.p_adjusted
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def metric_title(metric: MetricComparison) -> str:
    """The metric's name and, when not plainly its summary, where its values came from.

    Plain text: the caller escapes it (``val_loss (summary min)``).
    """
    return f"{metric.name} ({metric.source})" if metric.source else metric.name


def diverged_text(stats: SideStats, side: str) -> str:
    """``2 of 7 candidate runs diverged (NaN)``, or empty when none did."""
    count = len(stats.non_finite)
    if not count:
        return ""
    kinds = [k for k, n in (("NaN", stats.nan), ("inf", count - stats.nan)) if n]
    return f"{count} of {stats.total} {side} runs diverged ({', '.join(kinds)})"


def format_side(stats: SideStats) -> str:
    """``mean`` for one run, ``mean ± std (n=k)`` for several, a dash or NaN for none."""
    if stats.mean is None:
        if stats.non_finite:
            return "NaN" if stats.nan else "inf"
        return NO_VALUE
    if stats.std is None:
        return format_number(stats.mean)
    return f"{format_number(stats.mean)} ± {format_number(stats.std, 2)} (n={stats.n})"


def format_value(value: Any, escape: Callable[..., str]) -> str:
    """A summary or config value for a table cell; strings go through ``escape``."""
    if value is None:
        return NO_VALUE
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) < 10**9:
        return str(value)
    if isinstance(value, (int, float)):
        try:
            return format_number(float(value))
        except OverflowError:  # an int beyond the float range
            return "-huge" if value < 0 else "huge"
    if isinstance(value, str):
        return escape(value, max_length=40)
    try:
        text = json.dumps(value, sort_keys=True, default=str, allow_nan=True)
    except (TypeError, ValueError):
        text = repr(value)
    return escape(text, max_length=40)


def arrow(delta: float | None) -> str:
    """Which way the mean moved."""
    if delta is None:
        return ""
    return "↑" if delta > 0 else "↓" if delta < 0 else "="


def direction_label(metric: MetricComparison) -> str:
    """``lower``, ``higher (inferred)``, or a dash."""
    if metric.direction is Direction.NONE:
        return NO_VALUE
    elif metric.direction is Direction.HIGHER or metric.direction is Direction.LOWER:
        word = metric.direction.value
    else:
        raise unhandled(metric.direction)
    return f"{word} (inferred)" if metric.direction_inferred else word


def status_mark(status: MetricStatus) -> str:
    """The colour mark of a metric status."""
    if status is MetricStatus.BETTER:
        return "🟢"
    elif status is MetricStatus.REGRESSION or status is MetricStatus.DIVERGED:
        return "🔴"
    elif status is MetricStatus.WORSE:
        return "🟡"
    elif status is MetricStatus.UNCHANGED or status is MetricStatus.NO_DIRECTION:
        return "⚪"
    elif status is MetricStatus.MISSING or status is MetricStatus.NOT_FOUND:
        return "❔"
    else:
        raise unhandled(status)


def status_label(metric: MetricComparison) -> str:
    """The status in words, and what qualifies it (within noise, provisional, no noise estimate)."""
    words = _status_words(metric)
    if metric.provisional and metric.status in (MetricStatus.BETTER, MetricStatus.WORSE):
        return f"{words.replace(' (within noise)', '')} (provisional)"
    if metric.no_noise_estimate and metric.status in (
        MetricStatus.BETTER,
        MetricStatus.REGRESSION,
        MetricStatus.UNCHANGED,
    ):
        return f"{words} (no noise estimate: one run per side)"
    return words


def _status_words(metric: MetricComparison) -> str:
    status = metric.status
    if status is MetricStatus.BETTER:
        return "better (within noise)" if metric.significant is False else "better"
    elif status is MetricStatus.WORSE:
        return "worse (within noise)"
    elif status is MetricStatus.REGRESSION:
        return "regression"
    elif status is MetricStatus.DIVERGED:
        return "diverged"
    elif status is MetricStatus.NOT_FOUND:
        return "not found"
    elif status is MetricStatus.UNCHANGED:
        return "unchanged"
    elif status is MetricStatus.NO_DIRECTION:
        return "no direction"
    elif status is MetricStatus.MISSING:
        return "missing"
    else:
        raise unhandled(status)


def verdict_mark(verdict: Verdict) -> str:
    """The mark that opens the headline."""
    standing = verdict.standing
    if standing is Standing.PASSED:
        return "✅"
    elif standing is Standing.FAILED:
        return "❌"
    elif standing is Standing.WAITING:
        return "⏳"
    elif standing is Standing.MISSING:
        return "⚠️"
    else:
        raise unhandled(standing)


def plural(count: int, noun: str) -> str:
    """``1 run``, ``2 runs``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def headline(report: Report, *, escape: Callable[..., str], code: Callable[[str], str]) -> str:
    """The verdict in words (without its mark), e.g. ``2 regressions (val_loss, val_acc)``."""
    comparison = report.comparison
    verdict = comparison.verdict
    if verdict is Verdict.PASS:
        return _pass_headline(comparison) + _qualified(report, escape=escape)
    elif verdict is Verdict.REGRESSION:
        names = [escape(name, max_length=60) for name in comparison.regressions]
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        words = f"{plural(len(names), 'regression')} ({shown})"
        return words + _qualified(report, escape=escape)
    elif verdict is Verdict.PENDING and comparison.stale and not comparison.in_progress:
        words = "the head commit has no runs yet; an earlier commit's runs pass"
        if not comparison.allow_missing:
            words += " (--allow-missing accepts this)"
        return words + _allowed(comparison)
    elif verdict is Verdict.PENDING:
        count = comparison.in_progress
        verb = "is" if count == 1 else "are"
        state = "still running" if comparison.counts.running == count else "not finished"
        words = f"{plural(count, 'candidate run')} {verb} {state}, results are provisional"
        if comparison.at_step is not None:
            words += f" (compared at step {comparison.at_step}"
            if comparison.baseline_steps:
                words += f" of {comparison.baseline_steps}"
            words += ")"
        if not comparison.allow_missing:
            words += "; --wait (Action: wait) waits for them, --allow-missing accepts this"
        return words + _allowed(comparison)
    elif verdict is Verdict.NO_RUNS:
        return _no_runs_headline(report, escape=escape, code=code) + _allowed(comparison)
    elif verdict is Verdict.NO_BASELINE:
        return _no_baseline_headline(report, escape=escape) + _allowed(comparison)
    elif verdict is Verdict.MISSING_METRIC:
        return _missing_headline(comparison, escape=escape) + _allowed(comparison)
    elif verdict is Verdict.DIVERGED:
        diverged = [
            f"{escape(m.name, max_length=60)}: {diverged_text(m.candidate, 'candidate')}"
            for m in comparison.metrics
            if m.status is MetricStatus.DIVERGED
        ]
        return "diverged, " + "; ".join(diverged[:3]) + " (more often than the baselines)"
    elif verdict is Verdict.UNCOMMITTED_CHANGES:
        return uncommitted_headline(report, escape=escape)
    elif verdict is Verdict.DIFFERENT_DATA:
        return "evaluated on different data: " + ", ".join(
            escape(different_data_text(v), max_length=120) for v in comparison.different_data[:3]
        )
    else:
        raise unhandled(verdict)


def uncommitted_headline(report: Report, *, escape: Callable[..., str]) -> str:
    """``trained with uncommitted changes: run a (1.2 KB diff)``, for ``require-clean``."""
    runs = {r.id: r for r in (*report.run_set.candidates, *report.run_set.baselines)}
    shown = [
        f"{escape(runs[i].name, max_length=40)} ({size_text(runs[i].uncommitted_bytes or 0)} diff)"
        for i in report.comparison.uncommitted[:3]
        if i in runs
    ]
    more = len(report.comparison.uncommitted) - len(shown)
    return (
        "trained with uncommitted changes: "
        + ", ".join(shown)
        + (f" and {more} more" if more > 0 else "")
        + " (require-clean)"
    )


def different_data_text(version: DataVersion) -> str:
    """``holdout:v3 vs holdout:v5`` (candidates' versions first)."""
    return f"{', '.join(version.candidates)} vs {', '.join(version.baselines)}"


def data_version_text(version: DataVersion) -> str:
    """What each side used of one data artifact, e.g. ``holdout:v3 vs holdout:v5``."""
    if version.candidates and version.baselines:
        return different_data_text(version)
    if version.candidates:
        return f"{', '.join(version.candidates)} (candidates only)"
    return f"{', '.join(version.baselines)} (baselines only)"


def different_data_alert(version: DataVersion) -> str:
    """The alert for an artifact the sides used in different versions."""
    return f"Evaluated on different data: {different_data_text(version)} (candidates vs baselines)."


def sha_text(sha: str, *, escape: Callable[..., str], code: Callable[[str], str]) -> str:
    """A commit SHA as code when it looks like one, else as escaped text."""
    return code(sha) if HEX_SHA.match(sha) else escape(sha, max_length=64)


def _qualified(report: Report, *, escape: Callable[..., str]) -> str:
    """What a settled verdict must not be read without: different data, an earlier commit."""
    parts = []
    if report.comparison.stale:
        parts.append("from an earlier commit's runs")
    different = report.comparison.different_data
    if different:
        versions = ", ".join(escape(different_data_text(v), max_length=120) for v in different[:2])
        parts.append(f"evaluated on different data ({versions})")
    return f", but {' and '.join(parts)}" if parts else ""


def _pass_headline(comparison: Comparison) -> str:
    return f"pass, no regressions in {plural(len(comparison.metrics), 'metric')}"


def _allowed(comparison: Comparison) -> str:
    """The headline's tail for an outcome that fails the gate unless missing data is allowed."""
    if comparison.allow_missing:
        return " (accepted with --allow-missing: the gate does not fail)"
    return ""


def _no_baseline_headline(report: Report, *, escape: Callable[..., str]) -> str:
    searched = report.provenance.baseline_selection
    if not searched:
        return (
            "no baseline to compare with: none was asked for; give --baseline-tag, "
            "--baseline-run-id or --base-commit (Action: baseline-tags, baseline-run-ids or "
            "baseline: base-commit), or --allow-missing to accept a report without one"
        )
    return (
        f"no baseline runs found ({escape(searched, max_length=200)}); check the baseline "
        "selection, or pass --allow-missing (Action: allow-missing) to accept a report without one"
    )


def _missing_headline(comparison: Comparison, *, escape: Callable[..., str]) -> str:
    if not comparison.metrics:
        return (
            "nothing compared: the candidate runs have no numeric metrics; name metrics with "
            "--metric (Action: metrics), or pass --allow-missing"
        )
    if not comparison.missing:  # every metric was compared, but none has a goal
        names = ", ".join(escape(m.name, max_length=60) for m in comparison.metrics[:3])
        return (
            f"nothing judged: no metric has a goal ({names}); say which way is better with "
            "--metric NAME:min or NAME:max (Action: metrics), or pass --allow-missing"
        )
    parts = []
    for m in comparison.missing[:3]:
        name = escape(m.name, max_length=60)
        if m.status is MetricStatus.NOT_FOUND:
            hint = ", ".join(escape(s, max_length=60) for s in m.suggestions)
            parts.append(
                f"{name} is logged by no run" + (f" (did you mean {hint}?)" if hint else "")
            )
        else:
            sides = [
                side
                for side, stats in (("candidates", m.candidate), ("baselines", m.baseline))
                if stats.n == 0
            ]
            parts.append(f"{name} has no value on the {' and the '.join(sides)}")
    more = len(comparison.missing) - len(parts)
    tail = f" and {plural(more, 'more metric')}" if more > 0 else ""
    return (
        "not compared: " + "; ".join(parts) + tail + "; name metrics both sides log "
        "(--metric, Action: metrics), or pass --allow-missing"
    )


def _no_runs_headline(
    report: Report, *, escape: Callable[..., str], code: Callable[[str], str]
) -> str:
    sha = report.provenance.sha
    where = f" for commit {sha_text(sha, escape=escape, code=code)}" if sha else ""
    counts = report.comparison.counts
    if report.run_set.empty_source:
        return escape(report.run_set.empty_source, max_length=300)
    if counts.total == 0:
        unreadable = len(report.run_set.unreadable)
        if unreadable:
            return f"no runs found{where} ({plural(unreadable, 'unreadable offline run')})"
        return f"no runs found{where}"
    parts: Sequence[tuple[int, str]] = (
        (counts.crashed, "crashed or failed"),
        (counts.aborted, "killed or aborted"),
        (counts.other, "in another state"),
    )
    why = ", ".join(f"{n} {what}" for n, what in parts if n)
    return f"no usable runs{where} ({why})"
