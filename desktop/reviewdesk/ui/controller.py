"""What the window does: navigation, decisions, undo, images, sign-in and delivery status.

Everything slow is a task on the asyncio loop (qasync runs it on the Qt loop); nothing here
blocks the GUI thread. Decisions are committed to the outbox before they count as made.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from reviewdesk import keychain
from reviewdesk.api.errors import AuthError, ReviewDeskError
from reviewdesk.api.redact import redact
from reviewdesk.domain.importer import ImportFailed, ImportResult, parse_file
from reviewdesk.domain.keymap import Keymap, display_keys
from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.domain.shortcodes import needs_image
from reviewdesk.gcpause import paused_gc
from reviewdesk.services import Services
from reviewdesk.session import SignInRequest
from reviewdesk.store.store import OutboxEntry, OutboxStatus
from reviewdesk.sync.worker import DeliveryStatus
from reviewdesk.ui.history_strip import HistoryEntry
from reviewdesk.ui.image_service import ImageService, ImageState
from reviewdesk.ui.keymap_editor import KeymapEditor
from reviewdesk.ui.main_window import MainWindow
from reviewdesk.ui.outbox_dialog import OutboxDialog
from reviewdesk.ui.sign_in import SignInDialog

log = logging.getLogger("reviewdesk.ui")

HISTORY_SIZE = 10


class ReviewController(QObject):
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
            services.session.image_resolver,
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
        self._history: list[OutboxEntry] = []
        self._last_delivery: DeliveryStatus | None = None
        self._token_refused = False  # the server refused the token: the countdown says so, in red
        self._undelivered: set[str] = set()  # scans whose row may still change to sent / failed
        self._seen: set[str] = set()  # scans whose image was painted for the reviewer
        self._confirm: tuple[str, str] | None = None  # (scan, shortcode) awaiting its second press
        self._not_durable: QMessageBox | None = None  # open while deciding is stopped (see below)
        self._wire()
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
        self.router = pane.install_shortcuts(w, self.keymap)
        self.router.escape_pressed.connect(self.escape)
        self.router.chord_changed.connect(lambda _first: self._clear_confirm())
        w.find_action.triggered.connect(w.scan_list.focus_search)
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
        w.sign_in_action.triggered.connect(lambda: self.prompt_sign_in(""))
        w.queue_action.triggered.connect(self.open_outbox)
        w.status.delivery_clicked.connect(self.open_outbox)
        w.keys_action.triggered.connect(pane.toggle_cheat_sheet)
        w.keymap_action.triggered.connect(self.edit_keymap)
        w.about_action.triggered.connect(self.about)
        w.quit_action.triggered.connect(w.close)
        w.close_requested.connect(self.request_quit)
        w.prefetch_action.toggled.connect(
            lambda on: self.images.set_prefetch(self.services.settings.prefetch if on else 0)
        )
        w.tight_action.toggled.connect(self._set_tight)
        self.services.session.add_listener(self._session_changed)
        if self.services.worker is not None:
            self.services.worker.add_listener(self._delivery_changed)
            self._delivery_changed(self.services.worker.status)
        self._session_changed()

    # -- queue -------------------------------------------------------------------------------

    async def load(self) -> None:
        """Fill the list from the store and go back to where the reviewer was."""
        scans, position = await self.services.load_queue()
        self.window.scan_list.set_scans(scans)
        self._undelivered = {s.scan_id for s in scans if s.state in (ScanState.DECIDED, ScanState.FAILED)}
        await self.refresh_history()
        target = position if position and self.model.get(position) else None
        if target is None:
            target = self.model.next_to_review(None) or (scans[0].scan_id if scans else None)
        if target:
            self.show_scan(target)

    def import_result(self, result: ImportResult) -> None:
        self.spawn(self._import(result))

    def import_files(self, paths: list[Path]) -> None:
        """Dropped or named files: parsed off the GUI thread (100,000 rows take a second)."""
        self.spawn(self._import_files(list(paths)))

    async def _import_files(self, paths: list[Path]) -> None:
        loop = asyncio.get_running_loop()
        summaries = []
        with paused_gc():  # ~300,000 surviving objects for 100,000 rows: no heap walks meanwhile
            for path in paths:
                try:
                    result = await loop.run_in_executor(None, parse_file, path)
                except ImportFailed as exc:
                    result = ImportResult.failed(str(path), str(exc))
                summaries.append((f"{path.name}: " if len(paths) > 1 else "") + result.summary())
                await self._import(result)
        self.window.scan_list.show_summary("  |  ".join(summaries))

    async def _import(self, result: ImportResult) -> None:
        if not result.scans:
            self.window.status.show_message(result.summary(), 15000)
            return
        with paused_gc():
            summary = await self.services.import_scans(result)
            # The model merges facts into scans it has and keeps their state; new ones are to review.
            self.window.scan_list.add_scans(result.scans)
        self.window.status.show_message(
            f"Queued {summary.added} new scans, {summary.merged} already there. {result.summary()}", 15000
        )
        if self.current is None:
            first = self.model.next_to_review(None)
            if first:
                self.show_scan(first)
        else:
            self.images.show(self.current, self._upcoming(self.current))

    # -- navigation --------------------------------------------------------------------------

    def _upcoming(self, scan_id: str) -> list[str]:
        return self.model.upcoming(scan_id, max(self.images.prefetch, 1))

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
        w.show_facts(scan)
        w.image_view.set_hint("")
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

    def _image_ready(self, scan_id: str, image: QImage) -> None:
        if scan_id != self.current:
            return
        self.window.image_view.set_image(image)
        self._seen.add(scan_id)
        self.image_shown.emit(scan_id)

    def _image_state(self, scan_id: str, state: ImageState) -> None:
        if scan_id != self.current or state.is_ready:
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

    # -- decisions ---------------------------------------------------------------------------

    def decide(self, shortcode: str, note: str = "") -> None:
        """One keystroke: record, show it at once, and move on to the next scan to review."""
        if self.current is None:
            return
        if self._not_durable is not None:  # a decision could not be saved: nothing moves on
            self._not_durable.raise_()
            self._not_durable.activateWindow()
            return
        scan = self.model.get(self.current)
        if scan is None:
            return
        if not self._confirmed(scan.scan_id, shortcode):
            return
        seconds = time.monotonic() - self._shown_at
        # Shown at once so the reviewer never waits; the outbox commit follows within milliseconds.
        # The next scan's image is painted first, within this keystroke; the decided row and the
        # table's selection follow in the next ordinary frame.
        decided = scan.with_(state=ScanState.DECIDED, shortcode=shortcode, note=note)
        nxt = self.model.next_to_review(scan.scan_id)  # the decided scan still counts as to review
        if nxt and nxt != scan.scan_id:
            self.show_scan(nxt, paint_now=True, skip=scan.scan_id)
            self.model.update_scan(decided)
        else:
            self.model.update_scan(decided)
            self.show_scan(scan.scan_id)
            self.window.status.show_message("All scans in the queue are reviewed.", 10000)
        record = self.spawn(self._record(scan, shortcode, note, seconds))
        self._records.add(record)
        record.add_done_callback(self._records.discard)

    def _confirmed(self, scan_id: str, shortcode: str) -> bool:
        """Approving or denying a card nobody saw takes a second press of the same key; `X` (no image)
        and the other no-action reasons stay one key."""
        if scan_id in self._seen or not needs_image(shortcode):
            self._clear_confirm()
            return True
        if self._confirm == (scan_id, shortcode):
            self._clear_confirm()
            return True
        self._confirm = (scan_id, shortcode)
        keys = self.keymap.key_for(shortcode)
        shown = display_keys(keys) if keys else shortcode
        verb = "approve" if shortcode == "approved" else "deny"
        self.window.notices.show_notice(
            "confirm",
            f"The image of this scan was not shown. Press {shown} again to {verb} it anyway, "
            "or Esc to go on looking.",
            level="warn",
        )
        return False

    def _clear_confirm(self) -> None:
        if self._confirm is not None:
            self._confirm = None
            self.window.notices.clear("confirm")

    def escape(self) -> None:
        """Esc with nothing else to cancel: drop a pending confirmation and go back to reviewing."""
        self._clear_confirm()
        self.window.focus_review()

    def focus_history(self) -> None:
        if not self.window.history.focus_first():
            self.window.status.show_message("No decisions yet.")

    async def _record(self, scan: Scan, shortcode: str, note: str, seconds: float) -> None:
        try:
            decided = await self.services.decide(scan, shortcode, note=note, seconds_on_scan=seconds)
        except Exception as exc:
            self.stop_deciding_not_recorded(scan, shortcode, exc)
            return
        self.model.update_scan(decided.scan)
        self._undelivered.add(scan.scan_id)
        if self.current == scan.scan_id:
            self.window.decision_pane.set_scan(decided.scan)
        self.decision_recorded.emit(scan.scan_id, shortcode)
        await self.refresh_history()

    def stop_deciding_not_recorded(self, scan: Scan, shortcode: str, exc: Exception) -> None:
        """A decision could not be made durable (the disk is full, …): its row goes back as it
        was, the window goes back to that scan, and no key decides until the reviewer has read
        why, in a dialog that takes the focus. Decisions keyed just after it that fail too are
        counted in the same dialog."""
        self.model.update_scan(scan)  # back as it was: the decision was NOT recorded
        reason = redact(str(exc)) or type(exc).__name__
        log.error("a decision for scan %s was not recorded: %s", scan.scan_id, reason)
        box = self._not_durable
        if box is not None:  # (plain text, like the rest of the box: scan ids are outside text)
            box.setText(f"{box.text()}\n{shortcode} for {scan.scan_id} was not saved either.")
            return
        self.show_scan(scan.scan_id)
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("Decision not saved")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(
            f"The decision {shortcode} for scan {scan.scan_id} could not be saved, so it was not made.\n\n"
            f"Why: {reason}.\n\nReviewDesk stays on this scan and takes no decision until you close "
            "this message. Fix the cause (e.g. free disk space), then decide the scan again.\n"
        )
        box.finished.connect(self._resume_deciding)
        self._not_durable = box
        box.open()
        box.raise_()
        box.activateWindow()

    def _resume_deciding(self, _: int = 0) -> None:
        box, self._not_durable = self._not_durable, None
        if box is not None:
            box.deleteLater()
        self.window.focus_review()

    def undo(self) -> None:
        self.spawn(self._undo())

    async def _undo(self) -> None:
        await self.settle_records()
        history = await self.services.recent(1)
        if not history:
            self.window.status.show_message("Nothing to undo.")
            return
        entry = history[0]
        if entry.status in (OutboxStatus.DELIVERED, OutboxStatus.IN_FLIGHT):
            self.show_scan(entry.scan_id)
            self.window.status.show_message(
                f"{entry.scan_id} was already sent as {entry.shortcode}: press a key to send a new decision."
            )
            return
        scan = await self.services.undo(entry.id)
        if scan is not None:
            self.model.update_scan(scan)
        self.show_scan(entry.scan_id)
        self.window.status.show_message(f"Undid {entry.shortcode} on {entry.scan_id}.")
        await self.refresh_history()

    async def settle_records(self) -> None:
        """Let decisions already keyed reach the outbox (only those: a slow sign-in or import
        must not hold undo back while the undo window runs out)."""
        pending = [t for t in self._records if not t.done()]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def refresh_history(self) -> None:
        """Re-read the history strip; calls that overlap are folded into one more read."""
        if self._history_busy:
            self._history_again = True
            return
        self._history_busy = True
        try:
            while True:
                self._history_again = False
                await self._read_history()
                if not self._history_again:
                    break
        finally:
            self._history_busy = False

    async def _read_history(self) -> None:
        entries = await self.services.recent(HISTORY_SIZE)
        now = time.time()

        def label(e: OutboxEntry) -> str:
            if e.status is OutboxStatus.DELIVERED:
                return "sent"
            if e.status is OutboxStatus.FAILED:
                return "failed"
            return "held" if e.held(now) else "queued"

        self.window.history.set_entries(
            [
                HistoryEntry(e.scan_id, e.shortcode, label(e), e.annotation_info.get("decidedAt"))
                for e in entries
            ]
        )
        self._history = entries

    # -- actions -----------------------------------------------------------------------------

    def run_action(self, name: str) -> None:
        view = self.window.image_view
        simple = {
            "zoom_in": view.zoom_in,
            "zoom_out": view.zoom_out,
            "fit": view.fit,
            "actual_size": view.actual_size,
            "rotate": view.rotate,
            "next_scan": lambda: self.move(1),
            "previous_scan": lambda: self.move(-1),
            "undo": self.undo,
            "cheat_sheet": self.window.decision_pane.toggle_cheat_sheet,
            "focus_note": self.window.decision_pane.focus_note,
            "focus_search": self.window.scan_list.focus_search,
            "focus_history": self.focus_history,
            "sign_in": lambda: self.prompt_sign_in(""),
            "retry_image": lambda: self.current and self.images.retry(self.current),
            "tight_crop": lambda: self.window.tight_action.toggle(),
        }
        handler = simple.get(name)
        if handler is not None:
            handler()

    def _set_tight(self, on: bool) -> None:
        if on and not self.services.session.is_admin:
            self.window.tight_action.setChecked(False)
            self.window.status.show_message("Tight crops need an admin session.")
            return
        self.images.set_tight(on)
        if self.current:
            self.images.show(self.current, self._upcoming(self.current))

    # -- session -----------------------------------------------------------------------------

    def _session_notice(self, text: str, *, level: str) -> None:
        """A banner naming the sign-in key; never a dialog that opens by itself and takes the keys."""
        keys = self.keymap.key_for("sign_in")
        shown = display_keys(keys) if keys else "File → Sign in"
        self.window.notices.show_notice(
            "session",
            f"{text} Press {shown} to sign in again.",
            level=level,
            action=f"Sign in ({shown})",
            callback=lambda: self.prompt_sign_in(""),
        )

    def _session_refused(self, message: str) -> None:
        self._note_refused()
        self._session_notice(redact(message), level="bad")

    def _note_refused(self) -> None:
        """The server refused a token our clock still counts down: the countdown must not say fine."""
        self._token_refused = (self.services.session.seconds_left() or 0.0) > 0
        self._tick()

    def _session_changed(self) -> None:
        self._token_refused = False
        session = self.services.session
        left = session.seconds_left()
        if session.signed_in and (left is None or left > 0):
            self.window.notices.clear("session")
        self.window.status.set_who(session.reviewer, session.is_admin)
        self.window.tight_action.setEnabled(session.is_admin)
        self._warned_expiry = False
        self._prompted_expiry = False
        self._renew_after = 0.0
        self._tick()

    def _tick(self) -> None:
        session = self.services.session
        level = self.window.status.set_countdown(session.seconds_left(), refused=self._token_refused)
        left = session.seconds_left()
        if self._token_refused:
            return  # the sign-in prompt is open or was declined: nothing to renew or warn about
        if session.is_admin and left is not None and left > 0:
            due = left <= session.renew_margin() and time.monotonic() >= self._renew_after
            if due and not self._renewing:
                self._renewing = True
                self.spawn(self._renew())
            return
        if level == "warn" and not self._warned_expiry:
            self._warned_expiry = True
            self._session_notice(
                "Your reviewer token expires in less than 5 minutes: get a new one from your admin.",
                level="warn",
            )
        if level == "bad" and session.signed_in and not self._prompted_expiry:
            self._prompted_expiry = True  # once per token
            expired = (
                "The reviewer token of this admin session expired and could not be renewed with the "
                "admin key."
                if session.is_admin
                else "Your reviewer token has expired."
            )
            self._session_notice(
                f"{expired} Decisions you make now wait in the outbox; nothing is lost.", level="bad"
            )

    async def _renew(self) -> None:
        try:
            if await self.services.session.renew_if_due():
                self.window.status.show_message("Reviewer token renewed.")
            self._renew_after = 0.0
        except ReviewDeskError as exc:
            self._renew_after = time.monotonic() + 30.0  # not every second while the server says no
            self.window.status.show_message(f"Could not renew the reviewer token: {redact(str(exc))}", 20000)
            if isinstance(exc, AuthError):
                self._session_notice(
                    f"The admin key was refused while renewing the token: {redact(str(exc))}", level="bad"
                )
        finally:
            self._renewing = False

    async def learn_keyring(self, probe: asyncio.Future[str | None] | None = None) -> None:
        """Whether the OS keyring works, asked once in a worker thread (it may talk D-Bus; importing
        keyring alone takes ~100 ms): `probe` is that question already asked, e.g. at start-up."""
        if probe is None:
            probe = asyncio.get_running_loop().run_in_executor(None, keychain.backend_name)
        name = await probe
        self.keyring_available = name is not None
        if self._sign_in is not None:
            self._sign_in.set_keyring_available(self.keyring_available)

    def prompt_sign_in(self, reason: str = "") -> SignInDialog:
        if self._sign_in is not None:
            self._sign_in.raise_()
            self._sign_in.activateWindow()
            return self._sign_in
        settings = self.services.settings
        dialog = SignInDialog(
            self.window,
            base_url=self.services.session.base_url or settings.base_url,
            reviewer_name=settings.reviewer_name,
            mode=settings.sign_in_mode,
            keyring_available=self.keyring_available is not False,  # unknown yet: assumed, then told
            reason=reason,
        )
        dialog.sign_in_requested.connect(lambda request: self._start_sign_in(dialog, request))
        dialog.finished.connect(lambda _=0: self._sign_in_closed(dialog))
        self._sign_in = dialog
        # Not modal: while a new token is fetched the reviewer may go on deciding (decisions
        # queue in the outbox). Never exec(): a nested loop would break qasync.
        dialog.setModal(False)
        dialog.show()
        dialog.raise_()
        # Only ever opened on purpose (the sign-in key, the menu, the banner's button, a cold start
        # with no credential): then it takes the keyboard, even where no window manager gives it.
        dialog.activateWindow()
        return dialog

    def raise_sign_in(self) -> None:
        """Keep an open sign-in dialog above the window and holding the keyboard."""
        if self._sign_in is not None:
            self._sign_in.raise_()
            self._sign_in.activateWindow()

    def dismiss_sign_in(self) -> None:
        """Close the sign-in prompt if it is open, as if the reviewer had cancelled it."""
        if self._sign_in is not None:
            self._sign_in.reject()

    def _start_sign_in(self, dialog: SignInDialog, request: SignInRequest) -> None:
        self._sign_in_task = self.spawn(self._do_sign_in(dialog, request))

    def _sign_in_closed(self, dialog: SignInDialog) -> None:
        dialog.clear_secrets()
        self.window.focus_review()  # the keys go back to deciding, not to wherever Qt puts them
        if self._sign_in is dialog:
            self._sign_in = None
            task, self._sign_in_task = self._sign_in_task, None
            if task is not None and not task.done():
                task.cancel()  # closed while signing in: the reviewer changed their mind
        dialog.deleteLater()

    async def _do_sign_in(self, dialog: SignInDialog, request: SignInRequest) -> None:
        try:
            result = await self.services.session.sign_in(request)
        except ReviewDeskError as exc:
            if self._sign_in is dialog:
                dialog.show_error(redact(str(exc)))
            return
        except Exception as exc:  # never leave the dialog stuck on "Signing in…"
            log.error("sign-in failed: %s", redact(repr(exc)))
            if self._sign_in is dialog:
                dialog.show_error(f"Sign-in failed unexpectedly ({type(exc).__name__}); see the log.")
            return
        settings = self.services.settings
        settings.base_url = self.services.session.base_url or request.base_url
        settings.sign_in_mode = "admin" if result.is_admin else "token"
        if request.reviewer_name:
            settings.reviewer_name = request.reviewer_name
        settings.save(self.services.paths.settings_file)
        if self._sign_in is dialog:
            dialog.accept()
        note = "" if result.stored_in_keyring else f" ({result.keyring_message})"
        self.window.status.show_message(f"Signed in as {result.reviewer}{note}.", 15000)
        self.after_sign_in()

    def after_sign_in(self) -> None:
        self.signed_in.emit(self.services.session.reviewer)
        if self.current:
            self.images.retry(self.current)
            self.images.show(self.current, self._upcoming(self.current))

    # -- delivery ----------------------------------------------------------------------------

    def _delivery_changed(self, status: DeliveryStatus) -> None:
        self.window.status.set_delivery(status)
        previous, self._last_delivery = self._last_delivery, status
        newly_paused = status.state == "paused" and (previous is None or previous.state != "paused")
        if newly_paused and self.services.session.signed_in:
            self._session_refused(
                "The server refused the reviewer token while sending decisions. Nothing is lost; "
                "delivery resumes by itself after you sign in."
            )
        lines = status.elsewhere_lines()
        if lines and (previous is None or previous.elsewhere_lines() != lines):
            # e.g. "12 decisions for ana on https://…: sign in as ana on https://… to send them"
            more = f" (and {len(lines) - 1} more: see the Outbox)" if len(lines) > 1 else ""
            self.window.status.show_message(lines[0] + more, 30000)
        if previous is None or (previous.queued, previous.failed) != (status.queued, status.failed):
            self.spawn(self._sync_rows())

    async def _sync_rows(self) -> None:
        """Bring the rows of decisions not yet delivered up to date (sent / failed)."""
        await self.refresh_history()
        for scan_id in list(self._undelivered):
            scan = await self.services.get_scan(scan_id)
            if scan is None:
                self._undelivered.discard(scan_id)
                continue
            if self.model.get(scan_id) != scan:
                self.model.update_scan(scan)
            if scan.state in (ScanState.SENT, ScanState.TO_REVIEW):
                self._undelivered.discard(scan_id)
        if self._outbox is not None:
            await self._outbox.refresh()

    def open_outbox(self) -> None:
        if self._outbox is None:
            self._outbox = OutboxDialog(self.services, self.spawn, self.window)
            self._outbox.scan_requested.connect(self.show_scan)
        self._outbox.show()
        self._outbox.raise_()
        self.spawn(self._outbox.refresh())

    # -- misc --------------------------------------------------------------------------------

    def edit_keymap(self) -> KeymapEditor:
        """The in-app key editor (press the new key; clashes shown live; saved keys apply at once)."""
        if self._keymap_editor is not None and self._keymap_editor.isVisible():
            self._keymap_editor.raise_()
            self._keymap_editor.activateWindow()
            return self._keymap_editor
        editor = KeymapEditor(self.keymap, self.services.paths.keymap_file, self.window)
        editor.keymap_saved.connect(self.apply_keymap)
        editor.finished.connect(lambda _=0: self.window.focus_review())
        self._keymap_editor = editor
        editor.show()
        return editor

    def apply_keymap(self, keymap: Keymap) -> None:
        self.keymap = keymap
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

    def request_quit(self) -> None:
        self.spawn(self._request_quit())

    async def _request_quit(self) -> None:
        await self.settle_records()  # a key pressed just before quitting counts
        queued = await self.services.queued()
        if not queued:
            self._quit()
            return
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Decisions not yet sent")
        box.setText(
            f"{queued} decision(s) are not yet delivered. They are safe on this computer and are sent the "
            "next time ReviewDesk starts."
        )
        wait = box.addButton("Wait for delivery", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Quit now", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)

        def chosen(_: int) -> None:
            clicked = box.clickedButton()
            if clicked is wait:
                self.spawn(self._wait_then_quit())
            elif box.buttonRole(clicked) == QMessageBox.ButtonRole.DestructiveRole:
                self._quit()

        box.finished.connect(chosen)
        box.open()

    async def _wait_then_quit(self) -> None:
        self.window.status.show_message("Sending the queued decisions…", 60000)
        worker = self.services.worker
        if worker is not None:
            await worker.drain(timeout=60)
        left = await self.services.queued()
        if left:
            print(f"reviewdesk: {left} decision(s) could not be sent now; they go out at the next start")
            log.warning("quitting with %d decision(s) queued; they are sent at the next start", left)
        self._quit()

    def _quit(self) -> None:
        self.window.allow_close()
        self.window.close()
        self.quit_ready.emit()
