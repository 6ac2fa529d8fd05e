"""A GitHub REST API server on loopback for tests: real HTTP, GitHub's JSON, in-memory data.

``GitHubTestServer`` serves the endpoints wandb-pr uses (issue comments, commit comments, pull
requests, check runs, statuses; see ``endpoints.py``) under ``/repos/{owner}/{repo}`` and
``/repositories/{id}`` (the form GitHub's ``Link`` headers use), optionally behind a GitHub
Enterprise Server prefix (``/api/v3``). It checks the token (``Bearer``/``token``), enforces the
token's permissions (403 ``Resource not accessible by integration``), sends ``x-ratelimit-*``
headers on every answer, records every request, and replays queued faults (statuses with
headers, rate limits, connection resets, delays) and per-request callbacks in order.
"""

from __future__ import annotations

import json
import re
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx

from tests.github_server.endpoints import find_route
from tests.github_server.faults import PRIMARY_LIMIT_DOCS, Fault, FaultKind
from tests.github_server.http_api import (
    DEFAULT_PERMISSIONS,
    DOCS,
    Answer,
    ApiError,
    Call,
    error_body,
    normalise_permissions,
    parse_json,
)
from tests.github_server.render import Urls
from tests.github_server.seeding import SeedingMixin
from tests.github_server.store import GitHubStore
from tests.loopback import LoopbackHandler, LoopbackServer

__all__ = [
    "DEFAULT_PERMISSIONS",
    "FAKE_LOGIN",
    "FAKE_TOKEN",
    "GitHubTestServer",
    "RecordedRequest",
    "normalise_permissions",
]

FAKE_TOKEN = "ghs_" + "fAkE0TokEn" * 3 + "123456"
"""A token of the shape of a ``GITHUB_TOKEN`` (``ghs_`` + 36 characters)."""
FAKE_LOGIN = "github-actions[bot]"
"""The login ``GITHUB_TOKEN`` acts as."""

_REPOS = re.compile(r"^/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)(?P<rest>/.*)$")
_REPO_ID = re.compile(r"^/repositories/(?P<id>\d+)(?P<rest>/.*)$")
Hook = Callable[["GitHubTestServer"], object]


@dataclass
class RecordedRequest:
    """One request as the server saw it, and how it answered (``status`` is None on a reset)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int | None = None
    fault: FaultKind | None = None


class _GitHubHandler(LoopbackHandler):
    """Answers with GitHub's ``Server`` header."""

    server_version = "github.com"
    sys_version = ""


class GitHubTestServer(SeedingMixin, LoopbackServer[Fault, "RecordedRequest"]):
    """A faithful-enough GitHub REST API on ``127.0.0.1`` (see the module docstring).

    Use as a context manager, or ``start()``/``stop()``. ``api_url`` is the value for
    ``GITHUB_API_URL`` and ``server_url`` for ``GITHUB_SERVER_URL``. ``permissions`` replaces
    the default grants (workflow spelling or API spelling); ``read_only`` caps them at ``read``.
    ``rate_limit`` is the hourly primary limit (1,000 for ``GITHUB_TOKEN``).
    """

    name = "GitHub test server"
    handler_class = _GitHubHandler

    def __init__(
        self,
        *,
        token: str = FAKE_TOKEN,
        login: str = FAKE_LOGIN,
        prefix: str = "",
        permissions: Mapping[str, str] | None = None,
        read_only: bool = False,
        rate_limit: int = 1000,
        server_url: str | None = None,
    ) -> None:
        super().__init__()
        self.token = token
        self.login = login
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self.permissions = normalise_permissions(
            DEFAULT_PERMISSIONS if permissions is None else permissions, read_only=read_only
        )
        self.rate_limit = rate_limit
        self.store = GitHubStore()
        self._server_url = server_url
        self._rate_used = 0
        self._rate_reset = int(time.time()) + 3600

    # --- addresses ---------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """The value for ``GITHUB_API_URL``: ``base_url`` plus the prefix (``/api/v3`` on GHES)."""
        return self.base_url + self.prefix

    @property
    def server_url(self) -> str:
        """The value for ``GITHUB_SERVER_URL``: ``https://github.com``, or the GHES host."""
        if self._server_url:
            return self._server_url
        return self.base_url if self.prefix else "https://github.com"

    @property
    def urls(self) -> Urls:
        """Where rendered links point (still usable after ``stop()``, for assertions)."""
        api = f"http://127.0.0.1:{self._port}{self.prefix}"
        web = self._server_url or (
            api[: -len(self.prefix)] if self.prefix else "https://github.com"
        )
        return Urls(api=api, web=web)

    def client(self, *, token: str | None = "", scheme: str = "Bearer") -> httpx.Client:
        """An httpx client on ``api_url`` (no proxies from the environment, no retries).

        ``token`` ``""`` sends the server's own token, ``None`` no ``Authorization`` at all.
        """
        headers = {} if token is None else {"Authorization": f"{scheme} {token or self.token}"}
        return httpx.Client(base_url=self.api_url, headers=headers, trust_env=False, timeout=10)

    # --- instrumentation, faults and hooks -------------------------------------------------

    @property
    def request_count(self) -> int:
        """How many requests arrived (faulted ones included)."""
        with self._lock:
            return len(self.requests)

    def delete_comment_at(self, n: int, comment_id: int) -> None:
        """Delete issue comment ``comment_id`` just before the ``n``-th request from now."""
        self.on_request(n, lambda server: server.delete_comment(comment_id))

    @property
    def rate_limit_used(self) -> int:
        """Authenticated requests counted against ``rate_limit`` in the current hour."""
        with self._lock:
            return self._rate_used

    # --- request handling --------------------------------------------------------------------

    def _handle(self, handler: LoopbackHandler) -> None:
        """Record, run hooks, then fault or answer one request."""
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        record = RecordedRequest(
            handler.command, handler.path, dict(handler.headers.items()), parse_json(raw)[1]
        )
        fault = self._arrived(record)
        number = len(self.requests)  # for the request id header; unique enough for tests
        record.fault = fault.kind if fault else None
        if self._delay_or_reset(handler, fault):
            return
        if fault is not None and fault.kind == "status":
            headers = self._rate_headers() | dict(fault.headers)
            self._send(handler, record, number, fault.status, fault.body or b"", headers)
            return
        answer = self._answer(handler, raw)
        payload = b"" if answer.body is None else json.dumps(answer.body).encode()
        headers = self._rate_headers() | answer.headers
        self._send(handler, record, number, answer.status, payload, headers)

    def _answer(self, handler: LoopbackHandler, raw: bytes) -> Answer:
        """The answer to a request without a fault (authenticated ones count against the limit)."""
        scheme, _, token = (handler.headers.get("Authorization") or "").strip().partition(" ")
        if not scheme:
            return Answer(401, error_body(401, "Requires authentication", DOCS))
        if scheme.lower() not in ("bearer", "token") or token.strip() != self.token:
            return Answer(401, error_body(401, "Bad credentials", DOCS))
        with self._lock:
            now = int(time.time())
            if now >= self._rate_reset:
                self._rate_used, self._rate_reset = 0, now + 3600
            exceeded = self._rate_used >= self.rate_limit
            self._rate_used = min(self._rate_used + 1, self.rate_limit)
        if exceeded:
            message = "API rate limit exceeded for installation ID 1."
            return Answer(403, error_body(403, message, PRIMARY_LIMIT_DOCS))
        try:
            return self._dispatch(handler.command, handler.path, raw)
        except ApiError as error:
            return error.answer
        except Exception:
            self.internal_errors.append(traceback.format_exc())
            return Answer(500, error_body(500, "Server Error", DOCS))

    def _dispatch(self, method: str, target: str, raw: bytes) -> Answer:
        """Route an authenticated request to its endpoint handler."""
        split = urlsplit(target)
        path = split.path
        if not path.startswith(self.prefix + "/"):
            raise ApiError(404, "Not Found")
        path = path[len(self.prefix) :]
        match = _REPOS.match(path) or _REPO_ID.match(path)
        found = find_route(method, match["rest"]) if match else None
        if match is None or found is None:
            raise ApiError(404, "Not Found")
        route, groups = found
        if "id" in match.groupdict():
            repo = self.store.repo_by_id(int(match["id"]))
        else:
            repo = self.store.repo(unquote(match["owner"]), unquote(match["name"]))
        if repo is None:
            raise ApiError(404, "Not Found", route.docs)
        ok, body = parse_json(raw)
        if not ok:
            raise ApiError(400, "Problems parsing JSON", route.docs)
        call = Call(
            method=method,
            repo=repo,
            groups=tuple(unquote(g) for g in groups),
            rest=match["rest"],
            query=parse_qsl(split.query, keep_blank_values=True),
            body=body,
            docs=route.docs,
            login=self.login,
            permissions=dict(self.permissions),
            urls=self.urls,
            store=self.store,
        )
        return route.handler(call)

    def _rate_headers(self) -> dict[str, str]:
        """``x-ratelimit-*`` for the current window (``core`` resource)."""
        with self._lock:
            used = self._rate_used
            return {
                "x-ratelimit-limit": str(self.rate_limit),
                "x-ratelimit-remaining": str(max(0, self.rate_limit - used)),
                "x-ratelimit-reset": str(self._rate_reset),
                "x-ratelimit-used": str(used),
                "x-ratelimit-resource": "core",
            }

    def _send(
        self,
        handler: LoopbackHandler,
        record: RecordedRequest,
        number: int,
        code: int,
        payload: bytes,
        headers: Mapping[str, str],
    ) -> None:
        """Write a complete response (headers compared case-insensitively); ignore hang-ups."""
        record.status = code
        merged = {name.lower(): (name, value) for name, value in headers.items()}
        if payload:
            merged.setdefault("content-type", ("Content-Type", "application/json; charset=utf-8"))
        merged.setdefault("x-github-media-type", ("X-GitHub-Media-Type", "github.v3; format=json"))
        merged.setdefault("x-github-request-id", ("X-GitHub-Request-Id", f"0000:{number:06X}"))
        try:
            handler.send_response(code)
            for name, value in merged.values():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True
