#!/usr/bin/env bash
# Installs wandb-pr from the action's own files into a virtualenv under $RUNNER_TEMP, once per
# job: a later wandb-pr step in the same job finds the stamp and skips the install. Wheels are
# cached under $RUNNER_TOOL_CACHE, which self-hosted runners keep between jobs (GitHub-hosted
# runners start empty, so there the cache only lives for the job). Prints the path of the
# wandb-pr executable as the step output `bin`.
set -euo pipefail

root=$(cd "$1" && pwd)
python=${2:-python3}
venv="${RUNNER_TEMP:?RUNNER_TEMP is not set: run this as a GitHub Actions step}/wandb-pr-venv"
version=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$root/src/wandb_pr/__init__.py")
stamp="$venv/.wandb-pr-installed"
want="wandb-pr $version from $root"

if [ -x "$venv/bin/wandb-pr" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "wandb-pr $version is already installed in $venv"
else
  if ! command -v "$python" >/dev/null 2>&1; then
    echo "::error title=wandb-pr::'$python' was not found on PATH. Add a step 'uses: actions/setup-python' (Python 3.10 or newer) before wandb-pr, or set the python input."
    exit 1
  fi
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    echo "::error title=wandb-pr::wandb-pr needs Python 3.10 or newer; '$python' is $("$python" -V 2>&1). Add 'uses: actions/setup-python' with python-version: '3.12' before wandb-pr."
    exit 1
  fi
  echo "::group::Installing wandb-pr $version"
  "$python" -m venv --clear "$venv"
  cache="${RUNNER_TOOL_CACHE:-$RUNNER_TEMP}/wandb-pr-pip-cache"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    --cache-dir "$cache" "$root"
  echo "$want" > "$stamp"
  echo "::endgroup::"
fi
echo "bin=$venv/bin/wandb-pr" >> "$GITHUB_OUTPUT"
