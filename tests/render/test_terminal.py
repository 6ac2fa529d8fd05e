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
        "1 candidate run of commit 3f2a9c1d5e6f vs 1 baseline run in acme/detector\n"
        "\n"
        "metric    goal              baseline  candidate  delta  rel    status\n"
        "val_loss  lower (inferred)  0.4       0.38       -0.02  -5%    "
        "better (no noise estimate: one run per side)\n"
        "val_acc   higher            0.9       0.91       +0.01  +1.1%  "
        "better (no noise estimate: one run per side)\n"
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
    assert "val_loss  lower (inferred)  0.4183 ± 0.0065 (n=3)  0.3982 ± 0.0055 (n=5)" in text
    assert re.search(r"0\.0\d\d  better", text)
    assert "p: Welch's t-test (two-sided; a prediction-interval t-test" in text
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
