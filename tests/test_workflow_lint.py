"""Static checks of the Actions and example workflows: zizmor, check-jsonschema and ShellCheck.

Each tool is a test dependency whose wheel carries its program, so these run offline. zizmor
collects only ``.github/workflows`` by itself, so each file is passed by name. Findings are
allowed only where the file explains them inline (``# zizmor: ignore[...] reason``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ACTIONS = [REPO / "action.yml", REPO / "compat" / "action.yml"]
WORKFLOWS = sorted((REPO / "examples" / "workflows").glob("*.yml"))
SCRIPTS = [REPO / "action" / "setup.sh", REPO / "action" / "lock.sh", REPO / ".ci" / "run"]


def tool(name: str) -> str:
    """The program installed next to this interpreter by the test extra."""
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"{name} is not installed: pip install -e '.[test]'"
    return found


def run(*command: str) -> subprocess.CompletedProcess[str]:
    """Run a linter; its output for the assertion message."""
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("path", ACTIONS + WORKFLOWS, ids=lambda p: str(p.relative_to(REPO)))
def test_zizmor_finds_nothing_unexplained(path: Path) -> None:
    """zizmor (offline, regular persona) reports no finding; each ignore says why."""
    result = run(tool("zizmor"), "--offline", "--no-progress", "--format", "plain", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    for line in path.read_text().splitlines():
        if "zizmor: ignore[" in line:
            assert re.search(r"zizmor: ignore\[[a-z-]+\] \w+ \w+", line), f"unexplained: {line}"


@pytest.mark.parametrize(
    ("schema", "paths"),
    [("vendor.github-actions", ACTIONS), ("vendor.github-workflows", WORKFLOWS)],
    ids=["actions", "workflows"],
)
def test_check_jsonschema_validates(schema: str, paths: list[Path]) -> None:
    """Every action and workflow file matches the SchemaStore schema check-jsonschema ships."""
    assert paths
    result = run(tool("check-jsonschema"), "--builtin-schema", schema, *map(str, paths))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def run_scripts() -> list[tuple[str, str]]:
    """``(where, script)`` for every bash ``run:`` step of the actions and the examples."""
    found = []
    for path in ACTIONS + WORKFLOWS:
        data = yaml.safe_load(path.read_text())
        if "runs" in data:
            groups = [data["runs"]["steps"]]
        else:
            groups = [job.get("steps", []) for job in data["jobs"].values()]
        for steps in groups:
            for index, step in enumerate(steps):
                if "run" in step and step.get("shell", "bash") == "bash":
                    where = f"{path.relative_to(REPO)} step {step.get('id', index)}"
                    found.append((where, step["run"]))
    return found


def test_shellcheck_passes_the_scripts_and_run_steps(tmp_path: Path) -> None:
    """ShellCheck finds nothing in the install and CI scripts or any bash run: step."""
    scripts = list(map(str, SCRIPTS))
    for number, (where, script) in enumerate(run_scripts()):
        assert "${{" not in script, f"{where}: an expression inside run:"
        path = tmp_path / f"step{number}.sh"
        path.write_text(f"#!/usr/bin/env bash\n# {where}\n{script}")
        scripts.append(str(path))
    assert len(scripts) >= len(SCRIPTS) + 6
    result = run(tool("shellcheck"), "--severity=style", *scripts)
    assert result.returncode == 0, result.stdout + result.stderr
