"""The option table is the one source of every flag and input: action.yml, the README and the
CLI agree with it, and a flag and its input give the same settings for the same text."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml

from wandb_pr.entry.action_inputs import given_from_compat, given_from_inputs
from wandb_pr.entry.cli import _parser
from wandb_pr.entry.report import given_from_args
from wandb_pr.errors import InputError
from wandb_pr.events import EventCommit
from wandb_pr.option_values import build_settings
from wandb_pr.options import CLI_ONLY, COMPAT_INPUTS, OPTIONS, Option, as_inputs
from wandb_pr.settings import Settings

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
MANIFEST = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
SHA = "0123456789abcdef0123456789abcdef01234567"
EVENT = EventCommit(sha=SHA, source="pull_request.head.sha", base_sha="f" * 40)


def _cell(text: str) -> str:
    """Text for a Markdown table cell."""
    return text.replace("|", "\\|")


def _default(opt: Option, *, cli: bool) -> str:
    """The default column: a literal in backticks, or the words the table shows."""
    if cli and opt.cli_default is not None:
        return f"`{opt.cli_default}`" if opt.cli_default else ""
    if opt.shown_default is not None:
        return opt.shown_default
    return f"`{opt.default}`" if opt.default else ""


def inputs_table() -> str:
    """The README's table of Action inputs, as the option table declares them."""
    rows = [
        f"| `{o.name}` | {_default(o, cli=False)} | {_cell(o.help)} |" for o in OPTIONS if o.action
    ]
    return "\n".join(["| input | default | meaning |", "| --- | --- | --- |", *rows])


def flags_table() -> str:
    """The README's table of ``wandb-pr report`` flags, as the option table declares them."""
    rows = []
    for opt in OPTIONS + CLI_ONLY:
        if not opt.flag:
            continue
        spellings = [f"{opt.flags[0]} {opt.metavar}" if opt.metavar else opt.flags[0]]
        if opt.parser == "bool" and opt.default == "true":
            spellings.append(f"--no-{opt.name}")
        spellings += opt.aliases
        flags = ", ".join(f"`{s}`" for s in spellings)
        rows.append(f"| {flags} | {_default(opt, cli=True)} | {_cell(opt.help)} |")
    return "\n".join(["| flag | default | meaning |", "| --- | --- | --- |", *rows])


def report_flags() -> set[str]:
    """Every flag ``wandb-pr report`` accepts."""
    subparsers = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {o for a in subparsers.choices["report"]._actions for o in a.option_strings}


def test_action_yml_declares_each_input_option_with_its_default() -> None:
    """action.yml's inputs are exactly the table's, each with the table's default."""
    declared = {name: str(spec.get("default", "")) for name, spec in MANIFEST["inputs"].items()}
    table = {o.name: o.default for o in OPTIONS if o.action}
    assert declared == table


def test_readme_tables_are_the_option_table() -> None:
    """The README's inputs and flags tables are rendered from the table (defaults included)."""
    assert inputs_table() in README
    assert flags_table() in README


def test_every_flag_option_has_its_flags_and_nothing_else_is_a_flag() -> None:
    """`wandb-pr report` has each option's flag and aliases, and no flag the table lacks."""
    expected = {"-h", "--help"}
    for opt in OPTIONS + CLI_ONLY:
        if opt.flag:
            expected |= set(opt.flags)
            if opt.parser == "bool" and opt.default == "true":
                expected.add(f"--no-{opt.name}")
    assert report_flags() == expected


def test_every_input_that_applies_on_a_laptop_is_a_flag_of_the_same_name() -> None:
    """Only publishing, the key (a secret) and the installer's interpreter have no flag."""
    no_flag = {o.name for o in OPTIONS if not o.flag}
    assert no_flag == {
        "wandb-api-key",
        "github-token",
        "comment",
        "comment-key",
        "commit-comment",
        "check",
        "check-name",
        "status",
        "pr-number",
        "trigger-phrase",
        "python",
    }


SAMPLES: dict[str, str] = {
    "project": "acme/detector",
    "sha": "abcdef1",
    "secondary-sha": "data-v2",
    "sha-key": "commit",
    "secondary-sha-key": "data_sha",
    "match-commit": "false",
    "run-ids": "run1,run2",
    "baseline-tags": "baseline,reference",
    "baseline-run-ids": "base1\nbase2",
    "baseline-artifact": "acme/detector/model:production",
    "filter": '{"config.dataset": "v2"}',
    "baseline-filter": '{"tags": "nightly"}',
    "metrics": "val_loss:min:1%,acc:max",
    "config-keys": "lr,batch_size",
    "page-size": "50",
    "require-same-data": "true",
}
"""A text for each option that goes into the settings."""


def cli_settings(argv: list[str]) -> Settings:
    """Settings from ``wandb-pr report`` flags."""
    args = _parser().parse_args(["report", *argv])
    return build_settings(given_from_args(args), {}, EVENT)


def action_settings(inputs: dict[str, str]) -> Settings:
    """Settings from Action inputs."""
    env = {f"INPUT_{k.upper().replace('-', '_')}": v for k, v in inputs.items()}
    return build_settings(given_from_inputs(env), {}, EVENT)


def argv_for(name: str, text: str) -> list[str]:
    """The flags that give ``name`` the text ``text``."""
    if name == "match-commit":
        return ["--match-commit" if text == "true" else "--no-match-commit"]
    if name == "require-same-data":
        return ["--require-same-data"] if text == "true" else []
    return [f"--{name}", text]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_a_flag_and_its_input_give_the_same_settings(name: str) -> None:
    """For the same text, `--NAME TEXT` and the input NAME build equal settings."""
    base = {"project": "acme/detector"} if name != "project" else {}
    argv = [a for k, v in base.items() for a in argv_for(k, v)] + argv_for(name, SAMPLES[name])
    from_flags = cli_settings(argv)
    assert from_flags == action_settings({**base, name: SAMPLES[name]})
    assert from_flags != action_settings(base or {"project": "other/project"})


def test_list_flags_split_like_inputs_and_aliases_repeat() -> None:
    """`--baseline-tag baseline,reference` is two tags, as the input is; aliases may repeat."""
    settings = cli_settings(
        ["--project", "a/b", "--baseline-tag", "baseline,reference", "--baseline-tag", "prod"]
    )
    assert settings.baseline_tags == ("baseline", "reference", "prod")
    assert cli_settings(["--project", "a/b", "--run-id", "x", "--run-ids", "y"]).run_ids == (
        "x",
        "y",
    )


def test_base_commit_alias_chooses_base_commit_baselines() -> None:
    """The old `--base-commit REV` is `--baseline base-commit --base-sha REV`."""
    args = _parser().parse_args(["report", "--project", "a/b", "--base-commit", "origin/main"])
    seen: list[tuple[str, int]] = []

    def first_parents(revision: str, limit: int) -> list[str]:
        seen.append((revision, limit))
        return ["c" * 40]

    given = given_from_args(args)
    settings = build_settings(given, {}, EVENT, first_parents=first_parents)
    assert settings.baseline_commits == ("c" * 40,)
    assert seen == [("origin/main", 21)]


def test_errors_name_the_flag_on_a_laptop_and_the_input_in_the_action() -> None:
    """The same bad page size is `--page-size` in the CLI and `input 'page-size'` in the Action."""
    with pytest.raises(InputError, match=r"^--page-size must be between 1 and 1000, got 0$"):
        cli_settings(["--project", "a/b", "--page-size", "0"])
    with pytest.raises(InputError, match=r"^input 'page-size' must be between 1 and 1000"):
        action_settings({"project": "a/b", "page-size": "0"})


def test_compat_inputs_map_onto_the_table_with_the_seed_semantics() -> None:
    """The seed's inputs give equality on github_sha only, one RUN_ID, and its list literals."""
    env = {
        "INPUT_PROJECT_NAME": "acme/detector",
        "INPUT_FILTER_GITHUB_SHA": "testsha1234",
        "INPUT_BASELINE_TAGS": "['baseline', 'reference']",
        "INPUT_DISPLAY_METRICS": '["acc"]',
        "INPUT_DEBUG": "yes",
    }
    given = given_from_compat(env)
    settings = build_settings(given, {}, EVENT)
    assert (settings.sha, settings.match_commit, settings.sha_prefix) == (
        "testsha1234",
        False,
        False,
    )
    assert settings.baseline_tags == ("baseline", "reference")
    assert given.flag("debug") is True
    run = build_settings(given_from_compat({**env, "INPUT_RUN_ID": "a,b"}), {}, EVENT)
    assert run.run_ids == ("a,b",)


def test_compat_list_input_that_is_code_is_an_error_naming_it() -> None:
    """Python code in a compat list input is refused, naming the seed's input, never a tag."""
    env = {
        "INPUT_PROJECT_NAME": "acme/detector",
        "INPUT_FILTER_GITHUB_SHA": "testsha1234",
        "INPUT_BASELINE_TAGS": "__import__('os').system('touch pwned')",
    }
    with pytest.raises(InputError, match=r"^input 'BASELINE_TAGS' must be a list"):
        build_settings(given_from_compat(env), {}, EVENT)


def test_tips_for_the_action_name_inputs_instead_of_flags() -> None:
    """A tip naming flags reads, in the Action, with the inputs; CLI-only flags stay."""
    tip = "Set a longer --deadline, check --filter and --run-id, or use --snapshot."
    assert as_inputs(tip) == (
        "Set a longer input 'deadline', check input 'filter' and input 'run-ids', "
        "or use --snapshot."
    )


def test_compat_action_inputs_are_the_mapped_seed_inputs() -> None:
    """compat/action.yml declares exactly the seed inputs the table maps onto options."""
    compat = yaml.safe_load((REPO / "compat" / "action.yml").read_text(encoding="utf-8"))
    assert set(compat["inputs"]) == set(COMPAT_INPUTS)
    names = {o.name for o in OPTIONS}
    assert set(COMPAT_INPUTS.values()) <= names
