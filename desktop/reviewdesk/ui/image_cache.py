"""An in-memory LRU of decoded images, bounded in bytes. Nothing is ever written to disk.

An entry may also keep the encoded bytes its image was decoded from (`put(..., source=...)`): a
preview of a large JPEG keeps them until the full decode replaces it, and they count against the
budget like pixels do.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from PySide6.QtGui import QImage

DEFAULT_CACHE_BYTES = 256 * 2**20


def image_bytes(image: QImage) -> int:
    """What an image costs in memory (its pixel buffer)."""
    return max(0, int(image.sizeInBytes()))


class ImageCache:
    """Least-recently-used `QImage`s keyed by scan id, at most `max_bytes` in all.

    What counts is each image's pixel buffer plus the encoded bytes kept with it (`source`, for a
    preview). `get` and `put` are O(1) (an OrderedDict, most recent last). An entry larger than the
    whole budget is not kept at all. Not thread-safe: use it from the GUI thread only.
    """

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes must be >= 0")
        self._max_bytes = int(max_bytes)
        self._items: OrderedDict[str, tuple[QImage, int, bytes | None]] = OrderedDict()
        self._bytes = 0
        self.evictions = 0

    # -- size ----------------------------------------------------------------------------------

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    @property
    def bytes_used(self) -> int:
        return self._bytes

    def set_max_bytes(self, max_bytes: int) -> None:
        """Change the budget; evicts least-recently-used images until it holds."""
        if max_bytes < 0:
            raise ValueError("max_bytes must be >= 0")
        self._max_bytes = int(max_bytes)
        self._evict(0)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def keys(self) -> list[str]:
        """Keys from least to most recently used."""
        return list(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._items))

    # -- access --------------------------------------------------------------------------------

    def get(self, key: str) -> QImage | None:
        """The image, marked as most recently used; None when absent."""
        item = self._items.get(key)
        if item is None:
            return None
        self._items.move_to_end(key)
        return item[0]

    def peek(self, key: str) -> QImage | None:
        """The image without touching the LRU order."""
        item = self._items.get(key)
        return None if item is None else item[0]

    def source(self, key: str) -> bytes | None:
        """The encoded bytes kept with the image of `key` (a preview's), without touching the order."""
        item = self._items.get(key)
        return None if item is None else item[2]

    def put(self, key: str, image: QImage, *, source: bytes | None = None) -> bool:
        """Store `image` (and `source`, its encoded bytes, if given) as most recently used.

        Replaces what `key` held. False (and nothing stored under `key`) if the entry alone exceeds
        the budget.
        """
        size = image_bytes(image) + (len(source) if source is not None else 0)
        self.discard(key)
        if image.isNull() or size > self._max_bytes:
            return False
        self._evict(size)
        self._items[key] = (image, size, source)
        self._bytes += size
        return True

    def discard(self, key: str) -> bool:
        item = self._items.pop(key, None)
        if item is None:
            return False
        self._bytes -= item[1]
        return True

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0

    def _evict(self, incoming: int) -> None:
        while self._items and self._bytes + incoming > self._max_bytes:
            _, (_, size, _) = self._items.popitem(last=False)
            self._bytes -= size
            self.evictions += 1
