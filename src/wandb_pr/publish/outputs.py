"""Step outputs for later workflow steps, written to ``$GITHUB_OUTPUT`` (never ``::set-output``).

Every value is written on one line: control characters are escaped, never kept, so a later
step that prints an output cannot be made to print a workflow command.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from wandb_pr.errors import OutputError

__all__ = ["append_text", "format_outputs", "single_line", "write_outputs"]


_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""C0 controls (CR and LF among them), DEL, C1 controls (NEL among them), and the Unicode line
and paragraph separators: anything that can end a line or drive a terminal."""


def single_line(text: str) -> str:
    """``text`` on one line: each control character as a visible escape (``\\n``, ``\\x1b``).

    Outputs and log lines carry names from run data (W&B summary keys); a workflow that echoes
    one must never print a second line that the runner would obey as a workflow command.
    """
    return _UNSAFE.sub(lambda match: match.group().encode("unicode_escape").decode(), text)


def format_outputs(outputs: Mapping[str, str]) -> str:
    """``name=value`` lines, every value on one line (control characters escaped)."""
    return "".join(f"{name}={single_line(value)}\n" for name, value in outputs.items())


def write_outputs(path: Path, outputs: Mapping[str, str]) -> None:
    """Append the outputs to the ``$GITHUB_OUTPUT`` file in one write."""
    append_text(path, format_outputs(outputs), what="$GITHUB_OUTPUT")


def append_text(path: Path, text: str, *, what: str) -> None:
    """Append to a file the runner reads after the step (``$GITHUB_OUTPUT``, the job summary)."""
    try:
        with path.open("a", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as exc:
        raise OutputError(f"Cannot append to {path} ({what}): {exc.strerror or exc}") from exc
