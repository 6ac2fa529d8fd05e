"""A W&B GraphQL test server on loopback (runs and artifacts), fault helpers, pytest fixtures."""

from tests.wandb_server.artifact_store import ArtifactStore
from tests.wandb_server.faults import (
    Fault,
    delay,
    graphql_errors,
    malformed_json,
    rate_limited,
    reset,
    status,
)
from tests.wandb_server.server import FAKE_API_KEY, RecordedRequest, WandbTestServer
from tests.wandb_server.store import ProjectData, RunStore

__all__ = [
    "FAKE_API_KEY",
    "ArtifactStore",
    "Fault",
    "ProjectData",
    "RecordedRequest",
    "RunStore",
    "WandbTestServer",
    "delay",
    "graphql_errors",
    "malformed_json",
    "rate_limited",
    "reset",
    "status",
]
