"""The JSON report: every run, the selection that found it, and the counts.

Strict JSON (``jq`` reads it): non-finite numbers are written as the strings ``"NaN"``,
``"Infinity"`` and ``"-Infinity"``.

Runs are encoded one at a time and spliced into the document's text, so a sweep of thousands of
runs is never held as a second, whole-selection tree of dicts next to its text.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from wandb_pr import __version__
from wandb_pr.compare import Comparison
from wandb_pr.compare.notices import Notice
from wandb_pr.compare.trend import Trend
from wandb_pr.models import Run, RunSet
from wandb_pr.selection import Query, Selection
from wandb_pr.serialize import run_to_dict

__all__ = [
    "REPORT_FORMAT",
    "REPORT_VERSION",
    "comparison_document",
    "json_chunks",
    "notice_document",
    "render_json",
    "trend_document",
]

REPORT_FORMAT = "wandb-pr-report"
REPORT_VERSION = 1


def render_json(
    run_set: RunSet, selection: Selection, *, extra: Mapping[str, Any] | None = None
) -> str:
    """The JSON report, with optional extra top-level sections (e.g. the comparison)."""
    return "".join(json_chunks(run_set, selection, extra=extra))


def json_chunks(
    run_set: RunSet, selection: Selection, *, extra: Mapping[str, Any] | None = None
) -> Iterator[str]:
    """The JSON report of :func:`render_json` in pieces, one run at a time, so that a sweep's
    report can be written without holding its whole text."""
    counts = run_set.counts
    document: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "generator": f"wandb-pr {__version__}",
        "project": {"entity": selection.entity, "project": selection.project},
        "sha": selection.sha,
        "selection": {
            "candidates": _query(selection.candidates),
            "baselines": _query(selection.baselines) if selection.baselines else None,
        },
        "counts": {
            "finished": counts.finished,
            "running": counts.running,
            "crashed": counts.crashed,
            "aborted": counts.aborted,
            "other": counts.other,
            "baselines": counts.baselines,
            "complete": counts.complete,
            "single_run": counts.single_run,
            "unreadable": len(run_set.unreadable),
        },
        "unreadable": [dataclasses.asdict(u) for u in run_set.unreadable],
        "warnings": list(run_set.warnings),
        "candidates": _MARK,
        "baselines": _MARK,
    }
    document.update(extra or {})
    rest = json.dumps(_strict(document), indent=2, ensure_ascii=False) + "\n"
    for side, runs in (("candidates", run_set.candidates), ("baselines", run_set.baselines)):
        before, rest = rest.split(f'\n  "{side}": "{_MARK}"', 1)
        yield before + f'\n  "{side}": '
        yield from _runs(runs)
    yield rest


_MARK = "wandb-pr: runs go here"
"""Stands for a side's runs in the document until they are spliced in (a top-level value at
two spaces' indent: no string inside the document can hold it unescaped)."""


def _runs(runs: Sequence[Run]) -> Iterator[str]:
    """A list of runs as ``json.dumps(..., indent=2)`` writes it at the document's top level,
    one run a piece."""
    if not runs:
        yield "[]"
        return
    for index, run in enumerate(runs):
        encoded = json.dumps(_strict(run_to_dict(run)), indent=2, ensure_ascii=False)
        yield ("[\n    " if index == 0 else ",\n    ") + encoded.replace("\n", "\n    ")
    yield "\n  ]"


def comparison_document(comparison: Comparison) -> dict[str, Any]:
    """The comparison as JSON-able data: verdict, regressions, and every metric's statistics."""
    document = dataclasses.asdict(comparison)
    document["regressions"] = list(comparison.regressions)
    document["correction"] = "holm"
    for metric, data in zip(comparison.metrics, document["metrics"], strict=True):
        data["source"] = metric.source or "summary"
        data["no_noise_estimate"] = metric.no_noise_estimate
    return document


def trend_document(trend: Trend | None) -> dict[str, Any] | None:
    """The base branch's trend as JSON-able data (points oldest first, this change last)."""
    if trend is None:
        return None
    return dataclasses.asdict(trend)


def notice_document(notice: Notice) -> dict[str, Any]:
    """A notice as JSON-able data, without the fields that do not apply."""
    document = {k: v for k, v in dataclasses.asdict(notice).items() if v not in (None, ())}
    return {"code": notice.code, **document}


def _query(query: Query) -> dict[str, Any]:
    """A selection side: its filter and its description."""
    return {"description": query.description, "filters": query.filters}


def _strict(value: Any) -> Any:
    """Replace non-finite floats by strings, recursively, so the output is strict JSON."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Mapping):
        return {str(k): _strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(v) for v in value]
    return value
