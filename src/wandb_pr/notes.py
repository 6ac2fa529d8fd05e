"""One channel for what users must know: warnings, notes, retries and waits as events.

Every stage that has something to tell reports a :class:`Note` to one observer, a
:data:`Notes` callable. The entry layer chooses the observer: the CLI prints notes to stderr,
the Action turns them into workflow annotations (``::warning title=...::``) and the job
summary. Notes about the evidence (an unreadable run, a mismatched commit, a chart left out)
also travel with the runs (``RunSet.warnings``), so they reach the report itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = ["Kind", "Note", "Notes", "ignore"]

Kind = Literal["warning", "error", "notice", "retry", "wait"]
"""``warning``/``error``: something is wrong; ``notice``: worth knowing; ``retry``: a request is
tried again; ``wait``: wandb-pr pauses for runs to finish."""


@dataclass(frozen=True)
class Note:
    """One thing to tell the user."""

    kind: Kind
    """What sort of event it is."""
    message: str
    """The sentence to show."""
    title: str = "wandb-pr"
    """A short heading (an annotation's title), e.g. ``input 'sha'`` or ``offline runs``."""
    evidence: bool = False
    """Whether it is about the runs compared, and so belongs in the report as well."""


Notes = Callable[[Note], None]
"""An observer of notes."""


def ignore(note: Note) -> None:
    """An observer that drops every note."""
