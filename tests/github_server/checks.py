"""Check run and commit status endpoints, with GitHub's validation rules and error shapes.

Verified against GitHub's answers: 422 ``Only 65535 characters are allowed; N were supplied.``
and ``summary exceeds a maximum bytesize of 65535`` for check-run output, ``No more than 50
items are allowed; N were supplied.`` for annotations, ``state is not included in the list``
and ``description is too long (maximum is 140 characters)`` for statuses, ``No commit found
for SHA: ...`` for unknown commits.
"""

from __future__ import annotations

from typing import Any

from tests.github_server import render
from tests.github_server.http_api import (
    Answer,
    ApiError,
    Call,
    invalid_request,
    json_text,
    validation_failed,
)
from tests.github_server.store import CheckRun

__all__ = [
    "CHECK_CONCLUSIONS",
    "CHECK_STATUSES",
    "MAX_ANNOTATIONS",
    "OUTPUT_LIMIT",
    "STATUS_DESCRIPTION_LIMIT",
    "STATUS_STATES",
    "create_check_run",
    "create_status",
    "get_check_run",
    "update_check_run",
]

CHECK_STATUSES = ("queued", "in_progress", "completed", "waiting", "requested", "pending")
CHECK_CONCLUSIONS = (
    "action_required",
    "cancelled",
    "failure",
    "neutral",
    "success",
    "skipped",
    "stale",
    "timed_out",
)
ANNOTATION_LEVELS = ("notice", "warning", "failure")
ANNOTATION_KEYS = ("path", "start_line", "end_line", "annotation_level", "message")
OUTPUT_LIMIT = 65_535
MAX_ANNOTATIONS = 50
STATUS_STATES = ("error", "failure", "pending", "success")
STATUS_DESCRIPTION_LIMIT = 140
MAX_STATUSES_PER_CONTEXT = 1000


def _missing(call: Call, data: dict[str, Any], keys: tuple[str, ...]) -> None:
    """422 naming the required keys absent from ``data``."""
    absent = [key for key in keys if key not in data]
    if len(absent) == 1:
        raise invalid_request(f'"{absent[0]}" wasn\'t supplied.', call.docs)
    if absent:
        names = ", ".join(f'"{key}"' for key in absent)
        raise invalid_request(f"{names} weren't supplied.", call.docs)


def _string(call: Call, data: dict[str, Any], key: str, *, nullable: bool = True) -> str | None:
    """``data[key]`` when it is a string (or null, if allowed), else a schema 422."""
    value = data.get(key)
    if value is None and (nullable or key not in data):
        return None
    if not isinstance(value, str):
        raise invalid_request(
            f"For 'properties/{key}', {json_text(value)} is not a string.", call.docs
        )
    return value


def _member(call: Call, data: dict[str, Any], key: str, allowed: tuple[str, ...]) -> str | None:
    """``data[key]`` when it is one of ``allowed`` (or absent/null), else a schema 422."""
    value = _string(call, data, key)
    if value is not None and value not in allowed:
        choices = ", ".join(f'"{a}"' for a in allowed)
        detail = f"For 'properties/{key}', {json_text(value)} is not a member of [{choices}]."
        raise invalid_request(detail, call.docs)
    return value


def _output_text(call: Call, output: dict[str, Any], key: str) -> str | None:
    """``output.title/summary/text``; summary and text hold at most 65,535 chars and bytes."""
    value = _string(call, output, key)
    if value is None or key == "title":
        return value
    if len(value) > OUTPUT_LIMIT:
        detail = f"Only {OUTPUT_LIMIT} characters are allowed; {len(value)} were supplied."
        raise invalid_request(detail, call.docs)
    if len(value.encode()) > OUTPUT_LIMIT:
        message = f"{key} exceeds a maximum bytesize of {OUTPUT_LIMIT}"
        raise validation_failed("CheckRun", key, message, call.docs)
    return value


def _output(call: Call, data: dict[str, Any], *, create: bool) -> dict[str, Any] | None:
    """The validated ``output`` object (``title`` and ``summary`` required on create)."""
    output = data.get("output")
    if output is None:
        return None
    if not isinstance(output, dict):
        detail = f"For 'properties/output', {json_text(output)} is not an object."
        raise invalid_request(detail, call.docs)
    _missing(call, output, ("title", "summary") if create else ("summary",))
    result: dict[str, Any] = {
        key: _output_text(call, output, key)
        for key in ("title", "summary", "text")
        if key in output
    }
    annotations = output.get("annotations") or []
    if not isinstance(annotations, list):
        detail = f"For 'properties/annotations', {json_text(annotations)} is not an array."
        raise invalid_request(detail, call.docs)
    if len(annotations) > MAX_ANNOTATIONS:
        detail = (
            f"No more than {MAX_ANNOTATIONS} items are allowed; {len(annotations)} were supplied."
        )
        raise invalid_request(detail, call.docs)
    for annotation in annotations:
        if not isinstance(annotation, dict):
            raise invalid_request(f"{json_text(annotation)} is not an object.", call.docs)
        _missing(call, annotation, ANNOTATION_KEYS)
        _member(call, annotation, "annotation_level", ANNOTATION_LEVELS)
    result["annotations"] = [dict(a) for a in annotations]
    return result


def _fields(call: Call, data: dict[str, Any]) -> dict[str, Any]:
    """The optional check-run fields present in ``data``, validated."""
    fields: dict[str, Any] = {}
    if "name" in data:
        fields["name"] = _string(call, data, "name", nullable=False)
    for key in ("details_url", "external_id", "started_at", "completed_at"):
        if key in data:
            fields[key] = _string(call, data, key)
    for key, allowed in (("status", CHECK_STATUSES), ("conclusion", CHECK_CONCLUSIONS)):
        if key in data:
            fields[key] = _member(call, data, key, allowed)
    return fields


def _complete(call: Call, fields: dict[str, Any], current: CheckRun | None) -> None:
    """A conclusion completes the run; ``completed`` (or ``completed_at``) needs a conclusion."""
    conclusion = fields.get("conclusion") or (current.conclusion if current else None)
    if fields.get("conclusion"):
        fields["status"] = "completed"
    status = fields.get("status") or (current.status if current else "queued")
    if (status == "completed" or fields.get("completed_at")) and not conclusion:
        raise invalid_request('"conclusion" wasn\'t supplied.', call.docs)
    stamped = fields.get("completed_at") or (current and current.completed_at)
    if status == "completed" and not stamped:
        fields["completed_at"] = call.store.now()


def _render_run(call: Call, run: CheckRun) -> dict[str, Any]:
    """A check run with its same-repository open pull requests (forks are not listed)."""
    with call.store.lock:
        pulls = [
            issue
            for issue in call.store.issues[run.repo.id].values()
            if issue.pull is not None
            and issue.pull.state == "open"
            and issue.pull.head_sha == run.head_sha
            and issue.pull.head_repo.lower() == run.repo.full_name.lower()
        ]
    return render.check_run(run, call.urls, pulls)


def create_check_run(call: Call) -> Answer:
    """``POST /check-runs`` (``name`` and ``head_sha`` required) -> 201."""
    call.require(("checks", "write"))
    data = call.object_body()
    _missing(call, data, ("name", "head_sha"))
    head_sha = _string(call, data, "head_sha", nullable=False)
    fields = _fields(call, data)
    output = _output(call, data, create=True) or {}
    assert head_sha is not None
    sha = call.store.resolve_sha(call.repo, head_sha)
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {head_sha}", call.docs)
    _complete(call, fields, None)
    fields.setdefault("status", "queued")
    fields.setdefault("conclusion", None)
    fields.setdefault("started_at", call.store.now())
    fields.setdefault("completed_at", None)
    run = call.store.add_check_run(call.repo, {"head_sha": sha, **fields, **output})
    data_out = _render_run(call, run)
    return Answer(201, data_out, {"Location": data_out["url"]})


def _run(call: Call) -> CheckRun:
    """The check run of path group 0 in this repository (404 otherwise)."""
    run = call.store.check_runs.get(call.int_group())
    if run is None or run.repo is not call.repo:
        raise call.not_found()
    return run


def get_check_run(call: Call) -> Answer:
    """``GET /check-runs/{id}``."""
    call.require(("checks", "read"))
    return Answer(200, _render_run(call, _run(call)))


def update_check_run(call: Call) -> Answer:
    """``PATCH /check-runs/{id}``: fields replace, annotations append."""
    call.require(("checks", "write"))
    run = _run(call)
    data = call.object_body()
    fields = _fields(call, data)
    output = _output(call, data, create=False) or {}
    _complete(call, fields, run)
    with call.store.lock:
        run.annotations.extend(output.pop("annotations", []))
        for key, value in {**fields, **output}.items():
            setattr(run, key, value)
    return Answer(200, _render_run(call, run))


def create_status(call: Call) -> Answer:
    """``POST /statuses/{sha} {state, context?, description?, target_url?}`` -> 201."""
    call.require(("statuses", "write"))
    data = call.object_body()
    _missing(call, data, ("state",))
    state = _string(call, data, "state", nullable=False)
    if state not in STATUS_STATES:
        raise validation_failed("Status", "state", "state is not included in the list", call.docs)
    description = _string(call, data, "description")
    if description is not None and len(description) > STATUS_DESCRIPTION_LIMIT:
        message = f"description is too long (maximum is {STATUS_DESCRIPTION_LIMIT} characters)"
        raise validation_failed("Status", "description", message, call.docs)
    context = _string(call, data, "context") or "default"
    target_url = _string(call, data, "target_url")
    sha = call.store.resolve_sha(call.repo, call.groups[0])
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {call.groups[0]}", call.docs)
    with call.store.lock:
        same = [s for s in call.store.statuses if s.repo is call.repo and s.sha == sha]
        if sum(1 for s in same if s.context == context) >= MAX_STATUSES_PER_CONTEXT:
            message = "This SHA and context has reached the maximum number of statuses."
            raise validation_failed("Status", "context", message, call.docs)
        record = call.store.add_status(
            call.repo,
            {
                "sha": sha,
                "state": state,
                "context": context,
                "description": description,
                "target_url": target_url,
                "user": call.login,
                "created_at": call.store.now(),
            },
        )
    data_out = render.status(record, call.urls)
    return Answer(201, data_out, {"Location": data_out["url"]})
