"""The run-list semantics W&B's server implements: filters, orders, cursors, history sampling.

Filters are evaluated with wandb-pr's own evaluator (``wandb_pr.filters``), so the server and
the tool agree by construction; the tests of ``filters.py`` pin the semantics themselves.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from graphql import GraphQLError

from tests.wandb_server.store import b64
from wandb_pr.errors import InputError
from wandb_pr.filters import validate

__all__ = [
    "cursor_index",
    "downsample",
    "encode_cursor",
    "filter_document",
    "history_keys",
    "in_steps",
    "order_runs",
    "parse_filters",
]


def parse_filters(raw: str | None) -> dict[str, Any]:
    """Decode and validate a ``filters`` argument, or raise the GraphQL error W&B would."""
    if raw is None or raw.strip() in ("", "null"):
        return {}
    try:
        filters = json.loads(raw)
    except ValueError as exc:
        raise GraphQLError(f"invalid filters: not JSON: {exc}") from exc
    try:
        validate(filters, where="filters")
    except InputError as exc:
        raise GraphQLError(f"invalid filters: {exc.message}") from exc
    return filters  # type: ignore[no-any-return]


def filter_document(run: Mapping[str, Any]) -> dict[str, Any]:
    """The run as the filter language sees it (see ``wandb_pr.filters.run_document``)."""
    return {
        "name": run["name"],
        "displayName": run["displayName"],
        "display_name": run["displayName"],  # the spelling wandb's own docstrings use
        "state": run["state"],
        "tags": list(run["tags"]),
        "group": run["group"],
        "jobType": run["jobType"],
        "createdAt": run["createdAt"],
        "heartbeatAt": run["heartbeatAt"],
        "commit": run["commit"],
        "sweep": run["sweepName"],
        "config": run["config"],
        "summary_metrics": run["summaryMetrics"],
    }


def _walk(node: Any, parts: Sequence[str]) -> Any:
    """Follow ``parts`` into nested dicts; ``None`` when a step is missing."""
    for part in parts:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _order_getter(order: str) -> tuple[bool, Any]:
    """Parse ``order`` into (descending, value getter); W&B's orders only."""
    descending = order.startswith("-")
    name = order.lstrip("+-")
    columns = {"created_at": "createdAt", "createdAt": "createdAt"}
    columns |= {"heartbeat_at": "heartbeatAt", "heartbeatAt": "heartbeatAt"}
    if name in columns:
        column = columns[name]
        return descending, lambda run: run[column]
    head, _, rest = name.partition(".")
    if head == "summary_metrics" and rest:
        parts = rest.split(".")
        return descending, lambda run: _walk(run["summaryMetrics"], parts)
    if head == "config" and rest:
        key, *more = rest.split(".")
        more = more[1:] if more[:1] == ["value"] else more
        return descending, lambda run: _walk(run["config"], [key, "value", *more])
    raise GraphQLError(f"invalid order {order!r}")


def _sort_rank(value: Any) -> tuple[int, Any]:
    """Comparable key: numbers, then strings, then anything else as JSON text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return (2, json.dumps(value, sort_keys=True))


def order_runs(runs: list[dict[str, Any]], order: str | None) -> list[dict[str, Any]]:
    """Sort runs by a W&B order string; runs lacking the value (or NaN) come last either way."""
    descending, getter = _order_getter(order or "+created_at")
    present: list[tuple[dict[str, Any], tuple[int, Any]]] = []
    missing: list[tuple[dict[str, Any], tuple[int, Any]]] = []
    for run in runs:
        value = getter(run)
        bad = value is None or (isinstance(value, float) and math.isnan(value))
        (missing if bad else present).append((run, _sort_rank(value)))
    present.sort(key=lambda pair: pair[1], reverse=descending)
    return [run for run, _ in present + missing]


def encode_cursor(run: Mapping[str, Any]) -> str:
    """An opaque cursor naming the edge's run."""
    return b64(json.dumps({"run": run["id"]}))


def cursor_index(runs: Sequence[Mapping[str, Any]], cursor: str) -> int:
    """Position of the run a cursor names, or a GraphQL error."""
    try:
        wanted = json.loads(base64.b64decode(cursor, validate=True))["run"]
    except (ValueError, KeyError, TypeError) as exc:
        raise GraphQLError(f"invalid cursor {cursor!r}") from exc
    for index, run in enumerate(runs):
        if run["id"] == wanted:
            return index
    raise GraphQLError(f"invalid cursor {cursor!r}: its run is not in this result")


def downsample(rows: Sequence[Any], samples: int | None) -> list[Any]:
    """At most ``samples`` evenly spaced rows, always keeping the first and the last."""
    if samples is None or len(rows) <= samples:
        return list(rows)
    if samples <= 0:
        return []
    if samples == 1:
        return [rows[0]]
    last = len(rows) - 1
    return [rows[int(i * last / (samples - 1) + 0.5)] for i in range(samples)]


def in_steps(row: Mapping[str, Any], min_step: Any, max_step: Any) -> bool:
    """Whether a history row's ``_step`` lies in ``[min_step, max_step)``."""
    step = row.get("_step")
    if min_step is not None and (step is None or step < min_step):
        return False
    return not (max_step is not None and (step is None or step >= max_step))


def _json_type(value: Any) -> str:
    """The type name W&B's ``historyKeys.typeCounts`` uses for a value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return str(value.get("_type", "map"))
    return "list" if isinstance(value, list) else "nil"


def history_keys(history: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """``historyKeys``: per key its type counts, last value and monotonicity; the last step."""
    keys: dict[str, dict[str, Any]] = {}
    for row in history:
        for key, value in row.items():
            entry = keys.setdefault(key, {"typeCounts": {}, "monotonic": True})
            counts = entry["typeCounts"]
            counts[_json_type(value)] = counts.get(_json_type(value), 0) + 1
            previous = entry.get("previousValue")
            if _sort_rank(value)[0] == 0 and previous is not None:
                entry["monotonic"] &= _sort_rank(previous)[0] == 0 and value >= previous
            entry["previousValue"] = value
    for entry in keys.values():
        entry["typeCounts"] = [{"type": t, "count": c} for t, c in entry["typeCounts"].items()]
    steps = [row["_step"] for row in history if isinstance(row.get("_step"), int)]
    return {"keys": keys, "lastStep": max(steps) if steps else -1}
