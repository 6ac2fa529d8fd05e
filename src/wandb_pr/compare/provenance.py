"""Are the numbers comparable, and are they about this code? (pure)

* Data versions: the artifacts each side's runs used as inputs, by name. When both sides used
  an artifact of the same name but not the same content (digest), the runs were evaluated on
  different data. Artifacts whose type names a model or checkpoint are left out: candidates
  and baselines evaluate different models by design.
* Commit mismatches: a run whose config SHA and W&B's recorded git commit disagree was logged
  by code other than its config claims.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wandb_pr.models import ArtifactUse, Run

__all__ = ["DataVersion", "commit_mismatches", "data_versions"]

_NOT_DATA = re.compile(r"model|checkpoint", re.IGNORECASE)
_HEX = re.compile(r"[0-9a-fA-F]{7,64}")


@dataclass(frozen=True)
class DataVersion:
    """The versions of one artifact each side used."""

    name: str
    """The artifact's name, e.g. ``holdout``."""
    type: str
    """Its type, e.g. ``dataset``."""
    candidates: tuple[str, ...]
    """Versions the candidate runs used (``holdout:v3``), sorted; empty if none did."""
    baselines: tuple[str, ...]
    """Versions the baseline runs used, sorted; empty if none did."""
    differs: bool
    """Both sides used it, but not the same content."""


def data_versions(candidates: Sequence[Run], baselines: Sequence[Run]) -> tuple[DataVersion, ...]:
    """The data artifacts used on each side, by name, and whether the sides differ."""
    names = sorted({a.name for run in (*candidates, *baselines) for a in _data(run)})
    versions = []
    for name in names:
        mine = [a for run in candidates for a in _data(run) if a.name == name]
        theirs = [a for run in baselines for a in _data(run) if a.name == name]
        differs = bool(mine and theirs) and _contents(mine) != _contents(theirs)
        kind = (mine or theirs)[0].type
        versions.append(DataVersion(name, kind, _labels(mine), _labels(theirs), differs))
    return tuple(versions)


def commit_mismatches(runs: Iterable[Run], sha_key: str) -> tuple[tuple[str, str], ...]:
    """``(run id, sentence)`` for each run whose config SHA and recorded git commit disagree."""
    found = []
    for run in runs:
        logged = run.config.get(sha_key)
        if not (isinstance(logged, str) and _HEX.fullmatch(logged) and run.commit):
            continue
        a, b = logged.lower(), run.commit.lower()
        if not (a.startswith(b) or b.startswith(a)):
            found.append(
                (
                    run.id,
                    f"Run {run.name} ({run.id}) logged {sha_key} {logged[:12]} but W&B recorded "
                    f"git commit {run.commit[:12]}: its numbers may come from other code than its "
                    "config says.",
                )
            )
    return tuple(found)


def _data(run: Run) -> list[ArtifactUse]:
    """The run's input artifacts that are data, not models."""
    return [a for a in run.artifacts if not _NOT_DATA.search(a.type)]


def _contents(uses: Iterable[ArtifactUse]) -> frozenset[str]:
    """What identifies the content used: the digest, else the version label."""
    return frozenset(a.digest or a.label for a in uses)


def _labels(uses: Iterable[ArtifactUse]) -> tuple[str, ...]:
    """Distinct version labels, sorted by version."""
    unique = {a.label: a.version if a.version is not None else -1 for a in uses}
    return tuple(sorted(unique, key=lambda label: (unique[label], label)))
