"""What the window does: navigation, images, actions, keys; with deciding, the session and delivery
mixed in from their own modules.

Everything slow is a task on the asyncio loop (qasync runs it on the Qt loop); nothing here
blocks the GUI thread. Decisions are committed to the outbox before they count as made.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QMessageBox

from reviewdesk.api.redact import redact
from reviewdesk.domain.keymap import Keymap
from reviewdesk.domain.scan import ScanState
from reviewdesk.gcpause import paused_gc, short_gil_turns
from reviewdesk.services import QueueRead, Services
from reviewdesk.store.rows import OutboxEntry
from reviewdesk.sync.status import DeliveryStatus
from reviewdesk.ui.actions import ActionRegistry
from reviewdesk.ui.controller_changes import HISTORY_SIZE, ChangesPart
from reviewdesk.ui.controller_decisions import DecisionsPart
from reviewdesk.ui.controller_delivery import DeliveryPart
from reviewdesk.ui.controller_items import ItemsPart
from reviewdesk.ui.controller_session import SessionPart
from reviewdesk.ui.image_service import ImageService, ImageState
from reviewdesk.ui.keymap_editor import KeymapEditor
from reviewdesk.ui.main_window import MENU_KEYS, MainWindow
from reviewdesk.ui.record import RecordFeatures
from reviewdesk.ui.sign_in import SignInDialog

if TYPE_CHECKING:  # (the importer and the outbox window are imported when first used)
    from reviewdesk.domain.importer import ImportResult
    from reviewdesk.ui.outbox_dialog import OutboxDialog

#: Scans per store transaction and table update while importing (~20-40 ms of GUI-thread work each).
IMPORT_CHUNK = 20_000
SHOW_CHUNK = 5_000  # rows of an import chunk added to the table at a time

log = logging.getLogger("reviewdesk.ui")


class ReviewController(DecisionsPart, SessionPart, DeliveryPart, ChangesPart, ItemsPart, QObject):
    """The window's mediator: navigation, images, actions and the key map here; deciding, the session,
    delivery, what changed and showing an item of any source in their own modules
    (ui/controller_decisions.py, ui/controller_session.py, ui/controller_delivery.py,
    ui/controller_changes.py, ui/controller_items.py), mixed in."""

    scan_shown = Signal(str)  # a scan became the current one
    image_shown = Signal(str)  # the current scan's image is painted
    decision_recorded = Signal(str, str)  # (scan id, shortcode), committed to the outbox
    signed_in = Signal(str)  # reviewer
    quit_ready = Signal()  # nothing holds the window open any more

    def __init__(self, window: MainWindow, services: Services, keymap: Keymap) -> None:
        super().__init__(window)
        self.window = window
        self.services = services
        self.keymap = keymap
        self.model = window.scan_list.model
        self.images = ImageService(
            services.sources,
            prefetch=services.settings.prefetch,
            cache_bytes=services.settings.cache_mb * 1024 * 1024,
            # Reviewer sessions get a bare 404 for "still uploading" and "missing" alike: keep
            # looking for about half a minute (1+2+4+8+16 s) before calling it missing.
            bare_404_checks=5,
            parent=self,
        )
        self.current: str | None = None
        self._shown_at = time.monotonic()
        self._tasks: set[asyncio.Future[Any]] = set()
        self._sign_in: SignInDialog | None = None
        self._keymap_editor: KeymapEditor | None = None
        self._outbox: OutboxDialog | None = None
        self._warned_expiry = False
        self._prompted_expiry = False
        self._renewing = False
        self._renew_after = 0.0  # no renewal attempt before this (monotonic), after a failure
        self._records: set[asyncio.Future[Any]] = set()  # decisions on their way to the outbox
        self._sign_in_task: asyncio.Future[Any] | None = None
        self.keyring_available: bool | None = None  # learnt once, off the GUI thread
        self._history_busy = False
        self._history_again = False
        self._recent: dict[int, OutboxEntry] = {}  # the history strip's decisions, by id
        self._recent_complete = False  # every decision there is is in _recent
        self._last_delivery: DeliveryStatus | None = None
        self._token_refused = False  # the server refused the token: the countdown says so, in red
        self._seen: set[str] = set()  # scans whose image was painted for the reviewer
        self._other_key_notices = 0  # bumped per "that key is another source's" notice
        self._confirm: tuple[str, str] | None = None  # (scan, shortcode) awaiting its second press
        self._confirm_keys = ""  # its keys as shown ("D B")
        self._not_durable: QMessageBox | None = None  # open while deciding is stopped (see below)
        self._wire()
        self.record = RecordFeatures(self)  # export, statistics, import shares, the privacy screen
        self._init_items()
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()

    # -- plumbing ----------------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Future[Any]:
        """Run `coro` on the loop; errors are shown, never lost."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("background task failed: %s", redact(repr(exc)))
            self.window.status.show_message(f"Error: {redact(str(exc))}", 15000)

    async def settle(self) -> None:
        """Wait for the tasks started so far (tests, and quitting)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _wire(self) -> None:
        w = self.window
        pane = w.decision_pane
        self.actions = ActionRegistry(self.keymap, self)
        self._register_actions()
        self.router = pane.install_shortcuts(w, self.keymap)
        self.router.escape_pressed.connect(self.escape)
        self.router.chord_changed.connect(self._chord_changed)
        self.router.foreign_key.connect(self.other_source_key)
        w.scan_list.search_left.connect(w.focus_review)
        pane.decision_requested.connect(self.decide)
        pane.action_triggered.connect(self.run_action)
        w.scan_list.scan_activated.connect(self.show_scan)
        w.scan_list.import_requested.connect(self.import_result)
        w.scan_list.files_chosen.connect(self.import_files)
        w.history.entry_activated.connect(self.show_scan)
        self.images.image_ready.connect(self._image_ready)
        self.images.state_changed.connect(self._image_state)
        self.images.auth_failed.connect(self._session_refused)
        w.image_view.resized.connect(self.images.set_view_size)  # previews of large JPEGs fit the pane
        w.import_action.triggered.connect(w.scan_list.open_import_dialog)
        w.paste_action.triggered.connect(w.scan_list.open_paste_dialog)
        w.queue_action.triggered.connect(self.open_outbox)
        w.status.delivery_clicked.connect(self.open_outbox)
        w.keymap_action.triggered.connect(self.edit_keymap)
        w.about_action.triggered.connect(self.about)
        w.quit_action.triggered.connect(w.close)
        w.close_requested.connect(self.request_quit)
        w.prefetch_action.toggled.connect(self._set_prefetch)
        w.tight_action.toggled.connect(self._set_tight)
        self.services.session.add_listener(self._session_changed)
        self.services.add_change_listener(self._apply)  # the one way the views learn what changed
        if self.services.worker is not None:
            self.services.worker.add_listener(self._delivery_changed)
            self._delivery_changed(self.services.worker.status)
        self._session_changed()

    # -- queue -------------------------------------------------------------------------------

    async def load(self, reading: Awaitable[QueueRead] | None = None) -> None:
        """Fill the list from the store and go back to where the reviewer was. `reading`: the
        queue's read already asked for (`Services.read_queue`; the start asks before this
        controller is made, and it runs while the window paints)."""
        # The history strip's read goes in right after the queue's: both back in one turn.
        recent = asyncio.ensure_future(self.services.recent(HISTORY_SIZE))
        try:
            read = await (reading if reading is not None else self.services.read_queue())
        except BaseException:
            recent.cancel()
            raise
        columns, position = read.columns, read.position
        # Columns, not a Scan per row: the table reads whole scans from the store a page at a time.
        self.window.scan_list.set_columns(columns, self.services.queue_pages().scans)
        # Items of polled sources (Jumio) go on their schedule (found on the store's thread).
        self._queued_items = read.items
        self.track_item_ids(self._queued_items)
        await self.refresh_history(recent)
        target = position if position and self.model.get(position) else None
        if target is None:
            target = self.model.next_to_review(None) or (columns.ids[0] if columns.ids else None)
        if target:
            self.show_scan(target)

    def import_result(self, result: ImportResult) -> None:
        self.spawn(self._import(result))

    def import_files(self, paths: list[Path]) -> None:
        """Dropped or named files: parsed off the GUI thread (100,000 rows take a second)."""
        self.spawn(self._import_files(list(paths)))

    async def _import_files(self, paths: list[Path]) -> None:
        from reviewdesk.heap import map_big_blocks

        map_big_blocks()  # a big file's parts freed as the queue grows: no holes left (heap.py)
        summaries = []
        # ~300,000 surviving objects for 100,000 rows: no heap walks meanwhile; the parser thread
        # gives the GIL back to the window within 1 ms (gcpause.py)
        with paused_gc(), short_gil_turns():
            for path in paths:
                summary = await self._import_file(path)
                summaries.append((f"{path.name}: " if len(paths) > 1 else "") + summary)
        self.window.scan_list.show_summary("  |  ".join(summaries))

    async def _import_file(self, path: Path) -> str:
        """One file, parsed off the GUI thread a part at a time (`parse_file_parts`: a big CSV file
        whole held ~600 MB, docs/PERFORMANCE.md) and imported part by part; the summary is the
        whole file's (an id repeated in a later part is a duplicate merged, as in one part).
        Returns the summary."""
        from reviewdesk.domain.importer import ImportFailed, ImportResult, parse_file_parts

        loop = asyncio.get_running_loop()
        parts = parse_file_parts(path)
        seen: set[str] = set()  # ids of the earlier parts
        scans = duplicates = added = merged = queued = 0  # (queued: this reviewer's share of scans)
        problems: list[Any] = []
        share = ""
        while True:
            try:
                part = await loop.run_in_executor(None, next, parts, None)
            except ImportFailed as exc:
                part = ImportResult.failed(str(path), str(exc))
            if part is None:
                break  # (parse_file_parts gives one part at least, or raises)
            again = {s.scan_id for s in part.scans if s.scan_id in seen} if seen else set()
            seen.update(s.scan_id for s in part.scans)
            scans += len(part.scans) - len(again)
            duplicates += part.duplicates + len(again)
            problems += part.problems
            counts = await self._import_scans(part, again)
            if counts is not None:
                part_added, part_merged, share, kept, kept_again = counts
                # (an id of an earlier part counts as a duplicate merged, not as one already there)
                added, merged = added + part_added, merged + part_merged - kept_again
                queued += kept - kept_again
            await self._let_go(part)
            if part.problems and part.problems[0].line == 0:
                break  # the file could not be read at all
        whole = ImportResult(
            scans=[], problems=problems, source=str(path), duplicates=duplicates, count=scans
        )
        if scans:
            await self._finish_import(replace(whole, count=queued), added, merged, share)
        else:
            self.window.status.show_message(whole.summary(), 15000)
        return whole.summary()

    @staticmethod
    async def _let_go(result: ImportResult) -> None:
        """Free a parsed file's scans SHOW_CHUNK at a time, the loop turning in between (on this
        thread: freeing them in a worker thread made every table paint wait for the GIL)."""
        while not result.release(SHOW_CHUNK):
            await asyncio.sleep(0)

    async def _import(self, result: ImportResult) -> None:
        """Pasted ids (or any parsed whole): queued, then audited and said."""
        if not result.scans:
            self.window.status.show_message(result.summary(), 15000)
            return
        counts = await self._import_scans(result, set())
        if counts is not None:
            added, merged, share, kept, _ = counts
            await self._finish_import(replace(result, count=kept), added, merged, share)

    async def _import_scans(
        self, result: ImportResult, again: set[str]
    ) -> tuple[int, int, str, int, int] | None:
        """Queue the scans of `result` (this reviewer's share of them): None when there are none,
        else (added, merged, the share, how many were queued, how many of those are in `again`)."""
        if not result.scans:
            return None
        result, share = self.record.apply_share(result)
        added = merged = 0
        with paused_gc():
            # In chunks, in file order: each is committed, then shown, while the loop goes on (the
            # GUI thread never holds 1,000,000 rows' worth of work at once; docs/PERFORMANCE.md).
            for at in range(0, len(result.scans), IMPORT_CHUNK):
                chunk = result.scans[at : at + IMPORT_CHUNK]
                summary = await self.services.import_scans(replace(result, scans=chunk), audit=False)
                added, merged = added + summary.added, merged + summary.merged
                # The model merges facts into scans it has and keeps their state; new ones are to review.
                # A part at a time, the loop turning in between: 20,000 rows into the table at once
                # held the GUI thread 100-150 ms under load (docs/PERFORMANCE.md).
                for part_at in range(0, len(chunk), SHOW_CHUNK):
                    if part_at:
                        await asyncio.sleep(0)
                    part = chunk[part_at : part_at + SHOW_CHUNK]
                    self.window.scan_list.add_scans(part)
                    self.track_items(part)
                if self.current is None:  # the first scan can be reviewed while the rest comes in
                    first = self.model.next_to_review(None)
                    if first:
                        self.show_scan(first)
        kept_again = sum(1 for s in result.scans if s.scan_id in again) if again else 0
        return added, merged, share, len(result.scans), kept_again

    async def _finish_import(self, result: ImportResult, added: int, merged: int, share: str) -> None:
        await self.services.audit_import(result, added, merged, share=share)
        self.window.status.show_message(
            f"Queued {added} new scans, {merged} already there"
            f"{f' (share {share})' if share else ''}. {result.summary()}",
            15000,
        )
        if self.current is not None:
            self.images.show(self.current, self._upcoming(self.current))

    # -- navigation --------------------------------------------------------------------------

    def _upcoming(self, scan_id: str) -> list[str]:
        return self.model.upcoming(scan_id, max(self.images.depth, 1))

    def show_scan(self, scan_id: str, *, paint_now: bool = False, skip: str | None = None) -> None:
        """Make `scan_id` the current scan. `paint_now` paints the image pane within this call,
        before the table is touched (see `decide`); `skip` is left out of the prefetch."""
        scan = self.model.get(scan_id)
        if scan is None:
            return
        changed = scan_id != self.current
        self.current = scan_id
        if changed:
            self._shown_at = time.monotonic()
            self._clear_confirm()
        w = self.window
        w.show_scan_title(scan_id, self.model.counts().get(ScanState.TO_REVIEW))
        w.decision_pane.set_scan(scan)
        if self.is_scan(scan_id):
            w.show_item_view(False)
            w.show_facts(scan)
            w.image_view.set_hint("")
        else:
            w.show_item_facts(self.item_label(scan_id))
            self._show_item(scan)
        self.images.show(scan_id, [s for s in self._upcoming(scan_id) if s != skip])
        if paint_now:
            # A synchronous repaint paints every dirty widget of the window: done before the table
            # is touched, it paints the pane, the facts and the image, and nothing else.
            w.image_view.repaint()
        w.scan_list.select(scan_id)
        if changed:
            self.spawn(self.services.set_position(scan_id))
            self.scan_shown.emit(scan_id)

    def move(self, step: int) -> None:
        if self.current is None:
            return
        row = self.model.row_of(self.current)
        if row is None:
            return
        proxy = self.window.scan_list.proxy
        rows = proxy.source_rows()
        try:
            at = rows.index(row)
        except ValueError:
            at = -1 if step > 0 else len(rows)
        target = at + step
        if 0 <= target < len(rows):
            self.show_scan(self.model.scan_at(rows[target]).scan_id)

    def _set_prefetch(self, on: bool) -> None:
        self.images.set_prefetch(self.services.settings.prefetch if on else 0)
        if on and self.current is not None:  # the next scans were asked for with prefetch off
            self.images.show(self.current, self._upcoming(self.current))

    def _image_ready(self, scan_id: str, image: QImage) -> None:
        if scan_id != self.current:
            return
        if self.is_scan(scan_id):
            self.window.image_view.set_image(image)
        self._seen.add(scan_id)
        self.image_shown.emit(scan_id)

    def _image_state(self, scan_id: str, state: ImageState) -> None:
        if scan_id != self.current or state.is_ready:
            return
        if not self.is_scan(scan_id):
            self._item_state(scan_id, state)
            return
        view = self.window.image_view
        view.set_state(state)
        key = self.keymap.key_for
        hints = {
            "not_found": f"No image for this scan: press {key('no_action_no_image_available')} for "
            "no_action_no_image_available",
            "error": f"Press {key('retry_image')} to try again",
            "too_large": "The image is too large to show safely; decide from the card facts or skip it",
            "uploading": "Checking again with backoff. If no image ever comes, press "
            f"{key('no_action_no_image_available')} for no_action_no_image_available",
            "checking": "No image yet, and the server does not say why: looking again. If none comes, press "
            f"{key('no_action_no_image_available')} for no_action_no_image_available",
            "retrying": f"Tried again by itself; {key('retry_image')} tries at once",
        }
        view.set_hint(hints.get(state.kind, ""))

    # -- actions -----------------------------------------------------------------------------

    def run_action(self, name: str) -> None:
        self.actions.trigger(name)

    def _register_actions(self) -> None:
        """Every keymap action's handler, and its menu entry where it has one (ui/actions.py)."""
        w, pane, view = self.window, self.window.decision_pane, self.window.image_view
        entries: list[tuple[str, Callable[[], object], QAction | None]] = [
            ("zoom_in", view.zoom_in, None),
            ("zoom_out", view.zoom_out, None),
            ("fit", view.fit, None),
            ("actual_size", view.actual_size, None),
            ("rotate", view.rotate, None),
            ("next_image", lambda: self._image_action("next"), None),
            ("previous_image", lambda: self._image_action("previous"), None),
            ("toggle_side_by_side", lambda: self._image_action("toggle"), None),
            ("next_scan", lambda: self.move(1), None),
            ("previous_scan", lambda: self.move(-1), None),
            ("undo", self.undo, w.undo_action),
            ("cheat_sheet", pane.toggle_cheat_sheet, w.keys_action),
            ("focus_note", pane.focus_note, w.note_action),
            ("focus_search", w.scan_list.focus_search, w.find_action),
            ("focus_history", self.focus_history, w.history_action),
            ("sign_in", lambda: self.prompt_sign_in(""), w.sign_in_action),
            ("retry_image", lambda: self.current and self.images.retry(self.current), None),
            ("tight_crop", w.tight_action.toggle, None),
        ]
        for name, handler, menu in entries:
            self.actions.add(name, handler, menu)

    def _set_tight(self, on: bool) -> None:
        if on and not self.services.session.is_admin:
            self.window.tight_action.setChecked(False)
            self.window.status.show_message("Tight crops need an admin session.")
            return
        self.images.set_tight(on)
        if self.current:
            self.images.show(self.current, self._upcoming(self.current))

    # -- misc --------------------------------------------------------------------------------

    def edit_keymap(self) -> KeymapEditor:
        """The in-app key editor (press the new key; clashes shown live; saved keys apply at once)."""
        if self._keymap_editor is not None and self._keymap_editor.isVisible():
            self._keymap_editor.raise_()
            self._keymap_editor.activateWindow()
            return self._keymap_editor
        editor = KeymapEditor(self.keymap, self.services.paths.keymap_file, self.window, reserved=MENU_KEYS)
        editor.keymap_saved.connect(self.apply_keymap)
        editor.finished.connect(lambda _=0: self.window.focus_review())
        self._keymap_editor = editor
        editor.show()
        return editor

    def apply_keymap(self, keymap: Keymap) -> None:
        self.keymap = keymap
        self.actions.set_keymap(keymap)
        self.window.decision_pane.set_keymap(keymap)
        self.window.set_keymap(keymap)
        self.window.notices.clear("keymap")
        self.window.status.show_message("New keys saved and in use.", 8000)

    def about(self) -> None:
        from reviewdesk import __version__

        box = QMessageBox(self.window)
        box.setWindowTitle("About ReviewDesk")
        box.setText(f"ReviewDesk {__version__}\nReview Dyneti blackout images and send feedback shortcodes.")
        box.open()
