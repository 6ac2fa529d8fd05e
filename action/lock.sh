#!/usr/bin/env bash
# Regenerates the Action's lock files from pyproject.toml's dependencies: every distribution,
# transitively, for every Python wandb-pr supports (--universal: markers where they differ),
# with the SHA-256 of each file. Needs uv (pip install uv). Run from anywhere; commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
for extra in "" local; do
  out=action/requirements${extra:+-$extra}.lock
  uv pip compile pyproject.toml ${extra:+--extra "$extra"} --universal --generate-hashes \
    --python-version 3.10 --no-emit-package wandb-pr --quiet \
    --custom-compile-command "action/lock.sh" -o "$out"
done
