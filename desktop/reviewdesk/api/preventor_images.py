"""Reading Preventor's images answer, whose shape the reference does not document (docs/PREVENTOR.md).

Accepted: a list of items, or an object (items under "images"/"data"/"items"/…, or keyed by image
type); each item a URL or base64 data (with or without a `data:` prefix), as a string or as an
object whose fields give the type and the URL or data. Anything else is a ProtocolError that names
the top-level keys found, so that a user can report the shape. Pure: no I/O here.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reviewdesk.api import errors as e

IMAGE_TYPES = (
    "SELF_PORTRAITS",
    "DOCUMENT",
    "DOCUMENT_PORTRAIT",
    "DOCUMENT_SIGNATURE",
    "DOCUMENT_GHOST_PORTRAIT",
    "ALL",
)
UNKNOWN_TYPE = "UNKNOWN"

_TYPE_ALIASES = {
    **{re.sub(r"[^A-Z]", "", t): t for t in IMAGE_TYPES if t != "ALL"},
    "SELFPORTRAIT": "SELF_PORTRAITS",
    "SELFIE": "SELF_PORTRAITS",
    "SELFIES": "SELF_PORTRAITS",
    "DOCUMENTS": "DOCUMENT",
    "DOCUMENTPORTRAITS": "DOCUMENT_PORTRAIT",
    "DOCUMENTSIGNATURES": "DOCUMENT_SIGNATURE",
    "DOCUMENTGHOSTPORTRAITS": "DOCUMENT_GHOST_PORTRAIT",
    "GHOSTPORTRAIT": "DOCUMENT_GHOST_PORTRAIT",
    "SIGNATURE": "DOCUMENT_SIGNATURE",
}
_LIST_KEYS = ("images", "data", "items", "results", "result", "files")
_TYPE_FIELDS = ("type", "imagetype", "kind", "category")
_URL_FIELDS = ("url", "uri", "href", "link", "imageurl", "src", "location")
_DATA_FIELDS = ("base64", "data", "content", "image", "value", "file", "body", "imagedata")
_DATA_URL = re.compile(r"data:([\w.+/-]*)((?:;[\w=.+-]+)*),", re.IGNORECASE)
MAX_KEYS_NAMED = 12


@dataclass(frozen=True, slots=True)
class TicketImage:
    """One image of a ticket: its type, its number within the type (1, 2…), and where the bytes are.
    `url` is a credential-like link (never logged whole); `data` the decoded bytes, or None when
    the base64 could not be decoded (`problem` says why)."""

    type: str
    number: int
    url: str | None = None
    data: bytes | None = None
    problem: str = ""

    @property
    def name(self) -> str:
        return f"{self.type}-{self.number}"

    def __repr__(self) -> str:  # never the URL: it may be presigned
        where = "url" if self.url else f"{len(self.data or b'')} bytes"
        return f"TicketImage({self.name}, {where}{', ' + self.problem if self.problem else ''})"


def image_type(value: object) -> str | None:
    """The canonical type for "DOCUMENT", "documentPortrait", "self_portraits", … or None."""
    if not isinstance(value, str):
        return None
    return _TYPE_ALIASES.get(re.sub(r"[^A-Z]", "", value.upper()))


def type_parameter(types: Iterable[str]) -> str:
    """The `type` query value: canonical names joined with commas, no spaces (as the reference says);
    UsageError naming a type that is not one of IMAGE_TYPES."""
    chosen: list[str] = []
    for raw in types:
        for part in raw.split(","):
            name = part.strip().upper()
            if not name:
                continue
            if name not in IMAGE_TYPES:
                raise e.UsageError(
                    f"unknown image type {part.strip()!r}; the types are {', '.join(IMAGE_TYPES)}"
                )
            if name not in chosen:
                chosen.append(name)
    return ",".join(chosen or ["ALL"])


def _item_type(value: object) -> str | None:
    """An item's own type: canonical when known, else its letters, digits and underscores (so that a
    type the reference does not list is still told apart, and safe in a file name)."""
    known = image_type(value)
    if known or not isinstance(value, str):
        return known
    cleaned = re.sub(r"[^A-Z0-9_]", "", value.strip().upper().replace("-", "_").replace(" ", "_"))[:40]
    return cleaned or None


def _norm(key: str) -> str:
    return re.sub(r"[^0-9a-z]", "", key.lower())


def _field(item: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    by_norm = {_norm(str(k)): v for k, v in item.items()}
    for name in names:
        value = by_norm.get(name)
        if value not in (None, ""):
            return value
    return None


def decode_base64(text: str) -> bytes:
    """Bytes of base64 text, standard or URL-safe, with or without a `data:…;base64,` prefix and
    padding; ValueError when it is not base64."""
    text = text.strip()
    match = _DATA_URL.match(text)
    if match:
        if "base64" not in match.group(2).lower():
            raise ValueError("a data: URL that is not base64")
        text = text[match.end() :]
    text = re.sub(r"\s+", "", text)
    if not text:
        raise ValueError("empty data")
    text += "=" * (-len(text) % 4)
    alphabet = b"-_" if ("-" in text or "_" in text) else b"+/"
    try:
        return base64.b64decode(text, altchars=alphabet, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None


def _is_url(text: str) -> bool:
    return text.strip().lower().startswith(("https://", "http://"))


class _Reader:
    def __init__(self) -> None:
        self.images: list[TicketImage] = []
        self.unreadable = 0
        self._counts: dict[str, int] = {}

    def add(self, kind: str | None, value: Any) -> bool:
        """One item (a string, or an object of fields); False when it holds neither URL nor data."""
        if isinstance(value, Mapping):
            kind = _item_type(_field(value, _TYPE_FIELDS)) or kind
            url = _field(value, _URL_FIELDS)
            data = _field(value, _DATA_FIELDS)
            if isinstance(data, Mapping | list):  # {"type": …, "data": {...}}: not one image
                return False
            value = url if isinstance(url, str) else data
        if not isinstance(value, str) or not value.strip():
            return False
        kind = kind or UNKNOWN_TYPE
        number = self._counts[kind] = self._counts.get(kind, 0) + 1
        if _is_url(value):
            self.images.append(TicketImage(kind, number, url=value.strip()))
            return True
        try:
            self.images.append(TicketImage(kind, number, data=decode_base64(value)))
        except ValueError as exc:
            self.images.append(TicketImage(kind, number, problem=f"its data cannot be decoded ({exc})"))
        return True

    def add_many(self, kind: str | None, value: Any) -> None:
        values = value if isinstance(value, list) else [value]
        for item in values:
            if not self.add(kind, item):
                self.unreadable += 1


def _top_keys(data: Any) -> str:
    if isinstance(data, Mapping):
        keys = [str(k)[:40] for k in list(data)[:MAX_KEYS_NAMED]]
        more = ", …" if len(data) > MAX_KEYS_NAMED else ""
        return f"top-level keys: {', '.join(keys)}{more}" if keys else "an empty object"
    if isinstance(data, list):
        return f"a list of {len(data)} items"
    return f"a JSON {type(data).__name__}"


def read_images(data: Any, ticket: str) -> list[TicketImage]:
    """Every image item of an images answer; ProtocolError when the shape cannot be read at all."""
    what = f"the images of ticket {ticket}"
    reader = _Reader()
    body = data
    if isinstance(body, Mapping):
        inner = next((v for k, v in body.items() if _norm(str(k)) in _LIST_KEYS), None)
        typed = {k: v for k, v in body.items() if image_type(str(k))}
        if isinstance(inner, Mapping | list) and not typed:
            body = inner
    if isinstance(body, list):
        reader.add_many(None, body)
    elif isinstance(body, Mapping):
        typed_items = [(image_type(str(k)), v) for k, v in body.items()]
        if not any(kind for kind, _ in typed_items):
            if _field(body, _URL_FIELDS + _DATA_FIELDS) is not None:  # one image as an object
                reader.add_many(None, body)
            else:
                raise e.ProtocolError(
                    f"{what}: the answer has a shape ReviewDesk cannot read ({_top_keys(data)}); "
                    "please report it"
                )
        for kind, value in typed_items:
            if kind is not None and value not in (None, "", []):
                reader.add_many(kind, value)
    else:
        raise e.ProtocolError(
            f"{what}: the answer has a shape ReviewDesk cannot read ({_top_keys(data)}); please report it"
        )
    if reader.unreadable and not reader.images:
        raise e.ProtocolError(
            f"{what}: none of its {reader.unreadable} items holds a URL or base64 data "
            f"({_top_keys(data)}); please report it"
        )
    return reader.images
