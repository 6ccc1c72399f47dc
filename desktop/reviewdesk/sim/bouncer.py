"""Simulated Bouncer CardVerify (docs/BOUNCER.md): `POST /v1/card/verify` and `/v1/card/verify_web`.

`config.bouncer_header_mode` says which header carries the key: "bearer" (`Authorization: Bearer`,
as the verify sample shows), "x-bouncer-auth" (as the verify_web sample shows) or "both" (either
is accepted). A body with a required field missing is a 400 with a message; `payload_version`
above 2 is a 400 too (a rule only the server knows). `/_sim/bouncer/requests` lists what came:
path, the header names that held the key, and the body's keys (never its values).
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reviewdesk.sim.responses import json_error
from reviewdesk.sim.state import SimState

SUPPORTED_PAYLOAD_VERSIONS = (1, 2)


def _token(body: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest().upper()
    return "-".join(digest[i : i + 6] for i in range(0, 24, 6))


class BouncerSim:
    def __init__(self, state: SimState) -> None:
        self.state = state
        self._lock = threading.Lock()
        self._requests: list[dict[str, Any]] = []

    def _key_headers(self, request: Request) -> list[str]:
        key = self.state.config.bouncer_key
        found = []
        if request.headers.get("authorization") == f"Bearer {key}":
            found.append("authorization")
        if request.headers.get("x-bouncer-auth") == key:
            found.append("x-bouncer-auth")
        return found

    def _authorized(self, found: list[str]) -> bool:
        mode = self.state.config.bouncer_header_mode
        wanted = {"bearer": "authorization", "x-bouncer-auth": "x-bouncer-auth"}.get(mode)
        return bool(found) if wanted is None else wanted in found

    async def _handle(self, request: Request, required: tuple[str, ...]) -> Response:
        found = self._key_headers(request)
        try:
            body: Any = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            body = None
        with self._lock:
            self._requests.append(
                {
                    "path": request.url.path,
                    "keyHeaders": found,
                    "bodyKeys": sorted(body) if isinstance(body, dict) else [],
                }
            )
        if not self._authorized(found):
            return json_error(401, "Invalid API key")
        if not isinstance(body, dict):
            return json_error(400, "The body must be a JSON object")
        for name in required:
            if body.get(name) in (None, ""):
                return json_error(400, f"Missing required field: {name}")
        version = body.get("payload_version", 1)
        if version not in SUPPORTED_PAYLOAD_VERSIONS:
            return json_error(400, f"Unsupported payload_version: {version}")
        return JSONResponse({"token": _token(body)})

    async def verify(self, request: Request) -> Response:
        return await self._handle(request, ("payload", "last4"))

    async def verify_web(self, request: Request) -> Response:
        return await self._handle(request, ("verification_results", "ocr_result"))

    async def requests(self, request: Request) -> Response:
        with self._lock:
            return JSONResponse(list(self._requests))


def bouncer_routes(state: SimState) -> list[BaseRoute]:
    sim = BouncerSim(state)
    return [
        Route("/v1/card/verify", sim.verify, methods=["POST"]),
        Route("/v1/card/verify_web", sim.verify_web, methods=["POST"]),
        Route("/_sim/bouncer/requests", sim.requests, methods=["GET"]),
    ]
