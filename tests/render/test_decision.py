"""What a reviewer sees first, checked on the HTML GitHub would show (cmark-gfm).

The headline names the verdict, the worst changes with numbers and both sides; the metric
table puts regressions first; warnings are merged by kind; charts are collapsed unless their
metric regressed.
"""

from __future__ import annotations

import re
from dataclasses import replace

from tests.compare.factories import history, make_run, make_run_set
from tests.render import reports
from tests.render.gfm import Html, hazards, parse, to_html
from wandb_pr.compare import compare
from wandb_pr.compare.notices import Notice
from wandb_pr.render.charts import curves, mermaid_chart
from wandb_pr.render.markdown import render_markdown
from wandb_pr.render.report import Report

NBSP = "\xa0"


def _doc(report: Report) -> tuple[str, str, Html]:
    text = render_markdown(report)
    return text, to_html(text), parse(text)


def _first_block(html: str, tag: str) -> str:
    """The first ``<tag>...</tag>`` of the page, as HTML."""
    match = re.search(rf"<{tag}>(.*?)</{tag}>", html, re.S)
    assert match, tag
    return match.group(1)


def test_pass_headline_names_both_sides_and_collapses_every_chart() -> None:
    """A pass: heading, the largest change with numbers, both sides named, charts all closed."""
    text, html, _ = _doc(reports.seeds_vs_baselines())
    assert _first_block(html, "h3") == "✅ wandb-pr: pass, no regressions in 3 metrics"
    changes = _first_block(html, "ul")
    assert "<strong>val_loss</strong> -4.8% (0.4183 → 0.3982)" in changes
    sides = re.search(r"<p>(\d+ candidate runs? of commit .*?)</p>", html)
    assert sides
    assert sides.group(1).startswith("5 candidate runs of commit <code>3f2a9c1</code> in <a ")
    assert sides.group(1).endswith("vs 3 baseline runs: runs tagged production.")
    assert html.index("<table>") > html.index(sides.group(0))  # the sides come before the table
    assert "<details open>" not in html
    assert text.count("<details><summary>") == 3  # the runs and two charts, all closed


def test_regression_puts_the_worst_change_first_with_tolerances() -> None:
    """A regression: the worst changes with tolerances first in the heading area and the table."""
    _, html, doc = _doc(reports.regression())
    assert _first_block(html, "h3") == "❌ wandb-pr: 2 regressions (val_loss, val_acc)"
    items = re.findall(r"<li>(.*?)</li>", _first_block(html, "ul"))
    assert items == [
        "🔴 <strong>val_loss</strong> +4.0% (0.4427 → 0.4604, tolerance 2%)",
        "🔴 <strong>val_acc</strong> -0.89% (0.9052 → 0.8972, tolerance 0.5%)",
    ]
    table = doc.tables[0]
    assert table.header == ["Status", "Metric", "Baseline", "Candidate", "Δ", "p"]
    assert [row[1].split(NBSP)[0] for row in table.rows] == ["val_loss", "val_acc", "f1"]
    assert [row[0] for row in table.rows] == [
        f"🔴{NBSP}regression",
        f"🔴{NBSP}regression",
        f"⚪{NBSP}within{NBSP}tolerance",
    ]
    tolerances = [row[1].split("tolerance" + NBSP)[1] for row in table.rows]
    assert tolerances == ["2%", "0.5%", "1%"]  # under each name, in small print
    # One precision per metric: both sides and the spread have the same decimals.
    for row in table.rows:
        decimals = {len(n.split(".")[1]) for n in re.findall(r"\d+\.\d+", f"{row[2]} {row[3]}")}
        assert len(decimals) == 1, row
    assert "<details open><summary>🔴 val_acc" in html  # the regressed metric's chart is open


def test_pending_report_says_provisional_and_shows_states() -> None:
    """Runs still running: an hourglass heading and the candidates' states beside the commit."""
    _, html, doc = _doc(reports.running())
    assert _first_block(html, "h3").startswith("⏳ wandb-pr: 2 candidate runs are still running")
    assert "3 candidate runs of commit <code>3f2a9c1</code> (1 finished, 2 running) in" in html
    assert doc.tables[0].rows[0][0] == f"🟡{NBSP}worse{NBSP}(prov.)"  # never a regression yet
    assert "Provisional: candidates are not finished" in doc.text


def test_different_data_qualifies_a_pass_and_merges_commit_warnings() -> None:
    """A pass on different data says so in its heading; five-alike warnings are one line."""
    _, html, doc = _doc(reports.different_data())
    heading = _first_block(html, "h3")
    assert heading == (
        "✅ wandb-pr: pass, no regressions in 1 metric, but evaluated on different data "
        "(holdout:v3 vs holdout:v5)"
    )
    quote = _first_block(html, "blockquote")
    assert quote.count("⚠️") == 2
    assert "Evaluated on different data: holdout:v3 vs holdout:v5" in quote
    assert "3 of 3 candidates: the config's commit SHA ≠ W&amp;B's recorded git commit" in quote
    details = re.search(
        r"<details><summary>Runs whose commits disagree \(3\)</summary>(.*?)</details>", html, re.S
    )
    assert details
    assert details.group(1).count("<li>") == 3
    assert html.index("</blockquote>") < html.index("<table>")
    assert "Data: holdout:v3 vs holdout:v5" in doc.text


def test_production_artifact_baseline_is_named_in_the_heading_area() -> None:
    """A production model as the baseline is named with its version right under the heading."""
    _, html, _ = _doc(reports.production_artifact())
    sides = re.search(r"<p>(3 candidate runs of commit .*?)</p>", html)
    assert sides
    assert (
        "vs 1 baseline run: run train-prod (prod7), which produced "
        "acme/detector/model:production (v7)." in sides.group(1)
    )
    assert html.index(sides.group(0)) < html.index("<table>")


def test_hostile_names_stay_inert_in_the_heading_area_and_chart_titles() -> None:
    """Hostile metric names are text in the headline list and safe labels in chart summaries."""
    text, html, _ = _doc(reports.hostile())
    assert "<script>" not in html
    for item in re.findall(r"<li>(.*?)</li>", _first_block(html, "ul")):
        assert hazards(item) == []
    for summary in re.findall(r"<summary>(.*?)</summary>", text):
        assert re.fullmatch(r"[\w .:/\-—×,–()🟢🔴🟡⚪❔▁▂▄▆█]+", summary), summary
    assert "@" not in "".join(re.findall(r"<summary>(.*?)</summary>", text))


def test_no_runs_has_no_table_of_metrics_or_changes() -> None:
    """No runs: the warning heading, the query, the tip; no change list and no metric table."""
    _, html, doc = _doc(reports.no_runs())
    assert _first_block(html, "h3").startswith("⚠️ wandb-pr: no runs found for commit")
    assert "<li>" not in html.split("<details>")[0]
    assert [t.header[:2] for t in doc.tables] == [["Run", "State"]]


def test_unicode_metric_names_stay_readable_and_tiny_values_scaled() -> None:
    """A Greek metric name keeps its letters; 1e-20 values get scaled ticks, not 0 to 0."""
    cand = make_run("c", history={"λ_损失": history([3e-20, 2e-20, 1.5e-20])})
    base = make_run("b", history={"λ_损失": history([3.1e-20, 2.2e-20, 1.7e-20])})
    data = curves("λ_损失", [cand], [base], points=3)
    assert data is not None
    chart = mermaid_chart("λ_损失", data)
    axis = re.search(r'y-axis "λ_损失 \(×1e-20\)" ([\d.]+) --> ([\d.]+)', chart)
    assert axis
    low, high = float(axis.group(1)), float(axis.group(2))
    assert 1.3 < low < 1.5 < 3.1 < high < 3.3  # ticks between, readable: not "0 --> 0"


def test_charts_frame_the_late_steps_where_the_sides_differ() -> None:
    """Curves that drop early and differ late are framed from half-way, said in the summary."""
    drop = [1.0, 0.5, 0.3, 0.2, 0.15, 0.12, 0.11, 0.105]
    cands = [make_run("c", summary={"loss": 0.105}, history={"loss": history(drop)})]
    bases = [
        make_run("b", summary={"loss": 0.1}, history={"loss": history([v - 0.005 for v in drop])})
    ]
    report = reports.report(make_run_set(cands, bases), ["loss:min"])
    text = render_markdown(report)
    steps = re.search(r"<summary>🔴 loss .*, steps (\d+)–700</summary>", text)
    assert steps
    assert 300 <= int(steps.group(1)) <= 400  # half-way through the 700 steps
    y_axis = re.search(r'y-axis "loss" ([\d.]+) --> ([\d.]+)', text)
    assert y_axis
    assert float(y_axis.group(2)) < 0.2  # not stretched up to the first step's 1.0


def test_results_of_an_earlier_commit_qualify_the_headline() -> None:
    """When an earlier commit's runs stand in for the head's, the headline says so first; a
    pass of theirs waits for the head's own runs."""
    sentence = "The head commit abcdef0 has no runs yet: these results are from 3f2a9c1."

    def stale(report: Report) -> Report:
        return replace(
            report,
            comparison=replace(report.comparison, stale=True),
            alerts=(sentence,),
            notices=(Notice("stale-commit", sentence),),
        )

    _, html, _ = _doc(stale(reports.regression()))
    assert _first_block(html, "h3") == (
        "❌ wandb-pr: 2 regressions (val_loss, val_acc), but from an earlier commit's runs"
    )
    assert sentence in _first_block(html, "blockquote")
    assert html.index("</blockquote>") < html.index("<ul>")  # above the changes and the table
    run_set = reports.seeds_vs_baselines().run_set
    waiting = stale(reports.report(run_set))
    waiting = replace(waiting, comparison=compare(run_set, stale=True))
    _, html, _ = _doc(waiting)
    assert _first_block(html, "h3") == (
        "⏳ wandb-pr: the head commit has no runs yet; an earlier commit's runs pass "
        "(--allow-missing accepts this)"
    )


def test_run_tables_left_align_text_config_and_drop_empty_columns() -> None:
    """Text config values are left-aligned, numbers right; Tags/Commit only when some run has."""
    seeds = render_markdown(reports.seeds_vs_baselines())
    assert "| Run | State | Tags | Commit | lr | seed |" in seeds
    assert "| --- | --- | --- | --- | --: | --: | --: | --: | --: |" in seeds
    text_config = reports.report(
        make_run_set(
            [make_run("c", summary={"loss": 0.3}, config={"optimizer": "adam"})],
            [make_run("b", summary={"loss": 0.4}, config={"optimizer": "sgd"})],
        ),
        ["loss"],
        config_keys=["optimizer"],
    )
    html = to_html(render_markdown(text_config))
    runs = parse(render_markdown(text_config)).tables[1]
    assert runs.header == ["Run", "State", "optimizer", "loss"]  # no tags, no commits anywhere
    assert '<td align="right">adam</td>' not in html
    assert "<td>adam</td>" in html
