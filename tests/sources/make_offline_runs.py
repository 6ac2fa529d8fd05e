"""Write offline runs with the real ``wandb`` package, for the offline reader's tests.

Run as ``python make_offline_runs.py OUT`` from inside a git repository (so wandb records a
commit), with ``HOME`` and ``WANDB_*`` pointing at a temporary directory. It writes, in
``OUT/wandb/``: a finished run with everything the reader maps (``full1``), a run that exits with
code 1 (``crashed1``), a run resumed in a second directory (``resumed1``), a run written again
under the same id without resuming (``rewritten1``), a run with a record
spanning several 32 KiB blocks (``big1``), a run whose process is SIGKILLed (``killed1``), and
two runs with code saving on: one from the clean tree (``clean1``), one after ``train.py`` (a
tracked file) was changed (``dirty1``, whose ``files/diff.patch`` holds the change);
and in ``OUT/open/`` a copy of ``killed1``'s log taken while the run was still open.

The expected values live here too, so the tests compare against what was actually logged.
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ENTITY = "acme"
PROJECT = "detector"
SHA = "0123456789abcdef0123456789abcdef01234567"
STEPS = 5
WEIRD = [0.5, math.nan, -math.inf, 0.5, math.inf]
BEST_LOSS = [0.9, 0.3, 0.6, 0.4, 0.5]
CONFIG: dict[str, Any] = {
    "github_sha": SHA,
    "lr": 0.01,
    "seed": 1,
    "model": {"layers": [64, 32], "act": "relu", "opt": {"name": "adam", "betas": [0.9, 0.999]}},
}
BIG_BLOB = "x" * 100_000
KILLED_STEPS = 200
KILLED_PAD = "p" * 500


def loss(step: int) -> float:
    """The ``loss`` logged at ``step`` by ``full1``."""
    return 1.0 / (step + 1)


def _init(**kwargs: Any) -> Any:
    import wandb  # imported here: the tests import this module without wandb's start-up cost

    return wandb.init(mode="offline", dir=os.environ["OFFLINE_OUT"], **kwargs)


def make_full() -> None:
    """A finished run: nested config, late tags and config, summary overrides, odd values."""
    run = _init(
        id="full1",
        entity=ENTITY,
        project=PROJECT,
        name="full-run",
        config=CONFIG,
        tags=["baseline", "seed-1"],
        notes="notes with | pipe and @mention",
        group="grp",
        job_type="train",
    )
    run.define_metric("best_loss", summary="min")
    for step in range(STEPS):
        run.log(
            {
                "loss": loss(step),
                "val/acc": 0.5 + 0.1 * step,
                "nested": {"a": {"b": step * 2}},
                "note": f"step {step}",
                "flag": step % 2 == 0,
                "weird": WEIRD[step],
                "best_loss": BEST_LOSS[step],
            }
        )
    run.summary["loss"] = 123.0
    run.summary["final"] = {"score": 0.75, "ok": True}
    run.summary["nan_summary"] = math.nan
    run.summary["tmp"] = 1
    del run.summary["tmp"]
    run.tags = (*run.tags, "late")
    run.config["late_key"] = "added after init"
    run.name = "full-run-renamed"
    run.finish()


def make_crashed() -> None:
    """A run that ends with exit code 1."""
    run = _init(id="crashed1", entity=ENTITY, project=PROJECT, config={"github_sha": SHA})
    for step in range(2):
        run.log({"loss": float(step)})
    run.finish(exit_code=1)


def make_twice() -> None:
    """Runs written twice under one id: ``resumed1`` resumes, ``rewritten1`` starts over.

    The second directories are made a second later: run directories are named to the second.
    """
    run = _init(id="resumed1", entity=ENTITY, project=PROJECT, config={"lr": 0.1})
    for step in range(3):
        run.log({"acc": step})
    run.finish()
    _init(id="rewritten1", entity=ENTITY, project=PROJECT, config={"attempt": 1}).finish()
    time.sleep(1.05 - time.time() % 1)
    run = _init(id="resumed1", entity=ENTITY, project=PROJECT, resume="allow")
    for step in range(2):
        run.log({"acc": 10 + step})
    run.config["phase"] = 2
    run.finish()
    _init(id="rewritten1", entity=ENTITY, project=PROJECT, config={"attempt": 2}).finish()


def make_big() -> None:
    """A run whose first records span several 32 KiB blocks."""
    run = _init(id="big1", entity=ENTITY, project=PROJECT, config={"blob": BIG_BLOB})
    run.log({"loss": 0.5})
    run.finish()


DIRTY_LINE = "lr = 0.02  # tried on the training box, never committed\n"
"""The uncommitted change ``dirty1`` is trained with."""


def make_saved_code() -> None:
    """With code saving on: ``clean1`` from the clean tree, ``dirty1`` with ``train.py`` changed."""
    _init(id="clean1", entity=ENTITY, project=PROJECT, save_code=True).finish()
    with Path("train.py").open("a", encoding="utf-8") as script:
        script.write(DIRTY_LINE)
    _init(id="dirty1", entity=ENTITY, project=PROJECT, save_code=True).finish()


def make_killed(ready: Path) -> None:
    """Log many rows, say so through ``ready``, then wait to be killed."""
    run = _init(id="killed1", entity=ENTITY, project=PROJECT)
    for step in range(KILLED_STEPS):
        run.log({"loss": float(step), "pad": KILLED_PAD})
    ready.touch()
    time.sleep(60)


def main(out: Path) -> None:
    """Write every run; the killed one in a child process, in parallel with the others."""
    os.environ["OFFLINE_OUT"] = str(out)
    ready = out / "killed-ready"
    child = subprocess.Popen([sys.executable, __file__, str(out), "killed"])
    make_full()
    make_crashed()
    make_twice()
    make_big()
    make_saved_code()
    deadline = time.monotonic() + 60
    while not ready.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    (log,) = (out / "wandb").glob("offline-run-*-killed1/run-killed1.wandb")
    snapshot = out / "open" / log.parent.name
    snapshot.mkdir(parents=True)
    shutil.copy(log, snapshot / log.name)
    child.send_signal(signal.SIGKILL)
    child.wait()


if __name__ == "__main__":
    if sys.argv[2:] == ["killed"]:
        os.environ["OFFLINE_OUT"] = sys.argv[1]
        make_killed(Path(sys.argv[1]) / "killed-ready")
    else:
        main(Path(sys.argv[1]))
