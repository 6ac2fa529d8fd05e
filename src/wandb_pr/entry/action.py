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
from collections.abc import Mapping
from dataclasses import replace
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
from wandb_pr.entry.event import load_event, workflow_run_url
from wandb_pr.entry.exit_codes import EXIT_OK, EXIT_PUBLISH, EXIT_REGRESSION
from wandb_pr.entry.git import git_first_parents
from wandb_pr.entry.sources import open_offline_source, open_wandb_source
from wandb_pr.errors import InputError, PublishError
from wandb_pr.events import EventCommit, event_commit
from wandb_pr.models import StateCounts
from wandb_pr.option_values import Given, build_settings
from wandb_pr.pipeline import Context, Destinations, Outcome, Waiting, produce, write_files
from wandb_pr.publish.github import GitHubPublisher
from wandb_pr.publish.outputs import write_outputs
from wandb_pr.publish.to_github import Target, publish
from wandb_pr.settings import Settings

__all__ = ["run_action"]

log = logging.getLogger(__name__)


def run_action(*, env: Mapping[str, str], compat: bool, stdout: TextIO, stderr: TextIO) -> int:
    """Run the Action: fetch, write files and outputs, then publish; return the exit code."""
    given = given_from_compat(env) if compat else given_from_inputs(env)
    env = with_wandb_inputs(env, given)
    token = "" if compat else given.text("github-token")
    for secret in (env.get("WANDB_API_KEY", "").strip(), token):
        if secret:
            stdout.write(f"::add-mask::{_escape_command(secret)}\n")
    if given.flag("debug"):
        logging.getLogger("wandb_pr").setLevel(logging.DEBUG)
    deadline = given.seconds("deadline")
    wait = given.duration("wait")
    workspace = Path(env.get("GITHUB_WORKSPACE") or ".")
    event_name = env.get("GITHUB_EVENT_NAME", "")
    event = event_commit(event_name, load_event(env), env.get("GITHUB_SHA"))
    github = None if compat else GitHubSetup.from_env(env, token)

    with contextlib.ExitStack() as stack:
        publisher = (
            stack.enter_context(open_publisher(github, deadline=deadline)) if github else None
        )
        if not compat:
            resolved = resolve_event(
                event_name,
                event,
                pr_number=pr_number(given),
                trigger=given.text("trigger-phrase") or given.default("trigger-phrase"),
                publisher=publisher,
            )
            if resolved is None:
                stdout.write("wandb-pr: this comment does not ask for a report; nothing to do.\n")
                return EXIT_OK
            event = resolved

        def first_parents(base: str, limit: int) -> list[str] | None:
            if publisher is not None:
                return publisher.first_parents(base, limit)
            return git_first_parents(base, limit, cwd=workspace)

        settings = build_settings(given, env, event, first_parents=first_parents)
        if settings.baseline_artifact and given.text("runs-dir"):
            raise InputError(
                "input 'baseline-artifact' needs W&B: offline runs hold no artifact registry.",
                tip="Leave out runs-dir, or name the baseline by baseline-run-ids.",
            )
        options = None if compat else publish_options(given, settings)  # checked before fetching
        outcome = _fetch(settings, given, env, workspace, deadline, wait, stdout, stderr)
        earlier = _earlier_commits(outcome, settings, event, publisher)
        if earlier:  # the head has no runs yet: report the newest earlier commit's, as stale
            settings = replace(settings, candidate_commits=earlier)
            outcome = _fetch(settings, given, env, workspace, deadline, 0.0, stdout, stderr)
        for warning in outcome.run_set.warnings:
            stdout.write(f"::warning title=wandb-pr::{_escape_command(warning)}\n")
        destinations = _destinations(given, env, workspace)
        counts = outcome.run_set.counts
        outputs = _compat_outputs(counts) if compat else _outputs(outcome, destinations)
        outcome = write_files(outcome, settings, destinations, outputs=outputs)
        _log_outcome(outcome, stdout, compat=compat)
        code = EXIT_OK
        if not compat and outcome.regressed and given.flag("fail-on-regression"):
            stdout.write(f"::error title=wandb-pr::{_escape_command(_gate_failure(outcome))}\n")
            code = EXIT_REGRESSION
        if publisher is not None and options is not None:
            target = Target(_commit_under_review(settings, event), event.pr_number, event_name)
            try:
                published = publish(
                    publisher,
                    outcome.report,
                    target,
                    options,
                    target_url=workflow_run_url(env),
                )
            except PublishError as exc:
                stdout.write(f"::error title=wandb-pr::{_escape_command(exc.message)}\n")
                stderr.write(f"wandb-pr: error: {exc.message}\n")
                return code or EXIT_PUBLISH
            for warning in published.warnings:
                stdout.write(f"::warning title=wandb-pr::{_escape_command(warning)}\n")
            if destinations.step_outputs is not None:
                write_outputs(
                    destinations.step_outputs,
                    {
                        "comment-url": published.comment_url or "",
                        "check-run-url": published.check_run_url or "",
                    },
                )
    return code


def _earlier_commits(
    outcome: Outcome, settings: Settings, event: EventCommit, publisher: GitHubPublisher | None
) -> tuple[str, ...]:
    """The pull request's earlier commits, newest first, when its head has no runs."""
    if (
        publisher is None
        or event.pr_number is None
        or settings.run_ids
        or settings.candidate_commits
        or outcome.run_set.counts.total
    ):
        return ()
    head = (settings.sha or "").lower()
    commits = publisher.pull_request_commits(event.pr_number)
    return tuple(sha for sha in commits if not (head and sha.lower().startswith(head)))


def _gate_failure(outcome: Outcome) -> str:
    """Why the gate failed, for the error annotation."""
    comparison = outcome.report.comparison
    if comparison.regressions:
        return "Regression in " + ", ".join(comparison.regressions)
    names = ", ".join(version.name for version in comparison.different_data)
    return f"Candidates and baselines were evaluated on different data ({names})"


def _commit_under_review(settings: Settings, event: EventCommit) -> str | None:
    """The commit check runs and statuses go on: the SHA given, if a full one, else the event's."""
    sha = settings.sha
    if sha and len(sha) == 40 and all(c in "0123456789abcdefABCDEF" for c in sha):
        return sha.lower()
    return event.sha


def _fetch(
    settings: Settings,
    given: Given,
    env: Mapping[str, str],
    workspace: Path,
    deadline: float,
    wait: float,
    stdout: TextIO,
    stderr: TextIO,
) -> Outcome:
    """Fetch and compare, from offline runs or W&B, waiting for unfinished runs if asked."""
    grouped = False

    def on_wait(unfinished: int, pause: float) -> None:
        nonlocal grouped
        if not grouped:
            stdout.write("::group::wandb-pr: waiting for candidate runs to finish\n")
            grouped = True
        stdout.write(
            f"{unfinished} candidate run(s) not finished; checking again in {pause:.0f} s\n"
        )

    waiting = Waiting(seconds=wait, on_wait=on_wait)
    run_url = workflow_run_url(env)
    runs_dir = given.text("runs-dir")
    try:
        if runs_dir:
            source = open_offline_source(workspace / runs_dir, stderr=stderr)
            return produce(settings, source, Context(workflow_run_url=run_url), waiting)
        with open_wandb_source(env, deadline=deadline) as wandb_source:
            project_url = f"{wandb_source.app_url}/{settings.path}"
            context = Context(project_url=project_url, workflow_run_url=run_url)
            return produce(settings, wandb_source, context, waiting)
    finally:
        if grouped:
            stdout.write("::endgroup::\n")


def _destinations(given: Given, env: Mapping[str, str], workspace: Path) -> Destinations:
    """Where files and outputs go."""
    step_outputs = Path(env["GITHUB_OUTPUT"]) if env.get("GITHUB_OUTPUT") else None
    summary = Path(env["GITHUB_STEP_SUMMARY"]) if env.get("GITHUB_STEP_SUMMARY") else None
    if given.door.kind == "compat":
        return Destinations(
            csv=workspace / "wandb_report.csv",
            step_summary=summary,
            step_outputs=step_outputs,
            seed_csv=True,
        )
    csv_path, json_path = given.path("csv-path"), given.path("json-path")
    return Destinations(
        csv=workspace / csv_path if csv_path else None,
        json=workspace / json_path if json_path else None,
        step_summary=summary,
        step_outputs=step_outputs,
    )


def _outputs(outcome: Outcome, destinations: Destinations) -> dict[str, str]:
    """The new action's outputs (booleans as ``true``/``false``, as Actions spell them)."""
    counts = outcome.run_set.counts
    comparison = outcome.report.comparison
    return {
        "verdict": comparison.verdict.value,
        "regressions": ",".join(comparison.regressions),
        "complete": str(counts.complete).lower(),
        "single-run": str(counts.single_run).lower(),
        "num-finished": str(counts.finished),
        "num-running": str(counts.running),
        "num-crashed": str(counts.crashed),
        "num-aborted": str(counts.aborted),
        "num-baselines": str(counts.baselines),
        "csv-path": str(destinations.csv or ""),
        "json-path": str(destinations.json or ""),
    }


def _compat_outputs(counts: StateCounts) -> dict[str, str]:
    """machine-learning-apps/wandb-action's outputs, spelled as it spelled them."""
    return {
        "BOOL_COMPLETE": str(counts.complete),
        "BOOL_SINGLE_RUN": str(counts.single_run),
        "NUM_FINISHED": str(counts.finished),
        "NUM_RUNNING": str(counts.running),
        "NUM_CRASHED": str(counts.crashed),
        "NUM_ABORTED": str(counts.aborted),
        "NUM_BASELINES": str(counts.baselines),
    }


def _log_outcome(outcome: Outcome, stdout: TextIO, *, compat: bool) -> None:
    """A few lines for the job log."""
    counts = outcome.run_set.counts
    stdout.write(
        f"wandb-pr: {counts.total} candidate runs ({outcome.selection.candidates.description}): "
        f"{counts.finished} finished, {counts.running} running, {counts.crashed} crashed, "
        f"{counts.aborted} aborted; {counts.baselines} baseline runs.\n"
    )
    for kind, path in outcome.written.items():
        if compat:  # the original action's line
            rows = counts.finished + counts.baselines
            stdout.write(f"{rows} runs written to {path}\n")
        else:
            stdout.write(f"wandb-pr: wrote the {kind} report to {path}\n")


def _escape_command(text: str) -> str:
    """Escape a workflow command's message (``%``, CR, LF), as the Actions toolkit does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
