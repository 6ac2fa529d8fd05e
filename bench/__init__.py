"""Benchmarks: wandb-pr against the official ``wandb`` client, on the loopback W&B server.

Run ``python -m bench.run`` from the repository root; see ``bench/README.md``.
"""
