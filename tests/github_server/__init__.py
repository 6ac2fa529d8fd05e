"""A GitHub REST API test server on loopback, its fault helpers and pytest fixtures."""

from tests.github_server.faults import (
    Fault,
    delay,
    primary_rate_limit,
    reset,
    secondary_rate_limit,
    status,
)
from tests.github_server.http_api import parse_links
from tests.github_server.server import (
    DEFAULT_PERMISSIONS,
    FAKE_LOGIN,
    FAKE_TOKEN,
    GitHubTestServer,
    RecordedRequest,
)

__all__ = [
    "DEFAULT_PERMISSIONS",
    "FAKE_LOGIN",
    "FAKE_TOKEN",
    "Fault",
    "GitHubTestServer",
    "RecordedRequest",
    "delay",
    "parse_links",
    "primary_rate_limit",
    "reset",
    "secondary_rate_limit",
    "status",
]
