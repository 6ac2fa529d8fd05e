"""Summary statistics and Welch's t-test, against scipy."""

from __future__ import annotations

import math
import warnings

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import special
from scipy import stats as scipy_stats

from wandb_pr.compare.stats import (
    Summary,
    regularized_incomplete_beta,
    student_t_two_sided_p,
    summarize,
    welch_t_test,
)

_values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
_samples = st.lists(_values, min_size=2, max_size=40)


def _scipy(a: list[float], b: list[float]) -> tuple[float, float, float]:
    with warnings.catch_warnings():
        # scipy warns about "catastrophic cancellation" for a constant sample; it is exact here.
        warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
        result = scipy_stats.ttest_ind(a, b, equal_var=False)
    return float(result.statistic), float(result.df), float(result.pvalue)


def _well_spread(sample: list[float]) -> bool:
    """Spread large enough that float rounding in numpy's variance does not dominate."""
    mean = math.fsum(sample) / len(sample)
    spread = max(sample) - min(sample)
    return spread > 1e-6 * max(1.0, abs(mean))


def test_summarize_small_sample_exactly() -> None:
    """n, mean, sample std (n - 1), min and max of a small sample."""
    assert summarize([1.0, 2.0, 3.0]) == Summary(n=3, mean=2.0, std=1.0, min=1.0, max=3.0)


def test_summarize_empty_and_single() -> None:
    """No values give no statistics; one value has no standard deviation."""
    assert summarize([]) == Summary(n=0, mean=None, std=None, min=None, max=None)
    assert summarize([0.5]) == Summary(n=1, mean=0.5, std=None, min=0.5, max=0.5)


@given(st.floats(allow_nan=False, allow_infinity=False), st.integers(2, 50))
def test_identical_values_have_their_own_mean_and_zero_std(value: float, n: int) -> None:
    """Property: equal values average to themselves exactly, with std exactly 0."""
    stats = summarize([value] * n)
    assert stats.mean == value
    assert stats.std == 0.0


def test_welch_matches_scipy_on_a_known_example() -> None:
    """t, df and p agree with scipy.stats.ttest_ind(equal_var=False) on seeds vs baselines."""
    candidates = [0.391, 0.402, 0.398, 0.405, 0.395]
    baselines = [0.412, 0.425, 0.418]
    result = welch_t_test(candidates, baselines)
    t, df, p = _scipy(candidates, baselines)
    assert result.t == pytest.approx(t, rel=1e-12)
    assert result.df == pytest.approx(df, rel=1e-12)
    assert result.p == pytest.approx(p, rel=1e-10)
    assert result.p < 0.05


@settings(max_examples=300, deadline=None)
@given(_samples, _samples)
def test_welch_agrees_with_scipy(a: list[float], b: list[float]) -> None:
    """Property: t, df and the two-sided p-value match scipy on any well-spread samples."""
    assume(_well_spread(a) and _well_spread(b))
    result = welch_t_test(a, b)
    t, df, p = _scipy(a, b)
    assert result.t is not None
    assert result.df is not None
    assert result.t == pytest.approx(t, rel=1e-7, abs=1e-9)
    assert result.df == pytest.approx(df, rel=1e-7)
    assert result.p == pytest.approx(p, rel=1e-6, abs=1e-12)


@given(_samples, _samples)
def test_welch_is_symmetric(a: list[float], b: list[float]) -> None:
    """Property: swapping the samples negates t and keeps df and p."""
    ab, ba = welch_t_test(a, b), welch_t_test(b, a)
    assert ab.p == ba.p
    assert ab.df == ba.df
    if ab.t is None:
        assert ba.t is None
    else:
        assert ba.t == -ab.t


@given(_samples)
def test_a_sample_against_itself_has_t_zero_and_p_one(a: list[float]) -> None:
    """Property: identical inputs give zero difference: t = 0 (or undefined) and p = 1."""
    result = welch_t_test(a, list(reversed(a)))
    assert result.t in (0.0, None)
    assert result.p == 1.0


def test_zero_variance_on_both_sides() -> None:
    """Neither side varies: different means are significant (p = 0), equal means are not (p = 1)."""
    differ = welch_t_test([1.0, 1.0, 1.0], [2.0, 2.0])
    assert (differ.t, differ.df, differ.p) == (None, None, 0.0)
    same = welch_t_test([0.3, 0.3], [0.3, 0.3, 0.3])
    assert (same.t, same.df, same.p) == (None, None, 1.0)


def test_zero_variance_on_one_side_matches_scipy() -> None:
    """One constant side: the test is defined (df = n - 1 of the other side) and matches scipy."""
    a, b = [1.0, 1.0, 1.0], [1.5, 2.0, 2.5, 3.0]
    result = welch_t_test(a, b)
    t, df, p = _scipy(a, b)
    assert (result.t, result.df, result.p) == pytest.approx((t, df, p), rel=1e-12)
    assert result.df == pytest.approx(3.0)


def test_welch_needs_two_values_per_side() -> None:
    """Fewer than two values on a side is a programming error."""
    with pytest.raises(ValueError, match="at least two"):
        welch_t_test([1.0], [1.0, 2.0])


def test_t_distribution_tails() -> None:
    """p is 1 at t = 0, 0 at infinite t, and rejects bad arguments."""
    assert student_t_two_sided_p(0.0, 3.0) == 1.0
    assert student_t_two_sided_p(-math.inf, 3.0) == 0.0
    with pytest.raises(ValueError, match="degrees of freedom"):
        student_t_two_sided_p(1.0, 0.0)
    with pytest.raises(ValueError, match="NaN"):
        student_t_two_sided_p(math.nan, 1.0)


@settings(max_examples=300, deadline=None)
@given(
    st.floats(min_value=-1e4, max_value=1e4, allow_nan=False),
    st.floats(min_value=0.5, max_value=1e5),
)
def test_two_sided_p_agrees_with_scipy(t: float, df: float) -> None:
    """Property: the t-distribution tail matches 2 * scipy.stats.t.sf(|t|, df)."""
    expected = float(2 * scipy_stats.t.sf(abs(t), df))
    assert student_t_two_sided_p(t, df) == pytest.approx(expected, rel=1e-8, abs=1e-300)


@settings(max_examples=300, deadline=None)
@given(
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=0.05, max_value=500.0),
    st.floats(min_value=0.05, max_value=500.0),
)
def test_incomplete_beta_agrees_with_scipy(x: float, a: float, b: float) -> None:
    """Property: I_x(a, b) matches scipy.special.betainc (by symmetry near x = 1)."""
    # 1 - x is exact for x >= 0.5 (Sterbenz); scipy loses digits evaluating I_x right next to 1.
    expected = float(special.betainc(a, b, x) if x < 0.5 else 1 - special.betainc(b, a, 1 - x))
    assert regularized_incomplete_beta(x, a, b) == pytest.approx(expected, rel=1e-9, abs=1e-14)


def test_incomplete_beta_rejects_bad_arguments() -> None:
    """x outside [0, 1] or non-positive shape parameters are errors."""
    with pytest.raises(ValueError, match="x must lie"):
        regularized_incomplete_beta(1.5, 1.0, 1.0)
    with pytest.raises(ValueError, match="positive"):
        regularized_incomplete_beta(0.5, 0.0, 1.0)
