"""Step outputs and report files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.factories import make_run
from wandb_pr.models import RunSet
from wandb_pr.publish.files import write_atomically
from wandb_pr.publish.outputs import format_outputs, single_line
from wandb_pr.render.csv_report import render_csv
from wandb_pr.render.json_report import json_chunks, render_json
from wandb_pr.selection import build_selection
from wandb_pr.settings import Settings


def parse_github_output(text: str) -> dict[str, str]:
    """Parse $GITHUB_OUTPUT the way the runner does (name=value and name<<DELIM blocks)."""
    result: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body = []
            while lines[index] != delimiter:
                body.append(lines[index])
                index += 1
            index += 1
            result[name] = "\n".join(body)
        else:
            name, value = line.split("=", 1)
            result[name] = value
    return result


@given(st.dictionaries(st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True), st.text()))
def test_outputs_are_one_line_each_and_read_back(outputs: dict[str, str]) -> None:
    """Any value, with line breaks, '=' or '<<', is one line that reads back with its control
    characters escaped (and unchanged when it had none)."""
    text = format_outputs(outputs)
    assert len(text.splitlines()) == len(outputs)
    assert not any(c in text for c in "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
    read = parse_github_output(text)
    assert read == {name: single_line(value) for name, value in outputs.items()}
    for name, value in outputs.items():
        if value.isprintable():
            assert read[name] == value


def test_seed_csv_columns_and_cells() -> None:
    """The CSV keeps the original action's columns and order, then adds its own."""
    run_set = RunSet(
        candidates=(
            make_run(
                "c1",
                name="cand",
                tags=("a", "b"),
                config={"github_sha": "s1", "lr": 0.1},
                summary={"acc": 0.9, "loss": float("nan")},
                notes="n",
            ),
            make_run("c2", state="running", config={"github_sha": "s1"}),
        ),
        baselines=(make_run("b1", tags=("baseline",), summary={"acc": 0.8}),),
    )
    text = render_csv(run_set, metrics=("acc", "loss"), config_keys=("lr",))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "run.url",
        "run.name",
        "run.tags",
        "run.id",
        "run.entity",
        "run.project",
        "github_sha",
        "run.description",
        "acc",
        "loss",
        "_lr",
        "__eval.category",
        "run.state",
        "run.commit",
        "run.created_at",
        "run.group",
        "run.job_type",
        "run.uncommitted_bytes",
    ]
    assert rows[1][:12] == [
        "https://wandb.ai/acme/detector/runs/c1",
        "cand",
        "['a', 'b']",
        "c1",
        "acme",
        "detector",
        "s1",
        "n",
        "0.9",
        "NaN",  # logged NaN; an empty cell means "not logged"
        "0.1",
        "candidate",
    ]
    assert [r[3] for r in rows[1:]] == ["c1", "c2", "b1"]
    seed_rows = list(
        csv.reader(
            io.StringIO(
                render_csv(run_set, metrics=(), config_keys=(), finished_candidates_only=True)
            )
        )
    )
    assert [r[3] for r in seed_rows[1:]] == ["c1", "b1"]


def test_json_report_is_strict_and_complete() -> None:
    """The JSON report holds every run, its selection and counts, and is strict JSON."""
    settings = Settings(entity="acme", project="detector", sha="s1234567", baseline_tags=("b",))
    run_set = RunSet((make_run("c1", summary={"x": float("inf")}),), (make_run("b1"),))
    document = json.loads(
        render_json(run_set, build_selection(settings)),
        parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)),
    )
    assert document["candidates"][0]["summary"]["x"] == "Infinity"
    assert document["selection"]["baselines"]["description"] == "tagged b, excluding the candidates"
    assert document["counts"]["finished"] == 1
    assert document["counts"]["baselines"] == 1


@given(st.integers(0, 4), st.integers(0, 3))
def test_the_json_report_in_pieces_is_the_report_with_one_piece_per_run(
    candidates: int, baselines: int
) -> None:
    """Written a run at a time, the JSON report is exactly the document json.dumps would write."""
    settings = Settings(entity="acme", project="detector", sha="s1234567", baseline_tags=("b",))
    run_set = RunSet(
        tuple(make_run(f"c{i}", summary={"x": i / 3}) for i in range(candidates)),
        tuple(make_run(f"b{i}", config={"k": [i]}) for i in range(baselines)),
    )
    pieces = list(json_chunks(run_set, build_selection(settings)))
    text = "".join(pieces)
    assert text == render_json(run_set, build_selection(settings))
    document = json.loads(text)
    assert text == json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    assert [r["id"] for r in document["candidates"]] == [f"c{i}" for i in range(candidates)]
    assert [r["id"] for r in document["baselines"]] == [f"b{i}" for i in range(baselines)]
    # The three pieces around the sides; a side is one piece a run and its closing bracket,
    # or one "[]" piece when it has no runs.
    per_side = [runs + 1 if runs else 1 for runs in (candidates, baselines)]
    assert len(pieces) == 3 + sum(per_side)


def test_atomic_write_takes_pieces(tmp_path: Path) -> None:
    """Pieces are written in order as one file, atomically as a string is."""
    target = tmp_path / "report.json"
    write_atomically(target, iter(["[", "1, ", "2", "]\n"]))
    assert target.read_text() == "[1, 2]\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_atomic_write_leaves_no_partial_file(tmp_path: Path) -> None:
    """A file is replaced in one step, and no temporary file is left behind."""
    target = tmp_path / "sub" / "report.csv"
    write_atomically(target, "a,b\n")
    write_atomically(target, "c,d\n")
    assert target.read_text() == "c,d\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.csv"]
