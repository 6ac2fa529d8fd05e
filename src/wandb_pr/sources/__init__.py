"""Run sources: where runs come from (W&B over GraphQL, local offline runs, snapshot files)."""

from wandb_pr.sources.interface import RunSource

__all__ = ["RunSource"]
