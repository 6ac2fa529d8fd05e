"""What the loopback test servers (W&B, GitHub) share: a threaded HTTP server on 127.0.0.1 that
starts on an ephemeral port, stops itself cleanly, and keeps handler errors for the test."""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypeVar

__all__ = ["LoopbackHandler", "LoopbackServer", "reset_connection"]

S = TypeVar("S", bound="LoopbackServer")


class _SocketServer(ThreadingHTTPServer):
    """The socket server (daemon threads); ``owner`` answers the requests."""

    daemon_threads = True
    owner: LoopbackServer

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


class LoopbackServer:
    """Lifecycle of a test server on ``127.0.0.1``: ``start()``/``stop()`` or ``with``.

    Subclasses implement ``_handle(handler)`` and may set ``handler_class``; ``name`` appears in
    the error raised when the server is used before it starts.
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
