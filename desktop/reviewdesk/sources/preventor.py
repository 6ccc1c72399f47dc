"""Preventor IDV tickets as a review source (docs/PREVENTOR.md): read-only, decisions kept locally.

The details are shown as a tree of whatever sections arrive, in the order they arrive; the images
in the order a reviewer compares them: the document beside the selfie, then the portrait, the ghost
portrait and the signature cut out of the document.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from typing import Any

from reviewdesk.api import errors as e
from reviewdesk.api.preventor import PreventorClient
from reviewdesk.api.preventor_images import TicketImage
from reviewdesk.api.redact import safe_url
from reviewdesk.sources.base import DecisionOption, DetailNode, Details, ImageRef, SourceError
from reviewdesk.sources.decisions import PREVENTOR as NAME
from reviewdesk.sources.decisions import PREVENTOR_DECISIONS as DECISIONS
from reviewdesk.sources.errors import from_api

#: (type, label, group, order): the document and the selfie side by side, then the extracted images.
IMAGE_LAYOUT: dict[str, tuple[str, str, int]] = {
    "DOCUMENT": ("Document", "main", 0),
    "SELF_PORTRAITS": ("Selfie", "main", 1),
    "DOCUMENT_PORTRAIT": ("Portrait", "portrait", 2),
    "DOCUMENT_GHOST_PORTRAIT": ("Ghost portrait", "ghost_portrait", 3),
    "DOCUMENT_SIGNATURE": ("Signature", "signature", 4),
}
OTHER_ORDER = 5


#: Image lists (inline images included) kept for this many tickets, the latest ones: enough for the
#: window's prefetch, bounded so memory does not grow with every ticket reviewed.
MAX_TICKETS_KEPT = 8
MAX_DEPTH = 8
MAX_NODES = 2000
MAX_VALUE_CHARS = 300
_STATE_KEYS = ("status", "state", "result", "verificationstatus", "decision")


def _label(key: str) -> str:
    """ "personalData" / "personal_data" -> "Personal data"."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(key)).replace("_", " ").replace("-", " ").split()
    text = " ".join(words).lower()
    return (text[:1].upper() + text[1:])[:80] or "(no name)"


def _scalar(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = " ".join(str(value).split())
    if text.lower().startswith(("http://", "https://")):
        return safe_url(text)  # a link may be presigned: never shown whole
    if len(text) > MAX_VALUE_CHARS:  # inline image data and the like
        return f"({len(text)} characters, not shown)"
    return text


class _TreeBuilder:
    def __init__(self) -> None:
        self.nodes = 0

    def node(self, label: str, value: Any, depth: int) -> DetailNode:
        self.nodes += 1
        if isinstance(value, Mapping | list) and (depth >= MAX_DEPTH or self.nodes >= MAX_NODES):
            return DetailNode(label, f"({len(value)} more entries, not shown)")
        if isinstance(value, Mapping):
            return DetailNode(label, children=self.children(value, depth + 1))
        if isinstance(value, list):
            if all(not isinstance(v, Mapping | list) for v in value):
                return DetailNode(label, ", ".join(_scalar(v) for v in value) or "—")
            return DetailNode(label, children=self.children(dict(enumerate(value, start=1)), depth + 1))
        return DetailNode(label, _scalar(value))

    def children(self, mapping: Mapping[Any, Any], depth: int) -> tuple[DetailNode, ...]:
        nodes: list[DetailNode] = []
        for key, value in mapping.items():
            if self.nodes >= MAX_NODES:
                nodes.append(DetailNode("…", f"{len(mapping) - len(nodes)} more entries, not shown"))
                break
            nodes.append(self.node(str(key) if isinstance(key, int) else _label(key), value, depth))
        return tuple(nodes)


def _unwrap(data: Any) -> Any:
    """{"data": {...}} or {"ticket": {...}}: a lone wrapper adds nothing to read."""
    while isinstance(data, Mapping) and len(data) == 1:
        (inner,) = data.values()
        if not isinstance(inner, Mapping):
            break
        data = inner
    return data


def details_tree(data: Any) -> tuple[DetailNode, ...]:
    """The details as a tree: each top-level key a section (or a line), in the order they arrived."""
    data = _unwrap(data)
    builder = _TreeBuilder()
    if isinstance(data, list):
        return builder.children(dict(enumerate(data, start=1)), 0)
    return builder.children(data, 0)


def _find_state(data: Any, depth: int = 0) -> str:
    """The first status-like scalar, top level first, then one section down."""
    if not isinstance(data, Mapping) or depth > 1:
        return ""
    for key, value in data.items():
        if re.sub(r"[^a-z]", "", str(key).lower()) in _STATE_KEYS and isinstance(value, str | int):
            return _scalar(value)[:40]
    for value in data.values():
        found = _find_state(value, depth + 1)
        if found:
            return found
    return ""


def image_ref(image: TicketImage) -> ImageRef:
    label, group, order = IMAGE_LAYOUT.get(image.type, (_label(image.type), "other", OTHER_ORDER))
    if image.number > 1:
        label = f"{label} {image.number}"
    return ImageRef(key=image.name, label=label, group=group, order=order * 1000 + image.number)


class PreventorSource:
    """The `Source` for Preventor tickets; item ids are ticket ids."""

    name = NAME
    label = "Preventor ticket"
    remote_decisions = False

    def __init__(self, client: PreventorClient) -> None:
        self.client = client
        self._images: dict[str, dict[str, TicketImage]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def decisions(self) -> Sequence[DecisionOption]:
        return DECISIONS

    async def _list(self, ticket: str) -> dict[str, TicketImage]:
        try:
            found = await self.client.images(ticket)
        except e.ReviewDeskError as exc:
            raise from_api(exc) from None
        self._images.pop(ticket, None)
        self._images[ticket] = listed = {image.name: image for image in found}
        while len(self._images) > MAX_TICKETS_KEPT:
            oldest = next(iter(self._images))
            del self._images[oldest]
            self._locks.pop(oldest, None)
        return listed

    async def images(self, item_id: str) -> Sequence[ImageRef]:
        found = await self._list(item_id)
        return sorted((image_ref(i) for i in found.values()), key=lambda ref: (ref.order, ref.key))

    async def fetch_image(self, item_id: str, ref: ImageRef) -> bytes:
        async with self._locks.setdefault(item_id, asyncio.Lock()):
            known = self._images.get(item_id) or await self._list(item_id)
        image = known.get(ref.key)
        if image is None:
            raise SourceError(f"ticket {item_id} has no image {ref.key} (any more)", e.EXIT_NOT_FOUND)
        try:
            try:
                return (await self.client.image_bytes(item_id, image))[0]
            except e.ImageURLRejectedError:  # the link expired: ask for the list again, once
                fresh = (await self._list(item_id)).get(ref.key)
                if fresh is None:
                    raise
                return (await self.client.image_bytes(item_id, fresh))[0]
        except e.ReviewDeskError as exc:
            raise from_api(exc) from None

    async def details(self, item_id: str) -> Details:
        try:
            data = await self.client.ticket(item_id)
        except e.ReviewDeskError as exc:
            raise from_api(exc) from None
        state = _find_state(_unwrap(data))
        summary = f"Ticket {item_id}" + (f": {state}" if state else "")
        return Details(summary=summary, tree=details_tree(data), state=state)
