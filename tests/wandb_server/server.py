"""A W&B GraphQL server on loopback for tests: real HTTP, real GraphQL, in-memory runs/artifacts.

``WandbTestServer`` answers ``POST /graphql`` (query strings are ignored) by executing the
document with graphql-core against ``schema.graphql``. It checks HTTP Basic auth
(``api:<key>``), records every request, adds optional latency and replays queued faults
(429/5xx, malformed JSON, connection resets, delays, GraphQL errors) in order.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from graphql import GraphQLError, OperationDefinitionNode, graphql_sync, parse

from tests.loopback import LoopbackHandler, LoopbackServer
from tests.wandb_server.faults import Fault, FaultKind
from tests.wandb_server.resolvers import QueryRoot, load_schema
from tests.wandb_server.store import ProjectData, RunStore

__all__ = ["FAKE_API_KEY", "RecordedRequest", "WandbTestServer"]

FAKE_API_KEY = "fakekey0" * 5
"""A key of the shape W&B's client accepts (40 characters of ``[A-Za-z0-9_]``)."""


@dataclass
class RecordedRequest:
    """One request as the server saw it, and how it answered."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    operation_name: str | None
    status: int | None = None
    fault: FaultKind | None = None


class WandbTestServer(LoopbackServer[Fault, "RecordedRequest"]):
    """A faithful-enough W&B GraphQL API on ``127.0.0.1`` (see the module docstring).

    Use as a context manager, or call ``start()``/``stop()``. ``base_url`` is what to give
    ``WANDB_BASE_URL``. Data goes in with ``add_project``/``add_run`` and, for artifacts,
    ``add_artifact``/``use_artifact``/``link_artifact``/``add_organization``; ``store`` holds it.
    """

    name = "W&B test server"

    def __init__(self, *, api_key: str = FAKE_API_KEY, viewer_entity: str = "acme") -> None:
        super().__init__()
        self.api_key = api_key
        self.store = RunStore(viewer_entity=viewer_entity)
        self._schema = load_schema()
        self.bytes_sent = 0
        """Bytes of response bodies sent so far."""
        self.hold_pages_over: int | None = None
        """Hold (never answer, until the server stops) every request whose ``first`` is larger:
        a W&B that cannot answer big pages in time."""

    # --- addresses ---------------------------------------------------------------------------

    @property
    def graphql_url(self) -> str:
        """The GraphQL endpoint."""
        return f"{self.base_url}/graphql"

    # --- data --------------------------------------------------------------------------------

    def add_project(self, entity: str, project: str) -> ProjectData:
        """Create the (empty) project ``entity/project``."""
        return self.store.add_project(entity, project)

    def add_run(self, entity: str, project: str, **fields: Any) -> dict[str, Any]:
        """Add a run (creating the project); see ``RunStore.add_run`` for the fields."""
        return self.store.add_run(entity, project, **fields)

    def add_artifact(
        self, entity: str, project: str, name: str, type: str, **fields: Any
    ) -> dict[str, Any]:
        """Log an artifact version; see ``ArtifactStore.add_artifact`` for the fields."""
        return self.store.artifacts.add_artifact(entity, project, name, type, **fields)

    def link_artifact(self, artifact: Any, entity: str, project: str, **fields: Any) -> Any:
        """Link a version into a portfolio (a registry); see ``ArtifactStore.link_artifact``."""
        return self.store.artifacts.link_artifact(artifact, entity, project, **fields)

    def use_artifact(self, artifact: Any, *runs: str) -> None:
        """Record runs as users of a version; see ``ArtifactStore.use_artifact``."""
        self.store.artifacts.use_artifact(artifact, *runs)

    def add_organization(self, name: str, entity: str, **fields: Any) -> dict[str, Any]:
        """Add an organization with registry entity ``entity``; see ``ArtifactStore``."""
        return self.store.artifacts.add_organization(name, entity, **fields)

    @property
    def max_page_size(self) -> int | None:
        """A cap on ``first`` (W&B documents none; ``None`` means no cap)."""
        return self.store.max_page_size

    @max_page_size.setter
    def max_page_size(self, value: int | None) -> None:
        self.store.max_page_size = value

    # --- instrumentation and faults ----------------------------------------------------------

    def reset_counters(self) -> None:
        """Forget recorded requests and the bytes sent."""
        super().reset_counters()
        with self._lock:
            self.bytes_sent = 0

    @property
    def graphql_request_count(self) -> int:
        """How many requests reached ``/graphql`` (including faulted ones)."""
        with self._lock:
            return sum(1 for r in self.requests if urlsplit(r.path).path.rstrip("/") == "/graphql")

    # --- request handling --------------------------------------------------------------------

    def _handle(self, handler: LoopbackHandler) -> None:
        """Record, then fault or answer, one request."""
        raw = self._read_body(handler)
        body = _parse_json(raw)
        record = RecordedRequest(
            method=handler.command,
            path=handler.path,
            headers=dict(handler.headers.items()),
            body=body,
            operation_name=_operation_name(body),
        )
        fault = self._arrived(record)
        record.fault = fault.kind if fault else None
        if self._delay_or_reset(handler, fault):
            return
        first = (body.get("variables") or {}).get("first") if isinstance(body, dict) else None
        hold = self.hold_pages_over
        if hold is not None and isinstance(first, int) and first > hold:
            self._stopping.wait(600)
            handler.close_connection = True
            return
        if fault is not None and fault.kind == "status":
            self._send(handler, record, fault.status, fault.body or b"", fault.headers)
            return
        code, answer = self._answer(handler, body)
        if fault is not None and fault.kind == "graphql_errors" and code == 200:
            first_field = next(iter(answer.get("data") or {}), None)
            error = {"message": fault.message, "path": [first_field] if first_field else []}
            answer = {"data": answer.get("data") if fault.partial_data else None}
            answer["errors"] = [error]
        try:  # W&B's JSON is strict outside JSON strings (wandb-core rejects a bare NaN)
            payload = json.dumps(answer, allow_nan=False).encode()
        except ValueError:
            self.internal_errors.append(traceback.format_exc())
            code, payload = 500, b'{"errors": [{"message": "non-finite number in answer"}]}'
        if fault is not None and fault.kind == "malformed_json":
            payload = payload[: max(1, len(payload) // 2)]
        self._send(handler, record, code, payload, {})

    def _answer(self, handler: LoopbackHandler, body: Any) -> tuple[int, dict[str, Any]]:
        """Status and JSON answer for a request with no fault."""
        if urlsplit(handler.path).path.rstrip("/") != "/graphql":
            return 404, {"errors": [{"message": f"no route for {handler.path}"}]}
        if handler.command != "POST":
            return 405, {"errors": [{"message": "use POST"}]}
        if not self._authorised(handler.headers.get("Authorization")):
            return 401, {"errors": [{"message": "user is not logged in"}], "data": None}
        variables = body.get("variables") if isinstance(body, dict) else None
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return 400, {"errors": [{"message": "request body must be JSON with a query"}]}
        if variables is not None and not isinstance(variables, dict):
            return 400, {"errors": [{"message": "variables must be a JSON object"}]}
        result = graphql_sync(
            self._schema,
            body["query"],
            root_value=QueryRoot(self.store),
            variable_values=variables,
            operation_name=body.get("operationName") or None,
        )
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [error.formatted for error in result.errors]
            for error in result.errors:
                if error.original_error and not isinstance(error.original_error, GraphQLError):
                    self.internal_errors.append(
                        "".join(traceback.format_exception(error.original_error))
                    )
        return 200, answer

    def _authorised(self, header: str | None) -> bool:
        """Whether ``Authorization`` is ``Basic base64(api:<key>)`` with the right key."""
        scheme, _, encoded = (header or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, key = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return user == "api" and key == self.api_key

    def _read_body(self, handler: LoopbackHandler) -> bytes:
        """The request body (``Content-Length`` framed, gzip decoded when so marked)."""
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if handler.headers.get("Content-Encoding", "").lower() == "gzip" and raw:
            try:
                raw = gzip.decompress(raw)
            except OSError:
                return b""
        return raw

    def _send(
        self,
        handler: LoopbackHandler,
        record: RecordedRequest,
        code: int,
        payload: bytes,
        headers: Mapping[str, str],
    ) -> None:
        """Write a complete response; a client that hung up is not an error."""
        record.status = code
        with self._lock:
            self.bytes_sent += len(payload)
        try:
            handler.send_response(code)
            if not any(name.lower() == "content-type" for name in headers):
                handler.send_header("Content-Type", "application/json")
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True


def _parse_json(raw: bytes) -> Any:
    """The body as JSON, or ``None``."""
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _operation_name(body: Any) -> str | None:
    """``operationName`` from the body, else the name of the document's first operation."""
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("operationName"), str) and body["operationName"]:
        return str(body["operationName"])
    try:
        document = parse(body.get("query") or "")
    except GraphQLError:
        return None
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and definition.name:
            return definition.name.value
    return None
