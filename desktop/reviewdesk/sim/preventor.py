"""Simulated Preventor IDV ticket API (docs/PREVENTOR.md), in more than one answer shape.

The reference documents no answer bodies, so `config.preventor_shape` picks one of several
plausible ones: "list" (sections in camelCase; images a list of typed items, URLs and base64
mixed), "object" (the details wrapped in `data`, snake_case, another order; images an object keyed
by type, with `data:` URLs) and "unknown" (an images answer no client can read).

Tickets: any id exists, except `missing-*` (404); `broken-*` has a document whose base64 cannot be
decoded and a selfie whose bytes are not an image. Image URLs point at `/preventor-files/…` on
this host, except the portrait's, which names `localhost` instead of `127.0.0.1` (another host, as
far as a client can tell); `/_sim/preventor/files` lists those downloads and whether they carried
credentials.
"""

from __future__ import annotations

import base64
import io
import threading
import zlib
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reviewdesk.sim.responses import json_error
from reviewdesk.sim.state import SimState

BASE = "/id/v1/identity/transactions"
FILES = "/preventor-files"
TYPES = ("DOCUMENT", "SELF_PORTRAITS", "DOCUMENT_PORTRAIT", "DOCUMENT_GHOST_PORTRAIT", "DOCUMENT_SIGNATURE")
_COLOURS = {
    "DOCUMENT": (40, 90, 160),
    "SELF_PORTRAITS": (200, 150, 110),
    "DOCUMENT_PORTRAIT": (120, 120, 120),
    "DOCUMENT_GHOST_PORTRAIT": (210, 210, 210),
    "DOCUMENT_SIGNATURE": (250, 250, 235),
}


@lru_cache(maxsize=64)
def image_of(ticket: str, kind: str) -> tuple[bytes, str]:
    """A small drawn image (JPEG for the document and the selfie, PNG for the extracted ones)."""
    seed = zlib.crc32(f"{ticket}/{kind}".encode())
    size = (320, 200) if kind == "DOCUMENT" else (160, 200)
    picture = Image.new("RGB", size, _COLOURS.get(kind, (0, 0, 0)))
    draw = ImageDraw.Draw(picture)
    draw.text((10, 10), f"{kind}\n{ticket}", fill=(0, 0, 0))
    draw.rectangle((20, 60, 20 + seed % 100, 120), outline=(255, 0, 0), width=3)
    out = io.BytesIO()
    fmt = "JPEG" if kind in ("DOCUMENT", "SELF_PORTRAITS") else "PNG"
    picture.save(out, fmt)
    return out.getvalue(), fmt


def details_of(ticket: str, shape: str) -> dict[str, Any]:
    summary = {
        "ticket": ticket,
        "status": "COMPLETED",
        "result": "REVIEW",
        "createdAt": "2026-11-29T10:00:00Z",
    }
    personal = {
        "firstName": "Ana",
        "lastName": "García Núñez",
        "birthDate": "1990-04-01",
        "nationality": "MEX",
    }
    document = {"type": "ID_CARD", "country": "MEX", "number": "X1234567", "expiryDate": "2031-01-31"}
    lexical = {"mrzValid": True, "fields": [{"name": "surname", "value": "GARCIA NUNEZ", "confidence": 0.97}]}
    device = {"ip": "203.0.113.7", "os": "Android 14", "browser": None}
    flow = [
        {"step": "DOCUMENT_CAPTURE", "ok": True},
        {"step": "SELFIE", "ok": True},
        {"step": "MATCH", "score": 0.91},
    ]
    if shape == "object":
        return {
            "data": {
                "ticket_summary": {"ticket_id": ticket, "state": "DONE", "score": 91},
                "process_flow": flow,
                "personal_information": {"first_name": "Ana", "last_name": "García Núñez"},
                "document_information": {"document_type": "PASSPORT", "issuing_country": "MEX"},
                "tracked_device": device,
            }
        }
    return {
        "summary": summary,
        "personalData": personal,
        "document": document,
        "lexicalData": lexical,
        "device": device,
        "processFlow": flow,
    }


class PreventorSim:
    def __init__(self, state: SimState) -> None:
        self.state = state
        self._lock = threading.Lock()
        self._downloads: list[dict[str, Any]] = []

    def _check_auth(self, request: Request) -> Response | None:
        config = self.state.config
        if request.headers.get("authorization", "") != f"Bearer {config.preventor_token}":
            return json_error(401, "Unauthorized: invalid or missing bearer token")
        if config.preventor_api_key and request.headers.get("x-api-key") != config.preventor_api_key:
            return json_error(401, "Unauthorized: invalid or missing x-api-key")
        return None

    async def ticket(self, request: Request) -> Response:
        refused = self._check_auth(request)
        if refused is not None:
            return refused
        ticket = request.path_params["ticket"]
        if ticket.startswith("missing-"):
            return json_error(404, f"Ticket {ticket} not found")
        return JSONResponse(details_of(ticket, self.state.config.preventor_shape))

    def _items(self, request: Request, ticket: str, kinds: list[str]) -> list[tuple[str, str, str]]:
        """(type, "url"|"data"|"dataurl", value) per image, as the shape serves them."""
        base = str(request.base_url).rstrip("/")
        items = []
        for kind in kinds:
            data, fmt = image_of(ticket, kind)
            encoded = base64.b64encode(data).decode()
            if ticket.startswith("broken-") and kind == "DOCUMENT":
                items.append((kind, "data", "this is not base64!"))
            elif ticket.startswith("broken-") and kind == "SELF_PORTRAITS":
                items.append((kind, "data", base64.b64encode(b"<html>not an image</html>").decode()))
            elif kind == "DOCUMENT":
                items.append((kind, "url", f"{base}{FILES}/{ticket}/{kind}?sig=secret-signature"))
            elif kind == "DOCUMENT_PORTRAIT":
                other = base.replace("127.0.0.1", "localhost")
                items.append((kind, "url", f"{other}{FILES}/{ticket}/{kind}?sig=secret-signature"))
            elif kind == "DOCUMENT_GHOST_PORTRAIT":
                items.append((kind, "dataurl", f"data:image/{fmt.lower()};base64,{encoded}"))
            else:
                items.append((kind, "data", encoded))
        return items

    async def images(self, request: Request) -> Response:
        refused = self._check_auth(request)
        if refused is not None:
            return refused
        ticket = request.path_params["ticket"]
        if ticket.startswith("missing-"):
            return json_error(404, f"Ticket {ticket} not found")
        asked = request.query_params.get("type", "ALL").split(",")
        unknown = [t for t in asked if t not in (*TYPES, "ALL")]
        if unknown:
            return json_error(400, f"Unknown image type {unknown[0]!r}")
        kinds = list(TYPES) if "ALL" in asked else [t for t in TYPES if t in asked]
        items = self._items(request, ticket, kinds)
        shape = self.state.config.preventor_shape
        if shape == "unknown":
            return JSONResponse({"status": "OK", "payload": {"count": len(items)}, "version": 3})
        if shape == "object":
            by_type: dict[str, Any] = {}
            for kind, how, value in items:
                name = {"SELF_PORTRAITS": "selfPortraits", "DOCUMENT_SIGNATURE": "documentSignature"}.get(
                    kind, kind
                )
                by_type[name] = [{"url": value}] if how == "url" else [{"content": value}]
            return JSONResponse({"ticket": ticket, "images": by_type})
        return JSONResponse(
            [{"type": kind, ("url" if how == "url" else "data"): value} for kind, how, value in items]
        )

    async def file(self, request: Request) -> Response:
        ticket, kind = request.path_params["ticket"], request.path_params["kind"]
        with self._lock:
            self._downloads.append(
                {
                    "host": request.url.hostname,
                    "path": request.url.path,
                    "authorization": "authorization" in request.headers,
                    "apiKey": "x-api-key" in request.headers,
                }
            )
        if kind not in TYPES:
            return json_error(404, "No such file")
        data, fmt = image_of(ticket, kind)
        return Response(data, media_type=f"image/{fmt.lower()}")

    async def downloads(self, request: Request) -> Response:
        with self._lock:
            return JSONResponse(list(self._downloads))


def preventor_routes(state: SimState) -> list[BaseRoute]:
    sim = PreventorSim(state)
    return [
        Route(BASE + "/{ticket}", sim.ticket, methods=["GET"]),
        Route(BASE + "/{ticket}/images", sim.images, methods=["GET"]),
        Route(FILES + "/{ticket}/{kind}", sim.file, methods=["GET"]),
        Route("/_sim/preventor/files", sim.downloads, methods=["GET"]),
    ]
