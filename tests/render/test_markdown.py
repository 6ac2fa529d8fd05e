"""The Markdown report, rendered by cmark-gfm and read back as HTML tables, links and text."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest
from scipy import stats as scipy_stats

from tests.compare.factories import make_run, make_run_set
from tests.render import reports
from tests.render.gfm import Html, check_xychart, hazards, parse
from wandb_pr.compare import MetricStatus, Verdict, compare
from wandb_pr.render import _format as fmt
from wandb_pr.render.markdown import COMMENT_LIMIT, SUMMARY_LIMIT, render_markdown
from wandb_pr.render.report import Report

_ALLOWED_TAGS = {
    "h3", "p", "strong", "em", "code", "pre", "a", "ul", "li", "details", "summary",
    "table", "thead", "tbody", "tr", "th", "td", "br", "sub",
}  # fmt: skip


def _render(report: Report, **kwargs: int) -> tuple[str, Html]:
    text = render_markdown(report, **kwargs)
    return text, parse(text)


def _assert_well_formed(doc: Html) -> None:
    """Every row has as many cells as its header; only the tags the renderer writes appear."""
    for table in doc.tables:
        assert all(len(row) == len(table.header) for row in table.rows), table.header
    assert set(doc.tags) <= _ALLOWED_TAGS
    assert doc.tags.count("details") <= 2 + len(doc.code_blocks)  # runs, warnings, charts


def test_one_run_vs_one_baseline_exact_output() -> None:
    """One candidate against one baseline renders exactly this (no test, tolerance noted)."""
    assert render_markdown(reports.one_vs_one()) == (
        "### ✅ wandb-pr: pass, no regressions in 2 metrics\n"
        "\n"
        "- 🟢 **val\\_loss** -5.0% (0.4000 → 0.3800)\n"
        "- 🟢 **val\\_acc** +1.1% (0.9000 → 0.9100, tolerance 0.005)\n"
        "\n"
        "1 candidate run of commit `3f2a9c1` in [acme/detector](https://wandb.ai/acme/detector) "
        "vs 1 baseline run: runs tagged production.\n"
        "\n"
        "| Status | Metric | Baseline | Candidate | Δ |\n"
        "| --- | --- | --: | --: | --: |\n"
        "| 🟢\xa0better | val\\_loss\xa0↓\\* | 0.4000 | 0.3800 | -5.0% |\n"
        "| 🟢\xa0better | val\\_acc\xa0↑<br><sub>tolerance\xa00.005</sub> | 0.9000 | 0.9100 | "
        "+1.1% |\n"
        "\n"
        "<sub>Δ: the change of the mean, relative to the baseline's; ± standard deviation over "
        "the runs (n: runs with a value). No significance test: with one run per side there is no "
        "noise estimate, so any change beyond the tolerance counts. Tolerance: how far a metric "
        "may worsen and still pass. ↓ lower is better, ↑ higher is better (\\* guessed from the "
        "metric's name).</sub>\n"
        "\n"
        "<details><summary>Runs: 1 candidate, 1 baseline</summary>\n"
        "\n"
        "**Candidates**\n"
        "\n"
        "| Run | State | Tags | Commit | val\\_loss | val\\_acc |\n"
        "| --- | --- | --- | --- | --: | --: |\n"
        "| [pr-run](https://wandb.ai/acme/detector/runs/c1) | finished |  | `3f2a9c1` | 0.38 | "
        "0.91 |\n"
        "\n"
        "**Baselines**\n"
        "\n"
        "| Run | State | Tags | Commit | val\\_loss | val\\_acc |\n"
        "| --- | --- | --- | --- | --: | --: |\n"
        "| [prod](https://wandb.ai/acme/detector/runs/b1) | finished | production |  | 0.4 | 0.9 "
        "|\n"
        "\n"
        "</details>\n"
        "\n"
        "**Provenance**\n"
        "\n"
        "- W&B project: [acme/detector](https://wandb.ai/acme/detector)\n"
        "- Commit: `3f2a9c1d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b`\n"
        "- Candidates: runs whose config github\\_sha is 3f2a9c1d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b\n"
        "- Baselines: runs tagged production\n"
        "- Made by [this workflow run](https://github.com/acme/detector/actions/runs/42)\n"
    )


def test_one_run_vs_one_baseline_as_html() -> None:
    """The 1-vs-1 report is three well-formed tables and links to runs, project and workflow."""
    _, doc = _render(reports.one_vs_one())
    _assert_well_formed(doc)
    metrics, candidates, baselines = doc.tables
    assert metrics.header == ["Status", "Metric", "Baseline", "Candidate", "Δ"]
    assert metrics.rows[0] == ["🟢\xa0better", "val_loss\xa0↓*", "0.4000", "0.3800", "-5.0%"]
    assert metrics.rows[1][1] == "val_acc\xa0↑tolerance\xa00.005"  # the tolerance under the name
    assert [r[0] for r in candidates.rows] == ["pr-run"]
    assert [r[0] for r in baselines.rows] == ["prod"]
    assert doc.links == [
        "https://wandb.ai/acme/detector",
        "https://wandb.ai/acme/detector/runs/c1",
        "https://wandb.ai/acme/detector/runs/b1",
        "https://wandb.ai/acme/detector",
        "https://github.com/acme/detector/actions/runs/42",
    ]


def test_seeds_vs_baselines_show_spread_significance_and_test_used() -> None:
    """5 seeds vs 3 baselines: mean ± std (n), Welch p (as scipy), sparklines, the test named."""
    report = reports.seeds_vs_baselines()
    text, doc = _render(report)
    _assert_well_formed(doc)
    metrics = doc.tables[0]
    assert metrics.header == ["Status", "Metric", "Baseline", "Candidate", "Δ", "p"]
    loss = dict(zip(metrics.header, metrics.rows[0], strict=True))
    assert loss["Metric"] == "val_loss\xa0↓*"
    assert loss["Baseline"] == "0.4183\u202f±\u202f0.0065"
    assert loss["Candidate"] == "0.3982\u202f±\u202f0.0055"
    # val_loss is lower-is-better and went down: its p is the one-sided "better" tail.
    expected_p = scipy_stats.ttest_ind(
        [0.391, 0.402, 0.398, 0.405, 0.395],
        [0.412, 0.425, 0.418],
        equal_var=False,
        alternative="less",
    ).pvalue
    (m,) = [m for m in report.comparison.metrics if m.name == "val_loss"]
    assert m.test is not None
    assert m.test.p == pytest.approx(expected_p, rel=1e-9)
    family = [m for m in report.comparison.metrics if m.test and m.direction.value != "none"]
    assert len(family) == 2  # val_loss, val_acc: epoch has no goal and is not in the family
    # Holm over the "better" claims of both metrics (the other tail where a change points worse).
    better = sorted(
        f.test.p if f.status.value == "better" else 1 - f.test.p for f in family if f.test
    )
    holm = [min(1.0, 2 * better[0]), min(1.0, max(2 * better[0], better[1]))]
    assert loss["p"] == f"{holm[better.index(m.test.p)]:.3f}"
    assert loss["Status"] == "🟢\xa0better"
    assert "Welch's t-test (unequal variances)" in doc.text
    acc = dict(zip(metrics.header, metrics.rows[1], strict=True))
    assert (acc["Status"], acc["Δ"]) == ("⚪\xa0within\xa0tolerance", "+0.26%")
    assert acc["Metric"] == "val_acc\xa0↑tolerance\xa00.5%"
    assert [len(t.rows) for t in doc.tables] == [3, 5, 3]
    assert doc.tables[1].header == [
        "Run", "State", "Tags", "Commit", "lr", "seed", "val_loss", "val_acc", "epoch"
    ]  # fmt: skip
    assert doc.tables[1].rows[0] == [
        "seed-0", "finished", "pr-17, seed-0", "3f2a9c1", "0.01", "0", "0.391", "0.912", "10"
    ]  # fmt: skip
    assert doc.code_languages == ["mermaid", "mermaid"]
    assert re.search(r"🟢 val_loss [▁▂▄▆█]+ — blue: 3f2a9c1 ×5, grey: baseline ×3", doc.text)
    assert text.splitlines()[0].startswith("### ✅ ")


def test_mermaid_blocks_follow_the_xychart_grammar() -> None:
    """Each chart: init palette, xychart-beta, numeric axes, lines of lexer-readable numbers."""
    _, doc = _render(reports.seeds_vs_baselines())
    assert len(doc.code_blocks) == 2
    for block in doc.code_blocks:
        check_xychart(block, "#2563eb, #9ca3af")


def test_missing_metrics_are_reported_not_dropped() -> None:
    """A metric absent on one side is a 'missing' row; per-run gaps and NaN are spelled out."""
    _, doc = _render(reports.with_missing())
    _assert_well_formed(doc)
    rows = {row[1].split("\xa0")[0]: row for row in doc.tables[0].rows}
    assert doc.tables[0].header[2:4] == ["Baseline", "Candidate"]  # n differs: shown per row
    statuses = [row[0] for row in doc.tables[0].rows]
    assert statuses == ["🔴\xa0diverged", "❔\xa0missing", "🟢\xa0better"]  # worst first
    assert rows["bleu"][2:5] == ["30", "—", "—"]
    assert "loss: 1 of 2 candidate runs diverged (NaN)" in doc.text
    assert "bleu: no value on 2 of 2 candidate runs (c1, c2)" in doc.text
    assert doc.tables[1].header == ["Run", "State", "loss", "f1", "bleu"]  # no tags, no commits
    assert doc.tables[1].rows[1][2:] == ["NaN", "—", "—"]


def test_no_baselines() -> None:
    """Without baselines the verdict says so, candidates still show, baselines say None."""
    text, doc = _render(reports.no_baselines())
    _assert_well_formed(doc)
    assert text.splitlines()[0] == (
        "### ⚠️ wandb-pr: no baseline runs found (runs tagged production); check the baseline "
        "selection, or pass --allow-missing (Action: allow-missing) to accept a report without one"
    )
    assert "No finished baseline runs were found: runs tagged production." in doc.text
    assert doc.tables[0].rows[0][2:4] == ["—", "0.3000"]
    assert "None." in doc.text


def test_no_runs_names_the_sha_the_query_and_the_fix() -> None:
    """No candidates: a warning first line with the SHA, the query that found nothing, a tip."""
    text, doc = _render(reports.no_runs())
    _assert_well_formed(doc)
    assert text.splitlines()[0] == f"### ⚠️ wandb-pr: no runs found for commit `{reports.SHA}`"
    assert f"Searched for: runs whose config github_sha is {reports.SHA}." in doc.text
    assert "log github_sha in the run config" in doc.text
    assert "enable git in wandb" in doc.text
    assert len(doc.tables) == 1  # only the baselines: no metric table


def test_crashed_candidates_only_is_no_usable_runs() -> None:
    """Candidates that all crashed give the no-runs verdict, saying why."""
    run_set = make_run_set([make_run("c1", state="crashed"), make_run("c2", state="killed")])
    report = Report(compare(run_set), run_set, reports.provenance())
    assert render_markdown(report).splitlines()[0] == (
        f"### ⚠️ wandb-pr: no usable runs for commit `{reports.SHA}` "
        "(1 crashed or failed, 1 killed or aborted)"
    )


def test_running_runs_make_the_report_pending() -> None:
    """Runs still running: an hourglass verdict with their count, numbers marked provisional."""
    text, doc = _render(reports.running())
    _assert_well_formed(doc)
    assert text.splitlines()[0] == (
        "### ⏳ wandb-pr: 2 candidate runs are still running, results are provisional; --wait "
        "(Action: wait) waits for them, --allow-missing accepts this"
    )
    assert "3 candidate runs of commit 3f2a9c1 (1 finished, 2 running)" in doc.text
    assert [row[1] for row in doc.tables[1].rows] == ["finished", "running", "running"]


def test_regression_headline_lists_the_metrics() -> None:
    """A regression verdict names the regressed metrics on the first line."""
    run_set = make_run_set(
        [make_run("c", summary={"loss": 0.5, "acc": 0.5})],
        [make_run("b", summary={"loss": 0.4, "acc": 0.6})],
    )
    report = Report(compare(run_set), run_set, reports.provenance())
    assert report.comparison.verdict is Verdict.REGRESSION
    assert render_markdown(report).splitlines()[0] == ("### ❌ wandb-pr: 2 regressions (acc, loss)")


def test_hostile_user_text_breaks_nothing() -> None:
    """Names, tags, config, metric names, SHA and provenance full of attacks stay inert text."""
    report = reports.hostile()
    text, doc = _render(report)
    _assert_well_formed(doc)
    assert {len(t.header) for t in doc.tables[1:]} == {8}
    assert [len(t.rows) for t in doc.tables] == [1, len(reports.HOSTILE_TEXT), 1]
    safe_link = "https://wandb.ai/x/y/runs/a%7Cb%29c"
    assert sorted(set(doc.links)) == sorted(
        {
            safe_link,
            "https://wandb.ai/acme/detector/runs/b1",
            "https://wandb.ai/acme/detector",
            "https://github.com/acme/detector/actions/runs/42",
        }
    )
    assert doc.links.count(safe_link) == len(reports.HOSTILE_TEXT) // 2
    for table in doc.tables:
        for cell in [*table.header, *(c for row in table.rows for c in row)]:
            assert hazards(cell) == [], cell
    prose = doc.text
    for block in doc.code_blocks:
        prose = prose.replace(block, "")
    assert hazards(prose.replace("\n", " ")) == []
    assert "<script>" in doc.text  # shown as text...
    assert "script" not in doc.tags  # ...never as a tag
    assert text.splitlines()[0] == "### ❌ wandb-pr: 1 regression (loss &#124; &lt;b&gt;@\u2060x)"
    for block in doc.code_blocks:
        assert re.fullmatch(r"[ -~\n]*", block), block  # Mermaid code: plain ASCII only


def test_two_thousand_runs_by_thirty_metrics_fit_a_comment_and_a_summary() -> None:
    """2,000 candidates and 2,000 baselines x 30 metrics stay under 65,536 chars and 1 MiB."""
    report = reports.large()
    started = time.perf_counter()
    comment, doc = _render(report)
    summary, summary_doc = _render(report, max_chars=SUMMARY_LIMIT)
    elapsed = time.perf_counter() - started
    assert len(comment.encode("utf-8")) <= COMMENT_LIMIT
    assert len(summary.encode("utf-8")) <= SUMMARY_LIMIT
    for rendered in (doc, summary_doc):
        _assert_well_formed(rendered)
        assert len(rendered.tables[0].rows) == 30
        assert "the CSV and JSON report files have the full data" in rendered.text
    shown = len(doc.tables[1].rows)
    assert 0 < shown < 2000
    assert f"Showing {shown} of 2,000 candidate runs and {shown} of 2,000 baseline runs" in doc.text
    assert len(summary_doc.tables[1].rows) > shown
    assert "Charts left out to fit 65,536 characters." in doc.text
    assert elapsed < 30


def test_size_guard_drops_charts_then_sparklines_then_rows() -> None:
    """Over the limit, charts go first, then the sparklines, then run rows, in that order."""
    report = reports.seeds_vs_baselines()
    full = render_markdown(report, max_chars=10**9)
    no_charts = render_markdown(report, max_chars=len(full.encode()) - 1)
    assert "```mermaid" not in no_charts
    assert "Trends (the candidates' mean history): val\\_loss " in no_charts
    assert no_charts.count("| [seed-") == 5
    no_sparks = render_markdown(report, max_chars=len(no_charts.encode()) - 1)
    assert "Trends" not in no_sparks
    assert no_sparks.count("| [seed-") == 5
    fewer_rows = render_markdown(report, max_chars=len(no_sparks.encode()) - 1)
    assert fewer_rows.count("| [seed-") < 5
    assert "candidate runs" in fewer_rows
    assert "to fit; the CSV and JSON" in fewer_rows
    for text in (no_charts, no_sparks, fewer_rows):
        _assert_well_formed(parse(text))


@pytest.mark.parametrize("limit", [0, 10, 60, 400, 1500, 3000])
def test_any_limit_is_respected(limit: int) -> None:
    """Whatever the limit, the output fits it, falling back to the verdict alone."""
    text = render_markdown(reports.seeds_vs_baselines(), max_chars=limit)
    assert len(text.encode("utf-8")) <= limit
    if limit >= 400:
        assert text.startswith("### ✅ wandb-pr: pass")


def test_runs_without_url_are_not_linked() -> None:
    """A run that lives only on disk (url None) shows its name without a link."""
    run_set = make_run_set([make_run("c", name="local-run", url=None, summary={"loss": 1})])
    _, doc = _render(Report(compare(run_set), run_set, reports.provenance(project_url=None)))
    assert doc.links == ["https://github.com/acme/detector/actions/runs/42"]
    assert doc.tables[1].rows[0][0] == "local-run"


def test_automatic_metric_choice_is_stated() -> None:
    """With no metrics named, the report says they were chosen automatically."""
    run_set = make_run_set(
        [make_run("c", summary={"loss": 0.3})], [make_run("b", summary={"loss": 0.4})]
    )
    _, doc = _render(Report(compare(run_set), run_set, reports.provenance()))
    assert (
        "Metrics chosen automatically: the numeric summary keys of the candidate runs." in doc.text
    )


def test_every_status_and_verdict_has_a_mark_and_words() -> None:
    """Every MetricStatus and Verdict member maps to a mark (and statuses to a label)."""
    marks = {status: fmt.status_mark(status) for status in MetricStatus}
    assert marks == {
        MetricStatus.BETTER: "🟢",
        MetricStatus.WORSE: "🟡",
        MetricStatus.REGRESSION: "🔴",
        MetricStatus.UNCHANGED: "⚪",
        MetricStatus.NO_DIRECTION: "⚪",
        MetricStatus.MISSING: "❔",
        MetricStatus.DIVERGED: "🔴",
        MetricStatus.NOT_FOUND: "❔",
    }
    assert {v: fmt.verdict_mark(v) for v in Verdict} == {
        Verdict.PASS: "✅",
        Verdict.REGRESSION: "❌",
        Verdict.PENDING: "⏳",
        Verdict.NO_RUNS: "⚠️",
        Verdict.NO_BASELINE: "⚠️",
        Verdict.MISSING_METRIC: "⚠️",
        Verdict.DIVERGED: "❌",
        Verdict.DIFFERENT_DATA: "❌",
        Verdict.UNCOMMITTED_CHANGES: "❌",
    }
    metric = reports.one_vs_one().comparison.metrics[0]
    labels = {s: fmt.status_label(replace(metric, status=s)) for s in MetricStatus}
    assert labels[MetricStatus.WORSE] == "worse (within noise)"
    assert labels[MetricStatus.NO_DIRECTION] == "no direction"
    assert len(set(labels.values())) == len(MetricStatus)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (0.41234, "0.4123"),
        (0.9, "0.9"),
        (10.0, "10"),
        (123456.7, "123457"),
        (-0.00012346, "-0.0001235"),
        (1.5e-7, "1.500e-07"),
        (3.2e12, "3.200e+12"),
        (float("nan"), "NaN"),
        (float("-inf"), "-inf"),
    ],
)
def test_format_number(value: float, text: str) -> None:
    """Numbers get about four significant digits, fixed-point in the usual range."""
    assert fmt.format_number(value) == text


def test_a_state_wandb_pr_does_not_know_is_shown_in_w_and_bs_words_and_inert() -> None:
    """An unknown state keeps W&B's word in the run table, escaped like any other run data."""
    odd = replace(make_run("c2", summary={"acc": 0.9}, state="unknown"), state_text="<b>|@team")
    runs = [make_run("c1", summary={"acc": 0.9}), odd]
    report = reports.report(make_run_set(runs, [make_run("b1", summary={"acc": 0.9})]))
    text, doc = _render(report)
    _assert_well_formed(doc)
    candidates = doc.tables[1]
    states = [dict(zip(candidates.header, row, strict=True))["State"] for row in candidates.rows]
    # Shown as text: not a tag, not a table cell break, not a mention (a word joiner after @).
    assert states[1] == "<b>|@\u2060team (not finished)"
    assert "<b>" not in text
    assert not hazards(states[1])


def test_run_tables_show_a_define_metric_summary_as_the_value_compared() -> None:
    """A {"min", "last"} summary shows its min for a loss in the run table, not the dict."""
    runs = [make_run("c1", summary={"val_loss": {"min": 0.3, "last": 0.35}})]
    report = reports.report(make_run_set(runs, [make_run("b1", summary={"val_loss": 0.4})]))
    _, doc = _render(report)
    candidates = doc.tables[1]
    assert dict(zip(candidates.header, candidates.rows[0], strict=True))["val_loss"] == "0.3"
