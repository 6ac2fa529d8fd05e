"""The Action's inputs: ``INPUT_*`` variables read through the option table.

``action.yml`` maps each lowercase-kebab input into an ``INPUT_<NAME>`` variable (upper case,
``-`` as ``_``); ``compat/action.yml`` maps machine-learning-apps/wandb-action's inputs the same
way, and :data:`~wandb_pr.options.COMPAT_INPUTS` says which option each of them means.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from wandb_pr.errors import InputError
from wandb_pr.option_values import Door, Given
from wandb_pr.options import COMPAT_INPUTS, OPTIONS
from wandb_pr.publish.github import CommentMode
from wandb_pr.publish.to_github import PublishOptions
from wandb_pr.settings import Settings

__all__ = ["given_from_compat", "given_from_inputs", "publish_options", "with_wandb_inputs"]

ACTION = Door("action")
COMPAT = Door("compat")


def given_from_inputs(env: Mapping[str, str]) -> Given:
    """The new action's inputs, by option name."""
    text = {o.name: env.get(o.input_variable, "") for o in OPTIONS if o.action and o.read}
    return Given(ACTION, text)


def given_from_compat(env: Mapping[str, str]) -> Given:
    """machine-learning-apps/wandb-action's inputs, mapped onto the options they mean.

    Its semantics are kept: config ``github_sha`` equality only (no git commit, no prefix),
    ``RUN_ID`` is one id, and any ``DEBUG`` value turns debug logging on.
    """
    text = {name: env.get(f"INPUT_{seed}", "") for seed, name in COMPAT_INPUTS.items()}
    run_id = text.get("run-ids", "").strip()
    text["run-ids"] = json.dumps([run_id]) if run_id else ""
    text["debug"] = "true" if text.get("debug", "").strip() else ""
    text["match-commit"] = "false"
    return Given(COMPAT, text)


def publish_options(given: Given, settings: Settings) -> PublishOptions:
    """The publishing inputs."""
    check_name = given.text("check-name") or given.default("check-name")
    return PublishOptions(
        comment=CommentMode(given.choice("comment")),
        comment_key=given.text("comment-key") or settings.path.strip("/") or "default",
        commit_comment=given.flag("commit-comment"),
        check=given.flag("check"),
        check_name=check_name,
        status=given.flag("status"),
        status_context=check_name,
    )


def with_wandb_inputs(env: Mapping[str, str], given: Given) -> dict[str, str]:
    """The environment with the key and server inputs applied over ``WANDB_*`` variables.

    An input left empty keeps a job-level ``WANDB_API_KEY``/``WANDB_BASE_URL`` in force.
    """
    effective = dict(env)
    for name, variable in (
        ("wandb-api-key", "WANDB_API_KEY"),
        ("wandb-base-url", "WANDB_BASE_URL"),
    ):
        if given.text(name):
            effective[variable] = given.text(name)
    return effective


def pr_number(given: Given) -> int | None:
    """The ``pr-number`` input, checked."""
    text = given.text("pr-number")
    if not text:
        return None
    if not text.isdigit() or int(text) <= 0:
        raise InputError(
            f"{given.what('pr-number')} must be a pull request number, got {text[:40]!r}",
            tip="In the fork-safe workflow, read it from the artifact and check it is digits.",
        )
    return int(text)
