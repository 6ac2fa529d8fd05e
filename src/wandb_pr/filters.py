"""W&B's run filter language (MongoDB-style), validated and evaluated locally.

W&B evaluates these filters on its server. wandb-pr evaluates the same language itself for
runs that do not live on W&B (offline run directories, snapshot files), and the test server
uses this module too, so there is exactly one implementation of the semantics.

A filter is a JSON object. Keys are field paths or the logical operators ``$and``, ``$or`` and
``$nor`` (each taking a list of filters); several keys are ANDed. A field's condition is either a
literal (equality; for an array field, membership) or an object of operators:
``$eq $ne $gt $gte $lt $lte $in $nin $exists $regex``.

Field paths address a *run document* (see :func:`run_document`): ``name`` (the run id),
``displayName``, ``state``, ``tags``, ``group``, ``jobType``, ``createdAt``, ``commit``,
``config.KEY`` (same as ``config.KEY.value``: W&B wraps every config value) and
``summary_metrics.KEY``; dotted paths walk into nested objects.

Semantics follow MongoDB: a missing field (or null) is unequal to everything, so ``$ne`` and
``$nin`` match it; ordering operators compare numbers with numbers and strings with strings
and are false otherwise; ``$regex`` searches (RE2 and Python agree on the common subset).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from wandb_pr.errors import InputError
from wandb_pr.models import Run

__all__ = ["FIELD_OPERATORS", "LOGICAL_OPERATORS", "matches", "run_document", "validate"]

LOGICAL_OPERATORS = frozenset({"$and", "$or", "$nor"})
FIELD_OPERATORS = frozenset(
    {"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$regex"}
)
_MISSING = object()


def run_document(run: Run) -> dict[str, Any]:
    """The run as W&B's filter language sees it (config values wrapped in ``{"value": ...}``)."""
    return {
        "name": run.id,
        "displayName": run.name,
        "state": run.state.value,
        "tags": list(run.tags),
        "group": run.group,
        "jobType": run.job_type,
        "createdAt": run.created_at,
        "commit": run.commit,
        "config": {key: {"value": value} for key, value in run.config.items()},
        "summary_metrics": dict(run.summary),
    }


def validate(filters: object, *, where: str = "filter") -> None:
    """Raise :class:`InputError` naming ``where`` unless ``filters`` is a well-formed filter."""
    problem = _problem(filters, path="")
    if problem is not None:
        raise InputError(
            f"{where} is not a valid W&B run filter: {problem}",
            tip='Filters are JSON objects such as {"config.dataset": "v2"} or '
            '{"$or": [{"tags": "baseline"}, {"state": "finished"}]}; operators: '
            + " ".join(sorted(LOGICAL_OPERATORS | FIELD_OPERATORS)),
        )


def matches(filters: Mapping[str, Any], document: Mapping[str, Any]) -> bool:
    """Whether ``document`` satisfies ``filters`` (assumed valid; see :func:`validate`)."""
    for key, condition in filters.items():
        if key == "$and":
            if not all(matches(sub, document) for sub in condition):
                return False
        elif key == "$or":
            if not any(matches(sub, document) for sub in condition):
                return False
        elif key == "$nor":
            if any(matches(sub, document) for sub in condition):
                return False
        elif not _field_matches(_resolve(document, key), condition):
            return False
    return True


def _problem(node: object, *, path: str) -> str | None:
    """Describe the first thing wrong with a filter node, or ``None`` if it is well formed."""
    where = f" at {path}" if path else ""
    if not isinstance(node, Mapping):
        return f"expected a JSON object{where}, got {_kind(node)}"
    for key, condition in node.items():
        here = f"{path}.{key}" if path else str(key)
        if not isinstance(key, str) or not key:
            return f"empty field name{where}"
        if key in LOGICAL_OPERATORS:
            if not isinstance(condition, list) or not condition:
                return f"{key} needs a non-empty list of filters{where}"
            for index, sub in enumerate(condition):
                problem = _problem(sub, path=f"{here}[{index}]")
                if problem:
                    return problem
        elif key.startswith("$"):
            return f"unknown operator {key}{where}"
        elif isinstance(condition, Mapping) and any(str(k).startswith("$") for k in condition):
            problem = _operator_problem(condition, path=here)
            if problem:
                return problem
    return None


def _operator_problem(condition: Mapping[Any, Any], *, path: str) -> str | None:
    """Describe what is wrong with a field's operator object, or ``None``."""
    for op, operand in condition.items():
        if op not in FIELD_OPERATORS:
            return f"unknown operator {op} at {path}"
        if op in ("$in", "$nin") and not isinstance(operand, list):
            return f"{op} needs a list at {path}"
        if op == "$exists" and not isinstance(operand, bool):
            return f"$exists needs true or false at {path}"
        if op == "$regex":
            if not isinstance(operand, str):
                return f"$regex needs a string at {path}"
            try:
                _compiled(operand)
            except (re.error, OverflowError, RecursionError) as exc:
                return f"$regex {operand!r} at {path} does not compile: {exc}"
    return None


def _kind(value: object) -> str:
    """A JSON-ish name for a value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Sequence):
        return "a list"
    return type(value).__name__


def _resolve(document: Mapping[str, Any], path: str) -> Any:
    """Follow a dotted path; config keys implicitly step into their ``value`` wrapper."""
    parts = path.split(".")
    node: Any = document
    for index, part in enumerate(parts):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
        in_config_wrapper = index == 1 and parts[0] == "config"
        if in_config_wrapper and isinstance(node, Mapping) and "value" in node:
            following = parts[index + 1] if index + 1 < len(parts) else None
            if following != "value":
                node = node["value"]
    return _MISSING if node is None else node


def _field_matches(value: Any, condition: Any) -> bool:
    """Whether a resolved field value satisfies a literal or an operator object."""
    if isinstance(condition, Mapping) and any(str(k).startswith("$") for k in condition):
        return all(_apply(op, value, operand) for op, operand in condition.items())
    return _equals(value, condition)


def _apply(op: str, value: Any, operand: Any) -> bool:
    """Evaluate one field operator."""
    if op == "$eq":
        return _equals(value, operand)
    if op == "$ne":
        return not _equals(value, operand)
    if op == "$in":
        return any(_equals(value, item) for item in operand)
    if op == "$nin":
        return not any(_equals(value, item) for item in operand)
    if op == "$exists":
        return (value is not _MISSING) is operand
    if op == "$regex":
        pattern = _compiled(operand)
        return any(isinstance(v, str) and pattern.search(v) for v in _candidates(value))
    return any(_ordered(op, v, operand) for v in _candidates(value))


def _candidates(value: Any) -> list[Any]:
    """The values an operator is tried on: each element of an array, else the value itself."""
    if value is _MISSING:
        return []
    if isinstance(value, list):
        return value
    return [value]


def _equals(value: Any, operand: Any) -> bool:
    """Equality, with MongoDB's rule that an array equals a value it contains or an equal array."""
    if value is _MISSING:
        return operand is None
    if isinstance(value, list) and not isinstance(operand, list):
        return any(_scalar_equals(v, operand) for v in value)
    return _scalar_equals(value, operand)


def _scalar_equals(a: Any, b: Any) -> bool:
    """JSON equality: booleans never equal numbers, and NaN equals nothing."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if _is_number(a) and _is_number(b):
        return bool(a == b)  # NaN == anything is False; ints are never converted to floats
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_scalar_equals(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


def _ordered(op: str, value: Any, operand: Any) -> bool:
    """``$gt``-style comparison between two numbers or two strings; false for anything else."""
    comparable = (_is_number(value) and _is_number(operand)) or (
        isinstance(value, str) and isinstance(operand, str)
    )
    if not comparable:
        return False
    if op == "$gt":
        return bool(value > operand)
    if op == "$gte":
        return bool(value >= operand)
    if op == "$lt":
        return bool(value < operand)
    return bool(value <= operand)


def _is_number(value: Any) -> bool:
    """An int or float that is not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    """Compile a ``$regex`` pattern once (Python's warnings about RE2-valid syntax stay quiet)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return re.compile(pattern)
