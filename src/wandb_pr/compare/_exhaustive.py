"""Exhaustive ``match``/``if`` chains over Enums: ``raise unhandled(value)`` in the last branch.

``typing.assert_never`` exists only from Python 3.11 (wandb-pr supports 3.10), and linters do
not see that a call ends a function; ``raise`` they do. mypy still checks exhaustiveness: the
argument must have been narrowed to ``Never``, so a member without a branch is a type error.
"""

from __future__ import annotations

from typing import NoReturn

__all__ = ["unhandled"]


def unhandled(value: NoReturn) -> AssertionError:
    """The error for a value no branch handled; mypy rejects the call unless none can reach it."""
    return AssertionError(f"unhandled value: {value!r}")
