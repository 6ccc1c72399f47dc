"""Preventor's IDV ticket API: a ticket's details and its images (docs/PREVENTOR.md).

`Authorization: Bearer <token>` on every call, and `x-api-key` when one is configured; neither is
ever logged or shown. The reference documents the requests only, not the answers: details come
back as whatever JSON object arrives, images are read by `preventor_images.read_images`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from reviewdesk.api import errors as e
from reviewdesk.api.http import error_for, make_http_client
from reviewdesk.api.images import check_image
from reviewdesk.api.presigned import check_transport_url
from reviewdesk.api.preventor_images import TicketImage, read_images, type_parameter
from reviewdesk.api.redact import register_secret
from reviewdesk.api.reviews import normalize_base_url
from reviewdesk.api.vendor_http import decode_json, error_answer, read_capped, send
from reviewdesk.domain.scan_id import InvalidScanId, quote_path_segment, validate_scan_id

log = logging.getLogger("reviewdesk.api.preventor")

DEFAULT_BASE_URL = "https://api-sandbox.preventor.com"
DETAILS_PATH = "/id/v1/identity/transactions/{ticket}"
IMAGES_PATH = "/id/v1/identity/transactions/{ticket}/images"
MAX_DETAILS_BYTES = 8 * 1024 * 1024
#: Images may come inline as base64: the images answer may be as large as a few images.
MAX_IMAGES_ANSWER_BYTES = 96 * 1024 * 1024
MAX_IMAGE_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class PreventorCredential:
    """The bearer token, and the optional API key. `repr` hides both."""

    token: str
    api_key: str | None = None

    def __post_init__(self) -> None:
        for name, value in (("token", self.token), ("API key", self.api_key)):
            if value is not None and (not value.strip() or not value.isascii() or not value.isprintable()):
                raise e.NoCredentialError(
                    f"the Preventor {name} is empty or holds characters a header cannot"
                )
        register_secret(self.token)
        register_secret(self.api_key)

    def headers(self) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.api_key:
            headers["x-api-key"] = self.api_key
        return headers

    def __repr__(self) -> str:
        return f"PreventorCredential(token=<redacted>, api_key={'<redacted>' if self.api_key else None})"


def checked_ticket(ticket: object) -> str:
    try:
        return validate_scan_id(ticket)
    except InvalidScanId as exc:
        raise e.UsageError(f"invalid ticket id: {str(exc).replace('scan id', 'ticket id')}") from None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return (
        parts.scheme,
        (parts.hostname or "").lower(),
        parts.port or {"http": 80, "https": 443}.get(parts.scheme),
    )


class PreventorClient:
    """One Preventor base URL, one credential. Share `http` across clients."""

    def __init__(
        self,
        base_url: str,
        credential: PreventorCredential,
        *,
        http: httpx.AsyncClient | None = None,
        max_image_bytes: int = MAX_IMAGE_BYTES,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        self.credential = credential
        self._http = http or make_http_client()
        self._owns_http = http is None
        self.max_image_bytes = max_image_bytes

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> PreventorClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _secrets(self) -> tuple[str | None, ...]:
        return (self.credential.token, self.credential.api_key)

    async def _get_json(
        self, path: str, what: str, ticket: str, limit: int, params: dict[str, str] | None
    ) -> Any:
        response = await send(
            self._http, "GET", self.base_url + path, what, params=params, headers=self.credential.headers()
        )
        if not response.is_success:
            raise self._error(await error_answer(response, what), what, ticket)
        return decode_json(await read_capped(response, what, limit), what)

    def _error(self, response: httpx.Response, what: str, ticket: str) -> e.ReviewDeskError:
        if response.status_code == 404:
            return e.NotFoundError(f"{what} failed: ticket {ticket} was not found (404)")
        if response.status_code in (401, 403):
            cls = e.UnauthorizedError if response.status_code == 401 else e.ForbiddenError
            return cls(
                f"{what} failed: Preventor did not accept the token or API key ({response.status_code}); "
                "check REVIEWDESK_PREVENTOR_TOKEN and REVIEWDESK_PREVENTOR_API_KEY"
            )
        return error_for(response, what, self._secrets())

    async def ticket(self, ticket: str) -> Any:
        """`GET /id/v1/identity/transactions/{ticket}`: the details as they arrive (a JSON object or
        list; anything else is a ProtocolError)."""
        ticket = checked_ticket(ticket)
        what = f"fetching ticket {ticket}"
        path = DETAILS_PATH.format(ticket=quote_path_segment(ticket))
        data = await self._get_json(path, what, ticket, MAX_DETAILS_BYTES, None)
        if not isinstance(data, dict | list):
            raise e.ProtocolError(f"{what}: the answer is a JSON {type(data).__name__}, not an object")
        return data

    async def images(self, ticket: str, types: list[str] | tuple[str, ...] = ("ALL",)) -> list[TicketImage]:
        """`GET …/{ticket}/images?type=T1,T2`: every image item, URL or decoded data."""
        ticket = checked_ticket(ticket)
        what = f"fetching the images of ticket {ticket}"
        param = type_parameter(types)
        path = IMAGES_PATH.format(ticket=quote_path_segment(ticket))
        data = await self._get_json(path, what, ticket, MAX_IMAGES_ANSWER_BYTES, {"type": param})
        return read_images(data, ticket)

    def _on_api_host(self, url: str) -> bool:
        return _origin(url) == _origin(self.base_url)

    async def image_bytes(self, ticket: str, image: TicketImage) -> tuple[bytes, str]:
        """The image's bytes and format ("JPEG", "PNG"…): decoded data, or the URL fetched (with the
        Preventor credentials only when it is on the API's own host). NotAnImageError when the
        bytes are not an image, saying which image of which ticket."""
        what = f"image {image.name} of ticket {ticket}"
        if image.problem:
            raise e.NotAnImageError(f"{what} is unusable: {image.problem}")
        data = image.data
        if data is None:
            data = await self._download(image, what)
        if len(data) > self.max_image_bytes:
            raise e.ImageTooLargeError(f"{what} is larger than the limit; not loaded", self.max_image_bytes)
        try:
            kind = check_image(data, ticket)
        except e.NotAnImageError as exc:
            raise e.NotAnImageError(str(exc).replace(f"the image of scan {ticket}", what)) from None
        return data, kind

    async def _download(self, image: TicketImage, what: str) -> bytes:
        url = image.url or ""
        try:
            check_transport_url(url, "image URL")
        except e.InsecureURLError as exc:  # the server's answer, not the user's input
            raise e.ServerURLRefusedError(f"{what}: Preventor sent an unusable image URL ({exc})") from None
        headers = self.credential.headers() if self._on_api_host(url) else None
        response = await send(self._http, "GET", url, f"downloading {what}", headers=headers)
        if not response.is_success:
            answer = await error_answer(response, what)
            if answer.status_code in (401, 403):
                raise e.ImageURLRejectedError(f"{what}: the image link was refused ({answer.status_code})")
            if answer.status_code == 404:
                raise e.ImageNotAvailableError(f"{what}: the image link points at nothing (404)", None)
            raise error_for(answer, f"downloading {what}", (url, *self._secrets()))
        return await read_capped(response, f"downloading {what}", self.max_image_bytes)
