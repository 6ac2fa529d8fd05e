"""What ``trend: 20`` costs: W&B requests and time of a report with and without the trend.

    .venv/bin/python -m bench.trend               # 60 base-branch commits, 3 seeds on 2 in 3
    .venv/bin/python -m bench.trend --latency 0.1

The project: the report's 5 candidates and 3 tagged baselines with 2,000-step histories, and a
base branch of ``--commits`` first-parent commits, two in three with ``--seeds`` finished runs
(each with a 300-step history the trend must not ask for), among ``--other`` unrelated runs.
wandb-pr runs in-process (the CLI's ``main``) against the W&B test server on loopback, with
``--trend-commits`` naming the chain (the chain's own cost is one GitHub request, or local git,
and not measured here). It prints a Markdown table: requests, bytes received, and the median
wall time of ``--repeat`` runs of each. The trend's query pages like any selection: with the
default ``page-size`` of 100, the 120 runs of the 40 commits with runs take two pages.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from dataclasses import dataclass

from tests.wandb_server import WandbTestServer

from wandb_pr.entry.cli import main as cli

__all__ = ["TrendCost", "measure", "populate_base_branch"]

SHA = "0123456789abcdef0123456789abcdef01234567"
ENTITY, PROJECT = "acme", "bench"


@dataclass(frozen=True)
class TrendCost:
    """One configuration's cost."""

    label: str
    requests: int
    response_bytes: int
    seconds: float


def chain(commits: int) -> list[str]:
    """The base branch's first-parent commits, newest first."""
    return [f"{i:040x}" for i in range(1, commits + 1)]


def populate_base_branch(
    server: WandbTestServer, *, commits: int, seeds: int, other: int, steps: int = 300
) -> list[str]:
    """Candidates, baselines, the base branch's runs and unrelated runs; the chain."""
    long = [{"_step": s, "val_loss": 1 / (s + 1), "val_acc": 1 - 1 / (s + 2)} for s in range(2000)]
    short = [{"_step": s, "val_loss": 1 / (s + 1)} for s in range(steps)]
    for i in range(5):
        summary = {"val_loss": 0.3 + i / 100, "val_acc": 0.9}
        server.add_run(ENTITY, PROJECT, config={"github_sha": SHA}, summary=summary, history=long)
    for i in range(3):
        summary = {"val_loss": 0.32 + i / 100, "val_acc": 0.89}
        server.add_run(ENTITY, PROJECT, tags=["baseline"], summary=summary, history=long)
    shas = chain(commits)
    for position, sha in enumerate(shas):
        if position % 3 == 1:
            continue
        for seed in range(seeds):
            summary = {"val_loss": 0.4 - position / 1000 + seed / 100, "val_acc": 0.85}
            server.add_run(
                ENTITY, PROJECT, config={"github_sha": sha}, summary=summary, history=short
            )
    for i in range(other):
        server.add_run(ENTITY, PROJECT, tags=["nightly"], config={"github_sha": f"{i:040x}"[::-1]})
    return shas


def measure(
    server: WandbTestServer,
    shas: list[str],
    *,
    trend: int,
    repeat: int,
    label: str,
    page_size: int = 100,
) -> TrendCost:
    """Run the report ``repeat`` times; its requests, bytes and median time."""
    args = ["report", "--project", f"{ENTITY}/{PROJECT}", "--sha", SHA, "--format", "json"]
    args += ["--page-size", str(page_size)]
    args += ["--baseline-tag", "baseline", "--metric", "val_loss:min", "--metric", "val_acc:max"]
    if trend:
        args += ["--trend", str(trend), "--trend-commits", ",".join(shas)]
    env = {"WANDB_API_KEY": server.api_key, "WANDB_BASE_URL": server.base_url}
    times, counts, sizes = [], set(), set()
    for _ in range(repeat):
        server.reset_counters()
        out, err = io.StringIO(), io.StringIO()
        started = time.perf_counter()
        code = cli(args, environ=env, stdout=out, stderr=err)
        times.append(time.perf_counter() - started)
        if code != 0:
            raise RuntimeError(f"{label}: exit {code}: {err.getvalue()}")
        counts.add(server.graphql_request_count)
        sizes.add(server.bytes_sent)
    if len(counts) != 1:
        raise RuntimeError(f"{label}: request counts differ between repetitions: {counts}")
    return TrendCost(label, counts.pop(), max(sizes), statistics.median(times))


def table(costs: list[TrendCost]) -> str:
    """The Markdown table."""
    rows = ["| report | W&B requests | bytes received | median time |", "| --- | --: | --: | --: |"]
    rows += [
        f"| {c.label} | {c.requests} | {c.response_bytes:,} | {c.seconds * 1000:.0f} ms |"
        for c in costs
    ]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    """Measure a report without and with ``trend: N``; print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.trend")
    parser.add_argument("--trend", type=int, default=20)
    parser.add_argument("--commits", type=int, default=60, help="first-parent commits looked at")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--other", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args(argv)
    with WandbTestServer() as server:
        shas = populate_base_branch(
            server, commits=options.commits, seeds=options.seeds, other=options.other
        )
        server.latency = options.latency
        costs = [
            measure(server, shas, trend=0, repeat=options.repeat, label="no trend"),
            measure(
                server,
                shas,
                trend=options.trend,
                repeat=options.repeat,
                label=f"trend: {options.trend} ({options.commits} commits looked at)",
            ),
        ]
    print(table(costs))


if __name__ == "__main__":
    main()
