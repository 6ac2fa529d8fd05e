"""The one table of direction words, read only from a name's last component."""

from __future__ import annotations

import math

import pytest
from scipy import stats as scipy_stats

from wandb_pr.compare import (
    Direction,
    holm_adjust,
    infer_direction,
    parse_metric_spec,
    prediction_test,
)
from wandb_pr.errors import InputError

LOWER, HIGHER, NONE = Direction.LOWER, Direction.HIGHER, Direction.NONE


@pytest.mark.parametrize(
    ("name", "direction"),
    [
        ("loss", LOWER),
        ("val/loss", LOWER),
        ("val_loss", LOWER),
        ("eval.error_rate", LOWER),
        ("val_loss.min", LOWER),  # a define_metric summary word is skipped
        ("test/wer", LOWER),
        ("perplexity", LOWER),
        ("val/acc", HIGHER),
        ("top1_acc", HIGHER),
        ("f1_macro", HIGHER),
        ("train/reward", HIGHER),
        ("loss_scale", NONE),
        ("val/acc_std", NONE),
        ("acc_drop", NONE),
        ("f1_gap", NONE),
        ("time_to_accuracy", NONE),
        ("steps_to_accuracy", NONE),
        ("loss_reduction", NONE),
        ("acc_improvement", NONE),
        ("error_count", NONE),
        ("loss_var", NONE),
        ("grad_norm", NONE),
        ("accuracy_loss", NONE),  # words of both directions
        ("loss/epoch", NONE),  # only the last component counts
        ("gloss", NONE),
        ("lr", NONE),
        ("", NONE),
    ],
)
def test_direction_table(name: str, direction: Direction) -> None:
    """Known words at the end of the last component decide; modifiers and others give none."""
    assert infer_direction(name) is direction


@pytest.mark.parametrize(
    ("text", "name", "direction"),
    [
        ("val_loss:lower", "val_loss", LOWER),
        ("val_acc:higher:0.5%", "val_acc", HIGHER),
        ("eval:loss:min", "eval:loss", LOWER),  # a name may hold colons
        ("ratio:x", "ratio:x", None),
    ],
)
def test_direction_words_are_min_max_lower_higher(
    text: str, name: str, direction: Direction | None
) -> None:
    """min, max, lower and higher are accepted after a colon; other words belong to the name."""
    spec = parse_metric_spec(text)
    assert (spec.name, spec.direction) == (name, direction)


@pytest.mark.parametrize("text", ["val_loss:minimum", "acc:maximise", "acc:high", "loss:mx"])
def test_a_misspelt_direction_is_an_error(text: str) -> None:
    """A trailing word that looks like a direction is refused, naming the accepted words."""
    with pytest.raises(InputError, match="is not a direction") as caught:
        parse_metric_spec(text)
    assert caught.value.tip is not None
    assert "min or lower" in caught.value.tip


def test_prediction_test_matches_the_t_distribution() -> None:
    """One value against n others: t = (x - mean) / (s sqrt(1 + 1/n)), df = n - 1, as scipy."""
    others = [0.90, 0.91, 0.89, 0.92, 0.90]
    result = prediction_test(0.95, others)
    n = len(others)
    mean, s = sum(others) / n, scipy_stats.tstd(others)
    t = (0.95 - mean) / (s * math.sqrt(1 + 1 / n))
    assert result.t == pytest.approx(t)
    assert result.df == n - 1
    assert result.p == pytest.approx(2 * scipy_stats.t.sf(abs(t), n - 1), rel=1e-9)
    assert prediction_test(1.0, [1.0, 1.0]).p == 1.0
    assert prediction_test(2.0, [1.0, 1.0]).p == 0.0


def test_holm_adjustment_is_the_step_down_procedure() -> None:
    """Holm: sorted p times (m - rank), running maximum, capped at 1, in input order."""
    assert holm_adjust([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert holm_adjust([0.6, 0.6]) == [1.0, 1.0]
    assert holm_adjust([]) == []
