"""Decoding image bytes into a `QImage`, off the GUI thread, with a pixel budget.

`decode_image` is plain blocking code that is safe in any thread (QImage, never QPixmap);
`decode_image_async` runs it in an executor from asyncio (qasync's QEventLoop included).
The header is read first, so an image whose header claims too many pixels is refused before
anything big is allocated.
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import Executor

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage, QImageReader

from reviewdesk.api import errors

#: Refuse images with more pixels than this (width x height, as the header states).
DEFAULT_MAX_PIXELS = 100_000_000
#: Qt's own ceiling for one decode, in MB (QImageReader.setAllocationLimit): a second guard.
ALLOCATION_LIMIT_MB = 512
#: Formats accepted from the server; anything else is refused rather than handed to a plugin.
ALLOWED_FORMATS = frozenset({"jpeg", "jpg", "jfif", "png", "webp", "bmp", "gif", "tif", "tiff"})


class ImageDecodeError(errors.ImageError):
    """The bytes are not an image Qt can decode. `reason` is Qt's own explanation."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


class ImagePixelsTooLargeError(ImageDecodeError, errors.ImageTooLargeError):
    """The header claims more pixels than the budget: refused before decoding.

    Also an `errors.ImageTooLargeError` (with `limit` = the pixel budget), so callers that
    handle the byte-size limit handle this one too.
    """

    def __init__(self, width: int, height: int, max_pixels: int) -> None:
        message = f"image too large ({width}x{height} px); at most {max_pixels / 1e6:g} megapixels are shown"
        errors.ReviewDeskError.__init__(self, message)
        self.reason = "over the pixel budget"
        self.limit = max_pixels
        self.width = width
        self.height = height


def _display_format(image: QImage) -> QImage:
    """Convert to a format the raster paint engine draws fastest (done here, off the GUI thread)."""
    wanted = (
        QImage.Format.Format_ARGB32_Premultiplied if image.hasAlphaChannel() else QImage.Format.Format_RGB32
    )
    return image if image.format() == wanted else image.convertToFormat(wanted)


def decode_image(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> QImage:
    """Decode `data` (JPEG, PNG, ...) applying EXIF orientation. Blocking; call it off the GUI thread.

    Raises ImagePixelsTooLargeError when the header states more than `max_pixels` pixels and
    ImageDecodeError for anything that is not a decodable image.
    """
    if not data:
        raise ImageDecodeError("image could not be decoded: the server sent no data", "no data")
    QImageReader.setAllocationLimit(ALLOCATION_LIMIT_MB)
    buffer = QBuffer()
    buffer.setData(QByteArray(bytes(data)))
    if not buffer.open(QIODevice.OpenModeFlag.ReadOnly):  # pragma: no cover - a memory buffer opens
        raise ImageDecodeError("image could not be decoded: the buffer did not open", "buffer")
    reader = QImageReader(buffer)
    try:
        return _read(reader, max_pixels)
    finally:
        # Detach (and so delete the format handler, which reads the buffer's memory directly)
        # before the buffer goes, whatever still holds the reader (a traceback, say).
        reader.setDevice(None)  # type: ignore[arg-type]  # None is accepted: detaches
        buffer.close()


def _read(reader: QImageReader, max_pixels: int) -> QImage:
    reader.setDecideFormatFromContent(True)
    reader.setAutoTransform(True)
    fmt = bytes(reader.format().data()).decode("ascii", "replace").lower()
    if not fmt:
        reason = reader.errorString() or "unsupported image format"
        raise ImageDecodeError(f"image could not be decoded: {reason}", reason)
    if fmt not in ALLOWED_FORMATS:
        raise ImageDecodeError(
            f"image could not be decoded: the {fmt} format is not accepted", "format not accepted"
        )
    size = reader.size()  # from the header only: nothing is allocated yet
    if size.isValid() and size.width() * size.height() > max_pixels:
        raise ImagePixelsTooLargeError(size.width(), size.height(), max_pixels)
    image = reader.read()
    if image.isNull():
        reason = reader.errorString() or "unknown error"
        raise ImageDecodeError(f"image could not be decoded: {reason}", reason)
    # The header may not state a size for every format: check what was decoded as well.
    if image.width() * image.height() > max_pixels:
        raise ImagePixelsTooLargeError(image.width(), image.height(), max_pixels)
    return _display_format(image)


async def decode_image_async(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, executor: Executor | None = None
) -> QImage:
    """`decode_image` in `executor` (the running loop's default one when None), awaited.

    Cancelling the awaiting task does not stop a decode already under way; its result is dropped.
    """
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, functools.partial(decode_image, data, max_pixels=max_pixels))
