"""The routes: the Reviews API (`/reviews/...`), the image host (see host), and `/_sim/...`."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reviewdesk.domain.shortcodes import by_code
from reviewdesk.sim import presign, tokens
from reviewdesk.sim.catalog import demo_catalog
from reviewdesk.sim.config import SimConfig
from reviewdesk.sim.host import ImageHost
from reviewdesk.sim.images import image_bytes
from reviewdesk.sim.paths import jpg_scan_id, raw_path
from reviewdesk.sim.responses import jpeg_response, json_error
from reviewdesk.sim.state import FeedbackRecord, SimState
from reviewdesk.sim.traits import FILENOTFOUND, READY, is_error500, status_of

ALL_VERBS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
B_VERBS = {"both": ("GET", "POST"), "get": ("GET",), "post": ("POST",)}


def _server_error() -> JSONResponse:
    return json_error(500, "Internal server error")


class Api:
    def __init__(self, state: SimState) -> None:
        self.state = state

    @property
    def config(self) -> SimConfig:
        return self.state.config

    def _presign(self, request: Request, scan_id: str, expires_in: int) -> str:
        return presign.presign(
            str(request.base_url).rstrip("/"),
            scan_id,
            now=self.state.now(),
            expires_in=expires_in,
            style=self.config.url_style,
            secret=self.config.url_secret,
        )

    def _default_expiry(self) -> int:
        return min(presign.MAX_EXPIRES, max(1, math.ceil(self.config.url_lifetime)))

    async def authorize(self, request: Request) -> Response:
        tokens.check_admin(request.headers, self.config)
        reviewer = request.query_params.get("reviewer", "").strip()
        if not reviewer:
            return json_error(400, "Missing reviewer query parameter")
        return JSONResponse({"token": tokens.mint_token(self.config, self.state.now(), reviewer)})

    async def image_url(self, request: Request) -> Response:
        tokens.check_admin(request.headers, self.config)
        scan_id = request.query_params.get("scanId", "")
        if not scan_id:
            return json_error(400, "Missing scanId query parameter")
        raw_expiry = request.query_params.get("ExpiresIn")
        expires_in = self._default_expiry()
        if raw_expiry is not None:
            if not raw_expiry.isascii() or not raw_expiry.isdigit():
                return json_error(400, "ExpiresIn must be an integer number of seconds")
            expires_in = int(raw_expiry)
            if not 1 <= expires_in <= presign.MAX_EXPIRES:
                return json_error(400, f"ExpiresIn must be between 1 and {presign.MAX_EXPIRES}")
        if is_error500(scan_id):
            return _server_error()
        status = status_of(self.state, scan_id)
        return JSONResponse({"imageSrc": self._presign(request, scan_id, expires_in), "status": status})

    async def image_jpg(self, request: Request) -> Response:
        tokens.check_admin(request.headers, self.config)
        scan_id = jpg_scan_id(raw_path(request).removeprefix("/reviews/image/"))
        if scan_id is None:
            return json_error(404, "Not Found")
        if is_error500(scan_id):
            return _server_error()
        status = status_of(self.state, scan_id)
        if status != READY:
            message = "Image not found" if status == FILENOTFOUND else "Image is still uploading"
            return json_error(404, message)
        tight = request.query_params.get("tight", "").lower() in ("true", "1")
        data = await run_in_threadpool(image_bytes, scan_id, tight)
        return jpeg_response(self.state, data)

    async def blackout_url(self, request: Request) -> Response:
        allowed = B_VERBS.get(self.config.b_verb_mode, ("GET", "POST"))
        if request.method not in allowed:
            return json_error(405, "Method Not Allowed", headers={"Allow": ", ".join(allowed)})
        tokens.check_reviewer(request.headers, self.config, self.state.now())
        scan_id = request.query_params.get("scanId", "")
        if not scan_id:
            return json_error(400, "Missing scanId query parameter")
        if is_error500(scan_id):
            return _server_error()
        status = status_of(self.state, scan_id)
        body = {"imageSrc": self._presign(request, scan_id, self._default_expiry())}
        if self.config.b_includes_status:
            body["status"] = status
        return JSONResponse(body)

    async def feedback(self, request: Request) -> Response:
        auth_kind, reviewer = tokens.check_any(request.headers, self.config, self.state.now())
        try:
            payload: Any = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return json_error(400, "The body is not valid JSON")
        if not isinstance(payload, dict):
            return json_error(400, "The body must be a JSON object")
        scan_id = payload.get("scanId")
        code = payload.get("annotationShortCode")
        info = payload.get("annotationInfo")
        if not isinstance(scan_id, str) or not scan_id:
            return json_error(400, "Missing scanId")
        if not isinstance(code, str) or code not in by_code():
            return json_error(400, f"Unknown annotationShortCode {code!r}")
        if info is None:
            info = {}
        if not isinstance(info, dict):
            return json_error(400, "annotationInfo must be a JSON object")
        forced = self.config.fail_feedback_codes.get(scan_id)
        if forced is not None:
            retry = {"Retry-After": "1"} if forced in (429, 503) else None
            return json_error(forced, f"feedback rejected (simulated {forced})", headers=retry)
        if is_error500(scan_id):
            return _server_error()
        record = FeedbackRecord(scan_id, code, info, auth_kind, reviewer, self.state.now())
        self.state.add_feedback(record)
        return JSONResponse({"scanId": scan_id, "annotationShortCode": code, "received": True})


class SimEndpoints:
    def __init__(self, state: SimState) -> None:
        self.state = state

    async def feedback(self, request: Request) -> Response:
        return JSONResponse([asdict(record) for record in self.state.feedback()])

    async def catalog(self, request: Request) -> Response:
        return JSONResponse(demo_catalog())


def build_routes(state: SimState) -> list[BaseRoute]:
    api, host, sim = Api(state), ImageHost(state), SimEndpoints(state)
    return [
        Route("/reviews/authorize", api.authorize, methods=["GET"]),
        Route("/reviews/image", api.image_url, methods=["GET"]),
        Route("/reviews/image/{rest:path}", api.image_jpg, methods=["GET"]),
        # Every verb reaches the handler: b_verb_mode decides which get 405 (with Allow).
        Route("/reviews/b", api.blackout_url, methods=ALL_VERBS),
        Route("/reviews/feedback", api.feedback, methods=["POST"]),
        Route("/blackout-images/{rest:path}", host.get_object, methods=["GET"]),
        Route("/_sim/feedback", sim.feedback, methods=["GET"]),
        Route("/_sim/catalog", sim.catalog, methods=["GET"]),
    ]
