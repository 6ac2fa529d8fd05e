"""The Action's inputs: ``INPUT_*`` variables parsed into settings, up front, with errors that
name each input as the workflow spells it.

``action.yml`` maps each lowercase-kebab input into an ``INPUT_<NAME>`` variable (upper case,
``-`` as ``_``); ``compat/action.yml`` maps machine-learning-apps/wandb-action's inputs the same
way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wandb_pr.compare import MetricSpec, parse_metric_specs
from wandb_pr.errors import InputError
from wandb_pr.events import EventCommit
from wandb_pr.publish.github import CommentMode
from wandb_pr.publish.to_github import PublishOptions
from wandb_pr.settings import (
    Settings,
    check_settings,
    parse_artifact_ref,
    parse_bool,
    parse_config_key,
    parse_filter,
    parse_int,
    parse_list,
    parse_project,
    parse_run_ids,
    parse_sha,
)

__all__ = [
    "Inputs",
    "compat_settings",
    "flag",
    "integer",
    "publish_options",
    "settings_from_inputs",
    "with_wandb_inputs",
]


@dataclass(frozen=True)
class Inputs:
    """Action inputs by their documented names, read from ``INPUT_*`` variables."""

    env: Mapping[str, str]
    compat: bool

    def get(self, name: str) -> str:
        """The input's value ('' when unset)."""
        return self.env.get("INPUT_" + name.upper().replace("-", "_"), "").strip()

    def what(self, name: str) -> str:
        """How an error names the input."""
        return f"input '{name}'"


def publish_options(inputs: Inputs, settings: Settings) -> PublishOptions:
    """The publishing inputs."""
    mode_text = (inputs.get("comment") or "on").lower()
    try:
        mode = CommentMode(mode_text)
    except ValueError:
        raise InputError(
            f"{inputs.what('comment')} must be on, off or create-new, got {mode_text[:40]!r}"
        ) from None
    return PublishOptions(
        comment=mode,
        comment_key=inputs.get("comment-key") or settings.path.strip("/") or "default",
        commit_comment=flag(inputs, "commit-comment"),
        check=flag(inputs, "check"),
        check_name=inputs.get("check-name") or "wandb-pr",
        status=flag(inputs, "status"),
        status_context=inputs.get("check-name") or "wandb-pr",
    )


def with_wandb_inputs(env: Mapping[str, str], inputs: Inputs) -> dict[str, str]:
    """The environment with the key and server inputs applied over ``WANDB_*`` variables.

    An input left empty keeps a job-level ``WANDB_API_KEY``/``WANDB_BASE_URL`` in force.
    """
    effective = dict(env)
    for name, variable in (
        ("wandb-api-key", "WANDB_API_KEY"),
        ("wandb-base-url", "WANDB_BASE_URL"),
    ):
        if inputs.get(name):
            effective[variable] = inputs.get(name)
    return effective


def settings_from_inputs(inputs: Inputs, env: Mapping[str, str], event: EventCommit) -> Settings:
    """Settings from the new action's inputs."""
    runs_dir = inputs.get("runs-dir")
    project_text = inputs.get("project") or env.get("WANDB_PROJECT", "")
    if runs_dir and not project_text:
        entity, project = "", ""
    else:
        entity, project = parse_project(
            project_text, what=inputs.what("project"), default_entity=env.get("WANDB_ENTITY")
        )
    run_ids = parse_run_ids(
        parse_list(inputs.get("run-ids"), what=inputs.what("run-ids")), what=inputs.what("run-ids")
    )
    sha = parse_sha(inputs.get("sha"), what=inputs.what("sha"))
    merge_sha = None
    if sha is None and not run_ids:
        sha = parse_sha(event.sha, what=f"the event's commit ({event.source})")
        merge_sha = parse_sha(event.merge_sha, what="GITHUB_SHA (the merge commit)")
    settings = Settings(
        entity=entity,
        project=project,
        sha=sha,
        merge_sha=merge_sha,
        secondary_sha=parse_sha(inputs.get("secondary-sha"), what=inputs.what("secondary-sha")),
        sha_key=parse_config_key(
            inputs.get("sha-key") or "github_sha", what=inputs.what("sha-key")
        ),
        match_commit=parse_bool(
            inputs.get("match-commit"), what=inputs.what("match-commit"), default=True
        ),
        run_ids=run_ids,
        baseline_tags=parse_list(inputs.get("baseline-tags"), what=inputs.what("baseline-tags")),
        baseline_run_ids=parse_run_ids(
            parse_list(inputs.get("baseline-run-ids"), what=inputs.what("baseline-run-ids")),
            what=inputs.what("baseline-run-ids"),
        ),
        candidate_filter=parse_filter(inputs.get("filter"), what=inputs.what("filter")),
        baseline_filter=parse_filter(
            inputs.get("baseline-filter"), what=inputs.what("baseline-filter")
        ),
        metrics=_metrics(inputs, "metrics"),
        config_keys=parse_list(inputs.get("config-keys"), what=inputs.what("config-keys")),
        page_size=integer(inputs, "page-size", 100, 1, 1000),
        require_same_data=flag(inputs, "require-same-data"),
        allow_missing=flag(inputs, "allow-missing"),
        baseline_artifact=parse_artifact_ref(
            inputs.get("baseline-artifact"), what=inputs.what("baseline-artifact")
        ),
    )
    check_settings(settings, sha_name=inputs.what("sha"), run_id_name=inputs.what("run-ids"))
    if settings.baseline_artifact and runs_dir:
        raise InputError(
            "input 'baseline-artifact' needs W&B: offline runs hold no artifact registry.",
            tip="Leave out runs-dir, or name the baseline by baseline-run-ids.",
        )
    return settings


def compat_settings(inputs: Inputs) -> Settings:
    """Settings from machine-learning-apps/wandb-action's inputs, with its semantics."""
    entity, project = parse_project(
        inputs.get("PROJECT_NAME"), what=inputs.what("PROJECT_NAME"), default_entity=None
    )
    run_id = inputs.get("RUN_ID")
    settings = Settings(
        entity=entity,
        project=project,
        sha=parse_sha(inputs.get("FILTER_GITHUB_SHA"), what=inputs.what("FILTER_GITHUB_SHA")),
        secondary_sha=parse_sha(
            inputs.get("FILTER_SECONDARY_SHA"), what=inputs.what("FILTER_SECONDARY_SHA")
        ),
        match_commit=False,
        sha_prefix=False,
        run_ids=parse_run_ids([run_id], what=inputs.what("RUN_ID")) if run_id else (),
        baseline_tags=parse_list(inputs.get("BASELINE_TAGS"), what=inputs.what("BASELINE_TAGS")),
        metrics=_metrics(inputs, "DISPLAY_METRICS"),
        config_keys=parse_list(
            inputs.get("DISPLAY_CONFIG_VARS"), what=inputs.what("DISPLAY_CONFIG_VARS")
        ),
    )
    check_settings(
        settings, sha_name=inputs.what("FILTER_GITHUB_SHA"), run_id_name=inputs.what("RUN_ID")
    )
    return settings


def flag(inputs: Inputs, name: str) -> bool:
    """A boolean input of the new action (default false)."""
    return parse_bool(inputs.get(name), what=inputs.what(name), default=False)


def _metrics(inputs: Inputs, name: str) -> tuple[MetricSpec, ...]:
    """A list of metric specs, with errors naming the input."""
    try:
        return parse_metric_specs(parse_list(inputs.get(name), what=inputs.what(name)))
    except InputError as exc:
        if exc.message.startswith(inputs.what(name)):
            raise
        raise InputError(f"{inputs.what(name)}: {exc.message}", tip=exc.tip) from None


def integer(inputs: Inputs, name: str, default: int, low: int, high: int) -> int:
    """An integer input."""
    return parse_int(inputs.get(name), what=inputs.what(name), default=default, low=low, high=high)
