"""The retry loop: backoff, Retry-After, and the total time budget."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from wandb_pr.retry import RetryExhausted, RetryPolicy, Transient, parse_retry_after, retrying


class FakeClock:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        """Advance time."""
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        """The current fake time."""
        return self.now


def flaky(failures: list[Transient], result: str = "ok") -> object:
    """An attempt that raises the given failures in order, then returns ``result``."""
    timeouts: list[float] = []

    def attempt(timeout: float) -> str:
        timeouts.append(timeout)
        if failures:
            raise failures.pop(0)
        return result

    attempt.timeouts = timeouts  # type: ignore[attr-defined]
    return attempt


def test_recovers_with_growing_backoff() -> None:
    """Transient failures are retried with doubling waits (jitter fixed at its maximum here)."""
    clock = FakeClock()
    attempt = flaky([Transient("HTTP 500"), Transient("HTTP 502"), Transient("HTTP 503")])
    result = retrying(
        attempt, RetryPolicy(base_delay=1), sleep=clock.sleep, clock=clock, jitter=lambda: 1.0
    )  # type: ignore[arg-type]
    assert result == "ok"
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_retry_after_is_honoured() -> None:
    """A server's Retry-After wins over a shorter backoff."""
    clock = FakeClock()
    attempt = flaky([Transient("HTTP 429", retry_after=7.0)])
    retrying(attempt, RetryPolicy(), sleep=clock.sleep, clock=clock, jitter=lambda: 0.0)  # type: ignore[arg-type]
    assert clock.sleeps == [7.0]


def test_gives_up_at_the_deadline() -> None:
    """Retries stop before the total budget is exceeded, and say why."""
    clock = FakeClock()
    attempt = flaky([Transient("HTTP 500")] * 100)
    with pytest.raises(RetryExhausted) as caught:
        retrying(
            attempt,
            RetryPolicy(deadline=10, max_attempts=100),
            sleep=clock.sleep,
            clock=clock,
            jitter=lambda: 1.0,
        )  # type: ignore[arg-type]
    assert caught.value.reason == "HTTP 500"
    assert clock.now < 10
    assert caught.value.gave_up_early is False


def test_gives_up_early_when_asked_to_wait_too_long() -> None:
    """A Retry-After beyond the deadline ends the retries at once."""
    clock = FakeClock()
    attempt = flaky([Transient("HTTP 429", retry_after=3600)])
    with pytest.raises(RetryExhausted) as caught:
        retrying(attempt, RetryPolicy(deadline=60), sleep=clock.sleep, clock=clock)  # type: ignore[arg-type]
    assert caught.value.gave_up_early is True
    assert clock.sleeps == []


def test_request_timeout_is_capped_by_the_deadline() -> None:
    """Each attempt's timeout is the smaller of the request timeout and the time left."""
    clock = FakeClock()
    attempt = flaky([Transient("slow")])
    retrying(
        attempt,
        RetryPolicy(deadline=40, request_timeout=30),
        sleep=clock.sleep,
        clock=clock,
        jitter=lambda: 1.0,
    )  # type: ignore[arg-type]
    assert attempt.timeouts == [30, 30]  # type: ignore[attr-defined]
    clock.now = 0
    attempt = flaky([Transient("slow", retry_after=25)])
    retrying(
        attempt,
        RetryPolicy(deadline=40, request_timeout=30),
        sleep=clock.sleep,
        clock=clock,
        jitter=lambda: 1.0,
    )  # type: ignore[arg-type]
    assert attempt.timeouts == [30, 15]  # type: ignore[attr-defined]


def test_attempt_count_is_bounded() -> None:
    """No more than max_attempts attempts are made."""
    clock = FakeClock()
    attempt = flaky([Transient("x")] * 10)
    with pytest.raises(RetryExhausted) as caught:
        retrying(attempt, RetryPolicy(max_attempts=3), sleep=clock.sleep, clock=clock)  # type: ignore[arg-type]
    assert caught.value.attempts == 3
    assert len(attempt.timeouts) == 3  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("5", 5.0),
        (" 2.5 ", 2.5),
        ("Wed, 21 Oct 2026 07:28:10 GMT", 10.0),
        ("Wed, 21 Oct 2026 07:27:00 GMT", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    """Retry-After is read as seconds or as an HTTP date (never negative)."""
    now = datetime(2026, 10, 21, 7, 28, 0, tzinfo=timezone.utc)
    assert parse_retry_after(header, now=now) == expected
