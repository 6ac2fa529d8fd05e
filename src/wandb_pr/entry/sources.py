"""Opening run sources: W&B from the key and server in the environment, or offline runs."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from wandb_pr import __version__
from wandb_pr.entry.keys import find_api_key
from wandb_pr.errors import InputError
from wandb_pr.notes import Note, Notes, ignore
from wandb_pr.retry import RetryPolicy
from wandb_pr.sources.local import LocalRunSource
from wandb_pr.sources.wandb_api import DEFAULT_BASE_URL, WandbClient, WandbRunSource

__all__ = ["open_offline_source", "open_wandb_source", "wandb_base_url"]

log = logging.getLogger(__name__)


def open_offline_source(directory: Path) -> LocalRunSource:
    """Runs that ``wandb`` wrote in offline mode under ``directory``; what could not be read
    travels with the runs as warnings, to the report and the user."""
    from wandb_pr.sources.offline import read_offline_dir

    warnings: list[str] = []
    found = read_offline_dir(directory, warn=warnings.append)
    return LocalRunSource(
        found.runs,
        description=f"offline runs under {directory}",
        unreadable=found.unreadable,
        warnings=warnings,
    )


def wandb_base_url(env: Mapping[str, str]) -> str:
    """``WANDB_BASE_URL``, checked; W&B cloud when unset."""
    base_url = (env.get("WANDB_BASE_URL") or "").strip() or DEFAULT_BASE_URL
    if not base_url.startswith(("http://", "https://")):
        raise InputError(
            f"WANDB_BASE_URL {base_url!r} is not an http(s) URL.",
            tip="Set it to your W&B server's root, e.g. https://wandb.example.com.",
        )
    return base_url


@contextmanager
def open_wandb_source(
    env: Mapping[str, str], *, deadline: float, notes: Notes = ignore, no_key_tip: str = ""
) -> Iterator[WandbRunSource]:
    """A W&B run source from the key (``WANDB_API_KEY`` or ``~/.netrc``) and ``WANDB_BASE_URL``;
    closes its connections."""
    base_url = wandb_base_url(env)
    found = find_api_key(env, base_url)
    if not found.key:
        raise InputError(
            f"No W&B API key: none in {found.source}.",
            tip=no_key_tip
            or "Copy a key from https://wandb.ai/authorize (or your server's /authorize) and "
            "export WANDB_API_KEY (or run wandb login); in GitHub Actions pass a secret as the "
            "wandb-api-key input.",
        )
    headers = {"User-Agent": f"wandb-pr/{__version__}"}
    policy = RetryPolicy(deadline=deadline, request_timeout=min(30.0, deadline))
    # A plain-http server (a local W&B) needs no TLS context: building one costs ~45 ms.
    verify = base_url.startswith("https://")

    def on_retry(reason: str, wait: float) -> None:
        notes(Note("retry", f"W&B: {reason}; retrying in {wait:.1f} s"))

    with httpx.Client(headers=headers, follow_redirects=False, verify=verify) as http:
        client = WandbClient(
            http, api_key=found.key, base_url=base_url, retry=policy, on_retry=on_retry
        )
        yield WandbRunSource(client)
