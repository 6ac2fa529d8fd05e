"""Markdown tables of the measurements (printed by ``bench.run``, pasted into the README)."""

from __future__ import annotations

from collections.abc import Sequence

from bench.install import Footprint
from bench.scenarios import OFFICIAL, OFFICIAL_FULL, SUMMARIES_ONLY, WANDB_PR, Result
from bench.startup import HEAVY, Imports, Timing

__all__ = [
    "end_to_end_table",
    "footprint_table",
    "imports_text",
    "memory_table",
    "ratio_text",
    "wide_text",
]


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table; every column but the first is right-aligned."""
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join([":---", *["---:"] * (len(header) - 1)]) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _mib(kib: int) -> str:
    """KiB as MiB with one decimal."""
    return f"{kib / 1024:.1f}"


def end_to_end_table(results: Sequence[Result]) -> str:
    """Time, requests, server time and memory of each side (medians)."""
    header = [
        "side",
        "to report (s)",
        "to exit (s)",
        "HTTP requests",
        "test server busy (s)",
        "peak RSS (MiB)",
        "MB received",
    ]
    rows = [
        [
            result.label,
            _with_range(result.median.to_report, [r.to_report for r in result.runs]),
            f"{result.median.to_exit:.2f}",
            str(result.median.requests),
            f"{result.server_busy:.2f}",
            _mib(result.median.peak_rss_kib),
            f"{result.median.bytes_received / 1e6:.2f}",
        ]
        for result in results
    ]
    return _table(header, rows)


def wide_text(results: Sequence[Result]) -> str:
    """The wide scenario's targets: time, requests, bytes against the summaries alone."""
    by_label = {result.label: result.median for result in results}
    ours, alone = by_label[WANDB_PR], by_label[SUMMARIES_ONLY]
    lines = [
        f"- wandb-pr: {ours.to_report:.2f} s to the report (target: < 30 s), {ours.requests} "
        f"requests (target: <= 25), {ours.bytes_received / 1e6:.2f} MB received = "
        f"{ours.bytes_received / alone.bytes_received:.2f}x the summaries alone "
        f"({alone.bytes_received / 1e6:.2f} MB, {alone.requests} requests; target: <= 2x)"
    ]
    theirs = by_label.get(OFFICIAL_FULL)
    if theirs is not None:
        lines.append(
            f"- vs {OFFICIAL_FULL} (same summaries, history of the same 20 runs a side): "
            f"{theirs.to_report / ours.to_report:.1f}x faster to the report; "
            f"{ours.requests} requests vs {theirs.requests}: "
            + ", ".join(f"{op} {n}" for op, n in theirs.operations.items())
        )
    return "\n".join(lines)


def _with_range(median: float, values: Sequence[float]) -> str:
    """``median (min..max)`` in seconds, or just the value when there is one."""
    if len(values) < 2:
        return f"{median:.2f}"
    return f"{median:.2f} ({min(values):.2f}..{max(values):.2f})"


def ratio_text(results: Sequence[Result]) -> str:
    """wandb-pr against each other side: how many times faster, requests on both sides."""
    by_label = {result.label: result.median for result in results}
    ours = by_label[WANDB_PR]
    lines = []
    for label, theirs in by_label.items():
        if label == WANDB_PR:
            continue
        target = " (target: >= 5x)" if label == OFFICIAL else ""
        lines.append(
            f"- vs {label}: {theirs.to_report / ours.to_report:.1f}x faster to the report{target}, "
            f"{theirs.to_exit / ours.to_exit:.1f}x to exit; "
            f"{ours.requests} request(s) vs {theirs.requests}: "
            + ", ".join(f"{op} {n}" for op, n in theirs.operations.items())
        )
    return "\n".join(lines)


def memory_table(
    results: Sequence[tuple[int, Result]], floor_kib: int, *, first: str = "runs in project"
) -> str:
    """wandb-pr's peak RSS per project (or sweep) size."""
    rows = [
        [
            f"{size:,}",
            _mib(result.median.peak_rss_kib),
            f"{result.median.to_report:.2f}",
            f"{result.server_busy:.2f}",
            str(result.median.requests),
        ]
        for size, result in results
    ]
    header = [first, "peak RSS (MiB)", "to report (s)", "test server busy (s)"]
    table = _table([*header, "HTTP requests"], rows)
    return f"{table}\n\nMeasuring floor (the wrapper's own RSS): {_mib(floor_kib)} MiB."


def startup_table(timings: Sequence[Timing]) -> str:
    """Median, range and overhead over ``python -c pass`` of each command, in ms."""
    reference = timings[0].median
    rows = [
        [
            f"`{t.label}`",
            f"{t.median * 1000:.0f}",
            f"{t.low * 1000:.0f}..{t.high * 1000:.0f}",
            f"{(t.median - reference) * 1000:+.0f}",
        ]
        for t in timings
    ]
    return _table(["command", "median (ms)", "range (ms)", "vs python -c pass (ms)"], rows)


def imports_text(imports: Sequence[Imports], baseline: Imports) -> str:
    """For each command: modules imported, which heavy ones were not, and wandb-pr's own."""
    lines = []
    for item in imports:
        loaded = [name for name in HEAVY if item.loaded(name)]
        ours = sorted(m for m in item.modules if m == "wandb_pr" or m.startswith("wandb_pr."))
        lines.append(
            f"- `{item.label}`: {len(item.modules)} modules imported "
            f"(`python -c pass`: {len(baseline.modules)}), {item.seconds * 1000:.0f} ms of "
            f"imports by -X importtime; wandb-pr modules: {', '.join(ours) or 'none'}; "
            f"heavy modules imported: {', '.join(loaded) or 'none'}"
        )
    not_loaded = [name for name in HEAVY if not any(i.loaded(name) for i in imports)]
    lines.append(f"- Not imported by any of them: {', '.join(not_loaded)}")
    return "\n".join(lines)


def footprint_table(footprints: Sequence[Footprint]) -> str:
    """Size, install time and distributions of each footprint."""
    rows = [
        [
            f.label,
            f"{f.size_bytes / 1e6:.1f}",
            "n/a" if f.seconds is None else f"{f.seconds:.1f}",
            str(len(f.distributions)),
        ]
        for f in footprints
    ]
    table = _table(["what", "size (MB)", "pip install (s)", "distributions"], rows)
    listed = "\n".join(f"- {f.label}: {', '.join(f.distributions)}" for f in footprints)
    return f"{table}\n\n{listed}"
