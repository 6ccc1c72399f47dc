"""Jumio's Netverify Retrieval API: Netverify, Authentication and Document Verification (read only).

HTTP Basic with the API token and secret, a User-Agent the customer sets (no request without it),
the US or EU data centre with its second `retrieval.` host for Document Verification, or one base
URL for everything. Where the reference contradicts itself or is silent the client takes both
sides; docs/JUMIO.md lists each point and what is done about it.

Safety: the credentials go only to the configured base of the transaction's kind (an image link
that points anywhere else is refused), `maskhint=unmasked` is never sent, bodies are capped, and
values that look like card numbers are masked before anyone sees them.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from reviewdesk.api import errors as e
from reviewdesk.api.http import error_for, make_http_client, read_limited, send_same_host
from reviewdesk.api.images import image_format
from reviewdesk.api.presigned import check_transport_url
from reviewdesk.api.redact import register_secret, safe_url
from reviewdesk.domain import jumio_codes as codes
from reviewdesk.domain.scan_id import InvalidScanId, quote_path_segment, validate_scan_id

log = logging.getLogger("reviewdesk.api.jumio")

KINDS = ("netverify", "authentication", "document")
REGIONS: dict[str, tuple[str, str]] = {
    # region -> (Netverify and Authentication host, Document Verification host)
    "us": ("https://netverify.com", "https://retrieval.netverify.com"),
    "eu": ("https://lon.netverify.com", "https://retrieval.lon.netverify.com"),
}
API_PREFIX = "/api/netverify/v2"
RESOURCE = {"netverify": "scans", "authentication": "authentications", "document": "documents"}
LABELS = {"netverify": "Netverify", "authentication": "Authentication", "document": "Document Verification"}

USER_AGENT_SETTING = "jumio_user_agent"
USER_AGENT_ENV = "REVIEWDESK_JUMIO_USER_AGENT"
TOKEN_ENV = "REVIEWDESK_JUMIO_TOKEN"
SECRET_ENV = "REVIEWDESK_JUMIO_SECRET"
MAX_USER_AGENT = 200

MAX_JSON_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_IMAGE_BYTES = 25 * 1024 * 1024
DEFAULT_MAX_PIXELS = 100_000_000
JSON_ACCEPT = "application/json"
IMAGE_ACCEPT = "image/jpeg, image/png"
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp"}


class MissingUserAgentError(e.UsageError):
    """No User-Agent is configured: nothing is sent to Jumio until one is."""


def user_agent_hint() -> str:
    return (
        f'set the Jumio User-Agent first, naming your company and application (e.g. "YourCompany '
        f'YourApp/1.0"): "{USER_AGENT_SETTING}" in settings.json, or the environment variable '
        f"{USER_AGENT_ENV}; nothing was sent to Jumio"
    )


def check_user_agent(value: str | None) -> str:
    text = (value or "").strip()
    if not text:
        raise MissingUserAgentError(user_agent_hint())
    if len(text) > MAX_USER_AGENT or not text.isascii() or not text.isprintable():
        raise e.UsageError(
            f"the Jumio User-Agent must be printable ASCII of at most {MAX_USER_AGENT} characters "
            f'("{USER_AGENT_SETTING}" in settings.json, or {USER_AGENT_ENV})'
        )
    return text


def checked_reference(reference: object) -> str:
    try:
        return validate_scan_id(reference)
    except InvalidScanId as exc:
        raise e.UsageError(f"invalid Jumio reference: {str(exc).replace('scan id', 'reference')}") from None


def normalize_base(url: str) -> str:
    base = url.strip().rstrip("/")
    check_transport_url(base, "Jumio base URL")
    parts = urlsplit(base)
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise e.UsageError("the Jumio base URL must not hold a query, a fragment, a user name or a password")
    return base


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return (
        parts.scheme,
        (parts.hostname or "").lower(),
        parts.port or {"http": 80, "https": 443}.get(parts.scheme),
    )


@dataclass(frozen=True, slots=True)
class JumioHosts:
    """Where each kind of transaction is retrieved from."""

    netverify: str  # Netverify and Authentication
    retrieval: str  # Document Verification

    @classmethod
    def for_region(cls, region: str) -> JumioHosts:
        if region not in REGIONS:
            raise e.UsageError(f"unknown Jumio region {region!r}; use one of: {', '.join(REGIONS)}")
        return cls(*REGIONS[region])

    @classmethod
    def single(cls, base_url: str) -> JumioHosts:
        """Every path on one base (the simulator, a proxy): `--url`."""
        base = normalize_base(base_url)
        return cls(base, base)

    def base_for(self, kind: str) -> str:
        return self.retrieval if kind == "document" else self.netverify


@dataclass(frozen=True)
class JumioCredentials:
    token: str = field(repr=False)
    secret: str = field(repr=False)

    def __post_init__(self) -> None:
        if not self.token or not self.secret:
            raise e.NoCredentialError("the Jumio API token and secret must both be given")
        if ":" in self.token or any(not c.isprintable() for c in self.token + self.secret):
            raise e.NoCredentialError("the Jumio API token or secret holds a character that cannot be sent")
        register_secret(self.token)
        register_secret(self.secret)
        register_secret(self._encoded())

    def _encoded(self) -> str:
        return base64.b64encode(f"{self.token}:{self.secret}".encode()).decode("ascii")

    def header(self) -> str:
        return f"Basic {self._encoded()}"

    def secrets(self) -> tuple[str, ...]:
        return (self.token, self.secret, self._encoded())


@dataclass(frozen=True, slots=True)
class JumioImage:
    data: bytes
    format: str  # "JPEG", "PNG", ...

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.format, "img")


@dataclass(frozen=True, slots=True)
class ImageLink:
    classifier: str  # "front", "back", "face", a page number, "liveness-3"
    href: str
    number: int | None = None  # liveness number or page number


@dataclass(frozen=True, slots=True)
class ImageList:
    images: tuple[ImageLink, ...] = ()
    liveness: tuple[ImageLink, ...] = ()  # in number order, whatever order the server used
    problems: tuple[str, ...] = ()  # entries that could not be read (the rest is still usable)


@dataclass(frozen=True, slots=True)
class StatusInfo:
    reference: str
    status: str
    timestamp: str | None = None


# -- answers ---------------------------------------------------------------------------------------


def _number_from_href(href: str) -> int | None:
    tail = urlsplit(href).path.rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isascii() and tail.isdigit() and len(tail) <= 9 else None


def parse_image_entries(raw: object, what: str) -> tuple[list[ImageLink], list[str]]:
    """`images` as the reference allows it: an array of {classifier, href}, one such object, or an
    object mapping classifier to href (docs/JUMIO.md)."""
    problems: list[str] = []
    entries: list[tuple[object, object]] = []
    if raw is None:
        return [], []
    if isinstance(raw, Mapping) and ("classifier" in raw or "href" in raw):
        raw = [raw]
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            href = value.get("href") if isinstance(value, Mapping) else value
            entries.append((key, href))
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, Mapping):
                entries.append((item.get("classifier"), item.get("href")))
            else:
                problems.append(f"{what}: an image entry is not an object ({type(item).__name__}); skipped")
    else:
        problems.append(f"{what}: `images` is neither a list nor an object; no images listed")
    links: list[ImageLink] = []
    for classifier, href in entries:
        if not isinstance(href, str) or not href.strip():
            problems.append(f"{what}: the image {classifier!s:.40} has no link; skipped")
            continue
        if classifier is None or isinstance(classifier, bool) or not str(classifier).strip():
            number = _number_from_href(href)
            name = str(number) if number is not None else urlsplit(href).path.rsplit("/", 1)[-1]
        else:
            name = str(classifier).strip()
        if not name or len(name) > 40 or not name.replace("_", "").replace("-", "").isalnum():
            problems.append(f"{what}: an image has an unreadable classifier; skipped")
            continue
        number = int(name) if name.isdigit() else None
        links.append(ImageLink(name.lower() if number is None else name, href.strip(), number))
    return links, problems


def parse_liveness(raw: object, what: str) -> tuple[list[ImageLink], list[str]]:
    """`livenessImages`: links whose last path segment is the number; sorted by that number."""
    problems: list[str] = []
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return [], [f"{what}: `livenessImages` is not a list; no liveness images listed"]
    by_number: dict[int, ImageLink] = {}
    for item in raw:
        href = item.get("href") if isinstance(item, Mapping) else item
        if not isinstance(href, str) or not href.strip():
            problems.append(f"{what}: a liveness entry has no link; skipped")
            continue
        number = _number_from_href(href)
        if number is None:
            problems.append(f"{what}: a liveness link does not end in its number; skipped")
            continue
        by_number.setdefault(number, ImageLink(f"liveness-{number}", href.strip(), number))
    return [by_number[n] for n in sorted(by_number)], problems


def parse_image_list(data: Mapping[str, Any], what: str) -> ImageList:
    images, p1 = parse_image_entries(data.get("images"), what)
    liveness, p2 = parse_liveness(data.get("livenessImages"), what)
    images.sort(key=lambda link: (link.number is None, link.number or 0))
    return ImageList(tuple(images), tuple(liveness), tuple(p1 + p2))


def parse_status(data: Mapping[str, Any], field_name: str, allowed: tuple[str, ...], what: str) -> str:
    value = data.get(field_name)
    if value is None:
        raise e.ProtocolError(f"{what}: Jumio's answer has no `{field_name}` field")
    if not isinstance(value, str):
        raise e.ProtocolError(f"{what}: Jumio's `{field_name}` is not text ({type(value).__name__})")
    status = value.strip().upper()
    if status not in allowed:
        shown = " ".join(value.split())[:40]
        raise e.ProtocolError(
            f"{what}: Jumio answered an unknown {field_name} {shown!r} (the reference knows "
            f"{', '.join(allowed)}); shown as unknown, nothing decided"
        )
    return status


def image_dimensions(data: bytes) -> tuple[int, int] | None:
    """Width and height from the image's header (nothing is decoded), or None when unreadable.
    A header claiming more pixels than Pillow's own bomb limit gives (0, 0) and is refused."""
    import io
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as image:
                return image.size
    except Image.DecompressionBombError:
        return (0, 0)
    except Exception:
        return None


class ServerImageTooLargeError(e.ImageTooLargeError):
    """Jumio sent an image too large to show: the server's answer, so exit 5 (not 4)."""

    exit_code = e.EXIT_NETWORK


# -- the client ------------------------------------------------------------------------------------


class JumioClient:
    """One Jumio account (token and secret) at one set of hosts. Share `http` across clients."""

    def __init__(
        self,
        hosts: JumioHosts,
        credentials: JumioCredentials | None,
        user_agent: str | None,
        *,
        http: httpx.AsyncClient | None = None,
        max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
        max_pixels: int = DEFAULT_MAX_PIXELS,
    ) -> None:
        self.hosts = hosts
        self.credentials = credentials
        self.user_agent = user_agent
        self._http = http or make_http_client()
        self._owns_http = http is None
        self.max_image_bytes = max_image_bytes
        self.max_pixels = max_pixels

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> JumioClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- plumbing ----------------------------------------------------------------------------------

    def _secrets(self) -> tuple[str | None, ...]:
        return self.credentials.secrets() if self.credentials else ()

    def _headers(self, accept: str) -> dict[str, str]:
        agent = check_user_agent(self.user_agent)  # before anything else: no request without it
        if self.credentials is None:
            raise e.NoCredentialError(
                f"no Jumio API credentials: set {TOKEN_ENV} and {SECRET_ENV}, or store them with "
                "`reviewdesk login --jumio`"
            )
        return {"Accept": accept, "User-Agent": agent, "Authorization": self.credentials.header()}

    def url(self, kind: str, reference: str, *tail: str) -> str:
        if kind not in KINDS:
            raise e.UsageError(f"unknown Jumio kind {kind!r}; use one of: {', '.join(KINDS)}")
        parts = [self.hosts.base_for(kind), API_PREFIX, RESOURCE[kind], quote_path_segment(reference)]
        parts += [quote_path_segment(t) for t in tail]
        return "/".join(p.strip("/") if i else p.rstrip("/") for i, p in enumerate(parts))

    def check_link(self, kind: str, reference: str, href: str, what: str) -> str:
        """`href` from an image list, if it stays on the configured base of `kind` under this
        transaction's path; the Basic credentials are never sent anywhere else."""
        base = self.hosts.base_for(kind)
        try:
            target = urlsplit(href)
            host = target.hostname or "(no host)"
        except ValueError:
            raise e.ServerURLRefusedError(
                f"{what}: Jumio listed a link that is not a URL; not fetched"
            ) from None
        if _origin(href) != _origin(base):
            raise e.ServerURLRefusedError(
                f"{what}: Jumio's image list points at another host ({host}) than the configured "
                f"{safe_url(base)}; ReviewDesk does not send the Jumio credentials there, so this image "
                "is not fetched"
            )
        prefix = urlsplit(self.url(kind, reference)).path + "/"
        path = target.path
        if (
            target.query
            or target.fragment
            or not path.startswith(prefix)
            or "/.." in path
            or "%2" in path[len(prefix) :].lower()
        ):
            raise e.ServerURLRefusedError(
                f"{what}: Jumio's image link is not under this transaction's path; not fetched"
            )
        return href

    async def _send(self, url: str, headers: Mapping[str, str], what: str) -> httpx.Response:
        log.debug("GET %s", safe_url(url))
        return await send_same_host(self._http, "GET", url, what, headers=headers)

    async def _read(
        self, response: httpx.Response, limit: int, too_big: e.ReviewDeskError, what: str
    ) -> bytes:
        return await read_limited(response, limit, what, too_big)

    def _error(self, response: httpx.Response, what: str, subject: str) -> e.ReviewDeskError:
        status = response.status_code
        if status == 401:
            return e.UnauthorizedError(
                f"{what}: Jumio did not accept the API token and secret (401); check {TOKEN_ENV} and "
                f"{SECRET_ENV}, or `reviewdesk login --jumio`"
            )
        if status == 403:
            return e.ForbiddenError(
                f"{what}: Jumio denied access (403); these API credentials may not be allowed to "
                "retrieve this"
            )
        if status == 404:
            return e.NotFoundError(f"{what}: Jumio does not know {subject} (404: unknown, or deleted)")
        return error_for(response, what, self._secrets())

    async def _json(self, url: str, what: str, subject: str) -> dict[str, Any]:
        response = await self._send(url, self._headers(JSON_ACCEPT), what)
        too_big = e.ProtocolError(f"{what}: Jumio's answer is larger than {MAX_JSON_BYTES // 1024} KB")
        body = await self._read(response, MAX_JSON_BYTES, too_big, what)
        if not response.is_success:
            raise self._error(_with_body(response, body), what, subject)
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise e.ProtocolError(f"{what}: Jumio's answer is not JSON") from None
        if not isinstance(data, dict):
            raise e.ProtocolError(f"{what}: Jumio's answer is not a JSON object")
        masked: dict[str, Any] = codes.mask_tree(data)
        return masked

    async def _image(self, url: str, what: str, subject: str) -> JumioImage:
        response = await self._send(url, self._headers(IMAGE_ACCEPT), what)
        limit = self.max_image_bytes
        too_big = ServerImageTooLargeError(
            f"{what}: the image is larger than {limit // (1024 * 1024)} MB; not loaded", limit
        )
        if not response.is_success:
            body = await self._read(
                response, MAX_JSON_BYTES, e.ProtocolError(f"{what}: the error is too long"), what
            )
            if response.status_code == 404:
                raise e.ImageNotAvailableError(f"{what}: Jumio has no such image for {subject} (404)", None)
            raise self._error(_with_body(response, body), what, subject)
        data = await self._read(response, limit, too_big, what)
        kind = image_format(data)
        if kind not in ("JPEG", "PNG"):
            got = "an empty answer" if not data else f"{len(data)} bytes that are not a JPEG or PNG image"
            raise e.NotAnImageError(f"{what}: Jumio sent {got}; not shown")
        size = image_dimensions(data)
        if size is None:
            raise e.NotAnImageError(
                f"{what}: the {kind} image is damaged (its header cannot be read); not shown"
            )
        if size == (0, 0) or size[0] * size[1] > self.max_pixels:
            claims = f"{size[0]}x{size[1]} pixels" if size != (0, 0) else "a decompression bomb's size"
            raise ServerImageTooLargeError(
                f"{what}: the image claims {claims}, more than the {self.max_pixels // 1_000_000} "
                "megapixels ReviewDesk shows; not loaded",
                limit,
            )
        return JumioImage(data, kind)

    # -- status ------------------------------------------------------------------------------------

    async def status(self, kind: str, reference: str) -> StatusInfo:
        """The state of a transaction: PENDING/DONE/FAILED, or an Authentication's transactionResult."""
        reference = checked_reference(reference)
        if kind == "authentication":
            data = await self.authentication(reference)
            what = f"reading the result of Authentication transaction {reference}"
            result = parse_status(data, "transactionResult", codes.AUTHENTICATION_RESULTS, what)
            return StatusInfo(reference, result, _text(data.get("transactionDate")))
        allowed = codes.DOCUMENT_STATUSES if kind == "document" else codes.NETVERIFY_STATUSES
        label = "Document Verification transaction" if kind == "document" else "Netverify transaction"
        what = f"reading the status of {label} {reference}"
        data = await self._json(self.url(kind, reference), what, f"{label} {reference}")
        return StatusInfo(
            reference, parse_status(data, "status", allowed, what), _text(data.get("timestamp"))
        )

    async def netverify_status(self, reference: str) -> StatusInfo:
        return await self.status("netverify", reference)

    async def document_status(self, reference: str) -> StatusInfo:
        return await self.status("document", reference)

    # -- details -----------------------------------------------------------------------------------

    async def data(self, kind: str, reference: str, section: str = "") -> dict[str, Any]:
        """`/data` or `/data/<section>` of a Netverify or Document Verification transaction."""
        reference = checked_reference(reference)
        label = "Document Verification transaction" if kind == "document" else "Netverify transaction"
        what = f"reading the {section + ' ' if section else ''}details of {label} {reference}"
        tail = ("data", section) if section else ("data",)
        return await self._json(self.url(kind, reference, *tail), what, f"{label} {reference}")

    async def netverify_details(self, reference: str) -> dict[str, Any]:
        """`/data`, with any of `document`, `transaction`, `verification` it lacks read from its own
        endpoint (docs/JUMIO.md: every field is optional)."""
        details = await self.data("netverify", reference)
        for section in ("document", "transaction", "verification"):
            if not isinstance(details.get(section), dict):
                try:
                    part = await self.data("netverify", reference, section)
                except e.NotFoundError:
                    continue
                details[section] = {k: v for k, v in part.items() if k not in ("timestamp", "scanReference")}
        return details

    async def document_details(self, reference: str) -> dict[str, Any]:
        details = await self.data("document", reference)
        for section in ("document", "transaction"):
            if not isinstance(details.get(section), dict):
                try:
                    part = await self.data("document", reference, section)
                except e.NotFoundError:
                    continue
                details[section] = {k: v for k, v in part.items() if k not in ("timestamp", "scanReference")}
        return details

    async def authentication(self, reference: str) -> dict[str, Any]:
        """`/authentications/<ref>`: result, date, source, images and liveness images in one answer."""
        reference = checked_reference(reference)
        what = f"reading Authentication transaction {reference}"
        return await self._json(
            self.url("authentication", reference), what, f"Authentication transaction {reference}"
        )

    async def details(self, kind: str, reference: str) -> dict[str, Any]:
        if kind == "authentication":
            return await self.authentication(reference)
        if kind == "document":
            return await self.document_details(reference)
        return await self.netverify_details(reference)

    # -- images ------------------------------------------------------------------------------------

    async def image_list(self, kind: str, reference: str) -> ImageList:
        """The images a transaction has: Netverify `/images`, Document Verification `/pages`, or the
        lists inside an Authentication transaction."""
        reference = checked_reference(reference)
        if kind == "authentication":
            data = await self.authentication(reference)
            return parse_image_list(data, f"the image list of Authentication transaction {reference}")
        if kind == "document":
            what = f"listing the pages of Document Verification transaction {reference}"
            data = await self._json(
                self.url(kind, reference, "pages"), what, f"Document Verification transaction {reference}"
            )
            return parse_image_list(data, what)
        what = f"listing the images of Netverify transaction {reference}"
        data = await self._json(
            self.url(kind, reference, "images"), what, f"Netverify transaction {reference}"
        )
        return parse_image_list(data, what)

    async def image(self, kind: str, reference: str, classifier: str) -> JumioImage:
        """One image by its classifier: front/back/face, `liveness-N`, or a DV page number."""
        reference = checked_reference(reference)
        subject = f"{LABELS.get(kind, kind)} transaction {reference}"
        what = f"fetching the {classifier} image of {subject}"
        return await self._image(
            self.url(kind, reference, *self._image_tail(kind, classifier)), what, subject
        )

    @staticmethod
    def _image_tail(kind: str, classifier: str) -> tuple[str, ...]:
        if classifier.startswith("liveness-") and kind != "document":
            number = classifier.removeprefix("liveness-")
            if not number.isdigit():
                raise e.UsageError(f"a liveness image is named liveness-N, not {classifier!r}")
            return ("images", "liveness", number)
        if kind == "document":
            page = classifier.removeprefix("page-")
            if not page.isdigit():
                raise e.UsageError(f"a Document Verification page is a number, not {classifier!r}")
            return ("pages", page)
        return ("images", classifier)

    async def fetch_link(self, kind: str, reference: str, link: ImageLink) -> JumioImage:
        """The image behind a link from `image_list`, after checking it stays on our base."""
        reference = checked_reference(reference)
        subject = f"{LABELS.get(kind, kind)} transaction {reference}"
        name = f"page {link.classifier}" if kind == "document" else f"{link.classifier} image"
        what = f"fetching the {name} of {subject}"
        return await self._image(self.check_link(kind, reference, link.href, what), what, subject)

    async def netverify_image(self, reference: str, classifier: str) -> JumioImage:
        return await self.image("netverify", reference, classifier)

    async def netverify_liveness(self, reference: str, number: int) -> JumioImage:
        return await self.image("netverify", reference, f"liveness-{int(number)}")

    async def authentication_image(self, reference: str, classifier: str = "face") -> JumioImage:
        return await self.image("authentication", reference, classifier)

    async def authentication_liveness(self, reference: str, number: int) -> JumioImage:
        return await self.image("authentication", reference, f"liveness-{int(number)}")

    async def document_page(self, reference: str, page: int) -> JumioImage:
        return await self.image("document", reference, str(int(page)))


def _with_body(response: httpx.Response, body: bytes) -> httpx.Response:
    """A streamed answer whose (capped) body was read by us, as a read answer: for its message."""
    return httpx.Response(
        response.status_code, headers=response.headers, content=body, request=response.request
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
