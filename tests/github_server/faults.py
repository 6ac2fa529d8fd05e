"""Faults the GitHub test server can inject, one per request, and helpers that build them."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "PRIMARY_LIMIT_DOCS",
    "SECONDARY_LIMIT_DOCS",
    "Fault",
    "FaultKind",
    "delay",
    "primary_rate_limit",
    "reset",
    "secondary_rate_limit",
    "status",
]

FaultKind = Literal["status", "reset", "delay"]

PRIMARY_LIMIT_DOCS = (
    "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
    "#about-primary-rate-limits"
)
SECONDARY_LIMIT_DOCS = (
    "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api"
    "#about-secondary-rate-limits"
)


@dataclass(frozen=True)
class Fault:
    """One misbehaviour, applied to one request (build it with the helpers below).

    ``headers`` override the server's own headers (``x-ratelimit-*`` included), compared
    case-insensitively.
    """

    kind: FaultKind
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    seconds: float = 0.0


def _encode(body: Any) -> bytes:
    """``body`` as bytes: bytes as is, str as UTF-8, anything else as JSON."""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


def status(code: int, headers: Mapping[str, str] | None = None, body: Any = None) -> Fault:
    """Answer with HTTP ``code``; ``body`` is bytes, str or JSON (default: a GitHub-style error)."""
    if body is None:
        body = {"message": f"injected HTTP {code}", "status": str(code)}
    return Fault("status", status=code, headers=dict(headers or {}), body=_encode(body))


def secondary_rate_limit(retry_after: float | None = 60, *, code: int = 403) -> Fault:
    """GitHub's secondary (abuse) rate limit: 403 (or 429) with ``retry-after`` when given.

    ``x-ratelimit-remaining`` keeps the server's positive value, as on GitHub: a client tells
    a secondary limit from the primary one by that header and by the message.
    """
    headers = {} if retry_after is None else {"retry-after": f"{retry_after:g}"}
    body = {
        "message": "You have exceeded a secondary rate limit. Please wait a few minutes before "
        "you try again. If you reach out to GitHub Support for help, please include the "
        "request ID 0000:0000:0000000:0000000:00000000.",
        "documentation_url": SECONDARY_LIMIT_DOCS,
        "status": str(code),
    }
    return status(code, headers, body)


def primary_rate_limit(reset_in: float = 60, *, code: int = 403, limit: int = 1000) -> Fault:
    """The primary (hourly) limit: ``x-ratelimit-remaining: 0`` and ``x-ratelimit-reset`` epoch.

    ``reset_in`` is seconds from now (negative: a reset already in the past); the epoch is
    computed when the fault is built.
    """
    headers = {
        "x-ratelimit-limit": str(limit),
        "x-ratelimit-remaining": "0",
        "x-ratelimit-used": str(limit),
        "x-ratelimit-reset": str(int(time.time() + reset_in)),
    }
    body = {
        "message": "API rate limit exceeded for installation ID 1.",
        "documentation_url": PRIMARY_LIMIT_DOCS,
        "status": str(code),
    }
    return status(code, headers, body)


def reset() -> Fault:
    """Close the connection (TCP reset) without sending any response."""
    return Fault("reset")


def delay(seconds: float) -> Fault:
    """Answer normally, after ``seconds``."""
    return Fault("delay", seconds=seconds)
