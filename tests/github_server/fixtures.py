"""Pytest fixtures for the GitHub test server (register with ``pytest_plugins``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.github_server.server import GitHubTestServer

__all__ = ["github_server"]


@pytest.fixture
def github_server() -> Iterator[GitHubTestServer]:
    """A started GitHub test server on 127.0.0.1 (default token and grants), stopped after.

    The test fails if the server recorded an internal error (a handler crashed).
    """
    with GitHubTestServer() as server:
        yield server
    assert not server.internal_errors, "the GitHub test server failed:\n" + "\n".join(
        server.internal_errors
    )
