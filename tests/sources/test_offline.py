"""Tests of the offline run reader, on runs the real ``wandb`` package writes for this session."""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.sources import make_offline_runs as made
from wandb_pr.entry.cli import main
from wandb_pr.errors import OfflineRunError
from wandb_pr.models import HistoryPoint, Run, RunState
from wandb_pr.render.escape import escape_markdown
from wandb_pr.sources.offline import read_offline_runs

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
REMOTE = "https://github.com/acme/detector.git"


@dataclass(frozen=True)
class Generated:
    """Where the session's runs were written, and the commit they were made from."""

    out: Path
    commit: str

    @property
    def wandb_dir(self) -> Path:
        """The ``wandb/`` folder wandb wrote."""
        return self.out / "wandb"

    def run_dir(self, run_id: str) -> Path:
        """The first directory of run ``run_id``."""
        return min(self.wandb_dir.glob(f"offline-run-*-{run_id}"))


def _git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with no user or system configuration."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(repo), "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """Write the test runs once per session, with real wandb, offline, in a fresh git repo."""
    if shutil.which("git") is None:
        pytest.skip("git is needed to make wandb record a commit")
    root = tmp_path_factory.mktemp("offline")
    repo, out, home = root / "repo", root / "out", root / "home"
    for path in (repo, out, home):
        path.mkdir()
    _git(repo, "init", "-q")
    (repo / "train.py").write_text("lr = 0.01\n", encoding="utf-8")
    _git(repo, "add", "train.py")
    _git(repo, "commit", "-q", "-m", "init")
    _git(repo, "remote", "add", "origin", REMOTE)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_CONFIG_DIR": str(home),
        "WANDB_CACHE_DIR": str(home),
        "WANDB_DATA_DIR": str(home),
    }
    script = Path(made.__file__)
    subprocess.run(
        [sys.executable, str(script), str(out)], cwd=repo, env=env, check=True, timeout=120
    )
    return Generated(out=out, commit=_git(repo, "rev-parse", "HEAD"))


def read(directory: Path) -> tuple[dict[str, Run], list[str]]:
    """Read ``directory``; return the runs by id, and the warnings."""
    warnings: list[str] = []
    runs = read_offline_runs(directory, warn=warnings.append)
    return {run.id: run for run in runs}, warnings


@pytest.fixture(scope="module")
def runs(generated: Generated) -> dict[str, Run]:
    """The session's runs, read from the ``wandb/`` folder."""
    return read(generated.wandb_dir)[0]


def test_finds_every_run_once(generated: Generated) -> None:
    """Each run is read once, whatever the latest-run link and the resumed run's two folders."""
    runs, _ = read(generated.wandb_dir)
    assert sorted(runs) == [
        "big1",
        "clean1",
        "crashed1",
        "dirty1",
        "full1",
        "killed1",
        "resumed1",
        "rewritten1",
    ]
    assert (generated.wandb_dir / "latest-run").is_symlink()


@pytest.mark.parametrize("where", ["wandb", "parent"])
def test_accepts_the_wandb_folder_or_its_parent(generated: Generated, where: str) -> None:
    """The wandb/ folder and the folder holding it give the same runs."""
    directory = generated.wandb_dir if where == "wandb" else generated.out
    assert read(directory)[0] == read(generated.wandb_dir)[0]


def test_accepts_a_single_run_directory_or_file(generated: Generated) -> None:
    """A run directory, or its .wandb file, gives just that run."""
    run_dir = generated.run_dir("full1")
    assert list(read(run_dir)[0]) == ["full1"]
    assert list(read(run_dir / "run-full1.wandb")[0]) == ["full1"]


def test_run_metadata_including_late_changes(runs: dict[str, Run], generated: Generated) -> None:
    """Id, renamed display name, entity, project, tags added after init, notes, group, commit."""
    run = runs["full1"]
    assert (run.id, run.name, run.entity, run.project) == (
        "full1",
        "full-run-renamed",
        "acme",
        "detector",
    )
    assert run.tags == ("baseline", "seed-1", "late")
    assert (run.notes, run.group, run.job_type) == (
        "notes with | pipe and @mention",
        "grp",
        "train",
    )
    assert run.commit == generated.commit
    assert run.url is None
    assert run.state is RunState.FINISHED
    assert run.created_at is not None
    assert len(run.created_at) == 19
    assert run.created_at[10] == "T"


def test_config_is_nested_updated_and_without_internal_keys(runs: dict[str, Run]) -> None:
    """The config is the init config, nested values intact, plus later keys; _wandb is gone."""
    assert runs["full1"].config == {**made.CONFIG, "late_key": "added after init"}


def test_summary_follows_wandb_semantics(runs: dict[str, Run]) -> None:
    """Last history values, explicit overrides, define_metric aggregates, nested and odd values."""
    summary = runs["full1"].summary
    assert summary["loss"] == 123.0  # set explicitly after the last row
    assert summary["val/acc"] == pytest.approx(0.9)
    assert summary["nested"] == {"a": {"b": 8}}
    assert summary["note"] == "step 4"
    assert summary["flag"] is True
    assert summary["weird"] == math.inf
    assert summary["best_loss"] == {"min": min(made.BEST_LOSS)}
    assert summary["final"] == {"score": 0.75, "ok": True}
    assert summary["_step"] == made.STEPS - 1
    assert summary["nan_summary"] is None  # wandb itself writes a NaN set on run.summary as null
    assert "tmp" not in summary  # deleted from the summary


def test_history_holds_numeric_values_per_step(runs: dict[str, Run]) -> None:
    """Each numeric metric's (step, value) points; nested keys joined with dots; text dropped."""
    history = runs["full1"].history
    steps = range(made.STEPS)
    assert history["loss"] == tuple((s, made.loss(s)) for s in steps)
    assert [step for step, _ in history["val/acc"]] == list(steps)
    assert [value for _, value in history["val/acc"]] == pytest.approx(
        [0.5 + 0.1 * s for s in steps]
    )
    assert history["nested.a.b"] == tuple((s, 2 * s) for s in steps)
    assert history["best_loss"] == tuple(zip(steps, made.BEST_LOSS, strict=True))
    assert {"note", "flag", "_step"}.isdisjoint(history)
    assert [p[0] for p in history["_runtime"]] == list(steps)


def test_non_finite_values_round_trip(runs: dict[str, Run]) -> None:
    """NaN and both infinities logged in history come back as floats."""
    values = [value for _, value in runs["full1"].history["weird"]]
    assert math.isnan(values[1])
    assert values[:1] + values[2:] == [0.5, -math.inf, 0.5, math.inf]


def test_non_zero_exit_code_is_failed(runs: dict[str, Run]) -> None:
    """finish(exit_code=1) reads as W&B's 'failed' (counted with crashed runs)."""
    run = runs["crashed1"]
    assert run.state is RunState.FAILED
    assert run.history["loss"] == ((0, 0.0), (1, 1.0))


def test_resumed_run_is_merged_like_wandb_sync(runs: dict[str, Run]) -> None:
    """A resumed run's second folder continues the first: steps renumbered, config merged."""
    run = runs["resumed1"]
    expected: tuple[HistoryPoint, ...] = ((0, 0), (1, 1), (2, 2), (3, 10), (4, 11))
    assert run.history["acc"] == expected
    assert run.summary["acc"] == 11
    assert run.summary["_step"] == 4
    assert run.config == {"lr": 0.1, "phase": 2}
    assert run.state is RunState.FINISHED


def test_record_spanning_blocks_is_read_whole(generated: Generated, runs: dict[str, Run]) -> None:
    """A config of 100 KB spans several 32 KiB blocks and is read back exactly."""
    assert (generated.run_dir("big1") / "run-big1.wandb").stat().st_size > 3 * 32768
    assert runs["big1"].config == {"blob": made.BIG_BLOB}


@pytest.mark.parametrize("where", ["killed", "open"])
def test_killed_or_open_run_is_running_with_what_reached_disk(
    generated: Generated, where: str
) -> None:
    """A run without an exit record (killed, or read while open) is running, rows a prefix."""
    directory = generated.wandb_dir if where == "killed" else generated.out / "open"
    runs, warnings = read(directory)
    run = runs["killed1"]
    assert run.state is RunState.RUNNING
    points = run.history.get("loss", ())
    # wandb-core writes whole 32 KiB blocks, and may or may not flush the last one when the
    # client dies: any prefix of the rows can be on disk, never anything else.
    assert points == tuple((s, float(s)) for s in range(len(points)))
    assert len(points) <= made.KILLED_STEPS
    assert any("run killed1" in w and "no exit record" in w for w in warnings)


def test_damaged_file_keeps_what_was_read(generated: Generated, tmp_path: Path) -> None:
    """A corrupted byte mid-file: a warning names the file and offset; earlier records are kept."""
    copy = tmp_path / generated.run_dir("full1").name
    copy.mkdir()
    log = copy / "run-full1.wandb"
    data = bytearray((generated.run_dir("full1") / "run-full1.wandb").read_bytes())
    where = data.index(b"late_key")
    data[where] ^= 0xFF
    log.write_bytes(bytes(data))
    runs, warnings = read(copy)
    run = runs["full1"]
    assert run.tags == ("baseline", "seed-1", "late")  # the tag update came before the damage
    assert "late_key" not in run.config
    assert run.history["loss"] == tuple((s, made.loss(s)) for s in range(made.STEPS))
    assert run.state is RunState.RUNNING
    assert warnings[0].startswith(f"{log}: a checksum mismatch at byte ")


def test_same_id_without_resume_keeps_the_newest(generated: Generated) -> None:
    """A run id written again without resuming: the newest folder is read, with a warning."""
    runs, warnings = read(generated.wandb_dir)
    assert runs["rewritten1"].config == {"attempt": 2}
    newest = max(generated.wandb_dir.glob("offline-run-*-rewritten1"))
    assert (
        "run rewritten1 was written again without resuming; reading only the newest copy, "
        f"{newest / 'run-rewritten1.wandb'}"
    ) in warnings


def test_empty_directory_has_no_runs(tmp_path: Path) -> None:
    """A directory without runs gives an empty list (the caller reports 'no runs')."""
    (tmp_path / "wandb").mkdir()
    assert read(tmp_path) == ({}, [])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing", "missing does not exist"),
        (
            lambda p: (p / "file.txt", (p / "file.txt").write_text("x"))[0],
            "file.txt is not a directory",
        ),
    ],
)
def test_unusable_path_is_an_error_naming_it(
    tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    """A missing path, or a file that is no .wandb log, raises OfflineRunError naming it."""
    with pytest.raises(OfflineRunError, match=message) as caught:
        read_offline_runs(make(tmp_path), warn=pytest.fail)
    assert str(tmp_path) in str(caught.value)


def test_unreadable_directory_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A directory that cannot be listed raises OfflineRunError naming it (root ignores chmod)."""

    def refuse(self: Path) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "iterdir", refuse)
    with pytest.raises(OfflineRunError) as caught:
        read_offline_runs(tmp_path, warn=pytest.fail)
    assert str(caught.value) == f"cannot read the directory {tmp_path}: Permission denied"


def test_without_wandb_the_error_says_what_to_install(
    generated: Generated, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the wandb package, OfflineRunError names the extra to install."""
    monkeypatch.setitem(sys.modules, "wandb.proto.wandb_internal_pb2", None)
    with pytest.raises(OfflineRunError) as caught:
        read_offline_runs(generated.wandb_dir, warn=pytest.fail)
    assert "pip install 'wandb-pr[local]'" in str(caught.value)
    assert caught.value.tip == "pip install 'wandb-pr[local]'"


def test_examples_hold_a_baseline_and_three_candidate_seeds() -> None:
    """examples/wandb reads cleanly: one baseline run, three candidate seeds, one of them worse,
    and three runs of two earlier base-branch commits for the trend."""
    runs, warnings = read(EXAMPLES / "wandb")
    assert warnings == []
    assert all(run.state is RunState.FINISHED for run in runs.values())
    baseline = [run for run in runs.values() if "baseline" in run.tags]
    candidates = [run for run in runs.values() if run.id.startswith("candidate")]
    earlier = sorted(run.config["github_sha"][:7] for run in runs.values() if "old" in run.id)
    assert earlier == ["5d0b2f8", "5d0b2f8", "c94e1a7"]
    assert len(runs) == 7
    assert len(baseline) == 1
    assert len(candidates) == 3
    assert {run.config["seed"] for run in candidates} == {1, 2, 3}
    assert len({run.config["github_sha"] for run in candidates}) == 1
    base_acc = baseline[0].summary["val_acc"]
    assert sum(run.summary["val_acc"] < base_acc for run in candidates) == 1
    for run in runs.values():
        assert set(run.history) >= {"train/loss", "val_loss", "val_acc"}
        assert len(run.history["val_loss"]) == run.config["epochs"]


def _report(runs_dir: Path, *args: str) -> tuple[int, str, str]:
    """``wandb-pr report --runs-dir`` with the gate on; the exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    argv = ["report", "--runs-dir", str(runs_dir), "--fail-on-regression", *args]
    return main(argv, environ={}, stdout=out, stderr=err), out.getvalue(), err.getvalue()


@pytest.mark.slow
def test_unreadable_runs_are_listed_with_folder_and_reason(
    generated: Generated, tmp_path: Path
) -> None:
    """A run killed before its first flush and a damaged header are listed, never dropped."""
    runs_dir = tmp_path / "wandb"
    shutil.copytree(generated.wandb_dir, runs_dir, symlinks=True)
    early = runs_dir / "offline-run-20260101_000000-early1"
    early.mkdir()
    (early / "run-early1.wandb").write_bytes(b"")  # the process died before wandb wrote
    damaged = runs_dir / "offline-run-20260101_000001-bad1"
    damaged.mkdir()
    original = (generated.run_dir("full1") / "run-full1.wandb").read_bytes()
    (damaged / "run-bad1.wandb").write_bytes(b"XXXX" + original[4:])
    code, out, err = _report(
        runs_dir, "--run-id", "full1", "--metric", "best_loss:min", "--format", "json"
    )
    document = json.loads(out)
    assert code == 8  # no baseline was asked for
    assert document["counts"]["unreadable"] == 2
    reasons = {Path(u["folder"]).name: u["reason"] for u in document["unreadable"]}
    assert set(reasons) == {early.name, damaged.name}
    assert "empty" in reasons[early.name]
    assert "not a wandb transaction log" in reasons[damaged.name]
    codes = {(n["code"], Path(n.get("folder", "")).name) for n in document["notices"]}
    assert {("unreadable", early.name), ("unreadable", damaged.name)} <= codes
    (best,) = document["comparison"]["metrics"]
    assert (best["candidate"]["mean"], best["source"]) == (min(made.BEST_LOSS), "summary min")
    assert "counted as running" not in err
    code, markdown, _ = _report(
        runs_dir, "--run-id", "full1", "--metric", "weird", "--format", "markdown"
    )
    assert f"Unreadable offline run {escape_path(early)}" in markdown
    assert "weird: 1 of 1 candidate runs diverged (inf)" in markdown


def escape_path(path: Path) -> str:
    """A path as the Markdown report escapes it."""
    return escape_markdown(str(path), max_length=200)


def test_an_empty_runs_dir_says_so(tmp_path: Path) -> None:
    """--runs-dir on an empty folder: "no offline runs under DIR", not "no runs for commit"."""
    code, out, _ = _report(tmp_path, "--sha", "0" * 40, "--format", "markdown")
    assert code == 9
    assert out.splitlines()[0] == f"### ⚠️ wandb-pr: no offline runs under {escape_path(tmp_path)}"
    code, text, _ = _report(tmp_path, "--sha", "0" * 40, "--format", "text")
    assert code == 9
    assert "0 candidate runs of commit 0000000 vs 0 baseline runs" in text  # no project: no "in /"


@pytest.mark.slow
def test_merge_commit_and_killed_runs_offline(generated: Generated, tmp_path: Path) -> None:
    """Runs wandb recorded at the merge commit are candidates; a killed run keeps it pending."""
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 1, "head": {"sha": "a" * 40}}}))
    pr = {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": generated.commit,
    }
    out, err = io.StringIO(), io.StringIO()
    argv = ["report", "--runs-dir", str(generated.wandb_dir), "--format", "json"]
    assert main([*argv, "--fail-on-regression"], environ=pr, stdout=out, stderr=err) == 10
    document = json.loads(out.getvalue())
    found = {run["id"] for run in document["candidates"]}
    assert {"full1", "killed1"} <= found  # by the commit wandb recorded: the merge commit
    assert document["comparison"]["verdict"] == "pending"  # killed1 never wrote its exit
    codes = {(n["code"], n.get("run")) for n in document["notices"]}
    assert ("state-running", "killed1") in codes
    out = io.StringIO()
    main([*argv[:-2], "--format", "markdown"], environ=pr, stdout=out, stderr=io.StringIO())
    assert f"- Trained on: GitHub's merge commit {generated.commit[:7]} (" in out.getvalue()


def test_a_run_trained_with_uncommitted_changes_is_flagged(
    generated: Generated, runs: dict[str, Run]
) -> None:
    """Real wandb with code saving on wrote files/diff.patch for the dirty tree only; its size
    is the run's uncommitted_bytes, and a clean run (or one without code saving) has none."""
    patch = generated.run_dir("dirty1") / "files" / "diff.patch"
    assert made.DIRTY_LINE.strip() in patch.read_text(encoding="utf-8")
    assert runs["dirty1"].uncommitted_bytes == patch.stat().st_size > 0
    assert not (generated.run_dir("clean1") / "files" / "diff.patch").exists()
    assert runs["clean1"].uncommitted_bytes is None
    assert runs["full1"].uncommitted_bytes is None


def test_require_clean_fails_on_an_offline_dirty_run(generated: Generated) -> None:
    """The CLI flags the offline dirty run under the verdict and --require-clean fails the gate."""
    size = (generated.run_dir("dirty1") / "files" / "diff.patch").stat().st_size
    args = ["report", "--runs-dir", str(generated.wandb_dir), "--run-id", "dirty1"]
    args += ["--baseline-run-id", "clean1", "--format", "markdown", "--fail-on-regression"]
    for extra, code in (([], 7), (["--require-clean"], 11)):
        out, err = io.StringIO(), io.StringIO()
        assert main([*args, *extra], environ={}, stdout=out, stderr=err) == code, err.getvalue()
        assert f"Run dirty1 ({size} B diff) was trained with uncommitted changes" in out.getvalue()
