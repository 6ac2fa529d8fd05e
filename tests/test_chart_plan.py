"""Which history the charts draw: regressions first, then the user's order, a bounded subset."""

from __future__ import annotations

from tests.compare.factories import make_run, make_run_set
from wandb_pr.chart_plan import MAX_CHARTS, RUNS_PER_SIDE, evenly_spaced, plan_history
from wandb_pr.compare import Comparison, compare, parse_metric_specs

NAMES = [f"m{i}" for i in range(8)]


def sweep(candidates: int, baselines: int, *, worse: str) -> Comparison:
    """A comparison where metric ``worse`` regressed and every other metric is unchanged."""

    def summary(candidate: bool, i: int) -> dict[str, float]:
        values = dict.fromkeys(NAMES, 1.0 + i % 3 / 100)
        values[worse] = (2.0 if candidate else 1.0) + (i % 3) / 100
        return values

    run_set = make_run_set(
        [make_run(f"c{i:03d}", summary=summary(True, i)) for i in range(candidates)],
        [make_run(f"b{i:03d}", summary=summary(False, i)) for i in range(baselines)],
    )
    specs = parse_metric_specs([f"{name}:min" for name in NAMES])
    return compare(run_set, specs)


def test_regressions_come_first_then_the_users_order_up_to_six() -> None:
    """m6 regressed: it is charted first, then m0..m4 in the order they were named."""
    comparison = sweep(5, 3, worse="m6")
    request = plan_history(comparison, NAMES)
    assert request is not None
    assert request.metrics == ("m6", "m0", "m1", "m2", "m3", "m4")
    assert len(request.metrics) == MAX_CHARTS


def test_runs_are_an_evenly_spaced_subset_of_each_side() -> None:
    """300 candidates and 7 baselines: 20 evenly spaced candidates, every baseline."""
    comparison = sweep(300, 7, worse="m0")
    request = plan_history(comparison, NAMES)
    assert request is not None
    candidates = [r for r in request.run_ids if r.startswith("c")]
    assert len(candidates) == RUNS_PER_SIDE
    assert (candidates[0], candidates[-1]) == ("c000", "c299")
    assert [r for r in request.run_ids if r.startswith("b")] == [f"b{i:03d}" for i in range(7)]


def test_nothing_named_draws_nothing() -> None:
    """Without named metrics (metrics chosen automatically) no history is asked for."""
    comparison = sweep(3, 2, worse="m0")
    assert plan_history(comparison, ()) is None


def test_evenly_spaced_keeps_both_ends() -> None:
    """The subset holds the first and the last item, and everything when it fits."""
    items = [str(i) for i in range(10)]
    assert evenly_spaced(items, 3) == ("0", "4", "9")  # round(4.5) is 4
    assert evenly_spaced(items, 10) == tuple(items)
    assert evenly_spaced(items, 1) == ("0",)
