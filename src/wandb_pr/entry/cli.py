"""The ``wandb-pr`` command: a thin translator from flags and environment to the pipeline.

This package is the only code that prints, exits, or reads ``os.environ``; the exit codes are in
:mod:`wandb_pr.entry.exit_codes`.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

from wandb_pr import __version__
from wandb_pr.entry.exit_codes import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, exit_code_for
from wandb_pr.entry.telling import Annotator
from wandb_pr.errors import WandbPrError
from wandb_pr.options import CLI_ONLY, OPTIONS, Option, as_inputs

__all__ = ["add_option", "fail", "main"]

REPORT_EXAMPLE = """\
examples:
  wandb-pr report --project acme/detector --sha HEAD --baseline-tag production
  wandb-pr report --runs-dir examples/wandb --sha 9b1d6c0 --baseline-tag baseline --metric val_loss
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
    if args.command in ("report", "action"):
        from wandb_pr.entry.keys import netrc_passwords

        secrets += netrc_passwords(env)
    _configure_logging(err, debug=getattr(args, "debug", None) == "true", secrets=secrets)
    annotator = Annotator(out, err) if args.command == "action" else None
    try:
        if args.command == "report":
            from wandb_pr.entry.report import run_report

            return run_report(args, env=env, stdout=out, stderr=err)
        if args.command == "action":
            from wandb_pr.entry.action import run_action

            assert annotator is not None
            return run_action(
                env=env, compat=args.compat, stdout=out, stderr=err, annotator=annotator
            )
        parser.print_help(out)
        return EXIT_INPUT
    except WandbPrError as exc:
        if annotator is not None and env.get("GITHUB_ACTIONS") == "true":  # name the input
            exc.message = as_inputs(exc.message)
            exc.tip = as_inputs(exc.tip) if exc.tip else exc.tip
            annotator.end_group()
            annotator.error(exc)
        return fail(exc, err)
    except KeyboardInterrupt:
        err.write("wandb-pr: interrupted\n")
        return EXIT_INTERRUPTED


def fail(exc: WandbPrError, err: TextIO) -> int:
    """Print an error and its tip, and return the exit code for its kind."""
    err.write(f"wandb-pr: error: {exc.message}\n")
    if exc.tip:
        err.write(f"Tip: {exc.tip}\n")
    return exit_code_for(exc)


def add_option(parser: argparse.ArgumentParser, opt: Option) -> None:
    """The option's flags: ``--name`` and its aliases, all storing text for the option table.

    Booleans store ``true`` (``--no-...`` spellings store ``false``), list flags may repeat and
    each value may itself be a comma- or newline-separated list, and the alias ``--base-commit``
    also chooses ``baseline: base-commit``, as it always did.
    """
    shown = opt.shown_default if opt.shown_default is not None else opt.default
    if opt.cli_default is not None:
        shown = opt.cli_default
    text = opt.help.replace("`", "").replace("%", "%%") + (f" (default: {shown})" if shown else "")
    dest = opt.name.replace("-", "_")
    if opt.parser == "bool":
        parser.add_argument(opt.flags[0], dest=dest, action="store_const", const="true", help=text)
        negative = (f"--no-{opt.name}",) if opt.default == "true" else ()
        for alias in negative + opt.aliases:
            parser.add_argument(
                alias, dest=dest, action="store_const", const="false", help=f"{opt.flags[0]} false"
            )
        return
    if opt.parser == "choice" and not opt.action:  # a CLI-only choice: argparse checks it
        parser.add_argument(
            opt.flags[0], dest=dest, choices=opt.choices, metavar=opt.metavar, help=text
        )
        return
    append = opt.parser == "list"
    kept = tuple(a for a in opt.aliases if a != "--base-commit")
    parser.add_argument(
        *opt.flags[:1],
        *kept,
        dest=dest,
        action="append" if append else "store",
        metavar=opt.metavar,
        help=text + (" (repeatable)" if append else ""),
    )
    if "--base-commit" in opt.aliases:
        parser.add_argument(
            "--base-commit",
            dest="base_commit",
            metavar=opt.metavar,
            help="baselines are the finished runs of REV (e.g. origin/main) or of its nearest "
            "first-parent ancestor that has any: --baseline base-commit --base-sha REV",
        )


def _parser() -> argparse.ArgumentParser:
    """The argument parser (flags only; their meaning is checked in :mod:`.report`)."""
    parser = argparse.ArgumentParser(
        prog="wandb-pr",
        description="Weights & Biases runs of a commit, compared with baselines, for PRs.",
    )
    parser.add_argument("--version", action="version", version=f"wandb-pr {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    report = commands.add_parser(
        "report",
        help="fetch the runs of a commit and its baselines, and print or write the report",
        description="Fetch the runs of a commit (or run ids) and their baselines, and report. "
        "List flags take one item per line or comma-separated items, and may be repeated.",
        epilog=REPORT_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for opt in OPTIONS + CLI_ONLY:
        if opt.flag:
            add_option(report, opt)
    action = commands.add_parser(
        "action",
        help="run as the GitHub Action (reads INPUT_* and GITHUB_* variables; used by action.yml)",
    )
    action.add_argument(
        "--compat", action="store_true", help="behave as machine-learning-apps/wandb-action"
    )
    action.add_argument("--debug", action="store_const", const="true", help=argparse.SUPPRESS)
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
