"""Response helpers: JSON errors (the API), S3-style XML errors (the image host), streamed JPEGs."""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import AsyncIterator
from xml.sax.saxutils import escape

from starlette.responses import JSONResponse, Response, StreamingResponse

from reviewdesk.sim.state import SimState

CHUNK_SIZE = 16 * 1024
#: With slow_body set, an image goes out in this many chunks, the delay spread between them.
SLOW_CHUNKS = 16


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status, headers=headers)


def xml_error(
    status: int,
    code: str,
    message: str,
    extra: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    fields = {"Code": code, "Message": message, **(extra or {})}
    fields["RequestId"] = uuid.uuid4().hex[:16].upper()
    body = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in fields.items())
    xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{body}</Error>'
    return Response(xml, status_code=status, media_type="application/xml", headers=headers)


def jpeg_response(state: SimState, data: bytes) -> StreamingResponse:
    """The bytes in chunks; `config.slow_body` seconds are spread over the chunks."""

    async def body() -> AsyncIterator[bytes]:
        total_delay = state.config.slow_body
        size = CHUNK_SIZE if total_delay <= 0 else max(1, math.ceil(len(data) / SLOW_CHUNKS))
        chunks = [data[i : i + size] for i in range(0, len(data), size)] or [b""]
        for piece in chunks:
            if total_delay > 0:
                await asyncio.sleep(total_delay / len(chunks))
            yield piece

    return StreamingResponse(
        body(),
        media_type="image/jpeg",
        headers={"Content-Length": str(len(data)), "Cache-Control": "private, no-store"},
    )
