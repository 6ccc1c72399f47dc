"""Decoding image bytes into a `QImage`, off the GUI thread, with a pixel budget.

`decode_image` is plain blocking code that is safe in any thread (QImage, never QPixmap);
`decode_image_async` runs it in an executor from asyncio (qasync's QEventLoop included).
The header is read first, so an image whose header claims too many pixels is refused before
anything big is allocated.

Large JPEGs can be decoded as a *preview* first (`preview_for`, the size of the view): libjpeg
scales in the DCT, so decoding at 1/2, 1/4 or 1/8 of the size skips most of the work (a 6000x4000
JPEG at 1/4: about a third of the time of the whole). A preview carries the size of the whole
image (`full_size`), so a view can draw it at the whole image's geometry and later swap in the
full decode (`decode_image` without `preview_for`) without anything moving. Small images (the
normal case) are decoded whole, exactly as without `preview_for`.
"""

from __future__ import annotations

import asyncio
import functools
import math
from concurrent.futures import Executor

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
from PySide6.QtGui import QImage, QImageIOHandler, QImageReader

from reviewdesk.api import errors

#: Refuse images with more pixels than this (width x height, as the header states).
DEFAULT_MAX_PIXELS = 100_000_000
#: Qt's own ceiling for one decode, in MB (QImageReader.setAllocationLimit): a second guard.
ALLOCATION_LIMIT_MB = 512
#: Formats accepted from the server; anything else is refused rather than handed to a plugin.
ALLOWED_FORMATS = frozenset({"jpeg", "jpg", "jfif", "png", "webp", "bmp", "gif", "tif", "tiff"})
#: Formats whose decoder scales while decoding (libjpeg's DCT scaling): the only ones previewed.
PREVIEW_FORMATS = frozenset({"jpeg", "jpg", "jfif"})
#: Below this many pixels an image is decoded whole at once: a preview would save little (the whole
#: decode takes well under half the first-paint budget) and cost a second decode and paint.
PREVIEW_MIN_PIXELS = 8_000_000
#: A preview has at least this many of its pixels per view pixel when fitted to the view.
PREVIEW_OVERSAMPLE = 2.0
#: The reductions libjpeg does in the DCT, largest first.
PREVIEW_SCALES = (8, 4, 2)
#: QImage text key of a preview: the size of the whole (oriented) image, "WxH".
FULL_SIZE_KEY = "ReviewDesk-FullSize"


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


def preview_scale(size: QSize, view: QSize) -> int:
    """By how much (1, 2, 4 or 8) to reduce an image of `size` (oriented) for a first look in `view`.

    The largest reduction whose result, fitted to `view`, still has PREVIEW_OVERSAMPLE of its pixels
    per view pixel; 1 (decode it whole) for images under PREVIEW_MIN_PIXELS or an empty view.
    """
    width, height = size.width(), size.height()
    if width <= 0 or height <= 0 or width * height < PREVIEW_MIN_PIXELS:
        return 1
    if view.width() <= 0 or view.height() <= 0:
        return 1
    fit = min(view.width() / width, view.height() / height)  # view pixels per image pixel
    for scale in PREVIEW_SCALES:
        if 1.0 / (scale * fit) >= PREVIEW_OVERSAMPLE:
            return scale
    return 1


def full_size(image: QImage) -> QSize:
    """The size of the whole image `image` stands for: its own size, or a preview's full size."""
    text = image.text(FULL_SIZE_KEY)
    if text:
        width, _, height = text.partition("x")
        if width.isdigit() and height.isdigit():
            return QSize(int(width), int(height))
    return image.size()


def is_preview(image: QImage) -> bool:
    """True for a reduced decode (see `decode_image(preview_for=...)`): the full image is bigger."""
    return bool(image.text(FULL_SIZE_KEY)) and full_size(image) != image.size()


def decode_image(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, preview_for: QSize | None = None
) -> QImage:
    """Decode `data` (JPEG, PNG, ...) applying EXIF orientation. Blocking; call it off the GUI thread.

    With `preview_for` (the view's size, device pixels), a JPEG much larger than the view is decoded
    at 1/2, 1/4 or 1/8 of its size (`preview_scale`): `is_preview` is then true and `full_size`
    gives the whole image's size; decode again without `preview_for` for the whole image. The
    pixel budget applies to the whole image either way.

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
        return _read(reader, max_pixels, preview_for)
    finally:
        # Detach (and so delete the format handler, which reads the buffer's memory directly)
        # before the buffer goes, whatever still holds the reader (a traceback, say).
        reader.setDevice(None)  # type: ignore[arg-type]  # None is accepted: detaches
        buffer.close()


def _read(reader: QImageReader, max_pixels: int, preview_for: QSize | None = None) -> QImage:
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
    whole: QSize | None = None  # set when decoding a preview: the oriented size of the whole image
    if (
        preview_for is not None
        and fmt in PREVIEW_FORMATS
        and size.isValid()
        and size.width() * size.height() >= PREVIEW_MIN_PIXELS
    ):
        # The header's size is as stored; EXIF orientation turns it after decoding (autoTransform).
        turned = bool(reader.transformation() & QImageIOHandler.Transformation.TransformationRotate90)
        oriented = size.transposed() if turned else QSize(size)
        scale = preview_scale(oriented, preview_for)
        if scale > 1:
            # libjpeg's own output size at 1/scale (rounded up): nothing left to rescale after the DCT.
            reader.setScaledSize(QSize(math.ceil(size.width() / scale), math.ceil(size.height() / scale)))
            whole = oriented
    image = reader.read()
    if image.isNull():
        reason = reader.errorString() or "unknown error"
        raise ImageDecodeError(f"image could not be decoded: {reason}", reason)
    # The header may not state a size for every format: check what was decoded as well.
    if image.width() * image.height() > max_pixels:
        raise ImagePixelsTooLargeError(image.width(), image.height(), max_pixels)
    image = _display_format(image)
    if whole is not None and whole != image.size():
        image.setText(FULL_SIZE_KEY, f"{whole.width()}x{whole.height()}")
    return image


async def decode_image_async(
    data: bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    executor: Executor | None = None,
    preview_for: QSize | None = None,
) -> QImage:
    """`decode_image` in `executor` (the running loop's default one when None), awaited.

    Cancelling the awaiting task does not stop a decode already under way; its result is dropped.
    """
    loop = asyncio.get_running_loop()
    decode = functools.partial(decode_image, data, max_pixels=max_pixels, preview_for=preview_for)
    return await loop.run_in_executor(executor, decode)
