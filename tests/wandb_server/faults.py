"""Faults the W&B test server can inject, one per request, and helpers that build them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any, Literal

__all__ = [
    "Fault",
    "FaultKind",
    "delay",
    "graphql_errors",
    "malformed_json",
    "rate_limited",
    "reset",
    "status",
]

FaultKind = Literal["status", "malformed_json", "reset", "delay", "graphql_errors"]


@dataclass(frozen=True)
class Fault:
    """One misbehaviour, applied to one request (build it with the helpers below)."""

    kind: FaultKind
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    seconds: float = 0.0
    message: str = ""
    partial_data: bool = True


def status(code: int, headers: Mapping[str, str] | None = None, body: Any = None) -> Fault:
    """Answer with HTTP ``code``; ``body`` is bytes, str, or JSON (default: a W&B-style error)."""
    if body is None:
        body = {"errors": [{"message": f"injected HTTP {code}"}]}
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    raw = body.encode() if isinstance(body, str) else body
    return Fault("status", status=code, headers=dict(headers or {}), body=raw)


def rate_limited(retry_after: float | datetime | None = 1) -> Fault:
    """A 429 with ``Retry-After`` (seconds, or an HTTP-date) and W&B's ``RateLimit-*`` headers."""
    headers = {"RateLimit-Limit": "100", "RateLimit-Remaining": "0", "RateLimit-Reset": "1"}
    if isinstance(retry_after, datetime):
        headers["Retry-After"] = format_datetime(retry_after, usegmt=True)
    elif retry_after is not None:
        headers["Retry-After"] = f"{retry_after:g}"
    return status(429, headers, {"errors": [{"message": "rate limit exceeded"}]})


def malformed_json() -> Fault:
    """A complete HTTP 200 whose body is JSON cut off in the middle."""
    return Fault("malformed_json")


def reset() -> Fault:
    """Close the connection (TCP reset) without sending any response."""
    return Fault("reset")


def delay(seconds: float) -> Fault:
    """Answer normally, after ``seconds``."""
    return Fault("delay", seconds=seconds)


def graphql_errors(message: str = "injected error", *, partial_data: bool = True) -> Fault:
    """HTTP 200 with an ``errors`` array; ``data`` is the real answer or ``null``."""
    return Fault("graphql_errors", message=message, partial_data=partial_data)
