"""Secrets stay secret: the whole Action, debug on, never shows a key or token anywhere.

The W&B API key and the GitHub token are read only from their variables, masked with
``::add-mask::`` before anything else is printed, sent only to their own server, and never
written to stdout, stderr, the step outputs, the job summary, the report files or a comment,
whether the run succeeds, W&B or GitHub refuses the credential, or requests are retried. The
example workflows are checked for the other half of the threat model: least privilege, pinned
actions, and no untrusted text interpolated into a shell.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.github_server import GitHubTestServer
from tests.github_server import status as github_status
from tests.wandb_server import WandbTestServer
from tests.wandb_server.faults import reset
from wandb_pr.entry.cli import main

ROOT = Path(__file__).resolve().parents[1]
SHA = "0123456789abcdef0123456789abcdef01234567"
WANDB_KEY = "wAnDbSeCrEt" * 3 + "0123456"
"""The W&B key the test server accepts (40 characters, the shape W&B's keys have)."""
WRONG_WANDB_KEY = "wRoNgWaNdB" * 4
JOB_WANDB_KEY = "jObLeVeLkEy" * 3 + "9876543"
"""A job-level WANDB_API_KEY that the wandb-api-key input overrides: unused, still secret."""
GITHUB_TOKEN = "ghs_" + "gItHuBsEcReT" * 3
WRONG_GITHUB_TOKEN = "ghs_" + "wRoNgToKeN" * 3 + "xyzxyz"
ENV_GITHUB_TOKEN = "ghp_" + "eNvToKeN" * 4 + "zzzz"
"""A GITHUB_TOKEN in the environment, which wandb-pr never uses (it takes github-token)."""


def secret_forms(secret: str) -> list[str]:
    """The ways a secret could leak: as is, its first 12 characters, and as Basic auth."""
    basic = base64.b64encode(f"api:{secret}".encode()).decode()
    return [secret, secret[:12], basic[:16]]


ALL_SECRETS = [
    WANDB_KEY,
    WRONG_WANDB_KEY,
    JOB_WANDB_KEY,
    GITHUB_TOKEN,
    WRONG_GITHUB_TOKEN,
    ENV_GITHUB_TOKEN,
]


def leaks(text: str, secrets: list[str] = ALL_SECRETS) -> list[str]:
    """The secrets (in any form) that ``text`` shows."""
    return [secret for secret in secrets if any(form in text for form in secret_forms(secret))]


@pytest.fixture
def servers() -> Iterator[tuple[WandbTestServer, GitHubTestServer]]:
    """A W&B and a GitHub test server with this module's secrets, and PR #7 whose head is SHA."""
    with (
        WandbTestServer(api_key=WANDB_KEY) as wandb_server,
        GitHubTestServer(token=GITHUB_TOKEN) as github_server,
    ):
        for i in range(3):
            wandb_server.add_run(
                "acme", "det", id=f"c{i}", config={"github_sha": SHA}, summary={"acc": 0.9 + i}
            )
        wandb_server.add_run("acme", "det", id="b0", tags=["production"], summary={"acc": 0.5})
        github_server.add_pull("octo", "app", 7, head_sha=SHA, base_sha="b" * 40)
        yield wandb_server, github_server
    assert not wandb_server.internal_errors
    assert not github_server.internal_errors


def runner_env(
    tmp_path: Path, wandb_server: WandbTestServer, github_server: GitHubTestServer
) -> dict[str, str]:
    """Every variable a runner sets for the Action, every secret set, debug on, check and status
    asked for (so every GitHub endpoint is used)."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    for name in ("output", "summary"):
        (tmp_path / name).touch()
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"number": 7, "head": {"sha": SHA}, "base": {"sha": "b" * 40}}})
    )
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": "f" * 40,
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "GITHUB_REPOSITORY": "octo/app",
        "GITHUB_API_URL": github_server.api_url,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "99",
        "GITHUB_TOKEN": ENV_GITHUB_TOKEN,
        "WANDB_API_KEY": JOB_WANDB_KEY,
        "WANDB_BASE_URL": wandb_server.base_url,
        "INPUT_WANDB_API_KEY": WANDB_KEY,
        "INPUT_GITHUB_TOKEN": GITHUB_TOKEN,
        "INPUT_PROJECT": "acme/det",
        "INPUT_BASELINE_TAGS": "production",
        "INPUT_METRICS": "acc:max",
        "INPUT_CHECK": "true",
        "INPUT_STATUS": "true",
        "INPUT_DEBUG": "true",
        "INPUT_DEADLINE": "5",
    }


def everything_written(tmp_path: Path) -> dict[str, str]:
    """Every file under ``tmp_path`` (workspace files, outputs, summary), by path."""
    return {
        str(path): path.read_bytes().decode("utf-8", "replace")
        for path in sorted(tmp_path.rglob("*"))
        if path.is_file()
    }


def assert_nothing_leaked(
    out: str,
    err: str,
    tmp_path: Path,
    wandb_server: WandbTestServer,
    github_server: GitHubTestServer,
    *,
    masked: list[str],
) -> None:
    """No secret in stdout (outside ``::add-mask::``), stderr, files, or what GitHub received;
    each credential went only to its own server; the used ones were masked first."""
    lines = out.splitlines()
    masks = [line for line in lines if line.startswith("::add-mask::")]
    assert masks == [f"::add-mask::{secret}" for secret in masked]
    assert lines[: len(masks)] == masks  # masked before anything else is printed
    assert leaks("\n".join(lines[len(masks) :])) == []
    assert leaks(err) == []
    for path, text in everything_written(tmp_path).items():
        assert leaks(text) == [], path
    for request in github_server.requests:
        assert leaks(json.dumps(request.body)) == []
        others = [s for s in ALL_SECRETS if s not in (GITHUB_TOKEN, WRONG_GITHUB_TOKEN)]
        assert leaks(json.dumps(request.headers), others) == []
    for request in wandb_server.requests:
        assert leaks(json.dumps(request.body)) == []
        others = [s for s in ALL_SECRETS if s not in (WANDB_KEY, WRONG_WANDB_KEY)]
        assert leaks(json.dumps(request.headers), others) == []


@pytest.mark.parametrize(
    ("variant", "argv", "code"),
    [
        ("published", ["action"], 0),
        ("published", ["action", "--debug"], 0),  # httpx's request log too
        ("wandb-refuses-the-key", ["action"], 3),
        ("github-refuses-the-token", ["action"], 5),
        ("retried", ["action", "--debug"], 0),
    ],
    ids=["published", "published-httpx-log", "wandb-refuses", "github-refuses", "retried"],
)
def test_the_action_with_debug_never_shows_a_secret(
    servers: tuple[WandbTestServer, GitHubTestServer],
    tmp_path: Path,
    variant: str,
    argv: list[str],
    code: int,
) -> None:
    """Debug on, every secret set: no secret anywhere but ::add-mask::, or at the wrong server."""
    wandb_server, github_server = servers
    env = runner_env(tmp_path, wandb_server, github_server)
    masked = [WANDB_KEY, GITHUB_TOKEN]
    if variant == "wandb-refuses-the-key":
        env["INPUT_WANDB_API_KEY"] = masked[0] = WRONG_WANDB_KEY
    elif variant == "github-refuses-the-token":
        env["INPUT_GITHUB_TOKEN"] = masked[1] = WRONG_GITHUB_TOKEN
    elif variant == "retried":
        wandb_server.inject(reset())
        github_server.inject(github_status(502))
    out, err = io.StringIO(), io.StringIO()
    assert main(argv, environ=env, stdout=out, stderr=err) == code, err.getvalue()
    assert "wandb-pr: DEBUG: " in err.getvalue()  # debug logging was really on
    if variant == "retried":
        assert "retrying in" in err.getvalue()
    if variant != "wandb-refuses-the-key":
        assert "verdict=pass" in Path(env["GITHUB_OUTPUT"]).read_text()
    if variant == "published":
        assert len(github_server.comments("octo", "app", 7)) == 1
    assert_nothing_leaked(
        out.getvalue(), err.getvalue(), tmp_path, wandb_server, github_server, masked=masked
    )


def test_the_action_process_never_shows_a_secret(
    servers: tuple[WandbTestServer, GitHubTestServer], tmp_path: Path
) -> None:
    """As a real process too: nothing any library writes to stdout or stderr shows a secret."""
    wandb_server, github_server = servers
    env = runner_env(tmp_path, wandb_server, github_server)
    env |= {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(sys.path),
        "NO_PROXY": "127.0.0.1",
        "PYTHONWARNINGS": "default",  # let any warning through, to be scanned
    }
    result = subprocess.run(
        [sys.executable, "-m", "wandb_pr", "action", "--debug"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len(github_server.comments("octo", "app", 7)) == 1
    assert_nothing_leaked(
        result.stdout,
        result.stderr,
        tmp_path,
        wandb_server,
        github_server,
        masked=[WANDB_KEY, GITHUB_TOKEN],
    )


def runner_masks(stdout: str) -> tuple[set[str], list[str]]:
    """What the Actions runner would mask after reading ``stdout``, and the other lines.

    The runner unescapes a workflow command's data (``%0D``, ``%0A``, ``%25``) before it
    registers an ``::add-mask::`` value.
    """
    masks, rest = set(), []
    for line in stdout.split("\n"):
        if line.startswith("::add-mask::"):
            data = line[len("::add-mask::") :]
            masks.add(data.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%"))
        else:
            rest.append(line)
    return masks, rest


def test_add_mask_masks_a_secret_with_percent_signs_and_line_breaks(
    servers: tuple[WandbTestServer, GitHubTestServer], tmp_path: Path
) -> None:
    """::add-mask:: data is escaped, so the runner masks a secret with '%' or a line break."""
    wandb_server, github_server = servers
    odd = "pre%25fix%0Akey\nsecond-line-of-the-key"
    env = runner_env(tmp_path, wandb_server, github_server) | {"INPUT_WANDB_API_KEY": odd}
    out, err = io.StringIO(), io.StringIO()
    assert main(["action"], environ=env, stdout=out, stderr=err) == 3
    masks, rest = runner_masks(out.getvalue())
    assert masks == {odd, GITHUB_TOKEN}
    assert not [line for line in rest if "second-line-of-the-key" in line or "pre%" in line]
    assert "second-line-of-the-key" not in err.getvalue()


# --- the workflows people copy --------------------------------------------------------------------

EXPECTED_PERMISSIONS = {
    "pull-request.yml": {"contents": "read", "pull-requests": "write", "checks": "write"},
    "fork-pr-report.yml": {"contents": "read"},
    "fork-pr-publish.yml": {"contents": "read", "actions": "read", "pull-requests": "write"},
    "issue-comment.yml": {"contents": "read", "pull-requests": "write"},
    "push.yml": {"contents": "write", "statuses": "write"},
}
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
SELF = re.compile(r"^wandb-pr/wandb-pr(/compat)?@")


def _steps(workflow: dict[Any, Any]) -> Iterator[dict[str, Any]]:
    """Every step of every job."""
    for job in (workflow.get("jobs") or {}).values():
        yield from job.get("steps") or ()


def _uses_lines(text: str) -> list[str]:
    """The raw ``uses:`` lines of a workflow (with their comments)."""
    return [line.strip() for line in text.splitlines() if re.match(r"\s*(- )?uses:", line)]


@pytest.mark.parametrize("name", sorted(EXPECTED_PERMISSIONS))
def test_example_workflows_are_least_privilege_and_pinned(name: str) -> None:
    """Example workflows: exact permissions, no privileged trigger, pinned actions, safe scripts."""
    path = ROOT / "examples" / "workflows" / name
    text = path.read_text()
    workflow = yaml.safe_load(text)
    assert workflow["permissions"] == EXPECTED_PERMISSIONS[name]
    assert all("permissions" not in job for job in workflow["jobs"].values())
    triggers = workflow.get("on", workflow.get(True))
    assert "pull_request_target" not in triggers
    for line in _uses_lines(text):
        action = line.split("uses:", 1)[1].split("#", 1)[0].strip()
        if SELF.match(action):
            assert "pin to the full commit SHA" in line, line
        else:
            assert PINNED.match(action), line
    for step in _steps(workflow):
        assert "${{" not in str(step.get("run", "")), step
    if name == "fork-pr-report.yml":  # runs with the fork's code: no secrets, nothing to publish
        assert "secrets." not in text
    if name == "fork-pr-publish.yml":  # runs with secrets: never checks out the fork's code
        assert not any("actions/checkout" in str(step.get("uses", "")) for step in _steps(workflow))


@pytest.mark.parametrize("path", ["action.yml", "compat/action.yml"])
def test_action_inputs_reach_the_tool_only_through_the_environment(path: str) -> None:
    """action.yml maps inputs into INPUT_* variables and never expands ${{ }} in a script."""
    action = yaml.safe_load((ROOT / path).read_text())
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step
        for name, value in (step.get("env") or {}).items():
            if name.startswith("INPUT_"):
                assert re.fullmatch(r"\$\{\{ inputs\.[\w-]+ \}\}", value), (name, value)


def test_readme_workflow_pins_third_party_actions() -> None:
    """The workflow in the README, which people copy first, pins third-party actions too."""
    blocks = re.findall(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    lines = [line for block in blocks for line in _uses_lines(block)]
    assert lines
    for line in lines:
        action = line.split("uses:", 1)[1].split("#", 1)[0].strip()
        if SELF.match(action):
            assert "pin to the full commit SHA" in line, line
        else:
            assert PINNED.match(action), line
