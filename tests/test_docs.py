"""The README stays in sync with the CLI, both actions, CI and the bundled example."""

from __future__ import annotations

import argparse
import io
import re
import shlex
from pathlib import Path

import pytest
import yaml

from wandb_pr.entry.cli import _parser, main

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def action_names(path: Path, section: str) -> list[str]:
    """The input or output names an action.yml declares."""
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(manifest[section])


@pytest.mark.parametrize("section", ["inputs", "outputs"])
@pytest.mark.parametrize("action", ["action.yml", "compat/action.yml"])
def test_every_action_input_and_output_is_documented(action: str, section: str) -> None:
    """Each input and output of both actions appears in the README as `name`."""
    missing = [n for n in action_names(REPO / action, section) if f"`{n}`" not in README]
    assert missing == []


def test_every_report_flag_is_documented() -> None:
    """Each `wandb-pr report` flag appears in the README's flag table."""
    parser = _parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    report = subparsers.choices["report"]
    flags = [o for a in report._actions for o in a.option_strings if o.startswith("--")]
    missing = [f for f in flags if f != "--help" and f"`{f}" not in README]
    assert flags
    assert missing == []


def test_action_maps_every_input_into_the_environment() -> None:
    """action.yml passes every input (but python) to the entry as INPUT_<NAME>."""
    manifest = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    env = manifest["runs"]["steps"][-1]["env"]
    for name in manifest["inputs"]:
        if name == "python":
            continue
        variable = "INPUT_" + name.upper().replace("-", "_")
        assert env.get(variable) == f"${{{{ inputs.{name} }}}}", variable


def readme_commands() -> list[str]:
    """The shell commands of the README's first section (the two set-up commands)."""
    first = README.split("\n## ", 2)[1]
    return re.findall(r"```sh\n(.+?)\n```", first)


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run runs exactly the README's test command."""
    commands = readme_commands()
    assert len(commands) == 2
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()


def test_readme_example_output_and_golden_report_are_current() -> None:
    """The README's example output and examples/report.md are what the main command prints now."""
    command = shlex.split(readme_commands()[0].split("&& ")[-1])
    assert command[:2] == [".venv/bin/wandb-pr", "report"]
    args = [a if a != "examples/wandb" else str(REPO / "examples" / "wandb") for a in command[1:]]
    for fmt, expected in (
        ("text", README.split("```text\n", 1)[1].split("\n```", 1)[0] + "\n"),
        ("markdown", (REPO / "examples" / "report.md").read_text(encoding="utf-8")),
    ):
        out, err = io.StringIO(), io.StringIO()
        assert main([*args, "--format", fmt], environ={}, stdout=out, stderr=err) == 0, (
            err.getvalue()
        )
        assert out.getvalue() == expected, f"regenerate the {fmt} example"
