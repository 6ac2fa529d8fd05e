"""GraphQL schema loading (W&B's custom scalars) and the resolvers over a ``RunStore``.

Resolvers are plain objects and dicts walked by graphql-core's default resolver: a callable
attribute is called with the field's arguments under their GraphQL names, which is why some
parameters are camelCase.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    StringValueNode,
    ValueNode,
    build_schema,
    value_from_ast_untyped,
)

from tests.wandb_server.artifact_resolvers import (
    DEFAULT_PAGE_SIZE,
    ArtifactNode,
    CollectionNode,
    MembershipNode,
    artifact_connection,
)
from tests.wandb_server.runs import (
    cursor_index,
    downsample,
    encode_cursor,
    filter_document,
    history_keys,
    in_steps,
    order_runs,
    parse_filters,
)
from tests.wandb_server.store import ProjectData, RunStore, b64
from wandb_pr.filters import matches

__all__ = ["DEFAULT_PAGE_SIZE", "ProjectNode", "QueryRoot", "RunNode", "load_schema"]

Info = GraphQLResolveInfo  # generic over the context type from graphql-core 3.3 on; unused here


def _json_string_out(value: Any) -> str:
    """JSONString output: strings pass through, anything else is encoded (NaN as W&B does)."""
    return value if isinstance(value, str) else json.dumps(value, allow_nan=True)


def _finite(value: Any) -> Any:
    """JSON output for a ``JSON`` scalar: non-finite floats become W&B's strings.

    Outside a JSON *string* a ``NaN`` token would make the whole response invalid JSON (the
    Go client in wandb-core rejects it), so they are spelled ``"NaN"``, ``"Infinity"`` and
    ``"-Infinity"``. (Unverified against W&B's closed-source server.)
    """
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Mapping):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def _json_string_in(value: Any) -> str:
    """JSONString input: must be a string (W&B's client sends ``json.dumps(...)``)."""
    if not isinstance(value, str):
        raise GraphQLError(f"JSONString cannot represent a non-string value: {value!r}")
    return value


def _json_string_literal(node: ValueNode, _variables: Any = None) -> str:
    """JSONString literal: only a GraphQL string literal."""
    if not isinstance(node, StringValueNode):
        raise GraphQLError("JSONString literals must be strings")
    return node.value


def _int64_in(value: Any) -> int:
    """Int64 input: an integer, or a string holding one."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise GraphQLError(f"Int64 cannot represent {value!r}")
    try:
        return int(value)
    except ValueError as exc:
        raise GraphQLError(f"Int64 cannot represent {value!r}") from exc


def _configure(scalar: Any, out: Any, value_in: Any, literal_in: Any) -> None:
    """Install coercers under both graphql-core 3.2 and 3.3 attribute names."""
    scalar.serialize = out
    scalar.parse_value = value_in
    scalar.parse_literal = literal_in
    if hasattr(scalar, "coerce_output_value"):
        scalar.coerce_output_value = out
        scalar.coerce_input_value = value_in
        scalar.coerce_input_literal = lambda node: literal_in(node, None)


@functools.cache
def load_schema() -> GraphQLSchema:
    """The executable schema from ``schema.graphql`` with W&B's custom scalars (built once)."""
    schema = build_schema((Path(__file__).parent / "schema.graphql").read_text(encoding="utf-8"))

    def identity(value: Any) -> Any:
        return value

    def untyped(node: ValueNode, variables: Any = None) -> Any:
        return value_from_ast_untyped(node, variables)

    def int64_literal(node: ValueNode, variables: Any = None) -> int:
        return _int64_in(value_from_ast_untyped(node, variables))

    scalars = schema.type_map
    _configure(scalars["JSONString"], _json_string_out, _json_string_in, _json_string_literal)
    _configure(scalars["JSON"], _finite, identity, untyped)
    _configure(scalars["DateTime"], identity, identity, untyped)
    _configure(scalars["Int64"], int, _int64_in, int64_literal)
    return schema


class QueryRoot:
    """The ``Query`` type."""

    def __init__(self, store: RunStore) -> None:
        self.store = store

    def project(self, _info: Info, name: str, entityName: str | None = None) -> ProjectNode | None:
        """``project(name, entityName)``: null when it does not exist."""
        data = self.store.project(entityName or self.store.viewer_entity, name)
        return None if data is None else ProjectNode(self.store, data)

    def viewer(self, _info: Info) -> dict[str, Any]:
        """``viewer``: the user the API key belongs to."""
        with self.store.lock:
            teams = sorted(
                {entity for entity, _ in self.store.projects} | {self.store.viewer_entity}
            )
        username = self.store.viewer_username
        return {
            "id": b64(f"User:{username}"),
            "name": "Test User",
            "username": username,
            "email": f"{username}@example.com",
            "entity": self.store.viewer_entity,
            "flags": "{}",
            "teams": {"edges": [{"node": _entity(self.store, team)} for team in teams]},
            "organizations": [
                _organization(self.store, org)
                for org in self.store.artifacts.organizations
                if self.store.viewer_entity in org["teams"]
            ],
        }

    def serverInfo(self, _info: Info) -> dict[str, Any]:
        """``serverInfo``: no optional server features are enabled."""
        return {"features": [], "cliVersionInfo": {}, "latestLocalVersionInfo": None}

    def entity(self, _info: Info, name: str) -> dict[str, Any] | None:
        """``entity(name)``: any entity owning a project, an organization's, or the viewer's."""
        with self.store.lock:
            known = {entity for entity, _ in self.store.projects} | {self.store.viewer_entity}
            known |= {org["entity"] for org in self.store.artifacts.organizations}
        return _entity(self.store, name) if name in known else None

    def artifact(self, _info: Info, id: str) -> ArtifactNode | None:
        """``artifact(id)``: null when no artifact has that id."""
        found = self.store.artifacts.by_id(id)
        return None if found is None else ArtifactNode(self.store, found)


def _entity(store: RunStore, name: str) -> dict[str, Any]:
    """An ``Entity`` object (a team; its organization is resolved when asked for)."""
    org = store.artifacts.organization_of(name)
    return {
        "id": b64(f"Entity:{name}"),
        "name": name,
        "isTeam": True,
        "user": None,
        "organization": lambda _info: None if org is None else _organization(store, org),
    }


def _organization(store: RunStore, org: Mapping[str, Any]) -> dict[str, Any]:
    """An ``Organization`` object."""
    return {
        "id": org["id"],
        "name": org["name"],
        "orgEntity": lambda _info: _entity(store, org["entity"]),
    }


class ProjectNode:
    """A ``Project``."""

    def __init__(self, store: RunStore, data: ProjectData) -> None:
        self.store = store
        self.data = data
        self.id = b64(f"Project:v1:{data.name}:{data.entity}")
        self.internalId = str(data.internal_id)
        self.name = data.name
        self.entityName = data.entity
        self.entity = _entity(store, data.entity)
        self.createdAt = data.created_at
        self.description = None
        self.readOnly = False

    def _selected(self, filters: str | None) -> list[dict[str, Any]]:
        """The project's runs matching ``filters``, in insertion order."""
        spec = parse_filters(filters)
        with self.store.lock:
            runs = list(self.data.runs)
        return [run for run in runs if matches(spec, filter_document(run))]

    def runCount(self, _info: Info, filters: str | None = None) -> int:
        """``runCount(filters)``."""
        return len(self._selected(filters))

    def runs(
        self,
        _info: Info,
        filters: str | None = None,
        after: str | None = None,
        first: int | None = None,
        order: str | None = None,
    ) -> dict[str, Any]:
        """``runs(filters, after, first, order)``: a cursor-paginated connection."""
        ordered = order_runs(self._selected(filters), order)
        size = DEFAULT_PAGE_SIZE if first is None else first
        if size < 0:
            raise GraphQLError("first must not be negative")
        if self.store.max_page_size is not None:
            size = min(size, self.store.max_page_size)
        start = 0 if not after else cursor_index(ordered, after) + 1
        page = ordered[start : start + size]
        edges = [{"node": RunNode(self, run), "cursor": encode_cursor(run)} for run in page]
        return {
            "totalCount": len(ordered),
            "edges": edges,
            "pageInfo": {
                "startCursor": edges[0]["cursor"] if edges else None,
                "endCursor": edges[-1]["cursor"] if edges else None,
                "hasNextPage": start + len(page) < len(ordered),
                "hasPreviousPage": start > 0,
            },
        }

    def run(self, _info: Info, name: str) -> RunNode | None:
        """``run(name)``: by run id; null when absent."""
        with self.store.lock:
            found = next((run for run in self.data.runs if run["name"] == name), None)
        return None if found is None else RunNode(self, found)

    def artifactCollectionMembership(self, _info: Info, name: str) -> MembershipNode | None:
        """``artifactCollectionMembership(name: "coll:alias" | "coll:vN")``: null when absent."""
        found = self.store.artifacts.membership(self.data.entity, self.data.name, name)
        return None if found is None else MembershipNode(self.store, *found)

    def artifact(self, _info: Info, name: str) -> ArtifactNode | None:
        """``artifact(name: "coll:alias" | "coll:vN")``: the version itself; null when absent."""
        found = self.store.artifacts.membership(self.data.entity, self.data.name, name)
        return None if found is None else ArtifactNode(self.store, found[1]["artifact"])

    def artifactCollection(self, _info: Info, name: str) -> CollectionNode | None:
        """``artifactCollection(name)``: a sequence or portfolio; null when absent."""
        found = self.store.artifacts.collection(self.data.entity, self.data.name, name)
        return None if found is None else CollectionNode(self.store, found)


class RunNode:
    """A ``Run``: stored fields pass through; encoded and computed fields are methods."""

    __typename = "Run"  # names the member of the ``Initiator`` union (``createdBy``)

    def __init__(self, project: ProjectNode, run: dict[str, Any]) -> None:
        self._project = project
        self._run = run

    def __getattr__(self, name: str) -> Any:
        """Plain stored fields (``displayName``, ``state``, ...)."""
        try:
            return self.__dict__["_run"][name]
        except KeyError:
            raise AttributeError(name) from None

    def project(self, _info: Info) -> ProjectNode:
        """``project``."""
        return self._project

    def projectId(self, _info: Info) -> int:
        """``projectId``: the project's internal id."""
        return self._project.data.internal_id

    def _path(self) -> str:
        """``entity/project/run_id``: how the artifact store names the run."""
        data = self._project.data
        return f"{data.entity}/{data.name}/{self._run['name']}"

    def inputArtifacts(
        self, _info: Info, after: str | None = None, first: int | None = None
    ) -> dict[str, Any]:
        """``inputArtifacts(after, first)``: the artifact versions this run used."""
        store = self._project.store
        return artifact_connection(store, store.artifacts.inputs_of(self._path()), after, first)

    def outputArtifacts(
        self, _info: Info, after: str | None = None, first: int | None = None
    ) -> dict[str, Any]:
        """``outputArtifacts(after, first)``: the artifact versions this run logged."""
        store = self._project.store
        return artifact_connection(store, store.artifacts.outputs_of(self._path()), after, first)

    def files(
        self,
        _info: Info,
        names: list[str] | None = None,
        after: str | None = None,
        first: int | None = None,
        pattern: str | None = None,
    ) -> dict[str, Any]:
        """``files(names, after, first)``: the run's saved files, those named only if any are
        (``pattern``, a SQL ``LIKE`` in W&B, is not supported and refused)."""
        if pattern:
            raise GraphQLError("files(pattern:) is not supported by the test server")
        saved = sorted(self._run.get("files", {}).items())
        chosen = [(n, size) for n, size in saved if not names or n in names]
        start = int(after) + 1 if after else 0
        page = chosen[start : None if first is None else start + first]
        edges = [
            {
                "cursor": str(start + i),
                "node": {
                    "id": b64(f"File:{self._path()}/{n}"),
                    "name": n,
                    "sizeBytes": size,
                    "mimetype": "text/plain",
                    "updatedAt": self._run["updatedAt"],
                    "md5": None,
                    "url": f"https://storage.test.invalid/{self._path()}/{n}",
                    "directUrl": f"https://storage.test.invalid/{self._path()}/{n}",
                },
            }
            for i, (n, size) in enumerate(page)
        ]
        return {
            "edges": edges,
            "pageInfo": {
                "startCursor": edges[0]["cursor"] if edges else None,
                "endCursor": edges[-1]["cursor"] if edges else None,
                "hasNextPage": start + len(page) < len(chosen),
                "hasPreviousPage": start > 0,
            },
        }

    def fileCount(self, _info: Info) -> int:
        """``fileCount``: how many files the run saved."""
        return len(self._run.get("files", {}))

    def config(self, _info: Info) -> str:
        """``config``: wrapped values as a JSON string."""
        return _json_string_out(self._run["config"])

    def historyLineCount(self, _info: Info) -> int:
        """``historyLineCount``."""
        return len(self._run["history"])

    def historyKeys(self, _info: Info) -> dict[str, Any]:
        """``historyKeys``."""
        return history_keys(self._run["history"])

    def history(
        self,
        _info: Info,
        samples: int | None = None,
        minStep: int | None = None,
        maxStep: int | None = None,
    ) -> list[str]:
        """``history``: whole rows as JSON strings, within the step range, down-sampled."""
        rows = [row for row in self._run["history"] if in_steps(row, minStep, maxStep)]
        return [_json_string_out(row) for row in downsample(rows, samples)]

    def events(self, _info: Info, samples: int | None = None) -> list[str]:
        """``events``: system-metric rows as JSON strings, down-sampled."""
        return [_json_string_out(row) for row in downsample(self._run["events"], samples)]

    def sampledHistory(self, _info: Info, specs: list[str]) -> list[Any]:
        """``sampledHistory``: per spec, rows holding every requested key, only those keys."""
        answers = []
        for raw in specs:
            try:
                spec = json.loads(raw)
                keys = list(spec["keys"])
            except (ValueError, KeyError, TypeError) as exc:
                raise GraphQLError(f"invalid sampledHistory spec {raw!r}") from exc
            rows = [
                {key: row[key] for key in keys}
                for row in self._run["history"]
                if all(key in row for key in keys)
                and in_steps(row, spec.get("minStep"), spec.get("maxStep"))
            ]
            answers.append(downsample(rows, spec.get("samples")))
        return answers
