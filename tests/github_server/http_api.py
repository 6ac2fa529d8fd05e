"""Request plumbing shared by the endpoint handlers: answers, errors, permissions, pagination."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from tests.github_server.render import Urls
from tests.github_server.store import GitHubStore, Repo

__all__ = [
    "DEFAULT_PERMISSIONS",
    "DOCS",
    "LEVELS",
    "Answer",
    "ApiError",
    "Call",
    "error_body",
    "invalid_request",
    "json_text",
    "normalise_permissions",
    "parse_json",
    "parse_links",
    "validation_failed",
]

DOCS = "https://docs.github.com/rest"
LEVELS = {"none": 0, "read": 1, "write": 2, "admin": 3}
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
T = TypeVar("T")

DEFAULT_PERMISSIONS: Mapping[str, str] = {
    "metadata": "read",
    "contents": "write",
    "issues": "write",
    "pull_requests": "write",
    "checks": "write",
    "statuses": "write",
}
"""GitHub's permissive default ``GITHUB_TOKEN`` grants, for the scopes the server knows."""


def normalise_permissions(
    permissions: Mapping[str, str], *, read_only: bool = False
) -> dict[str, str]:
    """Workflow-style grants (``pull-requests: write``) as API names (``pull_requests``).

    Unlisted scopes are ``none`` (as when a workflow sets ``permissions:``), except ``metadata:
    read``, which every token has. ``read_only`` caps everything at ``read`` (fork PR tokens).
    """
    result = {"metadata": "read"}
    for name, level in permissions.items():
        if level not in LEVELS:
            raise ValueError(f"permission {name!r}: level {level!r} is not one of {list(LEVELS)}")
        result[name.replace("-", "_")] = level
    if read_only:
        result = {name: "read" if LEVELS[lvl] else "none" for name, lvl in result.items()}
    return result


@dataclass
class Answer:
    """A response to send: status, JSON body (``None``: empty, as for 204) and extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def error_body(code: int, message: str, docs: str, **extra: Any) -> dict[str, Any]:
    """GitHub's error JSON: ``message``, optional ``errors``, ``documentation_url``, ``status``."""
    return {"message": message, **extra, "documentation_url": docs, "status": str(code)}


class ApiError(Exception):
    """Raised by handlers; becomes a GitHub-style JSON error answer."""

    def __init__(self, code: int, message: str, docs: str = DOCS, **extra: Any) -> None:
        super().__init__(message)
        self.answer = Answer(code, error_body(code, message, docs, **extra))


def invalid_request(detail: str, docs: str) -> ApiError:
    """422 from GitHub's JSON-schema check: ``Invalid request.\\n\\n<detail>``."""
    return ApiError(422, f"Invalid request.\n\n{detail}", docs)


def validation_failed(
    resource: str, field_name: str, message: str, docs: str, *, code: str = "custom"
) -> ApiError:
    """422 ``Validation Failed`` with one entry in ``errors``."""
    entry = {"resource": resource, "code": code, "field": field_name, "message": message}
    return ApiError(422, "Validation Failed", docs, errors=[entry])


@dataclass
class Call:
    """One routed request: the repository, path groups, query, JSON body and server settings."""

    method: str
    repo: Repo
    groups: tuple[str, ...]
    rest: str
    query: list[tuple[str, str]]
    body: Any
    docs: str
    login: str
    permissions: Mapping[str, str]
    urls: Urls
    store: GitHubStore

    def require(self, *options: tuple[str, str]) -> None:
        """403 unless at least one ``(permission, level)`` pair is granted."""
        for name, level in options:
            if LEVELS.get(self.permissions.get(name, "none"), 0) >= LEVELS[level]:
                return
        raise ApiError(403, "Resource not accessible by integration", self.docs)

    def object_body(self) -> dict[str, Any]:
        """The JSON body, which must be an object (else 400 ``Problems parsing JSON``)."""
        if not isinstance(self.body, dict):
            raise ApiError(400, "Problems parsing JSON", self.docs)
        return self.body

    def int_group(self, index: int = 0) -> int:
        """Path group ``index`` as an int (routes only match digits there)."""
        return int(self.groups[index])

    def not_found(self) -> ApiError:
        """404 ``Not Found`` with this endpoint's documentation URL."""
        return ApiError(404, "Not Found", self.docs)

    def paginate(self, items: Sequence[T], render: Callable[[T], Any]) -> Answer:
        """One page of ``items`` (``per_page`` default 30, max 100) with a ``Link`` header.

        Link URLs are absolute, use the ``/repositories/{id}`` form GitHub itself uses, keep
        the other query parameters in order and set ``page``; prev/next/last/first appear as on
        GitHub (none at all when everything fits on one page).
        """
        params = dict(self.query)
        per_page = _positive_int(params.get("per_page"), DEFAULT_PER_PAGE)
        per_page = min(per_page, MAX_PER_PAGE)
        page = _positive_int(params.get("page"), 1)
        last = max(1, math.ceil(len(items) / per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []
        if page > 1:
            links.append((min(page - 1, last), "prev"))
        if page < last:
            links += [(page + 1, "next"), (last, "last")]
        if page > 1:
            links.append((1, "first"))
        headers = {}
        if links:
            headers["Link"] = ", ".join(f'<{self._page_url(n)}>; rel="{rel}"' for n, rel in links)
        return Answer(200, [render(item) for item in chunk], headers)

    def _page_url(self, page: int) -> str:
        """The absolute URL of ``page`` of this listing."""
        query = [(k, v) for k, v in self.query if k != "page"]
        if any(k == "page" for k, _ in self.query):
            at = next(i for i, (k, _) in enumerate(self.query) if k == "page")
            query.insert(at, ("page", str(page)))
        else:
            query.append(("page", str(page)))
        return f"{self.urls.api}/repositories/{self.repo.id}{self.rest}?{urlencode(query)}"


def parse_links(header: str) -> dict[str, str]:
    """A ``Link`` header as ``{rel: url}`` (what a client following pages reads)."""
    return {rel: url for url, rel in re.findall(r'<([^>]*)>;\s*rel="([^"]+)"', header)}


def json_text(value: Any) -> str:
    """``value`` as GitHub's schema errors print it: JSON, with ``nil`` for null (Ruby)."""
    return "nil" if value is None else json.dumps(value)


def _positive_int(text: str | None, default: int) -> int:
    """``text`` as a positive int, else ``default`` (GitHub ignores unusable values)."""
    try:
        value = int(text) if text is not None else default
    except ValueError:
        return default
    return value if value > 0 else default


def parse_json(raw: bytes) -> tuple[bool, Any]:
    """``(ok, value)``: an empty body is ``(True, None)``; invalid JSON is ``(False, None)``."""
    if not raw.strip():
        return True, None
    try:
        return True, json.loads(raw)
    except ValueError:
        return False, None
