"""``python -m bench.run``: wandb-pr against the official client, on the loopback W&B server.

Starts the W&B test server, generates a project (seeded), runs wandb-pr and a ``wandb.Api()``
script as fresh processes against it, and prints Markdown tables: time, HTTP requests and peak
memory of each side and their ratio; wandb-pr's peak memory as the project grows; start-up time
and imports; optionally (``--with-install``, needs the package registry) the install footprint.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import tempfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from bench import tables
from bench.install import installed_closure, measure_install
from bench.measure import measuring_floor
from bench.project import ProjectShape
from bench.scenarios import WIDE, end_to_end, memory_profile, wide_memory, wide_sides
from bench.startup import imports_of, startup_commands, time_commands

__all__ = ["main"]

REPO = Path(__file__).resolve().parents[1]
FULL = {"runs": 20_000, "history_steps": 2_000, "repeat": 5, "startup_runs": 10}
QUICK = {"runs": 2_000, "history_steps": 500, "repeat": 1, "startup_runs": 3}
FULL_SIZES = (1_000, 10_000, 20_000)
QUICK_SIZES = (500, 1_000, 2_000)
WIDE_SIZES = (200, 1_000, 2_000)
QUICK_WIDE_SIZES = (100, 500)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The options; sizes left unset take the full (or ``--quick``) defaults."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--runs", type=int, help="runs in the project (default: 20000)")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added per request")
    parser.add_argument("--history-steps", type=int, help="steps of each selected run's history")
    parser.add_argument("--candidates", type=int, default=5, help="runs on the target commit")
    parser.add_argument("--baselines", type=int, default=3, help="runs tagged baseline")
    parser.add_argument("--repeat", type=int, help="repetitions of each side (medians reported)")
    parser.add_argument(
        "--memory-sizes",
        type=lambda text: tuple(int(part) for part in text.split(",")),
        help="project sizes for the memory table, comma-separated (default: 1000,10000,20000)",
    )
    parser.add_argument("--startup-runs", type=int, help="processes per start-up timing")
    parser.add_argument("--seed", type=int, default=ProjectShape.seed, help="generation seed")
    parser.add_argument("--quick", action="store_true", help="small sizes, one repetition")
    parser.add_argument("--no-official", action="store_true", help="run wandb-pr's side only")
    parser.add_argument("--skip-memory", action="store_true", help="leave out the memory table")
    parser.add_argument("--skip-startup", action="store_true", help="leave out start-up")
    parser.add_argument("--skip-wide", action="store_true", help="leave out the wide sweep")
    parser.add_argument(
        "--wide-candidates", type=int, help="candidates of the wide sweep (default: 2000)"
    )
    parser.add_argument(
        "--with-install",
        action="store_true",
        help="also pip-install the package into a fresh virtualenv (uses the package registry)",
    )
    args = parser.parse_args(argv)
    defaults = QUICK if args.quick else FULL
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.memory_sizes is None:
        args.memory_sizes = QUICK_SIZES if args.quick else FULL_SIZES
    if args.wide_candidates is None:
        args.wide_candidates = 500 if args.quick else WIDE.candidates
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run every section asked for, printing each as it completes."""
    args = parse_args(argv)
    shape = ProjectShape(
        runs=args.runs,
        candidates=args.candidates,
        baselines=args.baselines,
        history_steps=args.history_steps,
        seed=args.seed,
    )
    arguments = sys.argv[1:] if argv is None else list(argv)
    _print(f"# wandb-pr benchmark\n\nCommand: `python -m bench.run {shlex.join(arguments)}`")
    _print(_machine())
    with tempfile.TemporaryDirectory(prefix="wandb-pr-bench-") as tmp:
        workdir = Path(tmp)
        _print(
            f"\n## End to end: {shape.runs:,} runs ({shape.candidates} candidates, "
            f"{shape.baselines} baselines), {args.latency * 1000:.0f} ms latency, "
            f"{shape.history_steps:,}-step histories, median of {args.repeat}\n"
        )
        results = end_to_end(
            shape,
            latency=args.latency,
            repeat=args.repeat,
            workdir=workdir,
            official=not args.no_official,
        )
        _print(tables.end_to_end_table(results))
        if not args.no_official:
            _print("\n" + tables.ratio_text(results))
        if not args.skip_memory:
            selected = shape.candidates + shape.baselines
            _print(
                f"\n## Memory: wandb-pr's peak RSS as the project grows (same {selected} runs)\n"
            )
            sized = memory_profile(
                args.memory_sizes,
                shape,
                latency=args.latency,
                repeat=args.repeat,
                workdir=workdir,
            )
            _print(tables.memory_table(sized, measuring_floor(workdir)))
        if not args.skip_wide:
            _wide(args, workdir)
        if not args.skip_startup:
            _print(f"\n## Start-up: median of {args.startup_runs} processes\n")
            _print(_startup(args.startup_runs))
        _print("\n## Install footprint\n")
        footprints = [installed_closure("wandb-pr"), installed_closure("wandb")]
        if args.with_install:
            footprints.insert(0, measure_install(REPO, workdir))
        _print(tables.footprint_table(footprints))
    _print(f"\n{_load()} at the end (other processes on the machine add noise).")
    return 0


def _wide(args: argparse.Namespace, workdir: Path) -> None:
    """The wide sweep: both sides once, then wandb-pr's memory as the sweep grows."""
    from dataclasses import replace

    count = args.wide_candidates
    shape = replace(WIDE, runs=count + WIDE.baselines, candidates=count)
    _print(
        f"\n## Wide: a sweep of {count:,} candidates and {shape.baselines} baselines of one "
        f"commit, {shape.metrics} metrics, {shape.history_steps}-step histories, "
        f"{args.latency * 1000:.0f} ms latency, one run each\n"
    )
    sides = wide_sides(workdir, official=not args.no_official)
    results = end_to_end(shape, latency=args.latency, repeat=1, workdir=workdir, sides=sides)
    _print(tables.end_to_end_table(results) + "\n\n" + tables.wide_text(results))
    if args.skip_memory:
        return
    sizes = [size for size in (QUICK_WIDE_SIZES if args.quick else WIDE_SIZES) if size <= count]
    _print(f"\n## Memory: wandb-pr's peak RSS as the sweep grows ({shape.baselines} baselines)\n")
    sized = wide_memory(sizes, latency=args.latency, workdir=workdir)
    _print(tables.memory_table(sized, measuring_floor(workdir), first="candidates"))


def _startup(runs: int) -> str:
    """The start-up table and the import lists."""
    commands = startup_commands()
    timings = time_commands(commands, runs=runs)
    baseline = imports_of("python -c pass", commands["python -c pass"])
    imports = [
        imports_of(label, commands[label]) for label in ("wandb-pr --version", "wandb-pr --help")
    ]
    return tables.startup_table(timings) + "\n\n" + tables.imports_text(imports, baseline)


def _machine() -> str:
    """Where the figures were measured."""
    return (
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}; "
        f"wandb {metadata.version('wandb')}; httpx {metadata.version('httpx')}. {_load()} at "
        "the start."
    )


def _load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return "Load average " + ", ".join(f"{value:.2f}" for value in os.getloadavg())


def _print(text: str) -> None:
    """Print a section at once (the run takes a while)."""
    print(text, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
