"""Plumbing shared by the vendor clients (Preventor, Bouncer): send with same-host redirects only,
read a body up to a limit, and decode a JSON answer, each failure as a typed, secret-free error."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from reviewdesk.api import errors as e
from reviewdesk.api.http import read_limited, send_same_host


async def send(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    what: str,
    *,
    params: Mapping[str, str] | None = None,
    json_body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """Send and return any answer (2xx or not) as a stream, following same-host redirects only."""
    return await send_same_host(http, method, url, what, params=params, json=json_body, headers=headers)


async def read_capped(response: httpx.Response, what: str, limit: int) -> bytes:
    """The whole body, or ImageTooLargeError once it passes `limit` bytes (declared or streamed)."""
    too_big = e.ImageTooLargeError(
        f"{what}: the answer is larger than the {limit // (1024 * 1024)} MB limit; not loaded", limit
    )
    return await read_limited(response, limit, what, too_big)


def decode_json(body: bytes, what: str) -> Any:
    """The JSON value of `body`; ProtocolError saying it is not JSON (never echoing the body)."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise e.ProtocolError(f"{what}: the server's answer is not JSON ({len(body)} bytes)") from None


ERROR_BODY_LIMIT = 64 * 1024


async def error_answer(response: httpx.Response, what: str) -> httpx.Response:
    """A non-2xx streamed answer read (at most ERROR_BODY_LIMIT bytes of it) into a plain response,
    so that `reviewdesk.api.http.error_for` can quote the server's message."""
    try:
        body = await read_capped(response, what, ERROR_BODY_LIMIT)
    except e.ImageTooLargeError:
        body = b""
    # Only the headers error_for reads: the body here is already decoded (no content-encoding).
    kept = {k: v for k, v in response.headers.items() if k.lower() in ("retry-after", "content-type")}
    return httpx.Response(response.status_code, headers=kept, content=body, request=response.request)
