"""reviewdesk.ui.image_decode: decoding with a pixel budget (valid, corrupt, huge header, previews)."""

from __future__ import annotations

import functools
import io
import threading
import time

import pytest
from PIL import Image
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage

from reviewdesk.api import errors
from reviewdesk.ui.image_decode import (
    DEFAULT_MAX_PIXELS,
    FULL_SIZE_KEY,
    PREVIEW_OVERSAMPLE,
    ImageDecodeError,
    ImagePixelsTooLargeError,
    decode_image,
    full_size,
    is_preview,
    preview_scale,
)


def jpeg(width: int = 64, height: int = 40, *, exif_orientation: int | None = None) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, width // 2, height))  # left half blue: orientation shows
    out = io.BytesIO()
    if exif_orientation is None:
        image.save(out, format="JPEG", quality=90)
    else:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        image.save(out, format="JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def with_sof0_size(data: bytes, width: int, height: int) -> bytes:
    """Rewrite the SOF0 header (FF C0 LL LL P HH HH WW WW) to claim another size."""
    data = bytearray(data)
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker == 0xC0:
            data[pos + 5 : pos + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
            return bytes(data)
        pos += 2 + length
    raise AssertionError("no SOF0 segment")


# -- decode ------------------------------------------------------------------------------------


def test_decode_a_valid_jpeg():
    image = decode_image(jpeg(64, 40))
    assert not image.isNull()
    assert (image.width(), image.height()) == (64, 40)
    assert image.format() == QImage.Format.Format_RGB32  # ready to paint fast


def test_decode_applies_exif_orientation():
    # Orientation 6: the stored image must be turned 90 degrees clockwise to be upright.
    image = decode_image(jpeg(64, 40, exif_orientation=6))
    assert (image.width(), image.height()) == (40, 64)
    top = image.pixelColor(20, 2)  # the stored left (blue) half is now at the top
    assert top.blue() > 150 and top.red() < 100


def test_decode_runs_in_a_worker_thread():
    results: list[QImage] = []
    worker = threading.Thread(target=lambda: results.append(decode_image(jpeg())))
    worker.start()
    worker.join(10)
    assert results and results[0].width() == 64


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8" + bytes(range(1, 255)) * 16,  # SOI, then garbage without markers
        b"not an image at all",
        b"",
        jpeg()[:200],  # truncated inside the header
    ],
)
def test_corrupt_bytes_raise_image_decode_error_with_qt_reason(data):
    with pytest.raises(ImageDecodeError) as info:
        decode_image(data)
    assert str(info.value).startswith("image could not be decoded:")
    assert info.value.reason
    assert not isinstance(info.value, errors.ImageTooLargeError)


def test_a_header_claiming_20000x20000_is_refused_quickly_without_decoding():
    data = with_sof0_size(jpeg(32, 32), 20000, 20000)
    started = time.perf_counter()
    with pytest.raises(ImagePixelsTooLargeError) as info:
        decode_image(data)
    assert time.perf_counter() - started < 0.5
    err = info.value
    assert "image too large (20000x20000 px)" in str(err)
    assert (err.width, err.height, err.limit) == (20000, 20000, DEFAULT_MAX_PIXELS)
    assert isinstance(err, errors.ImageTooLargeError) and isinstance(err, ImageDecodeError)


def test_the_pixel_budget_is_configurable():
    with pytest.raises(ImagePixelsTooLargeError, match=r"\(64x40 px\)"):
        decode_image(jpeg(64, 40), max_pixels=64 * 40 - 1)
    assert decode_image(jpeg(64, 40), max_pixels=64 * 40).width() == 64


def test_formats_outside_the_allow_list_are_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
    with pytest.raises(ImageDecodeError, match="not accepted"):
        decode_image(svg)


# -- previews of large JPEGs -----------------------------------------------------------------------

BIG_W, BIG_H = 4000, 2400  # 9.6 megapixels: over PREVIEW_MIN_PIXELS
VIEW = QSize(620, 800)  # the image pane at MainWindow's default size


@functools.cache
def big_jpeg(width: int = BIG_W, height: int = BIG_H, exif_orientation: int | None = None) -> bytes:
    return jpeg(width, height, exif_orientation=exif_orientation)


@pytest.mark.parametrize(
    ("size", "view", "scale"),
    [
        ((6000, 4000), (612, 805), 4),  # the benchmark's JPEG in the real pane: 1500x1000
        ((6000, 4000), (620, 800), 4),
        ((6000, 4000), (300, 300), 8),
        ((6000, 4000), (1500, 1200), 2),
        ((6000, 4000), (2000, 2000), 1),  # 1/2 would be 1.5 preview pixels per view pixel
        ((4000, 2400), (620, 800), 2),
        ((1000, 630), (620, 800), 1),  # a card image: decoded whole, as ever
        ((3000, 2000), (100, 100), 1),  # 6 MP: under PREVIEW_MIN_PIXELS
        ((6000, 4000), (0, 0), 1),
    ],
)
def test_preview_scale_keeps_twice_the_view_at_fit(size, view, scale):
    assert preview_scale(QSize(*size), QSize(*view)) == scale
    if scale > 1:
        fit = min(view[0] / size[0], view[1] / size[1])
        assert (1 / scale) / fit >= PREVIEW_OVERSAMPLE
        assert scale == 8 or (1 / (2 * scale)) / fit < PREVIEW_OVERSAMPLE  # the largest such


def test_a_large_jpeg_decodes_a_reduced_preview_that_knows_the_full_size():
    data = big_jpeg()
    preview = decode_image(data, preview_for=QSize(300, 300))  # fit 0.075: 1/4 is 3.3x the view
    assert (preview.width(), preview.height()) == (BIG_W // 4, BIG_H // 4)
    assert is_preview(preview)
    assert full_size(preview) == QSize(BIG_W, BIG_H)
    assert preview.format() == QImage.Format.Format_RGB32
    assert preview.pixelColor(10, 10).blue() > 150  # the left half is blue
    assert preview.pixelColor(preview.width() - 10, 10).red() > 150

    whole = decode_image(data)
    assert (whole.width(), whole.height()) == (BIG_W, BIG_H)
    assert not is_preview(whole) and full_size(whole) == whole.size()


def test_a_preview_size_rounds_up_like_libjpeg():
    preview = decode_image(big_jpeg(4001, 2403), preview_for=QSize(300, 300))
    assert preview.size() == QSize(1001, 601)  # ceil(4001 / 4), ceil(2403 / 4): no rescaling after
    assert full_size(preview) == QSize(4001, 2403)


def test_small_images_and_other_formats_are_decoded_whole_with_preview_for():
    small = decode_image(jpeg(1000, 630), preview_for=QSize(100, 100))
    assert small.size() == QSize(1000, 630) and not is_preview(small)
    assert small.text(FULL_SIZE_KEY) == ""
    out = io.BytesIO()
    Image.new("RGB", (BIG_W, BIG_H), (10, 20, 30)).save(out, format="PNG")
    png = decode_image(out.getvalue(), preview_for=QSize(100, 100))  # only JPEG scales in decoding
    assert png.size() == QSize(BIG_W, BIG_H) and not is_preview(png)


def test_a_preview_applies_exif_orientation_and_reports_the_turned_size():
    # Orientation 6: stored 4000x2400, shown 2400x4000 (the stored left, blue, half on top).
    preview = decode_image(big_jpeg(exif_orientation=6), preview_for=QSize(200, 200))
    assert full_size(preview) == QSize(BIG_H, BIG_W)
    assert preview.size() == QSize(BIG_H // 8, BIG_W // 8)
    assert preview.pixelColor(preview.width() // 2, 5).blue() > 150
    assert preview.pixelColor(preview.width() // 2, preview.height() - 5).red() > 150
    whole = decode_image(big_jpeg(exif_orientation=6))
    assert whole.size() == full_size(preview)


def test_the_pixel_budget_holds_for_previews_too():
    data = with_sof0_size(jpeg(32, 32), 20000, 20000)
    started = time.perf_counter()
    with pytest.raises(ImagePixelsTooLargeError, match=r"20000x20000"):
        decode_image(data, preview_for=VIEW)
    assert time.perf_counter() - started < 0.5
    # The budget is about the whole image, not the smaller preview.
    with pytest.raises(ImagePixelsTooLargeError, match=rf"\({BIG_W}x{BIG_H} px\)"):
        decode_image(big_jpeg(), max_pixels=BIG_W * BIG_H - 1, preview_for=VIEW)
