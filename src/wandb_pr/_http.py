"""One HTTP exchange within a total time limit, shared by the W&B and GitHub clients."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

__all__ = ["send_within"]


def send_within(
    http: httpx.Client,
    method: str,
    url: str,
    *,
    timeout: float,
    auth: Any = httpx.USE_CLIENT_DEFAULT,
    clock: Callable[[], float] = time.monotonic,
    **request: Any,
) -> httpx.Response:
    """Send a request and read its whole answer within about ``timeout`` seconds in all.

    httpx's timeouts bound each network operation (connecting, each read), not the exchange, so
    a server trickling a byte at a time could hold a request for ever. The body is read in
    chunks and the exchange abandoned with :class:`httpx.ReadTimeout` once ``timeout`` has
    passed (at worst one more read later, which the read timeout bounds too).
    """
    started = clock()
    built = http.build_request(method, url, timeout=httpx.Timeout(timeout), **request)
    response = http.send(built, auth=auth, stream=True)
    try:
        body = bytearray()
        for chunk in response.iter_raw():
            body += chunk
            if clock() - started > timeout:
                raise httpx.ReadTimeout(f"no complete answer within {timeout:g} s", request=built)
    finally:
        response.close()
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        content=bytes(body),  # still encoded: the new response decodes it as the header says
        request=built,
        extensions=response.extensions,
    )
