"""The measurements: both sides on one project, and wandb-pr's memory as the project grows."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bench.measure import Measurement, child_environment, run_child
from bench.project import Generated, ProjectShape, populate
from bench.sides import check_output, official_argv, wandb_pr_argv
from bench.timed_server import TimedServer
from wandb_pr.chart_plan import RUNS_PER_SIDE

__all__ = [
    "OFFICIAL",
    "OFFICIAL_FULL",
    "SUMMARIES_ONLY",
    "WANDB_PR",
    "WIDE",
    "Result",
    "end_to_end",
    "memory_profile",
    "wide_memory",
    "wide_sides",
]

WANDB_PR = "wandb-pr"
OFFICIAL = "wandb.Api()"
OFFICIAL_FULL = "wandb.Api(), lazy=False"
SUMMARIES_ONLY = "wandb-pr, summaries only"
WIDE = ProjectShape(
    runs=2_060,
    candidates=2_000,
    baselines=60,
    history_steps=300,
    metrics=30,
    history_variants=16,
)
"""A sweep: 2,000 candidates and 60 baselines of one commit, 30 metrics, 300-step histories."""

Side = Callable[[Generated, Path], list[str]]


@dataclass(frozen=True)
class Result:
    """Every repetition of one side, and their median."""

    label: str
    """The side."""
    runs: tuple[Measurement, ...]
    """One measurement per repetition."""
    busy: tuple[float, ...]
    """The test server's busy seconds during each repetition."""

    @property
    def median(self) -> Measurement:
        """Median time and memory; requests are the same in every repetition (checked)."""
        if len({m.requests for m in self.runs}) != 1:
            raise RuntimeError(f"{self.label}: request counts differ between repetitions")
        first = self.runs[0]
        return replace(
            first,
            to_report=statistics.median(m.to_report for m in self.runs),
            to_exit=statistics.median(m.to_exit for m in self.runs),
            peak_rss_kib=int(statistics.median(m.peak_rss_kib for m in self.runs)),
        )

    @property
    def server_busy(self) -> float:
        """Median seconds the test server spent answering (latency excluded)."""
        return statistics.median(self.busy)


def _sides(workdir: Path, *, official: bool) -> dict[str, tuple[str, Side]]:
    """Each side to run, by label: a file-name slug and its command line."""
    sides: dict[str, tuple[str, Side]] = {WANDB_PR: ("wandb-pr", wandb_pr_argv)}
    if official:
        lazy, full = workdir / "official-lazy.spec", workdir / "official-full.spec"
        sides[OFFICIAL] = ("official", lambda project, out: official_argv(project, out, lazy))
        sides[OFFICIAL_FULL] = (
            "official-full",
            lambda project, out: official_argv(project, out, full, lazy=False),
        )
    return sides


def wide_sides(workdir: Path, *, official: bool) -> dict[str, tuple[str, Side]]:
    """The sides of the wide scenario: wandb-pr, wandb-pr without history (the summaries
    alone, for the bytes), and ``wandb.Api()`` reading summaries with ``lazy=False`` and the
    history of the same 20 evenly spaced runs a side (lazy, it would send 2,060 more requests)."""
    sides: dict[str, tuple[str, Side]] = {
        WANDB_PR: ("wandb-pr", wandb_pr_argv),
        SUMMARIES_ONLY: (
            "summaries",
            lambda project, out: wandb_pr_argv(project, out, charts=False),
        ),
    }
    if official:
        spec = workdir / "official-wide.spec"
        sides[OFFICIAL_FULL] = (
            "official-full",
            lambda project, out: official_argv(
                project, out, spec, lazy=False, history_runs=RUNS_PER_SIDE
            ),
        )
    return sides


def wide_memory(
    candidates: Sequence[int], *, latency: float, workdir: Path
) -> list[tuple[int, Result]]:
    """wandb-pr on sweeps of each size (60 baselines, the wide shape otherwise)."""
    results = []
    for count in candidates:
        shape = replace(WIDE, runs=count + WIDE.baselines, candidates=count)
        sides = {WANDB_PR: ("wandb-pr", wandb_pr_argv)}
        [result] = end_to_end(shape, latency=latency, repeat=1, workdir=workdir, sides=sides)
        results.append((count, result))
    return results


def end_to_end(
    shape: ProjectShape,
    *,
    latency: float,
    repeat: int,
    workdir: Path,
    official: bool = True,
    sides: dict[str, tuple[str, Side]] | None = None,
) -> list[Result]:
    """Run each side ``repeat`` times, interleaved, on one generated project."""
    server = TimedServer()
    with server:
        project = populate(server.store, shape)
        server.latency = latency
        env = child_environment(server, workdir / "home")
        sides = sides if sides is not None else _sides(workdir, official=official)
        measured: dict[str, list[tuple[Measurement, float]]] = {label: [] for label in sides}
        for attempt in range(repeat):
            for label, (slug, argv) in sides.items():
                report = workdir / f"{slug}-{attempt}.json"
                measurement = run_child(
                    label,
                    argv(project, report),
                    report=report,
                    server=server,
                    env=env,
                    cwd=workdir,
                )
                check_output(label, report, project, history=label != SUMMARIES_ONLY)
                measured[label].append((measurement, server.busy_seconds))
        _check_server(server)
    return [
        Result(label, tuple(m for m, _ in pairs), tuple(b for _, b in pairs))
        for label, pairs in measured.items()
    ]


def memory_profile(
    sizes: Sequence[int], shape: ProjectShape, *, latency: float, repeat: int, workdir: Path
) -> list[tuple[int, Result]]:
    """wandb-pr on projects of each size; the selected runs are the same in every one."""
    results = []
    for size in sizes:
        sized = replace(shape, runs=size)
        [result] = end_to_end(
            sized, latency=latency, repeat=repeat, workdir=workdir, official=False
        )
        results.append((size, result))
    return results


def _check_server(server: TimedServer) -> None:
    """Fail when the test server itself failed (a benchmark of errors proves nothing)."""
    if server.internal_errors:
        raise RuntimeError("the W&B test server failed:\n" + "\n".join(server.internal_errors))
