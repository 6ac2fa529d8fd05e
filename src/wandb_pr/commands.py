"""``wandb-pr report``: flags and environment -> settings -> run source -> pipeline -> files.

Part of the CLI layer (it reads the environment mapping and the event file it is handed);
shares :func:`open_wandb_source` and :func:`load_event` with the Action entry.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import httpx

from wandb_pr import __version__
from wandb_pr.compare import parse_metric_specs
from wandb_pr.errors import InputError
from wandb_pr.events import EventCommit, event_commit
from wandb_pr.pipeline import (
    Context,
    Destinations,
    Outcome,
    Waiting,
    csv_text,
    json_text,
    produce,
    write_files,
)
from wandb_pr.publish.files import write_atomically
from wandb_pr.render.markdown import render_markdown
from wandb_pr.render.terminal import render_terminal
from wandb_pr.retry import RetryPolicy
from wandb_pr.settings import (
    DEFAULT_PAGE_SIZE,
    Settings,
    check_settings,
    parse_artifact_ref,
    parse_config_key,
    parse_duration,
    parse_filter,
    parse_project,
    parse_run_ids,
    parse_sha,
)
from wandb_pr.sources.interface import RunSource
from wandb_pr.sources.local import LocalRunSource
from wandb_pr.sources.snapshot import load_snapshot
from wandb_pr.sources.wandb_api import DEFAULT_BASE_URL, WandbClient, WandbRunSource

__all__ = ["load_event", "open_wandb_source", "run_report"]

log = logging.getLogger(__name__)


def run_report(
    args: argparse.Namespace, *, env: Mapping[str, str], stdout: TextIO, stderr: TextIO
) -> int:
    """The ``report`` command; returns the exit code."""
    from wandb_pr.cli import EXIT_OK, gate_exit_code

    if args.snapshot and args.runs_dir:
        raise InputError(
            "--snapshot and --runs-dir both say where the runs are; give one.",
            tip="Leave both out to read from W&B.",
        )
    snapshot = load_snapshot(args.snapshot) if args.snapshot is not None else None
    default_project = None
    if snapshot is not None:
        default_project = (snapshot[1], snapshot[2])
    elif args.runs_dir is not None:
        default_project = ("", "")  # offline runs: any project unless --project narrows it
    settings = settings_from_args(args, env=env, default_project=default_project)

    def on_wait(unfinished: int, pause: float) -> None:
        stderr.write(
            f"wandb-pr: {unfinished} candidate run(s) not finished; checking again in "
            f"{pause:.0f} s\n"
        )

    waiting = Waiting(seconds=parse_duration(args.wait, what="--wait"), on_wait=on_wait)
    with _source(args, env=env, stderr=stderr, snapshot=snapshot) as (source, app_url):
        project_url = f"{app_url}/{settings.path}" if app_url else None
        context = Context(project_url=project_url, workflow_run_url=workflow_run_url(env))
        outcome = produce(settings, source, context, waiting)
    for warning in outcome.run_set.warnings:
        stderr.write(f"wandb-pr: warning: {warning}\n")
    destinations = Destinations(csv=args.csv, json=args.json, snapshot=args.save_snapshot)
    outcome = write_files(outcome, settings, destinations)
    fmt = args.format or ("text" if _isatty(stdout) else "markdown")
    text = render(outcome, settings, fmt, color=_isatty(stdout) and not env.get("NO_COLOR"))
    written = dict(outcome.written)
    if args.output is not None:
        write_atomically(args.output, text)
        written[fmt] = args.output
    else:
        stdout.write(text)
    for kind, path in written.items():
        stderr.write(f"wandb-pr: wrote the {kind} to {path}\n")
    if args.fail_on_regression:
        return gate_exit_code(outcome.report.comparison.verdict, allow_missing=args.allow_missing)
    return EXIT_OK


def render(outcome: Outcome, settings: Settings, fmt: str, *, color: bool = False) -> str:
    """The report in one format."""
    if fmt == "csv":
        return csv_text(outcome, settings)
    if fmt == "json":
        return json_text(outcome)
    if fmt == "markdown":
        return render_markdown(outcome.report) + "\n"
    return render_terminal(outcome.report, color=color)


def workflow_run_url(env: Mapping[str, str]) -> str | None:
    """Link to the GitHub Actions run, when running in one."""
    server, repository, run_id = (
        env.get(name, "").strip()
        for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    if not (server and repository and run_id):
        return None
    return f"{server.rstrip('/')}/{repository}/actions/runs/{run_id}"


def settings_from_args(
    args: argparse.Namespace, *, env: Mapping[str, str], default_project: tuple[str, str] | None
) -> Settings:
    """Validated settings from the ``report`` flags, the environment and the GitHub event."""
    if args.project or default_project is None:
        project_text = args.project or env.get("WANDB_PROJECT")
        entity, project = parse_project(
            project_text, what="--project or WANDB_PROJECT", default_entity=env.get("WANDB_ENTITY")
        )
    else:
        entity, project = default_project
    run_ids = parse_run_ids(args.run_id, what="--run-id")
    sha = _sha_from_flag(args.sha) if args.sha else None
    merge_sha = None
    if sha is None and not run_ids:
        event = _event(env)
        sha = parse_sha(event.sha, what="the GitHub event's commit")
        merge_sha = parse_sha(event.merge_sha, what="GITHUB_SHA (the merge commit)")
    page_size = args.page_size if args.page_size is not None else DEFAULT_PAGE_SIZE
    if not 1 <= page_size <= 1000:
        raise InputError(f"--page-size must be between 1 and 1000, got {page_size}")
    settings = Settings(
        entity=entity,
        project=project,
        sha=sha,
        merge_sha=merge_sha,
        secondary_sha=parse_sha(args.secondary_sha, what="--secondary-sha"),
        sha_key=parse_config_key(args.sha_key, what="--sha-key"),
        secondary_sha_key=parse_config_key(args.secondary_sha_key, what="--secondary-sha-key"),
        match_commit=not args.no_commit_match,
        run_ids=run_ids,
        baseline_tags=tuple(dict.fromkeys(t.strip() for t in args.baseline_tag if t.strip())),
        baseline_run_ids=parse_run_ids(args.baseline_run_id, what="--baseline-run-id"),
        candidate_filter=parse_filter(args.filter, what="--filter"),
        baseline_filter=parse_filter(args.baseline_filter, what="--baseline-filter"),
        metrics=parse_metric_specs(args.metric),
        config_keys=tuple(dict.fromkeys(args.config_key)),
        page_size=page_size,
        require_same_data=args.require_same_data,
        allow_missing=args.allow_missing,
        baseline_commits=_base_commits(args.base_commit, args.base_depth),
        baseline_artifact=parse_artifact_ref(args.baseline_artifact, what="--baseline-artifact"),
    )
    if settings.baseline_artifact and (args.snapshot or args.runs_dir):
        raise InputError(
            "--baseline-artifact needs W&B: snapshots and offline runs hold no artifact registry.",
            tip="Leave out --snapshot/--runs-dir, or name the baseline by --baseline-run-id.",
        )
    check_settings(settings, sha_name="--sha", run_id_name="--run-id")
    return settings


def _base_commits(revision: str | None, depth: int) -> tuple[str, ...]:
    """``--base-commit`` and its first-parent ancestors, with local git."""
    from wandb_pr.cli import git_first_parents

    if not revision:
        return ()
    if not 1 <= depth <= 100:
        raise InputError(f"--base-depth must be between 1 and 100, got {depth}")
    shas = git_first_parents(revision.strip(), depth + 1)
    if shas is None:
        raise InputError(
            f"--base-commit {revision!r} is not a commit in the git repository here.",
            tip="Run wandb-pr inside a clone with the base branch fetched (git fetch origin "
            "main), and pass e.g. --base-commit origin/main.",
        )
    return tuple(shas)


def _sha_from_flag(value: str) -> str | None:
    """``--sha``: a SHA as given, or a git revision (``HEAD``, a branch) resolved with git."""
    from wandb_pr.cli import resolve_revision

    try:
        return parse_sha(value, what="--sha")
    except InputError as problem:
        resolved = resolve_revision(value.strip()) if value.strip() else None
        if resolved is None:
            raise InputError(
                f"{problem.message} It is not a git revision here either.", tip=problem.tip
            ) from None
        log.debug("--sha %s resolved to %s", value, resolved)
        return resolved


def _event(env: Mapping[str, str]) -> EventCommit:
    """The commit the GitHub event points at (nothing outside Actions)."""
    return event_commit(env.get("GITHUB_EVENT_NAME"), load_event(env), env.get("GITHUB_SHA"))


def load_event(env: Mapping[str, str]) -> dict[str, Any] | None:
    """The webhook payload at ``$GITHUB_EVENT_PATH``, if there is one."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return None
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(
            f"The GitHub event payload {path} ($GITHUB_EVENT_PATH) cannot be read: {exc}",
            tip="Outside GitHub Actions, unset GITHUB_EVENT_PATH or pass --sha.",
        ) from exc
    return payload if isinstance(payload, dict) else None


@contextmanager
def _source(
    args: argparse.Namespace,
    *,
    env: Mapping[str, str],
    stderr: TextIO,
    snapshot: tuple[LocalRunSource, str, str] | None,
) -> Iterator[tuple[RunSource, str | None]]:
    """The run source the flags ask for (a snapshot, offline runs, or W&B), and its app URL."""
    if snapshot is not None:
        yield snapshot[0], None
    elif args.runs_dir is not None:
        yield open_offline_source(args.runs_dir, stderr=stderr), None
    else:
        deadline = args.deadline
        if not deadline > 0:
            raise InputError(f"--deadline must be a positive number of seconds, got {deadline}")
        with open_wandb_source(env, deadline=deadline) as source:
            yield source, source.app_url


def open_offline_source(directory: Path, *, stderr: TextIO) -> LocalRunSource:
    """Runs that ``wandb`` wrote in offline mode under ``directory``."""
    from wandb_pr.sources.offline import read_offline_dir

    def warn(message: str) -> None:
        stderr.write(f"wandb-pr: warning: {message}\n")

    found = read_offline_dir(directory, warn=warn)
    return LocalRunSource(
        found.runs, description=f"offline runs under {directory}", unreadable=found.unreadable
    )


@contextmanager
def open_wandb_source(env: Mapping[str, str], *, deadline: float) -> Iterator[WandbRunSource]:
    """A W&B run source from ``WANDB_API_KEY`` and ``WANDB_BASE_URL``; closes its connections."""
    api_key = (env.get("WANDB_API_KEY") or "").strip()
    if not api_key:
        raise InputError(
            "No W&B API key: WANDB_API_KEY is not set.",
            tip="Copy a key from https://wandb.ai/authorize (or your server's /authorize) and "
            "export WANDB_API_KEY; in GitHub Actions pass a secret as the wandb-api-key input.",
        )
    base_url = (env.get("WANDB_BASE_URL") or "").strip() or DEFAULT_BASE_URL
    if not base_url.startswith(("http://", "https://")):
        raise InputError(
            f"WANDB_BASE_URL {base_url!r} is not an http(s) URL.",
            tip="Set it to your W&B server's root, e.g. https://wandb.example.com.",
        )
    headers = {"User-Agent": f"wandb-pr/{__version__}"}
    policy = RetryPolicy(deadline=deadline, request_timeout=min(30.0, deadline))
    # A plain-http server (a local W&B) needs no TLS context: building one costs ~45 ms.
    verify = base_url.startswith("https://")
    with httpx.Client(headers=headers, follow_redirects=False, verify=verify) as http:
        client = WandbClient(
            http,
            api_key=api_key,
            base_url=base_url,
            retry=policy,
            on_retry=lambda reason, wait: log.warning("W&B: %s; retrying in %.1f s", reason, wait),
        )
        yield WandbRunSource(client)


def _isatty(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
