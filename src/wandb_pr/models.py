"""Domain records shared by every stage: runs, their states, and what a fetch returns.

All records are frozen dataclasses; derive new ones with :func:`dataclasses.replace`.
Mappings inside them are plain dicts by convention treated as read-only.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ArtifactUse",
    "HistoryPoint",
    "Run",
    "RunSet",
    "RunState",
    "StateCounts",
    "UnreadableRun",
]

HistoryPoint = tuple[float, float]
"""One sampled point of a metric's history: ``(step, value)``."""


class RunState(str, enum.Enum):
    """A run's lifecycle state, as W&B reports it (older and newer spellings both kept)."""

    FINISHED = "finished"
    RUNNING = "running"
    CRASHED = "crashed"
    FAILED = "failed"
    KILLED = "killed"
    ABORTED = "aborted"
    PREEMPTED = "preempted"
    PREEMPTING = "preempting"
    PENDING = "pending"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, raw: object) -> RunState:
        """Map W&B's ``state`` string onto a member; anything unrecognised is ``UNKNOWN``.

        ``UNKNOWN`` is never evidence: the comparison treats it as not finished yet.
        """
        if isinstance(raw, str):
            try:
                return cls(raw.strip().lower())
            except ValueError:
                pass
        return cls.UNKNOWN

    @classmethod
    def read(cls, raw: object) -> tuple[RunState, str | None]:
        """The member, and W&B's own word when it is one wandb-pr does not know (kept to show
        it, at most 40 characters; ``None`` for a known state or no word at all)."""
        state = cls.parse(raw)
        if state is cls.UNKNOWN and isinstance(raw, str) and raw.strip():
            return state, raw.strip()[:40]
        return state, None

    @property
    def may_finish(self) -> bool:
        """Whether a run in this state may still finish (running, queued, being preempted, or
        a state wandb-pr does not know): such runs make the verdict ``pending``."""
        return self in _MAY_FINISH


@dataclass(frozen=True)
class ArtifactUse:
    """An artifact version a run used as input (a dataset, a model to evaluate...)."""

    name: str
    """The artifact's name (its collection), e.g. ``holdout``."""
    version: int | None
    """The version index (``v3`` is 3); ``None`` when W&B did not say."""
    type: str
    """The artifact type, e.g. ``dataset`` or ``model``."""
    digest: str | None = None
    """Content digest: two runs that used the same content have the same digest."""
    aliases: tuple[str, ...] = ()
    """Aliases of the version, e.g. ``latest``, ``production``."""
    project: str | None = None
    """``entity/project`` the artifact lives in, when W&B said."""

    @property
    def label(self) -> str:
        """``name:vN`` (or the bare name when the version is unknown)."""
        return self.name if self.version is None else f"{self.name}:v{self.version}"


@dataclass(frozen=True)
class Run:
    """One W&B run, with exactly the fields wandb-pr uses."""

    id: str
    """The run id (W&B's GraphQL ``name``; the last part of the run URL)."""
    name: str
    """The display name shown in the W&B UI (``displayName``); the id when W&B has none."""
    entity: str
    """The entity (user or team) that owns the project."""
    project: str
    """The project name."""
    state: RunState
    """Lifecycle state."""
    url: str | None
    """Link to the run in the W&B app; ``None`` for runs that live only on disk."""
    tags: tuple[str, ...] = ()
    """Tags, in W&B's order."""
    group: str | None = None
    """The run group, if any."""
    job_type: str | None = None
    """The job type, if any."""
    commit: str | None = None
    """The git commit W&B recorded at ``wandb.init`` (absent when git was not available)."""
    created_at: str | None = None
    """When the run was created, ISO 8601 as W&B gives it."""
    notes: str | None = None
    """The run's notes (W&B's ``description``)."""
    user: str | None = None
    """The username that created the run."""
    config: Mapping[str, Any] = field(default_factory=dict)
    """The config, unwrapped (``{"lr": 0.01}``, not ``{"lr": {"value": 0.01}}``)."""
    summary: Mapping[str, Any] = field(default_factory=dict)
    """The final summary metrics (may hold nested dicts, NaN and infinities)."""
    history: Mapping[str, tuple[HistoryPoint, ...]] = field(default_factory=dict)
    """Sampled history per metric, ordered by step; only for the metrics that were asked for."""
    artifacts: tuple[ArtifactUse, ...] = ()
    """Artifact versions the run used as inputs (data versions, models evaluated)."""
    state_text: str | None = None
    """W&B's own word for a state wandb-pr does not know (``state`` is then ``UNKNOWN``);
    ``None`` for a known state. Run data: escape it wherever it is shown."""
    uncommitted_bytes: int | None = None
    """Size of the ``diff.patch`` W&B saved with the run: the uncommitted changes of the git
    tree it was started from. Only written with code saving on; ``None`` when there is none
    (a clean tree, or code saving off: nothing is known either way)."""

    @property
    def state_label(self) -> str:
        """The state as shown: W&B's own word for one wandb-pr does not know, else the member's."""
        if self.state is RunState.UNKNOWN and self.state_text:
            return self.state_text
        return self.state.value

    @property
    def short_commit(self) -> str | None:
        """The recorded commit shortened to 7 characters, as git shows it."""
        return self.commit[:7] if self.commit else None

    @property
    def uncommitted(self) -> bool:
        """Whether W&B saved a non-empty diff of uncommitted changes with the run."""
        return bool(self.uncommitted_bytes)


@dataclass(frozen=True)
class StateCounts:
    """How many candidate runs are in each state, and how many baselines there are.

    ``crashed`` counts W&B's ``crashed`` and ``failed``; ``aborted`` counts ``killed`` and
    ``aborted`` (W&B renamed them; the original action counted the old names).
    """

    finished: int
    """Candidate runs that finished."""
    running: int
    """Candidate runs still running."""
    crashed: int
    """Candidate runs that crashed or failed."""
    aborted: int
    """Candidate runs that were killed or aborted."""
    other: int
    """Candidate runs in any other state (preempted, preempting, pending, unknown)."""
    baselines: int
    """Baseline runs, whatever their state."""
    waiting: int = 0
    """Candidate runs that may still finish (see :attr:`RunState.may_finish`), ``running``
    included."""

    @classmethod
    def of(cls, candidates: Iterable[Run], baselines: Iterable[Run]) -> StateCounts:
        """Count the candidates by state and the baselines."""
        tally = dict.fromkeys(("finished", "running", "crashed", "aborted", "other"), 0)
        waiting = 0
        for run in candidates:
            tally[_STATE_BUCKET.get(run.state, "other")] += 1
            waiting += run.state.may_finish
        return cls(**tally, baselines=sum(1 for _ in baselines), waiting=waiting)

    @property
    def total(self) -> int:
        """All candidate runs."""
        return self.finished + self.running + self.crashed + self.aborted + self.other

    @property
    def complete(self) -> bool:
        """At least one candidate finished and none may still finish (the seed's
        ``BOOL_COMPLETE``, which knew only ``running``)."""
        return self.finished > 0 and self.running == 0 and self.waiting == 0

    @property
    def single_run(self) -> bool:
        """Exactly one candidate run was found (the seed's ``BOOL_SINGLE_RUN``)."""
        return self.total == 1


_MAY_FINISH = frozenset({RunState.RUNNING, RunState.PENDING, RunState.PREEMPTING, RunState.UNKNOWN})

_STATE_BUCKET: dict[RunState, str] = {
    RunState.FINISHED: "finished",
    RunState.RUNNING: "running",
    RunState.CRASHED: "crashed",
    RunState.FAILED: "crashed",
    RunState.KILLED: "aborted",
    RunState.ABORTED: "aborted",
}


@dataclass(frozen=True)
class UnreadableRun:
    """A run on disk that could not be read (killed before its first flush, a damaged header)."""

    folder: str
    """The run's folder (or file)."""
    reason: str
    """Why it could not be read."""


@dataclass(frozen=True)
class RunSet:
    """What a run source returns for a selection: the candidate runs and the baseline runs."""

    candidates: tuple[Run, ...]
    """Runs of the commit (or run ids) under review, oldest first."""
    baselines: tuple[Run, ...]
    """Runs to compare against; never also a candidate."""
    warnings: tuple[str, ...] = ()
    """Things the user should know about the fetch (e.g. a requested run id that was not found)."""
    baseline_sources: tuple[str, ...] = ()
    """How baselines beyond the selection's query were found (the run behind an artifact)."""
    unreadable: tuple[UnreadableRun, ...] = ()
    """Runs on disk that could not be read at all (offline runs only)."""
    empty_source: str | None = None
    """Set when the source holds no runs at all, saying where it looked (``offline runs under
    ./wandb``)."""

    @property
    def counts(self) -> StateCounts:
        """State counts of this set."""
        return StateCounts.of(self.candidates, self.baselines)
