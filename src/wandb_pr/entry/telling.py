"""How each door tells its user a :class:`~wandb_pr.notes.Note`: lines on stderr in a terminal,
workflow commands (annotations, a log group while waiting) in GitHub Actions."""

from __future__ import annotations

import re
from typing import TextIO

from wandb_pr.errors import InputError, WandbPrError
from wandb_pr.notes import Note
from wandb_pr.publish.outputs import single_line

__all__ = ["Annotator", "Printer", "escape_data", "escape_property"]


class Printer:
    """The CLI's observer: one ``wandb-pr: ...`` line on stderr per note."""

    def __init__(self, stderr: TextIO) -> None:
        self._err = stderr

    def __call__(self, note: Note) -> None:
        """Print the note."""
        label = f"{note.kind}: " if note.kind in ("warning", "error") else ""
        self._err.write(f"wandb-pr: {label}{note.message}\n")


class Annotator:
    """The Action's observer: annotations for warnings and errors, a log group while waiting,
    retries on stderr.

    Warnings not about the evidence (the report shows those) are kept for the job summary.
    """

    def __init__(self, stdout: TextIO, stderr: TextIO) -> None:
        self._out = stdout
        self._err = stderr
        self._grouped = False
        self.for_summary: list[str] = []

    def __call__(self, note: Note) -> None:
        """Write the note as a workflow command or a log line."""
        if note.kind == "wait" and not self._grouped:
            self._out.write("::group::wandb-pr: waiting for candidate runs to finish\n")
            self._grouped = True
        if note.kind in ("warning", "error", "notice"):
            title = escape_property(note.title)
            self._out.write(f"::{note.kind} title={title}::{escape_data(note.message)}\n")
            if note.kind != "notice" and not note.evidence:
                self.for_summary.append(note.message)
        elif note.kind == "wait":
            self._out.write(f"{escape_data(note.message)}\n")
        else:  # retries: the log, not the annotations
            self._err.write(f"wandb-pr: {escape_data(note.message)}\n")

    def end_group(self) -> None:
        """Close the waiting group, if one is open."""
        if self._grouped:
            self._out.write("::endgroup::\n")
            self._grouped = False

    def error(self, exc: WandbPrError) -> None:
        """An error as an ``::error`` annotation titled by the input it names, if any."""
        title = "wandb-pr"
        if isinstance(exc, InputError):
            named = re.search(r"input '([^']{1,80})'", exc.message)
            title = f"wandb-pr: input '{named.group(1)}'" if named else "wandb-pr: input"
        text = exc.message + (f" Tip: {exc.tip}" if exc.tip else "")
        self(Note("error", text, title=title))

    def summary(self) -> str:
        """The warnings the report does not show, as Markdown for the job summary ('' if none)."""
        if not self.for_summary:
            return ""
        from wandb_pr.render.escape import escape_markdown  # not needed for --help

        unique = dict.fromkeys(self.for_summary)
        lines = "\n".join(f"- {escape_markdown(message, max_length=400)}" for message in unique)
        return f"\n### wandb-pr warnings\n\n{lines}\n"


def escape_data(text: str) -> str:
    """Escape a workflow command's message (``%``, CR, LF) as the Actions toolkit does, and any
    other control character as a visible escape, so the command stays one line."""
    return single_line(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (also ``:`` and ``,``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
