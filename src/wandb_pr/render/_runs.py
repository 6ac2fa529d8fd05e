"""The collapsible Markdown table of every run, candidates first, then baselines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wandb_pr.compare import IN_PROGRESS, Direction, counts_toward_stats
from wandb_pr.compare.values import read_metric
from wandb_pr.models import Run, RunState
from wandb_pr.render import _format as fmt
from wandb_pr.render.escape import escape_markdown, safe_url
from wandb_pr.render.report import Report
from wandb_pr.summary import summary_value

__all__ = ["RunTables", "run_tables"]

_MAX_TAGS = 8


@dataclass(frozen=True)
class RunTables:
    """The run tables' rows, rendered once; :meth:`render` shows all of them or the first few."""

    header: str
    """The header and alignment rows shared by both tables."""
    candidates: tuple[str, ...]
    """One table row per candidate run."""
    baselines: tuple[str, ...]
    """One table row per baseline run."""

    def render(self, limit: int | None, *, files_note: str) -> str:
        """The ``<details>`` block, with at most ``limit`` rows per side (all when ``None``)."""
        total_c, total_b = len(self.candidates), len(self.baselines)
        if not total_c and not total_b:
            return ""
        summary = f"Runs: {fmt.plural(total_c, 'candidate')}, {fmt.plural(total_b, 'baseline')}"
        blocks = [f"<details><summary>{summary}</summary>"]
        for title, rows in (("Candidates", self.candidates), ("Baselines", self.baselines)):
            blocks.append(f"**{title}**")
            shown = rows if limit is None else rows[:limit]
            if not rows:
                blocks.append("_None._")
            elif shown:
                blocks.append("\n".join((self.header, *shown)))
        if limit is not None and (total_c > limit or total_b > limit):
            blocks.append(
                f"_Showing {min(limit, total_c):,} of {total_c:,} candidate runs and "
                f"{min(limit, total_b):,} of {total_b:,} baseline runs to fit; {files_note}._"
            )
        blocks.append("</details>")
        return "\n\n".join(blocks)


def run_tables(
    report: Report, metrics: Sequence[str], directions: Mapping[str, Direction] | None = None
) -> RunTables:
    """Rows for every run: linked name, state, tags, short commit, config keys, metrics.

    Tags and Commit are left out when no run has any; a config column whose values are all
    text is left-aligned, numbers right-aligned.
    """
    keys = report.config_keys
    runs = (*report.run_set.candidates, *report.run_set.baselines)
    with_tags = any(r.tags for r in runs)
    with_commit = any(r.short_commit for r in runs)
    header = ["Run", "State"] + ["Tags"] * with_tags + ["Commit"] * with_commit
    align = ["---"] * len(header)
    header += [escape_markdown(k, max_length=40) for k in keys]
    align += ["--:" if _numeric(runs, k) else "---" for k in keys]
    header += [escape_markdown(m, max_length=40) for m in metrics]
    align += ["--:"] * len(metrics)
    head = f"{_row(header)}\n{_row(align)}"

    goals = directions or {}

    def row(run: Run) -> str:
        return _run_row(run, keys, metrics, goals, tags=with_tags, commit=with_commit)

    return RunTables(
        header=head,
        candidates=tuple(map(row, report.run_set.candidates)),
        baselines=tuple(map(row, report.run_set.baselines)),
    )


def _numeric(runs: Sequence[Run], key: str) -> bool:
    """Whether any run's config value for ``key`` is a number (and none is other text)."""
    values = [summary_value(r.config, key) for r in runs]
    present = [v for v in values if v is not None]
    return bool(present) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in present
    )


def _run_row(
    run: Run,
    keys: Sequence[str],
    metrics: Sequence[str],
    directions: Mapping[str, Direction],
    *,
    tags: bool,
    commit: bool,
) -> str:
    name = escape_markdown(run.name, max_length=80) or escape_markdown(run.id, max_length=80)
    name = name or "(unnamed)"
    url = safe_url(run.url)
    state = escape_markdown(run.state_label, max_length=40)
    if run.state in IN_PROGRESS and run.state is not RunState.RUNNING:
        state += " (not finished)"
    elif not counts_toward_stats(run.state) and run.state is not RunState.RUNNING:
        state += " (not counted)"
    cells = [f"[{name}]({url})" if url else name, state]
    if tags:
        shown = ", ".join(escape_markdown(tag, max_length=40) for tag in run.tags[:_MAX_TAGS])
        if len(run.tags) > _MAX_TAGS:
            shown += f" +{len(run.tags) - _MAX_TAGS}"
        cells.append(shown)
    if commit:
        short = run.short_commit
        code = lambda s: f"`{s}`"  # noqa: E731 - one use
        cells.append(fmt.sha_text(short, escape=escape_markdown, code=code) if short else "")
    cells += [fmt.format_value(summary_value(run.config, k), escape_markdown) for k in keys]
    cells += [_metric_cell(run, m, directions.get(m, Direction.NONE)) for m in metrics]
    return _row(cells)


def _metric_cell(run: Run, name: str, direction: Direction) -> str:
    """A run's value for a metric as the comparison read it: a ``define_metric`` summary's
    aggregate for the goal (not the whole dict), a history-only metric's last value."""
    raw = summary_value(run.summary, name)
    if raw is None or isinstance(raw, Mapping):
        reading = read_metric(run, name, direction)
        if reading.value is not None:
            return fmt.format_value(reading.value, escape_markdown)
    return fmt.format_value(raw, escape_markdown)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"
