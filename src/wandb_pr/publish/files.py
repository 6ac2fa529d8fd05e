"""Writing report files atomically, so no half-written file ever looks complete."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from wandb_pr.errors import OutputError

__all__ = ["write_atomically"]


def write_atomically(path: Path, text: str | Iterable[str]) -> None:
    """Write ``text`` (or its pieces, in order) to ``path`` through a temporary file in the
    same folder, then rename."""
    target = path.expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                if isinstance(text, str):
                    handle.write(text)
                else:
                    handle.writelines(text)
            Path(temporary).replace(target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(
            f"Cannot write {target}: {exc.strerror or exc}",
            tip="Check that the folder exists and is writable, or choose another --output.",
        ) from exc
