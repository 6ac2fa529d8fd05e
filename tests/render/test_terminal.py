"""The plain-text report for terminals."""

from __future__ import annotations

import re

from tests.compare.factories import make_run, make_run_set
from tests.render import reports
from wandb_pr.compare import compare
from wandb_pr.render.report import Report
from wandb_pr.render.terminal import render_terminal

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_one_run_vs_one_baseline_exact_output() -> None:
    """One candidate against one baseline renders exactly this, without colour."""
    assert render_terminal(reports.one_vs_one(), color=False) == (
        "wandb-pr: pass, no regressions in 2 metrics\n"
        "\n"
        "  better: val_loss -5.0% (0.4000 → 0.3800)\n"
        "  better: val_acc +1.1% (0.9000 → 0.9100, tolerance 0.005)\n"
        "1 candidate run of commit 3f2a9c1 in acme/detector vs 1 baseline run: runs tagged "
        "production\n"
        "\n"
        "status  metric       baseline  candidate      Δ  tolerance\n"
        "better  val_loss ↓*    0.4000     0.3800  -5.0%          —\n"
        "better  val_acc ↑      0.9000     0.9100  +1.1%      0.005\n"
        "↓ lower is better, ↑ higher is better (* guessed from the name)\n"
        "No significance test: one run per side, so any change beyond the tolerance counts.\n"
        "\n"
        "Candidates (1):\n"
        "  pr-run  finished  3f2a9c1\n"
        "\n"
        "Baselines (1):\n"
        "  prod  finished    production\n"
        "\n"
        "project:    https://wandb.ai/acme/detector\n"
        f"commit:     {reports.SHA}\n"
        f"candidates: runs whose config github_sha is {reports.SHA}\n"
        "baselines:  runs tagged production\n"
        "workflow:   https://github.com/acme/detector/actions/runs/42\n"
    )


def test_seeds_vs_baselines_show_p_values_and_the_test() -> None:
    """With several runs per side the table has a p column and names Welch's test."""
    text = render_terminal(reports.seeds_vs_baselines(), color=False)
    assert "baseline (n=3)  candidate (n=5)       Δ  tolerance      p" in text
    assert re.search(
        r"better            val_loss ↓\*  0\.4183 ± 0\.0065  0\.3982 ± 0\.0055"
        r"   -4\.8%  +—  0\.0\d\d",
        text,
    )
    assert "p: one-sided Welch's t-test (a prediction-interval t-test" in text
    assert "Holm-adjusted over 2 metrics" in text


def test_colour_only_when_asked() -> None:
    """ANSI colour codes appear with color=True and never with color=False."""
    plain = render_terminal(reports.seeds_vs_baselines(), color=False)
    coloured = render_terminal(reports.seeds_vs_baselines(), color=True)
    assert "\x1b" not in plain
    assert "\x1b[1m\x1b[32mwandb-pr: pass" in coloured
    assert _ANSI.sub("", coloured) == plain


def test_no_runs_and_running_headlines() -> None:
    """The no-runs and pending verdicts read as in the Markdown report, with the tip."""
    no_runs = render_terminal(reports.no_runs(), color=False)
    assert no_runs.startswith(f"wandb-pr: no runs found for commit {reports.SHA}\n")
    assert "log github_sha in the run config" in no_runs
    running = render_terminal(reports.running(), color=False)
    assert running.startswith("wandb-pr: 2 candidate runs are still running")


def test_hostile_text_cannot_inject_escapes_or_lines() -> None:
    """User text brings no escape sequence, no extra line and no bidi control to the terminal."""
    text = render_terminal(reports.hostile(), color=False)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069\u200b-\u200f]", text)
    lines = text.splitlines()
    candidates = lines.index("Candidates (12):")
    assert lines[candidates + 1].startswith("  pipe | in | name ")
    assert lines[candidates + 2].startswith("  new line break ")
    assert lines[candidates + 11] == "  ... and 2 more (see the CSV/JSON report)"


def test_wide_characters_keep_columns_aligned() -> None:
    """East Asian wide names take two columns each, so later columns still line up."""
    run_set = make_run_set([make_run("a", name="训练运行"), make_run("b", name="run")])
    text = render_terminal(Report(compare(run_set), run_set, reports.provenance()), color=False)
    rows = [line for line in text.splitlines() if "finished" in line]
    assert rows == ["  训练运行  finished", "  run       finished"]


def test_five_metrics_fit_a_hundred_columns_and_narrow_tables_drop_p_first() -> None:
    """Up to five metrics fit 100 columns; narrower, p goes before the tolerance and baseline."""
    wide = render_terminal(reports.five_metrics(), color=False)
    table = wide[wide.index("status ") :].split("\n↓")[0].splitlines()
    assert len(table) == 6
    assert max(map(len, table)) <= 100
    assert table[0].split()[-2:] == ["tolerance", "p"]
    narrow = render_terminal(reports.five_metrics(), color=False, width=70)
    header = narrow[narrow.index("status ") :].splitlines()[0].split()
    assert header[-1] != "p"
    assert "candidate" in " ".join(header)
    assert header[:2] == ["status", "metric"]


def test_terminal_shows_data_versions_and_merges_warnings() -> None:
    """Data versions and one line per kind of warning, as in the Markdown report."""
    text = render_terminal(reports.different_data(), color=False)
    lines = text.splitlines()
    assert lines[0] == (
        "wandb-pr: pass, no regressions in 1 metric, but evaluated on different data "
        "(holdout:v3 vs holdout:v5)"
    )
    assert "warning: Evaluated on different data: holdout:v3 vs holdout:v5" in text
    assert "data:       holdout:v3 vs holdout:v5" in text
    assert sum(line.startswith("warning: ") for line in lines) == 2
    assert "warning: 3 of 3 candidates: the config's commit SHA ≠ W&B's recorded git commit" in text
