"""Regenerate ``examples/wandb/``: offline runs of ``train.py`` for a baseline and a candidate.

- the baseline: one run of commit ``BASELINE_SHA`` (learning rate 0.05), tagged ``baseline``;
- the candidate: commit ``CANDIDATE_SHA`` (learning rate 0.2), three seeds; seed 2 comes out
  slightly worse than the baseline on ``val_acc``, the others better.

Only the ``.wandb`` files are kept (wandb-pr reads nothing else); git, host metadata and system
metrics are switched off so the files hold no details of the machine that made them.

    python examples/make_examples.py
    wandb-pr report --runs-dir examples/wandb --sha 9b1d6c0... --baseline-tag baseline
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

RUNS = [
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
