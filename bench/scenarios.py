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

__all__ = ["OFFICIAL", "OFFICIAL_FULL", "WANDB_PR", "Result", "end_to_end", "memory_profile"]

WANDB_PR = "wandb-pr"
OFFICIAL = "wandb.Api()"
OFFICIAL_FULL = "wandb.Api(), lazy=False"

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


def end_to_end(
    shape: ProjectShape, *, latency: float, repeat: int, workdir: Path, official: bool = True
) -> list[Result]:
    """Run each side ``repeat`` times, interleaved, on one generated project."""
    server = TimedServer()
    with server:
        project = populate(server.store, shape)
        server.latency = latency
        env = child_environment(server, workdir / "home")
        sides = _sides(workdir, official=official)
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
                check_output(label, report, project)
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
