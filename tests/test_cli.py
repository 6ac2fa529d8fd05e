"""``wandb-pr report`` end to end: exit codes, exact error text, files, and secrets kept out."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wandb_server import WandbTestServer
from tests.wandb_server.faults import status
from wandb_pr import __version__
from wandb_pr.entry.cli import main

SHA = "0123456789abcdef0123456789abcdef01234567"


def run_cli(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run the CLI in-process with the given environment; return code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = main(args, environ=env, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def env(wandb_server: WandbTestServer) -> dict[str, str]:
    """An environment pointing at the test server, with a project holding runs."""
    for i in range(3):
        wandb_server.add_run(
            "acme",
            "detector",
            id=f"c{i}",
            config={"github_sha": SHA, "lr": 0.1},
            summary={"acc": 0.9 + i / 100},
        )
    wandb_server.add_run("acme", "detector", id="b0", tags=["baseline"], summary={"acc": 0.8})
    return {"WANDB_API_KEY": wandb_server.api_key, "WANDB_BASE_URL": wandb_server.base_url}


def test_report_writes_csv_json_and_snapshot(env: dict[str, str], tmp_path: Path) -> None:
    """A report writes every file it is asked for and exits 0."""
    code, out, err = run_cli(
        [
            "report",
            "--project",
            "acme/detector",
            "--sha",
            SHA[:8],
            "--baseline-tag",
            "baseline",
            "--metric",
            "acc",
            "--config-key",
            "lr",
            "--format",
            "csv",
            "--json",
            str(tmp_path / "r.json"),
            "--save-snapshot",
            str(tmp_path / "s.json"),
        ],
        env,
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["run.id"], r["__eval.category"], r["acc"], r["_lr"]) for r in rows] == [
        ("c0", "candidate", "0.9", "0.1"),
        ("c1", "candidate", "0.91", "0.1"),
        ("c2", "candidate", "0.92", "0.1"),
        ("b0", "baseline", "0.8", ""),
    ]
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["counts"]["finished"] == 3
    assert f"wrote the json to {tmp_path / 'r.json'}" in err


def test_snapshot_reproduces_the_report(env: dict[str, str], tmp_path: Path) -> None:
    """A saved snapshot gives the same JSON report without W&B."""
    args = ["report", "--project", "acme/detector", "--sha", SHA, "--baseline-tag", "baseline"]
    code, online, _ = run_cli(
        [*args, "--format", "json", "--save-snapshot", str(tmp_path / "s")], env
    )
    assert code == 0
    code, offline, _ = run_cli([*args, "--format", "json", "--snapshot", str(tmp_path / "s")], {})
    assert code == 0
    assert json.loads(offline)["candidates"] == json.loads(online)["candidates"]
    assert json.loads(offline)["baselines"] == json.loads(online)["baselines"]


@pytest.mark.parametrize(
    ("args", "extra_env", "message"),
    [
        (
            ["--sha", SHA],
            {},
            "wandb-pr: error: No W&B project given (--project or WANDB_PROJECT).",
        ),
        (
            ["--project", "acme", "--sha", SHA],
            {},
            "wandb-pr: error: W&B project 'acme' (--project or WANDB_PROJECT) has no entity.",
        ),
        (
            ["--project", "acme/detector", "--sha", "abc'; rm"],
            {},
            'wandb-pr: error: Commit SHA "abc\'; rm" (--sha) may only contain letters, digits,',
        ),
        (
            ["--project", "acme/detector", "--sha", SHA, "--filter", "{nope"],
            {},
            "wandb-pr: error: --filter is not valid JSON: Expecting property name",
        ),
        (
            ["--project", "acme/detector"],
            {},
            "wandb-pr: error: No runs to look for: give a commit (--sha) or run ids (--run-ids).",
        ),
        (
            ["--project", "acme/detector", "--sha", SHA],
            {"WANDB_API_KEY": ""},
            "wandb-pr: error: No W&B API key: none in WANDB_API_KEY.",
        ),
    ],
)
def test_input_errors_exit_2(
    env: dict[str, str], args: list[str], extra_env: dict[str, str], message: str
) -> None:
    """Each bad input gets its specific message, a Tip, and exit code 2."""
    code, out, err = run_cli(["report", *args], {**env, **extra_env})
    assert code == 2
    assert err.startswith(message), err
    assert "\nTip: " in err
    assert out == ""


def test_bad_key_exits_3_and_never_prints_it(
    env: dict[str, str], wandb_server: WandbTestServer, tmp_path: Path
) -> None:
    """A rejected key exits 3 with the 401 text; debug logs never show the key; no file is left."""
    bad = "secretkey-" + "z" * 30
    code, out, err = run_cli(
        [
            "report",
            "--project",
            "acme/detector",
            "--sha",
            SHA,
            "--debug",
            "--csv",
            str(tmp_path / "r.csv"),
        ],
        {**env, "WANDB_API_KEY": bad},
    )
    assert code == 3
    assert f"W&B rejected the API key (HTTP 401 at {wandb_server.base_url}/graphql)." in err
    assert bad not in out + err
    assert not (tmp_path / "r.csv").exists()


def test_unknown_project_exits_3(env: dict[str, str]) -> None:
    """An unknown project names what was tried."""
    code, _, err = run_cli(["report", "--project", "acme/nothing", "--sha", SHA], env)
    assert code == 3
    assert "W&B project acme/nothing was not found, or this API key cannot see it" in err


def test_server_errors_until_the_deadline(
    env: dict[str, str], wandb_server: WandbTestServer
) -> None:
    """Persistent 500s end within the deadline with exit code 3 and a clear message."""
    wandb_server.inject(*[status(500)] * 20)
    code, _, err = run_cli(
        ["report", "--project", "acme/detector", "--sha", SHA, "--deadline", "2"], env
    )
    assert code == 3
    assert "W&B answered HTTP 500 to a page of" in err
    assert wandb_server.graphql_request_count <= 3


def test_event_head_sha_is_the_default(env: dict[str, str], tmp_path: Path) -> None:
    """On pull_request events the PR's head commit is used, not GITHUB_SHA's merge commit."""
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"head": {"sha": SHA}, "base": {"sha": "b" * 40}}})
    )
    github = {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": "f" * 40,
    }
    code, out, err = run_cli(
        ["report", "--project", "acme/detector", "--format", "json"], {**env, **github}
    )
    assert code == 0, err
    assert json.loads(out)["sha"] == SHA


def test_unreadable_event_payload(env: dict[str, str], tmp_path: Path) -> None:
    """A broken GITHUB_EVENT_PATH is an input error naming the file."""
    github = {"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(tmp_path / "missing.json")}
    code, _, err = run_cli(["report", "--project", "acme/detector"], {**env, **github})
    assert code == 2
    assert f"The GitHub event payload {tmp_path / 'missing.json'} ($GITHUB_EVENT_PATH)" in err


def test_sha_head_resolves_with_git(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--sha HEAD is resolved to the checked-out commit with git."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(tmp_path),
            "-c",
            "user.email=t@e",
            "-c",
            "user.name=t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "x",
        ],
        check=True,
    )
    head = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(
        ["report", "--project", "acme/detector", "--sha", "HEAD", "--format", "json"], env
    )
    assert code == 0
    assert json.loads(out)["sha"] == head


def test_snapshot_and_runs_dir_conflict(tmp_path: Path) -> None:
    """Two sources of runs at once is an input error."""
    code, _, err = run_cli(["report", "--snapshot", "a", "--runs-dir", "b", "--sha", SHA], {})
    assert code == 2
    assert "--snapshot and --runs-dir both say where the runs are" in err


def test_missing_snapshot(tmp_path: Path) -> None:
    """A missing snapshot file exits 3 and says how to make one."""
    code, _, err = run_cli(["report", "--snapshot", str(tmp_path / "nope.json"), "--sha", SHA], {})
    assert code == 3
    assert f"Snapshot file {tmp_path / 'nope.json'} does not exist." in err
    assert "--save-snapshot FILE" in err


def test_version_and_module_entry() -> None:
    """`python -m wandb_pr --version` prints the version and exits 0."""
    result = subprocess.run(
        [sys.executable, "-m", "wandb_pr", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"wandb-pr {__version__}"


def test_unknown_flag_is_a_usage_error() -> None:
    """argparse's usage errors exit 2 on the given stream."""
    code, _, err = run_cli(["report", "--nope"], {})
    assert code == 2
    assert "unrecognized arguments: --nope" in err
