"""A small GitHub REST client on an injected ``httpx.Client``: retries, pagination, errors.

Rate limits follow GitHub's guidance: on 403/429 wait ``retry-after`` when given, else until
``x-ratelimit-reset`` when ``x-ratelimit-remaining`` is 0, else back off exponentially; 5xx and
network errors are retried too, within the deadline. ``GITHUB_API_URL`` is honoured, so GitHub
Enterprise Server (``https://HOST/api/v3``) works the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx

from wandb_pr._http import send_within
from wandb_pr.errors import GitHubPermissionError, GitHubUnavailable, PublishError
from wandb_pr.retry import RetryExhausted, RetryPolicy, Transient, parse_retry_after, retrying

__all__ = ["DEFAULT_API_URL", "GitHubClient", "GitHubResponseError"]

DEFAULT_API_URL = "https://api.github.com"
_RETRY_STATUSES = frozenset({500, 502, 503, 504})


class GitHubResponseError(PublishError):
    """GitHub answered with a status that is not retried (404, 409, 422...)."""

    def __init__(self, message: str, *, status: int, tip: str | None = None) -> None:
        super().__init__(message, tip=tip)
        self.status = status


class GitHubClient:
    """Sends REST requests to GitHub with a token, retrying what is transient."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        token: str,
        api_url: str = DEFAULT_API_URL,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        on_retry: Callable[[str, float], None] | None = None,
    ) -> None:
        self._http = http
        self._headers = {
            "Authorization": f"Bearer {token.strip()}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        self.api_url = (api_url.strip() or DEFAULT_API_URL).rstrip("/")
        self._retry = retry or RetryPolicy(deadline=60.0)
        self._sleep = sleep
        self._clock = clock
        self._on_retry = on_retry
        self.requests_sent = 0
        """HTTP requests sent so far, retries included."""

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """Send one request (``path`` relative to the API URL, or absolute), retrying."""
        url = path if path.startswith(("http://", "https://")) else f"{self.api_url}{path}"
        try:
            return retrying(
                lambda timeout: self._attempt(method, url, json, params, timeout),
                self._retry,
                sleep=self._sleep,
                on_retry=self._on_retry,
            )
        except RetryExhausted as exc:
            raise GitHubUnavailable(
                f"GitHub did not answer {method} {_path(url)} successfully after "
                f"{exc.attempts_text} ({exc.reason}).",
                tip="GitHub may be rate-limiting this token or be unavailable "
                "(https://www.githubstatus.com); the report is in the job summary and files.",
            ) from exc

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request and decode its JSON answer (``None`` for an empty one)."""
        response = self.request(method, path, **kwargs)
        return response.json() if response.content else None

    def paginate(self, path: str, *, per_page: int = 100) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, following ``Link: <...>; rel="next"`` headers."""
        url: str | None = path
        params: Mapping[str, Any] | None = {"per_page": per_page}
        while url:
            response = self.request("GET", url, params=params)
            items = response.json()
            if not isinstance(items, list):
                raise GitHubResponseError(
                    f"GitHub answered GET {_path(url)} with something that is not a list.",
                    status=response.status_code,
                )
            yield from (item for item in items if isinstance(item, dict))
            url = response.links.get("next", {}).get("url")
            params = None  # the next link carries them

    def _attempt(
        self,
        method: str,
        url: str,
        json: Mapping[str, Any] | None,
        params: Mapping[str, Any] | None,
        timeout: float,
    ) -> httpx.Response:
        """One request: a response, a :class:`Transient` to retry, or a final error."""
        self.requests_sent += 1
        try:
            response = send_within(
                self._http,
                method,
                url,
                timeout=timeout,
                json=dict(json) if json is not None else None,
                params=dict(params) if params else None,
                headers=self._headers,
            )
        except httpx.TimeoutException as exc:
            raise Transient(f"no answer within {timeout:.0f} s") from exc
        except httpx.TransportError as exc:
            raise Transient(type(exc).__name__) from exc
        status = response.status_code
        if status < 400:
            if response.content:
                try:
                    response.json()
                except (ValueError, RecursionError) as exc:  # a proxy's page, a cut body
                    raise Transient(f"HTTP {status} with a body that is not JSON") from exc
            return response
        wait = self._rate_limit_wait(response)
        if status in _RETRY_STATUSES or wait is not None:
            raise Transient(f"HTTP {status}", retry_after=wait)
        message = _message(response)
        where = f"{method} {_path(url)}"
        if status == 401:
            raise PublishError(
                f"GitHub rejected the token (HTTP 401 on {where}: {message}).",
                tip="Pass a valid token as github-token (the default, github.token, works).",
            )
        if status == 403:
            raise GitHubPermissionError(f"GitHub refused {where} (HTTP 403: {message}).")
        raise GitHubResponseError(
            f"GitHub answered {where} with HTTP {status}: {message}", status=status
        )

    def _rate_limit_wait(self, response: httpx.Response) -> float | None:
        """Seconds to wait when a 403/429 is a rate limit, else ``None``."""
        if response.status_code not in (403, 429):
            return None
        headers = response.headers
        wait = parse_retry_after(headers.get("retry-after"))
        if wait is not None:
            return wait
        if headers.get("x-ratelimit-remaining") == "0":
            try:
                return max(0.0, float(headers.get("x-ratelimit-reset", "")) - self._clock())
            except ValueError:
                return 60.0
        if response.status_code == 429 or "rate limit" in _message(response).lower():
            return 60.0  # a secondary rate limit without headers: GitHub asks for a minute
        return None


def _message(response: httpx.Response) -> str:
    """GitHub's ``message`` (and validation errors), or the start of the body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip() or "(empty body)"
    if not isinstance(body, dict):
        return str(body)[:200]
    message = str(body.get("message", ""))
    errors = body.get("errors")
    if isinstance(errors, list):
        details = [str(e.get("message") or e.get("code")) for e in errors if isinstance(e, dict)]
        message = "; ".join([message, *details]) if details else message
    return message[:400] or "(no message)"


def _path(url: str) -> str:
    """The path of a URL, for messages (never the query string)."""
    return httpx.URL(url).path
