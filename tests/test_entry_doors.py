"""The CLI and the Action entry on a laptop: the key from ~/.netrc, clear refusals, the help's
examples, notes on one channel, and a pointer for fork pull requests without a secret."""

from __future__ import annotations

import io
import json
import logging
import shlex
from pathlib import Path

import pytest

from tests.wandb_server import WandbTestServer
from wandb_pr.entry.cli import REPORT_EXAMPLE, main

REPO = Path(__file__).resolve().parents[1]
SHA = "0123456789abcdef0123456789abcdef01234567"
EXAMPLES = str(REPO / "examples" / "wandb")


def run_cli(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run the CLI in-process; return code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = main(args, environ=env, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def server(wandb_server: WandbTestServer) -> WandbTestServer:
    """The W&B test server with one run of SHA."""
    wandb_server.add_run("acme", "detector", config={"github_sha": SHA}, summary={"acc": 0.9})
    return wandb_server


def netrc_for(server: WandbTestServer, home: Path, key: str) -> str:
    """Write ``home/.netrc`` with ``key`` for the server's host; return the host."""
    host = server.base_url.split("//")[1].split(":")[0]
    home.mkdir(exist_ok=True)
    (home / ".netrc").write_text(f"machine {host} login user password {key}\n")
    return host


def test_key_from_netrc_and_debug_says_where(server: WandbTestServer, tmp_path: Path) -> None:
    """Without WANDB_API_KEY the ~/.netrc entry for the W&B host is used; --debug names it."""
    host = netrc_for(server, tmp_path / "home", server.api_key)
    env = {"HOME": str(tmp_path / "home"), "WANDB_BASE_URL": server.base_url}
    code, out, err = run_cli(
        ["report", "--project", "acme/detector", "--sha", SHA, "--format", "json", "--debug"], env
    )
    assert code == 0, err
    assert json.loads(out)["counts"]["finished"] == 1
    assert f"W&B API key from {tmp_path / 'home' / '.netrc'} (machine {host})" in err
    assert server.api_key not in err


def test_netrc_variable_and_environment_key_win(server: WandbTestServer, tmp_path: Path) -> None:
    """NETRC names the file; WANDB_API_KEY, when set, is used before any netrc entry."""
    netrc_for(server, tmp_path / "elsewhere", server.api_key)
    env = {"NETRC": str(tmp_path / "elsewhere" / ".netrc"), "WANDB_BASE_URL": server.base_url}
    args = ["report", "--project", "acme/detector", "--sha", SHA, "--format", "json", "--debug"]
    code, _, err = run_cli(args, env)
    assert code == 0, err
    code, _, err = run_cli(args, {**env, "WANDB_API_KEY": "wrong" * 8})
    assert code == 3
    assert "W&B API key from WANDB_API_KEY" in err


def test_a_netrc_that_does_not_parse_never_shows_its_tokens(tmp_path: Path) -> None:
    """A ~/.netrc the parser chokes on is named by path and line, never by the token (a key)."""
    key = "0123456789abcdef" * 3
    (tmp_path / ".netrc").write_text(f"machine api.wandb.ai\npassword={key}\n")
    env = {"HOME": str(tmp_path)}
    code, out, err = run_cli(["report", "--project", "acme/detector", "--sha", SHA], env)
    assert code == 2  # no key read from it
    assert f"{tmp_path / '.netrc'} cannot be parsed (line" in err
    assert key not in out + err


def test_no_key_anywhere_says_where_it_looked(tmp_path: Path) -> None:
    """No key in the environment or ~/.netrc: exit 2 naming both places."""
    env = {"HOME": str(tmp_path)}
    code, _, err = run_cli(["report", "--project", "acme/detector", "--sha", SHA], env)
    assert code == 2
    expected = f"No W&B API key: none in WANDB_API_KEY or {tmp_path / '.netrc'} (machine "
    assert expected in err


def test_action_outside_github_actions_refuses_and_masks_nothing() -> None:
    """`wandb-pr action` without GITHUB_ACTIONS=true refuses and never prints the key."""
    code, out, err = run_cli(["action"], {"INPUT_WANDB_API_KEY": "secret-key-12345"})
    assert code == 2
    assert out == ""
    assert "runs inside GitHub Actions only" in err
    assert "secret-key-12345" not in err


def test_sha_head_outside_a_git_repository(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`--sha HEAD` where there is no repository says so, not that HEAD is too short."""
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["report", "--runs-dir", EXAMPLES, "--sha", "HEAD"], {})
    assert code == 2
    assert "not a git repository" in err
    assert "characters long" not in err


def test_the_offline_example_in_the_help_works_as_written() -> None:
    """The second example of `wandb-pr report --help` runs on the bundled runs and exits 0."""
    line = REPORT_EXAMPLE.splitlines()[2]
    args = [EXAMPLES if a == "examples/wandb" else a for a in shlex.split(line)[1:]]
    code, out, err = run_cli([*args, "--format", "json"], {})
    assert code == 0, err
    assert json.loads(out)["counts"]["finished"] == 3


def test_json_report_of_offline_runs_names_their_project() -> None:
    """Offline runs of one project: the JSON report's project is theirs, not empty."""
    args = ["report", "--runs-dir", EXAMPLES, "--sha", "9b1d6c0", "--format", "json"]
    code, out, err = run_cli(args, {})
    assert code == 0, err
    project = json.loads(out)["project"]
    assert (project["entity"], project["project"]) != ("", "")
    assert "" not in (project["entity"], project["project"])


def test_offline_warnings_are_notes_printed_once_and_in_the_report(tmp_path: Path) -> None:
    """A damaged offline file: one warning line on stderr, and the warning in the report."""
    runs = tmp_path / "runs"
    runs.mkdir()
    source = next(Path(EXAMPLES).glob("*candidate3"))
    (runs / source.name).mkdir()
    data = bytearray(next(source.glob("*.wandb")).read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged = runs / source.name / next(source.glob("*.wandb")).name
    damaged.write_bytes(bytes(data))
    args = ["report", "--runs-dir", str(runs), "--sha", "9b1d6c0", "--format", "json"]
    code, out, err = run_cli(args, {})
    assert code == 0, err
    lines = [line for line in err.splitlines() if "checksum mismatch" in line]
    assert len(lines) == 1
    assert lines[0].startswith(f"wandb-pr: warning: {damaged}: a checksum mismatch")
    assert any("checksum mismatch" in w for w in json.loads(out)["warnings"])


def test_fork_pull_request_without_a_key_points_to_the_fork_safe_pair(tmp_path: Path) -> None:
    """A fork's pull request has no secrets: the error annotation names the fork-safe pair."""
    event = tmp_path / "event.json"
    head = {"sha": SHA, "repo": {"full_name": "someone/app", "fork": True}}
    base = {"sha": "b" * 40, "repo": {"full_name": "octo/app"}}
    event.write_text(json.dumps({"pull_request": {"number": 3, "head": head, "base": base}}))
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_WORKSPACE": str(tmp_path),
        "INPUT_PROJECT": "acme/detector",
    }
    code, out, err = run_cli(["action"], env)
    assert code == 2
    assert out.startswith("::error title=wandb-pr%3A input::No W&B API key: none in WANDB_API_KEY")
    assert "fork-pr-report.yml" in out
    assert "fork-pr-publish.yml" in err


def test_netrc_keys_are_redacted_from_the_log(tmp_path: Path) -> None:
    """A key kept in ~/.netrc is removed from every log record, like one from the environment."""
    key = "netrc-secret-0123456789"
    (tmp_path / ".netrc").write_text(f"machine api.example.com login user password {key}\n")
    logger = logging.getLogger("wandb_pr.test")
    code, _, err = run_cli(
        ["report", "--runs-dir", EXAMPLES, "--sha", "9b1d6c0"], {"HOME": str(tmp_path)}
    )
    assert code == 0, err
    stream = io.StringIO()
    logging.getLogger("wandb_pr").handlers[0].setStream(stream)  # type: ignore[attr-defined]
    logger.warning("sent %s", key)
    assert stream.getvalue() == "wandb-pr: WARNING: wandb_pr.test: sent ***\n"
