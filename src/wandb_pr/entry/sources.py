"""Opening run sources: W&B from the key and server in the environment, or offline runs."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import httpx

from wandb_pr import __version__
from wandb_pr.errors import InputError
from wandb_pr.retry import RetryPolicy
from wandb_pr.sources.local import LocalRunSource
from wandb_pr.sources.wandb_api import DEFAULT_BASE_URL, WandbClient, WandbRunSource

__all__ = ["open_offline_source", "open_wandb_source"]

log = logging.getLogger(__name__)


def open_offline_source(directory: Path, *, stderr: TextIO) -> LocalRunSource:
    """Runs that ``wandb`` wrote in offline mode under ``directory``."""
    from wandb_pr.sources.offline import read_offline_runs

    def warn(message: str) -> None:
        stderr.write(f"wandb-pr: warning: {message}\n")

    runs = read_offline_runs(directory, warn=warn)
    return LocalRunSource(runs, description=f"offline runs under {directory}")


@contextmanager
def open_wandb_source(env: Mapping[str, str], *, deadline: float) -> Iterator[WandbRunSource]:
    """A W&B run source from ``WANDB_API_KEY`` and ``WANDB_BASE_URL``; closes its connections."""
    api_key = (env.get("WANDB_API_KEY") or "").strip()
    if not api_key:
        raise InputError(
            "No W&B API key: WANDB_API_KEY is not set.",
            tip="Copy a key from https://wandb.ai/authorize (or your server's /authorize) and "
            "export WANDB_API_KEY; in GitHub Actions pass a secret as the wandb-api-key input.",
        )
    base_url = (env.get("WANDB_BASE_URL") or "").strip() or DEFAULT_BASE_URL
    if not base_url.startswith(("http://", "https://")):
        raise InputError(
            f"WANDB_BASE_URL {base_url!r} is not an http(s) URL.",
            tip="Set it to your W&B server's root, e.g. https://wandb.example.com.",
        )
    headers = {"User-Agent": f"wandb-pr/{__version__}"}
    policy = RetryPolicy(deadline=deadline, request_timeout=min(30.0, deadline))
    # A plain-http server (a local W&B) needs no TLS context: building one costs ~45 ms.
    verify = base_url.startswith("https://")
    with httpx.Client(headers=headers, follow_redirects=False, verify=verify) as http:
        client = WandbClient(
            http,
            api_key=api_key,
            base_url=base_url,
            retry=policy,
            on_retry=lambda reason, wait: log.warning("W&B: %s; retrying in %.1f s", reason, wait),
        )
        yield WandbRunSource(client)
