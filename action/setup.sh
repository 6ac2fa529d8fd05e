#!/usr/bin/env bash
# Installs wandb-pr into a virtualenv under $RUNNER_TEMP from the action's lock files, once per
# job (see install.py: hashes required, wheels only, no build step). A later wandb-pr step in the
# same job with the same interpreter and lock reuses it. pip's cache lives under
# $RUNNER_TOOL_CACHE, which self-hosted runners keep between jobs: with every hash required, a
# tampered cache entry is refused, never installed. Sets the step output `python`, the
# virtualenv's interpreter, which runs `python -m wandb_pr`.
#
# Usage: setup.sh ACTION_ROOT [PYTHON] [RUNS_DIR]  (RUNS_DIR non-empty: install the [local] lock)
set -euo pipefail

root=$(cd "$1" && pwd)
python=${2:-python3}
lock=requirements.lock
if [ -n "${3:-}" ]; then
  lock=requirements-local.lock  # wandb's offline-run reader: wandb, protobuf and their deps
fi
venv="${RUNNER_TEMP:?RUNNER_TEMP is not set: run this as a GitHub Actions step}/wandb-pr-venv"

if ! command -v "$python" >/dev/null 2>&1; then
  echo "::error title=wandb-pr::'$python' was not found on PATH. Add a step 'uses: actions/setup-python' (Python 3.10 or newer) before wandb-pr, or set the python input."
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "::error title=wandb-pr::wandb-pr needs Python 3.10 or newer; '$python' is $("$python" -V 2>&1). Add 'uses: actions/setup-python' with python-version: '3.12' before wandb-pr."
  exit 1
fi
"$python" "$root/action/install.py" "$root" "$venv" "$lock"
