"""Building runs for tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wandb_pr.models import Run, RunState


def make_run(
    run_id: str,
    *,
    state: str = "finished",
    tags: tuple[str, ...] = (),
    config: dict[str, Any] | None = None,
    summary: dict[str, Any] | None = None,
    commit: str | None = None,
    created_at: str = "2024-01-01T00:00:00",
    entity: str = "acme",
    project: str = "detector",
    **fields: Any,
) -> Run:
    """A run with sensible defaults; any other :class:`Run` field may be given by name."""
    return Run(
        id=run_id,
        name=fields.pop("name", run_id),
        entity=entity,
        project=project,
        state=RunState.parse(state),
        url=fields.pop("url", f"https://wandb.ai/{entity}/{project}/runs/{run_id}"),
        tags=tags,
        config=config or {},
        summary=summary or {},
        commit=commit,
        created_at=created_at,
        **fields,
    )


def runner_env(
    tmp_path: Path, *, wandb_url: str, wandb_key: str, api_url: str, token: str
) -> dict[str, str]:
    """The variables an Actions runner gives a step: a workspace, the output and summary files,
    repository octo/app on the GitHub test server, and W&B's key and server as inputs."""
    (tmp_path / "ws").mkdir()
    for name in ("output", "summary"):
        (tmp_path / name).touch()
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(tmp_path / "ws"),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "GITHUB_REPOSITORY": "octo/app",
        "GITHUB_API_URL": api_url,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "99",
        "WANDB_BASE_URL": wandb_url,
        "INPUT_WANDB_API_KEY": wandb_key,
        "INPUT_GITHUB_TOKEN": token,
    }
