"""The GraphQL documents wandb-pr sends to W&B, and the decoding of their answers into runs.

One document fetches a page of candidates and a page of baselines at once, as two aliased
``project { runs(...) }`` fields, asking for exactly the fields a report uses: ``config`` and
``summaryMetrics`` come with the list (no per-run follow-up request), and on the first page
``sampledHistory`` for the chart metrics. The other asks for the history of chosen runs, by
name (``{"name": {"$in": [...]}}``), once the comparison knows which runs and metrics a chart
will draw.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeGuard

from wandb_pr.errors import WandbQueryError
from wandb_pr.models import ArtifactUse, HistoryPoint, Run, RunState
from wandb_pr.sources.wandb_keys import DIFF_FILE, INTERNAL_CONFIG_KEYS

__all__ = [
    "HISTORY_DOCUMENT",
    "INTERNAL_CONFIG_KEYS",
    "as_mapping",
    "build_document",
    "history_specs",
    "parse_history",
    "parse_run",
    "unwrap_config",
]

ARTIFACTS_PER_RUN = 50
"""Input artifacts read per run (an evaluation run uses a handful; more are left out)."""

_RUN_FIELDS = (
    "name displayName state tags group jobType commit createdAt description "
    "user { username } config summaryMetrics "
    f"inputArtifacts(first: {ARTIFACTS_PER_RUN}) {{ edges {{ node {{ versionIndex digest "
    "artifactType { name } artifactSequence { name project { name entity { name } } } "
    "aliases { alias } } } } "
    f'files(names: ["{DIFF_FILE}"]) {{ edges {{ node {{ name sizeBytes }} }} }}'
)


def build_document(sides: Sequence[str], *, with_history: bool, with_artifact: bool = False) -> str:
    """A query fetching one page of runs for each named side (``candidates``, ``baselines``).

    ``with_artifact`` adds the artifact version named by ``$artifactName`` in
    ``$artifactEntity/$artifactProject``, with the run that produced it, in full.
    """
    variables = ["$entity: String!", "$project: String!", "$first: Int!"]
    fields = []
    if with_artifact:
        variables += ["$artifactEntity: String!", "$artifactProject: String!"]
        variables.append("$artifactName: String!")
        fields.append(
            "  artifact: project(name: $artifactProject, entityName: $artifactEntity) {\n"
            "    artifactCollectionMembership(name: $artifactName) {\n"
            "      versionIndex artifact { digest createdBy { __typename ... on Run {\n"
            "        ...RunFields project { name entity { name } } } } }\n"
            "    }\n"
            "  }"
        )
    for side in sides:
        variables += [f"${side}Filters: JSONString", f"${side}Cursor: String"]
        fields.append(
            f"  {side}: project(name: $project, entityName: $entity) {{\n"
            f"    runs(filters: ${side}Filters, after: ${side}Cursor, first: $first, "
            'order: "+created_at") {\n'
            "      edges { cursor node { ...RunFields } }\n"
            "      pageInfo { endCursor hasNextPage }\n"
            "    }\n"
            "  }"
        )
    history = ""
    if with_history:
        variables.append("$historySpecs: [JSONString!]!")
        history = " sampledHistory(specs: $historySpecs)"
    return (
        f"query WandbPrRuns({', '.join(variables)}) {{\n"
        + "\n".join(fields)
        + f"\n}}\n\nfragment RunFields on Run {{ {_RUN_FIELDS}{history} }}\n"
    )


HISTORY_DOCUMENT = """query WandbPrHistory($entity: String!, $project: String!,
    $filters: JSONString, $first: Int!, $historySpecs: [JSONString!]!) {
  history: project(name: $project, entityName: $entity) {
    runs(filters: $filters, first: $first) {
      edges { node { name sampledHistory(specs: $historySpecs) } }
    }
  }
}
"""
"""The history of the runs a filter names (no cursor: the caller asks for all of them)."""


def history_specs(keys: Iterable[str], samples: int) -> list[str]:
    """One ``sampledHistory`` spec per metric, so a metric logged at other steps is not lost."""
    return [json.dumps({"keys": ["_step", key], "samples": samples}) for key in keys]


def parse_run(
    node: Mapping[str, Any],
    *,
    entity: str,
    project: str,
    app_url: str,
    history_keys: Sequence[str],
) -> Run:
    """Decode one run node of the answer."""
    run_id = node.get("name")
    if not isinstance(run_id, str) or not run_id:
        raise WandbQueryError(
            f"W&B answered a run without an id in {entity}/{project}.",
            tip="This is unexpected from W&B; re-run with --debug and report it.",
        )
    user = node.get("user")
    state, state_text = RunState.read(node.get("state"))
    return Run(
        id=run_id,
        name=_text(node.get("displayName")) or run_id,
        entity=entity,
        project=project,
        state=state,
        state_text=state_text,
        url=f"{app_url}/{entity}/{project}/runs/{run_id}",
        tags=tuple(t for t in _list(node.get("tags")) if isinstance(t, str)),
        group=_text(node.get("group")),
        job_type=_text(node.get("jobType")),
        commit=_text(node.get("commit")),
        created_at=_text(node.get("createdAt")),
        notes=_text(node.get("description")),
        user=_text(user.get("username")) if isinstance(user, Mapping) else None,
        config=unwrap_config(_json_object(node.get("config"), "config", run_id)),
        summary=_json_object(node.get("summaryMetrics"), "summaryMetrics", run_id),
        history=parse_history(node.get("sampledHistory"), history_keys),
        artifacts=_artifacts(node.get("inputArtifacts")),
        uncommitted_bytes=_diff_size(node.get("files")),
    )


def _diff_size(raw: object) -> int | None:
    """The size of the run's ``diff.patch`` among its ``files``, or ``None`` without one."""
    edges = as_mapping(raw).get("edges")
    for edge in edges if isinstance(edges, list) else ():
        node = as_mapping(as_mapping(edge).get("node"))
        size = node.get("sizeBytes")
        if node.get("name") == DIFF_FILE and isinstance(size, int) and not isinstance(size, bool):
            return max(size, 0) or None
    return None


def unwrap_config(raw: Mapping[str, Any]) -> dict[str, Any]:
    """W&B wraps every config value as ``{"value": v, "desc": ...}``; keep ``v``, drop internals."""
    config = {}
    for key, wrapped in raw.items():
        if key in INTERNAL_CONFIG_KEYS:
            continue
        is_wrapped = isinstance(wrapped, Mapping) and "value" in wrapped
        config[key] = wrapped["value"] if is_wrapped else wrapped
    return config


def _json_object(raw: object, field: str, run_id: str) -> dict[str, Any]:
    """Decode a JSON-string field (W&B writes NaN and Infinity, which Python's json accepts)."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, Mapping):
        return dict(raw)
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise WandbQueryError(
                f"W&B answered run {run_id} with a {field} that is not JSON: {exc}"
            ) from exc
        if isinstance(value, dict):
            return value
    raise WandbQueryError(f"W&B answered run {run_id} with a {field} that is not an object.")


def parse_history(raw: object, keys: Sequence[str]) -> dict[str, tuple[HistoryPoint, ...]]:
    """Turn ``sampledHistory``'s one-list-per-spec answer into finite points per metric."""
    if not isinstance(raw, list):
        return {}
    history: dict[str, tuple[HistoryPoint, ...]] = {}
    for key, rows in zip(keys, raw, strict=False):
        points = []
        for row in rows if isinstance(rows, list) else ():
            if not isinstance(row, Mapping):
                continue
            step, value = row.get("_step"), row.get(key)
            if _finite(step) and _finite(value):
                points.append((float(step), float(value)))
        if points:
            history[key] = tuple(sorted(points))
    return history


def _artifacts(raw: object) -> tuple[ArtifactUse, ...]:
    """The used artifacts of an ``inputArtifacts`` connection (malformed entries are skipped)."""
    edges = raw.get("edges") if isinstance(raw, Mapping) else None
    used = []
    for edge in edges if isinstance(edges, list) else ():
        node = edge.get("node") if isinstance(edge, Mapping) else None
        if not isinstance(node, Mapping):
            continue
        sequence = as_mapping(node.get("artifactSequence"))
        name = _text(sequence.get("name"))
        if name is None:
            continue
        project = as_mapping(sequence.get("project"))
        entity = _text(as_mapping(project.get("entity")).get("name"))
        project_name = _text(project.get("name"))
        version = node.get("versionIndex")
        aliases = node.get("aliases")
        used.append(
            ArtifactUse(
                name=name,
                version=version
                if isinstance(version, int) and not isinstance(version, bool)
                else None,
                type=_text(as_mapping(node.get("artifactType")).get("name")) or "unknown",
                digest=_text(node.get("digest")),
                aliases=tuple(
                    a["alias"]
                    for a in (aliases if isinstance(aliases, list) else ())
                    if isinstance(a, Mapping) and isinstance(a.get("alias"), str)
                ),
                project=f"{entity}/{project_name}" if entity and project_name else None,
            )
        )
    return tuple(used)


def as_mapping(value: object) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def _finite(value: object) -> TypeGuard[float]:
    """A real, finite number (bools are not numbers here; nor are ints beyond the float range)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _list(value: object) -> list[Any]:
    """``value`` if it is a list, else an empty one (answers are checked, not trusted)."""
    return value if isinstance(value, list) else []


def _text(value: object) -> str | None:
    """A non-empty string, or ``None``."""
    return value if isinstance(value, str) and value else None
