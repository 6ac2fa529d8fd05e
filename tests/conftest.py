"""Shared pytest configuration."""

pytest_plugins = ["tests.wandb_server.fixtures"]
