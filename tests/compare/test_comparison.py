"""compare(): per-metric statistics, statuses, the gate and the verdict."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.compare.factories import make_run, make_run_set
from wandb_pr.compare import (
    Comparison,
    Direction,
    MetricStatus,
    Verdict,
    choose_metrics,
    compare,
    counts_toward_stats,
    metric_value,
    parse_metric_specs,
)
from wandb_pr.errors import InputError
from wandb_pr.models import RunState


def _one_metric(cands: list[float], bases: list[float], spec: str = "val_loss") -> Comparison:
    name = spec.split(":")[0]
    run_set = make_run_set(
        [make_run(f"c{i}", summary={name: v}) for i, v in enumerate(cands)],
        [make_run(f"b{i}", summary={name: v}) for i, v in enumerate(bases)],
    )
    return compare(run_set, parse_metric_specs([spec]))


def test_one_run_against_one_baseline() -> None:
    """Single runs: means, delta, relative delta; no test; a worse value is a regression."""
    comparison = _one_metric([0.5], [0.4])
    (m,) = comparison.metrics
    assert (m.candidate.n, m.candidate.mean, m.candidate.std) == (1, 0.5, None)
    assert m.delta == pytest.approx(0.1)
    assert m.relative_delta == pytest.approx(0.25)
    assert (m.test, m.significant) == (None, None)
    assert (m.direction, m.direction_inferred) == (Direction.LOWER, True)
    assert m.status is MetricStatus.REGRESSION
    assert comparison.verdict is Verdict.REGRESSION
    assert comparison.regressions == ("val_loss",)


@pytest.mark.parametrize(
    ("cand", "base", "spec", "status"),
    [
        (0.3, 0.4, "val_loss", MetricStatus.BETTER),
        (0.4, 0.4, "val_loss", MetricStatus.UNCHANGED),
        (0.405, 0.4, "val_loss:min:0.01", MetricStatus.UNCHANGED),
        (0.41, 0.4, "val_loss:min:0.01", MetricStatus.UNCHANGED),
        (0.42, 0.4, "val_loss:min:0.01", MetricStatus.REGRESSION),
        (0.407, 0.4, "val_loss:min:2%", MetricStatus.UNCHANGED),
        (0.409, 0.4, "val_loss:min:2%", MetricStatus.REGRESSION),
        (0.3, 0.4, "val_loss:max", MetricStatus.REGRESSION),
        (0.91, 0.9, "val_acc", MetricStatus.BETTER),
        (0.896, 0.9, "val_acc:max:0.005", MetricStatus.UNCHANGED),
        (0.894, 0.9, "val_acc:max:0.005", MetricStatus.REGRESSION),
        (5.0, 3.0, "epoch", MetricStatus.NO_DIRECTION),
        (0.1, 0.0, "val_loss:min:50%", MetricStatus.REGRESSION),
    ],
)
def test_status_and_tolerance(cand: float, base: float, spec: str, status: MetricStatus) -> None:
    """Tolerances are absolute or relative to |baseline mean|; only beyond them is a change."""
    (m,) = _one_metric([cand], [base], spec).metrics
    assert m.status is status


def test_relative_delta_is_none_for_a_zero_baseline() -> None:
    """Relative delta is undefined when the baseline mean is 0."""
    (m,) = _one_metric([0.1], [0.0]).metrics
    assert m.relative_delta is None


def test_seeds_significantly_worse_is_a_regression() -> None:
    """5 seeds clearly worse than 3 baselines: Welch rejects, so it is a regression."""
    comparison = _one_metric([0.50, 0.51, 0.49, 0.50, 0.52], [0.40, 0.41, 0.39])
    (m,) = comparison.metrics
    assert m.test is not None
    assert m.test.p < 0.05
    assert m.significant is True
    assert m.status is MetricStatus.REGRESSION
    assert (m.candidate.n, m.baseline.n) == (5, 3)
    assert m.candidate.min == 0.49
    assert m.candidate.max == 0.52


def test_worse_within_noise_is_not_a_regression() -> None:
    """A worse mean that Welch cannot tell from noise is 'worse', and the verdict passes."""
    comparison = _one_metric([0.30, 0.50, 0.45, 0.35, 0.42], [0.40, 0.30, 0.45])
    (m,) = comparison.metrics
    assert m.significant is False
    assert m.status is MetricStatus.WORSE
    assert comparison.verdict is Verdict.PASS
    assert comparison.regressions == ()


def test_alpha_decides_significance() -> None:
    """A stricter alpha turns a borderline regression into 'worse'."""
    run_set = make_run_set(
        [make_run(f"c{i}", summary={"loss": v}) for i, v in enumerate([0.50, 0.47, 0.53])],
        [make_run(f"b{i}", summary={"loss": v}) for i, v in enumerate([0.40, 0.44, 0.42])],
    )
    specs = parse_metric_specs(["loss"])
    loose, strict = compare(run_set, specs, alpha=0.05), compare(run_set, specs, alpha=0.001)
    assert loose.metrics[0].status is MetricStatus.REGRESSION
    assert strict.metrics[0].status is MetricStatus.WORSE


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1, math.nan])
def test_alpha_must_lie_between_zero_and_one(alpha: float) -> None:
    """An impossible significance level is an input error."""
    with pytest.raises(InputError, match="significance level"):
        compare(make_run_set(), (), alpha=alpha)


def test_missing_and_unusable_values_are_reported_not_counted() -> None:
    """Absent keys, non-numeric and non-finite values are listed per run, apart, and left out."""
    run_set = make_run_set(
        [
            make_run("c1", summary={"loss": 0.5}),
            make_run("c2", summary={}),
            make_run("c3", summary={"loss": math.nan}),
            make_run("c4", summary={"loss": True}),
            make_run("c5", summary={"loss": "0.5"}),
            make_run("c6", summary={"loss": {"_type": "histogram"}}),
            make_run("c7", summary={"loss": -math.inf}),
            make_run("c8", summary={"loss": None}),
        ],
        [make_run("b1", summary={"acc": 0.9})],
    )
    (loss, acc) = compare(run_set, parse_metric_specs(["loss", "acc"])).metrics
    assert loss.candidate.n == 1
    assert loss.candidate.run_ids == ("c1",)
    assert loss.candidate.missing == ("c2", "c8")
    assert loss.candidate.unusable == ("c4", "c5", "c6")
    assert loss.candidate.non_finite == ("c3", "c7")
    assert loss.candidate.nan == 1
    assert loss.baseline.missing == ("b1",)
    assert loss.status is MetricStatus.MISSING
    assert loss.delta is None
    assert acc.status is MetricStatus.MISSING
    assert acc.candidate.n == 0


def test_dotted_names_look_into_nested_summaries() -> None:
    """``eval.loss`` finds ``{"eval": {"loss": ...}}``; a literal dotted key wins."""
    run = make_run(summary={"eval": {"loss": 0.3}, "a.b": 1, "a": {"b": 2}})
    assert metric_value(run, "eval.loss") == 0.3
    assert metric_value(run, "a.b") == 1.0
    assert metric_value(run, "eval") is None


@pytest.mark.parametrize(
    ("states", "verdict"),
    [
        ([], Verdict.NO_RUNS),
        (["crashed", "failed", "killed"], Verdict.NO_RUNS),
        (["finished", "running"], Verdict.PENDING),
        (["pending"], Verdict.PENDING),
        (["finished", "crashed"], Verdict.PASS),
        (["finished"], Verdict.PASS),
    ],
)
def test_verdict_from_candidate_states(states: list[str], verdict: Verdict) -> None:
    """pending beats no-runs beats regression beats pass; crashed runs do not count."""
    run_set = make_run_set(
        [make_run(f"c{i}", state=s, summary={"loss": 0.3}) for i, s in enumerate(states)],
        [make_run("b", summary={"loss": 0.4})],
    )
    assert compare(run_set, parse_metric_specs(["loss"])).verdict is verdict


def test_pending_counts_runs_in_progress_and_keeps_provisional_statuses() -> None:
    """Running candidates count toward provisional numbers: worse, never a regression."""
    run_set = make_run_set(
        [make_run("c1", state="running", summary={"loss": 0.9}), make_run("c2", state="pending")],
        [make_run("b", summary={"loss": 0.4})],
    )
    comparison = compare(run_set, parse_metric_specs(["loss"]))
    assert comparison.verdict is Verdict.PENDING
    assert comparison.in_progress == 2
    assert comparison.regressions == ()
    (loss,) = comparison.metrics
    assert (loss.status, loss.provisional) == (MetricStatus.WORSE, True)
    assert comparison.counted_candidates == ("c1",)


def test_crashed_baselines_are_not_counted() -> None:
    """A crashed baseline's summary does not enter the statistics."""
    run_set = make_run_set(
        [make_run("c", summary={"loss": 0.3})],
        [
            make_run("b1", summary={"loss": 0.4}),
            make_run("b2", state="crashed", summary={"loss": 9}),
        ],
    )
    (m,) = compare(run_set, parse_metric_specs(["loss"])).metrics
    assert m.baseline.values == (0.4,)


def test_every_run_state_is_classified() -> None:
    """Every RunState member says whether it counts; only finished runs are evidence."""
    counted = {state for state in RunState if counts_toward_stats(state)}
    assert counted == {RunState.FINISHED}


def test_choose_metrics_takes_numeric_public_keys_sorted() -> None:
    """Numeric keys (nested flattened, NaN too), not _private, bools, strings or media; sorted."""
    runs = [
        make_run(
            "c1",
            summary={
                "val_loss": 0.3,
                "_runtime": 12,
                "_wandb": {"runtime": 3},
                "done": True,
                "note": "x",
                "image": {"_type": "image-file", "width": 32},
                "eval": {"acc": 0.9, "_step": 3},
                "nan": math.nan,
            },
        ),
        make_run("c2", summary={"epoch": 3}),
        make_run("c3", state="crashed", summary={"crash_only": 1}),
    ]
    assert choose_metrics(runs) == (("epoch", "eval.acc", "nan", "val_loss"), 0)


def test_choose_metrics_caps_and_prefers_known_directions() -> None:
    """Over the cap, metrics with a known direction are kept first; the rest are counted."""
    summary = {f"a{i:02d}": i for i in range(30)} | {"z_loss": 1.0, "zz_acc": 0.5}
    chosen, left_out = choose_metrics([make_run(summary=summary)], limit=5)
    assert chosen == ("a00", "a01", "a02", "z_loss", "zz_acc")
    assert left_out == 27


def test_compare_without_specs_chooses_metrics() -> None:
    """No specs: metrics are chosen automatically and the comparison says so."""
    run_set = make_run_set(
        [make_run("c", summary={"loss": 0.3, "acc": 0.9})], [make_run("b", summary={"loss": 0.4})]
    )
    comparison = compare(run_set)
    assert comparison.auto_metrics is True
    assert [m.name for m in comparison.metrics] == ["acc", "loss"]
    assert [m.status for m in comparison.metrics] == [MetricStatus.MISSING, MetricStatus.BETTER]


_value_lists = st.lists(
    st.floats(min_value=-1e3, max_value=1e3, allow_nan=False), min_size=1, max_size=6
)


@given(_value_lists, _value_lists)
def test_swapping_sides_negates_the_delta(cands: list[float], bases: list[float]) -> None:
    """Property: candidates vs baselines is the mirror image of baselines vs candidates."""
    forward = _one_metric(cands, bases).metrics[0]
    backward = _one_metric(bases, cands).metrics[0]
    assert forward.delta is not None
    assert backward.delta is not None
    assert forward.delta == -backward.delta
    if forward.test is not None and backward.test is not None:
        assert forward.test.p == backward.test.p


@given(_value_lists, st.sampled_from(["val_loss", "val_acc", "epoch"]))
def test_identical_sides_are_unchanged(values: list[float], name: str) -> None:
    """Property: the same values on both sides give delta 0, no evidence either way (two-sided
    p = 1, so one-sided 0.5) and no judgement of change."""
    (m,) = _one_metric(values, list(reversed(values)), name).metrics
    assert m.delta == 0
    assert m.status in (MetricStatus.UNCHANGED, MetricStatus.NO_DIRECTION)
    if m.test is not None:
        assert m.test.p == (1.0 if m.direction is Direction.NONE else 0.5)
        assert m.significant is False


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    ("cands", "bases", "verdict"),
    [
        ([NAN, 0.3], [0.3, 0.3], Verdict.DIVERGED),  # baselines all finite
        ([NAN, 0.3], [NAN, 0.3, 0.3, 0.3], Verdict.DIVERGED),  # 1 of 2 against 1 of 4
        ([INF, INF, 0.3], [NAN, 0.3], Verdict.DIVERGED),  # 2 of 3 against 1 of 2
        ([NAN, 0.3], [NAN, 0.3], Verdict.PASS),  # as often as the baselines: not the change's
        ([NAN, 0.3, 0.3, 0.3], [NAN, 0.3], Verdict.PASS),  # less often than the baselines
        ([NAN], [NAN], Verdict.MISSING_METRIC),  # no finite value on either side
    ],
)
def test_divergence_is_judged_by_its_share_on_each_side(
    cands: list[float], bases: list[float], verdict: Verdict
) -> None:
    """Candidates diverge when NaN/inf is more common among them than among the baselines."""
    assert _one_metric(cands, bases, "val_loss:min").verdict is verdict


def test_a_define_metric_summary_is_one_metric_read_for_its_goal() -> None:
    """{"min": .., "max": ..} is chosen as val_loss (not val_loss.max) and read as its min."""
    cand = make_run("c1", summary={"val_loss": {"min": 0.3, "max": 2.5}})
    base = make_run("b1", summary={"val_loss": {"min": 0.3, "max": 2.4}})
    comparison = compare(make_run_set([cand], [base]))
    assert [m.name for m in comparison.metrics] == ["val_loss"]
    (metric,) = comparison.metrics
    assert (metric.candidate.mean, metric.baseline.mean) == (0.3, 0.3)
    assert comparison.verdict is Verdict.PASS  # the max over training is not gated on
    assert metric_value(cand, "val_loss", Direction.LOWER) == 0.3
    assert metric_value(cand, "val_loss.max") == 2.5  # still readable when asked for by name


def test_a_goal_metric_the_candidates_stopped_logging_is_missing_not_dropped() -> None:
    """Baselines log val_loss, candidates no longer do: missing-metric, never a quiet pass;
    a baseline-only key without a goal (epoch) is not chosen."""
    cand = make_run("c1", summary={"val_acc": 0.9})
    base = make_run("b1", summary={"val_acc": 0.9, "val_loss": 0.3, "epoch": 10})
    comparison = compare(make_run_set([cand], [base]))
    assert [(m.name, m.status) for m in comparison.metrics] == [
        ("val_acc", MetricStatus.UNCHANGED),
        ("val_loss", MetricStatus.MISSING),
    ]
    assert comparison.verdict is Verdict.MISSING_METRIC
