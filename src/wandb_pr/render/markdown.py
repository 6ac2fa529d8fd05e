"""The Markdown report for a pull-request comment and the job summary (GitHub Flavored Markdown).

Layout: the verdict on the first line; what was compared; the metric table with its legend
and notes; a collapsible table of every run (candidates, then baselines); Mermaid charts of
each metric's history; provenance. Every user-controlled string goes through
:func:`~wandb_pr.render.escape.escape_markdown`, every link through
:func:`~wandb_pr.render.escape.safe_url`.

Size: the result never exceeds ``max_chars``, counted in UTF-8 bytes (never fewer than
characters or UTF-16 code units, so the limit holds however it is counted). To fit, the
report drops the charts, then the sparklines, then shows only the first rows of the run
tables (saying how many were left out and that the CSV and JSON files have everything), then
the first rows of the metric table, and as a last resort only the verdict.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from wandb_pr.chart_plan import CHART_POINTS
from wandb_pr.compare import Direction, MetricComparison, Verdict
from wandb_pr.render import _format as fmt
from wandb_pr.render import _summary as summ
from wandb_pr.render._metric_table import metric_table
from wandb_pr.render._notes import markdown_alerts, markdown_notes
from wandb_pr.render._runs import RunTables, run_tables
from wandb_pr.render.charts import (
    BASELINE_COLOUR,
    CANDIDATE_COLOUR,
    Curves,
    curves,
    frame,
    mermaid_chart,
    sparkline,
)
from wandb_pr.render.escape import escape_markdown, escape_terminal, mermaid_label, safe_url
from wandb_pr.render.report import Report
from wandb_pr.render.trend import markdown_trend

__all__ = ["COMMENT_LIMIT", "SUMMARY_LIMIT", "render_markdown"]

logger = logging.getLogger(__name__)

COMMENT_LIMIT = 65_536
"""GitHub's limit for a comment body (and, less one, a check run's summary)."""
SUMMARY_LIMIT = 1_048_576
"""GitHub's limit for ``$GITHUB_STEP_SUMMARY`` (1 MiB)."""
_FILES = "the CSV and JSON report files have the full data"
_NONE_USABLE = (
    "Every candidate run crashed, failed, was killed, aborted or preempted, so there is nothing "
    "to compare; the runs are listed below."
)
_SPARK_POINTS = 12
_NO_RUNS_TIP = (
    'Tip: log `github_sha` in the run config (`wandb.init(config={"github_sha": sha})`) '
    "or enable git in wandb (run inside the checkout), so runs can be matched to commits."
)


@dataclass(frozen=True)
class _Layout:
    """How much of the report to show."""

    charts: bool = True
    sparklines: bool = True
    run_rows: int | None = None
    metric_rows: int | None = None


def render_markdown(report: Report, *, max_chars: int = COMMENT_LIMIT) -> str:
    """The report as GitHub Markdown, at most ``max_chars`` (UTF-8 bytes) long."""
    parts = _Parts(report, limit=max_chars)
    layout = _Layout()
    for step in (layout, replace(layout, charts=False), _Layout(charts=False, sparklines=False)):
        text = parts.assemble(step)
        if _size(text) <= max_chars:
            return text
        logger.debug("report of %d bytes is over %d; degrading", _size(text), max_chars)
    layout = _Layout(charts=False, sparklines=False)
    most = max(len(parts.runs.candidates), len(parts.runs.baselines))
    rows = _largest(most, lambda k: _size(parts.assemble(replace(layout, run_rows=k))) <= max_chars)
    if rows is not None:
        return parts.assemble(replace(layout, run_rows=rows))
    layout = replace(layout, run_rows=0)
    rows = _largest(
        len(parts.metrics),
        lambda k: _size(parts.assemble(replace(layout, metric_rows=k))) <= max_chars,
    )
    if rows is not None:
        return parts.assemble(replace(layout, metric_rows=rows))
    return _cut(parts.minimal(), max_chars)


class _Parts:
    """The report's pieces, rendered once, put together by :meth:`assemble` for a layout."""

    def __init__(self, report: Report, *, limit: int) -> None:
        self.report = report
        self.limit = limit
        comparison = report.comparison
        self.metrics = comparison.metrics if comparison.verdict is not Verdict.NO_RUNS else ()
        self.counted = frozenset(comparison.counted_candidates + comparison.counted_baselines)
        candidates = [r for r in report.run_set.candidates if r.id in self.counted]
        baselines = [r for r in report.run_set.baselines if r.id in self.counted]
        self.sparks: dict[str, str] = {}
        self.charts: list[str] = []
        label = _candidate_label(report)
        for metric in summ.ordered(self.metrics):
            own = curves(metric.name, candidates, (), points=_SPARK_POINTS)
            if own is not None and own.candidate is not None:
                self.sparks[metric.name] = sparkline(own.candidate)
            both = curves(metric.name, candidates, baselines, points=CHART_POINTS)
            if both is not None:
                spark = self.sparks.get(metric.name, "")
                self.charts.append(_chart(metric, both, label, spark))
        self.runs: RunTables = run_tables(
            report,
            [m.name for m in comparison.metrics],
            {m.name: m.direction for m in comparison.metrics},
        )
        self.head = self._head()
        self.lead = self._lead()
        self.legend = self._legend()
        self.notes = self._notes()
        self.alerts = self._alerts()
        self.provenance = self._provenance()

    def assemble(self, layout: _Layout) -> str:
        """The report text for ``layout``."""
        blocks = [self.head, self.alerts, self.lead]
        if self.metrics:
            blocks.append(self._metric_table(layout))
            blocks.append(self.legend)
        elif self.report.comparison.verdict is not Verdict.NO_RUNS:
            blocks.append("No numeric metrics were found in the candidate runs' summaries.")
        if self.notes:
            blocks.append(self.notes)
        blocks.append(self.runs.render(layout.run_rows, files_note=_FILES))
        if self.charts:
            if layout.charts:
                blocks.append("**History**\n\n" + "\n\n".join(self.charts))
            else:
                blocks.append(f"_Charts left out to fit {self.limit:,} characters._")
                if layout.sparklines and self.sparks:
                    blocks.append(self._trends())
        blocks.append(markdown_trend(self.report.trend, charts=layout.charts))
        blocks.append(self.provenance)
        return "\n\n".join(b for b in blocks if b) + "\n"

    def minimal(self) -> str:
        """The verdict alone, for when nothing else fits."""
        return f"{self.head.splitlines()[0]}\n\nThe report is too large to show here; {_FILES}.\n"

    def _head(self) -> str:
        report = self.report
        comparison = report.comparison
        mark = fmt.verdict_mark(comparison.verdict)
        line = f"### {mark} wandb-pr: {fmt.headline(report, escape=escape_markdown, code=_code)}"
        if comparison.verdict is Verdict.NO_RUNS:
            if comparison.counts.total:
                return f"{line}\n\n{_NONE_USABLE}"
            searched = escape_markdown(report.provenance.candidate_selection, max_length=500)
            lines = [line, ""]
            if searched:
                lines.append(f"Searched for: {searched}.")
                lines.append("")
            lines.append(_NO_RUNS_TIP)
            return "\n".join(lines)
        return line

    def _lead(self) -> str:
        """The worst changes with numbers, then both sides named (empty without runs)."""
        report = self.report
        if report.comparison.verdict is Verdict.NO_RUNS:
            return ""
        blocks = []
        changes = summ.worst_changes(report)
        if changes:
            blocks.append(
                "\n".join(
                    f"- {fmt.status_mark(m.status)} "
                    f"{summ.change_text(m, escape=escape_markdown, bold=True)}"
                    for m in changes
                )
            )
        blocks.append(self._intro())
        return "\n\n".join(blocks)

    def _intro(self) -> str:
        project = _project_link(self.report)
        sides = summ.sides_text(self.report, escape=escape_markdown, code=_code, project=project)
        return f"{sides}."

    def _metric_table(self, layout: _Layout) -> str:
        table = metric_table(self.metrics, limit=layout.metric_rows)
        shown = len(self.metrics) if layout.metric_rows is None else layout.metric_rows
        left_out = len(self.metrics) - min(shown, len(self.metrics))
        if left_out:
            table += f"\n\n_{fmt.plural(left_out, 'more metric')} not shown to fit; {_FILES}._"
        return table

    def _trends(self) -> str:
        trends = [
            f"{escape_markdown(m.name, max_length=60)} {self.sparks[m.name]}"
            for m in summ.ordered(self.metrics)
            if m.name in self.sparks
        ]
        return "Trends (the candidates' mean history): " + ", ".join(trends)

    def _legend(self) -> str:
        comparison = self.report.comparison
        parts = [
            "Δ: the change of the mean, relative to the baseline's; ± standard deviation over "
            "the runs (n: runs with a value)."
        ]
        if any(m.test is not None for m in self.metrics):
            parts.append(
                "p: one-sided Welch's t-test (unequal variances), or a prediction-interval "
                "t-test with 1 run on a side, Holm-Bonferroni adjusted over "
                f"{fmt.plural(comparison.tested, 'tested metric')} (family-wise error rate "
                f"{comparison.alpha:g}); worse is a regression only if p < {comparison.alpha:g} "
                "and beyond the tolerance."
            )
        elif any(m.no_noise_estimate for m in self.metrics):
            parts.append(
                "No significance test: with one run per side there is no noise estimate, so any "
                "change beyond the tolerance counts."
            )
        if any(m.provisional for m in self.metrics):
            step = comparison.at_step
            where = f" at step {step}" if step is not None else ""
            of = f" of {comparison.baseline_steps}" if comparison.baseline_steps else ""
            parts.append(
                f"Provisional: candidates are not finished; compared{where}{of} with the "
                "baselines at the same step where their history has the metric. Never a "
                "regression until they finish."
            )
        if any(m.spec.tolerance.amount for m in self.metrics):
            parts.append("Tolerance: how far a metric may worsen and still pass.")
        if any(m.significant is False and m.delta for m in self.metrics):
            parts.append("n.s.: not significant, within run-to-run noise.")
        if any(m.direction is not Direction.NONE for m in self.metrics):
            guessed = any(m.direction_inferred for m in self.metrics)
            parts.append(
                "↓ lower is better, ↑ higher is better"
                + (" (\\* guessed from the metric's name)." if guessed else ".")
            )
        if comparison.auto_metrics:
            more = comparison.metrics_left_out
            extra = f"; {fmt.plural(more, 'more key')} left out" if more else ""
            parts.append(
                "Metrics chosen automatically: the numeric summary keys of the candidate runs"
                f"{extra}. Name them in the `metrics` setting to choose."
            )
        return "<sub>" + " ".join(parts) + "</sub>"

    def _notes(self) -> str:
        return markdown_notes(self.report, self.metrics, self.counted)

    def _alerts(self) -> str:
        return markdown_alerts(self.report)

    def _provenance(self) -> str:
        prov = self.report.provenance
        lines = ["**Provenance**", ""]
        for version in self.report.comparison.data_versions[:20]:
            used = escape_markdown(fmt.data_version_text(version), max_length=300)
            lines.append(f"- Data: {used}")
        project = _project_link(self.report)
        if project:
            lines.append(f"- W&B project: {project}")
        if prov.sha:
            commit = f"- Commit: {fmt.sha_text(prov.sha, escape=escape_markdown, code=_code)}"
            if prov.secondary_sha:
                second = fmt.sha_text(prov.secondary_sha, escape=escape_markdown, code=_code)
                commit += f" (secondary SHA {second})"
            lines.append(commit)
        for label, text in (
            ("Candidates", prov.candidate_selection),
            ("Trained on", prov.trained_on),
            ("Baselines", prov.baseline_selection),
        ):
            if text:
                lines.append(f"- {label}: {escape_markdown(text, max_length=500)}")
        url = safe_url(prov.workflow_run_url)
        if url:
            lines.append(f"- Made by [this workflow run]({url})")
        return "\n".join(lines) if len(lines) > 2 else ""


def plain_headline(report: Report) -> str:
    """The verdict line as plain text (for a check run's title, a commit status)."""
    words = fmt.headline(report, escape=escape_terminal, code=lambda text: text)
    return f"{fmt.verdict_mark(report.comparison.verdict)} wandb-pr: {words}"


def _chart(metric: MetricComparison, data: Curves, candidates: str, spark: str) -> str:
    """One metric's chart in a ``<details>`` block, open when the metric regressed.

    The summary is raw HTML (Markdown is not read there), so the metric's name goes in as a
    Mermaid-safe label: letters, digits, ``_ . : / -``, nothing that pings or links.
    """
    framed = frame(data)
    sides = []
    if framed.candidate is not None:
        count = _runs_drawn(framed.candidate_runs, framed.candidate_total)
        sides.append(f"{CANDIDATE_COLOUR[0]}: {candidates} {count}")
    if framed.baseline is not None:
        count = _runs_drawn(framed.baseline_runs, framed.baseline_total)
        sides.append(f"{BASELINE_COLOUR[0]}: baseline {count}")
    where = ""
    if framed.steps[0] != data.steps[0]:
        where = f", steps {_step(framed.steps[0])}–{_step(framed.steps[-1])}"
    name = mermaid_label(metric.name, max_length=100)
    trend = f" {spark}" if spark else ""
    summary = f"{fmt.status_mark(metric.status)} {name}{trend} — {', '.join(sides)}{where}"
    opened = " open" if summ.rank(metric) == 0 else ""
    return (
        f"<details{opened}><summary>{summary}</summary>\n\n"
        f"{mermaid_chart(metric.name, framed)}\n\n</details>"
    )


def _runs_drawn(runs: int, total: int) -> str:
    """``×3``, or ``×20 of 2,000`` when a line is the mean of a sample of the side's runs."""
    return f"×{runs} of {total:,}" if total > runs else f"×{runs}"


def _step(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"


def _candidate_label(report: Report) -> str:
    sha = report.provenance.sha
    if sha and fmt.HEX_SHA.match(sha):
        return sha[:7]
    return "candidates"


def _project_link(report: Report) -> str:
    prov = report.provenance
    if not (prov.entity or prov.project):  # offline runs of several projects name none
        return ""
    label = escape_markdown(f"{prov.entity}/{prov.project}", max_length=120)
    url = safe_url(prov.project_url)
    return f"[{label}]({url})" if url else label


def _code(text: str) -> str:
    return f"`{text}`"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _largest(most: int, fits: Callable[[int], bool]) -> int | None:
    """The largest ``k`` in ``0..most`` with ``fits(k)`` (true up to some k), or ``None``."""
    if not fits(0):
        return None
    lo, hi = 0, most
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _cut(text: str, limit: int) -> str:
    """At most ``limit`` UTF-8 bytes of ``text``, never splitting a character."""
    return text.encode("utf-8")[: max(limit, 0)].decode("utf-8", "ignore")
