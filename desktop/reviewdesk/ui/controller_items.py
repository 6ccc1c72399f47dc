"""Showing an item of any source, and polling the items whose source says they are not ready.

A mixin of `ReviewController`. The window never looks at an item's text to know its source: it
asks the registry (`Services.sources`, sources/registry.py). A Dyneti scan keeps its own view (the
card facts over the one image, ui/image_view.py); an item of any other source is shown as its
images (ui/image_strip.py: side by side or one at a time, liveness as a filmstrip) over its details
tree (ui/details_tree.py). The images come from the same image service, cache and prefetch as a
scan's (ui/image_service.py).

Polled sources (Jumio: the status until it is no longer PENDING, on the reference's schedule,
domain/jumio_schedule.py) offer `track`, `next_poll` and `refresh_status`; while the window runs,
each pending item of the queue is asked when its next try is due, the list shows its state and
next try, and the item shown says when its next poll is. Once its status is final the details and
images are retrieved (once) and shown.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage

from reviewdesk.domain import jumio_schedule
from reviewdesk.domain.keymap import display_keys
from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.sources.base import DEFAULT_SOURCE, Details, ImageRef, SourceError
from reviewdesk.ui.image_state import ImageState
from reviewdesk.ui.image_strip import ONE_AT_A_TIME

log = logging.getLogger("reviewdesk.ui")

#: How often the polled items are looked at (a try is made only when the schedule says so).
POLL_TICK_MS = 1000
#: Status requests of polled sources under way at once.
MAX_POLLS = 3
#: Final details kept for items seen (pending ones are asked again).
DETAILS_KEPT = 64


class ItemsPart:
    """A part of `ReviewController` (ui/controller.py); see the module's docstring."""

    if TYPE_CHECKING:  # the controller's state

        def __getattr__(self, name: str) -> Any: ...

    def _init_items(self) -> None:
        self._details: OrderedDict[str, Details] = OrderedDict()
        self._polled: set[str] = set()  # items of polled sources whose status may still change
        self._polls: set[str] = set()  # status requests under way
        self._item_pending = False  # the item shown is still pending at its source
        self._queued_items: list[str] = []  # the other sources' items to review when the queue was read
        images = self.images
        images.images_listed.connect(self._item_images_listed)
        images.item_image_ready.connect(self._item_image_ready)
        images.item_image_state.connect(self._item_image_state)
        strip = self.window.item_images
        strip.mode_changed.connect(lambda _mode: self._update_strip_hint())
        strip.current_changed.connect(lambda _key: self._update_strip_hint())
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(POLL_TICK_MS)
        self._poll_timer.timeout.connect(self.poll_items)
        self._poll_timer.start()

    def is_scan(self, item: str) -> bool:
        """A Dyneti scan (its own view), or an item of another source."""
        return self.services.sources.key_of(item).source == DEFAULT_SOURCE

    def item_label(self, item: str) -> str:
        """ "Jumio transaction REF", for messages about the item."""
        source, item_id = self.services.sources.source_of(item)
        label = source.label if source is not None else f"{self.services.sources.label_of(item)} item"
        return f"{label} {item_id}"

    # -- showing an item ---------------------------------------------------------------------------

    def _show_item(self, scan: Scan) -> None:
        """Called by show_scan for an item that is not a Dyneti scan, before the image service."""
        w = self.window
        w.show_item_view(True)
        item = scan.scan_id
        w.item_images.set_refs(())
        w.item_images.set_placeholder(f"Loading the images of {self.item_label(item)}…")
        known = self._details.get(item)
        if known is not None:
            w.item_details.set_details(known)
        else:
            w.item_details.set_message(f"Loading the details of {self.item_label(item)}…")
        self._item_pending = False
        self.spawn(self._load_details(item))

    async def _load_details(self, item: str, *, force: bool = False) -> None:
        if not force and item in self._details:
            return
        source, item_id = self.services.sources.source_of(item)
        w = self.window
        if source is None:
            what = self.services.sources.label_of(item)
            w.item_details.set_message(
                f"{what} is not configured on this machine: set its credentials (see the README) to see "
                f"{self.item_label(item)}."
            )
            return
        try:
            details = await source.details(item_id)
        except SourceError as exc:
            if item == self.current:
                w.item_details.set_message(f"{self.item_label(item)}: {exc}")
            return
        if details.next_poll is None and details.state:
            self._details[item] = details
            self._details.move_to_end(item)
            while len(self._details) > DETAILS_KEPT:
                self._details.popitem(last=False)
        if item != self.current:
            return
        was_pending, self._item_pending = self._item_pending, details.next_poll is not None
        w.item_details.set_details(details)
        self._note_poll(item)
        if was_pending and not self._item_pending:  # it is done now: its images can be had
            self.images.retry(item)

    def _item_images_listed(self, item: str, refs: tuple[ImageRef, ...]) -> None:
        if item != self.current or self.is_scan(item):
            return
        strip = self.window.item_images
        strip.set_refs(refs)
        strip.set_placeholder("" if refs else f"{self.item_label(item)} has no images")
        self._update_strip_hint()

    def _update_strip_hint(self) -> None:
        """Where the reviewer is among the item's images, and the keys that move (from the keymap)."""
        strip = self.window.item_images
        key = self.keymap.key_for
        step = f"{display_keys(key('next_image'))} / {display_keys(key('previous_image'))}"
        toggle = display_keys(key("toggle_side_by_side"))
        at, count = strip.position()
        if strip.mode == ONE_AT_A_TIME:
            hint = f"image {at} of {count} · {step} step · {toggle} side by side"
        elif count > 1:
            hint = f"{at} of {count} · {step} next / previous · {toggle} one at a time"
        else:
            hint = f"{toggle} one at a time" if len(strip.keys()) > 1 else ""
        strip.set_hint(hint)

    def _item_image_ready(self, item: str, key: str, image: QImage) -> None:
        if item == self.current and not self.is_scan(item):
            self.window.item_images.set_image(key, image)

    def _item_image_state(self, item: str, key: str, state: ImageState) -> None:
        if item == self.current and not self.is_scan(item) and not state.is_ready:
            self.window.item_images.set_message(key, state.message)

    def _item_state(self, item: str, state: ImageState) -> None:
        """The item's own state while its images are listed, or why they cannot be."""
        strip = self.window.item_images
        if not strip.keys():
            strip.set_placeholder(state.message)

    # -- the image actions ---------------------------------------------------------------------------

    def _image_action(self, what: str) -> None:
        if self.current is None or self.is_scan(self.current):
            return
        strip = self.window.item_images
        if what == "toggle":
            strip.toggle_mode()
        else:
            strip.step(1 if what == "next" else -1)

    # -- polling -------------------------------------------------------------------------------------

    def track_items(self, scans: Iterable[Scan]) -> None:
        """Put the queue's pending-able items (those of polled sources, still to review) on their
        source's schedule."""
        # A bare scan id (no ":") is Dyneti's: skipped without parsing (queues of a million).
        self.track_item_ids(s.scan_id for s in scans if s.state is ScanState.TO_REVIEW and ":" in s.scan_id)

    def track_item_ids(self, items: Iterable[str]) -> None:
        """`track_items` for the ids of items still to review."""
        sources = self.services.sources
        for item in items:
            if self.is_scan(item):
                continue
            source, item_id = sources.source_of(item)
            if source is None or not hasattr(source, "next_poll"):
                continue
            if source.poll_state(item_id) is None:
                source.track(item_id)
            self._polled.add(item)
            self._note_poll(item)

    def sources_added(self) -> None:
        """Sources configured after the queue was read (at start-up their credentials are read once
        the network part is up: docs/PERFORMANCE.md): their items still to review go on their
        schedule, and an item shown now is shown again, with its details and images."""
        model = self.model
        self.track_item_ids(
            i
            for i in self._queued_items
            if (scan := model.get(i)) is not None and scan.state is ScanState.TO_REVIEW
        )
        current = self.current
        if current is not None and not self.is_scan(current):
            self._details.pop(current, None)
            self.images.retry(current)
            self.show_scan(current)

    def stop_polling(self) -> None:
        """No more status requests (quitting: the HTTP client closes next)."""
        self._poll_timer.stop()
        self._polled.clear()
        self._item_pending = False

    def poll_items(self) -> None:
        """Ask each polled item whose next try is due (a few at a time); refresh the notes."""
        for item in sorted(self._polled):
            source, item_id = self.services.sources.source_of(item)
            if source is None:
                self._polled.discard(item)
                continue
            next_at = source.next_poll(item_id)
            if next_at is None:
                self._polled.discard(item)
            elif next_at <= _now(source) and item not in self._polls and len(self._polls) < MAX_POLLS:
                self._polls.add(item)
                self.spawn(self._poll(item))
            self._note_poll(item)
        if self.current is not None and self._item_pending:
            self.spawn(self._load_details(self.current, force=True))

    async def _poll(self, item: str) -> None:
        source, item_id = self.services.sources.source_of(item)
        try:
            if source is not None:
                await source.refresh_status(item_id)
        except SourceError as exc:
            log.info("%s: status not known: %s", item, exc)
            self.model.set_note(item, f"status not known: {exc}"[:160])
            return
        finally:
            self._polls.discard(item)
        self._note_poll(item)

    def _note_poll(self, item: str) -> None:
        """The list's note for a polled item: its status at the source, and when it is asked next."""
        source, item_id = self.services.sources.source_of(item)
        if source is None or not hasattr(source, "poll_state"):
            return
        state = source.poll_state(item_id)
        if state is None:
            return
        status = state.status or "not asked yet"
        next_at = source.next_poll(item_id)
        when = jumio_schedule.describe_next(next_at, _now(source))
        note = f"{status} · {when}" if next_at is not None else status
        self.model.set_note(item, note)


def _now(source: object) -> float:
    """The source's own clock (its schedule is reckoned on it), else the wall clock."""
    clock = getattr(source, "clock", None)
    return float(clock()) if callable(clock) else time.time()
