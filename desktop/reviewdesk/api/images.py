"""Fetching a scan's image through a presigned URL that is refreshed before it expires."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from reviewdesk.api import errors as e
from reviewdesk.api.presigned import REFRESH_MARGIN
from reviewdesk.api.reviews import ImageInfo, ReviewsClient

# The raster formats a blackout image comes in, by their first bytes.
_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
)


def image_format(data: bytes) -> str | None:
    """ "JPEG", "PNG", "GIF", "WEBP" or "BMP" when `data` starts like one, else None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return next((name for magic, name in _MAGIC if data.startswith(magic)), None)


def check_image(data: bytes, scan_id: str) -> str:
    """The format of `data`; NotAnImageError (saying what came instead) when it is not an image."""
    kind = image_format(data)
    if kind is not None:
        return kind
    head = data[:512].lstrip().lower()
    if not data:
        got = "an empty answer (0 bytes)"
    elif head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        got = f"an HTML page ({len(data)} bytes)"
    elif b"<svg" in head:
        got = "an SVG drawing, which is not accepted (it can carry scripts and links)"
    else:
        got = f"{len(data)} bytes that are not a JPEG, PNG, GIF, WebP or BMP image"
    raise e.NotAnImageError(f"the image of scan {scan_id} is not an image: the server sent {got}")


@dataclass(frozen=True, slots=True)
class FetchedImage:
    scan_id: str
    data: bytes
    status: str | None


class ImageResolver:
    """Keeps one presigned URL per scan and refreshes it before expiry, and once after a 403.

    Images themselves are not kept here (memory caching is the window's business; nothing is
    written to disk).
    """

    def __init__(self, client: ReviewsClient, *, margin: float = REFRESH_MARGIN) -> None:
        self.client = client
        self.margin = margin
        self._urls: dict[str, ImageInfo] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def forget(self, scan_id: str | None = None) -> None:
        """Drop cached URLs (all of them after a change of credential)."""
        if scan_id is None:
            self._urls.clear()
        else:
            self._urls.pop(scan_id, None)

    async def info(self, scan_id: str, *, refresh: bool = False) -> ImageInfo:
        """The cached URL for `scan_id` while it is fresh enough, else a new one."""
        lock = self._locks.setdefault(scan_id, asyncio.Lock())
        async with lock:
            cached = self._urls.get(scan_id)
            fresh = cached is not None and not cached.url.needs_refresh(self.client.clock(), self.margin)
            # A status other than READY can change at any moment: ask again rather than trust it.
            if refresh or not fresh or (cached is not None and cached.status not in (None, "READY")):
                cached = await self.client.image_url(scan_id)
                self._urls[scan_id] = cached
            assert cached is not None
            return cached

    async def fetch(self, scan_id: str) -> FetchedImage:
        """The image bytes. Raises ImageNotAvailableError for FILENOTFOUND / UPLOADING."""
        info = await self.info(scan_id)
        if info.status in ("FILENOTFOUND", "UPLOADING"):
            word = "has no image (FILENOTFOUND)" if info.status == "FILENOTFOUND" else "is still uploading"
            raise e.ImageNotAvailableError(f"scan {scan_id} {word}", info.status)
        try:
            data = await self.client.download(info.url, scan_id)
        except e.ImageURLRejectedError:
            # Expired early, clock skew, or revoked: one new URL, one more try.
            info = await self.info(scan_id, refresh=True)
            data = await self.client.download(info.url, scan_id)
        return FetchedImage(scan_id, data, info.status)
