"""The Reviews API client: both flavours (admin shared key, reviewer Bearer JWT).

Where the reference contradicts itself the client works with either side
(docs/REVIEWS_API.md): both admin headers, GET-then-POST on `/reviews/b`, the
`Bearer <token>` form, a `status` that may be missing, and whatever crop comes back.
"""

from __future__ import annotations

import json as json_module
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from reviewdesk import limits
from reviewdesk.api import errors as e
from reviewdesk.api.auth import AdminKey, Credential, ReviewerToken
from reviewdesk.api.http import (
    error_for,
    make_http_client,
    read_limited,
    send_same_host,
)
from reviewdesk.api.presigned import DEFAULT_LIFETIME, PresignedURL, check_transport_url
from reviewdesk.api.retry import NO_RETRY, RetryPolicy, retrying
from reviewdesk.domain import shortcodes
from reviewdesk.domain.route import Route
from reviewdesk.domain.scan_id import InvalidScanId, quote_path_segment, validate_scan_id

log = logging.getLogger("reviewdesk.api")
T = TypeVar("T")

DEFAULT_MAX_IMAGE_BYTES = limits.MAX_IMAGE_BYTES
IMAGE_STATUSES = ("READY", "UPLOADING", "FILENOTFOUND")
MAX_EXPIRES_IN = 7 * 24 * 3600


@dataclass(frozen=True, slots=True)
class ImageInfo:
    scan_id: str
    url: PresignedURL
    status: str | None  # None: the server did not say (the `/reviews/b` shape)


def normalize_base_url(base_url: str) -> str:
    base = base_url.strip().rstrip("/")
    if base.endswith("/reviews"):
        base = base[: -len("/reviews")]
    check_transport_url(base, "base URL")
    parts = urlsplit(base)
    if parts.query or parts.fragment:
        raise e.UsageError("the base URL must not have a query or fragment")
    if "@" in parts.netloc:
        raise e.UsageError("the base URL must not hold a user name or password")
    return base


def checked_scan_id(scan_id: object) -> str:
    try:
        return validate_scan_id(scan_id)
    except InvalidScanId as exc:
        raise e.UsageError(f"invalid scan id: {exc}") from None


class ReviewsClient:
    """Talks to one Reviews API server with one credential. Share `http` across clients."""

    def __init__(
        self,
        base_url: str,
        credential: Credential | None,
        *,
        http: httpx.AsyncClient | None = None,
        max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
        max_json_bytes: int = limits.MAX_JSON_BYTES,
        api_deadline: float = limits.API_DEADLINE,
        image_deadline: float = limits.IMAGE_DEADLINE,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        self.credential = credential
        self._http = http or make_http_client()
        self._owns_http = http is None
        self.max_image_bytes = max_image_bytes
        self.max_json_bytes = max_json_bytes
        self.api_deadline = api_deadline
        self.image_deadline = image_deadline
        self.retry = retry
        self.clock = clock
        self._b_verb = "GET"  # learnt per session: the reference says POST in a heading, GET elsewhere

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> ReviewsClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- credentials -------------------------------------------------------------------------

    def _secrets(self) -> tuple[str | None, ...]:
        c = self.credential
        if isinstance(c, AdminKey):
            return (c.key,)
        if isinstance(c, ReviewerToken):
            return (c.token,)
        return ()

    def _auth_headers(self, what: str) -> dict[str, str]:
        c = self.credential
        if c is None:
            raise e.NoCredentialError(
                f"{what}: no credential; set REVIEWDESK_TOKEN (reviewer) or REVIEWDESK_ADMIN_KEY (admin)"
            )
        c.check_usable(self.clock())
        return c.headers()

    def _require_admin(self, what: str) -> None:
        if not isinstance(self.credential, AdminKey):
            raise e.UsageError(f"{what} needs the admin key; a reviewer token cannot do it")

    @property
    def is_admin(self) -> bool:
        return isinstance(self.credential, AdminKey)

    @property
    def route(self) -> Route:
        """Where decisions sent with this client go: this server, under this credential's identity."""
        c = self.credential
        return Route(self.base_url, c.identity if c is not None else "")

    # -- plumbing ----------------------------------------------------------------------------

    async def _retry(
        self, what: str, attempt: Callable[[], Awaitable[T]], deadline: float | None = None
    ) -> T:
        """One request with retries of transient failures, all of it within one deadline."""
        return await retrying(attempt, what, deadline=deadline or self.api_deadline, policy=self.retry)

    async def _send(
        self,
        method: str,
        url: str,
        what: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """`send_same_host` on this client's httpx client (read the answer with `_read_limited`)."""
        return await send_same_host(self._http, method, url, what, params=params, json=json, headers=headers)

    async def _read_limited(
        self, response: httpx.Response, limit: int, what: str, *, truncate: bool = False
    ) -> bytes:
        """`read_limited`: past `limit` an answer no such answer can be (unless `truncate`)."""
        too_big = e.ResponseTooLargeError(
            f"{what}: the server's answer is larger than {_size(limit)}, more than such an answer "
            "can be; not read"
        )
        return await read_limited(response, limit, what, too_big, truncate=truncate)

    async def _error(
        self, response: httpx.Response, what: str, secrets: tuple[str | None, ...] | None = None
    ) -> e.ReviewDeskError:
        """The typed error for a non-2xx answer, from at most MAX_ERROR_BODY_BYTES of its body."""
        try:
            body = await self._read_limited(response, limits.MAX_ERROR_BODY_BYTES, what, truncate=True)
        except e.NetworkError:
            body = b""  # the status says enough
        return error_for(response, what, self._secrets() if secrets is None else secrets, body)

    async def _api(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
    ) -> tuple[httpx.Response, bytes]:
        """One API call: the answer and its body (at most `max_json_bytes`), or the typed error."""
        headers = self._auth_headers(what)
        response = await self._send(
            method, self.base_url + path, what, params=params, json=json, headers=headers
        )
        if not response.is_success:
            raise await self._error(response, what)
        return response, await self._read_limited(response, self.max_json_bytes, what)

    def _json(self, response: httpx.Response, body: bytes, what: str) -> dict[str, Any]:
        if _is_html(response, body):
            raise _unexpected_answer(response, what)
        try:
            data = json_module.loads(body)
        except ValueError:
            raise e.ProtocolError(f"{what}: the server's answer is not JSON") from None
        if not isinstance(data, dict):
            raise e.ProtocolError(f"{what}: the server's answer is not a JSON object")
        return data

    def _presigned(self, data: dict[str, Any], what: str, lifetime: float) -> PresignedURL:
        src = data.get("imageSrc")
        if not isinstance(src, str) or not src:
            raise e.ProtocolError(f"{what}: the answer has no imageSrc")
        try:
            return PresignedURL.parse(src.strip().strip("<>"), issued_at=self.clock(), lifetime=lifetime)
        except e.InsecureURLError as exc:  # the server's answer, not the user's input: exit 5, not 2
            raise e.ServerURLRefusedError(f"{what}: the server sent an unusable imageSrc ({exc})") from None

    async def _read_image(self, response: httpx.Response, what: str) -> bytes:
        try:
            return await self._read_limited(response, self.max_image_bytes, what)
        except e.ResponseTooLargeError:
            limit = self.max_image_bytes
            raise e.ImageTooLargeError(
                f"{what}: the image is larger than the {limit // (1024 * 1024)} MB limit; not loaded", limit
            ) from None

    # -- admin endpoints ---------------------------------------------------------------------

    async def authorize(self, reviewer: str) -> str:
        """Mint a reviewer token (admin). Returns the JWT."""
        what = "creating a reviewer token"
        self._require_admin(what)
        reviewer = reviewer.strip()
        if not reviewer or len(reviewer) > 128 or any(ord(c) < 32 for c in reviewer):
            raise e.UsageError("the reviewer name must be 1 to 128 printable characters")

        async def attempt() -> str:
            response, body = await self._api("GET", "/reviews/authorize", what, params={"reviewer": reviewer})
            token = self._json(response, body, what).get("token")
            if not isinstance(token, str) or not token:
                raise e.ProtocolError(f"{what}: the answer has no token")
            return token

        return await self._retry(what, attempt)

    async def image_info(self, scan_id: str, expires_in: int = int(DEFAULT_LIFETIME)) -> ImageInfo:
        """`GET /reviews/image` (admin): a presigned URL and the image status."""
        scan_id = checked_scan_id(scan_id)
        what = f"fetching the image URL of scan {scan_id}"
        self._require_admin(what)
        if not 1 <= int(expires_in) <= MAX_EXPIRES_IN:
            raise e.UsageError(f"--expires-in must be between 1 and {MAX_EXPIRES_IN} seconds")

        async def attempt() -> ImageInfo:
            response, body = await self._api(
                "GET", "/reviews/image", what, params={"scanId": scan_id, "ExpiresIn": int(expires_in)}
            )
            data = self._json(response, body, what)
            status = data.get("status")
            status = status.upper() if isinstance(status, str) and status.upper() in IMAGE_STATUSES else None
            return ImageInfo(scan_id, self._presigned(data, what, float(expires_in)), status)

        return await self._retry(what, attempt)

    async def image_jpeg(self, scan_id: str, *, tight: bool = False) -> bytes:
        """`GET /reviews/image/{scanId}.jpg` (admin). The crop that comes back may be tight anyway."""
        scan_id = checked_scan_id(scan_id)
        what = f"downloading the image of scan {scan_id}"
        self._require_admin(what)
        path = f"/reviews/image/{quote_path_segment(scan_id)}.jpg"

        async def attempt() -> bytes:
            headers = self._auth_headers(what)
            response = await self._send(
                "GET",
                self.base_url + path,
                what,
                params={"tight": "true"} if tight else None,
                headers=headers,
            )
            if not response.is_success:
                error = await self._error(response, what)
                if response.status_code == 404:
                    raise e.ImageNotAvailableError(
                        f"scan {scan_id} has no image (not found, or still uploading)", None
                    )
                raise error
            return await self._read_image(response, what)

        return await self._retry(what, attempt, self.image_deadline)

    # -- reviewer endpoint -------------------------------------------------------------------

    async def temporary_url(self, scan_id: str) -> ImageInfo:
        """`/reviews/b` (reviewer): GET first; on 405 once POST, and keep the verb that worked."""
        scan_id = checked_scan_id(scan_id)
        what = f"fetching the image URL of scan {scan_id}"
        if not isinstance(self.credential, ReviewerToken):
            raise e.UsageError(f"{what}: /reviews/b needs a reviewer token")

        async def attempt() -> ImageInfo:
            try:
                response, body = await self._api(self._b_verb, "/reviews/b", what, params={"scanId": scan_id})
            except e.MethodNotAllowedError:
                other = "POST" if self._b_verb == "GET" else "GET"
                response, body = await self._api(other, "/reviews/b", what, params={"scanId": scan_id})
                self._b_verb = other
                log.info("the server wants %s on /reviews/b; using it from now on", other)
            data = self._json(response, body, what)
            status = data.get("status")
            status = status.upper() if isinstance(status, str) and status.upper() in IMAGE_STATUSES else None
            return ImageInfo(scan_id, self._presigned(data, what, DEFAULT_LIFETIME), status)

        return await self._retry(what, attempt)

    async def image_url(self, scan_id: str, expires_in: int = int(DEFAULT_LIFETIME)) -> ImageInfo:
        """A fresh presigned URL with whichever flavour the credential allows."""
        if isinstance(self.credential, AdminKey):
            return await self.image_info(scan_id, expires_in)
        return await self.temporary_url(scan_id)

    # -- image host --------------------------------------------------------------------------

    async def download(self, url: PresignedURL, scan_id: str = "") -> bytes:
        """Fetch a presigned URL: no credential of ours is sent to the image host."""
        what = f"downloading the image of scan {scan_id}" if scan_id else "downloading the image"
        check_transport_url(url.url, "image URL")

        async def attempt() -> bytes:
            response = await self._send("GET", url.url, what)
            if response.is_success:
                return await self._read_image(response, what)
            error = await self._error(response, what, (url.url,))  # the body is read once, capped
            if response.status_code in (401, 403):  # the link, not our credential: get a new link
                raise e.ImageURLRejectedError(
                    f"{what}: the image link was refused (expired or invalid); fetching a new one"
                )
            if response.status_code == 404:
                raise e.ImageNotAvailableError(f"{what}: no image is stored for this scan", None)
            raise error

        return await self._retry(what, attempt, self.image_deadline)

    # -- feedback ----------------------------------------------------------------------------

    async def send_feedback(
        self, scan_id: str, shortcode: str, annotation_info: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """`POST /reviews/feedback` with whatever credential the session holds. One try, within
        the API deadline; an HTML page for an answer is an UnexpectedAnswerError (not delivered)."""
        scan_id = checked_scan_id(scan_id)
        try:
            shortcodes.get(shortcode)
        except shortcodes.UnknownShortcode as exc:
            raise e.UsageError(str(exc)) from None
        what = f"sending the decision for scan {scan_id}"
        body = {
            "scanId": scan_id,
            "annotationShortCode": shortcode,
            "annotationInfo": dict(annotation_info or {}),
        }

        async def attempt() -> dict[str, Any]:
            response, answer = await self._api("POST", "/reviews/feedback", what, json=body)
            # The reference does not document this answer: any 2xx counts, but a web page does not
            # (a captive portal or a proxy's login page would swallow the decision).
            if _is_html(response, answer):
                raise _unexpected_answer(response, what, "; not counted as sent, it is sent again later")
            try:
                data = json_module.loads(answer) if answer.strip() else {}
            except ValueError:
                return {}
            return data if isinstance(data, dict) else {}

        # One try per call: the outbox keeps its own durable schedule of retries (sync.worker).
        return await retrying(attempt, what, deadline=self.api_deadline, policy=NO_RETRY)


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 else f"{n // 1024} KiB"


def _is_html(response: httpx.Response, body: bytes) -> bool:
    kind = response.headers.get("content-type", "").lower()
    head = body[:512].lstrip().lower()
    return "html" in kind or head.startswith((b"<!doctype html", b"<html"))


def _unexpected_answer(response: httpx.Response, what: str, tail: str = "") -> e.UnexpectedAnswerError:
    host = response.request.url.host
    return e.UnexpectedAnswerError(
        f"{what}: unexpected answer from {host}: a web page, not the API's answer (a captive portal "
        f"or a proxy's login page?){tail}",
        host,
    )
