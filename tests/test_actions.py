"""The composite actions, run step by step as the Actions runner would, against the W&B test server.

The three scenarios are the ones machine-learning-apps/wandb-action's own CI asserted, with the
same inputs and expected outputs, run through ``compat/action.yml``. The install step finds
wandb-pr already installed for this checkout (as on a second use in the same job), so no test
reaches a package index.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.actions_runner import ActionResult, ActionRunnerError, run_composite_action
from tests.wandb_server import WandbTestServer

REPO = Path(__file__).resolve().parents[1]
SEED_PROJECT = "hamelsmu/test-wandb-action"


def preinstalled(temp: Path, lock: str = "requirements.lock") -> Path:
    """Make ``temp`` a RUNNER_TEMP where wandb-pr is already installed for this checkout.

    The stamp holds the key ``action/install.py`` computes for ``python3`` on PATH and the lock,
    and a launcher standing in for the virtualenv's interpreter runs this test environment's.
    """
    venv = temp / "wandb-pr-venv"
    (venv / "bin").mkdir(parents=True)
    launcher = venv / "bin" / "python"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    launcher.chmod(0o755)
    python3 = shutil.which("python3")
    assert python3 is not None
    key = subprocess.run(
        [python3, str(REPO / "action" / "install.py"), "--key", str(REPO), lock],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (venv / ".wandb-pr-installed").write_text(f"{key}\n{launcher}\n")
    return temp


@pytest.fixture
def runner_temp(tmp_path: Path) -> Path:
    """A RUNNER_TEMP where wandb-pr is already installed for this checkout."""
    return preinstalled(tmp_path / "runner-temp")


@pytest.fixture
def seed_project(wandb_server: WandbTestServer) -> WandbTestServer:
    """Runs shaped like the original action's test project."""
    add = wandb_server.add_run
    for i in range(3):
        add(
            "hamelsmu",
            "test-wandb-action",
            config={"github_sha": "testsha1234", "lr": i},
            summary={"acc": 0.9, "loss": 0.2, "val_acc": 0.8, "val_loss": 0.3},
        )
    add(
        "hamelsmu",
        "test-wandb-action",
        id="k271zzd3",
        tags=["baseline", "reference"],
        config={"github_sha": "testsha5678", "secondary_sha": "testsecondarysha1234"},
        summary={"acc": 0.85},
    )
    add(
        "hamelsmu",
        "test-wandb-action",
        id="ref00001",
        tags=["baseline", "reference"],
        config={"github_sha": "testsha0000"},
        summary={"acc": 0.8},
    )
    add("hamelsmu", "test-wandb-action", config={"github_sha": "testsha9999"}, state="crashed")
    add("hamelsmu", "test-wandb-action", tags=["other"], config={"github_sha": "testsha1234x"})
    return wandb_server


def run_compat(
    server: WandbTestServer, inputs: dict[str, str], tmp_path: Path, runner_temp: Path
) -> ActionResult:
    """Run compat/action.yml with the given inputs, W&B pointing at the test server."""
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    return run_composite_action(
        REPO / "compat",
        inputs={"WANDB_API_KEY": server.api_key, "PROJECT_NAME": SEED_PROJECT, **inputs},
        env={"WANDB_BASE_URL": server.base_url},
        workspace=workspace,
        runner_temp=runner_temp,
        github={"sha": "f" * 40, "event_name": "push", "token": "ghs_unused"},
    )


SEED_DISPLAY = {
    "DISPLAY_METRICS": "['acc', 'loss', 'val_acc', 'val_loss']",
    "DISPLAY_CONFIG_VARS": "['secondary_sha']",
    "DEBUG": "true",
}


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        pytest.param(
            {"FILTER_GITHUB_SHA": "testsha1234", "BASELINE_TAGS": "['baseline', 'reference']"},
            {"NUM_FINISHED": "3", "NUM_BASELINES": "2", "BOOL_SINGLE_RUN": "False"},
            id="with-sha",
        ),
        pytest.param(
            {
                "RUN_ID": "k271zzd3",
                "FILTER_GITHUB_SHA": "testsha1234",
                "BASELINE_TAGS": "['baseline', 'reference']",
            },
            {"NUM_FINISHED": "1", "NUM_BASELINES": "1", "BOOL_SINGLE_RUN": "True"},
            id="with-run-id",
        ),
        pytest.param(
            {
                "RUN_ID": "k271zzd3",
                "FILTER_GITHUB_SHA": "testsha5678",
                "FILTER_SECONDARY_SHA": "testsecondarysha1234",
                "BASELINE_TAGS": "['reference']",
            },
            {"NUM_FINISHED": "1", "NUM_BASELINES": "1", "BOOL_SINGLE_RUN": "True"},
            id="with-secondary-sha",
        ),
    ],
)
def test_seed_scenarios_through_compat_action(
    seed_project: WandbTestServer,
    tmp_path: Path,
    runner_temp: Path,
    inputs: dict[str, str],
    expected: dict[str, str],
) -> None:
    """The original action's CI assertions hold for the compat action, step by step."""
    result = run_compat(seed_project, {**SEED_DISPLAY, **inputs}, tmp_path, runner_temp)
    assert not result.failed, result.steps[-1].stderr
    assert result.outputs == {
        "BOOL_COMPLETE": "True",
        "NUM_CRASHED": "0",
        "NUM_ABORTED": "0",
        "NUM_RUNNING": "0",
        **expected,
    }
    assert seed_project.graphql_request_count == 1
    report = (tmp_path / "workspace" / "wandb_report.csv").read_text()
    rows = list(csv.DictReader(io.StringIO(report)))
    assert list(rows[0])[:12] == [
        "run.url",
        "run.name",
        "run.tags",
        "run.id",
        "run.entity",
        "run.project",
        "github_sha",
        "run.description",
        "acc",
        "loss",
        "val_acc",
        "val_loss",
    ]
    categories = [row["__eval.category"] for row in rows]
    assert categories.count("candidate") == int(expected["NUM_FINISHED"])
    assert categories.count("baseline") == int(expected["NUM_BASELINES"])
    assert seed_project.api_key in result.masked


def test_compat_bad_list_input_fails_the_step(
    seed_project: WandbTestServer, tmp_path: Path, runner_temp: Path
) -> None:
    """A list input that is not a list fails with a message naming it, and writes nothing."""
    result = run_compat(
        seed_project,
        {"FILTER_GITHUB_SHA": "testsha1234", "BASELINE_TAGS": "['baseline'"},
        tmp_path,
        runner_temp,
    )
    assert result.failed
    run = result.step("run")
    assert run.exit_code == 2
    assert "input 'BASELINE_TAGS' looks like a list but cannot be read" in run.stderr
    assert result.outputs["NUM_FINISHED"] == ""
    assert not (tmp_path / "workspace" / "wandb_report.csv").exists()


def test_main_action_end_to_end(
    seed_project: WandbTestServer, tmp_path: Path, runner_temp: Path
) -> None:
    """action.yml maps its inputs, takes the PR head commit, and declares every output."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    result = run_composite_action(
        REPO,
        inputs={
            "project": SEED_PROJECT,
            "wandb-api-key": seed_project.api_key,
            "wandb-base-url": seed_project.base_url,
            "baseline-tags": "baseline\nreference",
        },
        env={},
        workspace=workspace,
        runner_temp=runner_temp,
        github={
            "sha": "f" * 40,
            "token": "ghs_unused",
            "event_name": "pull_request",
            "event": {"pull_request": {"head": {"sha": "testsha1234"}, "number": 7}},
        },
    )
    assert not result.failed, result.steps[-1].stderr
    assert result.outputs == {
        "verdict": "missing-metric",  # loss, val_acc, val_loss: the baselines log only acc
        "regressions": "",
        "complete": "true",
        "single-run": "false",
        "num-finished": "3",
        "num-running": "0",
        "num-crashed": "0",
        "num-aborted": "0",
        "num-baselines": "2",
        "csv-path": str(workspace / "wandb_report.csv"),
        "json-path": str(workspace / "wandb_report.json"),
        "comment-url": "",  # no GITHUB_REPOSITORY: nothing is published
        "check-run-url": "",
    }


def test_setup_without_python_says_what_to_add(tmp_path: Path) -> None:
    """With no usable Python, the install step fails with an error annotation naming the fix."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    result = run_composite_action(
        REPO,
        inputs={"project": SEED_PROJECT, "python": "python-that-does-not-exist"},
        env={},
        workspace=workspace,
        runner_temp=tmp_path / "empty-temp",
        github={"sha": "f" * 40, "event_name": "push", "token": "ghs_unused"},
    )
    assert result.failed
    messages = [a.message for a in result.annotations if a.level == "error"]
    assert any("'python-that-does-not-exist' was not found on PATH" in m for m in messages)
    assert [(s.id, s.outcome) for s in result.steps] == [("setup", "failure"), ("run", "skipped")]


def test_compat_fetches_python_when_the_runners_is_too_old(tmp_path: Path) -> None:
    """With python3 older than 3.10 the compat action turns to its pinned actions/setup-python."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    bash = shutil.which("bash")
    assert bash is not None
    (fake_bin / "bash").symlink_to(bash)
    old_python = fake_bin / "python3"
    old_python.write_text("#!/bin/sh\nexit 1\n")  # fails the version check, like Python 3.8
    old_python.chmod(0o755)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    with pytest.raises(ActionRunnerError, match="actions/setup-python@0b93645e9fea7318ecaed2b3"):
        run_composite_action(  # this runner runs no `uses:` step: reaching one proves the branch
            REPO / "compat",
            inputs={"WANDB_API_KEY": "x", "PROJECT_NAME": SEED_PROJECT},
            env={"PATH": str(fake_bin)},
            workspace=workspace,
            runner_temp=tmp_path / "temp",
            github={"sha": "f" * 40, "event_name": "push", "token": "ghs_unused"},
        )
