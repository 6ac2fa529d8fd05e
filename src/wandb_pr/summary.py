"""Reading values out of a run's summary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["summary_value"]


def summary_value(summary: Mapping[str, Any], name: str) -> Any:
    """A metric's summary value: the literal key first, then a dotted path into nested dicts."""
    if name in summary:
        return summary[name]
    node: Any = summary
    for part in name.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node
