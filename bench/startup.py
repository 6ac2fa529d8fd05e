"""Start-up: how long ``wandb-pr --version`` and ``--help`` take, and what they import.

Times are medians of N fresh processes, next to ``python -c pass`` on the same interpreter.
Imports come from ``python -X importtime`` (``PYTHONPROFILEIMPORTTIME=1``) of the real console
script, so every module the command loads is listed, stdlib included.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HEAVY", "Imports", "Timing", "imports_of", "startup_commands", "time_commands"]

HEAVY = (
    "httpx",
    "httpcore",
    "h11",
    "anyio",
    "ssl",
    "certifi",
    "wandb",
    "wandb_pr.entry.report",
    "wandb_pr.sources",
    "wandb_pr.pipeline",
    "wandb_pr.compare",
    "wandb_pr.render",
    "wandb_pr.selection",
    "wandb_pr.settings",
)
"""Modules a ``--version`` or ``--help`` has no use for (a package counts with its children)."""

_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|(\s+)(\S+)$")


@dataclass(frozen=True)
class Timing:
    """Wall time of one command over several fresh processes."""

    label: str
    """How the command is shown."""
    median: float
    """Median seconds."""
    low: float
    """Fastest run, seconds."""
    high: float
    """Slowest run, seconds."""


@dataclass(frozen=True)
class Imports:
    """What one command imported."""

    label: str
    """How the command is shown."""
    modules: frozenset[str]
    """Every module imported."""
    seconds: float
    """Sum of the import times of all modules (``-X importtime``'s self column)."""

    def loaded(self, name: str) -> bool:
        """Whether ``name`` or any module inside it was imported."""
        return any(m == name or m.startswith(name + ".") for m in self.modules)


def console_script() -> list[str]:
    """The installed ``wandb-pr`` script next to this interpreter, else ``python -m wandb_pr``."""
    script = Path(sys.executable).with_name("wandb-pr")
    return [str(script)] if script.exists() else [sys.executable, "-m", "wandb_pr"]


def startup_commands() -> dict[str, list[str]]:
    """The commands to time, by label; ``python -c pass`` is the reference."""
    script = console_script()
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "wandb-pr --version": [*script, "--version"],
        "wandb-pr --help": [*script, "--help"],
        "python -m wandb_pr --version": [sys.executable, "-m", "wandb_pr", "--version"],
        "python -c 'import httpx'": [sys.executable, "-c", "import httpx"],
        "python -c 'import wandb'": [sys.executable, "-c", "import wandb"],
    }


def time_commands(commands: dict[str, list[str]], *, runs: int) -> list[Timing]:
    """Run each command ``runs`` times, round-robin so drift hits all alike."""
    seconds: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, argv in commands.items():
            started = time.perf_counter()
            subprocess.run(argv, capture_output=True, check=True, env=_quiet_env())
            seconds[label].append(time.perf_counter() - started)
    return [
        Timing(label, statistics.median(values), min(values), max(values))
        for label, values in seconds.items()
    ]


def imports_of(label: str, argv: Sequence[str]) -> Imports:
    """The modules ``argv`` imports, from ``-X importtime`` on its stderr."""
    env = _quiet_env() | {"PYTHONPROFILEIMPORTTIME": "1"}
    done = subprocess.run(argv, capture_output=True, text=True, check=True, env=env)
    modules, micros = set(), 0
    for line in done.stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            micros += int(match.group(1))
            modules.add(match.group(4))
    if not modules:
        raise RuntimeError(f"no -X importtime output from {label}:\n{done.stderr[-2000:]}")
    return Imports(label, frozenset(modules), micros / 1e6)


def _quiet_env() -> dict[str, str]:
    """This environment without anything that changes what Python imports at start."""
    drop = ("PYTHONPROFILEIMPORTTIME", "PYTHONSTARTUP", "COVERAGE_PROCESS_START", "PYTHONPATH")
    return {name: value for name, value in os.environ.items() if name not in drop}
