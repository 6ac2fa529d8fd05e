"""Runs trained on uncommitted code: W&B's saved ``diff.patch`` flags them, ``--require-clean``
fails the gate on them, and the flag costs no request of its own."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.github_server import GitHubTestServer
from tests.test_action_publish import (  # noqa: F401 - runner is a fixture
    HEAD,
    PR_EVENT,
    outputs,
    run_action,
    runner,
)
from tests.wandb_server import WandbTestServer
from wandb_pr.compare import Verdict, compare, parse_metric_specs
from wandb_pr.compare.notices import size_text
from wandb_pr.entry.cli import main
from wandb_pr.entry.exit_codes import (
    EXIT_OK,
    EXIT_REGRESSION,
    EXIT_UNCOMMITTED,
    gate_exit_code,
)
from wandb_pr.models import Run, RunSet, RunState

SHA = "0123456789abcdef0123456789abcdef01234567"


def add_runs(server: WandbTestServer, *, dirty: dict[str, int]) -> None:
    """Three candidates of SHA and two tagged baselines; ``dirty`` gives runs a diff.patch."""
    for i, loss in enumerate((0.30, 0.31, 0.29)):
        run_id = f"c{i}"
        files = {"diff.patch": dirty[run_id]} if run_id in dirty else {"requirements.txt": 90}
        server.add_run(
            "acme",
            "detector",
            id=run_id,
            display_name=f"cand-{i}",
            config={"github_sha": SHA},
            summary={"val_loss": loss},
            files=files,
        )
    for i, loss in enumerate((0.40, 0.41)):
        run_id = f"b{i}"
        files = {"diff.patch": dirty[run_id]} if run_id in dirty else {}
        server.add_run(
            "acme",
            "detector",
            id=run_id,
            tags=["baseline"],
            summary={"val_loss": loss},
            files=files,
        )


def report(server: WandbTestServer, *extra: str, fmt: str = "json") -> tuple[int, str, str]:
    """``wandb-pr report`` against the test server: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    args = ["report", "--project", "acme/detector", "--sha", SHA, "--baseline-tag", "baseline"]
    args += ["--metric", "val_loss:min", "--format", fmt, *extra]
    env = {"WANDB_API_KEY": server.api_key, "WANDB_BASE_URL": server.base_url}
    code = main(args, environ=env, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_dirty_run_is_flagged_from_the_api_in_the_same_request(
    wandb_server: WandbTestServer,
) -> None:
    """A run with a 1234-byte diff.patch is flagged in JSON (run and notice), in one request."""
    add_runs(wandb_server, dirty={"c1": 1234})
    code, out, err = report(wandb_server)
    assert code == EXIT_OK, err
    document: dict[str, Any] = json.loads(out)
    assert wandb_server.graphql_request_count == 1
    sizes = {run["id"]: run["uncommitted_bytes"] for run in document["candidates"]}
    assert sizes == {"c0": None, "c1": 1234, "c2": None}
    notices = [n for n in document["notices"] if n["code"] == "uncommitted-changes"]
    assert notices == [
        {
            "code": "uncommitted-changes",
            "message": "Candidate run cand-1 (c1) was trained with uncommitted changes: "
            "1.2 KB diff",
            "run": "c1",
            "side": "candidate",
            "size_bytes": 1234,
        }
    ]
    assert document["comparison"]["verdict"] == "pass"
    assert document["comparison"]["uncommitted"] == ["c1"]


def test_dirty_run_is_flagged_in_markdown_terminal_and_csv(
    wandb_server: WandbTestServer, tmp_path: Any
) -> None:
    """The Markdown and the terminal report carry the sentence; the CSV the diff's size."""
    add_runs(wandb_server, dirty={"b1": 56_789})
    sentence = (
        "Run run-5 (56.8 KB diff) was trained with uncommitted changes: the results are not "
        "those of the commit alone."
    )
    for fmt in ("markdown", "text"):
        code, out, err = report(wandb_server, fmt=fmt)
        assert code == EXIT_OK, err
        assert sentence in out
    csv_path = tmp_path / "report.csv"
    code, _, err = report(wandb_server, "--csv", str(csv_path))
    assert code == EXIT_OK, err
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    assert {r["run.id"]: r["run.uncommitted_bytes"] for r in rows} == {
        "c0": "",
        "c1": "",
        "c2": "",
        "b0": "",
        "b1": "56789",
    }


def test_require_clean_fails_the_gate_with_its_own_exit_code(
    wandb_server: WandbTestServer,
) -> None:
    """--require-clean turns a pass into uncommitted-changes (exit 11), even with
    --allow-missing; without it the same runs pass."""
    add_runs(wandb_server, dirty={"c2": 10})
    code, out, err = report(wandb_server, "--fail-on-regression")
    assert code == EXIT_OK, err
    code, out, _ = report(wandb_server, "--fail-on-regression", "--require-clean")
    assert code == EXIT_UNCOMMITTED
    assert json.loads(out)["comparison"]["verdict"] == "uncommitted-changes"
    code, _, _ = report(wandb_server, "--fail-on-regression", "--require-clean", "--allow-missing")
    assert code == EXIT_UNCOMMITTED
    code, out, _ = report(wandb_server, "--fail-on-regression", "--require-clean", fmt="markdown")
    assert code == EXIT_UNCOMMITTED
    assert "trained with uncommitted changes: cand-2 (10 B diff) (require-clean)" in out


def test_require_clean_passes_clean_runs(wandb_server: WandbTestServer) -> None:
    """Runs without a diff.patch (other files saved) pass with --require-clean."""
    add_runs(wandb_server, dirty={})
    code, out, err = report(wandb_server, "--fail-on-regression", "--require-clean")
    assert code == EXIT_OK, err
    document = json.loads(out)
    assert document["comparison"]["verdict"] == "pass"
    assert not [n for n in document["notices"] if n["code"] == "uncommitted-changes"]


def _run(run_id: str, loss: float, diff: int | None) -> Run:
    return Run(
        id=run_id,
        name=run_id,
        entity="acme",
        project="detector",
        state=RunState.FINISHED,
        url=None,
        summary={"val_loss": loss},
        uncommitted_bytes=diff,
    )


def test_a_regression_stays_a_regression_with_require_clean() -> None:
    """A failing verdict is kept (it is more specific); the dirty runs are still listed."""
    run_set = RunSet(
        candidates=(_run("c", 0.9, 5), _run("c2", 0.91, None)),
        baselines=(_run("b", 0.3, None), _run("b2", 0.31, None)),
    )
    comparison = compare(run_set, parse_metric_specs(["val_loss:min"]), require_clean=True)
    assert comparison.verdict is Verdict.REGRESSION
    assert comparison.uncommitted == ("c",)
    assert gate_exit_code(comparison.verdict, allow_missing=False) == EXIT_REGRESSION


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 B"), (999, "999 B"), (1000, "1.0 KB"), (1234, "1.2 KB"), (3_400_000, "3.4 MB")],
)
def test_size_text(size: int, text: str) -> None:
    """Diff sizes read as people write them."""
    assert size_text(size) == text


def test_action_require_clean_fails_the_check_run(
    runner: dict[str, str],  # noqa: F811 - the fixture
    tmp_path: Path,
    github_server: GitHubTestServer,
    wandb_server: WandbTestServer,
) -> None:
    """In the Action, require-clean with fail-on-regression exits 11 and fails the check run;
    the sticky comment names the dirty run and its diff's size."""
    wandb_server.add_run(
        "acme",
        "det",
        id="dirty",
        display_name="seed-9",
        config={"github_sha": HEAD},
        summary={"val_acc": 0.96},
        files={"diff.patch": 2048},
    )
    env = {**runner, "INPUT_CHECK": "true", "INPUT_FAIL_ON_REGRESSION": "true"}
    env |= {"INPUT_REQUIRE_CLEAN": "true", "INPUT_METRICS": "val_acc:max:50%"}
    code, out, _ = run_action(env, tmp_path, "pull_request", PR_EVENT)
    assert code == EXIT_UNCOMMITTED
    assert "trained with uncommitted changes: seed-9 (2.0 KB diff)" in out
    check = github_server.check_runs("octo", "app")[0]
    assert check["conclusion"] == "failure"
    body = github_server.comments("octo", "app", 7)[0]["body"]
    assert "Run seed-9 (2.0 KB diff) was trained with uncommitted changes" in body
    assert outputs(runner)["verdict"] == "uncommitted-changes"


@pytest.mark.slow
def test_real_client_lists_the_diff_patch_as_wandb_pr_reads_it(
    wandb_server: WandbTestServer, wandb_env: dict[str, str]
) -> None:
    """The real wandb.Api's run.files(names=["diff.patch"]) sees the size wandb-pr reads, so
    the test server's files field answers as W&B's does."""
    import wandb

    add_runs(wandb_server, dirty={"c1": 1234})
    api = wandb.Api(overrides={"base_url": wandb_server.base_url}, api_key=wandb_server.api_key)
    files = list(api.run("acme/detector/c1").files(names=["diff.patch"]))
    assert [(f.name, f.size) for f in files] == [("diff.patch", 1234)]
    assert [f.name for f in api.run("acme/detector/c0").files(names=["diff.patch"])] == []
    assert [f.name for f in api.run("acme/detector/c0").files()] == ["requirements.txt"]
