"""HTTP plumbing of the GitHub test server: the threading socket server, the request handler
and the TCP reset used by the ``reset()`` fault."""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

__all__ = ["LoopbackServer", "RequestHandler", "reset_connection"]


class Owner(Protocol):
    """What the transport needs from the server that owns it."""

    internal_errors: list[str]
    _connections: set[socket.socket]

    def _handle(self, handler: RequestHandler) -> None:
        """Answer one request."""


class LoopbackServer(ThreadingHTTPServer):
    """The socket server (daemon threads); ``owner`` answers the requests."""

    daemon_threads = True
    owner: Owner

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Keep handler errors off stderr; a client that went away is not the server's fault."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        self.owner.internal_errors.append(traceback.format_exc())


class RequestHandler(BaseHTTPRequestHandler):
    """Hands every request, whatever its method, to the owning server."""

    protocol_version = "HTTP/1.1"
    server_version = "github.com"
    sys_version = ""
    server: LoopbackServer

    def setup(self) -> None:
        """Track the connection so ``stop()`` can close it; no Nagle delay on small answers."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.owner._connections.add(self.connection)

    def finish(self) -> None:
        """Forget the connection."""
        self.server.owner._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        """Any method: GitHub answers 404 to a method a route does not take."""
        self.server.owner._handle(self)

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default per-request log line."""


def reset_connection(handler: RequestHandler) -> None:
    """Abort the TCP connection (RST) without a response."""
    handler.close_connection = True
    try:
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
    except OSError:
        pass
