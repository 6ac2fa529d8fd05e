"""GraphQL resolvers for artifacts: ``Artifact``, collections, memberships and connections.

Like ``resolvers.py``, these are plain objects walked by graphql-core's default resolver.
``Initiator`` (``createdBy``) and ``ArtifactCollection`` are abstract types: their objects
carry a name-mangled ``__typename`` (``RunNode``, ``CollectionNode``) or a ``__typename`` key
(the ``User`` dict), which graphql-core's default type resolver reads.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from graphql import GraphQLError, GraphQLResolveInfo

from tests.wandb_server.artifact_store import Collection
from tests.wandb_server.ids import b64

if TYPE_CHECKING:
    from tests.wandb_server.store import RunStore

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "ArtifactNode",
    "CollectionNode",
    "MembershipNode",
    "artifact_connection",
    "connection",
]

DEFAULT_PAGE_SIZE = 50
"""``first`` when a connection is asked for without it (the same for runs)."""
Info = GraphQLResolveInfo
T = TypeVar("T")


def connection(
    store: RunStore,
    items: Sequence[T],
    key: Callable[[T], str],
    node: Callable[[T], Any],
    after: str | None,
    first: int | None,
) -> dict[str, Any]:
    """A relay connection page of ``items``; cursors name an item by ``key``."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if size < 0:
        raise GraphQLError("first must not be negative")
    if store.max_page_size is not None:
        size = min(size, store.max_page_size)
    start = 0
    if after:
        try:
            wanted = json.loads(base64.b64decode(after, validate=True))["id"]
            start = [key(item) for item in items].index(wanted) + 1
        except (ValueError, KeyError, TypeError) as exc:
            raise GraphQLError(f"invalid cursor {after!r}") from exc
    page = items[start : start + size]
    edges = [{"node": node(item), "cursor": b64(json.dumps({"id": key(item)}))} for item in page]
    return {
        "totalCount": len(items),
        "edges": edges,
        "pageInfo": {
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
            "hasNextPage": start + len(page) < len(items),
            "hasPreviousPage": start > 0,
        },
    }


def artifact_connection(
    store: RunStore, artifacts: Sequence[dict[str, Any]], after: str | None, first: int | None
) -> dict[str, Any]:
    """A page of ``ArtifactNode`` edges."""
    return connection(
        store, artifacts, lambda a: a["id"], lambda a: ArtifactNode(store, a), after, first
    )


def _project_node(store: RunStore, entity: str, project: str) -> Any:
    """The ``Project`` node for ``entity/project`` (which exists: artifacts create it)."""
    from tests.wandb_server.resolvers import ProjectNode  # resolvers.py imports this module

    data = store.project(entity, project)
    return None if data is None else ProjectNode(store, data)


def _run_node(store: RunStore, path: str) -> Any:
    """The ``Run`` node for a path ``entity/project/run_id``, or ``None``."""
    from tests.wandb_server.resolvers import ProjectNode, RunNode  # see _project_node

    found = store.artifacts.find_run(path)
    return None if found is None else RunNode(ProjectNode(store, found[0]), found[1])


def _type_node(name: str) -> dict[str, Any]:
    """An ``ArtifactType``."""
    return {"id": b64(f"ArtifactType:{name}"), "name": name}


def _alias_nodes(
    store: RunStore, collection: Collection, membership: dict[str, Any]
) -> list[dict[str, Any]]:
    """``ArtifactAlias`` objects of one membership."""
    return [
        {
            "id": b64(f"ArtifactAlias:{membership['id']}:{alias}"),
            "alias": alias,
            "artifactCollection": CollectionNode(store, collection),
        }
        for alias in membership["aliases"]
    ]


class CollectionNode:
    """An ``ArtifactSequence`` or ``ArtifactPortfolio``."""

    def __init__(self, store: RunStore, collection: Collection) -> None:
        self._store = store
        self._collection = collection
        self.__typename = collection.kind  # read by graphql-core's default type resolver
        self.id = collection.id
        self.name = collection.name
        self.description = None
        self.createdAt = collection.created_at
        self.defaultArtifactType = _type_node(collection.type)

    def project(self, _info: Info) -> Any:
        """``project``."""
        return _project_node(self._store, self._collection.entity, self._collection.project)

    def artifactMemberships(
        self, _info: Info, after: str | None = None, first: int | None = None
    ) -> dict[str, Any]:
        """``artifactMemberships``: newest version first."""
        with self._store.lock:
            members = sorted(self._collection.memberships, key=lambda m: -m["versionIndex"])

        def node(membership: dict[str, Any]) -> MembershipNode:
            return MembershipNode(self._store, self._collection, membership)

        return connection(self._store, members, lambda m: m["id"], node, after, first)


class MembershipNode:
    """An ``ArtifactCollectionMembership``: a version as seen from one collection."""

    def __init__(self, store: RunStore, collection: Collection, membership: dict[str, Any]) -> None:
        self._store = store
        self._collection = collection
        self._membership = membership
        self.id = membership["id"]
        self.versionIndex = membership["versionIndex"]
        self.createdAt = membership["createdAt"]

    def aliases(self, _info: Info) -> list[dict[str, Any]]:
        """``aliases`` in this collection (version aliases are implied, not listed)."""
        with self._store.lock:
            return _alias_nodes(self._store, self._collection, self._membership)

    def artifactCollection(self, _info: Info) -> CollectionNode:
        """``artifactCollection``."""
        return CollectionNode(self._store, self._collection)

    def artifact(self, _info: Info) -> ArtifactNode:
        """``artifact``: the logged version (its sequence may be in another project)."""
        return ArtifactNode(self._store, self._membership["artifact"])


class ArtifactNode:
    """An ``Artifact``: stored fields pass through; relations are methods."""

    _PLAIN = (
        "id",
        "digest",
        "digestAlgorithm",
        "state",
        "versionIndex",
        "description",
        "metadata",
        "commitHash",
        "size",
        "fileCount",
        "historyStep",
        "ttlDurationSeconds",
        "ttlIsInherited",
        "createdAt",
        "updatedAt",
        "tags",
    )

    def __init__(self, store: RunStore, artifact: dict[str, Any]) -> None:
        self._store = store
        self._artifact = artifact
        for name in self._PLAIN:
            setattr(self, name, artifact[name])
        self.artifactType = _type_node(artifact["type"])

    def _sequence(self) -> Collection:
        """The collection the version was logged to."""
        a = self._artifact
        found = self._store.artifacts.collection(a["entity"], a["project"], a["name"])
        assert found is not None
        return found

    def artifactSequence(self, _info: Info) -> CollectionNode:
        """``artifactSequence``."""
        return CollectionNode(self._store, self._sequence())

    def aliases(self, _info: Info) -> list[dict[str, Any]]:
        """``aliases``: in every collection holding the version, each naming its collection."""
        memberships = self._store.artifacts.memberships_of(self._artifact)
        with self._store.lock:
            return [
                alias
                for collection, member in memberships
                for alias in _alias_nodes(self._store, collection, member)
            ]

    def artifactMemberships(
        self, _info: Info, after: str | None = None, first: int | None = None
    ) -> dict[str, Any]:
        """``artifactMemberships``: its sequence membership, then its links."""
        pairs = self._store.artifacts.memberships_of(self._artifact)

        def node(pair: tuple[Collection, dict[str, Any]]) -> MembershipNode:
            return MembershipNode(self._store, *pair)

        return connection(self._store, pairs, lambda pair: pair[1]["id"], node, after, first)

    def createdBy(self, _info: Info) -> Any:
        """``createdBy``: the producing run; null when none or not visible to the viewer."""
        path = self._artifact["createdBy"]
        if path is None or not self._artifact["creatorVisible"]:
            return None
        return _run_node(self._store, path)

    def usedBy(
        self, _info: Info, after: str | None = None, first: int | None = None
    ) -> dict[str, Any]:
        """``usedBy``: the runs that used this version."""
        with self._store.lock:
            runs = [node for p in self._artifact["usedBy"] if (node := _run_node(self._store, p))]
        return connection(self._store, runs, lambda node: node.id, lambda node: node, after, first)
