"""The doors into wandb-pr: the ``wandb-pr`` command, the Action and the compat action.

The only code that prints, exits or reads the environment; nothing outside this package
imports it.
"""
