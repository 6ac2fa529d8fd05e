"""In-memory W&B artifacts: collections, versions (memberships), aliases, lineage, orgs.

An artifact version is a plain dict in W&B's field names (``id``, ``versionIndex``, ``digest``,
``state``, ``createdAt``, ...) plus ``entity``, ``project``, ``name`` (its sequence), ``type``,
``aliases`` (its aliases in its own sequence, kept current), ``createdBy`` and ``usedBy`` (run
paths ``entity/project/run_id``) and ``creatorVisible``.

A *collection* is an ``ArtifactSequence`` (where versions are logged) or an
``ArtifactPortfolio`` (where versions are linked, as W&B Registry does). Each collection holds
memberships: ``{"id", "versionIndex", "aliases", "createdAt", "artifact"}``. Aliases are unique
in a collection (giving one to a new version moves it) and ``latest`` always names the highest
version. Version aliases (``v3``) are implied by ``versionIndex`` and never stored.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from tests.wandb_server.ids import b64

if TYPE_CHECKING:
    from tests.wandb_server.store import ProjectData, RunStore

__all__ = ["ArtifactStore", "Collection", "CollectionKind", "split_member_name"]

CollectionKind = Literal["ArtifactSequence", "ArtifactPortfolio"]
_VERSION = re.compile(r"v(\d+)")
_STATES = ("PENDING", "COMMITTED", "DELETED")


def _checked_aliases(aliases: Iterable[str]) -> list[str]:
    """Distinct aliases without ``latest``; a version alias or a malformed one is an error."""
    wanted = [alias for alias in dict.fromkeys(aliases) if alias != "latest"]
    for alias in wanted:
        if _VERSION.fullmatch(alias) or not alias or ":" in alias or "/" in alias:
            raise ValueError(f"invalid alias {alias!r} (version aliases are implied)")
    return wanted


def split_member_name(name: str) -> tuple[str, str] | None:
    """``"model:production"`` into ``("model", "production")``; ``None`` without an alias."""
    collection, sep, alias = name.rpartition(":")
    return (collection, alias) if sep and collection and alias else None


@dataclass
class Collection:
    """One artifact collection and its memberships (in the order they were added)."""

    id: str
    entity: str
    project: str
    name: str
    type: str
    kind: CollectionKind
    created_at: str
    memberships: list[dict[str, Any]] = field(default_factory=list)

    def member(self, alias_or_version: str) -> dict[str, Any] | None:
        """The membership ``vN`` or the one carrying the alias, or ``None``."""
        version = _VERSION.fullmatch(alias_or_version)
        for membership in self.memberships:
            if version and membership["versionIndex"] == int(version.group(1)):
                return membership
            if not version and alias_or_version in membership["aliases"]:
                return membership
        return None


class ArtifactStore:
    """Artifacts, collections and organizations beside a ``RunStore`` (sharing its lock)."""

    def __init__(self, runs: RunStore) -> None:
        self.runs = runs
        self.collections: dict[tuple[str, str, str], Collection] = {}
        self.artifacts: list[dict[str, Any]] = []
        self.organizations: list[dict[str, Any]] = []
        self._memberships = 0

    # --- building ----------------------------------------------------------------------------

    def add_artifact(
        self,
        entity: str,
        project: str,
        name: str,
        type: str,
        *,
        digest: str | None = None,
        aliases: Iterable[str] = (),
        created_by: str | None = None,
        used_by: Iterable[str] = (),
        version: int | None = None,
        created_at: str | None = None,
        state: str = "COMMITTED",
        creator_visible: bool = True,
        metadata: Mapping[str, Any] | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        """Log version ``version`` (default: the next) of ``entity/project/name``; return it.

        ``digest`` defaults to a hash of the path and version (so every version differs; give
        the same digest to two artifacts of different collections for identical content). A
        digest already logged in the same collection is an error: W&B would reuse that version.
        ``aliases`` move here from other versions; ``latest`` is ignored (it always names
        the highest version). ``created_by`` and ``used_by`` name runs as ``run_id`` (in this
        project) or ``entity/project/run_id``; the runs must exist. ``creator_visible=False``
        makes ``createdBy`` resolve to null, as for a producing run the viewer cannot read.
        Nothing is stored when an argument is rejected (``ValueError``).
        """
        if state not in _STATES:
            raise ValueError(f"state must be one of {_STATES}, not {state!r}")
        wanted = _checked_aliases(aliases)
        with self.runs.lock:
            creator = self._run_path(entity, project, created_by) if created_by else None
            users = [self._run_path(entity, project, run) for run in used_by]
            existing = self._checked_collection(entity, project, name, type, "ArtifactSequence")
            members = existing.memberships if existing else []
            taken = {m["versionIndex"] for m in members}
            index = version if version is not None else max(taken, default=-1) + 1
            if index < 0 or index in taken:
                raise ValueError(f"{entity}/{project}/{name}:v{index} already exists or is < 0")
            if digest is None:
                digest = hashlib.sha256(f"{entity}/{project}/{name}:v{index}".encode()).hexdigest()
                digest = digest[:32]
            for member in members:
                if member["artifact"]["digest"] == digest:
                    raise ValueError(f"digest {digest} is already v{member['versionIndex']}")
            self.runs.add_project(entity, project)
            sequence = existing or self._new_collection(
                entity, project, name, type, "ArtifactSequence"
            )
            created = created_at or self.runs.next_timestamp()
            artifact: dict[str, Any] = {
                "id": b64(f"Artifact:{len(self.artifacts) + 1}"),
                "entity": entity,
                "project": project,
                "name": name,
                "type": type,
                "versionIndex": index,
                "digest": digest,
                "digestAlgorithm": "MANIFEST_MD5",
                "state": state,
                "createdAt": created,
                "updatedAt": created,
                "description": description,
                "metadata": json.dumps(dict(metadata or {})),
                "commitHash": None,
                "size": 0,
                "fileCount": 0,
                "historyStep": None,
                "ttlDurationSeconds": -1,
                "ttlIsInherited": True,
                "tags": [],
                "aliases": [],
                "createdBy": creator,
                "creatorVisible": creator_visible,
                "usedBy": list(dict.fromkeys(users)),
            }
            self.artifacts.append(artifact)
            membership = self._add_membership(sequence, artifact, index, wanted, created)
            artifact["aliases"] = membership["aliases"]  # the same list: it stays current
            return artifact

    def link_artifact(
        self,
        artifact: Mapping[str, Any] | str,
        entity: str,
        project: str,
        name: str | None = None,
        *,
        aliases: Iterable[str] = (),
        created_at: str | None = None,
    ) -> dict[str, Any]:
        """Link a logged version into the portfolio ``entity/project/name`` (a registry).

        ``name`` defaults to the artifact's own collection name. The link gets the next
        version index of the portfolio. Returns the membership dict.
        """
        wanted = _checked_aliases(aliases)
        with self.runs.lock:
            stored = self._artifact(artifact)
            target = name or stored["name"]
            kind: CollectionKind = "ArtifactPortfolio"
            existing = self._checked_collection(entity, project, target, stored["type"], kind)
            members = existing.memberships if existing else []
            if any(m["artifact"] is stored for m in members):
                raise ValueError(f"{stored['id']} is already linked to {entity}/{project}/{target}")
            self.runs.add_project(entity, project)
            portfolio = existing or self._new_collection(
                entity, project, target, stored["type"], kind
            )
            index = max((m["versionIndex"] for m in members), default=-1) + 1
            created = created_at or self.runs.next_timestamp()
            return self._add_membership(portfolio, stored, index, wanted, created)

    def use_artifact(self, artifact: Mapping[str, Any] | str, *runs: str) -> None:
        """Record that each run (``run_id`` in the artifact's project, or a path) used it."""
        with self.runs.lock:
            stored = self._artifact(artifact)
            for run in runs:
                path = self._run_path(stored["entity"], stored["project"], run)
                if path not in stored["usedBy"]:
                    stored["usedBy"].append(path)

    def add_organization(
        self, name: str, entity: str, *, teams: Iterable[str] | None = None
    ) -> dict[str, Any]:
        """An organization ``name`` whose registry entity is ``entity``, owning ``teams``.

        ``teams`` defaults to the viewer's entity: ``entity(name: team) { organization }`` then
        answers this organization, which is how the wandb client finds a registry's entity.
        """
        with self.runs.lock:
            org = {
                "id": b64(f"Organization:{name}"),
                "name": name,
                "entity": entity,
                "teams": list(teams) if teams is not None else [self.runs.viewer_entity],
            }
            self.organizations.append(org)
            return org

    # --- lookups -----------------------------------------------------------------------------

    def collection(self, entity: str, project: str, name: str) -> Collection | None:
        """The collection ``entity/project/name``, or ``None``."""
        with self.runs.lock:
            return self.collections.get((entity, project, name))

    def membership(
        self, entity: str, project: str, name: str
    ) -> tuple[Collection, dict[str, Any]] | None:
        """The collection and membership ``name`` (``coll:alias`` or ``coll:vN``), or ``None``."""
        parts = split_member_name(name)
        found = self.collection(entity, project, parts[0]) if parts else None
        with self.runs.lock:
            member = found.member(parts[1]) if found and parts else None
            return (found, member) if found and member else None

    def by_id(self, artifact_id: str) -> dict[str, Any] | None:
        """The artifact with W&B id ``artifact_id``, or ``None``."""
        with self.runs.lock:
            return next((a for a in self.artifacts if a["id"] == artifact_id), None)

    def memberships_of(
        self, artifact: Mapping[str, Any]
    ) -> list[tuple[Collection, dict[str, Any]]]:
        """Every (collection, membership) holding the artifact: its sequence first, then links."""
        with self.runs.lock:
            found = [
                (collection, member)
                for collection in self.collections.values()
                for member in collection.memberships
                if member["artifact"] is artifact
            ]
        return sorted(found, key=lambda pair: pair[0].kind != "ArtifactSequence")

    def inputs_of(self, run_path: str) -> list[dict[str, Any]]:
        """Artifacts the run used, in the order they were logged."""
        with self.runs.lock:
            return [a for a in self.artifacts if run_path in a["usedBy"]]

    def outputs_of(self, run_path: str) -> list[dict[str, Any]]:
        """Artifacts the run logged, in the order they were logged."""
        with self.runs.lock:
            return [a for a in self.artifacts if a["createdBy"] == run_path]

    def organization_of(self, entity: str) -> dict[str, Any] | None:
        """The organization owning team ``entity`` (or whose registry entity it is)."""
        with self.runs.lock:
            return next(
                (o for o in self.organizations if entity in o["teams"] or entity == o["entity"]),
                None,
            )

    def find_run(self, path: str) -> tuple[ProjectData, dict[str, Any]] | None:
        """The project and run a path ``entity/project/run_id`` names, or ``None``."""
        entity, project, run_id = path.split("/", 2)
        with self.runs.lock:
            data = self.runs.project(entity, project)
            run = next((r for r in data.runs if r["name"] == run_id), None) if data else None
            return (data, run) if data is not None and run is not None else None

    # --- internals ---------------------------------------------------------------------------

    def _checked_collection(
        self, entity: str, project: str, name: str, type: str, kind: CollectionKind
    ) -> Collection | None:
        """The existing collection (its kind and type must agree), or ``None`` for a new one."""
        if not name or ":" in name or "/" in name:
            raise ValueError(f"invalid artifact collection name {name!r}")
        found = self.collections.get((entity, project, name))
        if found is not None and (found.kind, found.type) != (kind, type):
            raise ValueError(f"{entity}/{project}/{name} is a {found.kind} of type {found.type}")
        return found

    def _new_collection(
        self, entity: str, project: str, name: str, type: str, kind: CollectionKind
    ) -> Collection:
        """Create and store an empty collection."""
        number = len(self.collections) + 1
        created = self.runs.next_timestamp()
        collection = Collection(
            b64(f"ArtifactCollection:{number}"), entity, project, name, type, kind, created
        )
        self.collections[(entity, project, name)] = collection
        return collection

    def _add_membership(
        self,
        collection: Collection,
        artifact: dict[str, Any],
        index: int,
        wanted: list[str],
        created: str,
    ) -> dict[str, Any]:
        """Add a membership; move its aliases from other versions; recompute ``latest``."""
        self._memberships += 1
        for other in collection.memberships:
            other["aliases"][:] = [a for a in other["aliases"] if a not in wanted]
        membership: dict[str, Any] = {
            "id": b64(f"ArtifactCollectionMembership:{self._memberships}"),
            "versionIndex": index,
            "aliases": wanted,
            "createdAt": created,
            "artifact": artifact,
        }
        collection.memberships.append(membership)
        newest = max(collection.memberships, key=lambda m: m["versionIndex"])
        for other in collection.memberships:
            if "latest" in other["aliases"] and other is not newest:
                other["aliases"].remove("latest")
        if "latest" not in newest["aliases"]:
            newest["aliases"].append("latest")
        return membership

    def _artifact(self, artifact: Mapping[str, Any] | str) -> dict[str, Any]:
        """The stored artifact for a dict returned by ``add_artifact`` or an id."""
        wanted = artifact if isinstance(artifact, str) else artifact["id"]
        found = self.by_id(wanted)
        if found is None:
            raise ValueError(f"no artifact with id {wanted!r}")
        return found

    def _run_path(self, entity: str, project: str, ref: str) -> str:
        """``entity/project/run_id`` for a run id or path; the run must exist."""
        path = ref if ref.count("/") == 2 else f"{entity}/{project}/{ref}"
        if self.find_run(path) is None:
            raise ValueError(f"no run {path!r}: add it with add_run first")
        return path
