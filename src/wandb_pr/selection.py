"""Which runs are candidates and which are baselines, as W&B filters (pure).

The rules, in the original action's words and beyond:

* candidates are the runs whose config ``github_sha`` (the key is configurable) equals the SHA,
  ANDed with config ``secondary_sha`` when given; or the runs with the given ids (ids win over
  a SHA, as they did in the original action);
* beyond the original: a run also matches when W&B's recorded git ``commit`` equals the SHA, so
  nothing needs to be logged; a hexadecimal SHA of 7-39 characters matches as a prefix (both the
  config value and the commit), a 40-character one exactly;
* baselines are the runs with any of the baseline tags, or the given baseline ids, and never a
  candidate: the baseline query excludes the candidate criterion itself (``$nor``), which is the
  original action's exclusion rule generalised (in run-id mode: any tagged run but those ids).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wandb_pr.models import Run
from wandb_pr.settings import ArtifactRef, Settings, is_hex_sha

__all__ = [
    "TREND_PAGE_SIZE",
    "Query",
    "Selection",
    "build_selection",
    "commits_filter",
    "runs_by_commit",
    "runs_of_nearest",
    "trend_selection",
]

FULL_SHA_LENGTH = 40


@dataclass(frozen=True)
class Query:
    """One side of a selection: a W&B filter and how to say it in words."""

    filters: Mapping[str, Any]
    """The W&B filter (MongoDB-style) that selects this side's runs."""
    description: str
    """The filter in words, for reports and for "no runs found" messages."""


@dataclass(frozen=True)
class Selection:
    """Everything a run source needs to fetch one report's runs."""

    entity: str
    """W&B entity."""
    project: str
    """W&B project."""
    candidates: Query
    """The runs under review."""
    baselines: Query | None
    """The runs to compare with; ``None`` when no baseline was asked for."""
    history_keys: tuple[str, ...] = ()
    """Metrics whose history to sample for charts (fetched in the same request as the runs)."""
    history_samples: int = 200
    """Points to sample per metric history."""
    page_size: int = 100
    """Runs per request page."""
    run_ids: tuple[str, ...] = ()
    """Candidate ids the user named (to warn about those not found)."""
    baseline_run_ids: tuple[str, ...] = ()
    """Baseline ids the user named (to warn about those not found)."""
    sha: str | None = None
    """The commit under review, when selecting by commit."""
    notes: tuple[str, ...] = field(default=())
    """Remarks about how inputs were interpreted (e.g. run ids overriding a SHA)."""
    baseline_artifact: ArtifactRef | None = None
    """An artifact version whose producing run is also a baseline (fetched in the same request)."""
    same_budget: bool = False
    """Fetched within the deadline of the report's earlier requests (the trend's query), rather
    than starting it."""

    @property
    def path(self) -> str:
        """``entity/project``."""
        return f"{self.entity}/{self.project}"


def build_selection(
    settings: Settings, *, history_keys: tuple[str, ...] = (), history_samples: int = 200
) -> Selection:
    """Turn validated settings into the candidate and baseline queries."""
    notes: list[str] = []
    if settings.candidate_commits and not settings.run_ids:
        criterion = commits_filter(settings.candidate_commits, settings)
        words = f"runs of the newest of {len(settings.candidate_commits)} earlier commits"
    elif settings.run_ids:
        criterion = _ids_filter(settings.run_ids)
        words = "run id " + ", ".join(settings.run_ids)
        if settings.sha:
            notes.append(
                f"Run ids were given, so runs are not looked up by commit {settings.sha} "
                "(as in machine-learning-apps/wandb-action)."
            )
    else:
        assert settings.sha is not None  # check_settings() guarantees a SHA or run ids
        criterion, words = _sha_filter(settings)

    candidate_filters = _all_of(criterion, settings.candidate_filter)
    if settings.candidate_filter:
        words += " and the extra filter"
    candidates = Query(candidate_filters, words)

    return Selection(
        entity=settings.entity,
        project=settings.project,
        candidates=candidates,
        baselines=_baseline_query(settings, exclude=criterion),
        history_keys=history_keys,
        history_samples=history_samples,
        page_size=settings.page_size,
        run_ids=settings.run_ids,
        baseline_run_ids=settings.baseline_run_ids,
        sha=None if settings.run_ids or settings.candidate_commits else settings.sha,
        notes=tuple(notes),
        baseline_artifact=settings.baseline_artifact,
    )


TREND_PAGE_SIZE = 250
"""Runs per page of the trend's query (or the user's page size, if larger). Its runs carry
summaries only, no history, so pages can be larger than the report's own: 20 commits of a
few seeds each fit one page. A page W&B does not answer in time is asked again smaller."""


def trend_selection(settings: Settings) -> Selection:
    """The finished runs of the trend's base-branch commits, in one query: summaries only."""
    shas = settings.trend_commits
    chosen = _all_of(
        commits_filter(shas, settings), {"state": "finished"}, settings.candidate_filter
    )
    words = f"finished runs of the base branch's last {len(shas)} first-parent commits"
    return Selection(
        entity=settings.entity,
        project=settings.project,
        candidates=Query(chosen, words),
        baselines=None,
        page_size=max(settings.page_size, TREND_PAGE_SIZE),
        same_budget=True,
    )


def _sha_filter(settings: Settings) -> tuple[dict[str, Any], str]:
    """The candidate criterion for a commit: config key (and W&B's recorded commit) match."""
    sha = settings.sha
    assert sha is not None
    key = f"config.{settings.sha_key}"
    alternatives: list[dict[str, Any]]
    if settings.sha_prefix and is_hex_sha(sha) and len(sha) < FULL_SHA_LENGTH:
        prefix = {"$regex": "^" + re.escape(sha.lower())}
        alternatives = [{key: sha}, {key: prefix}]
        words = f"config {settings.sha_key} starting with {sha}"
        if settings.match_commit:
            alternatives.append({"commit": prefix})
            words += f" or git commit starting with {sha}"
    else:
        alternatives = [{key: sha}]
        words = f"config {settings.sha_key} = {sha}"
        if settings.match_commit and is_hex_sha(sha):
            alternatives.append({"commit": sha.lower()})
            words += f" or git commit {sha}"
    merge = settings.merge_sha
    if merge and merge.lower() != sha.lower():
        alternatives.append({key: merge})
        if settings.match_commit and is_hex_sha(merge):
            alternatives.append({"commit": merge.lower()})
        words += f", or the same for the pull request's merge commit {merge}"
    criterion = alternatives[0] if len(alternatives) == 1 else {"$or": alternatives}
    if settings.secondary_sha:
        criterion = {
            "$and": [criterion, {f"config.{settings.secondary_sha_key}": settings.secondary_sha}]
        }
        words += f", with config {settings.secondary_sha_key} = {settings.secondary_sha}"
    return criterion, words


def commits_filter(shas: tuple[str, ...], settings: Settings) -> dict[str, Any]:
    """Runs of any of these commit SHAs (config key, or W&B's recorded git commit); full SHAs
    in one ``$in`` each, abbreviated ones (given by hand) as prefixes."""
    key = f"config.{settings.sha_key}"
    full = [sha for sha in shas if len(sha) >= FULL_SHA_LENGTH or not is_hex_sha(sha)]
    short = [sha.lower() for sha in shas if sha not in full]
    alternatives: list[dict[str, Any]] = []
    if full:
        alternatives.append({key: {"$in": full}})
        if settings.match_commit:
            alternatives.append({"commit": {"$in": [sha.lower() for sha in full]}})
    for prefix in short:
        pattern = {"$regex": "^" + re.escape(prefix)}
        alternatives.append({key: pattern})
        if settings.match_commit:
            alternatives.append({"commit": pattern})
    return alternatives[0] if len(alternatives) == 1 else {"$or": alternatives}


def runs_of_nearest(
    runs: Sequence[Run], commits: Sequence[str], sha_key: str
) -> tuple[int, str, tuple[Run, ...]] | None:
    """The runs of the first commit in ``commits`` that has any: (its position, SHA, runs)."""
    for distance, sha in enumerate(commits):
        matching = tuple(run for run in runs if _run_of(run, sha, sha_key))
        if matching:
            return distance, sha, matching
    return None


def runs_by_commit(
    runs: Sequence[Run], commits: Sequence[str], sha_key: str, *, limit: int
) -> list[tuple[int, str, tuple[Run, ...]]]:
    """The runs of the first ``limit`` commits in ``commits`` that have any: (position, SHA,
    runs) each, in the order of ``commits``; a run belongs to the first commit it matches."""
    found: list[tuple[int, str, tuple[Run, ...]]] = []
    taken: set[str] = set()
    for position, sha in enumerate(commits):
        if len(found) >= limit:
            break
        matching = tuple(r for r in runs if r.id not in taken and _run_of(r, sha, sha_key))
        if matching:
            found.append((position, sha, matching))
            taken.update(r.id for r in matching)
    return found


def _run_of(run: Run, sha: str, sha_key: str) -> bool:
    """Whether a run belongs to commit ``sha`` by config or recorded commit (an abbreviated
    hexadecimal SHA matches as a prefix)."""
    logged = run.config.get(sha_key)
    if logged == sha or (run.commit or "").lower() == sha.lower():
        return True
    if len(sha) >= FULL_SHA_LENGTH or not is_hex_sha(sha):
        return False
    prefix = sha.lower()
    return (isinstance(logged, str) and logged.lower().startswith(prefix)) or (
        run.commit or ""
    ).lower().startswith(prefix)


def _baseline_query(settings: Settings, *, exclude: Mapping[str, Any]) -> Query | None:
    """Runs with a baseline tag or a baseline id that are not candidates, or ``None``."""
    if settings.baseline_commits:
        chosen = commits_filter(settings.baseline_commits, settings)
        base = settings.baseline_commits[0][:7]
        return Query(
            _all_of(chosen, {"state": "finished"}, settings.baseline_filter, {"$nor": [exclude]}),
            f"finished runs of base commit {base} or of the nearest of its "
            f"{len(settings.baseline_commits) - 1} first-parent ancestors that has any"
            + (
                f" (the nearest {settings.baseline_pool} with runs pooled)"
                if settings.baseline_pool > 1
                else ""
            ),
        )
    wanted: list[dict[str, Any]] = []
    words: list[str] = []
    if settings.baseline_tags:
        wanted.append({"tags": {"$in": list(settings.baseline_tags)}})
        words.append("tagged " + " or ".join(settings.baseline_tags))
    if settings.baseline_run_ids:
        wanted.append(_ids_filter(settings.baseline_run_ids))
        words.append("run id " + ", ".join(settings.baseline_run_ids))
    if not wanted:
        return None
    chosen = wanted[0] if len(wanted) == 1 else {"$or": wanted}
    baseline_filters = _all_of(chosen, settings.baseline_filter, {"$nor": [exclude]})
    description = " or ".join(words)
    if settings.baseline_filter:
        description += " and the extra baseline filter"
    return Query(baseline_filters, description + ", excluding the candidates")


def _ids_filter(ids: tuple[str, ...]) -> dict[str, Any]:
    """Select runs by id (W&B calls the id ``name``)."""
    return {"name": ids[0]} if len(ids) == 1 else {"name": {"$in": list(ids)}}


def _all_of(*parts: Mapping[str, Any] | None) -> dict[str, Any]:
    """AND the given filters together, skipping empty ones."""
    present = [dict(p) for p in parts if p]
    if len(present) == 1:
        return present[0]
    return {"$and": present}
