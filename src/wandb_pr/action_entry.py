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

from wandb_pr.action_github import GitHubSetup, open_publisher, resolve_event
from wandb_pr.action_inputs import (
    Inputs,
    compat_settings,
    flag,
    integer,
    publish_options,
    settings_from_inputs,
    with_wandb_inputs,
)
from wandb_pr.cli import git_first_parents
from wandb_pr.commands import load_event, open_offline_source, open_wandb_source, workflow_run_url
from wandb_pr.compare import Verdict
from wandb_pr.errors import InputError, PublishError
from wandb_pr.events import EventCommit, event_commit
from wandb_pr.models import StateCounts
from wandb_pr.pipeline import Context, Destinations, Outcome, Waiting, produce, write_files
from wandb_pr.publish.github import GitHubPublisher
from wandb_pr.publish.outputs import single_line, write_outputs
from wandb_pr.publish.to_github import Target, publish
from wandb_pr.render.markdown import plain_headline
from wandb_pr.settings import (
    Settings,
    parse_duration,
    parse_sha,
)

__all__ = ["run_action"]

log = logging.getLogger(__name__)


def run_action(*, env: Mapping[str, str], compat: bool, stdout: TextIO, stderr: TextIO) -> int:
    """Run the Action: fetch, write files and outputs, then publish; return the exit code."""
    from wandb_pr.cli import EXIT_OK, EXIT_PUBLISH, gate_exit_code

    inputs = Inputs(env, compat)
    env = with_wandb_inputs(env, inputs)
    token = "" if compat else inputs.get("github-token")
    for secret in (env.get("WANDB_API_KEY", "").strip(), token):
        if secret:
            stdout.write(f"::add-mask::{_escape_command(secret)}\n")
    if bool(inputs.get("DEBUG")) if compat else flag(inputs, "debug"):
        logging.getLogger("wandb_pr").setLevel(logging.DEBUG)
    deadline = 120.0 if compat else float(integer(inputs, "deadline", 120, 1, 3600))
    wait = 0.0 if compat else parse_duration(inputs.get("wait"), what=inputs.what("wait"))
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
                pr_input=inputs.get("pr-number"),
                trigger=inputs.get("trigger-phrase") or "/wandb",
                publisher=publisher,
                warn=lambda text: stdout.write(
                    f"::warning title=wandb-pr::{_escape_command(text)}\n"
                ),
            )
            if resolved is None:
                stdout.write("wandb-pr: this comment does not ask for a report; nothing to do.\n")
                return EXIT_OK
            event = resolved
        settings = compat_settings(inputs) if compat else settings_from_inputs(inputs, env, event)
        options = None if compat else publish_options(inputs, settings)  # checked before fetching
        if not compat:
            settings = _with_base_commits(settings, inputs, event, publisher, workspace)
        outcome = _fetch(settings, inputs, env, workspace, deadline, wait, stdout, stderr)
        earlier = _earlier_commits(outcome, settings, event, publisher)
        if earlier:  # the head has no runs yet: report the newest earlier commit's, as stale
            settings = replace(settings, candidate_commits=earlier)
            outcome = _fetch(settings, inputs, env, workspace, deadline, 0.0, stdout, stderr)
        for warning in outcome.run_set.warnings:
            stdout.write(f"::warning title=wandb-pr::{_escape_command(warning)}\n")
        destinations = _destinations(inputs, env, workspace)
        counts = outcome.run_set.counts
        outputs = _compat_outputs(counts) if compat else _outputs(outcome, destinations)
        outcome = write_files(outcome, settings, destinations, outputs=outputs)
        _log_outcome(outcome, stdout, compat=compat)
        code = EXIT_OK
        if not compat and outcome.gate_failed and flag(inputs, "fail-on-regression"):
            stdout.write(f"::error title=wandb-pr::{_escape_command(_gate_failure(outcome))}\n")
            code = gate_exit_code(
                outcome.report.comparison.verdict, allow_missing=settings.allow_missing
            )
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


def _with_base_commits(
    settings: Settings,
    inputs: Inputs,
    event: EventCommit,
    publisher: GitHubPublisher | None,
    workspace: Path,
) -> Settings:
    """With ``baseline: base-commit``, the base commit and its first-parent ancestors."""
    mode = inputs.get("baseline").lower()
    if mode in ("", "tags"):
        return settings
    if mode != "base-commit":
        raise InputError(
            f"{inputs.what('baseline')} must be base-commit (or empty), got {mode[:40]!r}",
            tip="Leave it empty to choose baselines by baseline-tags and baseline-run-ids.",
        )
    base = parse_sha(inputs.get("base-sha"), what=inputs.what("base-sha")) or event.base_sha
    if not base:
        raise InputError(
            "input 'baseline' is base-commit, but this event has no pull request base commit.",
            tip="Use it on pull_request events, or pass the base commit as base-sha.",
        )
    depth = integer(inputs, "baseline-depth", 20, 1, 100)
    if publisher is not None:
        commits: list[str] | None = publisher.first_parents(base, depth + 1)
    else:
        commits = git_first_parents(base, depth + 1, cwd=workspace)
    if not commits:
        raise InputError(
            f"The base commit {base[:12]} was not found (GitHub API or local git).",
            tip="Pass github-token, or check out the base branch's history (fetch-depth: 0).",
        )
    return replace(settings, baseline_commits=tuple(commits))


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
    if comparison.verdict is Verdict.DIFFERENT_DATA:
        names = ", ".join(version.name for version in comparison.different_data)
        return f"Candidates and baselines were evaluated on different data ({names})"
    if comparison.verdict is Verdict.REGRESSION:
        return "Regression in " + ", ".join(comparison.regressions)
    return plain_headline(outcome.report)


def _commit_under_review(settings: Settings, event: EventCommit) -> str | None:
    """The commit check runs and statuses go on: the SHA given, if a full one, else the event's."""
    sha = settings.sha
    if sha and len(sha) == 40 and all(c in "0123456789abcdefABCDEF" for c in sha):
        return sha.lower()
    return event.sha


def _fetch(
    settings: Settings,
    inputs: Inputs,
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
    runs_dir = "" if inputs.compat else inputs.get("runs-dir")
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


def _destinations(inputs: Inputs, env: Mapping[str, str], workspace: Path) -> Destinations:
    """Where files and outputs go."""
    step_outputs = Path(env["GITHUB_OUTPUT"]) if env.get("GITHUB_OUTPUT") else None
    summary = Path(env["GITHUB_STEP_SUMMARY"]) if env.get("GITHUB_STEP_SUMMARY") else None
    if inputs.compat:
        return Destinations(
            csv=workspace / "wandb_report.csv",
            step_summary=summary,
            step_outputs=step_outputs,
            seed_csv=True,
        )
    csv_path = inputs.get("csv-path") or "wandb_report.csv"
    json_path = inputs.get("json-path") or "wandb_report.json"
    return Destinations(
        csv=workspace / csv_path,
        json=workspace / json_path,
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
    description = single_line(outcome.selection.candidates.description)
    stdout.write(
        f"wandb-pr: {counts.total} candidate runs ({description}): "
        f"{counts.finished} finished, {counts.running} running, {counts.crashed} crashed, "
        f"{counts.aborted} aborted; {counts.baselines} baseline runs.\n"
    )
    for kind, path in outcome.written.items():
        if compat:  # the original action's line
            rows = counts.finished + counts.baselines
            stdout.write(f"{rows} runs written to {single_line(str(path))}\n")
        else:
            stdout.write(f"wandb-pr: wrote the {kind} report to {single_line(str(path))}\n")


def _escape_command(text: str) -> str:
    """Escape a workflow command's message (``%``, CR, LF) as the Actions toolkit does, and any
    other control character as a visible escape, so the command stays one line."""
    return single_line(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))
