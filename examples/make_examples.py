"""Regenerate ``examples/wandb/``: offline runs of ``train.py`` for a baseline and a candidate.

- the baseline: one run of commit ``BASELINE_SHA`` (learning rate 0.05), tagged ``baseline``;
- the candidate: commit ``CANDIDATE_SHA`` (learning rate 0.2), three seeds; seed 2 comes out
  slightly worse than the baseline on ``val_acc``, the others better;
- the base branch's history for the trend, newest first (``BASE_BRANCH``): the baseline's
  commit, a commit without runs, and two older commits with runs at smaller learning rates.

Only the ``.wandb`` files are kept (wandb-pr reads nothing else); git, host metadata and system
metrics are switched off so the files hold no details of the machine that made them.

    python examples/make_examples.py
    wandb-pr report --runs-dir examples/wandb --sha 9b1d6c0... --baseline-tag baseline \\
        --trend-commits 3f2a9c4,a71c3e0,5d0b2f8,c94e1a7
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASELINE_SHA = "3f2a9c41d07e5b8a6c1f4e2d9b0a7c5e3d1f8b62"
CANDIDATE_SHA = "9b1d6c07e4a2f5b8d3c6e9a1f0b7d4c2e5a8f13c"
NO_RUNS_SHA = "a71c3e02d5b8f4a6c9e1d3b7f0a2c4e6b8d1f3a5"
OLDER_SHA = "5d0b2f8e1c4a7d9b3f6e0a2c5d8b1e4f7a0c3d6b"
OLDEST_SHA = "c94e1a7b3d6f0c2e5a8d1b4f7c0e3a6d9b2f5e81"
BASE_BRANCH = (BASELINE_SHA, NO_RUNS_SHA, OLDER_SHA, OLDEST_SHA)
"""The base branch's first-parent commits, newest first (``--trend-commits``)."""

RUNS = [
    ("oldest1", OLDEST_SHA, 1, 0.01, ""),
    ("older1", OLDER_SHA, 1, 0.02, ""),
    ("older2", OLDER_SHA, 2, 0.02, ""),
    ("baseline1", BASELINE_SHA, 1, 0.05, "baseline"),
    ("candidate1", CANDIDATE_SHA, 1, 0.2, ""),
    ("candidate2", CANDIDATE_SHA, 2, 0.2, ""),
    ("candidate3", CANDIDATE_SHA, 3, 0.2, ""),
]


def main() -> None:
    target = HERE / "wandb"
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "HOME": tmp,
            "WANDB_MODE": "offline",
            "WANDB_SILENT": "true",
            "WANDB_CONFIG_DIR": tmp,
            "WANDB_CACHE_DIR": tmp,
            "WANDB_DATA_DIR": tmp,
            "WANDB_DISABLE_GIT": "true",
            "WANDB_X_DISABLE_META": "true",
            "WANDB_X_DISABLE_STATS": "true",
            "WANDB_X_DISABLE_MACHINE_INFO": "true",
            "WANDB_HOST": "example",
        }
        out = Path(tmp) / "out"
        for run_id, sha, seed, lr, tags in RUNS:
            subprocess.run(
                [
                    *(sys.executable, str(HERE / "train.py"), "--sha", sha, "--seed", str(seed)),
                    *("--lr", str(lr), "--tags", tags, "--id", run_id, "--out", str(out)),
                    *("--name", f"{sha[:7]}-seed{seed}"),
                ],
                check=True,
                env=env,
            )
        shutil.rmtree(target, ignore_errors=True)
        for log in sorted((out / "wandb").glob("offline-run-*/run-*.wandb")):
            (target / log.parent.name).mkdir(parents=True)
            shutil.copy2(log, target / log.parent.name / log.name)
    print(f"wrote {len(RUNS)} runs to {target}")


if __name__ == "__main__":
    main()
