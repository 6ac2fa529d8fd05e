"""Which way a metric improves, inferred from its name only when the name leaves no doubt.

The one table of words wandb-pr knows. A name is read by its *last component* (the part after
the last ``/`` or ``.``; a trailing summary word such as ``min`` in ``val_loss.min`` is skipped),
split into tokens on ``_``, ``-`` and spaces, case-insensitively:

* the last token, after dropping neutral qualifiers (:data:`QUALIFIERS`: ``macro``, ``top1``,
  ``rate``...), must be a known metric word (:data:`LOWER_IS_BETTER`, :data:`HIGHER_IS_BETTER`);
* no token may be a modifier that turns the meaning (:data:`MODIFIERS`: ``std``, ``gap``,
  ``drop``, ``scale``, ``reduction``, ``time_to_``...): ``val/acc_std``, ``loss_scale`` and
  ``time_to_accuracy`` get no direction;
* a component holding words of both directions (``accuracy_loss``) gets none.

Everything else has no direction, is shown without a judgement and without colour, and never
fails the gate; the user gives one with ``NAME:min`` or ``NAME:max``.
"""

from __future__ import annotations

import enum
import re

from wandb_pr.compare._exhaustive import unhandled

__all__ = [
    "HIGHER_IS_BETTER",
    "LOWER_IS_BETTER",
    "MODIFIERS",
    "QUALIFIERS",
    "Direction",
    "infer_direction",
]


class Direction(str, enum.Enum):
    """Which way a metric improves."""

    HIGHER = "higher"
    LOWER = "lower"
    NONE = "none"

    @property
    def spec_word(self) -> str:
        """How the direction is written in a spec (``max``/``min``), empty for none."""
        if self is Direction.HIGHER:
            return "max"
        elif self is Direction.LOWER:
            return "min"
        elif self is Direction.NONE:
            return ""
        else:
            raise unhandled(self)


LOWER_IS_BETTER = frozenset(
    {
        "loss", "losses", "error", "errors", "err", "mse", "mae", "rmse", "mape", "nll",
        "wer", "cer", "perplexity", "ppl", "fid", "latency",
    }
)  # fmt: skip
"""Metric words that mean lower is better."""
HIGHER_IS_BETTER = frozenset(
    {
        "acc", "accuracy", "acc1", "acc5", "top1", "top5", "f1", "auc", "auroc", "auprc",
        "precision", "recall", "bleu", "rouge", "rouge1", "rouge2", "rougel", "map", "map50",
        "map75", "iou", "miou", "dice", "psnr", "ssim", "r2", "mrr", "ndcg", "reward",
    }
)  # fmt: skip
"""Metric words that mean higher is better."""
MODIFIERS = frozenset(
    {
        "std", "stddev", "var", "variance", "gap", "drop", "scale", "scaler", "reduction",
        "improvement", "gain", "delta", "diff", "change", "count", "num", "n", "to", "time",
        "steps", "epochs", "weight", "coef", "coeff", "ratio", "threshold", "thresh", "norm",
        "grad", "lr", "spread", "range", "ci",
    }
)  # fmt: skip
"""Tokens that turn a metric word's meaning (``loss_std``, ``acc_gap``, ``time_to_accuracy``)."""
QUALIFIERS = frozenset(
    {"macro", "micro", "weighted", "avg", "mean", "rate", "top1", "top5", "score", "final"}
)
"""Tokens after a metric word that keep its meaning (``f1_macro``, ``error_rate``)."""
SUMMARY_WORDS = frozenset({"min", "max", "mean", "last", "best", "first"})
"""Components ``define_metric`` summaries add (``val_loss.min``): skipped to reach the name."""

_COMPONENTS = re.compile(r"[/.]")
_TOKENS = re.compile(r"[_\-\s]+")


def infer_direction(name: str) -> Direction:
    """The direction a name leaves no doubt about, else ``NONE`` (see the module docstring)."""
    components = [c for c in _COMPONENTS.split(name.lower()) if c.strip()]
    while len(components) > 1 and components[-1].strip() in SUMMARY_WORDS:
        components.pop()
    if not components:
        return Direction.NONE
    tokens = [t for t in _TOKENS.split(components[-1]) if t]
    if not tokens or any(t in MODIFIERS for t in tokens):
        return Direction.NONE
    lower = any(t in LOWER_IS_BETTER for t in tokens)
    higher = any(t in HIGHER_IS_BETTER for t in tokens)
    if lower and higher:
        return Direction.NONE
    while len(tokens) > 1 and tokens[-1] in QUALIFIERS and tokens[-1] not in HIGHER_IS_BETTER:
        tokens.pop()
    last = tokens[-1]
    if last in LOWER_IS_BETTER:
        return Direction.LOWER
    if last in HIGHER_IS_BETTER:
        return Direction.HIGHER
    return Direction.NONE
