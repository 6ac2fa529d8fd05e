"""The exit codes of ``wandb-pr`` (also in the README), and which error or verdict maps to which.

* 0 - the report was produced (and, with ``--fail-on-regression``, the verdict is ``pass``, or
  missing evidence was accepted with ``--allow-missing``);
* 1 - ``--fail-on-regression``: a regression (or, with ``--require-same-data``, different data);
* 2 - an input is wrong (a flag, an Action input, an environment variable);
* 3 - the runs could not be fetched (W&B refused or was unavailable, a bad snapshot or run dir);
* 4 - a report file or ``$GITHUB_OUTPUT`` could not be written;
* 5 - the report was written, but GitHub did not take it (not for missing permissions: those
  are warnings);
* 6 - ``--fail-on-regression``: candidates diverged (NaN/inf in a larger share of them than of
  the baselines);
* 7 - ``--fail-on-regression``: a metric could not be compared (missing on a side, or no run
  has it);
* 8 - ``--fail-on-regression``: no baseline run to compare with;
* 9 - ``--fail-on-regression``: no finished candidate run;
* 10 - ``--fail-on-regression``: candidate runs are not finished (verdict pending);
* 11 - ``--fail-on-regression`` with ``--require-clean``: a counted run was trained with
  uncommitted changes (verdict ``uncommitted-changes``);
* 130 - interrupted.

Codes 7-10 become 0 with ``--allow-missing``; 1, 6 and 11 never do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wandb_pr.errors import InputError, OutputError, PublishError, SourceError, WandbPrError

if TYPE_CHECKING:  # the comparison is not imported for --help or --version
    from wandb_pr.compare import Verdict

__all__ = [
    "EXIT_DIVERGED",
    "EXIT_FETCH",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_MISSING_METRIC",
    "EXIT_NO_BASELINE",
    "EXIT_NO_RUNS",
    "EXIT_OK",
    "EXIT_OUTPUT",
    "EXIT_PENDING",
    "EXIT_PUBLISH",
    "EXIT_REGRESSION",
    "EXIT_UNCOMMITTED",
    "exit_code_for",
    "gate_exit_code",
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
EXIT_UNCOMMITTED = 11
EXIT_INTERRUPTED = 130


def exit_code_for(exc: WandbPrError) -> int:
    """The exit code for an error's kind."""
    if isinstance(exc, InputError):
        return EXIT_INPUT
    if isinstance(exc, SourceError):
        return EXIT_FETCH
    if isinstance(exc, OutputError):
        return EXIT_OUTPUT
    if isinstance(exc, PublishError):
        return EXIT_PUBLISH
    return EXIT_FETCH


def gate_exit_code(verdict: Verdict, *, allow_missing: bool) -> int:
    """The exit code ``--fail-on-regression`` gives a verdict (see the module docstring)."""
    from wandb_pr.compare import Verdict
    from wandb_pr.compare._exhaustive import unhandled

    if not verdict.fails_gate(allow_missing=allow_missing):
        return EXIT_OK
    elif verdict is Verdict.REGRESSION or verdict is Verdict.DIFFERENT_DATA:
        return EXIT_REGRESSION
    elif verdict is Verdict.DIVERGED:
        return EXIT_DIVERGED
    elif verdict is Verdict.UNCOMMITTED_CHANGES:
        return EXIT_UNCOMMITTED
    elif verdict is Verdict.MISSING_METRIC:
        return EXIT_MISSING_METRIC
    elif verdict is Verdict.NO_BASELINE:
        return EXIT_NO_BASELINE
    elif verdict is Verdict.NO_RUNS:
        return EXIT_NO_RUNS
    elif verdict is Verdict.PENDING:
        return EXIT_PENDING
    elif verdict is Verdict.PASS:  # never fails the gate
        return EXIT_OK
    else:
        raise unhandled(verdict)
