"""The one interface the rest of wandb-pr knows run sources by."""

from __future__ import annotations

from typing import Protocol

from wandb_pr.models import RunSet
from wandb_pr.selection import Selection

__all__ = ["RunSource"]


class RunSource(Protocol):
    """Something that can deliver the candidate and baseline runs of a selection.

    Implementations raise :class:`~wandb_pr.errors.SourceError` (or a subclass) and nothing else.
    Callers ask the source, never its type: where its runs live (``description``), where to
    link to them (``app_url``) and what it can look up (``supports_artifacts``).
    """

    @property
    def description(self) -> str:
        """Where the runs come from, for messages (``W&B at https://api.wandb.ai``)."""
        ...

    @property
    def app_url(self) -> str | None:
        """The W&B app's URL, for links to projects and runs; ``None`` for local runs."""
        ...

    @property
    def supports_artifacts(self) -> bool:
        """Whether it can find the run that produced an artifact version (a baseline artifact)."""
        ...

    def fetch(self, selection: Selection) -> RunSet:
        """Return the runs the selection asks for, candidates and baselines disjoint."""
        ...
