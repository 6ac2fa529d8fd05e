"""Shared pytest configuration: the loopback W&B and GitHub test servers' fixtures."""

pytest_plugins = ["tests.wandb_server.fixtures", "tests.github_server.fixtures"]
