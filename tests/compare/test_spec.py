"""Metric specs and direction inference."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wandb_pr.compare import (
    Direction,
    MetricSpec,
    Tolerance,
    infer_direction,
    parse_metric_spec,
    parse_metric_specs,
)
from wandb_pr.errors import InputError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("val_loss", MetricSpec("val_loss")),
        ("val_loss:min", MetricSpec("val_loss", Direction.LOWER)),
        ("val_acc:MAX", MetricSpec("val_acc", Direction.HIGHER)),
        ("val_acc:max:0.005", MetricSpec("val_acc", Direction.HIGHER, Tolerance(0.005))),
        ("val_loss:min:2%", MetricSpec("val_loss", Direction.LOWER, Tolerance(0.02, True))),
        ("val_loss:2 %", MetricSpec("val_loss", None, Tolerance(0.02, True))),
        ("val_loss:1e-3", MetricSpec("val_loss", None, Tolerance(0.001))),
        ("eval:loss:min", MetricSpec("eval:loss", Direction.LOWER)),
        ("eval:loss", MetricSpec("eval:loss")),
        ("latency:min:min", MetricSpec("latency:min", Direction.LOWER)),
        ("  val/top-1 acc : max : 0  ", MetricSpec("val/top-1 acc", Direction.HIGHER)),
        ("metrics.f1:max:.5", MetricSpec("metrics.f1", Direction.HIGHER, Tolerance(0.5))),
    ],
)
def test_parse_metric_spec(text: str, expected: MetricSpec) -> None:
    """Direction and tolerance are read from the right; the rest is the name."""
    assert parse_metric_spec(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty metric spec"),
        ("   ", "empty metric spec"),
        (":min", "metric spec ':min' has no metric name"),
        (":2%", "metric spec ':2%' has no metric name"),
        ("val_loss:min:abc", "metric spec 'val_loss:min:abc': 'abc' is not a tolerance"),
        ("val_loss:min:", "metric spec 'val_loss:min:': '' is not a tolerance"),
        (
            "val_loss:-1",
            "metric spec 'val_loss:-1': the tolerance '-1' must be a finite number >= 0",
        ),
        ("val_loss:max:1e999", "the tolerance '1e999' must be a finite number >= 0"),
    ],
)
def test_bad_spec_raises_input_error_naming_it(text: str, message: str) -> None:
    """A malformed spec is an InputError that names the spec and carries a tip."""
    with pytest.raises(InputError) as caught:
        parse_metric_spec(text)
    assert message in caught.value.message
    assert caught.value.tip
    assert "NAME[:min|max|lower|higher][:TOL[%]]" in caught.value.tip


def test_parse_metric_specs_keeps_order_and_skips_blank_items() -> None:
    """One spec per item, in order; blank items (trailing newlines in YAML) are ignored."""
    specs = parse_metric_specs(["val_loss:min", "", "  ", "val_acc:max:1%"])
    assert [str(s) for s in specs] == ["val_loss:min", "val_acc:max:1%"]


def test_parse_metric_specs_rejects_a_metric_named_twice() -> None:
    """Naming a metric twice is an error that quotes both specs."""
    with pytest.raises(InputError, match="'val_loss' is given twice"):
        parse_metric_specs(["val_loss:min", "val_loss:max"])


@pytest.mark.parametrize(
    ("name", "direction"),
    [
        ("loss", Direction.LOWER),
        ("val/loss", Direction.LOWER),
        ("VAL.LOSS", Direction.LOWER),
        ("train-mse", Direction.LOWER),
        ("eval_error_rate", Direction.LOWER),
        ("test/wer", Direction.LOWER),
        ("perplexity", Direction.LOWER),
        ("eval_acc", Direction.HIGHER),
        ("val/accuracy_top1", Direction.HIGHER),
        ("f1-macro", Direction.HIGHER),
        ("mAP", Direction.HIGHER),
        ("rougeL", Direction.HIGHER),
        ("gloss", Direction.NONE),
        ("accuracy_loss", Direction.NONE),
        ("mapping", Direction.NONE),
        ("lr", Direction.NONE),
        ("epoch", Direction.NONE),
        ("", Direction.NONE),
    ],
)
def test_infer_direction_matches_whole_tokens(name: str, direction: Direction) -> None:
    """Known tokens decide; substrings inside words and contradictions do not."""
    assert infer_direction(name) is direction


def test_every_direction_has_a_spec_word() -> None:
    """Every Direction member maps to its spec keyword."""
    assert {d: d.spec_word for d in Direction} == {
        Direction.HIGHER: "max",
        Direction.LOWER: "min",
        Direction.NONE: "",
    }


def test_tolerance_threshold_is_absolute_or_relative_to_the_baseline_magnitude() -> None:
    """An absolute tolerance ignores the baseline; a relative one scales with |baseline|."""
    assert Tolerance(0.5).threshold(-100) == 0.5
    assert Tolerance(0.02, relative=True).threshold(-50) == pytest.approx(1.0)
    assert Tolerance(0.02, relative=True).threshold(0) == 0


_names = st.text(alphabet="abcxyz019/_.- ", min_size=1, max_size=12).filter(lambda s: s.strip())


@given(
    name=_names,
    direction=st.sampled_from([None, Direction.HIGHER, Direction.LOWER]),
    amount=st.integers(min_value=0, max_value=10_000),
    relative=st.booleans(),
)
def test_spec_round_trips_through_its_text(
    name: str, direction: Direction | None, amount: int, relative: bool
) -> None:
    """Property: str(spec) parses back to the same spec."""
    tolerance = Tolerance(amount / 1000 / (100 if relative else 1), relative and amount > 0)
    spec = MetricSpec(name.strip(), direction, tolerance)
    parsed = parse_metric_spec(str(spec))
    assert (parsed.name, parsed.direction) == (spec.name, spec.direction)
    assert parsed.tolerance.relative == spec.tolerance.relative
    assert parsed.tolerance.amount == pytest.approx(spec.tolerance.amount, rel=1e-12)


@given(st.text())
def test_parsing_any_text_fails_only_with_input_error(text: str) -> None:
    """Property: arbitrary text either parses to a non-empty name or raises InputError."""
    try:
        spec = parse_metric_spec(text)
    except InputError:
        return
    assert spec.name
    assert spec.name == spec.name.strip()
    assert spec.tolerance.amount >= 0
