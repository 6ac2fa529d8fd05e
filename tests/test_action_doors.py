"""The composite actions, step by step, speak the workflow's language: input errors and offline
warnings as annotations (and the warnings in the report), a key found in ~/.netrc."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.actions_runner import ActionResult, run_composite_action
from tests.wandb_server import WandbTestServer
from wandb_pr import __version__

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_SHA = "9b1d6c0"
PROJECT = "acme/detector"
HEAD = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def runner_temp(tmp_path: Path) -> Path:
    """A RUNNER_TEMP where wandb-pr is already installed for this checkout."""
    temp = tmp_path / "runner-temp"
    venv_bin = temp / "wandb-pr-venv" / "bin"
    venv_bin.mkdir(parents=True)
    launcher = venv_bin / "wandb-pr"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m wandb_pr "$@"\n')
    launcher.chmod(0o755)
    stamp = temp / "wandb-pr-venv" / ".wandb-pr-installed"
    stamp.write_text(f"wandb-pr {__version__} from {REPO}\n")
    return temp


def run(
    action: Path,
    inputs: dict[str, str],
    tmp_path: Path,
    runner_temp: Path,
    env: dict[str, str] | None = None,
) -> ActionResult:
    """Run a composite action on a push event, in a fresh workspace."""
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    return run_composite_action(
        action,
        inputs=inputs,
        env=env or {},
        workspace=workspace,
        runner_temp=runner_temp,
        github={"sha": HEAD, "event_name": "push", "token": "ghs_unused"},
    )


def errors(result: ActionResult) -> list[tuple[str, str]]:
    """The error annotations: (title, message)."""
    return [
        (a.properties["title"], a.message)
        for a in result.annotations
        if a.level == "error" and "title" in a.properties  # not the runner's exit-code error
    ]


def test_an_input_error_is_an_annotation_naming_the_input(
    tmp_path: Path, runner_temp: Path
) -> None:
    """A bad `sha` input fails the step with an ::error titled and worded by the input's name."""
    inputs = {"project": PROJECT, "wandb-api-key": "k" * 40, "sha": "abc"}
    result = run(REPO, inputs, tmp_path, runner_temp)
    assert result.failed
    assert result.step("run").exit_code == 2
    [(title, message)] = errors(result)
    assert title == "wandb-pr: input 'sha'"
    assert "(input 'sha') is 3 characters long" in message
    assert "--sha" not in message


def test_a_compat_list_input_that_is_code_is_an_annotation_naming_it(
    tmp_path: Path, runner_temp: Path
) -> None:
    """Python code in BASELINE_TAGS is refused with an ::error naming BASELINE_TAGS."""
    inputs = {
        "WANDB_API_KEY": "k" * 40,
        "PROJECT_NAME": PROJECT,
        "FILTER_GITHUB_SHA": "testsha1234",
        "BASELINE_TAGS": "__import__('os').system('touch pwned')",
    }
    result = run(REPO / "compat", inputs, tmp_path, runner_temp)
    assert result.step("run").exit_code == 2
    [(title, message)] = errors(result)
    assert title == "wandb-pr: input 'BASELINE_TAGS'"
    assert message.startswith("input 'BASELINE_TAGS' must be a list")
    assert not (tmp_path / "workspace" / "pwned").exists()


def test_an_offline_reader_warning_is_an_annotation_and_in_the_report(
    tmp_path: Path, runner_temp: Path
) -> None:
    """A damaged offline run file gives a ::warning and the same warning in the job summary."""
    runs = tmp_path / "workspace" / "runs"
    shutil.copytree(REPO / "examples" / "wandb", runs)
    damaged = next(runs.glob("*candidate3/*.wandb"))
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    inputs = {"runs-dir": "runs", "sha": EXAMPLE_SHA, "baseline-tags": "baseline"}
    result = run(REPO, inputs, tmp_path, runner_temp)
    assert not result.failed, result.steps[-1].stderr
    warnings = [a.message for a in result.annotations if a.level == "warning"]
    assert [w for w in warnings if "checksum mismatch" in w and damaged.name in w]
    assert "checksum mismatch" in result.step_summary
    assert "checksum mismatch" not in result.step("run").stderr  # not raw stderr any more


def test_the_key_is_read_from_netrc(
    wandb_server: WandbTestServer, tmp_path: Path, runner_temp: Path
) -> None:
    """With no key input or WANDB_API_KEY, the ~/.netrc entry for the W&B host is used, masked."""
    wandb_server.add_run("acme", "detector", config={"github_sha": HEAD}, summary={"acc": 0.9})
    home = tmp_path / "home"
    home.mkdir()
    host = wandb_server.base_url.split("//")[1].split(":")[0]
    (home / ".netrc").write_text(
        f"machine {host}\n  login user\n  password {wandb_server.api_key}\n"
    )
    inputs = {"project": PROJECT, "wandb-base-url": wandb_server.base_url, "debug": "true"}
    result = run(REPO, inputs, tmp_path, runner_temp, env={"HOME": str(home), "WANDB_API_KEY": ""})
    assert not result.failed, result.steps[-1].stderr
    assert result.outputs["num-finished"] == "1"
    assert wandb_server.api_key in result.masked
    log = result.step("run").stderr
    assert f"W&B API key from {home / '.netrc'} (machine {host})" in log
    shown = [line for line in result.step("run").stdout.splitlines() if "::add-mask::" not in line]
    assert wandb_server.api_key not in log + "\n".join(shown)
