"""Keep the W&B test server's artifacts honest: the real wandb client and raw GraphQL."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.wandb_server import WandbTestServer

DIGEST_X = "0f6c2b1f" * 4  # the content both a and b trained on

ARTIFACT_FIELDS = """
  id digest state versionIndex createdAt
  artifactType { name }
  artifactSequence { __typename name project { name entity { name } } }
  aliases { alias artifactCollection { __typename name } }
"""

IN_LIST_QUERY = f"""
query RunsWithLineage($first: Int) {{
  project(name: "detector", entityName: "acme") {{
    runs(first: $first) {{
      edges {{ cursor node {{
        name
        inputArtifacts(first: 50) {{
          totalCount pageInfo {{ endCursor hasNextPage }}
          edges {{ cursor node {{ {ARTIFACT_FIELDS} }} }}
        }}
        outputArtifacts(first: 50) {{ totalCount edges {{ node {{ id versionIndex }} }} }}
      }} }}
    }}
  }}
}}
"""

MEMBERSHIP_QUERY = f"""
query Member($entity: String!, $project: String!, $name: String!) {{
  project(name: $project, entityName: $entity) {{
    artifactCollectionMembership(name: $name) {{
      versionIndex aliases {{ alias }}
      artifactCollection {{ __typename name project {{ name entity {{ name }} }} }}
      artifact {{ {ARTIFACT_FIELDS} }}
    }}
    artifact(name: $name) {{ id }}
  }}
}}
"""

CREATED_BY_QUERY = """
query CreatedBy($id: ID!) {
  artifact(id: $id) {
    createdBy { __typename ... on Run { name project { name entity { name } } } }
    usedBy { totalCount edges { node { name } } }
  }
}
"""


def _seed(server: WandbTestServer) -> dict[str, dict[str, Any]]:
    """Runs and artifacts in acme/detector, a hidden producer, and a registry in acme-org.

    ``prep`` logged holdout v0..v5 (v3 has digest ``DIGEST_X``, v5 is ``production``); runs
    ``a`` and ``b`` used holdout:v3, ``c`` used holdout:v5; ``train`` used v5 and logged
    model v0, linked as ``production`` into ``acme-org/wandb-registry-model/detector``;
    ``ghost`` (in acme/secret) logged features v0, which ``a`` used, with
    ``creator_visible=False``: its ``createdBy`` is null, as for a run the viewer cannot read.
    """
    for run_id in ("prep", "a", "b", "c", "train"):
        server.add_run("acme", "detector", id=run_id)
    server.add_run("acme", "secret", id="ghost")
    made = {}
    for version in range(6):
        made[f"holdout:v{version}"] = server.add_artifact(
            "acme", "detector", "holdout", "dataset", created_by="prep",
            digest=DIGEST_X if version == 3 else None,
            aliases=["production"] if version == 5 else (),
        )  # fmt: skip
    server.use_artifact(made["holdout:v3"], "a", "b")
    server.use_artifact(made["holdout:v5"], "c", "train")
    made["model:v0"] = server.add_artifact("acme", "detector", "model", "model", created_by="train")
    made["features:v0"] = server.add_artifact(
        "acme", "detector", "features", "dataset",
        created_by="acme/secret/ghost", creator_visible=False, used_by=["a"],
    )  # fmt: skip
    server.add_organization("Acme", "acme-org")
    server.link_artifact(
        made["model:v0"],
        "acme-org",
        "wandb-registry-model",
        name="detector",
        aliases=["production"],
    )
    return made


def _gql(server: WandbTestServer, query: str, **variables: Any) -> dict[str, Any]:
    """POST one GraphQL request (no proxies); return its ``data``, failing on ``errors``."""
    with httpx.Client(trust_env=False, timeout=10) as client:
        response = client.post(
            server.graphql_url,
            json={"query": query, "variables": variables},
            auth=("api", server.api_key),
        )
    assert response.status_code == 200, response.text
    body = json.loads(response.text)
    assert "errors" not in body, body["errors"]
    return body["data"]  # type: ignore[no-any-return]


def _api(server: WandbTestServer) -> Any:
    """The real ``wandb.Api`` pointed at the server."""
    import wandb

    return wandb.Api(overrides={"base_url": server.base_url}, api_key=server.api_key, timeout=20)


# --- the real wandb client ------------------------------------------------------------------


def test_real_client_reads_run_lineage(
    wandb_server: WandbTestServer, wandb_env: dict[str, str]
) -> None:
    """run.used_artifacts() and run.logged_artifacts() in the real client match the seed."""
    made = _seed(wandb_server)
    api = _api(wandb_server)
    used = {run_id: list(api.run(f"acme/detector/{run_id}").used_artifacts()) for run_id in "abc"}
    assert [art.name for art in used["a"]] == ["holdout:v3", "features:v0"]
    assert [art.digest for art in used["b"]] == [DIGEST_X]
    assert used["a"][0].digest == used["b"][0].digest != used["c"][0].digest
    holdout = used["c"][0]
    assert (holdout.name, holdout.version, holdout.type) == ("holdout:v5", "v5", "dataset")
    assert holdout.aliases == ["production", "latest"]
    assert (holdout.id, holdout.digest) == (made["holdout:v5"]["id"], made["holdout:v5"]["digest"])
    assert (holdout.entity, holdout.project) == ("acme", "detector")
    logged = list(api.run("acme/detector/prep").logged_artifacts(per_page=4))
    assert [art.version for art in logged] == [f"v{i}" for i in range(6)]
    assert [art.name for art in api.run("acme/detector/train").logged_artifacts()] == ["model:v0"]
    requests = [r for r in wandb_server.requests if r.operation_name == "RunOutputArtifacts"]
    assert [r.body["variables"]["perPage"] for r in requests] == [4, 4, 100]


def test_real_client_fetches_artifacts(
    wandb_server: WandbTestServer, wandb_env: dict[str, str]
) -> None:
    """api.artifact() by alias, version and registry path; logged_by(); a missing alias fails."""
    import wandb

    _seed(wandb_server)
    api = _api(wandb_server)
    production = api.artifact("acme/detector/holdout:production")
    assert (production.name, production.version, production.type) == (
        "holdout:production",
        "v5",
        "dataset",
    )
    assert production.aliases == ["production", "latest"]
    assert production.logged_by().id == "prep"
    assert sorted(run.id for run in production.used_by()) == ["c", "train"]
    pinned = api.artifact("acme/detector/holdout:v3", type="dataset")
    assert (pinned.version, pinned.digest, pinned.aliases) == ("v3", DIGEST_X, [])
    assert api.artifact("acme/detector/features:latest").logged_by() is None  # invisible run
    with pytest.raises(wandb.errors.CommError, match="'holdout:v9' not found"):
        api.artifact("acme/detector/holdout:v9")
    registered = api.artifact("acme-org/wandb-registry-model/detector:production")
    assert (registered.entity, registered.project) == ("acme-org", "wandb-registry-model")
    assert (registered.name, registered.version, registered.is_link) == (
        "detector:production",
        "v0",
        True,
    )
    assert (registered.source_project, registered.source_name) == ("detector", "model:v0")
    assert registered.logged_by().id == "train"
    shorthand = api.artifact("wandb-registry-model/detector:latest")  # org found via entity
    assert shorthand.qualified_name == "acme-org/wandb-registry-model/detector:latest"
    assert "FetchOrgInfoFromEntity" in {r.operation_name for r in wandb_server.requests}


# --- raw GraphQL ----------------------------------------------------------------------------


def test_lineage_inside_runs_list(wandb_server: WandbTestServer) -> None:
    """One runs-list request answers inputArtifacts and outputArtifacts for every run."""
    made = _seed(wandb_server)
    wandb_server.reset_counters()
    edges = _gql(wandb_server, IN_LIST_QUERY)["project"]["runs"]["edges"]
    assert wandb_server.graphql_request_count == 1
    by_run = {edge["node"]["name"]: edge["node"] for edge in edges}
    inputs = {
        name: [(e["node"]["artifactSequence"]["name"], e["node"]["versionIndex"])
               for e in node["inputArtifacts"]["edges"]]
        for name, node in by_run.items()
    }  # fmt: skip
    assert inputs == {
        "prep": [],
        "a": [("holdout", 3), ("features", 0)],
        "b": [("holdout", 3)],
        "c": [("holdout", 5)],
        "train": [("holdout", 5)],
    }
    node = by_run["c"]["inputArtifacts"]["edges"][0]["node"]
    assert node["id"] == made["holdout:v5"]["id"]
    assert node["state"] == "COMMITTED"
    assert node["artifactType"] == {"name": "dataset"}
    assert node["artifactSequence"] == {
        "__typename": "ArtifactSequence",
        "name": "holdout",
        "project": {"name": "detector", "entity": {"name": "acme"}},
    }
    assert [a["alias"] for a in node["aliases"]] == ["production", "latest"]
    assert by_run["a"]["inputArtifacts"]["edges"][0]["node"]["digest"] == DIGEST_X
    assert by_run["b"]["inputArtifacts"]["edges"][0]["node"]["digest"] == DIGEST_X
    assert by_run["prep"]["outputArtifacts"]["totalCount"] == 6
    assert by_run["train"]["outputArtifacts"]["edges"] == [
        {"node": {"id": made["model:v0"]["id"], "versionIndex": 0}}
    ]


def test_run_artifact_pagination(wandb_server: WandbTestServer) -> None:
    """outputArtifacts pages with first/after; a bad cursor is a GraphQL error."""
    _seed(wandb_server)
    query = """query Out($after: String) { project(name: "detector", entityName: "acme") {
      run(name: "prep") { outputArtifacts(first: 4, after: $after) {
        totalCount pageInfo { endCursor hasNextPage } edges { node { versionIndex } } } } } }"""
    first = _gql(wandb_server, query)["project"]["run"]["outputArtifacts"]
    assert [e["node"]["versionIndex"] for e in first["edges"]] == [0, 1, 2, 3]
    assert first["pageInfo"]["hasNextPage"] is True
    after = first["pageInfo"]["endCursor"]
    rest = _gql(wandb_server, query, after=after)["project"]["run"]["outputArtifacts"]
    assert [e["node"]["versionIndex"] for e in rest["edges"]] == [4, 5]
    assert (rest["totalCount"], rest["pageInfo"]["hasNextPage"]) == (6, False)
    with httpx.Client(trust_env=False) as client:
        body = {"query": query, "variables": {"after": "bogus"}}
        answer = client.post(
            wandb_server.graphql_url, json=body, auth=("api", wandb_server.api_key)
        )
    assert "invalid cursor" in answer.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("holdout:production", 5),
        ("holdout:latest", 5),
        ("holdout:v3", 3),
        ("holdout:v0", 0),
        ("holdout:v6", None),
        ("holdout:staging", None),
        ("nothing:latest", None),
        ("holdout", None),
    ],
)
def test_membership_lookup(wandb_server: WandbTestServer, name: str, expected: int | None) -> None:
    """artifactCollectionMembership (and artifact) by alias or vN; null when absent."""
    _seed(wandb_server)
    variables = {"entity": "acme", "project": "detector", "name": name}
    project = _gql(wandb_server, MEMBERSHIP_QUERY, **variables)["project"]
    member = project["artifactCollectionMembership"]
    if expected is None:
        assert project == {"artifactCollectionMembership": None, "artifact": None}
        return
    assert member["versionIndex"] == member["artifact"]["versionIndex"] == expected
    assert member["artifactCollection"]["__typename"] == "ArtifactSequence"
    assert project["artifact"]["id"] == member["artifact"]["id"]
    assert _gql(wandb_server, '{ artifact(id: "QXJ0aWZhY3Q6OTk=") { id } }') == {"artifact": None}


def test_created_by(wandb_server: WandbTestServer) -> None:
    """createdBy is the producing Run, or null for an invisible one; usedBy lists users."""
    made = _seed(wandb_server)
    holdout = _gql(wandb_server, CREATED_BY_QUERY, id=made["holdout:v3"]["id"])["artifact"]
    assert holdout["createdBy"] == {
        "__typename": "Run",
        "name": "prep",
        "project": {"name": "detector", "entity": {"name": "acme"}},
    }
    assert holdout["usedBy"] == {"totalCount": 2, "edges": [{"node": {"name": n}} for n in "ab"]}
    hidden = _gql(wandb_server, CREATED_BY_QUERY, id=made["features:v0"]["id"])["artifact"]
    assert hidden == {
        "createdBy": None,
        "usedBy": {"totalCount": 1, "edges": [{"node": {"name": "a"}}]},
    }
    secret = """{ project(name: "secret", entityName: "acme") {
                    run(name: "ghost") { outputArtifacts { totalCount } } } }"""
    assert _gql(wandb_server, secret)["project"]["run"]["outputArtifacts"] == {"totalCount": 1}


def test_registry_lookup(wandb_server: WandbTestServer) -> None:
    """A registry membership is a portfolio in the org entity; its artifact stays in its source."""
    made = _seed(wandb_server)
    org = '{ entity(name: "acme") { organization { name orgEntity { name } } user { name } } }'
    assert _gql(wandb_server, org)["entity"] == {
        "organization": {"name": "Acme", "orgEntity": {"name": "acme-org"}},
        "user": None,
    }
    variables = {"entity": "acme-org", "project": "wandb-registry-model"}
    project = _gql(wandb_server, MEMBERSHIP_QUERY, **variables, name="detector:production")
    member = project["project"]["artifactCollectionMembership"]
    assert member["versionIndex"] == 0
    assert member["aliases"] == [{"alias": "production"}, {"alias": "latest"}]
    assert member["artifactCollection"] == {
        "__typename": "ArtifactPortfolio",
        "name": "detector",
        "project": {"name": "wandb-registry-model", "entity": {"name": "acme-org"}},
    }
    artifact = member["artifact"]
    assert artifact["id"] == made["model:v0"]["id"]
    assert artifact["artifactSequence"]["project"] == {
        "name": "detector",
        "entity": {"name": "acme"},
    }
    assert [(a["alias"], a["artifactCollection"]["__typename"]) for a in artifact["aliases"]] == [
        ("latest", "ArtifactSequence"),
        ("production", "ArtifactPortfolio"),
        ("latest", "ArtifactPortfolio"),
    ]
    missing = _gql(wandb_server, MEMBERSHIP_QUERY, **variables, name="detector:staging")
    assert missing["project"]["artifactCollectionMembership"] is None


def test_alias_rules(wandb_server: WandbTestServer) -> None:
    """An alias moves to the version given it; latest follows the highest version."""
    wandb_server.add_run("acme", "p", id="r")
    first = wandb_server.add_artifact("acme", "p", "m", "model", aliases=["best", "production"])
    assert first["aliases"] == ["best", "production", "latest"]
    second = wandb_server.add_artifact("acme", "p", "m", "model", aliases=["production"])
    assert (first["aliases"], second["aliases"]) == (["best"], ["production", "latest"])
    late = wandb_server.add_artifact("acme", "p", "m", "model", version=7, created_at="2020-01-01")
    assert (late["versionIndex"], late["createdAt"], late["aliases"]) == (
        7,
        "2020-01-01",
        ["latest"],
    )
    assert second["aliases"] == ["production"]
    assert wandb_server.add_artifact("acme", "p", "m", "model")["versionIndex"] == 8
    assert len({first["digest"], second["digest"], late["digest"]}) == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"created_by": "nobody"}, "no run 'acme/p/nobody'"),
        ({"used_by": ["acme/q/r"]}, "no run 'acme/q/r'"),
        ({"aliases": ["v2"]}, "invalid alias 'v2'"),
        ({"version": 0}, "already exists"),
        ({"digest": "d0"}, "digest d0 is already v0"),
        ({"state": "done"}, "state must be one of"),
    ],
)
def test_helper_errors(wandb_server: WandbTestServer, kwargs: dict[str, Any], message: str) -> None:
    """add_artifact rejects unknown runs, version aliases, taken versions and reused digests."""
    wandb_server.add_run("acme", "p", id="r")
    wandb_server.add_artifact("acme", "p", "m", "model", digest="d0")
    with pytest.raises(ValueError, match=message):
        wandb_server.add_artifact("acme", "p", "m", "model", **kwargs)
    with pytest.raises(ValueError, match="is a ArtifactSequence of type model"):
        wandb_server.add_artifact("acme", "p", "m", "dataset")
    assert len(wandb_server.store.artifacts.artifacts) == 1  # nothing half-stored


def test_collection_listing(wandb_server: WandbTestServer) -> None:
    """artifactCollection lists versions newest first; an artifact lists its memberships."""
    made = _seed(wandb_server)
    query = """query C($id: ID!) {
      project(name: "detector", entityName: "acme") { artifactCollection(name: "holdout") {
        __typename name defaultArtifactType { name }
        artifactMemberships(first: 2) { totalCount edges { node { versionIndex } } } } }
      artifact(id: $id) { digestAlgorithm size fileCount ttlIsInherited metadata
        artifactMemberships { edges { node { versionIndex artifactCollection { name } } } } } }"""
    data = _gql(wandb_server, query, id=made["model:v0"]["id"])
    collection = data["project"]["artifactCollection"]
    assert collection["__typename"] == "ArtifactSequence"
    assert collection["defaultArtifactType"] == {"name": "dataset"}
    memberships = collection["artifactMemberships"]
    assert memberships["totalCount"] == 6
    assert [e["node"]["versionIndex"] for e in memberships["edges"]] == [5, 4]
    artifact = data["artifact"]
    assert artifact["digestAlgorithm"] == "MANIFEST_MD5"
    assert (artifact["size"], artifact["fileCount"], artifact["metadata"]) == (0, 0, "{}")
    assert [e["node"]["artifactCollection"]["name"] for e in
            artifact["artifactMemberships"]["edges"]] == ["model", "detector"]  # fmt: skip
