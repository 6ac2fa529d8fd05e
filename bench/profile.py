"""``python -m bench.profile``: where wandb-pr's own time goes, on the benchmark's project.

Runs ``wandb-pr report`` (the benchmark's command line) in fresh processes twice: once under
``-X importtime`` (the slowest imports, by cumulative time) and once under ``cProfile`` (the
functions with the most time spent in themselves: waiting for W&B, loading modules, building
the TLS context, decoding the answer).
"""

from __future__ import annotations

import argparse
import io
import pstats
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.measure import child_environment
from bench.project import ProjectShape, populate
from bench.sides import wandb_pr_argv
from bench.timed_server import TimedServer

__all__ = ["main"]

_IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+(\d+) \|( +)(\S+)$")


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the project, then print the import and function profiles of one report."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--runs", type=int, default=20_000, help="runs in the project")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added per request")
    parser.add_argument("--history-steps", type=int, default=2_000, help="selected runs' steps")
    parser.add_argument("--top", type=int, default=25, help="lines of each profile")
    args = parser.parse_args(argv)
    server = TimedServer()
    with server, tempfile.TemporaryDirectory(prefix="wandb-pr-profile-") as tmp:
        workdir = Path(tmp)
        project = populate(server.store, ProjectShape(args.runs, history_steps=args.history_steps))
        server.latency = args.latency
        env = child_environment(server, workdir / "home")
        command = wandb_pr_argv(project, workdir / "report.json")
        traced = subprocess.run(
            command,
            env=env | {"PYTHONPROFILEIMPORTTIME": "1"},
            cwd=workdir,
            capture_output=True,
            text=True,
            check=True,
        )
        print(f"## Slowest imports of `wandb-pr report` (cumulative ms), {args.runs:,} runs\n")
        print(_slowest_imports(traced.stderr, args.top))
        stats_file = workdir / "report.prof"
        profiled = [sys.executable, "-m", "cProfile", "-o", str(stats_file), *command[1:]]
        server.reset_counters()
        subprocess.run(profiled, env=env, cwd=workdir, capture_output=True, check=True)
        busy = server.busy_seconds
        print(f"\n## cProfile of `wandb-pr report` (test server busy: {busy:.2f} s)\n")
        print(_profile(stats_file, args.top))
    return 0


def _slowest_imports(stderr: str, top: int) -> str:
    """The ``top`` imports with the largest cumulative time, with their nesting depth."""
    found = []
    for line in stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            depth = (len(match.group(2)) - 1) // 2
            found.append((int(match.group(1)), depth, match.group(3)))
    found.sort(reverse=True)
    return "\n".join(
        f"{micros / 1000:8.1f}  {'  ' * depth}{name}" for micros, depth, name in found[:top]
    )


def _profile(stats_file: Path, top: int) -> str:
    """The ``top`` functions by time spent in themselves."""
    text = io.StringIO()
    pstats.Stats(str(stats_file), stream=text).sort_stats("tottime").print_stats(top)
    lines = text.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return "\n".join(line.rstrip() for line in lines[start:] if line.strip())


if __name__ == "__main__":
    raise SystemExit(main())
