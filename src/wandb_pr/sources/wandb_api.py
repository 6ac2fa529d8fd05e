"""The W&B run source: a selection's runs over GraphQL, then the history its charts draw.

DESIGN: summaries are the evidence, history is decoration, and a sweep must cost what the
report shows.

* The first request asks for a small first page (:data:`FIRST_PAGE_WITH_HISTORY` runs a side,
  the most a chart draws) with the chart metrics' ``sampledHistory`` inline. When both sides
  fit in it, that one request is the whole report, charts included.
* A side with more runs is paged on without history, at the page size the user chose; once the
  comparison knows which metrics regressed, :meth:`WandbRunSource.fetch_history` asks for the
  history of a few evenly spaced runs per side by name (one more request), reusing what the
  first page brought.
* A page W&B cannot answer in time (a timeout or a 5xx) is asked for again at half the size,
  down to :data:`PAGE_FLOOR`, and the smaller size is kept for the rest of the selection.
* History that cannot be had within the deadline is left out with the reason
  (:class:`~wandb_pr.sources.interface.History`); it never fails a report.
* Memory: each page's answer is decoded into :class:`Run` records and dropped; nothing but the
  records themselves is kept for the whole selection.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from wandb_pr.errors import ArtifactNotFound, ProjectNotFound, WandbError, WandbQueryError
from wandb_pr.models import HistoryPoint, Run, RunSet
from wandb_pr.selection import Query, Selection
from wandb_pr.settings import ArtifactRef
from wandb_pr.sources.interface import History, HistoryRequest
from wandb_pr.sources.results import assemble
from wandb_pr.sources.wandb_client import DEFAULT_BASE_URL, WandbClient, app_url_for
from wandb_pr.sources.wandb_query import (
    HISTORY_DOCUMENT,
    as_mapping,
    build_document,
    history_specs,
    parse_history,
    parse_run,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "FIRST_PAGE_WITH_HISTORY",
    "PAGE_FLOOR",
    "WandbClient",
    "WandbRunSource",
    "app_url_for",
]

log = logging.getLogger(__name__)

FIRST_PAGE_WITH_HISTORY = 20
"""Runs a side on the first page, which carries history: the most a chart draws per side
(``chart_plan.RUNS_PER_SIDE``; a test keeps the two equal)."""
PAGE_FLOOR = 10
"""The smallest page a slow W&B is asked for."""
HISTORY_FLOOR = 5
"""The fewest runs a history request that W&B cannot answer in time is cut down to."""


@dataclass
class _Size:
    """A request's size in runs, halved when W&B cannot answer it in time."""

    runs: int
    floor: int
    unit: str = "runs a page"

    def halve(self) -> str | None:
        """Halve down to the floor; what is asked for now, or ``None`` at the floor."""
        if self.runs <= self.floor:
            return None
        self.runs = max(self.floor, self.runs // 2)
        return f"{self.runs} {self.unit}"


@dataclass
class _Page:
    """One request for a page of each pending side; it asks for fewer runs when W&B cannot
    answer it in time, and the selection's page size follows it down."""

    selection: Selection
    sides: Mapping[str, Query]
    """The sides that have more runs, by name."""
    cursors: Mapping[str, str | None]
    """Where each side's page starts."""
    runs: int
    """Runs a side on this page."""
    size: _Size
    """The selection's page size, kept at the smaller size once a page was halved."""
    inline: bool
    """Whether the page carries the chart metrics' history (the first page)."""
    artifact: ArtifactRef | None
    """An artifact version whose producing run is a baseline (the first page)."""

    def document(self) -> str:
        """The GraphQL document."""
        return build_document(
            list(self.sides), with_history=self.inline, with_artifact=self.artifact is not None
        )

    def variables(self) -> dict[str, Any]:
        """Its variables, for the current number of runs."""
        selection = self.selection
        variables: dict[str, Any] = {
            "entity": selection.entity,
            "project": selection.project,
            "first": self.runs,
        }
        for side, query in self.sides.items():
            variables[f"{side}Filters"] = json.dumps(dict(query.filters))
            variables[f"{side}Cursor"] = self.cursors[side]
        if self.inline:
            variables["historySpecs"] = history_specs(
                selection.history_keys, selection.history_samples
            )
        if self.artifact is not None:
            variables["artifactEntity"] = self.artifact.entity
            variables["artifactProject"] = self.artifact.project
            variables["artifactName"] = self.artifact.name
        return variables

    def lighten(self) -> str | None:
        """Halve the page (down to the floor); what it asks now. A page of summaries keeps the
        smaller size for the rest of the selection; the small first page that carries history
        does not pass it on, since its weight was the history the later pages leave out."""
        if self.runs <= self.size.floor:
            return None
        self.runs = max(self.size.floor, self.runs // 2)
        if not self.inline:
            self.size.runs = min(self.size.runs, self.runs)
        return f"a page of {self.runs} runs"

    def what(self) -> str:
        """What it asks for, in words."""
        keys = len(self.selection.history_keys)
        history = f" with history for {_count(keys, 'metric')}" if self.inline else ""
        return f"a page of {self.runs} runs{history}"


class WandbRunSource:
    """Fetches a selection's runs from W&B, then the history its charts draw."""

    supports_artifacts = True
    """W&B finds the run that produced an artifact version."""

    def __init__(self, client: WandbClient) -> None:
        self._client = client
        self._have: dict[str, set[str]] = {}
        """The metrics each run's history was asked for already (the first page, a request)."""
        self._entity = ""
        self._project = ""

    @property
    def app_url(self) -> str:
        """The W&B app's URL, for links to projects and runs."""
        return self._client.app_url

    @property
    def description(self) -> str:
        """Where the runs come from, for messages."""
        return f"W&B at {self._client.app_url}"

    def fetch(self, selection: Selection) -> RunSet:
        """Page through both sides together until neither has more runs."""
        if not selection.same_budget:
            self._client.start_budget()
            self._have = {}
        self._entity, self._project = selection.entity, selection.project
        sides: dict[str, Query] = {"candidates": selection.candidates}
        if selection.baselines is not None:
            sides["baselines"] = selection.baselines
        cursors: dict[str, str | None] = dict.fromkeys(sides)
        found: dict[str, list[Run]] = {side: [] for side in sides}
        pending = list(sides)
        size = _Size(selection.page_size, min(PAGE_FLOOR, selection.page_size))
        page = 0
        sources: tuple[str, ...] = ()
        while pending:
            page += 1
            inline = bool(selection.history_keys) and page == 1
            artifact = selection.baseline_artifact if page == 1 else None
            request = _Page(
                selection,
                {side: sides[side] for side in pending},
                cursors,
                runs=min(size.runs, FIRST_PAGE_WITH_HISTORY) if inline else size.runs,
                size=size,
                inline=inline,
                artifact=artifact,
            )
            data = self._client.execute(
                request.document(), request.variables, what=request.what, lighten=request.lighten
            )
            if artifact is not None:
                run, source = self._artifact_run(data, artifact, selection)
                found.setdefault("baselines", []).append(run)
                self._have[run.id] = set(selection.history_keys)
                sources = (source,)
            still_pending = []
            for side in pending:
                runs, cursor = self._read_page(data, side, selection, inline=inline)
                found[side] += runs
                if inline:
                    self._have.update((run.id, set(selection.history_keys)) for run in runs)
                if cursor is not None:
                    if cursor == cursors[side]:
                        raise WandbQueryError(
                            f"W&B returned the same page twice for the {side} of {selection.path}."
                        )
                    cursors[side] = cursor
                    still_pending.append(side)
            del data  # the page's answer is in the runs now; keep no raw pages around
            log.debug("page %d: %s", page, {side: len(runs) for side, runs in found.items()})
            pending = still_pending
        where = f"W&B project {selection.path}"
        run_set = assemble(selection, found["candidates"], found.get("baselines", ()), where=where)
        return replace(run_set, baseline_sources=sources)

    def fetch_history(self, request: HistoryRequest, run_set: RunSet) -> History:
        """History of the charted runs: what the first page brought, the rest by name.

        Never raises for want of history: when W&B cannot answer within the deadline, the
        charts are left out and :attr:`History.left_out` says why.
        """
        by_id = {run.id: run for run in (*run_set.candidates, *run_set.baselines)}
        wanted = set(request.metrics)
        points: dict[str, dict[str, tuple[HistoryPoint, ...]]] = {}
        missing = []
        for run_id in request.run_ids:
            run = by_id.get(run_id)
            if run is None:
                continue
            if wanted <= self._have.get(run_id, set()):
                points[run_id] = {m: run.history[m] for m in request.metrics if m in run.history}
            else:
                missing.append(run_id)
        if not missing:
            return History(points)
        if self._client.time_left() <= 0:
            return History(
                left_out=f"the deadline of {self._client.deadline:g} s was used up by the run "
                "summaries"
            )
        try:
            fetched = self._history_by_name(missing, request)
        except WandbError as exc:
            return History(left_out=exc.message.rstrip("."))
        for run_id in fetched:
            self._have.setdefault(run_id, set()).update(wanted)
        return History(points | fetched)

    def _history_by_name(
        self, names: list[str], request: HistoryRequest
    ) -> dict[str, dict[str, tuple[HistoryPoint, ...]]]:
        """Ask for the history of ``names`` in as few requests as W&B can answer in time."""
        first = min(len(names), 2 * FIRST_PAGE_WITH_HISTORY)
        size = _Size(first, min(HISTORY_FLOOR, first), unit="runs a request")
        specs = history_specs(request.metrics, request.samples)
        points: dict[str, dict[str, tuple[HistoryPoint, ...]]] = {}
        start = 0
        while start < len(names):
            sent: list[str] = []

            def variables(start: int = start, sent: list[str] = sent) -> dict[str, Any]:
                sent[:] = names[start : start + size.runs]
                return {
                    "entity": self._entity,
                    "project": self._project,
                    "filters": json.dumps({"name": {"$in": sent}}),
                    "first": len(sent),
                    "historySpecs": specs,
                }

            data = self._client.execute(
                HISTORY_DOCUMENT,
                variables,
                what=lambda: (
                    f"the history of {size.runs} runs for {_count(len(request.metrics), 'metric')}"
                ),
                lighten=size.halve,
            )
            edges = as_mapping(as_mapping(data.get("history")).get("runs")).get("edges")
            for edge in edges if isinstance(edges, list) else ():
                node = as_mapping(as_mapping(edge).get("node"))
                name = node.get("name")
                if isinstance(name, str) and name in sent:
                    points[name] = parse_history(node.get("sampledHistory"), request.metrics)
            start += len(sent)
        return points

    def _artifact_run(
        self, data: Mapping[str, Any], artifact: ArtifactRef, selection: Selection
    ) -> tuple[Run, str]:
        """The run that produced the artifact version, and how to say where it came from."""
        project = data.get("artifact")
        if project is None:
            raise ProjectNotFound(
                f"W&B project {artifact.entity}/{artifact.project} (of {artifact}) was not found, "
                "or this API key cannot see it.",
                tip="For W&B Registry, the project is wandb-registry-<registry name> in the "
                "organization's registry entity.",
            )
        membership = as_mapping(as_mapping(project).get("artifactCollectionMembership"))
        if not membership:
            raise ArtifactNotFound(
                f"W&B has no artifact version {artifact}: the alias or version does not exist.",
                tip="Check the alias in the W&B UI (Artifacts or Registry), e.g. :production, "
                ":latest or :v7.",
            )
        creator = as_mapping(as_mapping(membership.get("artifact")).get("createdBy"))
        if creator.get("__typename") != "Run" or not creator.get("name"):
            raise ArtifactNotFound(
                f"The run that produced {artifact} is not visible to this API key (or the "
                "version was uploaded without a run), so it cannot be a baseline.",
                tip="Use a key of a member of the project that logged it, or name baselines by "
                "tag or run id instead.",
            )
        where = as_mapping(creator.get("project"))
        run = parse_run(
            creator,
            entity=str(as_mapping(where.get("entity")).get("name") or artifact.entity),
            project=str(where.get("name") or artifact.project),
            app_url=self._client.app_url,
            history_keys=selection.history_keys,
        )
        version = membership.get("versionIndex")
        label = f"{artifact} (v{version})" if isinstance(version, int) else str(artifact)
        return run, f"run {run.name} ({run.id}), which produced {label}"

    def _read_page(
        self, data: Mapping[str, Any], side: str, selection: Selection, *, inline: bool
    ) -> tuple[list[Run], str | None]:
        """The runs on one side's page, and the cursor of the next page (``None`` when last)."""
        project = data.get(side)
        if project is None:
            raise ProjectNotFound(
                f"W&B project {selection.path} was not found, or this API key cannot see it "
                f"(at {self._client.base_url}).",
                tip="Check the spelling against the project URL (ENTITY/PROJECT), that the key "
                "belongs to a member of the entity, and WANDB_BASE_URL for self-hosted W&B.",
            )
        try:
            connection = project["runs"]
            edges = connection["edges"]
            has_next = bool(connection["pageInfo"]["hasNextPage"])
        except (KeyError, TypeError) as exc:
            raise WandbQueryError(
                f"W&B answered the {side} of {selection.path} in an unexpected shape ({exc!r})."
            ) from exc
        runs = [
            parse_run(
                edge["node"],
                entity=selection.entity,
                project=selection.project,
                app_url=self._client.app_url,
                history_keys=selection.history_keys if inline else (),
            )
            for edge in edges
            if isinstance(edge, Mapping) and isinstance(edge.get("node"), Mapping)
        ]
        if not has_next or not edges:
            return runs, None
        cursor = edges[-1].get("cursor") or connection["pageInfo"].get("endCursor")
        return runs, cursor if isinstance(cursor, str) else None


def _count(n: int, noun: str) -> str:
    """``1 metric``, ``6 metrics``."""
    return f"{n} {noun}" + ("" if n == 1 else "s")
