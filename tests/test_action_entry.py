"""``wandb-pr action``: Action inputs in, files and ``$GITHUB_OUTPUT`` out (both actions)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.test_outputs import parse_github_output
from tests.wandb_server import WandbTestServer
from wandb_pr.entry.cli import main

SHA = "0123456789abcdef0123456789abcdef01234567"


def run_action(env: dict[str, str], *, compat: bool = False) -> tuple[int, str, str]:
    """Run ``wandb-pr action`` in-process; return code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["action", *(["--compat"] if compat else [])], environ=env, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def github(tmp_path: Path, wandb_server: WandbTestServer) -> dict[str, str]:
    """A runner-like environment: workspace, GITHUB_OUTPUT, and W&B pointing at the test server."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (tmp_path / "output").touch()
    wandb_server.add_run(
        "acme", "det", id="c1", config={"github_sha": SHA, "lr": 0.1}, summary={"acc": 0.9}
    )
    wandb_server.add_run("acme", "det", id="c2", config={"github_sha": SHA}, state="running")
    wandb_server.add_run("acme", "det", id="c3", config={"github_sha": SHA}, state="failed")
    wandb_server.add_run("acme", "det", id="b1", tags=["baseline"], summary={"acc": 0.8})
    wandb_server.add_run("acme", "det", id="g1", commit=SHA)  # found by the new action only
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "WANDB_BASE_URL": wandb_server.base_url,
        "INPUT_WANDB_API_KEY": wandb_server.api_key,
    }


def outputs(env: dict[str, str]) -> dict[str, str]:
    """The step outputs written so far."""
    return parse_github_output(Path(env["GITHUB_OUTPUT"]).read_text())


def test_new_action_outputs_and_files(github: dict[str, str]) -> None:
    """The new action finds runs by config and git commit and writes both reports."""
    code, out, err = run_action(
        {
            **github,
            "INPUT_PROJECT": "acme/det",
            "INPUT_SHA": SHA,
            "INPUT_BASELINE_TAGS": "baseline",
            "INPUT_METRICS": "acc",
            "INPUT_CONFIG_KEYS": "lr",
        }
    )
    assert code == 0, err
    workspace = Path(github["GITHUB_WORKSPACE"])
    assert outputs(github) == {
        "verdict": "pending",
        "regressions": "",
        "complete": "false",
        "single-run": "false",
        "num-finished": "2",
        "num-running": "1",
        "num-crashed": "1",
        "num-aborted": "0",
        "num-baselines": "1",
        "csv-path": str(workspace / "wandb_report.csv"),
        "json-path": str(workspace / "wandb_report.json"),
    }
    rows = list(csv.DictReader(io.StringIO((workspace / "wandb_report.csv").read_text())))
    assert [r["run.id"] for r in rows] == ["c1", "c2", "c3", "g1", "b1"]
    assert json.loads((workspace / "wandb_report.json").read_text())["counts"]["running"] == 1
    assert f"::add-mask::{github['INPUT_WANDB_API_KEY']}" in out


def test_compat_action_keeps_the_seed_semantics(github: dict[str, str]) -> None:
    """Compat: config equality only, True/False outputs, CSV of finished candidates + baselines."""
    code, out, err = run_action(
        {
            **github,
            "INPUT_PROJECT_NAME": "acme/det",
            "INPUT_FILTER_GITHUB_SHA": SHA,
            "INPUT_BASELINE_TAGS": "['baseline']",
            "INPUT_DISPLAY_METRICS": "['acc']",
            "INPUT_DISPLAY_CONFIG_VARS": "['lr']",
        },
        compat=True,
    )
    assert code == 0, err
    assert outputs(github) == {
        "BOOL_COMPLETE": "False",
        "BOOL_SINGLE_RUN": "False",
        "NUM_FINISHED": "1",
        "NUM_RUNNING": "1",
        "NUM_CRASHED": "1",
        "NUM_ABORTED": "0",
        "NUM_BASELINES": "1",
    }
    csv_path = Path(github["GITHUB_WORKSPACE"]) / "wandb_report.csv"
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text())))
    assert [(r["run.id"], r["acc"], r["_lr"]) for r in rows] == [
        ("c1", "0.9", "0.1"),
        ("b1", "0.8", ""),
    ]
    assert f"2 runs written to {csv_path}" in out


def test_compat_writes_no_csv_without_finished_runs(github: dict[str, str]) -> None:
    """Like the original, no CSV is written when no candidate finished."""
    code, _, _ = run_action(
        {
            **github,
            "INPUT_PROJECT_NAME": "acme/det",
            "INPUT_RUN_ID": "c2",
            "INPUT_BASELINE_TAGS": "[]",
        },
        compat=True,
    )
    assert code == 0
    assert outputs(github)["NUM_RUNNING"] == "1"
    assert not (Path(github["GITHUB_WORKSPACE"]) / "wandb_report.csv").exists()


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (
            {"INPUT_PROJECT": "acme/det", "INPUT_SHA": SHA, "INPUT_BASELINE_TAGS": "['a',"},
            "input 'baseline-tags' looks like a list but cannot be read: \"['a',\"",
        ),
        (
            {"INPUT_PROJECT": "acme/det", "INPUT_SHA": SHA, "INPUT_DEBUG": "yes"},
            "input 'debug' must be true or false, got 'yes'",
        ),
        (
            {"INPUT_PROJECT": "acme/det/x", "INPUT_SHA": SHA},
            "W&B project 'acme/det/x' (input 'project') is not of the form ENTITY/PROJECT.",
        ),
        (
            {"INPUT_PROJECT": "acme/det", "INPUT_SHA": "short"},
            "Commit SHA 'short' (input 'sha') is 5 characters long",
        ),
        (
            {"INPUT_PROJECT": "acme/det", "INPUT_SHA": SHA, "INPUT_FILTER": '{"a": {"$foo": 1}}'},
            "input 'filter' is not a valid W&B run filter: unknown operator $foo at a",
        ),
    ],
)
def test_new_action_input_errors(
    github: dict[str, str], inputs: dict[str, str], message: str
) -> None:
    """Bad Action inputs name the input, exit 2, and leave no outputs or files."""
    code, _, err = run_action({**github, **inputs})
    assert code == 2
    assert message in err
    assert outputs(github) == {}
    assert list(Path(github["GITHUB_WORKSPACE"]).iterdir()) == []


def test_compat_requires_sha_or_run_id(github: dict[str, str]) -> None:
    """As in the original, FILTER_GITHUB_SHA or RUN_ID must be given (no event default)."""
    code, _, err = run_action(
        {**github, "INPUT_PROJECT_NAME": "acme/det", "GITHUB_SHA": SHA}, compat=True
    )
    assert code == 2
    assert (
        "No runs to look for: give a commit (input 'FILTER_GITHUB_SHA') or run ids "
        "(input 'RUN_ID')." in err
    )


def test_job_level_key_is_kept_when_the_input_is_empty(github: dict[str, str]) -> None:
    """An empty wandb-api-key input does not hide a job-level WANDB_API_KEY."""
    env = {**github, "WANDB_API_KEY": github["INPUT_WANDB_API_KEY"], "INPUT_WANDB_API_KEY": ""}
    code, _, err = run_action({**env, "INPUT_PROJECT": "acme/det", "INPUT_SHA": SHA})
    assert code == 0, err
