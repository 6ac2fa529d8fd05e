"""Run one side of the comparison as a fresh process and measure it.

Each command runs under ``bench/spawn.py``, a small wrapper that times it and reads its peak
memory from ``os.wait4`` (see that file for why a wrapper is needed). Time is wall-clock from
just before the command is spawned. "To report" ends at the report file's modification time
(both sides write their output once, at the end); "to exit" ends when the process has exited,
which for the official client includes shutting down its wandb-core sidecar. Requests are
those the W&B test server received while the command ran.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.wandb_server import FAKE_API_KEY, WandbTestServer

__all__ = ["Measurement", "child_environment", "measuring_floor", "run_child", "spawn"]

SPAWN = Path(__file__).with_name("spawn.py")
_INHERITED = ("PATH", "LANG", "LC_ALL", "TMPDIR")
_WANDB_DIRS = {
    "WANDB_DIR": "dir",
    "WANDB_CONFIG_DIR": "config",
    "WANDB_CACHE_DIR": "cache",
    "WANDB_DATA_DIR": "data",
    "WANDB_ARTIFACT_DIR": "artifacts",
}


@dataclass(frozen=True)
class Spawned:
    """What ``bench/spawn.py`` measured of one command."""

    started_wall: float
    """``time.time()`` just before the command was spawned."""
    to_exit: float
    """Seconds until it exited."""
    returncode: int
    """Its exit code (negative: killed by that signal)."""
    peak_rss_kib: int
    """Its peak resident set size in KiB (never below the wrapper's own, about 10 MB)."""


@dataclass(frozen=True)
class Measurement:
    """One side: how long it took, what it asked W&B for, how much memory it used."""

    label: str
    """Which side (``wandb-pr``, ``wandb.Api``)."""
    to_report: float
    """Seconds from spawning the process to its report file being written."""
    to_exit: float
    """Seconds from spawning the process to its exit."""
    requests: int
    """GraphQL requests the server received from it."""
    operations: Mapping[str, int]
    """Those requests by GraphQL operation name."""
    peak_rss_kib: int
    """Its peak resident set size, in KiB."""
    bytes_received: int = 0
    """Bytes of response bodies the server sent it."""


def child_environment(server: WandbTestServer, home: Path) -> dict[str, str]:
    """A clean environment pointing W&B clients at ``server``, with every wandb path in ``home``.

    Only ``PATH`` and the locale are inherited, so no ``WANDB_*`` setting of the caller leaks
    in; ``WANDB_ERROR_REPORTING=false`` keeps wandb-core's Sentry off, so nothing leaves the
    machine.
    """
    env = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    env |= {
        "WANDB_BASE_URL": server.base_url,
        "WANDB_API_KEY": FAKE_API_KEY,
        "WANDB_SILENT": "true",
        "WANDB_ERROR_REPORTING": "false",
        "HOME": str(home),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    for variable, name in _WANDB_DIRS.items():
        (home / name).mkdir(parents=True, exist_ok=True)
        env[variable] = str(home / name)
    return env


def spawn(argv: Sequence[str], *, log: Path, env: Mapping[str, str], cwd: Path) -> Spawned:
    """Run ``argv`` under the measuring wrapper; its output goes to ``log``."""
    wrapper = [sys.executable, "-I", "-S", str(SPAWN), str(log), "--", *argv]
    done = subprocess.run(
        wrapper, env=dict(env), cwd=cwd, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"the measuring wrapper failed:\n{done.stderr}")
    return Spawned(**json.loads(done.stdout))


def run_child(
    label: str,
    argv: Sequence[str],
    *,
    report: Path,
    server: WandbTestServer,
    env: Mapping[str, str],
    cwd: Path,
) -> Measurement:
    """Run one side to completion and measure it; fail loudly if it did not write ``report``."""
    report.unlink(missing_ok=True)
    log = cwd / f"{report.stem}.log"
    server.reset_counters()
    spawned = spawn(argv, log=log, env=env, cwd=cwd)
    if spawned.returncode != 0 or not report.exists():
        text = log.read_text(encoding="utf-8", errors="replace")
        raise RuntimeError(f"{label} failed (exit {spawned.returncode}):\n{text[-4000:]}")
    # File times come from the kernel's coarse clock, a few ms behind time.time(): clamp.
    to_report = min(max(0.0, report.stat().st_mtime - spawned.started_wall), spawned.to_exit)
    operations = Counter(r.operation_name or "(anonymous)" for r in server.requests)
    return Measurement(
        label=label,
        to_report=to_report,
        to_exit=spawned.to_exit,
        requests=server.graphql_request_count,
        operations=dict(operations),
        peak_rss_kib=spawned.peak_rss_kib,
        bytes_received=server.bytes_sent,
    )


def measuring_floor(workdir: Path) -> int:
    """The peak RSS (KiB) the wrapper reports for a command using almost none (``true``)."""
    command = shutil.which("true") or "/bin/true"
    return spawn([command], log=workdir / "floor.log", env=os.environ, cwd=workdir).peak_rss_kib
