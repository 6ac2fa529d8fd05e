"""The W&B test server, timing how long it works on each request (latency excluded).

The server evaluates filters by scanning every run of the project in Python; W&B's own server
uses a database. Its busy time is reported next to each side's time so that the share of the
test server's own slowness is visible.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from tests.wandb_server import WandbTestServer

__all__ = ["TimedServer"]


class TimedServer(WandbTestServer):
    """A ``WandbTestServer`` that adds up the seconds spent answering requests."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.busy_seconds = 0.0
        self._busy_lock = threading.Lock()

    def reset_counters(self) -> None:
        """Forget recorded requests and busy time."""
        super().reset_counters()
        with self._busy_lock:
            self.busy_seconds = 0.0

    def _handle(self, handler: Any) -> None:
        """Answer one request, adding its duration minus the injected latency."""
        started = time.perf_counter()
        try:
            super()._handle(handler)
        finally:
            spent = time.perf_counter() - started - self.latency
            with self._busy_lock:
                self.busy_seconds += max(0.0, spent)
