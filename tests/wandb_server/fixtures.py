"""Pytest fixtures for the W&B test server (register with ``pytest_plugins``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.wandb_server.server import FAKE_API_KEY, WandbTestServer

__all__ = ["fake_api_key", "wandb_env", "wandb_server"]

# Variables that would point the real client somewhere else, or change how it behaves.
_CLEARED = (
    "WANDB_MODE",
    "WANDB_DISABLED",
    "WANDB_OFFLINE",
    "WANDB_ENTITY",
    "WANDB_PROJECT",
    "WANDB_RUN_ID",
    "WANDB_APP_URL",
    "WANDB_IDENTITY_TOKEN_FILE",
    "WANDB_CREDENTIALS_FILE",
    "WANDB_HTTP_TIMEOUT",
    "WANDB__PROXIES",
    "NETRC",
)


@pytest.fixture
def fake_api_key() -> str:
    """An API key the test server accepts (and the real client finds well formed)."""
    return FAKE_API_KEY


@pytest.fixture
def wandb_server(fake_api_key: str) -> Iterator[WandbTestServer]:
    """A started W&B test server on 127.0.0.1, stopped after the test."""
    with WandbTestServer(api_key=fake_api_key) as server:
        yield server
    assert not server.internal_errors, "the W&B test server failed:\n" + "\n".join(
        server.internal_errors
    )


@pytest.fixture
def wandb_env(
    wandb_server: WandbTestServer,
    fake_api_key: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[dict[str, str]]:
    """Point W&B's environment at the test server, with every wandb directory under tmp_path.

    The variables are set in ``os.environ`` (for the real ``wandb`` client and its wandb-core
    service) and returned as a dict (for subprocesses). Afterwards ``wandb.teardown()`` drops
    the client's process-wide singleton and its service, so the next test starts afresh.
    """
    home = tmp_path / "wandb-home"
    env = {
        "WANDB_BASE_URL": wandb_server.base_url,
        "WANDB_API_KEY": fake_api_key,
        "WANDB_SILENT": "true",
        "WANDB_ERROR_REPORTING": "false",  # wandb-core runs with --no-observability (no Sentry)
        "WANDB_DIR": str(home / "dir"),
        "WANDB_CONFIG_DIR": str(home / "config"),
        "WANDB_CACHE_DIR": str(home / "cache"),
        "WANDB_DATA_DIR": str(home / "data"),
        "WANDB_ARTIFACT_DIR": str(home / "artifacts"),
        "HOME": str(home),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    for name in ("dir", "config", "cache", "data", "artifacts"):
        (home / name).mkdir(parents=True, exist_ok=True)
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield env
    wandb = sys.modules.get("wandb")
    if wandb is not None:
        wandb.teardown()
