"""wandb-pr: Weights & Biases experiment evidence in pull requests."""

__version__ = "0.1.0"

__all__ = ["__version__"]
