"""The byte-bounded image LRU, and decoding with a pixel budget (valid, corrupt, huge header)."""

from __future__ import annotations

import io
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from PySide6.QtGui import QColor, QImage

from reviewdesk.api import errors
from reviewdesk.ui.image_cache import ImageCache
from reviewdesk.ui.image_decode import (
    DEFAULT_MAX_PIXELS,
    ImageDecodeError,
    ImagePixelsTooLargeError,
    decode_image,
)


def qimage(width: int, height: int = 1) -> QImage:
    """An RGB32 image: 4 bytes a pixel, so width x height x 4 bytes."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(1, 2, 3))
    return image


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


# -- cache -------------------------------------------------------------------------------------


def test_cache_is_bounded_in_bytes_and_evicts_least_recently_used():
    cache = ImageCache(max_bytes=4 * 100 * 3)  # room for three 100-pixel RGB32 images
    for key in "abc":
        assert cache.put(key, qimage(100))
    assert cache.bytes_used == 1200 and len(cache) == 3
    assert cache.get("a") is not None  # a is now the most recent: b is next out
    cache.put("d", qimage(100))
    assert "b" not in cache
    assert cache.keys() == ["c", "a", "d"]
    assert cache.bytes_used == 1200
    cache.put("e", qimage(200))  # twice as big: two go
    assert cache.keys() == ["d", "e"]
    assert cache.bytes_used == 1200
    assert cache.evictions == 3


def test_cache_refuses_an_image_larger_than_the_budget_and_replaces_in_place():
    cache = ImageCache(max_bytes=1000)
    cache.put("a", qimage(100))
    assert not cache.put("big", qimage(1000))
    assert "big" not in cache and "a" in cache
    cache.put("a", qimage(50))  # replacing counts the new size only
    assert cache.bytes_used == 200 and len(cache) == 1
    assert cache.peek("a").width() == 50
    assert cache.discard("a") and not cache.discard("a")
    assert cache.bytes_used == 0


def test_cache_peek_does_not_touch_the_order_and_shrinking_evicts():
    cache = ImageCache(max_bytes=1200)
    for key in "abc":
        cache.put(key, qimage(100))
    cache.peek("a")
    assert cache.keys() == ["a", "b", "c"]
    cache.set_max_bytes(800)
    assert cache.keys() == ["b", "c"]
    cache.clear()
    assert len(cache) == 0 and cache.bytes_used == 0


def test_cache_default_budget_is_256_mb():
    assert ImageCache().max_bytes == 256 * 2**20


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcdefgh"), st.integers(1, 400)), max_size=40))
def test_cache_never_exceeds_its_budget_and_counts_exactly(ops):
    cache = ImageCache(max_bytes=4000)
    for key, width in ops:
        cache.put(key, qimage(width))
        assert cache.bytes_used <= cache.max_bytes
        assert cache.bytes_used == sum(cache.peek(k).sizeInBytes() for k in cache)
        if width * 4 <= 4000:
            assert cache.keys()[-1] == key


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
