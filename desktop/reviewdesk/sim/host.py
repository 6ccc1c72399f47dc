"""The S3-like image host: presigned GETs only, anonymous, S3-style XML errors."""

from __future__ import annotations

import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from reviewdesk.sim import presign
from reviewdesk.sim.images import image_bytes
from reviewdesk.sim.paths import jpg_scan_id, raw_path
from reviewdesk.sim.responses import jpeg_response, xml_error
from reviewdesk.sim.state import SimState
from reviewdesk.sim.traits import READY, is_error500, status_of


class ImageHost:
    """`GET /blackout-images/<prefix>/<id>.jpg?<presigned query>`: no Authorization looked at."""

    def __init__(self, state: SimState) -> None:
        self.state = state

    async def get_object(self, request: Request) -> Response:
        state = self.state
        path = raw_path(request)
        parts = path.split("/")
        scan_id = jpg_scan_id(parts[3]) if len(parts) == 4 else None
        if scan_id is None:
            return xml_error(404, "NoSuchKey", "The specified key does not exist.")
        now = state.now()
        checked = presign.check(
            path,
            request.url.query,
            request.headers.get("host", ""),
            now=now,
            secret=state.config.url_secret,
        )
        if checked.verdict is presign.Verdict.BAD_SIGNATURE:
            return xml_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        if checked.verdict is presign.Verdict.EXPIRED:
            expired_at = checked.expired_at or now
            return xml_error(
                403,
                "AccessDenied",
                "Request has expired",
                {"Expires": _iso(expired_at), "ServerTime": _iso(now)},
            )
        if presign.object_path(scan_id) != presign.canonical_path(path):
            return xml_error(404, "NoSuchKey", "The specified key does not exist.")
        if is_error500(scan_id):
            return xml_error(500, "InternalError", "We encountered an internal error.")
        if status_of(state, scan_id) != READY:
            return xml_error(404, "NoSuchKey", "The specified key does not exist.")
        data = await run_in_threadpool(image_bytes, scan_id, False)
        return jpeg_response(state, data)


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
