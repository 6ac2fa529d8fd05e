"""``wandb-pr action``: the GitHub Action's entry, reading ``INPUT_*`` and ``GITHUB_*`` variables.

``action.yml`` maps each lowercase-kebab input into an ``INPUT_<NAME>`` variable (upper case,
``-`` as ``_``); ``compat/action.yml`` maps machine-learning-apps/wandb-action's inputs the same
way and runs ``wandb-pr action --compat``, which keeps that action's semantics exactly: config
``github_sha`` equality only, outputs spelled ``True``/``False``, ``wandb_report.csv`` in the
workspace with finished candidates and all baselines, written only when a candidate finished.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

from wandb_pr.entry.action_github import GitHubSetup, open_publisher, resolve_event
from wandb_pr.entry.action_inputs import (
    given_from_compat,
    given_from_inputs,
    pr_number,
    publish_options,
    with_wandb_inputs,
)
from wandb_pr.entry.action_publish import (
    FilePublisher,
    GitHubReportPublisher,
    Publisher,
    destinations,
    gate_failure,
    target,
)
from wandb_pr.entry.event import is_fork_pull_request, load_event, workflow_run_url
from wandb_pr.entry.exit_codes import EXIT_OK, EXIT_PUBLISH, gate_exit_code
from wandb_pr.entry.git import git_first_parents
from wandb_pr.entry.keys import find_api_key
from wandb_pr.entry.sources import open_offline_source, open_wandb_source, wandb_base_url
from wandb_pr.entry.telling import Annotator, escape_data
from wandb_pr.errors import InputError, PublishError
from wandb_pr.events import event_commit
from wandb_pr.notes import Note
from wandb_pr.option_values import Given, build_settings, check_source
from wandb_pr.pipeline import Context, Waiting, produce
from wandb_pr.publish.outputs import append_text
from wandb_pr.sources.interface import RunSource

__all__ = ["run_action"]

log = logging.getLogger(__name__)

FORK_NO_KEY_TIP = (
    "Pull requests from forks get no secrets. Report from the fork-safe pair instead: "
    "examples/workflows/fork-pr-report.yml runs on the pull request without secrets, and "
    "fork-pr-publish.yml fetches from W&B in a workflow_run job that has them."
)


def run_action(
    *, env: Mapping[str, str], compat: bool, stdout: TextIO, stderr: TextIO, annotator: Annotator
) -> int:
    """Run the Action, one way: event and commit, settings, one fetch, compare, publish."""
    if env.get("GITHUB_ACTIONS") != "true":
        raise InputError(
            "wandb-pr action runs inside GitHub Actions only (GITHUB_ACTIONS is not true).",
            tip="On a laptop, run wandb-pr report with the same options as flags.",
        )
    given = given_from_compat(env) if compat else given_from_inputs(env)
    env = with_wandb_inputs(env, given)
    token = "" if compat else given.text("github-token")
    runs_dir = given.text("runs-dir")
    key = env.get("WANDB_API_KEY", "").strip()
    if not runs_dir:  # the key W&B will get, wherever it is kept, is masked before any output
        key = find_api_key(env, wandb_base_url(env)).key
    for secret in (key, token):
        if secret:
            stdout.write(f"::add-mask::{escape_data(secret)}\n")
    if given.flag("debug"):
        logging.getLogger("wandb_pr").setLevel(logging.DEBUG)
    deadline = given.seconds("deadline")
    workspace = Path(env.get("GITHUB_WORKSPACE") or ".")
    event_name = env.get("GITHUB_EVENT_NAME", "")
    payload = load_event(env)
    event = event_commit(event_name, payload, env.get("GITHUB_SHA"))
    github = None if compat else GitHubSetup.from_env(env, token)

    with contextlib.ExitStack() as stack:
        publisher = (
            stack.enter_context(open_publisher(github, deadline=deadline, notes=annotator))
            if github
            else None
        )
        if not compat:
            resolved = resolve_event(
                event_name,
                event,
                pr_number=pr_number(given),
                trigger=given.text("trigger-phrase") or given.default("trigger-phrase"),
                publisher=publisher,
                warn=lambda text: annotator(Note("warning", text)),
            )
            if resolved is None:
                stdout.write("wandb-pr: this comment does not ask for a report; nothing to do.\n")
                return EXIT_OK
            event = resolved

        def first_parents(base: str, limit: int) -> list[str] | None:
            if publisher is not None:
                return publisher.first_parents(base, limit)
            return git_first_parents(base, limit, cwd=workspace)

        settings = build_settings(
            given,
            env,
            event,
            default_project=("", "") if runs_dir else None,  # offline runs: any project
            first_parents=first_parents,
        )
        options = None if compat else publish_options(given, settings)  # checked before fetching
        pr = event.pr_number
        earlier = (
            (lambda: publisher.pull_request_commits(pr))
            if publisher is not None and pr is not None
            else None
        )
        no_key_tip = FORK_NO_KEY_TIP if is_fork_pull_request(payload) else ""
        source = stack.enter_context(
            _source(given, env, workspace, deadline, annotator, no_key_tip)
        )
        check_source(settings, source, given)
        context = Context(workflow_run_url=workflow_run_url(env))
        waiting = Waiting(seconds=given.duration("wait"))
        try:
            outcome = produce(
                settings, source, context, waiting, notes=annotator, earlier_commits=earlier
            )
        finally:
            annotator.end_group()

        where = destinations(given, env, workspace)
        publishers: list[Publisher] = [FilePublisher(settings, where, compat, stdout)]
        code = EXIT_OK
        gate_failed = not compat and outcome.gate_failed and given.flag("fail-on-regression")
        if gate_failed:
            verdict = outcome.report.comparison.verdict
            code = gate_exit_code(verdict, allow_missing=settings.allow_missing)
        if publisher is not None and options is not None:
            publishers.append(
                GitHubReportPublisher(
                    publisher,
                    target(settings, event, event_name),
                    options,
                    workflow_run_url(env),
                    where.step_outputs,
                )
            )
        for index, step in enumerate(publishers):
            try:
                outcome = step.publish(outcome, annotator)
            except PublishError as exc:
                annotator(Note("error", exc.message))
                stderr.write(f"wandb-pr: error: {exc.message}\n")
                code = code or EXIT_PUBLISH
                break
            if index == 0 and gate_failed:
                annotator(Note("error", gate_failure(outcome)))
        if where.step_summary is not None and annotator.summary():
            append_text(where.step_summary, annotator.summary(), what="$GITHUB_STEP_SUMMARY")
    return code


@contextlib.contextmanager
def _source(
    given: Given,
    env: Mapping[str, str],
    workspace: Path,
    deadline: float,
    annotator: Annotator,
    no_key_tip: str,
) -> Iterator[RunSource]:
    """Offline runs under the workspace, or W&B."""
    runs_dir = given.text("runs-dir")
    if runs_dir:
        yield open_offline_source(workspace / runs_dir)
        return
    if not no_key_tip:
        no_key_tip = (
            f"Pass a secret as {given.what('wandb-api-key')} (wandb-api-key: "
            "${{ secrets.WANDB_API_KEY }}), or set WANDB_API_KEY for the job."
        )
    with open_wandb_source(
        env, deadline=deadline, notes=annotator, no_key_tip=no_key_tip
    ) as source:
        yield source
