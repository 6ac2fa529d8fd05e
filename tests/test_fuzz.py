"""Fuzzing the parsers of untrusted input: nothing but wandb-pr's own documented errors escapes.

Property tests (hypothesis) over every parser that meets text or data from outside: the input
parsers of :mod:`wandb_pr.settings` and :mod:`wandb_pr.compare.spec`, the filter language
(:func:`~wandb_pr.filters.validate` then :func:`~wandb_pr.filters.matches`), GitHub event
payloads (:func:`~wandb_pr.events.event_commit`), the ``.wandb`` log framing and the offline run
reader, W&B's run nodes (:func:`~wandb_pr.sources.wandb_query.parse_run`) and snapshot files.
Each may raise only a subclass of :class:`~wandb_pr.errors.WandbPrError`; anything else would
reach the user as a traceback. Crashes found so far are pinned by ``@example``. A short
coverage-guided run (atheris) is added when atheris is installed.
"""

from __future__ import annotations

import io
import json
import math
import random
import struct
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from wandb_pr.compare.spec import parse_metric_spec, parse_metric_specs
from wandb_pr.errors import InputError, OfflineRunError, SnapshotError, WandbQueryError
from wandb_pr.events import EventCommit, event_commit, mentions_trigger
from wandb_pr.filters import FIELD_OPERATORS, LOGICAL_OPERATORS, matches, validate
from wandb_pr.settings import (
    parse_bool,
    parse_config_key,
    parse_duration,
    parse_filter,
    parse_int,
    parse_list,
    parse_project,
    parse_run_ids,
    parse_sha,
)
from wandb_pr.sources.snapshot import SNAPSHOT_FORMAT, SNAPSHOT_VERSION, load_snapshot
from wandb_pr.sources.wandb_log import BLOCK_SIZE, MAGIC, iter_log
from wandb_pr.sources.wandb_query import parse_run

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    report_multiple_bugs=False,  # stop at the first failure, so that it reads as one
)

# --- strategies -----------------------------------------------------------------------------------

STRUCTURE = list("[](){}<>'\",:;/\\%#?@.$-_ \n\t\r0123456789abcdefhmsx")
texts = st.text(
    alphabet=st.one_of(st.sampled_from(STRUCTURE), st.characters(codec="utf-8")), max_size=60
)
"""Text rich in the characters parsers split on: brackets, quotes, separators, digits, units."""
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**400),
    st.floats(),
    st.text(max_size=12),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
"""Anything ``json.loads`` can return (NaN, infinities and ints beyond the float range too)."""


def only_ours(call: Callable[[], object], *errors: type[Exception]) -> object:
    """Call; return the result, or ``None`` when it raised one of ``errors``."""
    try:
        return call()
    except errors:
        return None


# --- settings and metric specs --------------------------------------------------------------------

SCALAR_PARSERS: dict[str, Callable[[str], object]] = {
    "parse_sha": lambda text: parse_sha(text, what="--sha"),
    "parse_config_key": lambda text: parse_config_key(text, what="--sha-key"),
    "parse_bool": lambda text: parse_bool(text, what="input 'check'", default=False),
    "parse_int": lambda text: parse_int(text, what="input 'page-size'", default=1, low=1, high=9),
    "parse_metric_spec": parse_metric_spec,
    "parse_metric_specs": lambda text: parse_metric_specs(text.split("\n")),
}


@FUZZ
@given(st.sampled_from(sorted(SCALAR_PARSERS)), texts)
def test_scalar_parsers_raise_only_input_errors(parser: str, text: str) -> None:
    """SHAs, config keys, booleans, integers and metric specs: a value or an InputError."""
    value = only_ours(lambda: SCALAR_PARSERS[parser](text), InputError)
    if parser == "parse_sha" and value is not None:
        assert isinstance(value, str)
        assert 7 <= len(value) <= 64
    if parser == "parse_int" and value is not None:
        assert isinstance(value, int)
        assert 1 <= value <= 9


@FUZZ
@given(texts)
@example("[" * 5000)
def test_list_parser_raises_only_input_errors(text: str) -> None:
    """List inputs parse to distinct stripped strings or raise InputError, however deep."""
    items = only_ours(lambda: parse_list(text, what="input 'baseline-tags'"), InputError)
    if items is not None:
        assert isinstance(items, tuple)
        assert all(isinstance(i, str) and i and i == i.strip() for i in items)
        assert len(set(items)) == len(items)


@FUZZ
@given(st.sampled_from(["http://", "https://", ""]), texts)
@example("http://", "[x/runs/y")
def test_project_and_run_id_parsers_raise_only_input_errors(scheme: str, text: str) -> None:
    """Projects and run ids, URLs accepted: a value or an InputError."""
    only_ours(
        lambda: parse_project(scheme + text, what="--project", default_entity="acme"), InputError
    )
    only_ours(lambda: parse_run_ids([scheme + text], what="--run-id"), InputError)


@FUZZ
@given(texts)
@example("9" * 400 + "h")
@example("9" * 400)
def test_duration_parser_gives_a_finite_wait_or_an_input_error(text: str) -> None:
    """``--wait``: a finite number of seconds, or an InputError."""
    seconds = only_ours(lambda: parse_duration(text, what="--wait"), InputError)
    if seconds is not None:
        assert isinstance(seconds, float)
        assert math.isfinite(seconds)
        assert seconds >= 0


@pytest.mark.filterwarnings("ignore::FutureWarning")  # re warns of nested sets such as "[["
@FUZZ
@given(st.one_of(texts, json_values.map(json.dumps)))
@example('{"name": {"$regex": "a{99999999999}"}}')
@example("[" * 5000)
def test_filter_parser_raises_only_input_errors(text: str) -> None:
    """``--filter`` JSON: a valid filter (an object) or an InputError naming the input."""
    value = only_ours(lambda: parse_filter(text, what="--filter"), InputError)
    assert value is None or isinstance(value, dict)


# --- the filter language --------------------------------------------------------------------------

PATHS = st.sampled_from(
    [
        "name", "displayName", "state", "tags", "group", "createdAt", "commit", "config.lr",
        "config.github_sha", "config.nested.k", "config.lr.value", "summary_metrics.acc",
        "summary_metrics.a.b", "missing", "", "$where", "$bogus",
    ]
)  # fmt: skip
OPERATORS = st.sampled_from([*sorted(FIELD_OPERATORS), "$bogus"])
operands = st.one_of(
    json_values, st.text(alphabet=st.sampled_from(list("ab.*+?^$()[]{}|\\0-9")), max_size=8)
)
conditions = st.one_of(json_values, st.dictionaries(OPERATORS, operands, min_size=1, max_size=3))
filter_objects = st.recursive(
    st.dictionaries(PATHS, conditions, max_size=3),
    lambda inner: st.dictionaries(
        st.sampled_from(sorted(LOGICAL_OPERATORS)), st.lists(inner, max_size=3), min_size=1
    ),
    max_leaves=8,
)
documents = st.fixed_dictionaries(
    {
        "name": st.text(max_size=8),
        "displayName": st.none() | st.text(max_size=8),
        "state": st.sampled_from(["finished", "running", "crashed"]),
        "tags": st.lists(st.text(max_size=6), max_size=3),
        "group": st.none() | st.text(max_size=6),
        "createdAt": st.none() | st.text(max_size=20),
        "commit": st.none() | st.text(alphabet="0123456789abcdef", max_size=40),
        "config": st.dictionaries(
            st.sampled_from(["lr", "github_sha", "nested"]),
            json_values.map(lambda v: {"value": v}),
            max_size=3,
        ),
        "summary_metrics": st.dictionaries(st.sampled_from(["acc", "a", "a.b"]), json_values),
    }
)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # re warns of nested sets such as "[["
@FUZZ
@given(st.one_of(filter_objects, json_values), documents)
@example({"summary_metrics.acc": 10**400}, {"summary_metrics": {"acc": 1.0}})
@example({"summary_metrics.acc": 1.0}, {"summary_metrics": {"acc": 10**400}})
def test_filters_validate_then_evaluate_without_errors(filters: Any, document: Any) -> None:
    """Any JSON filter is refused by validate() with an InputError or evaluates to a boolean."""
    try:
        validate(filters, where="--filter")
    except InputError:
        return
    assert matches(filters, document) in (True, False)


# --- GitHub event payloads ------------------------------------------------------------------------

EVENT_KEYS = st.sampled_from(
    [
        "pull_request", "head", "base", "sha", "number", "workflow_run", "head_sha",
        "pull_requests", "issue", "comment", "body",
    ]
)  # fmt: skip
payloads = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.one_of(EVENT_KEYS, st.text(max_size=4)), inner, max_size=4)
    ),
    max_leaves=16,
)


@FUZZ
@given(
    st.sampled_from(
        ["pull_request", "pull_request_target", "workflow_run", "issue_comment", "push", "", "x"]
    ),
    st.dictionaries(EVENT_KEYS, payloads, max_size=4),
    st.none() | st.text(max_size=50),
    texts,
    texts,
)
def test_event_payloads_never_raise(
    name: str, payload: dict[str, Any], github_sha: str | None, comment: str, phrase: str
) -> None:
    """Any event payload gives a commit and PR number of the right types, or none."""
    event = event_commit(name, payload, github_sha)
    assert isinstance(event, EventCommit)
    assert event.sha is None or (isinstance(event.sha, str) and event.sha == event.sha.strip())
    assert event.pr_number is None or (type(event.pr_number) is int and event.pr_number > 0)
    assert mentions_trigger(comment, phrase) in (True, False)


# --- the offline log reader -----------------------------------------------------------------------


@FUZZ
@given(
    st.sampled_from([b"", MAGIC + b"\0", MAGIC + b"\x01", MAGIC[:3]]),
    st.integers(0, 2**32 - 1),
    st.integers(0, 3 * BLOCK_SIZE),
    st.lists(st.tuples(st.integers(1, 4), st.binary(max_size=200)), max_size=8),
)
def test_log_reader_raises_only_offline_run_errors(
    header: bytes, seed: int, noise: int, chunks: list[tuple[int, bytes]]
) -> None:
    """Chunks then random bytes: records and warnings, or an OfflineRunError, nothing else."""
    data = bytearray(header)
    for kind, payload in chunks:
        data += struct.pack("<IHB", zlib.crc32(bytes([kind]) + payload), len(payload), kind)
        data += payload
    data += random.Random(seed).randbytes(noise)
    warnings: list[str] = []
    try:
        records = list(iter_log(io.BytesIO(bytes(data)), source="f.wandb", warn=warnings.append))
    except OfflineRunError as exc:
        error: OfflineRunError | None = exc
    else:
        error = None
        assert all(isinstance(r.payload, bytes) for r in records)
        assert len(warnings) <= 1
    assert error is None or "newer wandb log format" in error.message


def _framed(payloads: list[bytes]) -> bytes:
    """A ``.wandb`` log holding ``payloads``, one FULL chunk each (each under a block)."""
    data = bytearray(MAGIC + b"\0")
    for payload in payloads:
        left = BLOCK_SIZE - len(data) % BLOCK_SIZE
        if left < 7 + len(payload):
            data += bytes(left)
        data += struct.pack("<IHB", zlib.crc32(b"\x01" + payload), len(payload), 1) + payload
    return bytes(data)


START_TIME_2_62 = b"\x8a\x01\r\x8a\x01\n\x08\x80\x80\x80\x80\x80\x80\x80\x80@"
"""A serialized Record: a run record whose start_time is 2**62 seconds after 1970."""
value_json = st.one_of(
    json_values.map(lambda v: json.dumps(v, allow_nan=True)), st.text(max_size=20)
)
items = st.fixed_dictionaries(
    {"key": st.text(max_size=8), "nested_key": st.lists(st.text(max_size=5), max_size=3)},
    optional={"value_json": value_json},
)


@st.composite
def records(draw: st.DrawFn) -> bytes:
    """One serialized ``wandb_internal.Record``: a run, config, summary, history or exit record."""
    from wandb.proto import wandb_internal_pb2 as pb  # the optional 'local' extra's classes

    record = pb.Record()
    kind = draw(st.sampled_from(["run", "config", "summary", "history", "exit"]))
    if kind == "run":
        run = record.run
        run.run_id = draw(st.text(max_size=8))
        run.display_name = draw(st.text(max_size=12))
        run.tags.extend(draw(st.lists(st.text(max_size=6), max_size=3)))
        run.notes = draw(st.text(max_size=12))
        run.git.commit = draw(st.text(max_size=40))
        run.resume, run.resumed = draw(st.booleans()), draw(st.booleans())
        if draw(st.booleans()):
            run.start_time.seconds = draw(st.integers(-(2**63), 2**63 - 1))
        for item in draw(st.lists(items, max_size=3)):
            run.config.update.add(**item)
    elif kind in ("config", "summary"):
        target = getattr(record, kind)
        for item in draw(st.lists(items, max_size=4)):
            target.update.add(**item)
    elif kind == "history":
        for item in draw(st.lists(items, max_size=4)):
            record.history.item.add(**item)
        record.history.item.add(key="_step", value_json=draw(value_json))
    else:
        record.exit.exit_code = draw(st.integers(-(2**31), 2**31 - 1))
    return bytes(record.SerializeToString())


@FUZZ
@given(st.lists(records() | st.binary(max_size=30), max_size=6))
@example([START_TIME_2_62])
def test_offline_reader_raises_only_offline_run_errors(payloads: list[bytes]) -> None:
    """A .wandb file of arbitrary records gives runs and warnings, or an OfflineRunError."""
    pytest.importorskip("wandb.proto.wandb_internal_pb2")
    from wandb_pr.sources.offline import read_offline_runs

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run-fuzz.wandb"
        path.write_bytes(_framed(payloads))
        warnings: list[str] = []
        try:
            runs = read_offline_runs(path, warn=warnings.append)
        except OfflineRunError:
            return
    assert len(runs) <= 1
    for run in runs:
        assert all(isinstance(points, tuple) for points in run.history.values())


def test_the_pinned_offline_example_is_an_out_of_range_start_time() -> None:
    """The hand-written record in the offline fuzz test's @example is what it claims to be."""
    pb = pytest.importorskip("wandb.proto.wandb_internal_pb2")
    record = pb.Record()
    record.ParseFromString(START_TIME_2_62)
    assert record.WhichOneof("record_type") == "run"
    assert record.run.start_time.seconds == 2**62


# --- W&B run nodes and snapshot files -------------------------------------------------------------

node_fields = {
    name: st.one_of(json_values, json_values.map(lambda v: json.dumps(v, allow_nan=True)))
    for name in (
        "displayName", "state", "tags", "group", "jobType", "commit", "createdAt", "description",
        "user", "config", "summaryMetrics", "sampledHistory",
    )
}  # fmt: skip
nodes = st.fixed_dictionaries(
    {"name": st.one_of(st.text(max_size=8), json_scalars)}, optional=node_fields
)


@FUZZ
@given(nodes)
@example({"name": "r", "tags": 5})
@example({"name": "r", "sampledHistory": [[{"_step": 10**400, "acc": 1}]]})
@example({"name": "r", "summaryMetrics": "[" * 5000})
def test_run_nodes_parse_or_raise_query_errors(node: dict[str, Any]) -> None:
    """A run node of any shape becomes a Run or a WandbQueryError, never another exception."""
    try:
        run = parse_run(
            node, entity="acme", project="det", app_url="https://wandb.ai", history_keys=["acc"]
        )
    except WandbQueryError:
        return
    assert run.id == node["name"]
    assert all(isinstance(tag, str) for tag in run.tags)
    assert all(math.isfinite(s) and math.isfinite(v) for s, v in run.history.get("acc", ()))


snapshot_runs = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"id": json_scalars},
        optional=dict.fromkeys(
            ("name", "state", "tags", "config", "summary", "history", "artifacts"), json_values
        ),
    ),
)
snapshots = st.fixed_dictionaries(
    {
        "format": st.just(SNAPSHOT_FORMAT),
        "version": st.just(SNAPSHOT_VERSION),
        "entity": json_scalars,
        "project": json_scalars,
        "runs": st.lists(snapshot_runs, max_size=3),
    }
).map(lambda doc: json.dumps(doc, allow_nan=True))
BAD_RUN = json.dumps(
    {
        "format": SNAPSHOT_FORMAT,
        "version": SNAPSHOT_VERSION,
        "entity": "a",
        "project": "p",
        "runs": [["x"]],
    }
)


@FUZZ
@given(st.one_of(snapshots, texts))
@example(BAD_RUN)
@example("[" * 5000)
def test_snapshot_files_load_or_raise_snapshot_errors(text: str) -> None:
    """A snapshot file with any content loads, or raises a SnapshotError naming it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "snap.json"
        path.write_text(text, encoding="utf-8")
        try:
            load_snapshot(path)
        except SnapshotError as exc:
            message = exc.message
        else:
            message = str(path)
    assert str(path) in message


# --- coverage-guided ------------------------------------------------------------------------------

ATHERIS_HARNESS = """
import sys, atheris
with atheris.instrument_imports():
    from wandb_pr import errors, filters, settings
def one_input(data):
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(256)
    for call in (
        lambda: settings.parse_list(text, what="x"),
        lambda: settings.parse_filter(text, what="x"),
        lambda: settings.parse_duration(text, what="x"),
        lambda: settings.parse_project(text, what="x", default_entity="e"),
    ):
        try:
            call()
        except errors.WandbPrError:
            pass
atheris.Setup(sys.argv, one_input)
atheris.Fuzz()
"""


def test_coverage_guided_fuzzing_of_the_input_parsers(tmp_path: Path) -> None:
    """A short atheris run over the text parsers finds no crash (skipped without atheris)."""
    pytest.importorskip("atheris")
    harness = tmp_path / "harness.py"
    harness.write_text(ATHERIS_HARNESS)
    result = subprocess.run(
        [sys.executable, str(harness), "-atheris_runs=20000", "-max_total_time=10"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
