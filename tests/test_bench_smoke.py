"""The benchmark's machinery at a tiny size; the real figures come from ``python -m bench.run``.

Nothing here is timed: these tests check that the benchmark runs both sides, counts their
requests and prints its tables, so ``bench/`` does not rot between full runs.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from bench.project import ProjectShape, populate
from bench.run import main
from bench.scenarios import (
    OFFICIAL,
    OFFICIAL_FULL,
    SUMMARIES_ONLY,
    WANDB_PR,
    WIDE,
    end_to_end,
    wide_sides,
)
from bench.sides import check_output
from bench.tables import end_to_end_table, wide_text

from tests.wandb_server import RunStore

TINY = ProjectShape(runs=200, history_steps=50)
SIDES = ("candidates", "baselines")


def table_rows(text: str, first_column: str) -> dict[str, list[str]]:
    """The rows of the Markdown table whose header starts with ``first_column``, by label."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_column} |"))
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return rows


def test_generation_is_deterministic_and_keeps_the_selected_runs() -> None:
    """The same shape gives the same project; the selected runs do not depend on its size."""
    stores = [RunStore(), RunStore(), RunStore()]
    shapes = [TINY, TINY, ProjectShape(runs=50, history_steps=50)]
    found = [populate(store, shape) for store, shape in zip(stores, shapes, strict=True)]
    runs = [store.project("acme", "bench").runs for store in stores]  # type: ignore[union-attr]
    assert found[0] == found[1]
    assert runs[0] == runs[1]
    assert len(runs[0]) == 200
    assert (found[0].sha, found[0].metrics) == (found[2].sha, found[2].metrics)
    selected = [{r["name"]: r for r in project if "-" in r["name"]} for project in runs]
    assert sorted(selected[0]) == [
        *(f"baseline-{i}" for i in range(3)),
        *(f"candidate-{i}" for i in range(5)),
    ]
    for name, run in selected[0].items():
        other = selected[2][name]
        assert (run["config"], run["history"]) == (other["config"], other["history"])
        assert len(run["history"]) == 50


def test_wandb_pr_side_is_one_request(tmp_path: Path) -> None:
    """wandb-pr's side, in a fresh process on a 200-run project, costs one request."""
    [result] = end_to_end(TINY, latency=0.0, repeat=1, workdir=tmp_path, official=False)
    measured = result.median
    assert (result.label, measured.requests, measured.operations) == (
        WANDB_PR,
        1,
        {"WandbPrRuns": 1},
    )
    assert measured.peak_rss_kib > 10 * 1024  # above the measuring wrapper's floor
    assert 0 < measured.to_report <= measured.to_exit
    report = json.loads((tmp_path / "wandb-pr-0.json").read_text(encoding="utf-8"))
    assert [len(report[side]) for side in ("candidates", "baselines")] == [5, 3]
    assert table_rows(end_to_end_table([result]), "side")[WANDB_PR][2] == "1"


def test_wide_sweep_pages_summaries_and_asks_history_once(tmp_path: Path) -> None:
    """A small wide sweep (120 + 60 runs, 30 metrics): 2 pages, 1 history request, fewer bytes."""
    shape = replace(WIDE, runs=180, candidates=120, history_steps=30)
    sides = wide_sides(tmp_path, official=False)
    results = end_to_end(shape, latency=0.0, repeat=1, workdir=tmp_path, sides=sides)
    measured = {result.label: result.median for result in results}
    ours, alone = measured[WANDB_PR], measured[SUMMARIES_ONLY]
    assert ours.operations == {"WandbPrRuns": 2, "WandbPrHistory": 1}
    assert alone.operations == {"WandbPrRuns": 2}
    assert alone.bytes_received < ours.bytes_received
    report = json.loads((tmp_path / "wandb-pr-0.json").read_text(encoding="utf-8"))
    assert [len(report[side]) for side in SIDES] == [120, 60]
    charted = [sum(1 for run in report[side] if run["history"]) for side in SIDES]
    assert charted == [20, 20]
    assert "3 requests (target: <= 25)" in wide_text(results)


def test_a_side_that_found_other_runs_is_refused(tmp_path: Path) -> None:
    """A fast answer with the wrong runs (or no history) fails the benchmark, not wins it."""
    project = populate(RunStore(), ProjectShape(runs=20, history_steps=5))
    output = tmp_path / "side.json"
    runs = {"candidates": project.candidate_ids, "baselines": project.baseline_ids}
    document = {side: [{"id": i, "history": [1]} for i in ids] for side, ids in runs.items()}
    output.write_text(json.dumps(document), encoding="utf-8")
    check_output("side", output, project)
    document["baselines"].pop()
    output.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(RuntimeError, match="found other baselines"):
        check_output("side", output, project)
    document = {side: [{"id": i, "history": []} for i in ids] for side, ids in runs.items()}
    output.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(RuntimeError, match="candidates without history"):
        check_output("side", output, project)


@pytest.mark.slow
def test_bench_prints_both_sides_request_counts(capsys: pytest.CaptureFixture[str]) -> None:
    """``bench.run`` prints both sides' request counts: 1 for wandb-pr, the N+1 for wandb.Api()."""
    sizes = ["--runs", "200", "--history-steps", "50", "--memory-sizes", "100,200"]
    sizes += ["--wide-candidates", "200"]
    code = main([*sizes, "--latency", "0", "--repeat", "1", "--skip-startup"])
    out = capsys.readouterr().out
    assert code == 0
    sides = table_rows(out, "side")
    requests = {label: int(cells[2]) for label, cells in sides.items()}
    # wandb 0.31.0 (pinned in the test extra): Viewer + GetDefaultEntity, then per side one
    # Runs page, and per run one Run query (lazy) and one RunSampledHistory query.
    assert requests == {WANDB_PR: 1, OFFICIAL: 2 + 2 + 8 + 8, OFFICIAL_FULL: 2 + 2 + 8}
    assert "faster to the report" in out
    memory = table_rows(out, "runs in project")
    assert [cells[-1] for cells in memory.values()] == ["1", "1"]
    # the wide sweep of 200 + 60: pages of 20, 100 and 80 runs, then one history request
    assert "- wandb-pr: " in out
    assert " 4 requests (target: <= 25)" in out
    assert [cells[-1] for cells in table_rows(out, "candidates").values()] == ["4"]


def test_trend_bench_counts_one_more_request_per_page_of_base_branch_runs() -> None:
    """bench.trend at a tiny size: the trend adds one request while its runs fit a page."""
    from bench.trend import measure, populate_base_branch, table

    from tests.wandb_server import WandbTestServer

    with WandbTestServer() as server:
        shas = populate_base_branch(server, commits=15, seeds=2, other=20, steps=5)
        alone = measure(server, shas, trend=0, repeat=1, label="no trend")
        with_trend = measure(server, shas, trend=5, repeat=1, label="trend")
    assert (alone.requests, with_trend.requests) == (1, 2)
    assert "| trend | 2 |" in table([alone, with_trend])
