"""Metric specs (``val_loss:min:2%``) and the direction of a metric (is higher or lower better?).

Spec syntax: ``NAME[:min|max|lower|higher][:TOL[%]]``. The optional parts are taken from the
*right*, so a name may itself contain colons (``eval:loss:min`` is the metric ``eval:loss``, lower
is better) as well as ``/ . -`` and spaces. A trailing segment is always read as a direction when
it is ``min``, ``max``, ``lower`` or ``higher`` and as a tolerance when it looks like a number; a
trailing word that looks like a misspelt direction (``minimum``, ``maximise``, ``high``, ``mx``)
is an error rather than part of the name. A metric whose real name ends that way is written with
an explicit direction, e.g. ``latency:min:min`` or ``score:high:max``.

The tolerance is absolute (``val_acc:max:0.005``: a drop of up to 0.005 is no change) or
relative to the baseline mean (``val_loss:min:2%``).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from wandb_pr.compare.directions import (
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    Direction,
    infer_direction,
)
from wandb_pr.errors import InputError

__all__ = [
    "HIGHER_IS_BETTER",
    "LOWER_IS_BETTER",
    "Direction",
    "MetricSpec",
    "Tolerance",
    "infer_direction",
    "parse_metric_spec",
    "parse_metric_specs",
]


@dataclass(frozen=True)
class Tolerance:
    """How far a metric may move the wrong way and still count as unchanged."""

    amount: float = 0.0
    """Non-negative; an absolute amount, or a fraction of the baseline mean when ``relative``."""
    relative: bool = False
    """``amount`` is a fraction (0.02 for ``2%``) of the baseline mean's magnitude."""

    def threshold(self, baseline_mean: float) -> float:
        """The largest change (in the metric's units) that is still within tolerance."""
        return self.amount * abs(baseline_mean) if self.relative else self.amount

    def __str__(self) -> str:
        if self.relative:
            return f"{_plain(self.amount * 100)}%"
        return _plain(self.amount)


@dataclass(frozen=True)
class MetricSpec:
    """One metric to compare, as the user asked for it."""

    name: str
    """The summary key (dotted names also look into nested dicts)."""
    direction: Direction | None = None
    """The direction the user gave; ``None`` means infer it from the name."""
    tolerance: Tolerance = Tolerance()
    """How much worse is still "unchanged"."""

    def __str__(self) -> str:
        parts = [self.name]
        if self.direction is not None and self.direction is not Direction.NONE:
            parts.append(self.direction.spec_word)
        if self.tolerance.amount:
            parts.append(str(self.tolerance))
        return ":".join(parts)


_TOLERANCE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*%?$")
_DIRECTIONS = {
    "min": Direction.LOWER,
    "lower": Direction.LOWER,
    "max": Direction.HIGHER,
    "higher": Direction.HIGHER,
}
_DIRECTION_LIKE = (
    "min",
    "max",
    "low",
    "high",
    "less",
    "more",
    "small",
    "big",
    "large",
    "up",
    "down",
)
_SYNTAX = "NAME[:min|max|lower|higher][:TOL[%]], e.g. val_loss:min:2% or val_acc:max:0.005"


def parse_metric_spec(text: str) -> MetricSpec:
    """Parse ``NAME[:min|max][:TOL[%]]``; raise :class:`InputError` naming the bad spec."""
    spec = text.strip()
    if not spec:
        raise InputError("empty metric spec", tip=f"Write each metric as {_SYNTAX}.")
    name, direction, tolerance = spec, None, Tolerance()
    head, sep, last = name.rpartition(":")
    if sep and _TOLERANCE.match(last.strip()):
        tolerance = _parse_tolerance(last.strip(), spec)
        name = head
        head, sep, last = name.rpartition(":")
    if sep and last.strip().lower() in _DIRECTIONS:
        direction = _DIRECTIONS[last.strip().lower()]
        name = head
    elif sep and _looks_like_a_direction(last.strip().lower()):
        raise InputError(
            f"metric spec {spec!r}: {last.strip()!r} is not a direction",
            tip="The accepted directions are min or lower (lower is better) and max or higher "
            f"(higher is better): {_SYNTAX}.",
        )
    elif (
        sep and tolerance == Tolerance() and head.rpartition(":")[2].strip().lower() in _DIRECTIONS
    ):
        # ``val_loss:min:abc``: a direction followed by something that is not a tolerance.
        raise InputError(
            f"metric spec {spec!r}: {last.strip()!r} is not a tolerance",
            tip=f"A tolerance is a non-negative number, optionally with %: {_SYNTAX}.",
        )
    name = name.strip()
    if not name:
        raise InputError(f"metric spec {spec!r} has no metric name", tip=f"Write {_SYNTAX}.")
    return MetricSpec(name=name, direction=direction, tolerance=tolerance)


def parse_metric_specs(values: Iterable[str]) -> tuple[MetricSpec, ...]:
    """Parse one spec per item (blank items are skipped); a metric named twice is an error."""
    specs: list[MetricSpec] = []
    seen: dict[str, str] = {}
    for value in values:
        if not value.strip():
            continue
        spec = parse_metric_spec(value)
        if spec.name in seen:
            raise InputError(
                f"metric {spec.name!r} is given twice ({seen[spec.name]!r} and {value.strip()!r})",
                tip="List each metric once, with its direction and tolerance.",
            )
        seen[spec.name] = value.strip()
        specs.append(spec)
    return tuple(specs)


def _looks_like_a_direction(word: str) -> bool:
    """Whether a trailing ``:word`` is a misspelt direction (``minimum``, ``maximise``, ``hi``)."""
    if not word.isalpha():
        return False
    if word.startswith(_DIRECTION_LIKE):
        return True
    return bool(difflib.get_close_matches(word, [*_DIRECTIONS, "minimize", "maximize"], cutoff=0.6))


def _parse_tolerance(text: str, spec: str) -> Tolerance:
    relative = text.endswith("%")
    amount = float(text.rstrip("%").strip())
    if not math.isfinite(amount) or amount < 0:
        raise InputError(
            f"metric spec {spec!r}: the tolerance {text!r} must be a finite number >= 0",
            tip=f"Write {_SYNTAX}.",
        )
    return Tolerance(amount=amount / 100 if relative else amount, relative=relative)


def _plain(value: float) -> str:
    """A number without a needless ``.0`` or float noise (``2`` not ``2.0000000000000004``)."""
    return f"{value:.12g}"
