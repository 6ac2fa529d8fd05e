"""A small GraphQL client for W&B on an injected ``httpx.Client``: retries, a deadline, errors.

Not the ``wandb`` package: it is 62 MB installed, starts a sidecar process, and its lazy runs
list costs one more request per run.

DESIGN: one time budget, failures named for what they are.

* The deadline covers a whole fetch (every page and the history after them), not each
  request: :meth:`WandbClient.start_budget` starts it, every attempt's timeout is capped by
  what is left of it (and by a third of the deadline, so that a page that W&B cannot answer in
  time leaves room to ask again for less), and no attempt starts after it.
* A request may be made lighter after a timeout or a 5xx (``lighten``, see
  :func:`~wandb_pr.retry.retrying`): the run source halves its page instead of resending it.
* Nothing answering the connection (refused, unknown host, no answer to connect) is not W&B
  being busy: after one quick second try the client gives up with "nothing answers at URL"
  and the ``WANDB_BASE_URL`` hint, in about a second (refused, unknown host) rather than at
  the deadline.
* A timeout says how long, for what (``what``: "a page of 50 runs with history for 6
  metrics") and how to ask for less; only a 429 speaks of rate limits. ``RateLimit-Remaining:
  0`` with ``RateLimit-Reset`` on any answer makes the next request wait for the reset.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx

from wandb_pr._http import send_within
from wandb_pr.errors import WandbAuthError, WandbQueryError, WandbUnavailable
from wandb_pr.retry import RetryExhausted, RetryPolicy, Transient, parse_retry_after, retrying

__all__ = ["DEFAULT_BASE_URL", "WandbClient", "app_url_for"]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.wandb.ai"
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 507, 508, 509, 520, 521, 522, 523, 524})
CONNECT_ATTEMPTS = 2
"""Attempts to connect before concluding that nothing answers at the URL."""
_LESS = "fewer --metric values, a smaller --page-size, or a longer --deadline"


def app_url_for(base_url: str) -> str:
    """The W&B app's URL for an API URL: ``https://api.wandb.ai`` -> ``https://wandb.ai``.

    Self-hosted servers serve the app and the API from the same address.
    """
    parts = urlsplit(base_url)
    host = parts.netloc
    if host.startswith("api."):
        host = host[len("api.") :]
    return f"{parts.scheme}://{host}{parts.path}".rstrip("/")


class WandbClient:
    """Sends GraphQL documents to W&B, retrying what is transient, mapping failures to errors."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[str, float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._auth = httpx.BasicAuth("api", api_key.strip())
        self.base_url = base_url.strip().rstrip("/") or DEFAULT_BASE_URL
        self.endpoint = f"{self.base_url}/graphql"
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._on_retry = on_retry
        self._clock = clock
        self._ends_at: float | None = None
        self._not_before = 0.0
        self._connect_failures = 0
        self.requests_sent = 0
        """HTTP requests sent so far, retries included."""
        self.bytes_received = 0
        """Bytes of answer bodies received so far (decompressed)."""

    @property
    def app_url(self) -> str:
        """Where run pages live."""
        return app_url_for(self.base_url)

    @property
    def deadline(self) -> float:
        """Seconds a fetch may take in all."""
        return self._retry.deadline

    def start_budget(self) -> None:
        """Start the deadline: every request from now on shares it."""
        self._ends_at = self._clock() + self._retry.deadline

    def time_left(self) -> float:
        """Seconds left of the deadline (the whole deadline before :meth:`start_budget`)."""
        if self._ends_at is None:
            return self._retry.deadline
        return self._ends_at - self._clock()

    def execute(
        self,
        document: str,
        variables: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
        *,
        what: str | Callable[[], str] = "the query",
        lighten: Callable[[], str | None] | None = None,
    ) -> dict[str, Any]:
        """Run one GraphQL operation and return its ``data``; raise a :class:`WandbError`.

        ``variables`` and ``what`` may be callables, read again for each attempt, so that
        ``lighten`` (called after a timeout or a 5xx) can make the next attempt ask for less.
        """
        left = self.time_left()
        if self._ends_at is None:
            self.start_budget()
        if left <= 0:
            raise WandbUnavailable(
                f"The deadline of {self.deadline:g} s was used up before W&B was asked for "
                f"{_text(what)}, at {self.endpoint}.",
                tip=f"Give it more time with --deadline, or ask for less: {_LESS}.",
            )
        policy = replace(
            self._retry,
            deadline=left,
            request_timeout=min(self._retry.request_timeout, max(self.deadline / 3, 0.001)),
        )

        def attempt(timeout: float) -> dict[str, Any]:
            payload = {"query": document, "variables": dict(_value(variables))}
            return self._attempt(payload, timeout)

        def adapt(problem: Transient) -> str | None:
            heavy = problem.kind == "timeout" or (problem.status or 0) >= 500
            return lighten() if heavy and lighten is not None else None

        self._connect_failures = 0
        try:
            return retrying(
                attempt,
                policy,
                sleep=self._sleep,
                clock=self._clock,
                on_retry=self._on_retry,
                adapt=adapt,
            )
        except RetryExhausted as exc:
            raise self._unavailable(exc, _text(what)) from exc

    def _unavailable(self, exc: RetryExhausted, what: str) -> WandbUnavailable:
        """The final error: what failed, in its own words, and what to do about it."""
        last = exc.__cause__ if isinstance(exc.__cause__, Transient) else Transient(exc.reason)
        within = f"{exc.attempts_text} in {seconds(exc.elapsed)} s"
        if last.status == 429 or exc.gave_up_early:
            return WandbUnavailable(
                f"W&B is rate-limiting these requests ({exc.reason}) and asked to wait longer "
                f"than the deadline leaves ({within}), at {self.endpoint}."
                if exc.gave_up_early
                else f"W&B kept rate-limiting the requests for {what} ({exc.reason}, "
                f"{within}), at {self.endpoint}.",
                tip="W&B limits requests per user and per project; wait a minute and re-run, "
                "or give it more time with --deadline.",
            )
        if last.kind == "timeout":
            return WandbUnavailable(
                f"W&B took longer than {seconds(last.timeout or 0)} s to answer {what} "
                f"({within}), at {self.endpoint}.",
                tip=f"Ask for less at a time: {_LESS}.",
            )
        if last.kind == "status":
            return WandbUnavailable(
                f"W&B answered {exc.reason} to {what} ({within}), at {self.endpoint}.",
                tip="W&B may be unavailable: check https://status.wandb.com (or your server), "
                "then re-run; --deadline gives it more time.",
            )
        return WandbUnavailable(
            f"W&B did not answer {what} usably ({exc.reason}; {within}), at {self.endpoint}.",
            tip="Re-run; if it persists, re-run with --debug and report it.",
        )

    def _wait_for_rate_limit(self, timeout: float) -> None:
        """Wait for W&B's rate-limit window to reset if the last answer said it was used up."""
        wait = self._not_before - self._clock()
        if wait <= 0:
            return
        if wait >= self.time_left():
            raise Transient(
                f"RateLimit-Remaining: 0, resetting in {seconds(wait)} s",
                retry_after=wait,
                status=429,
            )
        if self._on_retry is not None:
            self._on_retry("W&B's rate limit is used up (RateLimit-Remaining: 0)", wait)
        self._sleep(wait)

    def _attempt(self, payload: Mapping[str, Any], timeout: float) -> dict[str, Any]:
        """One POST: a result, a :class:`Transient` to retry, or a final :class:`WandbError`."""
        self._wait_for_rate_limit(timeout)
        self.requests_sent += 1
        try:
            response = send_within(
                self._http, "POST", self.endpoint, timeout=timeout, json=payload, auth=self._auth
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            self._connect_failures += 1
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if self._connect_failures >= CONNECT_ATTEMPTS:
                raise WandbUnavailable(
                    f"Nothing answers at {self.base_url} ({reason}).",
                    tip="Check WANDB_BASE_URL: it must be the root URL of a running W&B server "
                    "(e.g. https://wandb.example.com); for W&B cloud leave it unset.",
                ) from exc
            raise Transient(reason, kind="connect") from exc
        except httpx.TimeoutException as exc:
            raise Transient(
                f"no answer within {seconds(timeout)} s", kind="timeout", timeout=timeout
            ) from exc
        except httpx.TransportError as exc:
            raise Transient(
                f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            ) from exc
        self.bytes_received += len(response.content)
        if response.status_code != 429:  # a 429's own wait is its Retry-After
            self._note_rate_limit(response.headers)
        return self._decode(response)

    def _note_rate_limit(self, headers: httpx.Headers) -> None:
        """Remember to wait when W&B says no requests are left in its rate-limit window."""
        if (headers.get("ratelimit-remaining") or "").strip() != "0":
            return
        reset = parse_retry_after(headers.get("ratelimit-reset"))
        if reset:
            self._not_before = self._clock() + reset

    def _decode(self, response: httpx.Response) -> dict[str, Any]:
        """The ``data`` of an answer, or the error its status or body stands for."""
        status = response.status_code
        if status in _RETRY_STATUSES:
            wait = parse_retry_after(response.headers.get("retry-after"))
            if wait is None and status == 429:
                wait = parse_retry_after(response.headers.get("ratelimit-reset"))
            raise Transient(f"HTTP {status}", retry_after=wait, kind="status", status=status)
        if status in (401, 403):
            raise self._auth_error(status)
        if status == 404:
            raise WandbQueryError(
                f"No W&B API at {self.endpoint} (HTTP 404).",
                tip="WANDB_BASE_URL must be the server's root URL, e.g. https://wandb.example.com "
                "(without /graphql); for W&B cloud leave it unset.",
            )
        if status >= 400:
            raise WandbQueryError(
                f"W&B rejected the query with HTTP {status} at {self.endpoint}: "
                f"{_error_text(response)}",
                tip="Check the filter inputs; if they look right, re-run with --debug and report "
                "it.",
            )
        try:
            body = response.json()
        except (ValueError, RecursionError) as exc:
            raise Transient(f"HTTP {status} with a body that is not JSON") from exc
        if not isinstance(body, dict):
            raise Transient(f"HTTP {status} with a JSON body that is not an object")
        errors = body.get("errors")
        if errors:
            messages = "; ".join(_messages(errors))
            raise WandbQueryError(
                f"W&B answered with GraphQL errors: {messages}",
                tip="A filter W&B cannot evaluate (e.g. a config key containing '.') causes this; "
                "check --filter, --sha-key and the project name.",
            )
        data = body.get("data")
        if not isinstance(data, dict):
            raise Transient(f"HTTP {status} without data")
        return data

    def _auth_error(self, status: int) -> WandbAuthError:
        """The message for a refused key; the key itself never appears in it."""
        if status == 401:
            what = f"W&B rejected the API key (HTTP 401 at {self.endpoint})."
        else:
            what = f"The API key may not read this project (HTTP 403 at {self.endpoint})."
        return WandbAuthError(
            what,
            tip=f"Set WANDB_API_KEY to a valid key: copy one from {self.app_url}/authorize "
            "(in GitHub Actions, store it as a repository secret and pass it as wandb-api-key).",
        )


def seconds(value: float) -> str:
    """Seconds for a message: ``0.3``, ``2.5``, ``30``."""
    return f"{value:.1f}".removesuffix(".0") if value < 10 else f"{value:.0f}"


def _value(value: Any) -> Any:
    """``value()`` if it is callable, else ``value``."""
    return value() if callable(value) else value


def _text(what: str | Callable[[], str]) -> str:
    """``what``, read now."""
    return what() if callable(what) else what


def _messages(errors: object) -> list[str]:
    """The ``message`` of each GraphQL error."""
    if not isinstance(errors, list):
        return [str(errors)[:300]]
    return [str(e.get("message", e))[:300] if isinstance(e, dict) else str(e)[:300] for e in errors]


def _error_text(response: httpx.Response) -> str:
    """A short, printable account of an error response's body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip() or "(empty body)"
    if isinstance(body, dict) and "errors" in body:
        return "; ".join(_messages(body["errors"]))
    return json.dumps(body)[:200]
