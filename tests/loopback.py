"""What the loopback test servers (W&B, GitHub) share: a threaded HTTP server on 127.0.0.1 that
starts on an ephemeral port, stops itself cleanly, and keeps handler errors for the test; the
log of requests; and the plan of faults and hooks that tests set for chosen requests."""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Generic, TypeVar

__all__ = ["LoopbackHandler", "LoopbackServer", "reset_connection"]

S = TypeVar("S", bound="LoopbackServer[Any, Any]")
F = TypeVar("F")
"""A server's fault type."""
R = TypeVar("R")
"""A server's recorded-request type."""


class _SocketServer(ThreadingHTTPServer):
    """The socket server (daemon threads); ``owner`` answers the requests."""

    daemon_threads = True
    owner: LoopbackServer[Any, Any]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Keep handler errors off stderr; a client that went away is not the server's fault."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        self.owner.internal_errors.append(traceback.format_exc())


class LoopbackHandler(BaseHTTPRequestHandler):
    """Hands every request, whatever its method, to the owning server's ``_handle``."""

    protocol_version = "HTTP/1.1"
    server: _SocketServer

    def setup(self) -> None:
        """Track the connection so ``stop()`` can close it.

        Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and
        the client's delayed ACK add ~40 ms to every answer.
        """
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.owner._connections.add(self.connection)

    def finish(self) -> None:
        """Forget the connection."""
        self.server.owner._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        """Every method goes to the owner, which decides what a path and method mean."""
        self.server.owner._handle(self)

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default per-request log line."""


class LoopbackServer(Generic[F, R]):
    """A test server on ``127.0.0.1``: ``start()``/``stop()`` or ``with``; requests and faults.

    Subclasses implement ``_handle(handler)``, which calls :meth:`_arrived` with its record of
    the request to learn the fault and hooks planned for it; they may set ``handler_class``.
    ``name`` appears in the error raised when the server is used before it starts.
    """

    name = "test server"
    handler_class: type[LoopbackHandler] = LoopbackHandler

    def __init__(self) -> None:
        self.internal_errors: list[str] = []
        """Tracebacks of handler errors (the fixtures fail the test when there are any)."""
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._httpd: _SocketServer | None = None
        self._thread: threading.Thread | None = None
        self._port = 0
        self.requests: list[R] = []
        """Every request, in arrival order."""
        self._lock = threading.Lock()
        self._faults: deque[F] = deque()
        self._targeted: dict[int, F] = {}
        self._hooks: dict[int, list[Callable[[Any], object]]] = {}
        self._seen = 0
        self.latency = 0.0
        """Seconds added before every answer."""

    def reset_counters(self) -> None:
        """Forget recorded requests; numbering for ``inject_at``/``on_request`` restarts at 1."""
        with self._lock:
            self.requests.clear()
            self._seen = 0

    def inject(self, *faults: F) -> None:
        """Queue faults; each of the next requests consumes one, in order."""
        with self._lock:
            self._faults.extend(faults)

    def inject_at(self, n: int, fault: F) -> None:
        """Apply ``fault`` to the ``n``-th request counted from now (1 = the next one)."""
        with self._lock:
            self._targeted[self._seen + n] = fault

    def on_request(self, n: int, callback: Callable[[Any], object]) -> None:
        """Call ``callback(server)`` once the ``n``-th request from now is recorded, before it is
        answered (so a test can change data between two requests of the client)."""
        with self._lock:
            self._hooks.setdefault(self._seen + n, []).append(callback)

    def clear_faults(self) -> None:
        """Drop every queued or targeted fault and hook."""
        with self._lock:
            self._faults.clear()
            self._targeted.clear()
            self._hooks.clear()

    @property
    def pending_faults(self) -> int:
        """Faults and hooks not yet used."""
        with self._lock:
            return len(self._faults) + len(self._targeted) + len(self._hooks)

    def _arrived(self, record: R) -> F | None:
        """Log a request, run the hooks planned for it, and return the fault planned for it."""
        with self._lock:
            self.requests.append(record)
            self._seen += 1
            hooks = self._hooks.pop(self._seen, [])
            fault = self._targeted.pop(self._seen, None)
            if fault is None and self._faults:
                fault = self._faults.popleft()
        for hook in hooks:
            try:
                hook(self)
            except Exception:
                self.internal_errors.append(traceback.format_exc())
        return fault

    def _delay_or_reset(self, handler: BaseHTTPRequestHandler, fault: Any) -> bool:
        """Apply the latency and a ``delay`` fault; for a ``reset`` fault, abort the connection
        and return True (nothing more to answer). Faults have ``kind`` and ``seconds``."""
        if self.latency:
            self._stopping.wait(self.latency)
        if fault is not None and fault.kind == "delay":
            self._stopping.wait(fault.seconds)
        if fault is not None and fault.kind == "reset":
            reset_connection(handler)
            return True
        return False

    def _handle(self, handler: Any) -> None:
        """Answer one request."""
        raise NotImplementedError

    def start(self: S) -> S:
        """Bind an ephemeral loopback port and serve from a daemon thread."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _SocketServer(("127.0.0.1", 0), self.handler_class)
        httpd.owner = self
        self._httpd = httpd
        self._port = int(httpd.server_address[1])
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake delayed handlers, and close open keep-alive connections."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        for connection in list(self._connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self: S) -> S:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (the server must be started)."""
        if self._httpd is None:
            raise RuntimeError(f"the {self.name} is not running")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"


def reset_connection(handler: BaseHTTPRequestHandler) -> None:
    """Abort the TCP connection (RST) without a response."""
    handler.close_connection = True
    try:
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
    except OSError:
        pass
