"""The ``wandb-pr`` command: a thin translator from flags and environment to the pipeline.

This module and :mod:`wandb_pr.action_entry` are the only code that prints, exits, or reads
``os.environ``. Exit codes (also in the README):

* 0 - the report was produced (and, with ``--fail-on-regression``, the verdict is ``pass``, or
  missing evidence was accepted with ``--allow-missing``);
* 1 - ``--fail-on-regression``: a regression (or, with ``--require-same-data``, different data);
* 2 - an input is wrong (a flag, an Action input, an environment variable);
* 3 - the runs could not be fetched (W&B refused or was unavailable, a bad snapshot or run dir);
* 4 - a report file or ``$GITHUB_OUTPUT`` could not be written;
* 5 - the report was written, but GitHub did not take it (not for missing permissions: those
  are warnings);
* 6 - ``--fail-on-regression``: a candidate diverged (NaN/inf where the baselines are finite);
* 7 - ``--fail-on-regression``: a metric could not be compared (missing on a side, or no run
  has it);
* 8 - ``--fail-on-regression``: no baseline run to compare with;
* 9 - ``--fail-on-regression``: no finished candidate run;
* 10 - ``--fail-on-regression``: candidate runs are not finished (verdict pending);
* 130 - interrupted.

Codes 7-10 become 0 with ``--allow-missing``; 1 and 6 never do.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from wandb_pr import __version__
from wandb_pr.compare import Verdict
from wandb_pr.compare._exhaustive import unhandled
from wandb_pr.errors import InputError, OutputError, PublishError, SourceError, WandbPrError

__all__ = [
    "EXIT_DIVERGED",
    "EXIT_FETCH",
    "EXIT_INPUT",
    "EXIT_MISSING_METRIC",
    "EXIT_NO_BASELINE",
    "EXIT_NO_RUNS",
    "EXIT_OK",
    "EXIT_OUTPUT",
    "EXIT_PENDING",
    "EXIT_PUBLISH",
    "EXIT_REGRESSION",
    "main",
]

EXIT_OK = 0
EXIT_REGRESSION = 1
EXIT_INPUT = 2
EXIT_FETCH = 3
EXIT_OUTPUT = 4
EXIT_PUBLISH = 5
EXIT_DIVERGED = 6
EXIT_MISSING_METRIC = 7
EXIT_NO_BASELINE = 8
EXIT_NO_RUNS = 9
EXIT_PENDING = 10
EXIT_INTERRUPTED = 130

REPORT_EXAMPLE = """\
examples:
  wandb-pr report --project acme/detector --sha HEAD --baseline-tag production
  wandb-pr report --runs-dir examples/wandb --baseline-tag baseline --metric val_loss:min
  wandb-pr report --project acme/detector --run-id 1a2b3c4d --format csv --output runs.csv
"""


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the CLI and return its exit code (the console script exits with it)."""
    env = dict(os.environ if environ is None else environ)
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = _parser()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed its usage error, --help or --version
        return EXIT_INPUT if exc.code else EXIT_OK
    secret_names = ("WANDB_API_KEY", "INPUT_WANDB_API_KEY", "INPUT_GITHUB_TOKEN", "GITHUB_TOKEN")
    secrets = [env.get(name, "") for name in secret_names]
    _configure_logging(err, debug=bool(getattr(args, "debug", False)), secrets=secrets)
    try:
        if args.command == "report":
            from wandb_pr.commands import run_report

            return run_report(args, env=env, stdout=out, stderr=err)
        if args.command == "action":
            from wandb_pr.action_entry import run_action

            return run_action(env=env, compat=args.compat, stdout=out, stderr=err)
        parser.print_help(out)
        return EXIT_INPUT
    except WandbPrError as exc:
        return fail(exc, err)
    except KeyboardInterrupt:
        err.write("wandb-pr: interrupted\n")
        return EXIT_INTERRUPTED


def gate_exit_code(verdict: Verdict, *, allow_missing: bool) -> int:
    """The exit code ``--fail-on-regression`` gives a verdict (see the module docstring)."""
    if verdict is Verdict.PASS:
        return EXIT_OK
    elif verdict is Verdict.REGRESSION or verdict is Verdict.DIFFERENT_DATA:
        return EXIT_REGRESSION
    elif verdict is Verdict.DIVERGED:
        return EXIT_DIVERGED
    elif allow_missing:
        return EXIT_OK
    elif verdict is Verdict.MISSING_METRIC:
        return EXIT_MISSING_METRIC
    elif verdict is Verdict.NO_BASELINE:
        return EXIT_NO_BASELINE
    elif verdict is Verdict.NO_RUNS:
        return EXIT_NO_RUNS
    elif verdict is Verdict.PENDING:
        return EXIT_PENDING
    else:
        raise unhandled(verdict)


def fail(exc: WandbPrError, err: TextIO) -> int:
    """Print an error and its tip, and return the exit code for its kind."""
    err.write(f"wandb-pr: error: {exc.message}\n")
    if exc.tip:
        err.write(f"Tip: {exc.tip}\n")
    if isinstance(exc, InputError):
        return EXIT_INPUT
    if isinstance(exc, SourceError):
        return EXIT_FETCH
    if isinstance(exc, OutputError):
        return EXIT_OUTPUT
    if isinstance(exc, PublishError):
        return EXIT_PUBLISH
    return EXIT_FETCH


def resolve_revision(value: str, *, cwd: Path | None = None) -> str | None:
    """Resolve a git revision (``HEAD``, a branch) to a commit SHA with local git, if possible."""
    out = _git(
        "rev-parse", "--verify", "--quiet", "--end-of-options", f"{value}^{{commit}}", cwd=cwd
    )
    return out.strip() or None if out is not None else None


def git_first_parents(revision: str, limit: int, *, cwd: Path | None = None) -> list[str] | None:
    """``revision`` and its first-parent ancestors with local git, nearest first, or ``None``."""
    args = ("rev-list", "--first-parent", f"--max-count={limit}", "--end-of-options", revision)
    out = _git(*args, cwd=cwd)
    return out.split() or None if out is not None else None


def _git(*args: str, cwd: Path | None) -> str | None:
    """Run git; its standard output, or ``None`` when git is missing or the command failed."""
    import subprocess  # only here: it is a noticeable part of `wandb-pr --version`'s start-up

    try:
        result = subprocess.run(
            ["git", *args], capture_output=True, text=True, timeout=30, check=False, cwd=cwd
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def _parser() -> argparse.ArgumentParser:
    """The argument parser (flags only; their meaning is checked in :mod:`wandb_pr.commands`)."""
    parser = argparse.ArgumentParser(
        prog="wandb-pr",
        description="Weights & Biases runs of a commit, compared with baselines, for PRs.",
    )
    parser.add_argument("--version", action="version", version=f"wandb-pr {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    report = commands.add_parser(
        "report",
        help="fetch the runs of a commit and its baselines, and print or write the report",
        description="Fetch the runs of a commit (or run ids) and their baselines, and report.",
        epilog=REPORT_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = report.add_argument_group("where the runs are")
    where.add_argument(
        "--project", help="W&B ENTITY/PROJECT (default: $WANDB_ENTITY/$WANDB_PROJECT)"
    )
    where.add_argument(
        "--snapshot",
        type=Path,
        metavar="FILE",
        help="read runs from a snapshot file instead of W&B",
    )
    where.add_argument(
        "--runs-dir", type=Path, metavar="DIR", help="read runs that wandb wrote offline under DIR"
    )
    where.add_argument(
        "--deadline",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="give up on W&B after this long (default: 120)",
    )
    where.add_argument(
        "--page-size", type=int, metavar="N", help="runs per W&B request (default: 100)"
    )

    which = report.add_argument_group("which runs")
    which.add_argument(
        "--sha",
        help=(
            "commit whose runs are the candidates (default: the event's head commit in "
            "GitHub Actions; HEAD and branch names are resolved with git)"
        ),
    )
    which.add_argument(
        "--secondary-sha", help="candidates must also have this config secondary_sha"
    )
    which.add_argument(
        "--sha-key",
        default="github_sha",
        help="config key holding the commit (default: github_sha)",
    )
    which.add_argument(
        "--secondary-sha-key",
        default="secondary_sha",
        help="config key holding the secondary SHA (default: secondary_sha)",
    )
    which.add_argument(
        "--no-commit-match",
        action="store_true",
        help="match the config key only, not W&B's recorded git commit",
    )
    which.add_argument(
        "--run-id",
        action="append",
        default=[],
        metavar="ID",
        help="candidate run id (repeatable; takes precedence over --sha)",
    )
    which.add_argument(
        "--baseline-tag",
        action="append",
        default=[],
        metavar="TAG",
        help="runs with this tag are baselines (repeatable)",
    )
    which.add_argument(
        "--baseline-run-id",
        action="append",
        default=[],
        metavar="ID",
        help="this run is a baseline (repeatable)",
    )
    which.add_argument(
        "--baseline-artifact",
        metavar="ENTITY/PROJECT/NAME:ALIAS",
        help="the run that produced this artifact version (the model in production) is a baseline",
    )
    which.add_argument(
        "--base-commit",
        metavar="REV",
        help=(
            "baselines are the finished runs of REV (e.g. origin/main) or of its nearest "
            "first-parent ancestor that has any, found with local git"
        ),
    )
    which.add_argument(
        "--base-depth",
        type=int,
        default=20,
        metavar="N",
        help="first-parent ancestors of --base-commit to consider (default: 20)",
    )
    which.add_argument(
        "--filter", metavar="JSON", help="extra W&B filter ANDed into the candidates' query"
    )
    which.add_argument(
        "--baseline-filter", metavar="JSON", help="extra W&B filter ANDed into the baselines' query"
    )

    what = report.add_argument_group("what to report")
    what.add_argument(
        "--metric",
        action="append",
        default=[],
        metavar="SPEC",
        help="metric to compare, NAME[:min|max][:TOLERANCE[%%]] (repeatable)",
    )
    what.add_argument(
        "--config-key",
        action="append",
        default=[],
        metavar="KEY",
        help="config key to show per run (repeatable)",
    )
    what.add_argument(
        "--format",
        choices=("text", "markdown", "csv", "json"),
        help="report format (default: text on a terminal, else markdown)",
    )
    what.add_argument(
        "--output",
        type=Path,
        metavar="PATH",
        help="write the report to PATH instead of printing it",
    )
    what.add_argument("--csv", type=Path, metavar="PATH", help="also write the CSV report to PATH")
    what.add_argument(
        "--json", type=Path, metavar="PATH", help="also write the JSON report to PATH"
    )
    what.add_argument(
        "--save-snapshot",
        type=Path,
        metavar="FILE",
        help="save the fetched runs to FILE (for --snapshot)",
    )
    what.add_argument(
        "--require-same-data",
        action="store_true",
        help="fail the gate when candidates and baselines used different data versions",
    )
    what.add_argument(
        "--wait",
        metavar="DURATION",
        help="wait up to DURATION (90s, 20m, 1h) for candidate runs to finish",
    )
    what.add_argument(
        "--fail-on-regression",
        action="store_true",
        help="exit non-zero unless the verdict is pass: 1 regression, 6 diverged, 7 missing "
        "metric, 8 no baseline, 9 no runs, 10 pending",
    )
    what.add_argument(
        "--allow-missing",
        action="store_true",
        help="with --fail-on-regression, exit 0 when evidence is missing (no runs, no baseline, "
        "a missing metric, runs not finished); regressions and divergence still fail",
    )
    what.add_argument(
        "--debug", action="store_true", help="log what is sent and received (never the API key)"
    )

    action = commands.add_parser(
        "action",
        help="run as the GitHub Action (reads INPUT_* and GITHUB_* variables; used by action.yml)",
    )
    action.add_argument(
        "--compat", action="store_true", help="behave as machine-learning-apps/wandb-action"
    )
    action.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    return parser


class _Redact(logging.Filter):
    """Removes secrets from every log record, whatever library emitted it."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        plain = [s for s in {s.strip() for s in secrets} if len(s) >= 4]
        # The W&B key also travels as HTTP Basic credentials: redact that form too.
        basic = [base64.b64encode(f"api:{s}".encode()).decode() for s in plain]
        self._secrets = plain + basic

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with each secret replaced by ``***``."""
        if self._secrets:
            message = record.getMessage()
            for secret in self._secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


def _configure_logging(err: TextIO, *, debug: bool, secrets: Sequence[str]) -> None:
    """Log wandb-pr's own records to stderr (debug: everything of ours, httpx at INFO)."""
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter("wandb-pr: %(levelname)s: %(name)s: %(message)s"))
    handler.addFilter(_Redact(secrets))
    root = logging.getLogger("wandb_pr")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    root.propagate = False
    httpx_log = logging.getLogger("httpx")
    httpx_log.handlers[:] = [handler] if debug else []
    httpx_log.setLevel(logging.INFO if debug else logging.WARNING)
    httpx_log.propagate = False
