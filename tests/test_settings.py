"""Input parsing: every malformed input gets a specific error naming it."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wandb_pr.errors import InputError
from wandb_pr.settings import (
    ArtifactRef,
    Settings,
    check_settings,
    parse_bool,
    parse_filter,
    parse_int,
    parse_list,
    parse_project,
    parse_run_ids,
    parse_sha,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("acme/detector", ("acme", "detector")),
        ("  acme/detector\n", ("acme", "detector")),
        ("https://wandb.ai/acme/detector", ("acme", "detector")),
        ("https://wandb.example.com/acme/detector/runs/abc", ("acme", "detector")),
        ("detector", ("team", "detector")),
    ],
)
def test_project_forms(text: str, expected: tuple[str, str]) -> None:
    """ENTITY/PROJECT, a project URL, and a bare name with a default entity are accepted."""
    assert parse_project(text, what="--project", default_entity="team") == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "No W&B project given (--project)."),
        ("detector", "W&B project 'detector' (--project) has no entity."),
        ("a/b/c", "W&B project 'a/b/c' (--project) is not of the form ENTITY/PROJECT."),
        ("acme/de tector", "W&B project 'acme/de tector' (--project) is not of the form"),
    ],
)
def test_project_errors(text: str | None, message: str) -> None:
    """A missing or malformed project path is an error that names the input."""
    with pytest.raises(InputError) as caught:
        parse_project(text, what="--project", default_entity=None)
    assert caught.value.message.startswith(message)
    assert caught.value.tip


@pytest.mark.parametrize(
    "sha", ["testsha1234", "abc1234", "a" * 40, "A1B2C3D4E5", "v1.2.3-rc_1", "x" * 64]
)
def test_sha_accepts_seed_values_and_hashes(sha: str) -> None:
    """SHA inputs: 7-64 letters, digits, '.', '_', '-' (the seed's own CI used testsha1234)."""
    assert parse_sha(sha, what="--sha") == sha


@pytest.mark.parametrize(
    ("sha", "problem"),
    [
        ("abc12", "is 5 characters long; at least 7 are needed"),
        ("abc 1234", "may only contain letters, digits"),
        ("abc1234'; drop", "may only contain letters, digits"),
        ('{"$ne": 1}', "may only contain letters, digits"),
        ("a" * 65, "is longer than 64 characters"),
    ],
)
def test_sha_rejects_malformed(sha: str, problem: str) -> None:
    """Too short, spaces, quotes and operators are clear errors."""
    with pytest.raises(InputError, match="--sha") as caught:
        parse_sha(sha, what="--sha")
    assert problem in caught.value.message


def test_empty_sha_is_none() -> None:
    """An empty SHA input means 'not given'."""
    assert parse_sha("  ", what="--sha") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("['baseline', 'reference']", ("baseline", "reference")),
        ('["baseline", "reference"]', ("baseline", "reference")),
        ("baseline, reference", ("baseline", "reference")),
        ("baseline\nreference\n", ("baseline", "reference")),
        ("[]", ()),
        ("", ()),
        ("('a',)", ("a",)),
        ("a, a, b", ("a", "b")),
    ],
)
def test_list_forms(text: str, expected: tuple[str, ...]) -> None:
    """Python list literals (the seed's form), JSON lists, comma and newline lists are read."""
    assert parse_list(text, what="input 'baseline-tags'") == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("['a', ", "input 'baseline-tags' looks like a list but cannot be read"),
        ("[__import__('os').system('id')]", "looks like a list but cannot be read"),
        ("[1, 2]", "input 'baseline-tags' must be a list of strings"),
        ("[['a']]", "must be a list of strings"),
    ],
)
def test_list_errors_never_evaluate_code(text: str, message: str) -> None:
    """Bad list syntax is an error naming the input; code in a list is never run."""
    with pytest.raises(InputError) as caught:
        parse_list(text, what="input 'baseline-tags'")
    assert message in caught.value.message


@given(st.lists(st.text(st.characters(blacklist_characters=",\n\r"), min_size=1), max_size=8))
def test_list_round_trips_json(items: list[str]) -> None:
    """Any list of strings written as JSON reads back as its stripped, non-empty, unique items."""
    expected = tuple(dict.fromkeys(i.strip() for i in items if i.strip()))
    assert parse_list(json.dumps(items), what="x") == expected


def test_run_ids_accept_urls() -> None:
    """A run URL is reduced to its id; duplicates collapse."""
    ids = parse_run_ids(
        ["https://wandb.ai/acme/det/runs/k271zzd3", "k271zzd3", "x9"], what="--run-id"
    )
    assert ids == ("k271zzd3", "x9")


@pytest.mark.parametrize("bad", ["has space", "a/b", "", "x#y"])
def test_run_ids_reject_malformed(bad: str) -> None:
    """Run ids with spaces or URL punctuation are rejected, naming the input."""
    with pytest.raises(InputError, match=r"\(--run-id\) is not a W&B run id"):
        parse_run_ids([bad], what="--run-id")


def test_filter_parses_and_validates() -> None:
    """A JSON filter is parsed; bad JSON and unknown operators are errors naming the input."""
    assert parse_filter('{"config.dataset": "v2"}', what="--filter") == {"config.dataset": "v2"}
    with pytest.raises(InputError, match="--filter is not valid JSON"):
        parse_filter("{config: 1}", what="--filter")
    with pytest.raises(InputError, match="unknown operator \\$where"):
        parse_filter('{"$where": "1"}', what="--filter")
    with pytest.raises(InputError, match="expected a JSON object"):
        parse_filter("[1]", what="--filter")


def test_bool_and_int() -> None:
    """Booleans use GitHub's spellings; integers are range-checked."""
    assert parse_bool("TRUE", what="x", default=False) is True
    assert parse_bool("", what="x", default=True) is True
    with pytest.raises(InputError, match="input 'debug' must be true or false, got 'yes'"):
        parse_bool("yes", what="input 'debug'", default=False)
    assert parse_int("5", what="x", default=1, low=1, high=10) == 5
    with pytest.raises(InputError, match="must be between 1 and 10, got 11"):
        parse_int("11", what="x", default=1, low=1, high=10)
    with pytest.raises(InputError, match="must be a whole number"):
        parse_int("ten", what="x", default=1, low=1, high=10)


def test_cross_input_rules() -> None:
    """No SHA and no run ids, a secondary SHA alone, or an id on both sides are errors."""
    base = Settings(entity="e", project="p")
    with pytest.raises(InputError, match="No runs to look for: give a commit \\(--sha\\)"):
        check_settings(base, sha_name="--sha", run_id_name="--run-id")
    with pytest.raises(InputError, match="secondary SHA was given without a commit"):
        check_settings(
            Settings(entity="e", project="p", run_ids=("a",), secondary_sha="data-v1"),
            sha_name="--sha",
            run_id_name="--run-id",
        )
    with pytest.raises(InputError, match="Run id a is both a candidate and a baseline"):
        check_settings(
            Settings(entity="e", project="p", run_ids=("a",), baseline_run_ids=("a",)),
            sha_name="--sha",
            run_id_name="--run-id",
        )


@pytest.mark.parametrize(
    "other",
    [
        {"baseline_tags": ("production",)},
        {"baseline_run_ids": ("b1",)},
        {"baseline_artifact": ArtifactRef("acme", "detector", "model:production")},
    ],
)
def test_base_commit_baselines_take_no_other_baseline_choice(other: dict[str, object]) -> None:
    """Base-commit baselines with tags, run ids or the production artifact is an error, never
    a silently dropped choice."""
    settings = Settings(entity="e", project="p", sha="abc1234", baseline_commits=("b" * 40,))
    with pytest.raises(InputError, match="both by base commit and by tag, run id or artifact"):
        check_settings(replace(settings, **other), sha_name="--sha", run_id_name="--run-id")
