"""The official way: the same selection and history read through ``wandb.Api()``.

Run as a script in a fresh interpreter (``python bench/official_client.py SPEC OUTPUT``): it
imports nothing from this repository. SPEC is a JSON file naming the project, the two sides'
W&B filters, the history keys, the samples per history and whether to list runs lazily. As
W&B's documentation shows, it lists runs with ``api.runs(path, filters)`` (lazy, the default)
and then reads ``run.config``, ``run.summary`` and ``run.history(keys=[...])`` of each run; it
writes what it read to OUTPUT as JSON. With ``history_runs`` in SPEC it reads the history of
only that many evenly spaced runs of each side, as a careful script for a sweep would.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import wandb


def read(spec: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every run of both sides with its config, summary and sampled history."""
    api = wandb.Api()
    found: dict[str, list[dict[str, Any]]] = {}
    for side, filters in spec["filters"].items():
        runs = list(api.runs(spec["path"], filters=filters, lazy=spec["lazy"]))
        charted = _evenly_spaced(len(runs), spec.get("history_runs"))
        found[side] = [
            {
                "id": run.id,
                "name": run.name,
                "state": run.state,
                "config": dict(run.config),
                "summary": dict(run.summary.items()),
                # pandas=False: returns the rows as dicts (pandas is not installed here anyway).
                "history": run.history(
                    keys=list(spec["keys"]), samples=spec["samples"], pandas=False
                )
                if index in charted
                else [],
            }
            for index, run in enumerate(runs)
        ]
    return found


def _evenly_spaced(count: int, most: int | None) -> set[int]:
    """Indices of at most ``most`` of ``count`` items, evenly spaced (``None``: all)."""
    if most is None or count <= most:
        return set(range(count))
    return {round(i * (count - 1) / (most - 1)) for i in range(most)}


def main(argv: list[str]) -> int:
    """Read SPEC, fetch, write OUTPUT."""
    spec_path, output = argv
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    Path(output).write_text(json.dumps(read(spec)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
