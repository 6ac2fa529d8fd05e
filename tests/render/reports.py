"""Reports for the renderer tests: small, deterministic scenarios built with the run factory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from tests.compare.factories import history, make_run, make_run_set
from wandb_pr.compare import compare, parse_metric_specs
from wandb_pr.compare.notices import Notice, evidence_notices
from wandb_pr.compare.provenance import commit_mismatches
from wandb_pr.models import ArtifactUse, Run, RunSet
from wandb_pr.render.report import Provenance, Report

__all__ = [
    "SHA",
    "different_data",
    "five_metrics",
    "hostile",
    "large",
    "no_baselines",
    "no_runs",
    "one_vs_one",
    "production_artifact",
    "provenance",
    "regression",
    "report",
    "running",
    "seeds_vs_baselines",
    "with_missing",
]

SHA = "3f2a9c1d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"
BASE_SHA = "0123456789abcdef0123456789abcdef01234567"


def provenance(**changes: str | None) -> Provenance:
    """The usual provenance of a pull-request run in Actions."""
    fields: dict[str, str | None] = {
        "project_url": "https://wandb.ai/acme/detector",
        "sha": SHA,
        "candidate_selection": f"runs whose config github_sha is {SHA}",
        "baseline_selection": "runs tagged production",
        "workflow_run_url": "https://github.com/acme/detector/actions/runs/42",
    }
    fields.update(changes)
    return Provenance(entity="acme", project="detector", **fields)  # type: ignore[arg-type]


def report(
    run_set: RunSet,
    specs: Sequence[str] = (),
    *,
    config_keys: Sequence[str] = (),
    prov: Provenance | None = None,
) -> Report:
    """Compare ``run_set`` on ``specs`` (chosen automatically when empty) and wrap it."""
    comparison = compare(run_set, parse_metric_specs(specs))
    return Report(comparison, run_set, prov or provenance(), tuple(config_keys))


def one_vs_one() -> Report:
    """One candidate run against one baseline run, two metrics, no history."""
    return report(
        make_run_set(
            [
                make_run(
                    "c1", name="pr-run", summary={"val_loss": 0.38, "val_acc": 0.91}, commit=SHA
                )
            ],
            [
                make_run(
                    "b1",
                    name="prod",
                    summary={"val_loss": 0.4, "val_acc": 0.9},
                    tags=["production"],
                )
            ],
        ),
        ["val_loss", "val_acc:max:0.005"],
    )


_CAND_LOSS = [0.391, 0.402, 0.398, 0.405, 0.395]
_CAND_ACC = [0.912, 0.905, 0.915, 0.909, 0.911]
_BASE_LOSS = [0.412, 0.425, 0.418]
_BASE_ACC = [0.907, 0.913, 0.904]


def _curve(final: float, first: float) -> list[float]:
    return [round(first + (final - first) * (1 - 0.5**i) / (1 - 0.5**5), 4) for i in range(6)]


def _seed(i: int, loss: float, acc: float) -> Run:
    return make_run(
        f"cand{i}",
        name=f"seed-{i}",
        summary={"val_loss": loss, "val_acc": acc, "epoch": 10},
        history={"val_loss": history(_curve(loss, 0.9)), "val_acc": history(_curve(acc, 0.5))},
        tags=["pr-17", f"seed-{i}"],
        config={"lr": 0.01, "seed": i},
        commit=SHA,
    )


def _baseline(i: int, loss: float, acc: float) -> Run:
    return make_run(
        f"base{i}",
        name=f"production-{i}",
        summary={"val_loss": loss, "val_acc": acc, "epoch": 10},
        history={"val_loss": history(_curve(loss, 0.95)), "val_acc": history(_curve(acc, 0.5))},
        tags=["production"],
        config={"lr": 0.02, "seed": i},
        commit=BASE_SHA,
    )


def seeds_vs_baselines() -> Report:
    """Five seeds of the commit against three production baselines, with history."""
    run_set = make_run_set(
        [
            _seed(i, loss, acc)
            for i, (loss, acc) in enumerate(zip(_CAND_LOSS, _CAND_ACC, strict=True))
        ],
        [
            _baseline(i, loss, acc)
            for i, (loss, acc) in enumerate(zip(_BASE_LOSS, _BASE_ACC, strict=True))
        ],
    )
    return report(run_set, ["val_loss", "val_acc:max:0.5%", "epoch"], config_keys=["lr", "seed"])


def with_missing() -> Report:
    """Candidates lacking a metric, one NaN, and a metric only the baselines have."""
    run_set = make_run_set(
        [
            make_run("c1", summary={"loss": 0.3, "f1": 0.8}),
            make_run("c2", summary={"loss": float("nan")}),
        ],
        [make_run("b1", summary={"loss": 0.35, "f1": 0.7, "bleu": 30.0})],
    )
    return report(run_set, ["loss", "f1", "bleu"])


def no_baselines() -> Report:
    """Candidates, but nothing to compare them with."""
    run_set = make_run_set([make_run("c1", summary={"loss": 0.3})], [])
    return report(run_set, ["loss"])


def no_runs() -> Report:
    """Nothing matched the commit."""
    return report(make_run_set([], [make_run("b1", summary={"loss": 0.3})]), ["loss"])


def running() -> Report:
    """Two of three candidate runs are still running."""
    run_set = make_run_set(
        [
            make_run("c1", summary={"loss": 0.3}),
            make_run("c2", state="running", summary={"loss": 0.5}),
            make_run("c3", state="running", summary={"loss": 0.6}),
        ],
        [make_run("b1", summary={"loss": 0.4})],
    )
    return report(run_set, ["loss"])


HOSTILE_TEXT = [
    "pipe | in | name",
    "new\nline\r\nbreak",
    "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "@octocat @org/team",
    "#123 owner/repo#45 GH-7",
    "`tick` ```fence```",
    "**bold** _em_ [link](https://evil.example) ![i](x)",
    "https://evil.example www.evil.example a@b.co",
    "\x1b[31mred\x07\x00",
    "\u202eevil\u202c \u2066iso\u2069 \u200bzw\u200d\ufeff",
    "# heading",
    "</details><details open>",
]


def hostile() -> Report:
    """Every user-controlled field full of Markdown, HTML, pings, controls and bidi overrides."""
    cands = [
        make_run(
            f"c{i}",
            name=text,
            summary={"loss | <b>@x": 0.3 + i / 100, "note": text},
            history={"loss | <b>@x": history([0.5, 0.4, 0.3])},
            tags=[text, "ok"],
            config={"opt": text, "nested": {"k": text}},
            notes=text,
            commit=text,
            url="javascript:alert(1)" if i % 2 else "https://wandb.ai/x/y/runs/a|b)c",
        )
        for i, text in enumerate(HOSTILE_TEXT)
    ]
    bases = [make_run("b1", name="@admin #1", summary={"loss | <b>@x": 0.25}, tags=["<i>x</i>"])]
    prov = provenance(
        candidate_selection="runs of @octocat #9 <b>x</b>\n| a |",
        baseline_selection="tag `prod` \u202eevil",
        sha="<b>not-a-sha</b>",
    )
    run_set = make_run_set(cands, bases)
    run_set = RunSet(run_set.candidates, run_set.baselines, warnings=("run @ghost #5 not found",))
    return report(run_set, ["loss | <b>@x:min"], config_keys=["opt", "nested.k", "<b>"], prov=prov)


def large(runs: int = 2000, metrics: int = 30) -> Report:
    """``runs`` candidates and as many baselines, ``metrics`` metrics each, with history."""
    names = [f"metric_{j:02d}/loss" for j in range(metrics)]

    def run(prefix: str, i: int) -> Run:
        values = {name: 0.5 + ((i * 7 + j * 13) % 100) / 1000 for j, name in enumerate(names)}
        return make_run(
            f"{prefix}{i:05d}",
            name=f"{prefix}-run-number-{i}",
            summary=values,
            history={name: history([0.9, 0.7, v]) for name, v in values.items()},
            tags=["sweep", f"bucket-{i % 10}"],
            config={"lr": 0.001 * (1 + i % 5), "batch_size": 32},
            commit=SHA,
        )

    run_set = make_run_set(
        [run("cand", i) for i in range(runs)], [run("base", i) for i in range(runs)]
    )
    return report(run_set, names, config_keys=["lr", "batch_size"])


def five_metrics() -> Report:
    """Three seeds against three baselines on five metrics, two with tolerances."""
    names = ["val/loss_total", "val/accuracy_top1", "val/f1_macro", "train/tokens_per_s", "mem"]

    def run(prefix: str, i: int, shift: float) -> Run:
        summary = {name: 0.5 + shift + j / 10 + i / 1000 for j, name in enumerate(names)}
        return make_run(f"{prefix}{i}", summary=summary, commit=SHA if prefix == "c" else None)

    run_set = make_run_set(
        [run("c", i, 0.01) for i in range(3)], [run("b", i, 0.0) for i in range(3)]
    )
    specs = [f"{names[0]}:min:2%", f"{names[1]}:max:0.5%", names[2], names[3], names[4]]
    return report(run_set, specs)


def _use(version: int) -> ArtifactUse:
    return ArtifactUse("holdout", version, "dataset", digest=f"d{version}")


def different_data() -> Report:
    """A pass on different data versions, whose three candidates' commits disagree."""
    cands = [
        replace(
            make_run(
                f"c{i}",
                summary={"val_loss": 0.3 - i / 100},
                config={"github_sha": SHA},
                commit="f" * 40,
            ),
            artifacts=(_use(3),),
        )
        for i in range(3)
    ]
    bases = [
        replace(
            make_run(f"b{i}", summary={"val_loss": 0.4 + i / 100}, tags=["production"]),
            artifacts=(_use(5),),
        )
        for i in range(3)
    ]
    run_set = make_run_set(cands, bases)
    comparison = compare(run_set, parse_metric_specs(["val_loss:min"]))
    mismatches = commit_mismatches(run_set.candidates, "github_sha")
    notices = (
        *(Notice("commit-mismatch", s, run=r, side="candidate") for r, s in mismatches),
        *evidence_notices(comparison, run_set),
    )
    return Report(
        comparison,
        run_set,
        provenance(),
        alerts=tuple(s for _, s in mismatches),
        notices=notices,
    )


def regression() -> Report:
    """Three seeds worse than three baselines on two metrics with tolerances, one within."""
    cand_loss, base_loss = [0.4603, 0.4611, 0.4598], [0.4427, 0.4431, 0.4423]
    cand_acc, base_acc = [0.8971, 0.8969, 0.8975], [0.9052, 0.9050, 0.9055]
    cand_f1, base_f1 = [0.799, 0.798, 0.8], [0.8, 0.801, 0.799]
    cands = [
        make_run(
            f"c{i}",
            name=f"seed-{i}",
            summary={"val_loss": cand_loss[i], "val_acc": cand_acc[i], "f1": cand_f1[i]},
            history={"val_acc": history([0.5, 0.8, 0.88, 0.895, cand_acc[i]])},
            commit=SHA,
        )
        for i in range(3)
    ]
    bases = [
        make_run(
            f"b{i}",
            name=f"prod-{i}",
            summary={"val_loss": base_loss[i], "val_acc": base_acc[i], "f1": base_f1[i]},
            history={"val_acc": history([0.5, 0.81, 0.89, 0.9, base_acc[i]])},
            tags=["production"],
        )
        for i in range(3)
    ]
    return report(make_run_set(cands, bases), ["f1:max:1%", "val_loss:min:2%", "val_acc:max:0.5%"])


def production_artifact() -> Report:
    """The production model's run as the baseline, found through its artifact alias."""
    run_set = make_run_set(
        [make_run(f"c{i}", summary={"val_loss": 0.30 + i / 100}, commit=SHA) for i in range(3)],
        [make_run("prod7", name="train-prod", summary={"val_loss": 0.33})],
    )
    words = "run train-prod (prod7), which produced acme/detector/model:production (v7)"
    return report(run_set, ["val_loss:min"], prov=provenance(baseline_selection=words))
