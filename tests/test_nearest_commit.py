"""Base-commit baselines and stale results: the nearest commit that has runs, in one query."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.factories import make_run
from tests.git_repo import linear_repo
from wandb_pr.compare import Verdict
from wandb_pr.entry.cli import main
from wandb_pr.pipeline import Context, produce
from wandb_pr.publish.github import check_conclusion
from wandb_pr.render.markdown import plain_headline
from wandb_pr.selection import build_selection
from wandb_pr.settings import Settings
from wandb_pr.sources.local import LocalRunSource

HEAD = "f" * 40
CHAIN = tuple(f"{i:x}" * 40 for i in range(1, 8))  # the base, then its ancestors, nearest first


class CountingSource(LocalRunSource):
    """A local run source that counts its fetches."""

    fetches = 0

    def fetch(self, selection):  # type: ignore[no-untyped-def]
        """Count, then select as W&B would."""
        self.fetches += 1
        return super().fetch(selection)


def source(*runs: object) -> CountingSource:
    """A source over the given runs plus the head's candidate run."""
    head = make_run("head", config={"github_sha": HEAD}, summary={"acc": 0.9})
    return CountingSource((head, *runs), description="test runs")  # type: ignore[arg-type]


@pytest.mark.parametrize("distance", [0, 3])
def test_nearest_ancestor_with_finished_runs(distance: int) -> None:
    """Baselines come from the nearest ancestor with finished runs; the report says how far."""
    runs = source(
        make_run("far", config={"github_sha": CHAIN[5]}, summary={"acc": 0.5}),
        make_run("near", commit=CHAIN[distance], summary={"acc": 0.8}),
        make_run("near-crashed", state="crashed", commit=CHAIN[max(distance - 1, 0)]),
    )
    settings = Settings(entity="acme", project="detector", sha=HEAD, baseline_commits=CHAIN)
    outcome = produce(settings, runs, Context())
    assert [r.id for r in outcome.run_set.baselines] == ["near"]
    assert runs.fetches == 1
    expected = (
        f"finished runs of the base commit {CHAIN[0][:7]}"
        if distance == 0
        else f"finished runs of {CHAIN[3][:7]}, 3 commits behind the base commit {CHAIN[0][:7]}"
    )
    assert outcome.report.provenance.baseline_selection == expected


def test_no_ancestor_with_runs() -> None:
    """Nothing within the depth: no baselines, and the report says how far it looked."""
    runs = source(make_run("older", config={"github_sha": "9" * 40}))
    settings = Settings(entity="acme", project="detector", sha=HEAD, baseline_commits=CHAIN)
    outcome = produce(settings, runs, Context())
    assert outcome.run_set.baselines == ()
    assert outcome.report.provenance.baseline_selection == (
        f"no finished runs of base commit {CHAIN[0][:7]} or its 6 nearest ancestors"
    )


def test_base_commits_exclude_the_candidates() -> None:
    """A run of the head is never a baseline, even if it also matches an ancestor."""
    query = build_selection(
        Settings(entity="e", project="p", sha=HEAD, baseline_commits=CHAIN)
    ).baselines
    assert query is not None
    assert {"state": "finished"} in query.filters["$and"]
    assert query.filters["$and"][-1]["$nor"]


def test_stale_results_from_an_earlier_commit() -> None:
    """With the head's runs missing, the newest earlier commit with runs stands in, flagged."""
    runs = CountingSource(
        (
            make_run("old", config={"github_sha": CHAIN[2]}, summary={"acc": 0.7}),
            make_run("newer", config={"github_sha": CHAIN[1]}, summary={"acc": 0.8}),
            make_run("base", tags=("production",), summary={"acc": 0.75}),
        ),
        description="test runs",
    )
    settings = Settings(
        entity="acme",
        project="detector",
        sha=HEAD,
        candidate_commits=CHAIN,
        baseline_tags=("production",),
    )
    outcome = produce(settings, runs, Context())
    assert [r.id for r in outcome.run_set.candidates] == ["newer"]
    assert [r.id for r in outcome.run_set.baselines] == ["base"]
    assert outcome.report.provenance.sha == CHAIN[1]
    assert outcome.report.alerts[0] == (
        f"The head commit {HEAD[:7]} has no runs yet: these results are from {CHAIN[1][:7]}, "
        "2 commits behind head."
    )
    # The earlier commit's runs beat the baseline, but the head was never trained: no pass.
    comparison = outcome.report.comparison
    assert [m.status.value for m in comparison.metrics] == ["better"]
    assert comparison.verdict is Verdict.PENDING
    assert outcome.gate_failed
    assert check_conclusion(comparison.verdict) == "failure"
    assert plain_headline(outcome.report) == (
        "⏳ wandb-pr: the head commit has no runs yet; an earlier commit's runs pass "
        "(--allow-missing accepts this)"
    )


def test_stale_results_still_show_a_regression() -> None:
    """An earlier commit's runs that regressed fail the gate: the change is likely no better."""
    runs = CountingSource(
        (
            make_run("newer", config={"github_sha": CHAIN[1]}, summary={"acc": 0.5}),
            make_run("base", tags=("production",), summary={"acc": 0.75}),
        ),
        description="test runs",
    )
    settings = Settings(
        entity="acme", project="detector", sha=HEAD, candidate_commits=CHAIN,
        baseline_tags=("production",),
    )  # fmt: skip
    assert produce(settings, runs, Context()).report.comparison.verdict is Verdict.REGRESSION


def test_cli_base_commit_with_local_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--base-commit walks first parents with git and reports the nearest ancestor's runs."""
    repo, shas = linear_repo(tmp_path, 4)
    snapshot = tmp_path / "snap.json"
    snapshot.write_text(
        json.dumps(
            {
                "format": "wandb-pr-snapshot",
                "version": 1,
                "entity": "acme",
                "project": "det",
                "runs": [
                    {
                        "id": "cand",
                        "state": "finished",
                        "config": {"github_sha": "a" * 40},
                        "summary": {"acc": 1},
                    },
                    {"id": "base1", "state": "finished", "commit": shas[1], "summary": {"acc": 2}},
                ],
            }
        )
    )
    monkeypatch.chdir(repo)
    out, err = io.StringIO(), io.StringIO()
    args = [
        "report",
        "--snapshot",
        str(snapshot),
        "--sha",
        "a" * 40,
        "--base-commit",
        "HEAD",
        "--format",
        "json",
    ]
    assert main(args, environ={}, stdout=out, stderr=err) == 0, err.getvalue()
    assert [r["id"] for r in json.loads(out.getvalue())["baselines"]] == ["base1"]
    out, err = io.StringIO(), io.StringIO()
    bad = ["report", "--snapshot", str(snapshot), "--sha", "a" * 40, "--base-commit", "nope"]
    assert main(bad, environ={}, stdout=out, stderr=err) == 2
    assert "--base-commit 'nope' is not a commit in the git repository here." in err.getvalue()
