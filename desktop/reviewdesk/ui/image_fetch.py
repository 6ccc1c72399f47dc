"""The work of the image service (ui/image_service.py): listing an item's images, fetching one
through its source with the polling and retries its state asks for, decoding it (a preview first
for a large JPEG) and caching it. A mixin of ImageService, which holds the state and the signals."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reviewdesk.api import errors as e
from reviewdesk.api import retry
from reviewdesk.sources.base import (
    ImageMissingError,
    ImageNotYetError,
    ImageTooLargeError,
    SourceAuthError,
    SourceError,
)
from reviewdesk.sources.errors import short_reason
from reviewdesk.ui.image_cache import image_bytes
from reviewdesk.ui.image_decode import (
    ImageDecodeError,
    ImagePixelsTooLargeError,
    decode_image_async,
    is_preview,
)
from reviewdesk.ui.image_state import ImageState

log = logging.getLogger("reviewdesk.ui.image")

ImageId = tuple[str, str]  # (item key, image key)
#: How many items' image lists are kept (a Dyneti scan's is known without asking).
REMEMBERED_LISTS = 512
#: How many final outcomes (no image, too large, undecodable) are remembered.
REMEMBERED_OUTCOMES = 512

# What an attempt can end in besides "done" (None):
_UPLOADING = "uploading"  # the source says the image is on its way
_BARE_404 = "bare-404"  # no image and no reason given: missing, or still uploading
_TRANSIENT = "transient"  # the server was busy or could not be reached: try again later


@dataclass(eq=False)
class _Job:
    item: str
    key: str  # the image's key; "" for listing the item's images
    generation: int
    background: bool  # a prefetch: takes a slot, does not poll
    started: bool = False  # past waiting for a slot
    note: str = ""  # the message of the last bare 404 or transient failure
    task: asyncio.Future[None] | None = field(default=None, repr=False)

    @property
    def image_id(self) -> ImageId:
        return (self.item, self.key)


class FetchPart:
    if TYPE_CHECKING:  # the state and signals of ImageService

        def __getattr__(self, name: str) -> Any: ...

    # -- the work ------------------------------------------------------------------------------

    async def _list(self, job: _Job) -> None:
        """Ask the item's source for its images; then show them (the item shown) or prefetch them."""
        item = job.item
        source, item_id = self._sources.source_of(item)
        if source is None:
            what = self._sources.label_of(item)
            self._list_failed_state(
                job, ImageState("error", f"{what} is not configured here: set its credentials to see {item}")
            )
            return
        try:
            asked_at = time.monotonic()
            if job.background:
                async with self._semaphore():
                    job.started = True
                    asked_at = time.monotonic()
                    refs = tuple(await source.images(item_id))
            else:
                job.started = True
                refs = tuple(await source.images(item_id))
        except SourceError as exc:
            self._list_failed_state(job, ImageState("error", str(exc)))
            return
        except e.ReviewDeskError as exc:
            self._list_failed_state(job, ImageState("error", str(exc)))
            return
        except Exception as exc:  # anything unforeseen: say so, and log the type only
            log.error("images of %s: listing failed: %s", item, type(exc).__name__)
            self._list_failed_state(
                job, ImageState("error", f"The images of {item} could not be listed ({type(exc).__name__})")
            )
            return
        if job.generation != self._generation or self._listings.get(item) is not job:
            return
        self._pace.listed(time.monotonic() - asked_at, len(refs))
        self._refs[item] = refs
        self._refs.move_to_end(item)
        while len(self._refs) > REMEMBERED_LISTS:
            oldest = next(iter(self._refs))
            if oldest == self._current:
                self._refs.move_to_end(oldest)
                continue
            del self._refs[oldest]
        del self._listings[item]
        if item == self._current:
            self._show_images(item, refs)
        self._schedule_prefetch()

    def _list_failed_state(self, job: _Job, state: ImageState) -> None:
        if job.generation != self._generation or self._listings.get(job.item) is not job:
            return
        # Ended now, not when the task's done-callback runs (a loop turn later): a show() in between
        # must start a new listing, not wait on this finished one for a state it will never send.
        del self._listings[job.item]
        log.debug("images of %s: %s", job.item, state.kind)
        if job.item == self._current:
            self.state_changed.emit(job.item, state)
        else:
            self._list_failed[job.item] = state
            while len(self._list_failed) > REMEMBERED_OUTCOMES:
                self._list_failed.popitem(last=False)

    async def _run(self, job: _Job) -> None:
        try:
            await self._run_job(job)
        finally:
            # Gone from the jobs as the coroutine ends, not a loop turn later in the task's
            # done-callback: an item shown in between would adopt a job that polls no more.
            if self._jobs.get(job.image_id) is job:
                del self._jobs[job.image_id]
                self._states.pop(job.image_id, None)

    async def _run_job(self, job: _Job) -> None:
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
                # A prefetch does not poll: it gives its slot back; showing the item polls.
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
                    # Not remembered: showing the item again (or retry) looks once more.
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

    async def _fetch(self, job: _Job) -> bytes | str | None:
        """The image's bytes; or what the attempt ended in (_UPLOADING, _BARE_404, _TRANSIENT), or
        None when the state was set already."""
        source, item_id = self._sources.source_of(job.item)
        ref = next((r for r in self.images_of(job.item) or () if r.key == job.key), None)
        if source is None or ref is None:
            self._update(job, ImageState("error", f"{job.item} has no image {job.key!r} here"))
            return None
        try:
            return await source.fetch_image(item_id, ref)
        except ImageNotYetError as exc:
            if exc.told:
                return _UPLOADING
            job.note = str(exc)
            return _BARE_404
        except ImageMissingError as exc:
            self._update(job, ImageState("not_found", str(exc)), final=True)
        except SourceAuthError as exc:
            self._update(job, ImageState("error", str(exc)))
            if exc.credential is not None and self._auth_failed_for is not exc.credential:
                self._auth_failed_for = exc.credential
                self.auth_failed.emit(str(exc))
        except ImageTooLargeError as exc:
            self._update(job, ImageState("too_large", str(exc)), final=True)
        except SourceError as exc:
            if exc.transient:
                job.note = exc.reason
                return _TRANSIENT
            self._update(job, ImageState("error", str(exc)))
        except e.ReviewDeskError as exc:  # a source that let its client's error through
            if retry.is_transient(exc):
                job.note = short_reason(exc)
                return _TRANSIENT
            self._update(job, ImageState("error", str(exc)))
        except Exception as exc:  # anything unforeseen: say so, and log the type only (no URL)
            log.error("image %s: download failed: %s", self._name(job.image_id), type(exc).__name__)
            self._update(job, ImageState("error", f"The image could not be loaded ({type(exc).__name__})"))
        return None

    async def _attempt(self, job: _Job) -> str | None:
        asked_at = time.monotonic()
        data = await self._fetch(job)
        if not isinstance(data, bytes):
            return data
        image_id = job.image_id
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
        if job.generation != self._generation or self._jobs.get(image_id) is not job:
            return None  # superseded while decoding
        preview = is_preview(image)
        cache_key = self._cache_key(image_id)
        # A preview keeps the JPEG bytes for the full decode; if both do not fit, the preview alone.
        if not (preview and self._cache.put(cache_key, image, source=data)):
            self._cache.put(cache_key, image)
        self._pace.fetched(time.monotonic() - asked_at, image_bytes(image))
        kind = "preview" if preview else "ready"
        log.debug("image %s: %s (%dx%d)", self._name(image_id), kind, image.width(), image.height())
        if job.item == self._current:
            self._emit_ready(image_id, image)
            if preview:
                self._start_upgrade(image_id, data)
        return None

    async def _upgrade(self, job: _Job, data: bytes) -> None:
        """The full image after a preview, for the item shown: cached in its place, and emitted."""
        image_id = job.image_id
        cache_key = self._cache_key(image_id)
        try:
            image = await self._decode_full(data)
        except ImageDecodeError as exc:  # the preview decoded, so this is unlikely: keep the preview
            log.warning("image %s: the full image could not be decoded: %s", self._name(image_id), exc.reason)
            preview = self._cache.peek(cache_key)
            if self._upgrades.get(image_id) is job and preview is not None and is_preview(preview):
                self._cache.put(cache_key, preview)  # without the bytes: no second try
            return
        if job.generation != self._generation or self._upgrades.get(image_id) is not job:
            return  # cancelled (moved on, retry, clear) while decoding: drop it
        if job.item != self._current:  # pragma: no cover - moving on cancels the upgrade
            return
        if image_bytes(image) <= self._cache.max_bytes:
            self._cache.put(cache_key, image)  # replaces the preview and its bytes
        # else the preview stays cached (the next show decodes again) and the full one is shown
        log.debug("image %s: full image ready (%dx%d)", self._name(image_id), image.width(), image.height())
        self.item_image_ready.emit(job.item, job.key, image)
        if self._is_first(image_id):
            self.image_ready.emit(job.item, image)

    def _retrying(self, job: _Job, what: str, wait: float, exc: e.ReviewDeskError) -> None:
        """Told by the client before it waits to try a request again."""
        self._update(job, ImageState("retrying", f"{short_reason(exc)}: retrying in {max(1, round(wait))} s"))


def _log_failure(job: _Job, what: str) -> None:
    task = job.task
    if task is not None and not task.cancelled() and task.exception() is not None:
        # The work handles every error; this is a bug, but it must not pass silently.
        failure = type(task.exception()).__name__
        log.error("image %s %s: %s failed: %s", job.item, job.key or "(list)", what, failure)
