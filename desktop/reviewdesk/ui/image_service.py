"""Loading, decoding, caching and prefetching the images of the review queue.

All work runs as asyncio tasks on the running loop (qasync's QEventLoop in the app); decoding runs
in an executor thread. The service talks only about the scan currently shown: `image_ready` and
`state_changed` are emitted for the scan of the last `show()` call, and prefetched images land
silently in the cache (see `cached`). Presigned URLs are never logged or put in a message.

UPLOADING is polled with backoff (1 s, 2 s, 4 s, ... at most 30 s) for as long as the scan is
shown. A reviewer session is often not told the status (`/reviews/b` may leave it out): a bare
404 from the image host is then looked at again BARE_404_CHECKS times, shown as "checking whether
the image exists" meanwhile (not as "uploading": nobody said so), before the pane says "not
found" (not remembered: showing it again looks again). A transient failure (server busy, no
connection; see api.retry) is retried by the client within its deadline, the pane saying
"retrying in N s", and after that with the same backoff for as long as the scan is shown: it
recovers without a key press.

A large JPEG (see image_decode.preview_scale) is decoded as a reduced *preview* first, sized for
the view (`view_size`): the preview is cached with the JPEG bytes and emitted, then, for the scan
shown only, the full image is decoded in the background and emitted again (`image_ready` a second
time; the state stays READY) and replaces the preview in the cache. Prefetches stop at the preview:
moving to the scan paints it at once and starts the full decode from the kept bytes, no download.
One full decode runs at a time (a decode thread cannot be stopped: a cancelled one keeps its turn
until it ends, and its result is dropped), and moving to another scan cancels the one under way,
so memory stays at the cache's budget plus at most one full image being decoded.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Literal

from PySide6.QtCore import QObject, QSize, Signal
from PySide6.QtGui import QImage

from reviewdesk.api import errors as e
from reviewdesk.api import retry
from reviewdesk.api.images import ImageResolver
from reviewdesk.ui.image_cache import DEFAULT_CACHE_BYTES, ImageCache, image_bytes
from reviewdesk.ui.image_decode import (
    DEFAULT_MAX_PIXELS,
    ImageDecodeError,
    ImagePixelsTooLargeError,
    decode_image,
    decode_image_async,
    is_preview,
)
from reviewdesk.ui.prefetch_plan import PrefetchPlan

log = logging.getLogger("reviewdesk.ui.image")

ImageKind = Literal[
    "loading", "checking", "uploading", "retrying", "not_found", "error", "too_large", "ready"
]
IMAGE_KINDS: tuple[str, ...] = (
    "loading",
    "checking",  # no image found yet, no status told (reviewer sessions): looking again
    "uploading",
    "retrying",  # a transient failure (server busy, no connection): tried again by itself
    "not_found",
    "error",
    "too_large",
    "ready",
)

DEFAULT_PREFETCH = 3
DEFAULT_CONCURRENCY = 3
POLL_FIRST = 1.0
POLL_MAX = 30.0
#: After a 404 that does not say why, look again this many times (same backoff) before saying
#: "not found": a reviewer session is not told UPLOADING, only that there is no image yet.
BARE_404_CHECKS = 2
#: How many final outcomes (no image, too large, undecodable) are remembered.
REMEMBERED_OUTCOMES = 512
#: The view previews are sized for until told otherwise (`set_view_size`): the image pane of
#: MainWindow at its default size (1440x880, splitter 430/620/390), in pixels.
DEFAULT_VIEW_SIZE = (620, 800)


@dataclass(frozen=True, slots=True)
class ImageState:
    """What the image pane should say about a scan. `message` is one line for the reviewer."""

    kind: ImageKind
    message: str = ""

    def __post_init__(self) -> None:
        if self.kind not in IMAGE_KINDS:
            raise ValueError(f"unknown image state kind {self.kind!r}")

    @property
    def is_ready(self) -> bool:
        return self.kind == "ready"


LOADING = ImageState("loading", "Loading the image…")
READY = ImageState("ready")

# What an attempt can end in besides "done" (None):
_UPLOADING = "uploading"  # the server says the image is not uploaded yet
_BARE_404 = "bare-404"  # no image and no status (reviewer sessions): missing, or still uploading
_TRANSIENT = "transient"  # the server was busy or could not be reached: try again later


@dataclass(eq=False)
class _Job:
    scan_id: str
    generation: int
    background: bool  # a prefetch: takes a slot, does not poll UPLOADING
    started: bool = False  # past waiting for a slot
    note: str = ""  # the message of the last bare 404
    task: asyncio.Future[None] | None = field(default=None, repr=False)


class ImageService(QObject):
    """Images of scans for the review window: cache, prefetch, UPLOADING polling, typed states.

    `resolver_provider` returns the session's ImageResolver (None when signed out); it is asked
    again for every attempt, so a new sign-in is picked up without telling the service.
    """

    #: (scan id, decoded image) of the scan shown; followed by state_changed(scan id, READY). For a
    #: large JPEG it comes twice: a preview (image_decode.is_preview; same geometry, fewer pixels),
    #: then the full image alone (the state is READY already).
    image_ready = Signal(str, QImage)
    #: (scan id, ImageState) of the scan shown.
    state_changed = Signal(str, object)
    #: The server refused the credential (message for the sign-in prompt). Once per resolver.
    auth_failed = Signal(str)

    def __init__(
        self,
        resolver_provider: Callable[[], ImageResolver | None],
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
        self._provider = resolver_provider
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
        self._jobs: dict[str, _Job] = {}
        self._upgrades: dict[str, _Job] = {}  # full decodes after a preview (the scan shown only)
        self._states: dict[str, ImageState] = {}  # last state of scans with a job under way
        self._outcomes: OrderedDict[str, ImageState] = OrderedDict()  # final, image-less outcomes
        self._slots: asyncio.Semaphore | None = None
        self._full_slot: asyncio.Semaphore | None = None  # one full decode (after a preview) at a time
        self._auth_failed_for: object | None = None
        self._plan = plan or PrefetchPlan()  # depth and fetches at once follow the reviewer and the server
        self._slot_count = self._concurrency

    # -- queries -------------------------------------------------------------------------------

    @property
    def current(self) -> str | None:
        return self._current

    @property
    def tight(self) -> bool:
        return self._tight

    @property
    def prefetch(self) -> int:
        return self._prefetch

    @property
    def depth(self) -> int:
        """Images fetched ahead now: `prefetch` or more (ui/prefetch_plan.py), within the cache."""
        return self._plan.depth(self._prefetch, self._cache.max_bytes)

    @property
    def view_size(self) -> QSize:
        """The view previews are sized for (see image_decode.preview_scale)."""
        return QSize(self._view_size)

    @property
    def cache(self) -> ImageCache:
        """The cache itself (read it; change it only through the service)."""
        return self._cache

    def cached(self, scan_id: str) -> QImage | None:
        """The decoded image of `scan_id` if it is in memory (the LRU order is not touched): the full
        image, or a preview (image_decode.is_preview) until the full one replaces it."""
        return self._cache.peek(scan_id)

    def pending(self) -> set[str]:
        """Scan ids with a fetch, or the full decode after a preview, under way or queued."""
        return set(self._jobs) | set(self._upgrades)

    def state_of(self, scan_id: str) -> ImageState | None:
        """The last known state of `scan_id`: READY if cached, else under way or remembered."""
        if scan_id in self._cache:
            return READY
        return self._states.get(scan_id) or self._outcomes.get(scan_id)

    # -- commands ------------------------------------------------------------------------------

    def show(self, scan_id: str, upcoming: Sequence[str] = ()) -> None:
        """Make `scan_id` the scan shown; prefetch the next `prefetch` ids of `upcoming`.

        A cached image is emitted before this returns, so moving to a prefetched scan paints at
        once. Otherwise a loading (or the last known) state is emitted and a fetch is started.
        """
        self._plan.shown(scan_id)
        self._current = scan_id
        self._upcoming = tuple(upcoming)
        for other in list(self._upgrades):
            if other != scan_id:  # moved on: its full image is not wanted any more
                self._cancel_upgrade(other)
        image = self._cache.get(scan_id)
        if image is not None:
            self._emit_ready(scan_id, image)
            if is_preview(image):
                source = self._cache.source(scan_id)
                if source is not None:
                    self._start_upgrade(scan_id, source)
                elif scan_id not in self._jobs:  # the bytes did not fit in the cache: fetch again
                    self._start(scan_id, background=False)
        else:
            job = self._jobs.get(scan_id)
            remembered = self._outcomes.get(scan_id)
            if job is not None and job.background and not job.started:
                self._cancel(scan_id)  # still queued for a slot: jump the queue
                job = None
            if job is not None:
                job.background = False  # under way: let it finish, and poll if it must
                self.state_changed.emit(scan_id, self._states.get(scan_id, LOADING))
            elif remembered is not None:
                self.state_changed.emit(scan_id, remembered)
            else:
                self._start(scan_id, background=False)
                self.state_changed.emit(scan_id, LOADING)
        self._schedule_prefetch()

    def retry(self, scan_id: str | None = None) -> None:
        """Fetch `scan_id` (default: the scan shown) again, from a fresh URL."""
        scan_id = self._current if scan_id is None else scan_id
        if scan_id is None:
            return
        self._cancel(scan_id)
        self._cancel_upgrade(scan_id)
        self._cache.discard(scan_id)
        self._outcomes.pop(scan_id, None)
        self._auth_failed_for = None
        resolver = self._resolver()
        if resolver is not None:
            resolver.forget(scan_id)
        if scan_id == self._current:
            self._start(scan_id, background=False)
            self.state_changed.emit(scan_id, LOADING)
        elif scan_id in self._wanted():
            self._start(scan_id, background=True)

    def set_tight(self, tight: bool) -> None:
        """Admin sessions: use the tight crop (`/reviews/image/{id}.jpg?tight=true`). Drops the cache."""
        tight = bool(tight)
        if tight == self._tight:
            return
        self._tight = tight
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
        for scan_id in list(self._jobs):
            self._cancel(scan_id)
        for scan_id in list(self._upgrades):
            self._cancel_upgrade(scan_id)
        self._cache.clear()
        self._states.clear()
        self._outcomes.clear()
        self._current = None
        self._upcoming = ()
        self._auth_failed_for = None

    # -- scheduling ----------------------------------------------------------------------------

    def _wanted(self) -> list[str]:
        wanted: list[str] = []
        depth = self.depth
        for scan_id in self._upcoming:
            if len(wanted) >= depth:
                break
            if scan_id != self._current and scan_id not in wanted:
                wanted.append(scan_id)
        return wanted

    def _schedule_prefetch(self) -> None:
        self._grow_slots()
        wanted = self._wanted()
        for scan_id, job in list(self._jobs.items()):
            if scan_id != self._current and scan_id not in wanted:
                log.debug("image %s: no longer wanted, cancelled", scan_id)
                self._cancel(scan_id)
            elif scan_id != self._current:
                job.background = True
        for scan_id in wanted:
            if self._cache.get(scan_id) is not None:  # keep the next ones fresh in the LRU
                continue
            if scan_id in self._jobs or scan_id in self._outcomes:
                continue
            self._start(scan_id, background=True)

    def _start(self, scan_id: str, *, background: bool) -> None:
        job = _Job(scan_id, self._generation, background)
        self._jobs[scan_id] = job
        self._states[scan_id] = LOADING
        job.task = asyncio.ensure_future(self._run(job))
        job.task.add_done_callback(functools.partial(self._job_done, job))

    def _cancel(self, scan_id: str) -> None:
        job = self._jobs.pop(scan_id, None)
        self._states.pop(scan_id, None)
        if job is not None and job.task is not None:
            job.task.cancel()

    def _job_done(self, job: _Job, _task: object = None) -> None:
        if self._jobs.get(job.scan_id) is job:
            del self._jobs[job.scan_id]
            self._states.pop(job.scan_id, None)
        task = job.task
        if task is not None and not task.cancelled() and task.exception() is not None:
            # _run handles every error; this is a bug, but it must not pass silently.
            exc = task.exception()
            log.error("image %s: the loader failed: %s", job.scan_id, type(exc).__name__)

    def _start_upgrade(self, scan_id: str, data: bytes) -> None:
        """Decode the full image of the scan shown, whose preview is in the cache (or just emitted)."""
        if scan_id in self._upgrades:
            return
        job = _Job(scan_id, self._generation, background=False)
        self._upgrades[scan_id] = job
        job.task = asyncio.ensure_future(self._upgrade(job, data))
        job.task.add_done_callback(functools.partial(self._upgrade_done, job))

    def _cancel_upgrade(self, scan_id: str) -> None:
        job = self._upgrades.pop(scan_id, None)
        if job is not None and job.task is not None:
            log.debug("image %s: full decode no longer wanted, cancelled", scan_id)
            job.task.cancel()

    def _upgrade_done(self, job: _Job, _task: object = None) -> None:
        if self._upgrades.get(job.scan_id) is job:
            del self._upgrades[job.scan_id]
        task = job.task
        if task is not None and not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.error("image %s: the full decode failed: %s", job.scan_id, type(exc).__name__)

    def _semaphore(self) -> asyncio.Semaphore:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._slot_count)
        return self._slots

    def _grow_slots(self) -> None:
        """More prefetches at once while the reviewer outpaces the server (never fewer again)."""
        want = self._plan.parallel(self._concurrency)
        if want > self._slot_count:
            if self._slots is not None:
                for _ in range(want - self._slot_count):
                    self._slots.release()
            self._slot_count = want

    def _resolver(self) -> ImageResolver | None:
        try:
            return self._provider()
        except Exception as exc:  # a provider bug must not break the pane
            log.error("the image resolver provider failed: %s", type(exc).__name__)
            return None

    # -- the work ------------------------------------------------------------------------------

    async def _run(self, job: _Job) -> None:
        delay = self._poll_first
        bare_checks = 0
        # The client's own retries of one request say here how long they wait.
        retry.on_retry.set(functools.partial(self._retrying, job))
        while True:
            if job.background:
                async with self._semaphore():
                    job.started = True
                    result = await self._attempt(job)
            else:
                job.started = True
                result = await self._attempt(job)
            if result is None:
                return
            if job.background:
                # A prefetch does not poll: it gives its slot back; showing the scan polls.
                if result == _TRANSIENT:
                    self._update(job, ImageState("error", job.note))
                elif result == _BARE_404:
                    self._update(
                        job, ImageState("checking", "No image found yet; checking whether it exists")
                    )
                else:
                    self._update(job, ImageState("uploading", "The image is still uploading"))
                return
            if result == _TRANSIENT:
                self._update(job, ImageState("retrying", f"{job.note}: retrying in {delay:g} s"))
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._poll_max)
                continue
            if result == _BARE_404:
                if bare_checks >= self._bare_404_checks:
                    # Not remembered: showing the scan again (or retry) looks once more.
                    self._update(
                        job,
                        ImageState(
                            "not_found", f"{job.note}; it may still be uploading: retry to check again"
                        ),
                    )
                    return
                bare_checks += 1
                state = ImageState(
                    "checking", f"No image found yet; checking whether it exists (again in {delay:g} s)"
                )
            else:
                state = ImageState(
                    "uploading", f"The image is still uploading; checking again in {delay:g} s"
                )
            self._update(job, state)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._poll_max)

    async def _attempt(self, job: _Job) -> str | None:
        scan_id = job.scan_id
        asked_at = time.monotonic()
        resolver = self._resolver()
        if resolver is None:
            self._update(job, ImageState("error", "Not signed in: sign in to see images"))
            return None
        try:
            data = await self._download(resolver, scan_id)
        except e.ImageNotAvailableError as exc:
            status = exc.image_status or await self._status_after_404(resolver, scan_id)
            if status == "UPLOADING":
                return _UPLOADING
            if status == "FILENOTFOUND":
                self._update(job, ImageState("not_found", str(exc)), final=True)
                return None
            job.note = str(exc)
            return _BARE_404
        except e.AuthError as exc:
            self._update(job, ImageState("error", str(exc)))
            if self._auth_failed_for is not resolver:
                self._auth_failed_for = resolver
                self.auth_failed.emit(str(exc))
            return None
        except e.ImageTooLargeError as exc:
            self._update(job, ImageState("too_large", str(exc)), final=True)
            return None
        except e.ReviewDeskError as exc:
            if retry.is_transient(exc):
                job.note = short_reason(exc)
                return _TRANSIENT
            self._update(job, ImageState("error", str(exc)))
            return None
        except Exception as exc:  # anything unforeseen: say so, and log the type only (no URL)
            log.error("image %s: download failed: %s", scan_id, type(exc).__name__)
            self._update(job, ImageState("error", f"The image could not be loaded ({type(exc).__name__})"))
            return None
        try:
            image = await decode_image_async(
                data, max_pixels=self._max_pixels, executor=self._executor, preview_for=self._view_size
            )
        except ImagePixelsTooLargeError as exc:
            self._update(job, ImageState("too_large", str(exc)), final=True)
            return None
        except ImageDecodeError as exc:
            self._update(job, ImageState("error", str(exc)), final=True)
            return None
        if job.generation != self._generation or self._jobs.get(scan_id) is not job:
            return None  # superseded while decoding
        preview = is_preview(image)
        # A preview keeps the JPEG bytes for the full decode; if both do not fit, the preview alone.
        if not (preview and self._cache.put(scan_id, image, source=data)):
            self._cache.put(scan_id, image)
        self._plan.fetched(time.monotonic() - asked_at, image_bytes(image))
        kind = "preview" if preview else "ready"
        log.debug("image %s: %s (%dx%d)", scan_id, kind, image.width(), image.height())
        if scan_id == self._current:
            self._emit_ready(scan_id, image)
            if preview:
                self._start_upgrade(scan_id, data)
        return None

    async def _upgrade(self, job: _Job, data: bytes) -> None:
        """The full image after a preview, for the scan shown: cached in its place, and emitted."""
        scan_id = job.scan_id
        try:
            image = await self._decode_full(data)
        except ImageDecodeError as exc:  # the preview decoded, so this is unlikely: keep the preview
            log.warning("image %s: the full image could not be decoded: %s", scan_id, exc.reason)
            preview = self._cache.peek(scan_id)
            if self._upgrades.get(scan_id) is job and preview is not None and is_preview(preview):
                self._cache.put(scan_id, preview)  # without the bytes: no second try
            return
        if job.generation != self._generation or self._upgrades.get(scan_id) is not job:
            return  # cancelled (moved on, retry, clear) while decoding: drop it
        if scan_id != self._current:  # pragma: no cover - moving on cancels the upgrade
            return
        if image_bytes(image) <= self._cache.max_bytes:
            self._cache.put(scan_id, image)  # replaces the preview and its bytes
        # else the preview stays cached (the next show decodes again) and the full one is shown
        log.debug("image %s: full image ready (%dx%d)", scan_id, image.width(), image.height())
        self.image_ready.emit(scan_id, image)

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

    async def _download(self, resolver: ImageResolver, scan_id: str) -> bytes:
        client = resolver.client
        if self._tight and client.is_admin:
            return await client.image_jpeg(scan_id, tight=True)
        return (await resolver.fetch(scan_id)).data

    async def _status_after_404(self, resolver: ImageResolver, scan_id: str) -> str | None:
        """After a 404 that does not say why: an admin may ask the status (UPLOADING or missing)."""
        if not resolver.client.is_admin:
            return None
        try:
            return (await resolver.info(scan_id, refresh=True)).status
        except e.ReviewDeskError:
            return None

    def _retrying(self, job: _Job, what: str, wait: float, exc: e.ReviewDeskError) -> None:
        """Told by the client before it waits to try a request again."""
        self._update(job, ImageState("retrying", f"{short_reason(exc)}: retrying in {max(1, round(wait))} s"))

    def _update(self, job: _Job, state: ImageState, *, final: bool = False) -> None:
        if job.generation != self._generation or self._jobs.get(job.scan_id) is not job:
            return
        log.debug("image %s: %s", job.scan_id, state.kind)
        self._states[job.scan_id] = state
        if final:
            self._outcomes[job.scan_id] = state
            self._outcomes.move_to_end(job.scan_id)
            while len(self._outcomes) > REMEMBERED_OUTCOMES:
                self._outcomes.popitem(last=False)
        if job.scan_id == self._current:
            self.state_changed.emit(job.scan_id, state)

    def _emit_ready(self, scan_id: str, image: QImage) -> None:
        self.image_ready.emit(scan_id, image)
        self.state_changed.emit(scan_id, READY)


def short_reason(exc: e.ReviewDeskError) -> str:
    """What went wrong, in a few words for the pane ("Server error 503", "No connection")."""
    if isinstance(exc, e.UnexpectedAnswerError):
        return str(exc).split(": ", 1)[-1].split(":", 1)[0].capitalize()
    if isinstance(exc, e.RateLimitedError):
        return "The server is busy (429)"
    if isinstance(exc, e.ServerError):
        return f"Server error {exc.status}"
    if isinstance(exc, e.TimeoutError_):
        return "The server did not answer in time"
    if isinstance(exc, e.NetworkError):
        return "No connection to the server"
    return "The request failed"


def _release_after_decode(slot: asyncio.Semaphore, future: asyncio.Future[QImage]) -> None:
    slot.release()
    if not future.cancelled():
        future.exception()  # retrieved: an abandoned decode's error must not be logged as lost
