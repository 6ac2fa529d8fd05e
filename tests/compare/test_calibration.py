"""Calibration and power of the gate over many seeded projects (deterministic, pure Python).

Under no true difference, the share of reports that call a regression must stay near the
family-wise level (5%), however many metrics a report tests; a truly worse metric must still
be found. Bounds carry two binomial standard errors of slack: ``sqrt(p (1 - p) / N)``.
"""

from __future__ import annotations

import math
import random

import pytest

from tests.compare.factories import make_run, make_run_set
from wandb_pr.compare import Verdict, compare
from wandb_pr.models import RunSet

ALPHA = 0.05


def project(rng: random.Random, cands: int, bases: int, metrics: int, shift: float) -> RunSet:
    """Runs with ``metrics`` lower-is-better metrics, N(0, 1) noise; the first is ``shift`` SD
    worse on the candidates."""
    names = [f"m{j:02d}_loss" for j in range(metrics)]

    def runs(prefix: str, count: int, worse: float) -> list:  # type: ignore[type-arg]
        return [
            make_run(
                f"{prefix}{i}",
                summary={n: rng.gauss(worse if j == 0 else 0.0, 1.0) for j, n in enumerate(names)},
            )
            for i in range(count)
        ]

    return make_run_set(runs("c", cands, shift), runs("b", bases, 0.0))


def regression_share(
    seed: int, reports: int, cands: int, bases: int, metrics: int, shift: float
) -> float:
    """The share of seeded reports whose verdict is a regression."""
    rng = random.Random(seed)
    verdicts = [compare(project(rng, cands, bases, metrics, shift)).verdict for _ in range(reports)]
    return sum(v is Verdict.REGRESSION for v in verdicts) / reports


def slack(reports: int) -> float:
    """Two binomial standard errors at the level."""
    return 2 * math.sqrt(ALPHA * (1 - ALPHA) / reports)


@pytest.mark.slow
def test_twenty_metrics_without_a_difference_rarely_regress() -> None:
    """400 no-difference projects, 20 metrics, 5 vs 5 runs: at most ~5% regression verdicts."""
    share = regression_share(seed=11, reports=400, cands=5, bases=5, metrics=20, shift=0.0)
    assert share <= ALPHA + slack(400)  # measured: 1.75% (two-sided tests, worse side only)


def test_without_correction_the_same_projects_would_regress_often() -> None:
    """The correction matters: each metric alone at 5% would flag a worse metric in ~20-40%."""
    rng = random.Random(11)
    flagged = 0
    for _ in range(100):
        comparison = compare(project(rng, 5, 5, 20, 0.0))
        flagged += any(
            m.test is not None and m.test.p < ALPHA and (m.delta or 0) > 0
            for m in comparison.metrics
        )
    assert flagged / 100 > 0.15


def test_one_run_against_five_without_a_difference_rarely_regresses() -> None:
    """1 candidate vs 5 baselines (prediction test), 20 metrics: at most ~5% regressions."""
    share = regression_share(seed=12, reports=200, cands=1, bases=5, metrics=20, shift=0.0)
    assert share <= ALPHA + slack(200)  # measured: 2.5%


def test_a_truly_worse_metric_among_twenty_is_found() -> None:
    """One metric 4 SD worse among 20, 5 runs a side: found in most projects (measured 87.5%)."""
    share = regression_share(seed=13, reports=200, cands=5, bases=5, metrics=20, shift=4.0)
    assert share >= 0.75


def test_three_runs_a_side_find_a_clear_regression() -> None:
    """One of 3 metrics 5 SD worse, 3 runs a side: found in most projects (measured 75.5%)."""
    share = regression_share(seed=14, reports=200, cands=3, bases=3, metrics=3, shift=5.0)
    assert share >= 0.6
