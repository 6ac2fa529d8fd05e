"""Step outputs for later workflow steps, written to ``$GITHUB_OUTPUT`` (never ``::set-output``)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path

from wandb_pr.errors import OutputError

__all__ = ["append_text", "format_outputs", "write_outputs"]


def format_outputs(outputs: Mapping[str, str]) -> str:
    """``name=value`` lines; multiline values as ``name<<DELIM`` ... ``DELIM`` (fresh delimiter)."""
    lines = []
    for name, value in outputs.items():
        if "\n" in value or "\r" in value:
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            while delimiter in value:  # pragma: no cover - 128 random bits
                delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        else:
            lines.append(f"{name}={value}\n")
    return "".join(lines)


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
