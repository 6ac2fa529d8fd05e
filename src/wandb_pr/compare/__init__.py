"""The comparison stage: candidate runs against baseline runs, metric by metric, and the gate.

Pure: no I/O. :func:`compare` turns a :class:`~wandb_pr.models.RunSet` and the user's
:class:`MetricSpec` list into a :class:`Comparison`; the renderers turn that into text.
"""

from __future__ import annotations

from wandb_pr.compare.comparison import (
    MAX_AUTO_METRICS,
    Comparison,
    MetricComparison,
    MetricStatus,
    SideStats,
    Verdict,
    choose_metrics,
    compare,
    counts_toward_stats,
    metric_value,
)
from wandb_pr.compare.spec import (
    Direction,
    MetricSpec,
    Tolerance,
    infer_direction,
    parse_metric_spec,
    parse_metric_specs,
)
from wandb_pr.compare.stats import WelchResult, welch_t_test

__all__ = [
    "MAX_AUTO_METRICS",
    "Comparison",
    "Direction",
    "MetricComparison",
    "MetricSpec",
    "MetricStatus",
    "SideStats",
    "Tolerance",
    "Verdict",
    "WelchResult",
    "choose_metrics",
    "compare",
    "counts_toward_stats",
    "infer_direction",
    "metric_value",
    "parse_metric_spec",
    "parse_metric_specs",
    "welch_t_test",
]
