"""The exit codes of ``wandb-pr`` (also in the README), and which error kind maps to which.

* 0 - the report was produced (and, with ``--fail-on-regression``, nothing regressed);
* 1 - a regression was found and ``--fail-on-regression`` was given;
* 2 - an input is wrong (a flag, an Action input, an environment variable);
* 3 - the runs could not be fetched (W&B refused or was unavailable, a bad snapshot or run dir);
* 4 - a report file or ``$GITHUB_OUTPUT`` could not be written;
* 5 - the report was written, but GitHub did not take it (not for missing permissions: those
  are warnings);
* 130 - interrupted.
"""

from __future__ import annotations

from wandb_pr.errors import InputError, OutputError, PublishError, SourceError, WandbPrError

__all__ = [
    "EXIT_FETCH",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_OUTPUT",
    "EXIT_PUBLISH",
    "EXIT_REGRESSION",
    "exit_code_for",
]

EXIT_OK = 0
EXIT_REGRESSION = 1
EXIT_INPUT = 2
EXIT_FETCH = 3
EXIT_OUTPUT = 4
EXIT_PUBLISH = 5
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
