"""Summary statistics and Welch's t-test, in pure Python (scipy checks them in the tests only).

Means and variances are computed exactly (``statistics`` sums fractions) and rounded once, so
identical inputs give identical means and a sample of equal values has variance exactly 0.

Welch's t-test (unequal variances), two-sided, ``a`` against ``b``::

    t  = (mean_a - mean_b) / sqrt(va/na + vb/nb)
    df = (va/na + vb/nb)^2 / ((va/na)^2/(na-1) + (vb/nb)^2/(nb-1))      (Welch-Satterthwaite)
    p  = I_x(df/2, 1/2)  with  x = df / (df + t^2)                        (= 2 * sf_t(|t|, df))

where ``I`` is the regularized incomplete beta function, evaluated with a continued fraction.

When neither side varies (all values equal within each side) the test is degenerate: scipy
answers NaN for equal means and ``p = 0`` otherwise. wandb-pr decides: equal means give
``p = 1`` (nothing to distinguish); different means give ``p = 0`` (no noise was observed, so
any difference is distinguishable from it); ``t`` and ``df`` are then ``None``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Summary",
    "WelchResult",
    "holm_adjust",
    "prediction_test",
    "regularized_incomplete_beta",
    "student_t_two_sided_p",
    "summarize",
    "welch_t_test",
]

_EPS = 1e-16
_TINY = 1e-300
_MAX_ITERATIONS = 100_000


@dataclass(frozen=True)
class Summary:
    """Descriptive statistics of a sample of finite floats."""

    n: int
    """Sample size."""
    mean: float | None
    """Arithmetic mean; ``None`` when ``n == 0``."""
    std: float | None
    """Sample standard deviation (``n - 1`` in the denominator); ``None`` when ``n < 2``."""
    min: float | None
    """Smallest value; ``None`` when ``n == 0``."""
    max: float | None
    """Largest value; ``None`` when ``n == 0``."""


@dataclass(frozen=True)
class WelchResult:
    """The outcome of Welch's two-sided t-test of ``a`` against ``b``."""

    t: float | None
    """The t statistic (positive when ``a``'s mean is larger); ``None`` when neither side varies."""
    df: float | None
    """Welch-Satterthwaite degrees of freedom; ``None`` when neither side varies."""
    p: float
    """Two-sided p-value in ``[0, 1]``."""


def summarize(values: Sequence[float]) -> Summary:
    """n, mean, sample std, min and max of finite values."""
    n = len(values)
    if n == 0:
        return Summary(n=0, mean=None, std=None, min=None, max=None)
    data = [float(v) for v in values]
    mean = _mean(data)
    std = math.sqrt(_variance(data)) if n >= 2 else None
    return Summary(n=n, mean=mean, std=std, min=min(data), max=max(data))


def welch_t_test(a: Sequence[float], b: Sequence[float]) -> WelchResult:
    """Welch's two-sided t-test; both samples need at least two finite values."""
    if len(a) < 2 or len(b) < 2:
        raise ValueError("Welch's t-test needs at least two values on each side")
    xa, xb = [float(v) for v in a], [float(v) for v in b]
    mean_a, mean_b = _mean(xa), _mean(xb)
    se2_a, se2_b = _variance(xa) / len(xa), _variance(xb) / len(xb)
    se2 = se2_a + se2_b
    diff = mean_a - mean_b
    if se2 == 0 or not math.isfinite(se2):
        if se2 == 0:
            return WelchResult(t=None, df=None, p=1.0 if diff == 0 else 0.0)
        return WelchResult(t=None, df=None, p=1.0)  # overflowed spread: nothing is distinguishable
    t = diff / math.sqrt(se2)
    # The Welch-Satterthwaite formula with each side's share of se2 (no squares underflowing).
    share_a, share_b = se2_a / se2, se2_b / se2
    df = 1.0 / (share_a**2 / (len(xa) - 1) + share_b**2 / (len(xb) - 1))
    return WelchResult(t=t, df=df, p=student_t_two_sided_p(t, df))


def prediction_test(single: float, others: Sequence[float]) -> WelchResult:
    """Is one value from the same distribution as ``others`` (n >= 2)? Two-sided.

    The prediction-interval test: ``t = (single - mean) / (s * sqrt(1 + 1/n))`` with ``n - 1``
    degrees of freedom, where ``mean`` and ``s`` are the others' mean and sample standard
    deviation; the single value's own noise is taken to be the others' spread. ``t`` is
    positive when ``single`` is larger. When the others do not vary: ``p = 1`` for an equal
    value, else ``p = 0`` (``t`` and ``df`` ``None``), as in :func:`welch_t_test`.
    """
    if len(others) < 2:
        raise ValueError("the prediction test needs at least two values to estimate the spread")
    xs = [float(v) for v in others]
    n = len(xs)
    mean, variance = _mean(xs), _variance(xs)
    diff = float(single) - mean
    scale2 = variance * (1.0 + 1.0 / n)
    if scale2 == 0 or not math.isfinite(scale2):
        if scale2 == 0:
            return WelchResult(t=None, df=None, p=1.0 if diff == 0 else 0.0)
        return WelchResult(t=None, df=None, p=1.0)
    t = diff / math.sqrt(scale2)
    return WelchResult(t=t, df=float(n - 1), p=student_t_two_sided_p(t, n - 1))


def holm_adjust(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the input order (family-wise error control).

    Sorted ascending, the i-th smallest (0-based) of m is multiplied by ``m - i``; the running
    maximum keeps the adjusted values in the same order, and they are capped at 1. Rejecting
    where the adjusted value is below alpha is Holm's step-down procedure at level alpha.
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def student_t_two_sided_p(t: float, df: float) -> float:
    """``P(|T| >= |t|)`` for Student's t distribution with ``df > 0`` degrees of freedom."""
    if not df > 0:
        raise ValueError(f"degrees of freedom must be positive, not {df!r}")
    if math.isnan(t):
        raise ValueError("t is NaN")
    if math.isinf(t):
        return 0.0
    t2 = t * t
    if t2 == 0:
        return 1.0
    # x = df / (df + t^2) and 1 - x = t^2 / (df + t^2), each computed without cancellation.
    denominator = df + t2
    return _betainc(df / 2, 0.5, df / denominator, t2 / denominator)


def regularized_incomplete_beta(x: float, a: float, b: float) -> float:
    """``I_x(a, b)`` for ``0 <= x <= 1`` and ``a, b > 0``."""
    if not (a > 0 and b > 0):
        raise ValueError("a and b must be positive")
    if not 0 <= x <= 1:
        raise ValueError("x must lie in [0, 1]")
    return _betainc(a, b, x, 1.0 - x)


def _betainc(a: float, b: float, x: float, y: float) -> float:
    """``I_x(a, b)`` given ``x`` and ``y = 1 - x`` (the caller may know ``y`` more precisely)."""
    if x <= 0:
        return 0.0
    if y <= 0:
        return 1.0
    # The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry
    # I_x(a, b) = 1 - I_y(b, a) on the other side.
    if x > (a + 1) / (a + b + 2):
        return min(1.0, max(0.0, 1.0 - _betainc_cf_scaled(b, a, y, x)))
    return min(1.0, max(0.0, _betainc_cf_scaled(a, b, x, y)))


def _betainc_cf_scaled(a: float, b: float, x: float, y: float) -> float:
    """``x^a y^b / (a B(a, b))`` times the continued fraction for ``I_x(a, b)``."""
    log_front = (
        a * math.log(x) + b * math.log(y) + math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    )
    return math.exp(log_front) / a * _continued_fraction(a, b, x)


def _continued_fraction(a: float, b: float, x: float) -> float:
    """Evaluate ``1 / (1 + d1 / (1 + d2 / (1 + ...)))`` with the modified Lentz method.

    The coefficients are ``d(2m+1) = -(a+m)(a+b+m)x / ((a+2m)(a+2m+1))`` and
    ``d(2m) = m(b-m)x / ((a+2m-1)(a+2m))``.
    """
    c = 1.0
    d = 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / _nonzero(d)
    result = d
    for m in range(1, _MAX_ITERATIONS):
        two_m = 2 * m
        even = m * (b - m) * x / ((a + two_m - 1) * (a + two_m))
        d = 1.0 / _nonzero(1.0 + even * d)
        c = _nonzero(1.0 + even / c)
        result *= d * c
        odd = -(a + m) * (a + b + m) * x / ((a + two_m) * (a + two_m + 1))
        d = 1.0 / _nonzero(1.0 + odd * d)
        c = _nonzero(1.0 + odd / c)
        step = d * c
        result *= step
        if abs(step - 1.0) < _EPS:
            return result
    raise ArithmeticError(f"incomplete beta did not converge for a={a}, b={b}, x={x}")


def _nonzero(value: float) -> float:
    return value if abs(value) > _TINY else _TINY


def _mean(data: Sequence[float]) -> float:
    try:
        return float(statistics.mean(data))
    except OverflowError:  # pragma: no cover - only for sums beyond 1e308
        return math.fsum(v / len(data) for v in data)


def _variance(data: Sequence[float]) -> float:
    try:
        return float(statistics.variance(data))
    except OverflowError:
        return math.inf
