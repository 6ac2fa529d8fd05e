"""The verdicts a report can reach, and where each stands for a gate (pure).

Every place that turns a verdict into something else (the exit code, the check run's
conclusion, the commit status, the headline's mark, whether ``fail-on-regression`` fails)
asks :attr:`Verdict.standing` first, so the verdicts are sorted into kinds once.
"""

from __future__ import annotations

import enum

from wandb_pr.compare._exhaustive import unhandled

__all__ = ["Standing", "Verdict"]


class Standing(str, enum.Enum):
    """What a verdict means for a gate."""

    PASSED = "passed"
    """Every metric was compared on both sides and none regressed."""
    FAILED = "failed"
    """The candidates are worse, or not what they claim: a regression, a divergence, different
    data when the same was required, uncommitted code when clean trees were required.
    ``allow-missing`` never excuses these."""
    WAITING = "waiting"
    """Candidate runs may still finish."""
    MISSING = "missing"
    """Evidence is missing: no runs, no baseline, a metric not compared."""


class Verdict(str, enum.Enum):
    """The overall outcome (the Action's ``verdict`` output)."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    REGRESSION = "regression"
    PENDING = "pending"
    NO_RUNS = "no-runs"
    NO_BASELINE = "no-baseline"
    MISSING_METRIC = "missing-metric"
    DIVERGED = "diverged"
    DIFFERENT_DATA = "different-data"
    """Candidates and baselines used different data versions, and the same was required."""
    UNCOMMITTED_CHANGES = "uncommitted-changes"
    """A counted run was trained with uncommitted changes, and clean trees were required."""

    @property
    def standing(self) -> Standing:
        """What the verdict means for a gate."""
        if self is Verdict.PASS:
            return Standing.PASSED
        elif (
            self is Verdict.REGRESSION
            or self is Verdict.DIVERGED
            or self is Verdict.DIFFERENT_DATA
            or self is Verdict.UNCOMMITTED_CHANGES
        ):
            return Standing.FAILED
        elif self is Verdict.PENDING:
            return Standing.WAITING
        elif (
            self is Verdict.NO_RUNS or self is Verdict.NO_BASELINE or self is Verdict.MISSING_METRIC
        ):
            return Standing.MISSING
        else:
            raise unhandled(self)

    def fails_gate(self, *, allow_missing: bool) -> bool:
        """Whether ``fail-on-regression`` fails on this verdict."""
        standing = self.standing
        if standing is Standing.PASSED:
            return False
        return standing is Standing.FAILED or not allow_missing
