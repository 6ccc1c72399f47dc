"""Deciding: one key records, the window moves on; undo; the history strip.

A mixin of `ReviewController`: its state is set up in the controller's __init__.
"""

from __future__ import annotations

import asyncio
import logging
import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from reviewdesk.api.redact import redact
from reviewdesk.domain.keymap import display_keys
from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.domain.shortcodes import needs_image
from reviewdesk.store.store import OutboxEntry, OutboxStatus
from reviewdesk.ui.history_strip import HistoryEntry

log = logging.getLogger("reviewdesk.ui")

HISTORY_SIZE = 10


class DecisionsPart:
    """A part of `ReviewController` (ui/controller.py); see the module's docstring."""

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
        # Time on the item; the privacy screen moves `_shown_at` on by the idle time it covered.
        seconds = max(0.0, time.monotonic() - self._shown_at)
        shown = self.shown_state(scan.scan_id)  # for the audit trail, before the next scan shows
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
        record = self.spawn(self._record(scan, shortcode, note, seconds, shown))
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

    def shown_state(self, scan_id: str) -> dict[str, object]:
        """What the reviewer saw of the scan (docs/AUDIT.md): the image or not, zoom, rotation, crop."""
        view = self.window.image_view
        return {
            "image": scan_id in self._seen,
            "zoom": "fit" if view.fit_mode else round(view.zoom, 3),
            "rotation": view.rotation,
            "crop": "tight" if self.images.tight else "normal",
        }

    async def _record(
        self, scan: Scan, shortcode: str, note: str, seconds: float, shown: dict[str, object] | None = None
    ) -> None:
        try:
            decided = await self.services.decide(
                scan, shortcode, note=note, seconds_on_scan=seconds, shown=shown
            )
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
