"""How far ahead to fetch images, and how many at once: from the reviewer's pace and the server's latency.

A reviewer who clears obvious scans at 5 a second needs the image `latency / pace` scans ahead
already on its way; one who looks at each card for two seconds needs the configured few. The plan
keeps the fastest of the last `PACE_WINDOW` gaps between scans shown (a reviewer who just went fast
is likely to again; a pause longer than `PAUSE_S` is not a pace) and an average of how long an
image took from its request to decoded; for items of several images (Jumio, Preventor), also how
long their listing took (an item is listed, then its images fetched) and how many images they have.
It answers:
- `depth(base, ...)`: images ahead, at least `base` (the setting; 0 turns prefetch off), at most
  `MAX_DEPTH` and what the cache can hold beside the scan shown;
- `parallel(base)`: fetches at once (every image of the items on their way), at least `base`, at
  most `MAX_PARALLEL`.
Qt-free and clock-injected, so it is tested by itself. See docs/PERFORMANCE.md.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

PACE_WINDOW = 8
PAUSE_S = 10.0
MAX_DEPTH = 12
MAX_PARALLEL = 6
_LATENCY_WEIGHT = 0.3  # of the newest fetch in the running average
#: Fetch times vary (a busy server, a big image): plan for this much longer than the average.
MARGIN = 1.5


class PrefetchPlan:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._gaps: deque[float] = deque(maxlen=PACE_WINDOW)
        self._last: str | None = None
        self._last_at: float | None = None
        self.latency: float | None = None  # seconds from request to decoded, running average
        self.image_bytes: int | None = None  # bytes an image takes in the cache, running average
        self.per_item: float = 1.0  # images an item has, running average of the items listed
        self.listing: float = 0.0  # seconds an item's listing took, running average (0: none listed)

    @property
    def pace(self) -> float | None:
        """Seconds between scans at the reviewer's recent fastest, None until known."""
        return min(self._gaps) if self._gaps else None

    def shown(self, scan_id: str) -> None:
        """The reviewer moved to `scan_id` (the same scan again does not count)."""
        if scan_id == self._last:
            return
        now = self._clock()
        if self._last_at is not None:
            gap = now - self._last_at
            if gap <= PAUSE_S:
                self._gaps.append(max(gap, 0.001))
        self._last, self._last_at = scan_id, now

    def fetched(self, seconds: float, nbytes: int) -> None:
        """An image came in: `seconds` from its request to decoded, `nbytes` in the cache."""
        w = _LATENCY_WEIGHT
        self.latency = seconds if self.latency is None else (1 - w) * self.latency + w * seconds
        old = self.image_bytes
        self.image_bytes = nbytes if old is None else round((1 - w) * old + w * nbytes)

    def listed(self, seconds: float, count: int) -> None:
        """An item's images were listed (items of several images: Jumio, Preventor): `count` images,
        `seconds` from the request. Its images are fetched after it, so an item takes both."""
        w = _LATENCY_WEIGHT
        self.listing = seconds if not self.listing else (1 - w) * self.listing + w * seconds
        self.per_item = (1 - w) * self.per_item + w * max(1, count)

    def _ahead(self) -> int:
        """How many items the reviewer moves on while one is fetched (its listing, then its images)."""
        pace, latency = self.pace, self.latency
        if pace is None or latency is None:
            return 0
        return math.ceil(MARGIN * (self.listing + latency) / pace)

    def depth(self, base: int, cache_bytes: int) -> int:
        if base <= 0:
            return 0
        want = max(base, self._ahead() + 1)
        if self.image_bytes:
            want = min(want, max(base, cache_bytes // self.image_bytes - 1))  # the scan shown stays
        return min(want, max(base, MAX_DEPTH))

    def parallel(self, base: int) -> int:
        """Fetches at once: every image of the items on their way (several an item for Jumio)."""
        return min(max(base, math.ceil(self._ahead() * self.per_item)), max(base, MAX_PARALLEL))
