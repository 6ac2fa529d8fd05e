"""A run source over runs already in memory (offline run directories, snapshot files).

The selection's W&B filters are evaluated here with :mod:`wandb_pr.filters`, the same
evaluator that defines the language for the whole project, so a local report selects exactly
the runs W&B would.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from wandb_pr.filters import matches, run_document
from wandb_pr.models import Run, RunSet, UnreadableRun
from wandb_pr.selection import Selection
from wandb_pr.sources.interface import History, HistoryRequest
from wandb_pr.sources.results import assemble, history_of

__all__ = ["LocalRunSource"]


class LocalRunSource:
    """Selects candidates and baselines from a fixed collection of runs."""

    app_url: str | None = None
    """Local runs have no W&B app to link to."""
    supports_artifacts = False
    """Snapshots and offline runs hold no artifact registry."""

    def __init__(
        self,
        runs: Iterable[Run],
        *,
        description: str,
        unreadable: Iterable[UnreadableRun] = (),
        warnings: Iterable[str] = (),
    ) -> None:
        self._runs = tuple(runs)
        self._unreadable = tuple(unreadable)
        self.description = description
        """Where the runs came from, for messages (e.g. ``offline runs in ./wandb``)."""
        self.warnings = tuple(warnings)
        """What reading the runs found wrong; every fetch carries them to the report."""

    def fetch(self, selection: Selection) -> RunSet:
        """Evaluate the selection's filters over the runs of the selection's project."""
        documents = [
            (run, run_document(run))
            for run in sorted(self._runs, key=lambda r: (r.created_at or "", r.id))
            if self._in_project(run, selection)
        ]
        candidates = [run for run, doc in documents if matches(selection.candidates.filters, doc)]
        baselines = []
        if selection.baselines is not None:
            wanted = selection.baselines.filters
            baselines = [run for run, doc in documents if matches(wanted, doc)]
        run_set = assemble(selection, candidates, baselines, where=self.description)
        empty = None if self._runs or self._unreadable else f"no {self.description}"
        return replace(
            run_set,
            unreadable=self._unreadable,
            empty_source=empty,
            warnings=self.warnings + run_set.warnings,
        )

    def fetch_history(self, request: HistoryRequest, run_set: RunSet) -> History:
        """The requested history: the runs carry it already."""
        return History(history_of(request, run_set))

    @staticmethod
    def _in_project(run: Run, selection: Selection) -> bool:
        """Whether a run is in the selection's project; an empty name on either side matches any."""
        return all(
            not wanted or not have or wanted == have
            for wanted, have in ((selection.project, run.project), (selection.entity, run.entity))
        )
