"""W&B-style opaque ids and timestamps, shared by the run and artifact stores."""

from __future__ import annotations

import base64

__all__ = ["TIME_FORMAT", "b64"]

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
"""W&B writes UTC timestamps without a zone designator."""


def b64(text: str) -> str:
    """W&B-style opaque id: base64 of a ``Type:v1:...`` string."""
    return base64.b64encode(text.encode()).decode()
