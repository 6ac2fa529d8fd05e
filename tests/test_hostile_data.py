"""Hostile and odd run data, end to end: what anyone with W&B write access can put in a run.

Runs with bidirectional overrides, zero-width and control characters, HTML, mentions, issue
references and pipes in their names, tags, config and metric names; NaN, infinities, huge and
nested values in their summaries; 1 MB notes; and fields W&B's schema allows to be null. They go
through the real pipeline (the W&B test server, ``wandb-pr action`` and ``wandb-pr report``) and
every place the report lands is checked: the pull request comment and the job summary rendered
by cmark-gfm as GitHub does, the terminal table, the CSV and JSON files, the step outputs and the
workflow commands on stdout.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.github_server import GitHubTestServer
from tests.render.gfm import WORD_JOINER, Html, hazards, parse
from tests.test_outputs import parse_github_output
from tests.wandb_server import WandbTestServer
from wandb_pr.entry.cli import main
from wandb_pr.publish.github import marker

SHA = "0123456789abcdef0123456789abcdef01234567"
BASE = "b" * 40
EVIL = (
    "\u202eevil\u202c | <script>alert(1)</script> @octocat #12 \x1b[31mred\x1b[0m "
    "zero\u200bwidth\u2066iso\u2069\nnew\rline \x00\x07 https://evil.example www.evil.example "
    "[x](javascript:alert(1)) **bold** `code` ~~s~~ $x$"
)
"""A run name (and tag, config value) that tries every trick at once."""
INJECT = "acc\n::set-output name=verdict::pass\n::add-mask::x\nacc"
"""A summary key that would be a workflow command if printed raw (its last word, ``acc``,
gives it a direction, so that it can regress)."""
MEGABYTE = 1_000_000
SUMMARY: dict[str, Any] = {
    "acc": math.nan,
    "loss": math.inf,
    "neg": -math.inf,
    "big": 1.7e308,
    "huge_int": 10**400,
    "hist": {"_type": "histogram", "values": [1, 2], "bins": [0, 1, 2]},
    "eval": {"acc": 0.9, "deep": {"f1": 0.5}},
    "val loss": 0.3,
    "a.b": 0.1,
    "x|y": 1,
    "<img src=x onerror=alert(1)>": 1,
    "@octocat": 2,
    "#123": 3,
    "\u202eevil": 4,
    "zw\u200bkey": 5,
    "": 6,
    INJECT: 0.1,
}
NULLABLE = (
    "displayName",
    "state",
    "tags",
    "group",
    "jobType",
    "commit",
    "description",
    "user",
    "config",
    "summaryMetrics",
    "sampledHistory",
)
"""Run fields W&B's schema allows to be null; the run ``nulls`` answers null for each."""


def _name(cell: str) -> str:
    """A metric cell's name, without word joiners and the goal mark (``↓``, ``↑*``)."""
    return re.sub(r"\xa0[↑↓]\*?(tolerance\xa0.*)?$", "", cell.replace(WORD_JOINER, ""))


ALLOWED_TAGS = {
    "h3", "p", "strong", "em", "code", "pre", "a", "ul", "li", "details", "summary",
    "table", "thead", "tbody", "tr", "th", "td", "br", "sub",
}  # fmt: skip
"""Every HTML element the report itself uses; anything else came from run data."""
INVISIBLE = re.compile(
    "[\u202a-\u202e\u2066-\u2069\u200b-\u200f\u061c\ufeff\x00-\x08\x0b-\x1f\x7f]"
)


class Result(NamedTuple):
    """What one in-process run of the CLI left behind."""

    code: int
    out: str
    err: str


def run_main(argv: list[str], env: dict[str, str]) -> Result:
    """Run ``wandb-pr`` in-process."""
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, environ=env, stdout=out, stderr=err)
    return Result(code, out.getvalue(), err.getvalue())


def answer_nulls(
    server: WandbTestServer, monkeypatch: pytest.MonkeyPatch, run_id: str, fields: tuple[str, ...]
) -> None:
    """Make the W&B test server answer ``null`` for ``fields`` of run ``run_id``, as W&B may."""
    answer: Callable[[Any, Any], tuple[int, dict[str, Any]]] = server._answer

    def nulled(handler: Any, body: Any) -> tuple[int, dict[str, Any]]:
        code, data = answer(handler, body)
        for side in (data.get("data") or {}).values():
            for edge in ((side or {}).get("runs") or {}).get("edges", []):
                if edge["node"]["name"] == run_id:
                    edge["node"].update(dict.fromkeys(fields))
        return code, data

    monkeypatch.setattr(server, "_answer", nulled)


@pytest.fixture
def hostile(wandb_server: WandbTestServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A project whose runs carry hostile names, tags, config, metric names, values and notes."""
    history = [{"_step": s, "val loss": 1 / (s + 1), "eval.acc": s / 10} for s in range(5)]
    wandb_server.add_run(
        "acme",
        "det",
        id="c0",
        display_name=EVIL,
        tags=["@team", "<b>x</b>", "a|b", "\u202e", "", EVIL],
        config={"github_sha": SHA, "lr": math.nan, "path": EVIL, "nested": {"k": EVIL}},
        summary=SUMMARY,
        history=history,
        description="n" * MEGABYTE,
        group="",
        commit=SHA,
    )
    wandb_server.add_run("acme", "det", id="c1", display_name="", config={"github_sha": SHA})
    wandb_server.add_run(
        "acme", "det", id="nulls", config={"github_sha": SHA}, summary={"acc": 0.5}
    )
    wandb_server.add_run(
        "acme",
        "det",
        id="b0",
        display_name=EVIL,
        tags=["production"],
        summary={**SUMMARY, INJECT: 0.9},
        history=history,
        description="m" * MEGABYTE,
    )
    answer_nulls(wandb_server, monkeypatch, "nulls", NULLABLE)
    return {"WANDB_API_KEY": wandb_server.api_key, "WANDB_BASE_URL": wandb_server.base_url}


@pytest.fixture
def action_env(
    hostile: dict[str, str],
    wandb_server: WandbTestServer,
    github_server: GitHubTestServer,
    tmp_path: Path,
) -> dict[str, str]:
    """A runner on a pull_request event for PR #7 over the hostile project."""
    github_server.add_pull("octo", "app", 7, head_sha=SHA, base_sha=BASE)
    (tmp_path / "ws").mkdir()
    for name in ("output", "summary"):
        (tmp_path / name).touch()
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"number": 7, "head": {"sha": SHA}, "base": {"sha": BASE}}})
    )
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_WORKSPACE": str(tmp_path / "ws"),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "GITHUB_REPOSITORY": "octo/app",
        "GITHUB_API_URL": github_server.api_url,
        "WANDB_BASE_URL": wandb_server.base_url,
        "INPUT_WANDB_API_KEY": wandb_server.api_key,
        "INPUT_GITHUB_TOKEN": github_server.token,
        "INPUT_PROJECT": "acme/det",
        "INPUT_BASELINE_TAGS": "production",
        "INPUT_CONFIG_KEYS": "lr\npath\nnested.k",
        "INPUT_DEADLINE": "10",
    }


def comment_body(server: GitHubTestServer) -> str:
    """The body of the one comment on PR #7."""
    comments = server.comments("octo", "app", 7)
    assert len(comments) == 1
    return str(comments[0]["body"])


def assert_inert(markdown: str, *, limit: int, app_url: str) -> Html:
    """GitHub would show ``markdown`` as the report's own structure with every run's text inert."""
    assert len(markdown.encode()) <= limit
    assert not INVISIBLE.findall(markdown.replace("\n", ""))
    assert not re.search("[\u2028\u2029\r]", markdown)
    doc = parse(markdown)
    assert set(doc.tags) <= ALLOWED_TAGS, set(doc.tags) - ALLOWED_TAGS
    assert all(link.startswith(app_url + "/acme/det") for link in doc.links), doc.links
    prose = doc.text
    for block in doc.code_blocks:  # code is never linked; Mermaid colours look like "#1f77b4"
        prose = prose.replace(block, "")
    assert set(hazards(prose)) <= {"line break"}, hazards(prose)
    assert doc.tables
    for table in doc.tables:
        assert all(len(row) == len(table.header) for row in table.rows), table
    assert all(not INVISIBLE.search(block) for block in doc.code_blocks)
    return doc


def test_hostile_runs_stay_inert_in_the_comment_and_the_summary(
    action_env: dict[str, str], github_server: GitHubTestServer, wandb_server: WandbTestServer
) -> None:
    """Hostile run text renders as inert cell text in the comment and summary; notes stay out."""
    start = time.monotonic()
    result = run_main(["action"], action_env)
    assert result.code == 0, result.err
    body = comment_body(github_server)
    assert body.startswith(marker("acme/det") + "\n### ")
    doc = assert_inert(body, limit=65_536, app_url=wandb_server.base_url)
    assert "n" * 1000 not in body
    metric_table = doc.tables[0]
    names = [_name(row[1]) for row in metric_table.rows]
    assert "<img src=x onerror=alert(1)>" in names  # shown as text, not as an element
    assert "@octocat" in names
    assert "x|y" in names
    assert "acc ::set-output name=verdict::pass ::add-mask::x acc" in names
    runs = doc.tables[1]
    evil_row = next(row for row in runs.rows if "script" in row[0])
    assert (
        evil_row[0]
        .replace(WORD_JOINER, "")
        .startswith(
            "evil | <script>alert(1)</script> @octocat #12 [31mred [0m zerowidthiso new line"
        )
    )
    summary = Path(action_env["GITHUB_STEP_SUMMARY"]).read_text()
    assert_inert(summary, limit=1_048_576, app_url=wandb_server.base_url)
    assert time.monotonic() - start < 20


def test_odd_metric_names_and_values_are_compared_or_explained(
    action_env: dict[str, str], github_server: GitHubTestServer, wandb_server: WandbTestServer
) -> None:
    """Dotted, spaced, nested metrics are compared; NaN, inf, huge and media values explained."""
    metrics = ["val loss:min", "eval.acc:max", "a.b", "acc:max", "loss:min", "huge_int", "hist"]
    env = {**action_env, "INPUT_METRICS": "\n".join(metrics)}
    result = run_main(["action"], env)
    assert result.code == 0, result.err
    body = comment_body(github_server)
    doc = assert_inert(body, limit=65_536, app_url=wandb_server.base_url)
    rows = {_name(row[1]): row for row in doc.tables[0].rows}
    assert sorted(rows) == sorted(
        ["val loss", "eval.acc", "a.b", "acc", "loss", "huge_int", "hist"]
    )
    assert (rows["val loss"][2], rows["val loss"][3]) == ("0.3000", "0.3000")
    assert (rows["eval.acc"][2], rows["eval.acc"][3]) == ("0.9000", "0.9000")
    assert (rows["a.b"][2], rows["a.b"][3]) == ("0.1000", "0.1000")
    # The run "nulls" has no state: not finished, so not counted (the verdict is pending).
    for name, shown, gap in (
        ("acc", "NaN", "1 of 2 candidate runs diverged (NaN)"),
        ("loss", "inf", "1 of 2 candidate runs diverged (inf)"),
        ("huge_int", "—", "not a number on 1 of 2 candidate runs"),
        ("hist", "—", "not a number on 1 of 2 candidate runs"),
    ):
        assert rows[name][3] == shown
        assert f"{name}: " in doc.text
        assert gap in doc.text
        assert f"{name}: " + "no value on 1 of 2 candidate runs (c1)" in doc.text.replace(
            f"{gap}; ", ""
        )
    assert doc.code_languages.count("mermaid") == 2  # val loss and eval.acc have history
    assert all(block.isascii() for block in doc.code_blocks)
    document = json.loads(Path(env["GITHUB_WORKSPACE"], "wandb_report.json").read_text())
    assert document["candidates"][0]["history"]["val loss"][0] == [0.0, 1.0]


def test_hostile_runs_stay_inert_in_the_terminal(hostile: dict[str, str]) -> None:
    """The terminal report has no escape, control, bidi or zero-width character; a line per run."""
    args = ["report", "--project", "acme/det", "--sha", SHA, "--baseline-tag", "production"]
    args += ["--format", "text", "--config-key", "path", "--metric", "val loss:min"]
    args += ["--metric", "acc", "--metric", "<img src=x>"]
    result = run_main(args, hostile)
    assert result.code == 0, result.err
    text = result.out
    assert "\x1b" not in text
    assert not INVISIBLE.findall(text.replace("\n", ""))
    lines = text.split("\n")
    start = lines.index("Candidates (3):")
    assert [line.startswith("  ") for line in lines[start + 1 : start + 5]] == [True] * 3 + [False]
    assert lines[start + 1].startswith("  evil | <script>alert(1)</script> @octoc")
    baselines = lines.index("Baselines (1):")
    assert lines[baselines + 1].startswith("  evil | ")
    assert lines[baselines + 2] == ""
    table = lines.index(next(line for line in lines if line.startswith("status ")))
    metrics = [line[lines[table].index("metric") :].split()[0] for line in lines[table + 1 :][:3]]
    assert sorted(metrics) == ["<img", "acc", "val"]
    for line in lines:
        assert unicodedata.category(line[-1:] or "a") != "Cf"


def test_csv_and_json_keep_every_value_exactly_and_their_shape(
    action_env: dict[str, str], github_server: GitHubTestServer
) -> None:
    """CSV keeps its columns and JSON stays strict, both holding every hostile value exactly."""
    assert run_main(["action"], action_env).code == 0
    workspace = Path(action_env["GITHUB_WORKSPACE"])
    with (workspace / "wandb_report.csv").open(encoding="utf-8", newline="") as handle:
        text = handle.read()  # as written: a CR inside a quoted name stays a CR
    limit = csv.field_size_limit(2 * MEGABYTE)  # the 1 MB notes are one field
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    finally:
        csv.field_size_limit(limit)
    header = rows[0]
    assert all(len(row) == len(header) for row in rows)
    by_id = {row[header.index("run.id")]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert list(by_id) == ["c0", "c1", "nulls", "b0"]
    evil = by_id["c0"]
    assert evil["run.name"] == EVIL
    assert evil["run.description"] == "n" * MEGABYTE
    assert evil["_lr"] == "NaN"  # written as such: an empty cell means "not logged"
    assert evil["_path"] == EVIL
    assert by_id["c1"]["run.name"] == "c1"  # an empty display name falls back to the id

    def no_constants(name: str) -> None:
        raise AssertionError(f"bare {name} in the JSON report")

    document = json.loads(
        (workspace / "wandb_report.json").read_text(), parse_constant=no_constants
    )
    c0 = document["candidates"][0]
    assert (c0["name"], c0["notes"], c0["tags"][-1]) == (EVIL, "n" * MEGABYTE, EVIL)
    summary = c0["summary"]
    assert (summary["acc"], summary["loss"], summary["neg"]) == ("NaN", "Infinity", "-Infinity")
    assert summary["huge_int"] == 10**400
    assert summary["big"] == 1.7e308
    assert summary[INJECT] == 0.1
    assert summary["hist"]["_type"] == "histogram"


def test_null_fields_the_schema_allows_are_reported(
    hostile: dict[str, str], tmp_path: Path
) -> None:
    """A run whose nullable fields are all null is listed by its id, state unknown, exit 0."""
    args = ["report", "--project", "acme/det", "--sha", SHA, "--baseline-tag", "production"]
    result = run_main([*args, "--format", "json", "--metric", "acc"], hostile)
    assert result.code == 0, result.err
    run = next(r for r in json.loads(result.out)["candidates"] if r["id"] == "nulls")
    assert (run["name"], run["state"], run["tags"], run["config"], run["summary"]) == (
        "nulls",
        "unknown",
        [],
        {},
        {},
    )
    assert (run["group"], run["commit"], run["notes"], run["user"], run["history"]) == (
        None,
        None,
        None,
        None,
        {},
    )


def test_metric_names_cannot_inject_workflow_commands_or_outputs(
    action_env: dict[str, str],
) -> None:
    """A metric name holding newlines and ::commands injects no workflow command or output."""
    # Without the run "nulls", which has no state (so may not be finished: verdict pending).
    nulls_out = json.dumps({"name": {"$ne": "nulls"}})
    env = {**action_env, "INPUT_FAIL_ON_REGRESSION": "true", "INPUT_FILTER": nulls_out}
    result = run_main(["action"], env)
    assert result.code == 1
    commands = [line for line in result.out.splitlines() if line.startswith("::")]
    kinds = {re.match(r"::([a-z-]+)", line).group(1) for line in commands}  # type: ignore[union-attr]
    assert kinds <= {"add-mask", "warning", "error", "group", "endgroup"}
    masks = [line for line in commands if line.startswith("::add-mask::")]
    assert masks == [
        f"::add-mask::{action_env['INPUT_WANDB_API_KEY']}",
        f"::add-mask::{action_env['INPUT_GITHUB_TOKEN']}",
    ]
    error = next(line for line in commands if line.startswith("::error"))
    assert "acc%0A::set-output name=verdict::pass%0A::add-mask::x" in error
    values = parse_github_output(Path(env["GITHUB_OUTPUT"]).read_text())
    assert values["verdict"] == "regression"
    assert values["regressions"] == "acc\\n::set-output name=verdict::pass\\n::add-mask::x\\nacc"
    assert Path(env["GITHUB_OUTPUT"]).read_text().count("\n") == len(values)
    assert set(values) == {
        "verdict", "regressions", "complete", "single-run", "num-finished", "num-running",
        "num-crashed", "num-aborted", "num-baselines", "csv-path", "json-path", "comment-url",
        "check-run-url",
    }  # fmt: skip


def test_comment_key_cannot_break_out_of_the_marker(
    action_env: dict[str, str], github_server: GitHubTestServer
) -> None:
    """A comment-key holding '-->' (say, a branch name) stays inside the hidden marker."""
    key = "feat-->@octocat<img/src=x>#1<!--"
    env = {**action_env, "INPUT_COMMENT_KEY": key}
    assert run_main(["action"], env).code == 0
    assert run_main(["action"], env).code == 0
    body = comment_body(github_server)
    doc = parse(body)
    assert "img" not in doc.tags
    assert "mention" not in hazards(doc.text)
    first_line = body.splitlines()[0]
    assert first_line.startswith("<!-- ")
    assert first_line.count("-->") == 1


def test_many_hostile_runs_stay_within_the_size_limits(
    wandb_server: WandbTestServer,
    github_server: GitHubTestServer,
    action_env: dict[str, str],
) -> None:
    """300 hostile runs: comment under 65,536 characters, summary under 1 MiB, tables whole."""
    for i in range(300):
        wandb_server.add_run(
            "acme",
            "det",
            id=f"m{i}",
            display_name=f"{i} {EVIL}" * 20,
            tags=[EVIL * 5] * 12,
            config={"github_sha": SHA},
            summary={f"metric {k} {EVIL[:20]}": i + k for k in range(15)},
        )
    result = run_main(["action"], action_env)
    assert result.code == 0, result.err
    body = comment_body(github_server)
    doc = assert_inert(body, limit=65_536, app_url=wandb_server.base_url)
    assert "the CSV and JSON report files have the full data" in doc.text
    summary = Path(action_env["GITHUB_STEP_SUMMARY"]).read_text()
    assert_inert(summary, limit=1_048_576, app_url=wandb_server.base_url)
