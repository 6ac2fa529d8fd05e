"""The Action's real install step, run step by step: the locks, hashes required, no index.

The wheels come from a local folder that ``.ci/run`` fills from the package registry with
``pip download --require-hashes`` before the tests (``WANDB_PR_TEST_WHEELS``); the tests close
the index (``PIP_NO_INDEX``) and ignore the machine's pip configuration, so they reach no
network. Outside ``.ci/run``, without that folder, they are skipped and say why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.actions_runner import ActionResult, run_composite_action
from tests.wandb_server import WandbTestServer

REPO = Path(__file__).resolve().parents[1]
WHEELS = os.environ.get("WANDB_PR_TEST_WHEELS", "")
CANDIDATE = "9b1d6c07e4a2f5b8d3c6e9a1f0b7d4c2e5a8f13c"  # examples/wandb's candidate commit

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not WHEELS or not Path(WHEELS).is_dir(),
        reason="WANDB_PR_TEST_WHEELS names no folder of the locks' wheels (.ci/run fills one)",
    ),
]


def locked(lock: str) -> dict[str, str]:
    """``{name: version}`` of the lock's pins that apply to this interpreter."""
    from packaging.requirements import Requirement

    pins = {}
    for line in (REPO / "action" / lock).read_text().splitlines():
        if line[:1].isalnum():
            requirement = Requirement(line.rstrip(" \\"))
            if requirement.marker is None or requirement.marker.evaluate():
                pins[requirement.name] = str(requirement.specifier).removeprefix("==")
    return pins


def run_action(
    tmp_path: Path, inputs: dict[str, str], *, wheels: Path | None = None, temp: str = "temp"
) -> ActionResult:
    """action.yml with the real install step: index closed, wheels from the folder."""
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    env = {
        "PIP_CONFIG_FILE": os.devnull,  # not this machine's indexes, find-links or constraints
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheels or WHEELS),
    }
    return run_composite_action(
        REPO,
        inputs=inputs,
        env=env,
        workspace=workspace,
        runner_temp=tmp_path / temp,
        github={"sha": CANDIDATE, "event_name": "push", "token": "ghs_unused"},
        timeout=300,
    )


def venv_packages(python: str) -> dict[str, str]:
    """``{name: version}`` of what is installed in the virtualenv (pip and setuptools aside)."""
    listed = subprocess.run(
        [python, "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        check=True,
        capture_output=True,
        text=True,
        env={"PIP_CONFIG_FILE": os.devnull, "PATH": os.environ["PATH"]},
    ).stdout
    pairs = (line.split("==") for line in listed.splitlines() if "==" in line)
    return {
        name.lower().replace("_", "-"): version
        for name, version in pairs
        if name.lower() not in ("pip", "setuptools")
    }


def test_install_from_the_lock_with_hashes_and_no_index(
    wandb_server: WandbTestServer, tmp_path: Path
) -> None:
    """The install step installs exactly the lock's pins, runs the checkout's code, is reused."""
    wandb_server.add_run("acme", "detector", config={"github_sha": CANDIDATE}, summary={"acc": 1})
    inputs = {
        "project": "acme/detector",
        "wandb-api-key": wandb_server.api_key,
        "wandb-base-url": wandb_server.base_url,
    }
    result = run_action(tmp_path, inputs)
    assert not result.failed, result.step("setup").stderr + result.step("run").stderr
    python = result.step("setup").outputs["python"]
    assert venv_packages(python) == locked("requirements.lock")
    where = subprocess.run(
        [python, "-c", "import wandb_pr; print(wandb_pr.__file__)"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert Path(where) == REPO / "src" / "wandb_pr" / "__init__.py"
    assert result.outputs["num-finished"] == "1"

    again = run_action(tmp_path, inputs)
    assert not again.failed
    assert "wandb-pr is already installed" in again.step("setup").stdout
    assert again.step("setup").outputs["python"] == python


def test_a_wheel_that_differs_from_the_lock_is_refused(tmp_path: Path) -> None:
    """A tampered wheel (a poisoned cache or index) fails the install: hashes are required."""
    wheels = tmp_path / "wheels"
    shutil.copytree(WHEELS, wheels)
    target = next(wheels.glob("h11-*.whl"))
    with zipfile.ZipFile(target, "a") as archive:
        archive.writestr("h11/_evil.py", "print('injected')\n")
    result = run_action(tmp_path, {"project": "acme/detector"}, wheels=wheels)
    assert result.failed
    setup = result.step("setup")
    assert setup.outcome == "failure"
    assert "DO NOT MATCH THE HASHES" in setup.stderr
    assert [s.id for s in result.steps] == ["setup", "run"]
    assert result.step("run").outcome == "skipped"


def test_runs_dir_works_in_the_action(tmp_path: Path) -> None:
    """With runs-dir the [local] lock is installed and wandb's offline runs are reported."""
    workspace = tmp_path / "workspace"
    shutil.copytree(REPO / "examples" / "wandb", workspace / "wandb")
    result = run_action(
        tmp_path,
        {"project": "acme/detector", "runs-dir": "wandb", "baseline-tags": "baseline"},
    )
    assert not result.failed, result.step("setup").stderr + result.step("run").stderr
    python = result.step("setup").outputs["python"]
    assert venv_packages(python) == locked("requirements-local.lock")
    assert result.outputs["num-finished"] == "3"
    assert result.outputs["num-baselines"] == "1"
    assert result.outputs["verdict"] == "pass"


def test_another_interpreter_installs_afresh(tmp_path: Path) -> None:
    """The stamp is keyed on the interpreter: a step with another python does not reuse the venv."""
    first = run_action(tmp_path, {"project": "acme/detector"})
    assert first.step("setup").outcome == "success"
    other = tmp_path / "other-python"
    other.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    other.chmod(0o755)
    second = run_action(tmp_path, {"project": "acme/detector", "python": str(other)})
    assert second.step("setup").outcome == "success"
    assert "Installing wandb-pr from requirements.lock" in second.step("setup").stdout
    assert "already installed" not in second.step("setup").stdout
