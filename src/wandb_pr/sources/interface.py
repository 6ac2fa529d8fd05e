"""The interfaces the rest of wandb-pr knows run sources by."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from wandb_pr.models import HistoryPoint, RunSet
from wandb_pr.selection import Selection

__all__ = ["History", "HistoryRequest", "HistorySource", "RunSource"]


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


@dataclass(frozen=True)
class HistoryRequest:
    """The history the charts will draw: a few metrics of a few runs, about so many points."""

    metrics: tuple[str, ...]
    """The metrics that get a chart, most relevant first."""
    run_ids: tuple[str, ...]
    """The runs whose mean each chart draws (a bounded, evenly spaced subset of each side)."""
    samples: int
    """Points to sample per metric and run."""


@dataclass(frozen=True)
class History:
    """What a source could deliver of a :class:`HistoryRequest`."""

    points: Mapping[str, Mapping[str, tuple[HistoryPoint, ...]]] = field(default_factory=dict)
    """Per run id, per metric, the sampled points (ordered by step)."""
    left_out: str | None = None
    """Why the charts are left out (e.g. W&B did not answer in time); ``None`` when complete."""


@runtime_checkable
class HistorySource(Protocol):
    """A source that fetches history after the comparison, for the runs the charts draw.

    A source without this method delivers history with its runs (:meth:`RunSource.fetch`).
    ``fetch_history`` never raises for want of history: charts are decoration, so it returns
    what it has and says in ``left_out`` why the rest is missing.
    """

    def fetch_history(self, request: HistoryRequest, run_set: RunSet) -> History:
        """The history of the requested runs and metrics, as far as it can be had."""
        ...
