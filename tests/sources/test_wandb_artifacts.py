"""Artifacts through the W&B source: data versions and the model in production, in one request."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.wandb_server import WandbTestServer
from wandb_pr.entry.cli import main

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def project(wandb_server: WandbTestServer) -> WandbTestServer:
    """Two candidates on holdout v1, two tagged baselines on holdout v2, a production model."""
    for i in range(2):
        wandb_server.add_run(
            "acme", "det", id=f"c{i}", config={"github_sha": SHA}, summary={"acc": 0.9}
        )
        wandb_server.add_run("acme", "det", id=f"b{i}", tags=["baseline"], summary={"acc": 0.8})
    wandb_server.add_run("acme", "det", id="trainer", summary={"acc": 0.85})
    v1 = wandb_server.add_artifact("acme", "det", "holdout", "dataset")
    v2 = wandb_server.add_artifact("acme", "det", "holdout", "dataset")
    wandb_server.use_artifact(v1, "c0", "c1")
    wandb_server.use_artifact(v2, "b0", "b1")
    wandb_server.add_artifact(
        "acme", "det", "detector", "model", created_by="trainer", aliases=("production",)
    )
    return wandb_server


def report(server: WandbTestServer, *extra: str) -> tuple[int, dict[str, object], str]:
    """Run a JSON report against the server; return the code, the report and stderr."""
    out, err = io.StringIO(), io.StringIO()
    args = ["report", "--project", "acme/det", "--sha", SHA, "--format", "json", *extra]
    env = {"WANDB_API_KEY": server.api_key, "WANDB_BASE_URL": server.base_url}
    code = main(args, environ=env, stdout=out, stderr=err)
    return code, json.loads(out.getvalue()) if code == 0 else {}, err.getvalue()


def test_data_versions_come_with_the_runs(project: WandbTestServer) -> None:
    """Used artifacts arrive in the one runs request, and different versions are flagged."""
    code, document, err = report(project, "--baseline-tag", "baseline", "--metric", "acc")
    assert code == 0, err
    assert project.graphql_request_count == 1
    versions = document["comparison"]["data_versions"]  # type: ignore[index]
    assert versions == [
        {
            "name": "holdout",
            "type": "dataset",
            "candidates": ["holdout:v0"],
            "baselines": ["holdout:v1"],
            "differs": True,
        }
    ]


def test_require_same_data_fails_the_gate(project: WandbTestServer) -> None:
    """With --require-same-data and --fail-on-regression, different data exits 1."""
    out, err = io.StringIO(), io.StringIO()
    args = [
        "report",
        "--project",
        "acme/det",
        "--sha",
        SHA,
        "--baseline-tag",
        "baseline",
        "--metric",
        "acc",
        "--require-same-data",
        "--fail-on-regression",
        "--format",
        "markdown",
    ]
    env = {"WANDB_API_KEY": project.api_key, "WANDB_BASE_URL": project.base_url}
    assert main(args, environ=env, stdout=out, stderr=err) == 1
    assert out.getvalue().startswith(
        "### ❌ wandb-pr: evaluated on different data: holdout:v0 vs holdout:v1"
    )


def test_production_model_run_is_a_baseline(project: WandbTestServer) -> None:
    """The run behind detector:production joins the baselines, named so, in the same request."""
    code, document, err = report(
        project, "--baseline-tag", "baseline", "--baseline-artifact", "acme/det/detector:production"
    )
    assert code == 0, err
    assert project.graphql_request_count == 1
    ids = [r["id"] for r in document["baselines"]]  # type: ignore[union-attr, index]
    assert sorted(ids) == ["b0", "b1", "trainer"]


def test_production_model_alone(project: WandbTestServer, tmp_path: Path) -> None:
    """Without tags, the production run is the only baseline, and the Markdown says where from."""
    out, err = io.StringIO(), io.StringIO()
    args = [
        "report",
        "--project",
        "acme/det",
        "--sha",
        SHA,
        "--format",
        "markdown",
        "--baseline-artifact",
        "acme/det/detector:production",
    ]
    env = {"WANDB_API_KEY": project.api_key, "WANDB_BASE_URL": project.base_url}
    assert main(args, environ=env, stdout=out, stderr=err) == 0, err.getvalue()
    assert (
        "- Baselines: run run-5 (trainer), which produced acme/det/detector:production (v0)"
        in out.getvalue()
    )


def test_missing_alias(project: WandbTestServer) -> None:
    """An alias that does not exist is a clear message and exit 3."""
    code, _, err = report(project, "--baseline-artifact", "acme/det/detector:staging")
    assert code == 3
    assert "W&B has no artifact version acme/det/detector:staging" in err


def test_invisible_producing_run(wandb_server: WandbTestServer) -> None:
    """A version whose producing run the key cannot see is a clear message, not a crash."""
    wandb_server.add_run("acme", "det", id="c0", config={"github_sha": SHA})
    wandb_server.add_run("acme", "det", id="secret")
    wandb_server.add_artifact(
        "acme",
        "det",
        "detector",
        "model",
        created_by="secret",
        aliases=("production",),
        creator_visible=False,
    )
    code, _, err = report(wandb_server, "--baseline-artifact", "acme/det/detector:production")
    assert code == 3
    assert "The run that produced acme/det/detector:production is not visible" in err


@pytest.mark.parametrize("bad", ["detector:production", "acme/det/detector", "a/b/c:d e"])
def test_malformed_artifact_reference(wandb_server: WandbTestServer, bad: str) -> None:
    """A malformed reference is an input error naming the flag."""
    code, _, err = report(wandb_server, "--baseline-artifact", bad)
    assert code == 2
    assert f"({'--baseline-artifact'}) is not of the form ENTITY/PROJECT/NAME:ALIAS" in err


def test_needs_wandb(tmp_path: Path) -> None:
    """--baseline-artifact with a snapshot is refused up front."""
    snapshot = tmp_path / "s.json"
    snapshot.write_text(
        '{"format": "wandb-pr-snapshot", "version": 1, "entity": "a", "project": "b", "runs": []}'
    )
    out, err = io.StringIO(), io.StringIO()
    args = ["report", "--snapshot", str(snapshot), "--sha", SHA, "--baseline-artifact", "a/b/m:p"]
    assert main(args, environ={}, stdout=out, stderr=err) == 2
    assert "--baseline-artifact needs W&B" in err.getvalue()
