"""Retrying an HTTP exchange with exponential backoff and jitter, within a time budget.

Shared by the W&B and GitHub clients. Each client decides what is transient (raises
:class:`Transient`) and maps the final failure onto its own error type; this module only
schedules attempts. Written here rather than taken from a retry library because the rules that
matter (``Retry-After`` in seconds or as an HTTP date, a total deadline that also caps each
request's timeout, giving up early when the server asks for a wait beyond the deadline) are
a few lines on top of any such library and would need the same code anyway.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TypeVar

__all__ = ["RetryExhausted", "RetryPolicy", "Transient", "parse_retry_after", "retrying"]

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try."""

    max_attempts: int = 8
    """Attempts in all, the first included."""
    base_delay: float = 1.0
    """Wait before the second attempt; doubles each time."""
    max_delay: float = 30.0
    """Longest wait between two attempts."""
    deadline: float = 120.0
    """Seconds from the first attempt after which no attempt starts and requests are cut off."""
    request_timeout: float = 30.0
    """Longest a single request may take (also capped by what is left of the deadline)."""


class Transient(Exception):
    """Raised by an attempt that may succeed if tried again.

    ``kind`` says what went wrong, for the final message: ``timeout`` (no complete answer in
    ``timeout`` seconds), ``status`` (an HTTP ``status`` worth retrying), ``connect`` (nothing
    answered the connection) or ``other`` (a garbled answer).
    """

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        kind: str = "other",
        status: int | None = None,
        timeout: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.kind = kind
        self.status = status
        self.timeout = timeout


class RetryExhausted(Exception):
    """No attempt succeeded within the policy; ``reason`` is the last attempt's."""

    def __init__(self, reason: str, *, attempts: int, elapsed: float, gave_up_early: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts
        self.elapsed = elapsed
        self.gave_up_early = gave_up_early
        """The server asked for a wait longer than what was left of the deadline."""

    @property
    def attempts_text(self) -> str:
        """``1 attempt``, ``4 attempts``."""
        return f"{self.attempts} attempt" + ("" if self.attempts == 1 else "s")


def retrying(
    attempt: Callable[[float], T],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    jitter: Callable[[], float] = random.random,
    on_retry: Callable[[str, float], None] | None = None,
    adapt: Callable[[Transient], str | None] | None = None,
) -> T:
    """Call ``attempt(timeout)`` until it returns, re-trying on :class:`Transient`.

    ``timeout`` is what the attempt may spend on its request: the policy's request timeout,
    capped by the time left before the deadline. ``adapt`` may change the request after a
    failure (ask for less) and say how; after a timeout the lighter request goes out at once
    (the timeout was the wait), after anything else it waits its backoff as usual.
    """
    start = clock()
    for number in range(1, policy.max_attempts + 1):
        left = policy.deadline - (clock() - start)
        try:
            return attempt(max(0.001, min(policy.request_timeout, left)))
        except Transient as exc:
            elapsed = clock() - start
            left = policy.deadline - elapsed
            backoff = min(policy.max_delay, policy.base_delay * 2 ** (number - 1))
            wait = backoff * (0.5 + jitter() / 2)
            if exc.retry_after is not None:
                wait = max(wait, exc.retry_after)
            too_long = exc.retry_after is not None and exc.retry_after >= left
            change = adapt(exc) if adapt is not None and exc.retry_after is None else None
            reason = exc.reason if change is None else f"{exc.reason}; asking for {change}"
            if (
                change is not None
                and exc.kind == "timeout"
                and number < policy.max_attempts
                and left > 0
            ):
                # The timeout was the wait; a lighter request goes out at once.
                log.debug("attempt %d failed (%s); now at once", number, reason)
                if on_retry is not None:
                    on_retry(reason, 0.0)
                continue
            if number == policy.max_attempts or wait >= left:
                raise RetryExhausted(
                    exc.reason, attempts=number, elapsed=elapsed, gave_up_early=too_long
                ) from exc
            log.debug("attempt %d failed (%s); retrying in %.1f s", number, reason, wait)
            if on_retry is not None:
                on_retry(reason, wait)
            sleep(wait)
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
