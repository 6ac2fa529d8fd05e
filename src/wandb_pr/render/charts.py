"""Metric history as unicode sparklines and Mermaid ``xychart-beta`` line charts.

Each side's curve is the mean of its runs' histories on a common grid of steps: a run is
interpolated linearly between its sampled points, and only where it has data: at each step the
mean is over the runs whose history covers it, and a side's line ends at its last logged step
(nothing is padded or extrapolated). The grid starts where the latest-starting line starts.
Non-finite points are skipped.

When the lines end at different steps the x-axis is a list of steps (categories): Mermaid
places a line's i-th value at the i-th category, so a shorter line ends early. When they all
cover the grid, the x-axis is numeric.

Mermaid's lexer reads numbers as ``[+-]?(\\d+(\\.\\d+)?|\\.\\d+)`` (no exponents), and a numeric
x-axis spreads a line's points evenly from its min to its max by repeatedly adding
``(max - min) / (points - 1)``; the grid's spacing is therefore an integer, or a power of two
below 1, so that the sum is exact and no point falls off the end.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from wandb_pr.models import HistoryPoint, Run
from wandb_pr.render.escape import mermaid_label

__all__ = [
    "BASELINE_COLOUR",
    "CANDIDATE_COLOUR",
    "SPARK_CHARS",
    "Curves",
    "curves",
    "frame",
    "mermaid_chart",
    "sparkline",
]

SPARK_CHARS = "▁▂▄▆█"
"""Sparkline levels, lowest first: five, each clearly taller than the last (``▇`` and ``█``
read alike)."""
CANDIDATE_COLOUR = ("blue", "#2563eb")
"""Name and colour of the candidates' line."""
BASELINE_COLOUR = ("grey", "#9ca3af")
"""Name and colour of the baselines' line."""


@dataclass(frozen=True)
class Curves:
    """One metric's mean history per side, on a common grid of steps."""

    steps: tuple[float, ...]
    """The grid: evenly spaced steps, at least two."""
    candidate: tuple[float, ...] | None
    """Mean candidate value at each step, up to their last logged step (may be shorter than
    ``steps``); ``None`` when no candidate has history."""
    baseline: tuple[float, ...] | None
    """Mean baseline value at each step, up to their last logged step; ``None`` when no
    baseline has history."""
    candidate_runs: int
    """Candidate runs with history for the metric."""
    baseline_runs: int
    """Baseline runs with history for the metric."""
    candidate_total: int = 0
    """Candidate runs given, with history or not (a chart's mean may cover a subset)."""
    baseline_total: int = 0
    """Baseline runs given, with history or not."""


def curves(
    metric: str, candidates: Iterable[Run], baselines: Iterable[Run], *, points: int = 30
) -> Curves | None:
    """Both sides' mean curves on a grid of at most about ``points`` steps; ``None`` if no data.

    ``None`` too when all the history is at a single step (nothing to draw a line through).
    """
    candidates, baselines = list(candidates), list(baselines)
    cand = [h for h in (_finite_history(r, metric) for r in candidates) if h]
    base = [h for h in (_finite_history(r, metric) for r in baselines) if h]
    every = cand + base
    if not every:
        return None
    lo = max(min(h[0][0] for h in side) for side in (cand, base) if side)
    hi = max(h[-1][0] for h in every)
    grid = _grid(lo, hi, max(points, 2))
    if grid is None:
        return None
    candidate = _mean_curve(cand, grid) if cand else None
    baseline = _mean_curve(base, grid) if base else None
    candidate = candidate if candidate and len(candidate) >= 2 else None  # a point is no line
    baseline = baseline if baseline and len(baseline) >= 2 else None
    longest = max((len(c) for c in (candidate, baseline) if c is not None), default=0)
    if not longest:
        return None
    grid = grid[:longest]
    if not all(math.isfinite(v) for curve in (candidate, baseline) if curve for v in curve):
        return None  # the mean overflowed: nothing sensible to draw
    return Curves(
        steps=grid,
        candidate=candidate,
        baseline=baseline,
        candidate_runs=len(cand),
        baseline_runs=len(base),
        candidate_total=len(candidates),
        baseline_total=len(baselines),
    )


def sparkline(values: Sequence[float]) -> str:
    """One block character per finite value, scaled between the smallest and the largest."""
    values = [v for v in values if math.isfinite(v)]
    if not values:
        return ""
    lo, hi = min(values), max(values)
    top = len(SPARK_CHARS) - 1
    if not hi > lo:
        return SPARK_CHARS[top // 2] * len(values)
    return "".join(SPARK_CHARS[round((v - lo) / (hi - lo) * top)] for v in values)


def frame(data: Curves) -> Curves:
    """The part of training where the sides differ: from half-way through the shorter line, when
    the values before (early training) would otherwise stretch the y-axis over twice as far.

    Every line keeps at least two points; lines of fewer than four points are not cropped.
    """
    lines = [c for c in (data.candidate, data.baseline) if c is not None]
    start = min(len(line) for line in lines) // 2  # half of what both sides logged
    if start < 2:
        return data
    whole = [v for line in lines for v in line]
    late = [v for line in lines for v in line[start:]]
    if not (max(whole) - min(whole)) > 2 * (max(late) - min(late)):
        return data
    return replace(
        data,
        steps=data.steps[start:],
        candidate=data.candidate[start:] if data.candidate is not None else None,
        baseline=data.baseline[start:] if data.baseline is not None else None,
    )


def mermaid_chart(metric: str, data: Curves) -> str:
    """A fenced ``mermaid`` block: the candidates' line (blue) first, the baselines' (grey) next.

    Mermaid draws no legend for line charts; callers say in words which line is which. Values
    below 0.001 or from a million up are scaled by a power of ten named on the y-axis, so that
    the tick labels read ``1.5``, not ``0``.
    """
    lines = [c for c in (data.candidate, data.baseline) if c is not None]
    colours = [
        colour
        for colour, c in (
            (CANDIDATE_COLOUR[1], data.candidate),
            (BASELINE_COLOUR[1], data.baseline),
        )
        if c is not None
    ]
    power = _scale([v for line in lines for v in line])
    if power:
        lines = [tuple(v / 10.0**power for v in line) for line in lines]
    values = [v for line in lines for v in line]
    y_lo, y_hi = min(values), max(values)
    pad = (y_hi - y_lo) * 0.05 or abs(y_hi) * 0.05 or 1.0
    y_lo, y_hi = y_lo - pad, y_hi + pad
    decimals = _decimals(y_hi - y_lo)
    label = mermaid_label(metric) + (f" (×1e{power})" if power else "")
    palette = ", ".join(colours)
    if all(len(line) == len(data.steps) for line in lines):
        x_axis = f'  x-axis "step" {_exact(data.steps[0])} --> {_exact(data.steps[-1])}'
    else:  # a line ends early: categories, so that it stops at its last step
        x_axis = '  x-axis "step" [' + ", ".join(_exact(step) for step in data.steps) + "]"
    out = [
        "```mermaid",
        '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "' + palette + '"}}}}%%',
        "xychart-beta",
        x_axis,
        f'  y-axis "{label}" {_number(y_lo, decimals)} --> {_number(y_hi, decimals)}',
    ]
    out.extend("  line [" + ", ".join(_number(v, decimals) for v in line) + "]" for line in lines)
    out.append("```")
    return "\n".join(out)


def _scale(values: Sequence[float]) -> int:
    """The power of ten to divide by: 0 for values between 0.001 and a million."""
    top = max((abs(v) for v in values), default=0.0)
    if not top or 1e-3 <= top < 1e6:
        return 0
    return math.floor(math.log10(top))


def _finite_history(run: Run, metric: str) -> list[HistoryPoint]:
    """The run's finite ``(step, value)`` points for ``metric``, ordered by step."""
    raw = run.history.get(metric, ())
    try:
        points = [(s, v) for s, v in raw if math.isfinite(s) and math.isfinite(v)]
    except (TypeError, ValueError):  # not pairs of numbers: take what can be read
        points = [p for p in (_point(p) for p in raw) if p is not None]
    if any(points[i][0] > points[i + 1][0] for i in range(len(points) - 1)):
        points.sort(key=lambda p: p[0])
    return points


def _point(raw: object) -> HistoryPoint | None:
    try:
        step, value = (float(x) for x in raw)  # type: ignore[attr-defined]
    except (TypeError, ValueError, OverflowError):
        return None
    return (step, value) if math.isfinite(step) and math.isfinite(value) else None


def _grid(lo: float, hi: float, points: int) -> tuple[float, ...] | None:
    """At most ``points`` evenly spaced steps covering ``lo..hi``, spaced 1, 2 or 5 times a
    power of ten (or a power of two below 1), starting at a multiple of the spacing."""
    span = hi - lo
    wanted = span / (points - 1)
    if not wanted > 0 or not math.isfinite(span):
        return None
    # Every grid step must be a float exactly, so the spacing is a multiple of the float
    # resolution at the largest step.
    resolution = math.ulp(max(abs(lo), abs(hi)))
    for spacing in _spacings(max(wanted, resolution)):
        if math.fmod(spacing, resolution):
            continue
        start = math.floor(lo / spacing) * spacing
        count = math.ceil((hi - start) / spacing) + 1
        if count <= points:
            return tuple(start + i * spacing for i in range(count))
    raise AssertionError("unreachable: spacings grow without bound")


def _spacings(wanted: float) -> Iterable[float]:
    """Nice spacings, increasing from about ``wanted`` (the caller takes the first that fits)."""
    if wanted < 1:
        power = 2.0 ** math.floor(math.log2(wanted))
        while power < 1:
            yield power
            power *= 2
    decade = 10.0 ** math.floor(math.log10(max(wanted, 1.0)))
    while True:
        yield from (decade, 2 * decade, 5 * decade)
        decade *= 10


def _mean_curve(
    histories: Sequence[Sequence[HistoryPoint]], grid: Sequence[float]
) -> tuple[float, ...]:
    """The mean over the runs with data at each step, up to the first step none has."""
    sums = [0.0] * len(grid)
    counts = [0] * len(grid)
    slack = grid[1] - grid[0] if len(grid) > 1 else 0.0
    for history in histories:
        for i, value in enumerate(_resample(history, grid, slack)):
            if value is not None:
                sums[i] += value
                counts[i] += 1
    out = []
    for total, count in zip(sums, counts, strict=True):
        if not count:
            break
        out.append(total / count)
    return tuple(out)


def _resample(
    history: Sequence[HistoryPoint], grid: Sequence[float], slack: float
) -> list[float | None]:
    """The history at each grid step: linear between samples, ``None`` outside them.

    A grid step less than ``slack`` (one grid spacing) beyond the first or last sample takes
    that sample's value: the grid is rounded to nice steps, the data are not extended.
    """
    out: list[float | None] = []
    last = len(history)
    first_step, last_step = history[0][0], history[-1][0]
    j = 0
    for x in grid:
        while j < last and history[j][0] < x:
            j += 1
        if x <= first_step - slack or x >= last_step + slack:
            out.append(None)
        elif j == 0:
            out.append(history[0][1])
        elif j == last:
            out.append(history[-1][1])
        else:
            (x0, y0), (x1, y1) = history[j - 1], history[j]
            out.append(y1 if x1 == x else y0 + (y1 - y0) * (x - x0) / (x1 - x0))
    return out


def _decimals(span: float) -> int:
    """Decimals that resolve a thousandth of ``span`` (at most 15)."""
    if not span > 0 or not math.isfinite(span):
        return 6
    return min(15, max(0, 3 - math.floor(math.log10(span))))


def _exact(value: float) -> str:
    """A grid step exactly (they are integers or multiples of a power of two), no exponent."""
    return _strip(format(Decimal(value), "f"))


def _number(value: float, decimals: int) -> str:
    """Fixed-point, no exponent, no needless zeros: what Mermaid's lexer reads."""
    return _strip(f"{value:.{decimals}f}")


def _strip(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
