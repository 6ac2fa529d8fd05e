"""Names W&B itself writes into a run, shared by every reader (GraphQL and offline files)."""

from __future__ import annotations

__all__ = ["DIFF_FILE", "INTERNAL_CONFIG_KEYS"]

INTERNAL_CONFIG_KEYS = frozenset({"_wandb", "wandb_version"})
"""Config keys W&B keeps for itself; never shown or compared."""

DIFF_FILE = "diff.patch"
"""The file ``wandb`` saves with a run (code saving on) holding the uncommitted changes of the
git tree it started from; offline under the run's ``files/`` folder."""
