"""Data versions and commit mismatches: are the numbers comparable, and about this code?"""

from __future__ import annotations

import csv
import io

from tests.factories import make_run
from wandb_pr.compare import Verdict, compare, parse_metric_specs
from wandb_pr.compare.provenance import commit_mismatches, data_versions
from wandb_pr.models import ArtifactUse, RunSet
from wandb_pr.render.csv_report import render_csv
from wandb_pr.render.markdown import render_markdown
from wandb_pr.render.report import Provenance, Report
from wandb_pr.render.terminal import render_terminal


def holdout(version: int, digest: str) -> ArtifactUse:
    """A use of dataset holdout:vN."""
    return ArtifactUse("holdout", version, "dataset", digest=digest)


MODEL_A = ArtifactUse("detector", 8, "model", digest="m8")
MODEL_B = ArtifactUse("detector", 7, "model", digest="m7")


def sides(candidate_data: ArtifactUse, baseline_data: ArtifactUse) -> RunSet:
    """Two candidates and two baselines, each with one data and one model artifact."""
    return RunSet(
        candidates=tuple(
            make_run(f"c{i}", summary={"acc": 0.9 + i / 100}, artifacts=(candidate_data, MODEL_A))
            for i in range(2)
        ),
        baselines=tuple(
            make_run(f"b{i}", summary={"acc": 0.9 + i / 100}, artifacts=(baseline_data, MODEL_B))
            for i in range(2)
        ),
    )


def test_same_data_is_not_flagged() -> None:
    """Both sides on holdout:v3 (same digest): one data version, no difference; models ignored."""
    versions = data_versions(*_split(sides(holdout(3, "d3"), holdout(3, "d3"))))
    assert [(v.name, v.candidates, v.baselines, v.differs) for v in versions] == [
        ("holdout", ("holdout:v3",), ("holdout:v3",), False)
    ]


def test_different_data_is_flagged_and_gated() -> None:
    """holdout:v3 vs holdout:v5 is flagged; require_same_data turns the verdict different-data."""
    run_set = sides(holdout(3, "d3"), holdout(5, "d5"))
    specs = parse_metric_specs(["acc:max"])
    assert compare(run_set, specs).verdict is Verdict.PASS
    gated = compare(run_set, specs, require_same_data=True)
    assert gated.verdict is Verdict.DIFFERENT_DATA
    assert [v.name for v in gated.different_data] == ["holdout"]
    report = Report(gated, run_set, Provenance(None, "acme", "detector"))
    markdown = render_markdown(report)
    assert markdown.startswith(
        "### ❌ wandb-pr: evaluated on different data: holdout:v3 vs holdout:v5"
    )
    assert (
        "> ⚠️ Evaluated on different data: holdout:v3 vs holdout:v5 (candidates vs baselines)."
        in markdown
    )
    assert "- Data: holdout:v3 vs holdout:v5" in markdown
    assert "warning: Evaluated on different data" in render_terminal(report, color=False)


def test_same_version_number_other_content_differs() -> None:
    """Same label but another digest (a re-uploaded version) still counts as different data."""
    versions = data_versions(*_split(sides(holdout(3, "d3"), holdout(3, "other"))))
    assert versions[0].differs


def test_data_on_one_side_only() -> None:
    """An artifact only one side used is listed, not flagged."""
    run_set = RunSet((make_run("c", artifacts=(holdout(3, "d3"),)),), (make_run("b"),))
    (version,) = data_versions(*_split(run_set))
    assert (version.baselines, version.differs) == ((), False)


def test_commit_mismatch() -> None:
    """A config github_sha that is not the recorded commit (nor a prefix of it) is flagged."""
    runs = [
        make_run("ok", config={"github_sha": "abcdef1"}, commit="abcdef1234" + "0" * 30),
        make_run("bad", name="r", config={"github_sha": "1234567"}, commit="abcdef1234" + "0" * 30),
        make_run("other", config={"github_sha": "testsha1234"}, commit="abcdef1234" + "0" * 30),
        make_run("nocommit", config={"github_sha": "1234567"}),
    ]
    assert commit_mismatches(runs, "github_sha") == (
        (
            "bad",
            "Run r (bad) logged github_sha 1234567 but W&B recorded git commit abcdef123400: its "
            "numbers may come from other code than its config says.",
        ),
    )


def test_csv_gains_data_version_columns() -> None:
    """The CSV has an artifact.<name> column per input artifact, after the seed's columns."""
    run_set = sides(holdout(3, "d3"), holdout(5, "d5"))
    rows = list(csv.DictReader(io.StringIO(render_csv(run_set, metrics=("acc",), config_keys=()))))
    assert [(r["run.id"], r["artifact.holdout"], r["artifact.detector"]) for r in rows] == [
        ("c0", "v3", "v8"),
        ("c1", "v3", "v8"),
        ("b0", "v5", "v7"),
        ("b1", "v5", "v7"),
    ]


def _split(run_set: RunSet) -> tuple[tuple, tuple]:  # type: ignore[type-arg]
    """Candidates and baselines."""
    return run_set.candidates, run_set.baselines
