"""W&B over GraphQL: a small client on an injected ``httpx.Client``, and the run source on top.

Not the ``wandb`` package: it is 62 MB installed, starts a sidecar process, and its lazy runs
list costs one more request per run. Here a report whose selections fit in a page costs one
HTTP request in all.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx

from wandb_pr._http import send_within
from wandb_pr.errors import (
    ArtifactNotFound,
    ProjectNotFound,
    WandbAuthError,
    WandbQueryError,
    WandbUnavailable,
)
from wandb_pr.models import Run, RunSet
from wandb_pr.retry import RetryExhausted, RetryPolicy, Transient, parse_retry_after, retrying
from wandb_pr.selection import Query, Selection
from wandb_pr.settings import ArtifactRef
from wandb_pr.sources.results import assemble
from wandb_pr.sources.wandb_query import as_mapping, build_document, history_specs, parse_run

__all__ = ["DEFAULT_BASE_URL", "WandbClient", "WandbRunSource", "app_url_for"]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.wandb.ai"
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 507, 508, 509, 520, 521, 522, 523, 524})


def app_url_for(base_url: str) -> str:
    """The W&B app's URL for an API URL: ``https://api.wandb.ai`` -> ``https://wandb.ai``.

    Self-hosted servers serve the app and the API from the same address.
    """
    parts = urlsplit(base_url)
    host = parts.netloc
    if host.startswith("api."):
        host = host[len("api.") :]
    return f"{parts.scheme}://{host}{parts.path}".rstrip("/")


class WandbClient:
    """Sends GraphQL documents to W&B, retrying what is transient, mapping failures to errors."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[str, float], None] | None = None,
    ) -> None:
        self._http = http
        self._auth = httpx.BasicAuth("api", api_key.strip())
        self.base_url = base_url.strip().rstrip("/") or DEFAULT_BASE_URL
        self.endpoint = f"{self.base_url}/graphql"
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._on_retry = on_retry
        self.requests_sent = 0
        """HTTP requests sent so far, retries included."""

    @property
    def app_url(self) -> str:
        """Where run pages live."""
        return app_url_for(self.base_url)

    def execute(self, document: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """Run one GraphQL operation and return its ``data``; raise a :class:`WandbError`."""
        payload = {"query": document, "variables": dict(variables)}
        try:
            return retrying(
                lambda timeout: self._attempt(payload, timeout),
                self._retry,
                sleep=self._sleep,
                on_retry=self._on_retry,
            )
        except RetryExhausted as exc:
            if exc.gave_up_early:
                what = f"W&B asked to wait longer than the time left ({exc.reason})"
            else:
                what = f"W&B did not answer successfully after {exc.attempts_text} ({exc.reason})"
            raise WandbUnavailable(
                f"{what}, within {exc.elapsed:.0f} s, at {self.endpoint}.",
                tip="W&B may be rate-limiting or unavailable: check https://status.wandb.com "
                "(or your server), then re-run; a longer deadline can be set with --deadline.",
            ) from exc

    def _attempt(self, payload: Mapping[str, Any], timeout: float) -> dict[str, Any]:
        """One POST: a result, a :class:`Transient` to retry, or a final :class:`WandbError`."""
        self.requests_sent += 1
        try:
            response = send_within(
                self._http, "POST", self.endpoint, timeout=timeout, json=payload, auth=self._auth
            )
        except httpx.TimeoutException as exc:
            raise Transient(f"no answer within {timeout:.0f} s") from exc
        except httpx.TransportError as exc:
            raise Transient(
                f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            ) from exc
        status = response.status_code
        if status in _RETRY_STATUSES:
            wait = parse_retry_after(response.headers.get("retry-after"))
            if wait is None and status == 429:
                wait = parse_retry_after(response.headers.get("ratelimit-reset"))
            raise Transient(f"HTTP {status}", retry_after=wait)
        if status in (401, 403):
            raise self._auth_error(status)
        if status == 404:
            raise WandbQueryError(
                f"No W&B API at {self.endpoint} (HTTP 404).",
                tip="WANDB_BASE_URL must be the server's root URL, e.g. https://wandb.example.com "
                "(without /graphql); for W&B cloud leave it unset.",
            )
        if status >= 400:
            raise WandbQueryError(
                f"W&B rejected the query with HTTP {status} at {self.endpoint}: "
                f"{_error_text(response)}",
                tip="Check the filter inputs; if they look right, re-run with --debug and report "
                "it.",
            )
        try:
            body = response.json()
        except (ValueError, RecursionError) as exc:
            raise Transient(f"HTTP {status} with a body that is not JSON") from exc
        if not isinstance(body, dict):
            raise Transient(f"HTTP {status} with a JSON body that is not an object")
        errors = body.get("errors")
        if errors:
            messages = "; ".join(_messages(errors))
            raise WandbQueryError(
                f"W&B answered with GraphQL errors: {messages}",
                tip="A filter W&B cannot evaluate (e.g. a config key containing '.') causes this; "
                "check --filter, --sha-key and the project name.",
            )
        data = body.get("data")
        if not isinstance(data, dict):
            raise Transient(f"HTTP {status} without data")
        return data

    def _auth_error(self, status: int) -> WandbAuthError:
        """The message for a refused key; the key itself never appears in it."""
        if status == 401:
            what = f"W&B rejected the API key (HTTP 401 at {self.endpoint})."
        else:
            what = f"The API key may not read this project (HTTP 403 at {self.endpoint})."
        return WandbAuthError(
            what,
            tip=f"Set WANDB_API_KEY to a valid key: copy one from {self.app_url}/authorize "
            "(in GitHub Actions, store it as a repository secret and pass it as wandb-api-key).",
        )


class WandbRunSource:
    """Fetches a selection's runs from W&B: one request when each side fits in a page."""

    supports_artifacts = True
    """W&B finds the run that produced an artifact version."""

    def __init__(self, client: WandbClient) -> None:
        self._client = client

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
        sides: dict[str, Query] = {"candidates": selection.candidates}
        if selection.baselines is not None:
            sides["baselines"] = selection.baselines
        cursors: dict[str, str | None] = dict.fromkeys(sides)
        found: dict[str, list[Run]] = {side: [] for side in sides}
        pending = list(sides)
        page = 0
        sources: tuple[str, ...] = ()
        while pending:
            page += 1
            artifact = selection.baseline_artifact if page == 1 else None
            variables = self._variables(selection, pending, sides, cursors)
            if artifact is not None:
                variables |= {
                    "artifactEntity": artifact.entity,
                    "artifactProject": artifact.project,
                    "artifactName": artifact.name,
                }
            data = self._client.execute(
                build_document(
                    pending,
                    with_history=bool(selection.history_keys),
                    with_artifact=artifact is not None,
                ),
                variables,
            )
            if artifact is not None:
                run, source = self._artifact_run(data, artifact, selection)
                found.setdefault("baselines", []).append(run)
                sources = (source,)
            still_pending = []
            for side in pending:
                runs, cursor = self._read_page(data, side, selection)
                found[side] += runs
                if cursor is not None:
                    if cursor == cursors[side]:
                        raise WandbQueryError(
                            f"W&B returned the same page twice for the {side} of {selection.path}."
                        )
                    cursors[side] = cursor
                    still_pending.append(side)
            log.debug("page %d: %s", page, {side: len(runs) for side, runs in found.items()})
            pending = still_pending
        where = f"W&B project {selection.path}"
        run_set = assemble(selection, found["candidates"], found.get("baselines", ()), where=where)
        return replace(run_set, baseline_sources=sources)

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

    def _variables(
        self,
        selection: Selection,
        pending: list[str],
        sides: Mapping[str, Query],
        cursors: Mapping[str, str | None],
    ) -> dict[str, Any]:
        """Variables for one page request."""
        variables: dict[str, Any] = {
            "entity": selection.entity,
            "project": selection.project,
            "first": selection.page_size,
        }
        for side in pending:
            variables[f"{side}Filters"] = json.dumps(dict(sides[side].filters))
            variables[f"{side}Cursor"] = cursors[side]
        if selection.history_keys:
            variables["historySpecs"] = history_specs(
                selection.history_keys, selection.history_samples
            )
        return variables

    def _read_page(
        self, data: Mapping[str, Any], side: str, selection: Selection
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
                history_keys=selection.history_keys,
            )
            for edge in edges
            if isinstance(edge, Mapping) and isinstance(edge.get("node"), Mapping)
        ]
        if not has_next or not edges:
            return runs, None
        cursor = edges[-1].get("cursor") or connection["pageInfo"].get("endCursor")
        return runs, cursor if isinstance(cursor, str) else None


def _messages(errors: object) -> list[str]:
    """The ``message`` of each GraphQL error."""
    if not isinstance(errors, list):
        return [str(errors)[:300]]
    return [str(e.get("message", e))[:300] if isinstance(e, dict) else str(e)[:300] for e in errors]


def _error_text(response: httpx.Response) -> str:
    """A short, printable account of an error response's body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip() or "(empty body)"
    if isinstance(body, dict) and "errors" in body:
        return "; ".join(_messages(body["errors"]))
    return json.dumps(body)[:200]
