"""Jumio's Netverify Retrieval API, simulated under the reference's paths (docs/JUMIO.md).

`/api/netverify/v2/scans/...` (Netverify), `/authentications/...` and `/documents/...` (Document
Verification) on the simulator's one port. HTTP Basic with `config.jumio_token` / `jumio_secret`
(else 401); a request without a User-Agent gets 400; `maskhint=unmasked` gets 403. The chaos knobs
(latency, 503 + Retry-After, dropped connections) apply as to every other path.

What a reference does is told by its prefix:

- Netverify: `pending-N-*` (PENDING for N status polls, then DONE), `done-passport-*`, `done-id-*`
  (front, back, PNG face, EU address), `done-license-*` (US address), `done-visa-*`,
  `liveness-*` (7 liveness images listed out of order), `fraud-*` (DENIED_FRAUD, reason 100 with
  details), `unreadable-*` (ERROR_NOT_READABLE_ID, 200), `nomatch-*` (similarity NO_MATCH,
  validity false), `failed-*` (FAILED, no images), `partial-*` (`/data` without document and
  verification), `card-*` (a card number in the data), and the bad ones: `weird-*` (an unknown
  status), `nostatus-*` (no status field), `otherhost-*` (image links to another host),
  `huge-*` (the front claims 20000x20000 pixels), `broken-*` (the front is not a readable image).
- Authentication: `auth-passed-*`, `auth-failed-*`, `auth-started-*`, `auth-pending-N-*`.
- Document Verification: `dv-bs-*` (2 pages, listed out of order), `dv-cc-*` (page 101),
  `dv-ssc-*`, `dv-failed-*`, `dv-pending-N-*`.

Anything else is 404.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import zlib
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reviewdesk.sim.responses import jpeg_response, json_error
from reviewdesk.sim.state import SimState

PREFIX = "/api/netverify/v2"
TIMESTAMP = "2019-03-01T11:44:56.741Z"
OTHER_HOST = "https://images.elsewhere.example"
LIVENESS_ORDER = (7, 5, 6, 3, 4, 1, 2)
HUGE_SIZE = 20000

DOC_TYPES = {
    "passport": ("PASSPORT", None, ("front", "face")),
    "id": ("ID_CARD", "NATIONAL_ID", ("front", "back", "face")),
    "license": ("DRIVING_LICENSE", None, ("front", "back", "face")),
    "visa": ("VISA", None, ("front", "face")),
}
COUNTRIES = ("AUT", "USA", "DEU", "FRA", "GBR", "XKX")
FIRST = ("ANNA", "BORIS", "CHLOE", "DAVID", "EMMA", "FELIX")
LAST = ("MUSTER", "NOVAK", "ORTIZ", "PETROV", "QUINN", "ROSSI")


def _seed(ref: str) -> int:
    return zlib.crc32(ref.encode())


def _polls_needed(ref: str, prefix: str, default: int) -> int:
    match = re.match(re.escape(prefix) + r"(\d+)(?:-|$)", ref)
    return int(match.group(1)) if match else default


# -- the catalogue ---------------------------------------------------------------------------------


def netverify_kind(ref: str) -> str | None:
    for kind in (
        "pending-", "done-passport-", "done-id-", "done-license-", "done-visa-", "liveness-", "fraud-",
        "unreadable-", "nomatch-", "failed-", "partial-", "card-", "weird-", "nostatus-", "otherhost-",
        "huge-", "broken-",
    ):  # fmt: skip
        if ref.startswith(kind) and len(ref) > len(kind):
            return kind.rstrip("-")
    return None


def _doc_type(ref: str) -> str:
    for name in DOC_TYPES:
        if ref.startswith(f"done-{name}-"):
            return name
    return "id" if ref.startswith(("fraud-", "otherhost-", "huge-", "broken-")) else "passport"


def netverify_document(ref: str, kind: str) -> dict[str, Any]:
    seed = _seed(ref)
    doc_name = _doc_type(ref)
    doc_type, subtype, _sides = DOC_TYPES[doc_name]
    status = {
        "fraud": "DENIED_FRAUD",
        "unreadable": "ERROR_NOT_READABLE_ID",
        "failed": "NO_ID_UPLOADED",
    }.get(kind, "APPROVED_VERIFIED")
    if kind == "failed":
        return {"status": status}
    doc: dict[str, Any] = {
        "type": doc_type,
        "issuingCountry": COUNTRIES[seed % len(COUNTRIES)],
        "firstName": FIRST[seed % len(FIRST)],
        "lastName": LAST[(seed // 7) % len(LAST)],
        "dob": f"19{60 + seed % 40:02d}-0{1 + seed % 9}-1{seed % 10}",
        "expiry": f"20{30 + seed % 9}-12-31",
        "issuingDate": "2019-01-01",
        "number": f"P{seed % 10**8:08d}",
        "status": status,
    }
    if subtype:
        doc["idSubtype"] = subtype
    if doc_name == "license":
        doc["usState"] = "CA"
        doc["address"] = {
            "city": "SAN JOSE",
            "stateCode": "US-CA",
            "streetName": "MAIN",
            "streetSuffix": "ST",
            "streetNumber": str(100 + seed % 800),
            "zip": "95113",
            "country": "USA",
        }
    elif doc_name == "id":
        doc["address"] = {
            "city": "WIEN",
            "streetName": "RINGSTRASSE",
            "streetNumber": "1",
            "postalCode": "1010",
        }
        doc["issuingAuthority"] = "MAGISTRAT WIEN"
    if kind == "card":
        doc["personalNumber"] = "4111 1111 1111 1111"  # looks like a card number: must come back masked
    return doc


def netverify_verification(kind: str) -> dict[str, Any]:
    if kind == "failed":
        return {}
    if kind == "fraud":
        return {
            "mrzCheck": "OK",
            "identityVerification": {"similarity": "MATCH", "validity": "TRUE"},
            "rejectReason": {
                "rejectReasonCode": "100",
                "rejectReasonDescription": "MANIPULATED_DOCUMENT",
                "rejectReasonDetails": [
                    {"detailsCode": "1001", "detailsDescription": "PHOTO"},
                    {"detailsCode": "1004", "detailsDescription": "DOB"},
                ],
            },
        }
    if kind == "unreadable":
        return {
            "mrzCheck": "NOT_AVAILABLE",
            "rejectReason": {
                "rejectReasonCode": "200",
                "rejectReasonDescription": "NOT_READABLE_DOCUMENT",
                "rejectReasonDetails": {"detailsCode": "2001", "detailsDescription": "BLURRED"},
            },
        }
    if kind == "nomatch":
        return {
            "mrzCheck": "OK",
            "identityVerification": {
                "similarity": "NO_MATCH",
                "validity": "false",
                "reason": "SELFIE_MANIPULATED",
            },
        }
    # The reference's own sample spells validity "true" in lower case.
    return {"mrzCheck": "OK", "identityVerification": {"similarity": "MATCH", "validity": "true"}}


def netverify_transaction(ref: str, status: str) -> dict[str, Any]:
    seed = _seed(ref)
    return {
        "status": status,
        "source": ("WEB_UPLOAD", "WEB-CAM", "SDK", "API", "REDIRECT-UPLOAD")[seed % 5],
        "date": "2019-02-01T11:01:10.227Z",
        "clientIp": f"192.0.2.{seed % 250}",
        "customerId": f"CUSTOMER-{seed % 1000}",
        "merchantScanReference": f"MSR-{ref}",
    }


def auth_kind(ref: str) -> str | None:
    for kind in ("auth-passed-", "auth-failed-", "auth-started-", "auth-pending-"):
        if ref.startswith(kind) and len(ref) > len(kind):
            return kind.removeprefix("auth-").rstrip("-")
    return None


def dv_kind(ref: str) -> str | None:
    for kind in ("dv-bs-", "dv-cc-", "dv-ssc-", "dv-failed-", "dv-pending-"):
        if ref.startswith(kind) and len(ref) > len(kind):
            return kind.removeprefix("dv-").rstrip("-")
    return None


DV_PAGES = {"bs": (2, 1), "cc": (101,), "ssc": (1,), "pending": (1,), "failed": ()}


def dv_document(ref: str, kind: str) -> dict[str, Any]:
    if kind == "failed":
        return {"status": "DISCARDED", "type": "OTHER"}
    doc_type = {"bs": "BS", "cc": "CC", "ssc": "SSC", "pending": "BS"}[kind]
    nested: dict[str, Any] = {"firstName": "FULL NAME"}
    extracted: dict[str, Any] = {"firstName": "FULL NAME", "signatureAvailable": False}
    if doc_type == "CC":
        nested.update(expiryDate="01/22", pan="XXXXXXXXXXXX1234")
    elif doc_type == "SSC":
        nested.update(lastName="LAST NAME", ssn="123-45-6789", signaturePresent="true")
        extracted.update(lastName="LAST NAME", ssn="123-45-6789")
    else:
        nested.update(city="CITY", addressFormat="RAW", postalCode="12345", accountNumber="123456789",
                      line1="12345 EASY STREET", issueDate="2019-01-01")  # fmt: skip
    # As in the reference's samples: the nested extractedData is a JSON *string*.
    extracted["extractedData"] = json.dumps(nested)
    doc: dict[str, Any] = {
        "status": "EXTRACTED",
        "type": doc_type,
        "extractedData": extracted,
        "country": "USA",
    }
    if doc_type == "BS":
        doc["originalDocument"] = f"https://retrieval.netverify.com{PREFIX}/documents/{ref}/original"
    return doc


# -- images ----------------------------------------------------------------------------------------


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return out.getvalue()


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _face(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], seed: int) -> None:
    x0, y0, x1, y1 = box
    skin = ((241, 194, 125), (224, 172, 105), (198, 134, 66), (141, 85, 36))[seed % 4]
    w, h = x1 - x0, y1 - y0
    draw.ellipse((x0 + w * 0.2, y0 + h * 0.1, x1 - w * 0.2, y1 - h * 0.25), fill=skin)
    draw.pieslice((x0, y1 - h * 0.35, x1, y1 + h * 0.35), 180, 360, fill=(60, 80, 120))
    for ex in (0.38, 0.62):
        draw.ellipse((x0 + w * ex - 4, y0 + h * 0.35, x0 + w * ex + 4, y0 + h * 0.35 + 8), fill=(40, 40, 40))


@lru_cache(maxsize=64)
def document_image(ref: str, side: str) -> bytes:
    seed = _seed(ref + side)
    doc_type = DOC_TYPES[_doc_type(ref)][0]
    if side == "face":
        image = Image.new("RGB", (300, 380), (230, 230, 235))
        _face(ImageDraw.Draw(image), (0, 0, 300, 380), seed)
        return _encode(image, "PNG" if ref.startswith("done-id-") else "JPEG")
    colour = ((200, 220, 240), (230, 210, 190), (210, 235, 210), (235, 220, 235))[seed % 4]
    image = Image.new("RGB", (640, 404), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 640, 60), fill=(40, 60, 110))
    draw.text((20, 14), f"{doc_type} · {side.upper()}", font=_font(28), fill=(255, 255, 255))
    if side == "front":
        _face(draw, (30, 90, 200, 330), seed)
        for i, line in enumerate(("NAME SIMULATED", f"REF {ref[:24]}", "DOB 1990-01-01", "EXP 2031-12-31")):
            draw.text((230, 100 + 50 * i), line, font=_font(24), fill=(20, 20, 20))
    else:
        for i in range(6):
            draw.rectangle(
                (30, 100 + 40 * i, 610, 120 + 40 * i), fill=(90, 90, 90) if i % 2 else (150, 150, 150)
            )
    return _encode(image, "JPEG")


@lru_cache(maxsize=64)
def liveness_image(ref: str, number: int) -> bytes:
    image = Image.new("RGB", (240, 320), (215, 225, 235))
    draw = ImageDraw.Draw(image)
    _face(draw, (10 + number * 3, 20, 230 - number * 3, 300), _seed(ref))
    draw.text((10, 8), f"#{number}", font=_font(28), fill=(180, 20, 20))
    return _encode(image, "JPEG")


@lru_cache(maxsize=64)
def page_image(ref: str, page: int) -> bytes:
    image = Image.new("RGB", (420, 594), (252, 252, 250))
    draw = ImageDraw.Draw(image)
    draw.text((30, 24), f"PAGE {page}", font=_font(30), fill=(20, 20, 20))
    for i in range(14):
        draw.line((30, 90 + 32 * i, 390 - (i * 37) % 120, 90 + 32 * i), fill=(120, 120, 120), width=3)
    return _encode(image, "JPEG")


@lru_cache(maxsize=4)
def huge_image() -> bytes:
    """A small valid JPEG whose header claims HUGE_SIZE x HUGE_SIZE pixels."""
    data = bytearray(_encode(Image.new("RGB", (64, 40), (200, 200, 200)), "JPEG"))
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if data[pos + 1] == 0xC0:
            data[pos + 5 : pos + 9] = HUGE_SIZE.to_bytes(2, "big") * 2
            return bytes(data)
        pos += 2 + length
    raise RuntimeError("no SOF0 segment")


def broken_image() -> bytes:
    """Starts like a JPEG, then nothing a decoder can read."""
    return b"\xff\xd8\xff\xe0" + bytes(range(1, 200)) * 8


def _image_response(data: bytes, state: SimState | None = None) -> Response:
    """A JPEG goes out like the Reviews API's (streamed, `slow_body` honoured); a PNG in one piece."""
    if state is not None and not data.startswith(b"\x89PNG"):
        return jpeg_response(state, data)
    media = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return Response(data, media_type=media, headers={"Cache-Control": "private, no-store"})


# -- the routes ------------------------------------------------------------------------------------


class JumioApi:
    def __init__(self, state: SimState) -> None:
        self.state = state
        with state.lock:
            state.jumio.setdefault("polls", {})
            state.jumio.setdefault("requests", [])

    # -- checks ----------------------------------------------------------------------------------

    def _check(self, request: Request) -> Response | None:
        """401 without the right Basic credentials, 400 without a User-Agent; records the request."""
        headers = request.headers
        with self.state.lock:
            self.state.jumio["requests"].append(
                {
                    "path": request.url.path,
                    "query": request.url.query,
                    "user_agent": headers.get("user-agent"),
                    "accept": headers.get("accept"),
                    "basic": headers.get("authorization", "").lower().startswith("basic "),
                }
            )
        config = self.state.config
        scheme, _, value = headers.get("authorization", "").partition(" ")
        try:
            user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user = password = ""
        if scheme.lower() != "basic" or (user, password) != (config.jumio_token, config.jumio_secret):
            return json_error(401, "Unauthorized", headers={"WWW-Authenticate": 'Basic realm="Netverify"'})
        if not headers.get("user-agent", "").strip():
            return json_error(400, "A User-Agent naming your company and application is required")
        if request.query_params.get("maskhint", "").lower() == "unmasked":
            return json_error(403, "Retrieval of unmasked images is not enabled for this account")
        return None

    def _poll(self, ref: str) -> int:
        """Counts a status request; returns how many there have been, this one included."""
        with self.state.lock:
            polls: dict[str, int] = self.state.jumio["polls"]
            polls[ref] = polls.get(ref, 0) + 1
            return polls[ref]

    def _polled(self, ref: str) -> int:
        with self.state.lock:
            count: int = self.state.jumio["polls"].get(ref, 0)
            return count

    def _nv_status(self, ref: str, kind: str) -> str:
        if kind == "failed":
            return "FAILED"
        if kind == "pending":
            needed = _polls_needed(ref, "pending-", self.state.config.jumio_pending_polls)
            return "PENDING" if self._polled(ref) <= needed else "DONE"
        return "DONE"

    @staticmethod
    def _base(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    # -- Netverify ---------------------------------------------------------------------------------

    async def scan(self, request: Request) -> Response:
        ref = request.path_params["ref"]
        if (denied := self._check(request)) is not None:
            return denied
        kind = netverify_kind(ref)
        if kind is None:
            return json_error(404, "Not Found")
        self._poll(ref)
        body: dict[str, Any] = {"timestamp": TIMESTAMP, "scanReference": ref}
        if kind == "weird":
            body["status"] = "PROCESSING"
        elif kind != "nostatus":
            body["status"] = self._nv_status(ref, kind)
        return JSONResponse(body)

    async def scan_data(self, request: Request) -> Response:
        ref, section = request.path_params["ref"], request.path_params.get("section", "")
        if (denied := self._check(request)) is not None:
            return denied
        kind = netverify_kind(ref)
        if kind is None or section not in ("", "document", "transaction", "verification"):
            return json_error(404, "Not Found")
        status = self._nv_status(ref, kind) if kind not in ("weird", "nostatus") else "DONE"
        sections: dict[str, dict[str, Any]] = {"transaction": netverify_transaction(ref, status)}
        if status != "PENDING":
            sections["document"] = netverify_document(ref, kind)
            sections["verification"] = netverify_verification(kind)
        top = {"timestamp": TIMESTAMP, "scanReference": ref}
        if section:
            return JSONResponse({**sections.get(section, {}), **top})
        if kind == "partial":
            sections = {"transaction": sections["transaction"]}
        return JSONResponse({**top, **sections})

    async def scan_images(self, request: Request) -> Response:
        ref = request.path_params["ref"]
        if (denied := self._check(request)) is not None:
            return denied
        kind = netverify_kind(ref)
        if kind is None:
            return json_error(404, "Not Found")
        base = OTHER_HOST if kind == "otherhost" else self._base(request)
        root = f"{base}{PREFIX}/scans/{ref}/images"
        sides = (
            ()
            if kind == "failed" or self._nv_status(ref, kind) == "PENDING"
            else DOC_TYPES[_doc_type(ref)][2]
        )
        # Listed back, front, face: in the reference's sample order, not the display order.
        order = sorted(sides, key=lambda s: ("back", "front", "face").index(s))
        body: dict[str, Any] = {
            "timestamp": TIMESTAMP,
            "images": [{"classifier": side, "href": f"{root}/{side}"} for side in order],
            "scanReference": ref,
        }
        if kind == "liveness":
            body["livenessImages"] = [f"{root}/liveness/{n}" for n in LIVENESS_ORDER]
        return JSONResponse(body)

    async def scan_image(self, request: Request) -> Response:
        ref, classifier = request.path_params["ref"], request.path_params["classifier"]
        if (denied := self._check(request)) is not None:
            return denied
        kind = netverify_kind(ref)
        if kind is None or kind == "failed" or classifier not in DOC_TYPES[_doc_type(ref)][2]:
            return json_error(404, "Not Found")
        if classifier == "front" and kind == "huge":
            return _image_response(huge_image())
        if classifier == "front" and kind == "broken":
            return _image_response(broken_image())
        return _image_response(await run_in_threadpool(document_image, ref, classifier), self.state)

    async def scan_liveness(self, request: Request) -> Response:
        ref, number = request.path_params["ref"], request.path_params["number"]
        if (denied := self._check(request)) is not None:
            return denied
        if netverify_kind(ref) != "liveness" or not number.isdigit() or int(number) not in LIVENESS_ORDER:
            return json_error(404, "Not Found")
        return _image_response(await run_in_threadpool(liveness_image, ref, int(number)), self.state)

    # -- Authentication ----------------------------------------------------------------------------

    def _auth_result(self, ref: str, kind: str) -> str:
        if kind == "pending":
            needed = _polls_needed(ref, "auth-pending-", self.state.config.jumio_pending_polls)
            return "STARTED" if self._poll(ref) <= needed else "PASSED"
        return {"passed": "PASSED", "failed": "FAILED", "started": "STARTED"}[kind]

    async def authentication(self, request: Request) -> Response:
        ref = request.path_params["ref"]
        if (denied := self._check(request)) is not None:
            return denied
        kind = auth_kind(ref)
        if kind is None:
            return json_error(404, "Not Found")
        result = self._auth_result(ref, kind)
        root = f"{self._base(request)}{PREFIX}/authentications/{ref}/images"
        body: dict[str, Any] = {
            "transactionReference": ref,
            "transactionResult": result,
            "scanSource": "SDK",
            "transactionDate": "2019-05-23T14:32:27.534",  # no zone, as in the reference's sample
        }
        if result in ("PASSED", "FAILED"):
            body["images"] = [{"classifier": "face", "href": f"{root}/face"}]
            body["livenessImages"] = [f"{root}/liveness/{n}" for n in range(1, 8)]
        return JSONResponse(body)

    async def authentication_image(self, request: Request) -> Response:
        ref, classifier = request.path_params["ref"], request.path_params["classifier"]
        if (denied := self._check(request)) is not None:
            return denied
        if auth_kind(ref) in (None, "started") or classifier != "face":
            return json_error(404, "Not Found")
        return _image_response(await run_in_threadpool(document_image, ref, "face"), self.state)

    async def authentication_liveness(self, request: Request) -> Response:
        ref, number = request.path_params["ref"], request.path_params["number"]
        if (denied := self._check(request)) is not None:
            return denied
        if auth_kind(ref) in (None, "started") or not number.isdigit() or not 1 <= int(number) <= 7:
            return json_error(404, "Not Found")
        return _image_response(await run_in_threadpool(liveness_image, ref, int(number)), self.state)

    # -- Document Verification ---------------------------------------------------------------------

    def _dv_status(self, ref: str, kind: str) -> str:
        if kind == "failed":
            return "FAILED"
        if kind == "pending":
            needed = _polls_needed(ref, "dv-pending-", self.state.config.jumio_pending_polls)
            return "PENDING" if self._polled(ref) <= needed else "DONE"
        return "DONE"

    async def document(self, request: Request) -> Response:
        ref = request.path_params["ref"]
        if (denied := self._check(request)) is not None:
            return denied
        kind = dv_kind(ref)
        if kind is None:
            return json_error(404, "Not Found")
        self._poll(ref)
        return JSONResponse(
            {"scanReference": ref, "timestamp": TIMESTAMP, "status": self._dv_status(ref, kind)}
        )

    async def document_data(self, request: Request) -> Response:
        ref, section = request.path_params["ref"], request.path_params.get("section", "")
        if (denied := self._check(request)) is not None:
            return denied
        kind = dv_kind(ref)
        if kind is None or section not in ("", "document", "transaction"):
            return json_error(404, "Not Found")
        status = self._dv_status(ref, kind)
        sections: dict[str, dict[str, Any]] = {
            "transaction": {
                "status": status,
                "source": "DOC_UPLOAD",
                "merchantScanReference": f"MSR-{ref}",
                "customerId": "CUSTOMERID",
            }
        }
        if status != "PENDING":
            sections["document"] = dv_document(ref, kind)
        top = {"scanReference": ref, "timestamp": TIMESTAMP}
        if section:
            return JSONResponse({**top, **sections.get(section, {})})
        return JSONResponse({**top, **sections})

    async def document_pages(self, request: Request) -> Response:
        ref = request.path_params["ref"]
        if (denied := self._check(request)) is not None:
            return denied
        kind = dv_kind(ref)
        if kind is None:
            return json_error(404, "Not Found")
        root = f"{self._base(request)}{PREFIX}/documents/{ref}/pages"
        pages = () if self._dv_status(ref, kind) == "PENDING" else DV_PAGES[kind]
        images = [{"classifier": page, "href": f"{root}/{page}"} for page in pages]
        return JSONResponse({"timestamp": TIMESTAMP, "images": images, "scanReference": ref})

    async def document_page(self, request: Request) -> Response:
        ref, page = request.path_params["ref"], request.path_params["page"]
        if (denied := self._check(request)) is not None:
            return denied
        kind = dv_kind(ref)
        if kind is None or not page.isdigit() or int(page) not in DV_PAGES[kind]:
            return json_error(404, "Not Found")
        return _image_response(await run_in_threadpool(page_image, ref, int(page)), self.state)


def jumio_routes(state: SimState) -> list[BaseRoute]:
    api = JumioApi(state)
    scans, auths, docs = (
        f"{PREFIX}/scans/{{ref}}",
        f"{PREFIX}/authentications/{{ref}}",
        f"{PREFIX}/documents/{{ref}}",
    )
    return [
        Route(scans, api.scan, methods=["GET"]),
        Route(f"{scans}/data", api.scan_data, methods=["GET"]),
        Route(f"{scans}/data/{{section}}", api.scan_data, methods=["GET"]),
        Route(f"{scans}/images", api.scan_images, methods=["GET"]),
        Route(f"{scans}/images/liveness/{{number}}", api.scan_liveness, methods=["GET"]),
        Route(f"{scans}/images/{{classifier}}", api.scan_image, methods=["GET"]),
        Route(auths, api.authentication, methods=["GET"]),
        Route(f"{auths}/images/liveness/{{number}}", api.authentication_liveness, methods=["GET"]),
        Route(f"{auths}/images/{{classifier}}", api.authentication_image, methods=["GET"]),
        Route(docs, api.document, methods=["GET"]),
        Route(f"{docs}/data", api.document_data, methods=["GET"]),
        Route(f"{docs}/data/{{section}}", api.document_data, methods=["GET"]),
        Route(f"{docs}/pages", api.document_pages, methods=["GET"]),
        Route(f"{docs}/pages/{{page}}", api.document_page, methods=["GET"]),
    ]
