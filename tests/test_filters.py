"""The W&B filter language, as evaluated locally (offline runs, snapshots, the test server)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import make_run
from wandb_pr.errors import InputError
from wandb_pr.filters import matches, run_document, validate

DOC = run_document(
    make_run(
        "r1",
        name="resnet lr=0.1",
        tags=("baseline", "prod"),
        config={"lr": 0.1, "opt": {"name": "adam", "beta": 0.9}, "flag": True, "n": 3},
        summary={"acc": 0.91, "loss": float("nan"), "eval": {"f1": 0.5}},
        commit="abcdef0123",
        group="g",
    )
)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"name": "r1"}, True),
        ({"tags": "baseline"}, True),
        ({"tags": {"$in": ["x", "prod"]}}, True),
        ({"tags": {"$nin": ["prod"]}}, False),
        ({"tags": ["baseline", "prod"]}, True),
        ({"config.lr": 0.1}, True),
        ({"config.lr.value": 0.1}, True),
        ({"config.opt.name": "adam"}, True),
        ({"config.opt.value.beta": {"$gt": 0.5}}, True),
        ({"config.flag": True}, True),
        ({"config.flag": 1}, False),
        ({"config.n": 3.0}, True),
        ({"config.n": {"$gte": 3, "$lt": 4}}, True),
        ({"config.n": {"$gt": "2"}}, False),
        ({"config.missing": {"$exists": False}}, True),
        ({"config.missing": {"$ne": "x"}}, True),
        ({"config.missing": None}, True),
        ({"config.lr": {"$exists": True}}, True),
        ({"summary_metrics.acc": {"$gte": 0.9}}, True),
        ({"summary_metrics.loss": {"$eq": float("nan")}}, False),
        ({"summary_metrics.eval.f1": 0.5}, True),
        ({"displayName": {"$regex": "lr=0\\.1$"}}, True),
        ({"commit": {"$regex": "^abcdef"}}, True),
        ({"commit": {"$regex": "^bcdef"}}, False),
        ({"state": "finished", "group": "g"}, True),
        ({"$or": [{"state": "running"}, {"group": "g"}]}, True),
        ({"$and": [{"state": "finished"}, {"group": "h"}]}, False),
        ({"$nor": [{"state": "running"}]}, True),
        ({"jobType": None}, True),
    ],
)
def test_operators(filters: dict[str, Any], expected: bool) -> None:
    """Each operator behaves as MongoDB (and W&B) define it."""
    validate(filters)
    assert matches(filters, DOC) is expected


@pytest.mark.parametrize(
    ("filters", "problem"),
    [
        ({"$where": "1"}, "unknown operator $where"),
        ({"a": {"$near": 1}}, "unknown operator $near at a"),
        ({"$or": []}, "$or needs a non-empty list of filters"),
        ({"$and": [1]}, "expected a JSON object at $and[0], got a number"),
        ({"a": {"$in": "x"}}, "$in needs a list at a"),
        ({"a": {"$exists": "yes"}}, "$exists needs true or false at a"),
        ({"a": {"$regex": "("}}, "does not compile"),
        ("x", "expected a JSON object, got a string"),
    ],
)
def test_malformed_filters(filters: object, problem: str) -> None:
    """Malformed filters are InputErrors that say what is wrong and where."""
    with pytest.raises(InputError) as caught:
        validate(filters, where="--filter")
    assert problem in caught.value.message
    assert caught.value.message.startswith("--filter is not a valid W&B run filter")


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True), st.text(max_size=3)
)
fields = st.sampled_from(["state", "tags", "config.lr", "config.missing", "summary_metrics.acc"])


@st.composite
def leaf_filters(draw: st.DrawFn) -> dict[str, Any]:
    """A single-field filter with a random operator and operand."""
    field = draw(fields)
    op = draw(
        st.sampled_from(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "literal"])
    )
    if op in ("$in", "$nin"):
        return {field: {op: draw(st.lists(scalars, max_size=3))}}
    if op == "literal":
        return {field: draw(scalars)}
    return {field: {op: draw(scalars)}}


@given(leaf_filters())
def test_nor_is_negation(leaf: dict[str, Any]) -> None:
    """$nor of a filter matches exactly the documents the filter does not."""
    assert matches({"$nor": [leaf]}, DOC) is not matches(leaf, DOC)


@given(fields, scalars)
def test_ne_is_not_eq_and_in_is_eq(field: str, value: Any) -> None:
    """$ne negates $eq, $in of one value is $eq, and $nin negates $in."""
    eq = matches({field: {"$eq": value}}, DOC)
    assert matches({field: {"$ne": value}}, DOC) is not eq
    assert matches({field: {"$in": [value]}}, DOC) is eq
    assert matches({field: {"$nin": [value]}}, DOC) is not eq


json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
)


@given(json_values)
def test_validate_never_raises_anything_else(value: Any) -> None:
    """Any JSON value is either a valid filter that evaluates, or an InputError."""
    try:
        validate(value)
    except InputError:
        return
    assert matches(value, DOC) in (True, False)
