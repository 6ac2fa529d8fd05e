"""Sparklines and Mermaid xychart-beta charts of metric history."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.compare.factories import history, make_run
from tests.render.gfm import check_xychart
from wandb_pr.render.charts import curves, mermaid_chart, sparkline

_points = st.lists(
    st.tuples(
        st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
        st.one_of(st.floats(min_value=-1e12, max_value=1e12), st.just(float("nan"))),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_points, max_size=3), st.lists(_points, max_size=3))
def test_any_history_gives_a_chart_mermaid_can_read(
    cands: list[list[tuple[float, float]]], bases: list[list[tuple[float, float]]]
) -> None:
    """Property: whatever the histories, the chart (if any) and sparkline are well formed."""
    cand_runs = [make_run(f"c{i}", history={"m": h}) for i, h in enumerate(cands)]
    base_runs = [make_run(f"b{i}", history={"m": h}) for i, h in enumerate(bases)]
    data = curves("m", cand_runs, base_runs, points=40)
    if data is None:
        return
    assert 2 <= len(data.steps) <= 40
    palette = ", ".join(
        colour
        for colour, line in (("#2563eb", data.candidate), ("#9ca3af", data.baseline))
        if line is not None
    )
    block = mermaid_chart("m", data)
    assert block.startswith("```mermaid\n")
    assert block.endswith("\n```")
    check_xychart(block.removeprefix("```mermaid\n").removesuffix("```"), palette)
    if data.candidate is not None:
        assert re.fullmatch("[▁▂▃▄▅▆▇█]+", sparkline(data.candidate))


def test_mean_curve_interpolates_and_never_pads() -> None:
    """Runs are interpolated on a common grid; past a run's last step the mean is of the rest."""
    long = make_run("a", history={"m": history([0.0, 10.0, 20.0], every=100)})
    short = make_run("b", history={"m": history([10.0, 20.0], every=100)})
    data = curves("m", [long, short], [], points=5)
    assert data is not None
    assert data.steps == (0.0, 50.0, 100.0, 150.0, 200.0)
    assert data.candidate == (5.0, 10.0, 15.0, 15.0, 20.0)
    assert data.baseline is None
    assert (data.candidate_runs, data.baseline_runs) == (2, 0)


def test_a_line_ends_at_its_last_logged_step() -> None:
    """A candidate at step 14 of 29 is drawn to step 14 only, on a list of steps."""
    running = make_run("c", history={"m": history([float(i) for i in range(15)], every=1)})
    done = make_run("b", history={"m": history([float(i) for i in range(30)], every=1)})
    data = curves("m", [running], [done], points=30)
    assert data is not None
    assert data.candidate is not None
    assert data.baseline is not None
    assert len(data.baseline) == len(data.steps) == 30
    assert len(data.candidate) == 15
    assert data.candidate[-1] == 14.0
    block = mermaid_chart("m", data)
    assert '  x-axis "step" [0, 1, 2,' in block
    check_xychart(block.removeprefix("```mermaid\n").removesuffix("```"), "#2563eb, #9ca3af")


@pytest.mark.parametrize(
    ("values", "line"),
    [
        ([1, 2, 3, 4, 5], "▁▂▄▆█"),
        ([5, 5, 5], "▄▄▄"),
        ([3, float("nan"), 1], "█▁"),
        ([], ""),
    ],
)
def test_sparkline(values: list[float], line: str) -> None:
    """Five distinct levels from the smallest value to the largest; flat series sit midway."""
    assert sparkline(values) == line


def test_no_chart_without_two_distinct_steps() -> None:
    """History at a single step, or none at all, draws no chart."""
    one_step = make_run("a", history={"m": ((5.0, 1.0), (5.0, 2.0))})
    assert curves("m", [one_step], []) is None
    assert curves("m", [make_run("b")], []) is None


def test_exact_chart_for_a_small_history() -> None:
    """A small two-sided chart renders exactly, candidates first (blue), baselines (grey)."""
    cand = make_run("c", history={"val/loss": history([0.9, 0.5, 0.4])})
    base = make_run("b", history={"val/loss": history([1.0, 0.6, 0.5])})
    data = curves("val/loss", [cand], [base], points=3)
    assert data is not None
    assert mermaid_chart("val/loss", data) == (
        "```mermaid\n"
        '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#2563eb, #9ca3af"}}}}%%\n'
        "xychart-beta\n"
        '  x-axis "step" 0 --> 200\n'
        '  y-axis "val/loss" 0.37 --> 1.03\n'
        "  line [0.9, 0.5, 0.4]\n"
        "  line [1, 0.6, 0.5]\n"
        "```"
    )
