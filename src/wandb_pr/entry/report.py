"""``wandb-pr report``: flags and environment -> settings -> run source -> pipeline -> files."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TextIO

from wandb_pr.entry.event import event_from_env, workflow_run_url
from wandb_pr.entry.exit_codes import EXIT_OK, gate_exit_code
from wandb_pr.entry.git import git_first_parents, is_git_repository, resolve_revision
from wandb_pr.entry.sources import open_offline_source, open_wandb_source
from wandb_pr.entry.telling import Printer
from wandb_pr.errors import InputError
from wandb_pr.events import EventCommit
from wandb_pr.notes import Notes
from wandb_pr.option_values import CLI, Given, build_settings, check_source
from wandb_pr.options import CLI_ONLY, OPTIONS
from wandb_pr.pipeline import (
    Context,
    Destinations,
    Outcome,
    Waiting,
    csv_text,
    json_pieces,
    json_text,
    produce,
    write_files,
)
from wandb_pr.publish.files import write_atomically
from wandb_pr.render.markdown import render_markdown
from wandb_pr.render.terminal import render_terminal
from wandb_pr.settings import Settings
from wandb_pr.sources.interface import RunSource
from wandb_pr.sources.local import LocalRunSource
from wandb_pr.sources.snapshot import load_snapshot

__all__ = ["given_from_args", "render", "run_report"]

log = logging.getLogger(__name__)


def run_report(
    args: argparse.Namespace, *, env: Mapping[str, str], stdout: TextIO, stderr: TextIO
) -> int:
    """The ``report`` command; returns the exit code."""
    given = given_from_args(args)
    runs_dir, snapshot_path = given.path("runs-dir"), given.path("snapshot")
    if snapshot_path and runs_dir:
        raise InputError(
            "--snapshot and --runs-dir both say where the runs are; give one.",
            tip="Leave both out to read from W&B.",
        )
    snapshot = load_snapshot(snapshot_path) if snapshot_path is not None else None
    default_project = None
    if snapshot is not None:
        default_project = (snapshot[1], snapshot[2])
    elif runs_dir is not None:
        default_project = ("", "")  # offline runs: any project unless --project narrows it
    settings = build_settings(
        given,
        env,
        _event(given, env),
        default_project=default_project,
        resolve_sha=_resolve_revision,
        first_parents=lambda revision, limit: git_first_parents(revision, limit),
    )
    printer = Printer(stderr)
    waiting = Waiting(seconds=given.duration("wait"))
    deadline = given.seconds("deadline")
    with _source(given, env, deadline, printer, snapshot) as source:
        check_source(settings, source, given)
        context = Context(workflow_run_url=workflow_run_url(env))
        outcome = produce(settings, source, context, waiting, notes=printer)
    destinations = Destinations(
        csv=given.path("csv-path"),
        json=given.path("json-path"),
        snapshot=given.path("save-snapshot"),
    )
    outcome = write_files(outcome, settings, destinations)
    fmt = given.text("format") or ("text" if _isatty(stdout) else "markdown")
    color = _isatty(stdout) and not env.get("NO_COLOR")
    # A sweep's JSON report is written a run at a time rather than held whole.
    pieces = (
        json_pieces(outcome) if fmt == "json" else [render(outcome, settings, fmt, color=color)]
    )
    written = dict(outcome.written)
    output = given.path("output")
    if output is not None:
        write_atomically(output, pieces)
        written[fmt] = output
    else:
        stdout.writelines(pieces)
    for kind, path in written.items():
        stderr.write(f"wandb-pr: wrote the {kind} to {path}\n")
    if given.flag("fail-on-regression"):
        verdict = outcome.report.comparison.verdict
        return gate_exit_code(verdict, allow_missing=settings.allow_missing)
    return EXIT_OK


def given_from_args(args: argparse.Namespace) -> Given:
    """The text of each option the flags gave (repeated list flags joined one per line)."""
    text: dict[str, str] = {}
    for opt in OPTIONS + CLI_ONLY:
        value = getattr(args, opt.name.replace("-", "_"), None)
        if isinstance(value, list):
            text[opt.name] = "\n".join(value)
        elif value is not None:
            text[opt.name] = str(value)
    base_commit = getattr(args, "base_commit", None)
    if base_commit:  # the old spelling of --baseline base-commit --base-sha REV
        text["base-sha"] = base_commit
        text.setdefault("baseline", "base-commit")
    return Given(CLI, text)


def render(outcome: Outcome, settings: Settings, fmt: str, *, color: bool = False) -> str:
    """The report in one format."""
    if fmt == "csv":
        return csv_text(outcome, settings)
    if fmt == "json":
        return json_text(outcome)
    if fmt == "markdown":
        return render_markdown(outcome.report) + "\n"
    return render_terminal(outcome.report, color=color)


@contextmanager
def _source(
    given: Given,
    env: Mapping[str, str],
    deadline: float,
    notes: Notes,
    snapshot: tuple[LocalRunSource, str, str] | None,
) -> Iterator[RunSource]:
    """The run source the flags ask for: a snapshot, offline runs, or W&B."""
    runs_dir = given.path("runs-dir")
    if snapshot is not None:
        yield snapshot[0]
    elif runs_dir is not None:
        yield open_offline_source(runs_dir)
    else:
        base_url = given.text("wandb-base-url")
        effective = {**env, "WANDB_BASE_URL": base_url} if base_url else env
        with open_wandb_source(effective, deadline=deadline, notes=notes) as source:
            yield source


def _event(given: Given, env: Mapping[str, str]) -> EventCommit:
    """The GitHub event's commit, read only when the flags leave the commit or base open."""
    needs_sha = not given.given("sha") and not given.given("run-ids")
    needs_base = given.choice("baseline") == "base-commit" and not given.given("base-sha")
    if needs_sha or needs_base:
        return event_from_env(env)
    return EventCommit(sha=None, source="")


def _resolve_revision(value: str, what: str) -> str | None:
    """``--sha``: a git revision (``HEAD``, a branch) resolved with local git; ``None``: none."""
    if not is_git_repository():
        raise InputError(
            f"{what} {value!r} is not a commit SHA, and it cannot be read as a git revision: "
            "not a git repository here.",
            tip="Pass a commit hash (7 to 40 hex characters), or run wandb-pr inside the clone.",
        )
    resolved = resolve_revision(value)
    if resolved is None:
        return None
    log.debug("%s %s resolved to %s", what, value, resolved)
    return resolved


def _isatty(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
