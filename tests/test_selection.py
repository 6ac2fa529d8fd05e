"""Which runs are candidates and baselines: the original action's rules and ours."""

from __future__ import annotations

import pytest

from tests.factories import make_run
from wandb_pr.models import Run
from wandb_pr.selection import build_selection
from wandb_pr.settings import Settings
from wandb_pr.sources.local import LocalRunSource
from wandb_pr.sources.results import assemble

FULL = "0123456789abcdef0123456789abcdef01234567"

RUNS = (
    make_run("c1", config={"github_sha": "testsha1234"}, created_at="2024-01-01T00:00:01"),
    make_run("c2", config={"github_sha": "testsha1234", "secondary_sha": "data-v2"}),
    make_run("c3", config={"github_sha": "testsha1234"}, state="running", tags=("baseline",)),
    make_run("b1", config={"github_sha": "oldsha0001"}, tags=("baseline",)),
    make_run("b2", tags=("reference",)),  # no github_sha at all: still a baseline
    make_run(
        "b3", config={"github_sha": "testsha1234", "secondary_sha": "data-v1"}, tags=("reference",)
    ),
    make_run("g1", commit=FULL, tags=("baseline",)),  # git commit recorded by W&B only
    make_run("g2", config={"github_sha": FULL}),
    make_run("x1", config={"github_sha": "other0000"}),
)


def select(**settings: object) -> tuple[list[str], list[str]]:
    """Candidate and baseline ids for settings over RUNS."""
    chosen = Settings(entity="acme", project="detector", **settings)  # type: ignore[arg-type]
    run_set = LocalRunSource(RUNS, description="test runs").fetch(build_selection(chosen))
    return [r.id for r in run_set.candidates], [r.id for r in run_set.baselines]


def test_seed_sha_and_tags() -> None:
    """config github_sha == SHA are candidates; tagged runs not of that SHA are baselines."""
    candidates, baselines = select(sha="testsha1234", baseline_tags=("baseline", "reference"))
    assert sorted(candidates) == ["b3", "c1", "c2", "c3"]
    assert sorted(baselines) == ["b1", "b2", "g1"]


def test_seed_sha_and_secondary_sha() -> None:
    """With a secondary SHA both must match; other data versions of the SHA may be baselines."""
    candidates, baselines = select(
        sha="testsha1234", secondary_sha="data-v2", baseline_tags=("reference",)
    )
    assert candidates == ["c2"]
    assert sorted(baselines) == ["b2", "b3"]


def test_seed_run_id_mode() -> None:
    """In run-id mode the SHA is ignored; every tagged run but that id is a baseline."""
    candidates, baselines = select(sha="testsha1234", run_ids=("c3",), baseline_tags=("baseline",))
    assert candidates == ["c3"]
    assert sorted(baselines) == ["b1", "g1"]


def test_git_commit_matches_without_config() -> None:
    """W&B's recorded git commit matches the SHA too, and such a run is never a baseline."""
    candidates, baselines = select(sha=FULL, baseline_tags=("baseline",))
    assert sorted(candidates) == ["g1", "g2"]
    assert sorted(baselines) == ["b1", "c3"]


def test_short_hex_sha_matches_as_prefix() -> None:
    """A 7-39 character hex SHA matches the config value and the git commit as a prefix."""
    candidates, _ = select(sha=FULL[:7])
    assert sorted(candidates) == ["g1", "g2"]


def test_prefix_and_commit_matching_can_be_turned_off() -> None:
    """The compat action's exact semantics: config equality only."""
    assert select(sha=FULL[:7], sha_prefix=False, match_commit=False)[0] == []
    assert select(sha=FULL, match_commit=False)[0] == ["g2"]


def test_non_hex_sha_never_matches_commits() -> None:
    """A SHA such as testsha1234 is compared with the config key only."""
    selection = build_selection(Settings(entity="e", project="p", sha="testsha1234"))
    assert "commit" not in str(selection.candidates.filters)


def test_configurable_sha_key() -> None:
    """The SHA may live under another config key."""
    runs = (make_run("k1", config={"git_rev": "abc1234"}),)
    settings = Settings(entity="acme", project="detector", sha="abc1234", sha_key="git_rev")
    run_set = LocalRunSource(runs, description="t").fetch(build_selection(settings))
    assert [r.id for r in run_set.candidates] == ["k1"]


def test_baseline_run_ids_and_extra_filters() -> None:
    """Baseline ids add to tags; extra filters narrow each side."""
    candidates, baselines = select(
        sha="testsha1234",
        baseline_run_ids=("x1",),
        baseline_tags=("reference",),
        candidate_filter={"state": "finished"},
        baseline_filter={"tags": {"$exists": True}},
    )
    assert sorted(candidates) == ["b3", "c1", "c2"]
    assert sorted(baselines) == ["b2", "x1"]


def test_missing_ids_are_reported() -> None:
    """A requested run id that is not there becomes a warning, not silence."""
    chosen = Settings(
        entity="acme", project="detector", run_ids=("c1", "nope"), baseline_run_ids=("c1x",)
    )
    run_set = LocalRunSource(RUNS, description="test runs").fetch(build_selection(chosen))
    assert "Run id nope was not found in test runs." in run_set.warnings
    assert "Baseline run id c1x was not found in test runs." in run_set.warnings


@pytest.mark.parametrize("sha", ["testsha1234", FULL, FULL[:9]])
def test_baselines_and_candidates_are_disjoint(sha: str) -> None:
    """Whatever the SHA, no run is both a candidate and a baseline."""
    candidates, baselines = select(sha=sha, baseline_tags=("baseline", "reference"))
    assert not set(candidates) & set(baselines)


def test_runs_of_other_projects_are_ignored() -> None:
    """Local sources only select runs of the selection's project."""
    runs: tuple[Run, ...] = (make_run("o1", project="other", config={"github_sha": "testsha1234"}),)
    settings = Settings(entity="acme", project="detector", sha="testsha1234")
    assert LocalRunSource(runs, description="t").fetch(build_selection(settings)).candidates == ()


def test_repeated_runs_are_kept_once() -> None:
    """A run returned twice (W&B can, across pages) is kept once, and never on both sides."""
    selection = build_selection(Settings(entity="acme", project="detector", sha="testsha1234"))
    run = make_run("c1")
    run_set = assemble(selection, [run, run], [run, make_run("b1"), make_run("b1")], where="w")
    assert [r.id for r in run_set.candidates] == ["c1"]
    assert [r.id for r in run_set.baselines] == ["b1"]
