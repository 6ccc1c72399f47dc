"""Scan ids in URL paths: read from the raw (still percent-encoded) path, one segment each."""

from __future__ import annotations

from urllib.parse import unquote

from starlette.requests import Request


def raw_path(request: Request) -> str:
    """The path as sent, percent-encoding intact (`%2F` stays inside its segment)."""
    raw = request.scope.get("raw_path")
    if not isinstance(raw, bytes):
        return request.url.path
    # Some ASGI clients (httpx's ASGITransport) put the query string in raw_path too.
    return raw.split(b"?", 1)[0].decode("utf-8", "replace")


def jpg_scan_id(encoded_segment: str) -> str | None:
    """The scan id of a `<percent-encoded id>.jpg` path segment, or None."""
    if "/" in encoded_segment:
        return None
    name = unquote(encoded_segment)
    return name[:-4] if name.endswith(".jpg") and len(name) > 4 else None
