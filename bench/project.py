"""A deterministic W&B project of any size: a few selected runs among many others.

Only the selected runs (the candidates on the target commit and the tagged baselines) carry
full-length histories; every other run gets a short one, so a 20,000-run project builds in
seconds. Everything derives from one seed: the same shape always yields the same project.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tests.wandb_server.store import RunStore

__all__ = ["ENTITY", "PROJECT", "Generated", "ProjectShape", "metric_names", "populate"]

ENTITY = "acme"
PROJECT = "bench"
_EPOCH = datetime(2024, 1, 1)
_OTHER_TAGS = ("nightly", "sweep", "debug", "ablation")
_STATES = ("finished",) * 8 + ("crashed", "running")


@dataclass(frozen=True)
class ProjectShape:
    """How big the generated project is."""

    runs: int = 20_000
    """Runs in the project, selected ones included."""
    candidates: int = 5
    """Runs whose config ``github_sha`` is the target commit."""
    baselines: int = 3
    """Runs tagged ``baseline``."""
    config_keys: int = 30
    """Config keys per run (``github_sha`` included)."""
    history_steps: int = 2_000
    """History rows of each selected run."""
    filler_steps: int = 5
    """History rows of every other run."""
    metrics: int = 3
    """Metrics logged at every step: ``loss``, ``val_loss``, ``val_acc``, then ``metric_03``..."""
    history_variants: int = 0
    """Distinct histories the selected runs share (0: each its own). A sweep of 2,000 runs with
    30 metrics and 300 steps, each run its own history, would hold about 2 GB in the test
    server; shared histories are read the same way and cost the same bytes on the wire."""
    seed: int = 2024
    """Seed of everything random."""


@dataclass(frozen=True)
class Generated:
    """What a report needs to know about the generated project."""

    path: str
    """``entity/project``."""
    sha: str
    """The candidates' commit."""
    baseline_tag: str
    """The tag the baselines carry."""
    metrics: tuple[str, ...]
    """Metrics logged at every step of the selected runs."""
    candidate_ids: tuple[str, ...]
    """Run ids of the candidates, in creation order."""
    baseline_ids: tuple[str, ...]
    """Run ids of the baselines, in creation order."""


def populate(store: RunStore, shape: ProjectShape) -> Generated:
    """Fill ``store`` with the project ``shape`` describes and say which runs are selected.

    The selected runs are the same in every project of the same seed, whatever its size (ids
    ``candidate-N`` and ``baseline-N``, the same config and history); only their positions
    among the other runs and the other runs themselves depend on the size.
    """
    if shape.candidates + shape.baselines > shape.runs:
        raise ValueError("the project must hold at least the selected runs")
    rng = random.Random(shape.seed)
    sha = _hex(rng, 40)
    roles = [f"candidate-{i}" for i in range(shape.candidates)]
    roles += [f"baseline-{i}" for i in range(shape.baselines)]
    positions = dict(zip(rng.sample(range(shape.runs), len(roles)), roles, strict=True))
    keys = ["github_sha", *(f"param_{i:02d}" for i in range(1, shape.config_keys))]
    variants = [
        _history(random.Random(f"{shape.seed}:variant:{v}"), shape.history_steps, shape.metrics)
        for v in range(shape.history_variants)
    ]
    runs = [
        _run(index, positions.get(index), sha=sha, keys=keys, shape=shape, variants=variants)
        for index in range(shape.runs)
    ]
    _append(store, runs)
    ordered = [positions[index] for index in sorted(positions)]
    return Generated(
        path=f"{ENTITY}/{PROJECT}",
        sha=sha,
        baseline_tag="baseline",
        metrics=("val_loss", "val_acc") if shape.metrics <= 3 else metric_names(shape.metrics),
        candidate_ids=tuple(r for r in ordered if r.startswith("candidate")),
        baseline_ids=tuple(r for r in ordered if r.startswith("baseline")),
    )


def metric_names(count: int) -> tuple[str, ...]:
    """The names of ``count`` logged metrics, ``val_loss`` and ``val_acc`` first."""
    return ("val_loss", "val_acc", "loss", *(f"metric_{i:02d}" for i in range(3, count)))[:count]


def _run(
    index: int,
    role: str | None,
    *,
    sha: str,
    keys: list[str],
    shape: ProjectShape,
    variants: list[list[dict[str, Any]]],
) -> dict[str, Any]:
    """The ``add_run`` fields of the run at ``index`` (``role``: its id if it is selected)."""
    rng = random.Random(f"{shape.seed}:{role or index}")  # the same selected run at any size
    config: dict[str, Any] = {name: _value(rng, i) for i, name in enumerate(keys)}
    config["github_sha"] = sha if role and role.startswith("candidate") else _hex(rng, 40)
    if role:
        tags = ["baseline"] if role.startswith("baseline") else []
    else:
        tags = rng.sample(_OTHER_TAGS, rng.randint(0, 2))
    if role and variants:
        history = variants[rng.randrange(len(variants))]
    else:
        history = _history(rng, shape.history_steps if role else shape.filler_steps, shape.metrics)
    return {
        "id": role or f"r{index:06d}",
        "display_name": role or f"run-{index}",
        "state": "finished" if role else rng.choice(_STATES),
        "tags": tags,
        "config": config,
        "summary": {k: v for k, v in history[-1].items() if k != "_timestamp"},
        "history": history,
        "commit": config["github_sha"],
        "created_at": (_EPOCH + timedelta(seconds=37 * index)).strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _history(rng: random.Random, steps: int, metrics: int = 3) -> list[dict[str, Any]]:
    """``steps`` rows of a converging training curve, ``metrics`` values a row."""
    extra = metric_names(metrics)[3:]
    quality = rng.uniform(0.8, 1.2)
    rows = []
    for step in range(steps):
        progress = (step + 1) / steps
        loss = quality * (0.2 + math.exp(-4 * progress)) + rng.gauss(0, 0.01)
        rows.append(
            {
                "_step": step,
                "_runtime": 0.5 * step,
                "_timestamp": 1_704_067_200 + 0.5 * step,
                "loss": loss,
                "val_loss": loss * 1.1,
                "val_acc": min(1.0, 0.95 - 0.25 * (loss - 0.2) + rng.gauss(0, 0.005)),
                **{name: loss * (1 + i / 100) for i, name in enumerate(extra)},
            }
        )
    return rows


def _value(rng: random.Random, i: int) -> Any:
    """A config value of a type chosen by the key's position."""
    kind = i % 4
    if kind == 0:
        return rng.choice(("adam", "sgd", "adamw", "lion"))
    if kind == 1:
        return round(10 ** rng.uniform(-5, -1), 8)
    if kind == 2:
        return rng.choice((16, 32, 64, 128, 256))
    return rng.random() < 0.5


def _hex(rng: random.Random, length: int) -> str:
    """A random hexadecimal string (a commit SHA)."""
    return f"{rng.getrandbits(4 * length):0{length}x}"


def _append(store: RunStore, runs: list[dict[str, Any]]) -> None:
    """Add runs built by the store's own builder, without its per-run uniqueness scan.

    ``RunStore.add_run`` looks for a duplicate id by scanning the project (quadratic: 22 s for
    20,000 runs). Ids here are unique by construction, so each run is built by ``add_run`` in a
    scratch store whose project stays empty, then moved into ``store``.
    """
    scratch = RunStore(viewer_entity=store.viewer_entity, viewer_username=store.viewer_username)
    target = store.add_project(ENTITY, PROJECT)
    built = []
    for fields in runs:
        history = fields.pop("history")
        run = scratch.add_run(ENTITY, PROJECT, **fields)
        run["history"] = history  # as given: runs may share one list (the server only reads it)
        built.append(run)
        scratch.projects[ENTITY, PROJECT].runs.clear()
    with store.lock:
        target.runs.extend(built)
