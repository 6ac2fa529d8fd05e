"""The comparison stage: candidate runs against baseline runs, metric by metric, and the gate.

Pure: no I/O. :func:`compare` turns a :class:`~wandb_pr.models.RunSet` and the user's
:class:`MetricSpec` list into a :class:`Comparison`; the renderers turn that into text.
"""

from __future__ import annotations

from wandb_pr.compare.comparison import (
    IN_PROGRESS,
    MAX_AUTO_METRICS,
    Comparison,
    MetricComparison,
    MetricStatus,
    SideStats,
    Significance,
    choose_metrics,
    compare,
    counts_toward_stats,
    metric_value,
)
from wandb_pr.compare.directions import Direction, infer_direction
from wandb_pr.compare.spec import (
    MetricSpec,
    Tolerance,
    parse_metric_spec,
    parse_metric_specs,
)
from wandb_pr.compare.stats import WelchResult, holm_adjust, prediction_test, welch_t_test
from wandb_pr.compare.verdict import Standing, Verdict

__all__ = [
    "IN_PROGRESS",
    "MAX_AUTO_METRICS",
    "Comparison",
    "Direction",
    "MetricComparison",
    "MetricSpec",
    "MetricStatus",
    "SideStats",
    "Significance",
    "Standing",
    "Tolerance",
    "Verdict",
    "WelchResult",
    "choose_metrics",
    "compare",
    "counts_toward_stats",
    "holm_adjust",
    "infer_direction",
    "metric_value",
    "parse_metric_spec",
    "parse_metric_specs",
    "prediction_test",
    "welch_t_test",
]
