"""What the GitHub Actions environment says about the event: its payload, its commit, the run."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from wandb_pr.errors import InputError
from wandb_pr.events import EventCommit, event_commit

__all__ = ["event_from_env", "is_fork_pull_request", "load_event", "workflow_run_url"]


def workflow_run_url(env: Mapping[str, str]) -> str | None:
    """Link to the GitHub Actions run, when running in one."""
    server, repository, run_id = (
        env.get(name, "").strip()
        for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    if not (server and repository and run_id):
        return None
    return f"{server.rstrip('/')}/{repository}/actions/runs/{run_id}"


def event_from_env(env: Mapping[str, str]) -> EventCommit:
    """The commit the GitHub event points at (nothing outside Actions)."""
    return event_commit(env.get("GITHUB_EVENT_NAME"), load_event(env), env.get("GITHUB_SHA"))


def load_event(env: Mapping[str, str]) -> dict[str, Any] | None:
    """The webhook payload at ``$GITHUB_EVENT_PATH``, if there is one."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return None
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(
            f"The GitHub event payload {path} ($GITHUB_EVENT_PATH) cannot be read: {exc}",
            tip="Outside GitHub Actions, unset GITHUB_EVENT_PATH or pass --sha.",
        ) from exc
    return payload if isinstance(payload, dict) else None


def is_fork_pull_request(payload: Mapping[str, Any] | None) -> bool:
    """Whether the event is a pull request from another repository (a fork gets no secrets)."""
    pull = (payload or {}).get("pull_request")
    if not isinstance(pull, Mapping):
        return False
    head, base = pull.get("head"), pull.get("base")
    if not isinstance(head, Mapping) or not isinstance(base, Mapping):
        return False
    head_repo, base_repo = head.get("repo"), base.get("repo")
    if not isinstance(head_repo, Mapping) or not isinstance(base_repo, Mapping):
        return False
    if head_repo.get("fork") is True:
        return True
    names = head_repo.get("full_name"), base_repo.get("full_name")
    return all(isinstance(n, str) for n in names) and names[0] != names[1]
