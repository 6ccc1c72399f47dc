"""reviewdesk.ui.image_cache: the byte-bounded image LRU (with the bytes kept beside a preview)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QColor, QImage

from reviewdesk.ui.image_cache import ImageCache


def qimage(width: int, height: int = 1) -> QImage:
    """An RGB32 image: 4 bytes a pixel, so width x height x 4 bytes."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(1, 2, 3))
    return image


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


def test_the_cache_counts_the_bytes_kept_with_a_preview():
    cache = ImageCache(max_bytes=4 * 100 * 3 + 200)
    assert cache.put("p", qimage(100), source=b"x" * 200)
    assert cache.bytes_used == 600 and cache.source("p") == b"x" * 200
    assert cache.put("q", qimage(100)) and cache.put("r", qimage(100))
    assert cache.keys() == ["p", "q", "r"] and cache.bytes_used == 1400
    cache.put("s", qimage(100))  # p goes, and its bytes with it
    assert "p" not in cache and cache.source("p") is None and cache.bytes_used == 1200
    cache.put("q", qimage(150))  # the full image replaces a preview: only its own size counts
    assert cache.source("q") is None and cache.bytes_used == 1400
    assert not cache.put("big", qimage(100), source=b"x" * 1200)  # the bytes count for the limit too
    assert "big" not in cache


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abcdefgh"), st.integers(1, 400), st.sampled_from([0, 10, 300, 900, None])),
        max_size=40,
    )
)
def test_cache_with_sources_never_exceeds_its_budget(ops):
    cache = ImageCache(max_bytes=4000)
    for key, width, kept in ops:
        cache.put(key, qimage(width), source=None if kept is None else b"j" * kept)
        assert cache.bytes_used <= cache.max_bytes
        assert cache.bytes_used == sum(
            cache.peek(k).sizeInBytes() + len(cache.source(k) or b"") for k in cache
        )
