"""Loading, decoding, caching and prefetching the images of the review queue, for items of any
source (sources/base.py): an image is one (item key, image key) pair, listed by `Source.images` and
fetched by `Source.fetch_image`, through the registry (sources/registry.py). The service never
knows which vendor an item comes from.

All work runs as asyncio tasks on the running loop (qasync's QEventLoop in the app); decoding runs
in an executor thread. The service talks only about the item currently shown: `image_ready` and
`state_changed` are about its first image (for a Dyneti scan, its only one) or, while its images
are being listed, the item itself; `images_listed`, `item_image_ready` and `item_image_state` about
each of its images. Prefetched images land silently in the cache (see `cached`). No image is ever
written to disk, and no URL is logged or put in a message.

A source reports why an image is not there by the error it raises (sources/base.py): "not yet, and
we know it is coming" (`ImageNotYetError(told=True)`, Dyneti's UPLOADING) is polled with backoff (1
s, 2 s, 4 s, ... at most 30 s) for as long as the item is shown; "not found, no reason given"
(`told=False`, a bare 404 in a Dyneti reviewer session) is looked at again BARE_404_CHECKS times,
shown as "checking whether the image exists" meanwhile, before the pane says "not found" (not
remembered: showing it again looks again). A transient failure (server busy, no connection) is
retried by the client within its deadline, the pane saying "retrying in N s", and after that with
the same backoff for as long as the item is shown: it recovers without a key press. Any other
failure (a refused credential, a link to another host, a huge or broken image) is a message in that
image's place; the other images, and the rest of the queue, go on.

A large JPEG (see image_decode.preview_scale) is decoded as a reduced *preview* first, sized for
the view (`view_size`): the preview is cached with the JPEG bytes and emitted, then, for the item
shown only, the full image is decoded in the background and emitted again (`image_ready` a second
time; the state stays READY) and replaces the preview in the cache. Prefetches stop at the preview:
moving to the item paints it at once and starts the full decode from the kept bytes, no download.
One full decode runs at a time (a decode thread cannot be stopped: a cancelled one keeps its turn
until it ends, and its result is dropped), and moving to another item cancels the one under way,
so memory stays at the cache's budget plus at most one full image being decoded.

Prefetch (`plan_prefetch`) covers every image of the next `prefetch` items, as many as the cache
holds beside the item shown.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSize, Signal
from PySide6.QtGui import QImage

from reviewdesk.sources.base import (
    ImageRef,
)
from reviewdesk.sources.dyneti import DynetiSource
from reviewdesk.sources.errors import short_reason
from reviewdesk.sources.registry import SourceRegistry
from reviewdesk.ui.image_cache import DEFAULT_CACHE_BYTES, ImageCache
from reviewdesk.ui.image_decode import DEFAULT_MAX_PIXELS, decode_image, is_preview
from reviewdesk.ui.image_fetch import REMEMBERED_OUTCOMES, FetchPart, ImageId, _Job, _log_failure
from reviewdesk.ui.image_state import IMAGE_KINDS, LISTING, LOADING, READY, ImageKind, ImageState
from reviewdesk.ui.prefetch_plan import PrefetchPlan

if TYPE_CHECKING:
    from reviewdesk.api.images import ImageResolver

__all__ = [
    "IMAGE_KINDS",
    "LOADING",
    "READY",
    "ImageId",
    "ImageKind",
    "ImageService",
    "ImageState",
    "plan_prefetch",
    "short_reason",
]

log = logging.getLogger("reviewdesk.ui.image")

DEFAULT_PREFETCH = 3
DEFAULT_CONCURRENCY = 3
POLL_FIRST = 1.0
POLL_MAX = 30.0
#: After a 404 that does not say why, look again this many times (same backoff) before saying
#: "not found": a reviewer session is not told UPLOADING, only that there is no image yet.
BARE_404_CHECKS = 2
#: The view previews are sized for until told otherwise (`set_view_size`): the image pane of
#: MainWindow at its default size (1440x880, splitter 430/620/390), in pixels.
DEFAULT_VIEW_SIZE = (620, 800)


def plan_prefetch(
    current: str | None,
    upcoming: Sequence[str],
    depth: int,
    images_of: Callable[[str], Sequence[ImageRef] | None],
    max_images: int,
) -> tuple[list[str], list[ImageId]]:
    """What to fetch ahead: the next `depth` items of `upcoming` (not `current`), each with all of
    its images, at most `max_images` images in all (the cache must hold them beside the item
    shown). Returns (items whose image list must be asked first, images to fetch), in order."""
    to_list: list[str] = []
    wanted: list[ImageId] = []
    items: list[str] = []
    for item in upcoming:
        if len(items) >= depth:
            break
        if item != current and item not in items:
            items.append(item)
    for item in items:
        refs = images_of(item)
        if refs is None:
            to_list.append(item)
            continue
        for ref in refs:
            if len(wanted) >= max_images:
                return to_list, wanted
            wanted.append((item, ref.key))
    return to_list, wanted


class ImageService(FetchPart, QObject):
    """Images of queue items for the review window: cache, prefetch, polling, typed states.

    `sources` is the registry the items' sources are found in; a callable instead is the session's
    ImageResolver provider, shorthand for a registry of Dyneti alone. Sources are asked on every
    attempt, so a new sign-in is picked up without telling the service.
    """

    #: (item, decoded image) of the item shown, its first image; followed by state_changed(item,
    #: READY). For a large JPEG it comes twice: a preview (image_decode.is_preview; same geometry,
    #: fewer pixels), then the full image alone (the state is READY already).
    image_ready = Signal(str, QImage)
    #: (item, ImageState) of the item shown: its first image, or the item while its images are
    #: listed (or when they cannot be).
    state_changed = Signal(str, object)
    #: (item, tuple of ImageRef) of the item shown, once its images are known.
    images_listed = Signal(str, object)
    #: (item, image key, decoded image) for each image of the item shown (previews as above).
    item_image_ready = Signal(str, str, QImage)
    #: (item, image key, ImageState) for each image of the item shown.
    item_image_state = Signal(str, str, object)
    #: The server refused a credential the window can renew (message for the sign-in prompt). Once
    #: per credential.
    auth_failed = Signal(str)

    def __init__(
        self,
        sources: SourceRegistry | Callable[[], ImageResolver | None],
        *,
        prefetch: int = DEFAULT_PREFETCH,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        parent: QObject | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        poll_first: float = POLL_FIRST,
        poll_max: float = POLL_MAX,
        bare_404_checks: int = BARE_404_CHECKS,
        decode_executor: Executor | None = None,
        view_size: QSize | None = None,
        plan: PrefetchPlan | None = None,
    ) -> None:
        super().__init__(parent)
        self._sources = (
            sources if isinstance(sources, SourceRegistry) else SourceRegistry(DynetiSource(sources))
        )
        self._prefetch = max(0, int(prefetch))
        self._cache = ImageCache(cache_bytes)
        self._concurrency = max(1, int(concurrency))
        self._max_pixels = max_pixels
        self._poll_first = poll_first
        self._poll_max = poll_max
        self._bare_404_checks = max(0, int(bare_404_checks))
        self._executor = decode_executor
        self._view_size = QSize(*DEFAULT_VIEW_SIZE) if view_size is None else QSize(view_size)
        self._tight = False
        self._generation = 0
        self._current: str | None = None
        self._upcoming: tuple[str, ...] = ()
        self._refs: OrderedDict[str, tuple[ImageRef, ...]] = OrderedDict()  # listed, not fixed
        self._listings: dict[str, _Job] = {}  # items whose images are being listed
        self._list_failed: OrderedDict[str, ImageState] = OrderedDict()  # prefetch listings that failed
        self._jobs: dict[ImageId, _Job] = {}
        self._upgrades: dict[ImageId, _Job] = {}  # full decodes after a preview (the item shown only)
        self._states: dict[ImageId, ImageState] = {}  # last state of images with a job under way
        self._outcomes: OrderedDict[ImageId, ImageState] = OrderedDict()  # final, image-less outcomes
        self._slots: asyncio.Semaphore | None = None
        self._full_slot: asyncio.Semaphore | None = None  # one full decode (after a preview) at a time
        self._auth_failed_for: object | None = None
        # How far ahead and how many at once follow the reviewer's pace and the server's latency.
        self._pace = plan or PrefetchPlan()
        self._slot_count = self._concurrency

    # -- queries -------------------------------------------------------------------------------

    @property
    def current(self) -> str | None:
        return self._current

    @property
    def sources(self) -> SourceRegistry:
        return self._sources

    @property
    def tight(self) -> bool:
        return self._tight

    @property
    def prefetch(self) -> int:
        return self._prefetch

    @property
    def depth(self) -> int:
        """Items fetched ahead now: `prefetch` or more (ui/prefetch_plan.py), within the cache."""
        return self._pace.depth(self._prefetch, self._cache.max_bytes)

    @property
    def view_size(self) -> QSize:
        """The view previews are sized for (see image_decode.preview_scale)."""
        return QSize(self._view_size)

    @property
    def cache(self) -> ImageCache:
        """The cache itself (read it; change it only through the service). An item's first image
        is cached under the item's key, its others under "item#image"."""
        return self._cache

    def images_of(self, item: str) -> tuple[ImageRef, ...] | None:
        """The item's images, if known without asking (a Dyneti scan's always are)."""
        source, _item_id = self._sources.source_of(item)
        fixed = getattr(source, "fixed_images", None)
        if fixed is not None:
            return tuple(fixed)
        return self._refs.get(item)

    def cached(self, item: str, key: str | None = None) -> QImage | None:
        """The decoded image (default: the item's first) if it is in memory (the LRU order is not
        touched): the full image, or a preview (image_decode.is_preview) until the full one
        replaces it."""
        image_id = self._image_id(item, key)
        return None if image_id is None else self._cache.peek(self._cache_key(image_id))

    def pending(self) -> set[str]:
        """Items with a listing, a fetch, or the full decode after a preview, under way or queued."""
        return set(self._listings) | {i for i, _ in self._jobs} | {i for i, _ in self._upgrades}

    def state_of(self, item: str, key: str | None = None) -> ImageState | None:
        """The last known state of an image (default: the item's first): READY if cached, else
        under way or remembered; while the item's images are listed (or could not be), the item's."""
        image_id = self._image_id(item, key)
        if image_id is None:
            return LISTING if item in self._listings else self._list_failed.get(item)
        if self._cache_key(image_id) in self._cache:
            return READY
        return self._states.get(image_id) or self._outcomes.get(image_id)

    def _image_id(self, item: str, key: str | None) -> ImageId | None:
        if key is not None:
            return (item, key)
        refs = self.images_of(item)
        return (item, refs[0].key) if refs else None

    def _is_first(self, image_id: ImageId) -> bool:
        refs = self.images_of(image_id[0])
        return bool(refs) and refs[0].key == image_id[1]

    def _name(self, image_id: ImageId) -> str:
        """The image in log lines: the item's key for its first image (a Dyneti scan's one), else
        "item#image"."""
        return self._cache_key(image_id)

    def _cache_key(self, image_id: ImageId) -> str:
        item, key = image_id
        return item if self._is_first(image_id) else f"{item}#{key}"

    # -- commands ------------------------------------------------------------------------------

    def show(self, item: str, upcoming: Sequence[str] = ()) -> None:
        """Make `item` the item shown; prefetch the images of the next `prefetch` items of `upcoming`.

        A cached image is emitted before this returns, so moving to a prefetched item paints at
        once. Otherwise a loading (or the last known) state is emitted and a fetch is started.
        """
        self._pace.shown(item)
        self._current = item
        self._upcoming = tuple(upcoming)
        for other in list(self._upgrades):
            if other[0] != item:  # moved on: its full image is not wanted any more
                self._cancel_upgrade(other)
        refs = self.images_of(item)
        if refs is None:
            self._list_failed.pop(item, None)  # shown: ask again
            listing = self._listings.get(item)
            if listing is None:
                self._start_listing(item, background=False)
            else:
                listing.background = False
            self.state_changed.emit(item, LISTING)
        else:
            self._show_images(item, refs)
        self._schedule_prefetch()

    def _show_images(self, item: str, refs: Sequence[ImageRef]) -> None:
        self.images_listed.emit(item, tuple(refs))
        if not refs:
            self.state_changed.emit(item, ImageState("not_found", "This item has no images"))
        for ref in refs:
            self._show_image((item, ref.key))

    def _show_image(self, image_id: ImageId) -> None:
        cache_key = self._cache_key(image_id)
        image = self._cache.get(cache_key)
        if image is not None:
            self._emit_ready(image_id, image)
            if is_preview(image):
                source = self._cache.source(cache_key)
                if source is not None:
                    self._start_upgrade(image_id, source)
                elif image_id not in self._jobs:  # the bytes did not fit in the cache: fetch again
                    self._start(image_id, background=False)
            return
        job = self._jobs.get(image_id)
        remembered = self._outcomes.get(image_id)
        if job is not None and job.background and not job.started:
            self._cancel(image_id)  # still queued for a slot: jump the queue
            job = None
        if job is not None:
            job.background = False  # under way: let it finish, and poll if it must
            self._emit_state(image_id, self._states.get(image_id, LOADING))
        elif remembered is not None:
            self._emit_state(image_id, remembered)
        else:
            self._start(image_id, background=False)
            self._emit_state(image_id, LOADING)

    def retry(self, item: str | None = None) -> None:
        """Fetch the item's images (default: the item shown) again: a fresh list and fresh URLs."""
        item = self._current if item is None else item
        if item is None:
            return
        for image_id in [i for i in self._jobs if i[0] == item]:
            self._cancel(image_id)
        for image_id in [i for i in self._upgrades if i[0] == item]:
            self._cancel_upgrade(image_id)
        for ref in self.images_of(item) or ():
            self._cache.discard(self._cache_key((item, ref.key)))
            self._outcomes.pop((item, ref.key), None)
        self._auth_failed_for = None
        source, item_id = self._sources.source_of(item)
        forget = getattr(source, "forget", None)
        if forget is not None:
            forget(item_id)
        self._refs.pop(item, None)
        self._list_failed.pop(item, None)
        self._cancel_listing(item)
        if item == self._current:
            self.show(item, self._upcoming)
        elif item in self._wanted_items():
            self._schedule_prefetch()

    def set_tight(self, tight: bool) -> None:
        """Admin sessions: use the tight crop (`/reviews/image/{id}.jpg?tight=true`). Drops the cache."""
        tight = bool(tight)
        if tight == self._tight:
            return
        self._tight = tight
        for source in self._sources:
            if hasattr(source, "tight"):
                source.tight = tight
        current, upcoming = self._current, self._upcoming
        self.clear()
        if current is not None:
            self.show(current, upcoming)

    def set_prefetch(self, n: int) -> None:
        self._prefetch = max(0, int(n))
        self._schedule_prefetch()

    def set_view_size(self, size: QSize) -> None:
        """The size of the view (device pixels), for the previews of decodes started from now on."""
        self._view_size = QSize(size)

    def clear(self) -> None:
        """Forget everything (sign-out): cancel all fetches, empty the cache."""
        self._generation += 1
        for item in list(self._listings):
            self._cancel_listing(item)
        for image_id in list(self._jobs):
            self._cancel(image_id)
        for image_id in list(self._upgrades):
            self._cancel_upgrade(image_id)
        self._cache.clear()
        self._refs.clear()
        self._list_failed.clear()
        self._states.clear()
        self._outcomes.clear()
        self._current = None
        self._upcoming = ()
        self._auth_failed_for = None

    # -- scheduling ----------------------------------------------------------------------------

    def _max_prefetch_images(self) -> int:
        """As many images as fill half the cache at the view's size (the other half for the item
        shown), and at least one per item."""
        typical = max(1, self._view_size.width() * self._view_size.height() * 4)
        return max(self.depth, self._cache.max_bytes // (2 * typical))

    def _plan(self) -> tuple[list[str], list[ImageId]]:
        return plan_prefetch(
            self._current, self._upcoming, self.depth, self.images_of, self._max_prefetch_images()
        )

    def _wanted_items(self) -> set[str]:
        to_list, wanted = self._plan()
        return set(to_list) | {item for item, _ in wanted}

    def _schedule_prefetch(self) -> None:
        self._grow_slots()
        to_list, wanted = self._plan()
        wanted_set = set(wanted)
        for image_id, job in list(self._jobs.items()):
            if image_id[0] != self._current and image_id not in wanted_set:
                log.debug("image %s: no longer wanted, cancelled", self._name(image_id))
                self._cancel(image_id)
            elif image_id[0] != self._current:
                job.background = True
        for item in list(self._listings):
            if item != self._current and item not in to_list:
                self._cancel_listing(item)
        for item in to_list:
            if item not in self._listings and item not in self._list_failed:
                self._start_listing(item, background=True)
        for image_id in wanted:
            if self._cache.get(self._cache_key(image_id)) is not None:  # keep them fresh in the LRU
                continue
            if image_id in self._jobs or image_id in self._outcomes:
                continue
            self._start(image_id, background=True)

    def _start(self, image_id: ImageId, *, background: bool) -> None:
        job = _Job(*image_id, self._generation, background)
        self._jobs[image_id] = job
        self._states[image_id] = LOADING
        job.task = asyncio.ensure_future(self._run(job))
        job.task.add_done_callback(functools.partial(self._job_done, job))

    def _cancel(self, image_id: ImageId) -> None:
        job = self._jobs.pop(image_id, None)
        self._states.pop(image_id, None)
        if job is not None and job.task is not None:
            job.task.cancel()

    def _job_done(self, job: _Job, _task: object = None) -> None:
        if self._jobs.get(job.image_id) is job:
            del self._jobs[job.image_id]
            self._states.pop(job.image_id, None)
        _log_failure(job, "the loader")

    def _start_listing(self, item: str, *, background: bool) -> None:
        job = _Job(item, "", self._generation, background)
        self._listings[item] = job
        job.task = asyncio.ensure_future(self._list(job))
        job.task.add_done_callback(functools.partial(self._listing_done, job))

    def _cancel_listing(self, item: str) -> None:
        job = self._listings.pop(item, None)
        if job is not None and job.task is not None:
            job.task.cancel()

    def _listing_done(self, job: _Job, _task: object = None) -> None:
        if self._listings.get(job.item) is job:
            del self._listings[job.item]
        _log_failure(job, "listing")

    def _start_upgrade(self, image_id: ImageId, data: bytes) -> None:
        """Decode the full image of the item shown, whose preview is in the cache (or just emitted)."""
        if image_id in self._upgrades:
            return
        job = _Job(*image_id, self._generation, background=False)
        self._upgrades[image_id] = job
        job.task = asyncio.ensure_future(self._upgrade(job, data))
        job.task.add_done_callback(functools.partial(self._upgrade_done, job))

    def _cancel_upgrade(self, image_id: ImageId) -> None:
        job = self._upgrades.pop(image_id, None)
        if job is not None and job.task is not None:
            log.debug("image %s: full decode no longer wanted, cancelled", self._name(image_id))
            job.task.cancel()

    def _upgrade_done(self, job: _Job, _task: object = None) -> None:
        if self._upgrades.get(job.image_id) is job:
            del self._upgrades[job.image_id]
        _log_failure(job, "the full decode")

    def _semaphore(self) -> asyncio.Semaphore:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._slot_count)
        return self._slots

    def _grow_slots(self) -> None:
        """More prefetches at once while the reviewer outpaces the server (never fewer again)."""
        want = self._pace.parallel(self._concurrency)
        if want > self._slot_count:
            if self._slots is not None:
                for _ in range(want - self._slot_count):
                    self._slots.release()
            self._slot_count = want

    async def _decode_full(self, data: bytes) -> QImage:
        """decode_image(data) in the executor, one at a time. A decode thread cannot be stopped: when
        the awaiting task is cancelled the decode runs on, and keeps the turn until it ends."""
        if self._full_slot is None:
            self._full_slot = asyncio.Semaphore(1)
        slot = self._full_slot
        await slot.acquire()
        try:
            loop = asyncio.get_running_loop()
            future = loop.run_in_executor(
                self._executor, functools.partial(decode_image, data, max_pixels=self._max_pixels)
            )
        except BaseException:
            slot.release()
            raise
        future.add_done_callback(functools.partial(_release_after_decode, slot))
        return await asyncio.shield(future)

    def _update(self, job: _Job, state: ImageState, *, final: bool = False) -> None:
        image_id = job.image_id
        if job.generation != self._generation or self._jobs.get(image_id) is not job:
            return
        log.debug("image %s: %s", self._name(image_id), state.kind)
        self._states[image_id] = state
        if final:
            self._outcomes[image_id] = state
            self._outcomes.move_to_end(image_id)
            while len(self._outcomes) > REMEMBERED_OUTCOMES:
                self._outcomes.popitem(last=False)
        if job.item == self._current:
            self._emit_state(image_id, state)

    def _emit_state(self, image_id: ImageId, state: ImageState) -> None:
        self.item_image_state.emit(image_id[0], image_id[1], state)
        if self._is_first(image_id):
            self.state_changed.emit(image_id[0], state)

    def _emit_ready(self, image_id: ImageId, image: QImage) -> None:
        item, key = image_id
        self.item_image_ready.emit(item, key, image)
        self.item_image_state.emit(item, key, READY)
        if self._is_first(image_id):
            self.image_ready.emit(item, image)
            self.state_changed.emit(item, READY)


def _release_after_decode(slot: asyncio.Semaphore, future: asyncio.Future[QImage]) -> None:
    slot.release()
    if not future.cancelled():
        future.exception()  # retrieved: an abandoned decode's error must not be logged as lost
