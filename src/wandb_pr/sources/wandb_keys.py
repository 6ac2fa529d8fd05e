"""Names W&B itself writes into a run, shared by every reader (GraphQL and offline files)."""

from __future__ import annotations

__all__ = ["INTERNAL_CONFIG_KEYS"]

INTERNAL_CONFIG_KEYS = frozenset({"_wandb", "wandb_version"})
"""Config keys W&B keeps for itself; never shown or compared."""
