"""The one interface the rest of wandb-pr knows run sources by."""

from __future__ import annotations

from typing import Protocol

from wandb_pr.models import RunSet
from wandb_pr.selection import Selection

__all__ = ["RunSource"]


class RunSource(Protocol):
    """Something that can deliver the candidate and baseline runs of a selection.

    Implementations raise :class:`~wandb_pr.errors.SourceError` (or a subclass) and nothing else.
    """

    def fetch(self, selection: Selection) -> RunSet:
        """Return the runs the selection asks for, candidates and baselines disjoint."""
        ...
