"""Deciding: one key records, the window moves on; undo; the history strip.

A mixin of `ReviewController`: its state is set up in the controller's __init__.
"""

from __future__ import annotations

import asyncio
import logging
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from reviewdesk.api.redact import redact
from reviewdesk.domain.keymap import (
    SECTION_SOURCES,
    binding_id,
    display_keys,
    section_of_source,
    split_binding_id,
)
from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.domain.shortcodes import needs_image
from reviewdesk.sources.local import (
    SOURCE_NAMES,
    UnknownDecision,
    is_local,
    label_of,
    local_decision,
    source_of,
)
from reviewdesk.store.changes import Changes, ScanReview
from reviewdesk.store.store import OutboxStatus
from reviewdesk.ui.decision_pane import section_options

log = logging.getLogger("reviewdesk.ui")

OTHER_KEY_NOTICE_MS = 4000  # how long "X is a Dyneti key..." stays


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
        # Shown at once so the reviewer never waits; the outbox commit follows within milliseconds,
        # and its changes, the same row state, write nothing more (`_apply`). The next scan's image
        # is painted first, within this keystroke; the decided row and the table's selection
        # follow in the next ordinary frame.
        state = ScanState.LOCAL if is_local(scan.scan_id) else ScanState.DECIDED
        decided = Changes.of(scans={scan.scan_id: ScanReview(state, shortcode, note)})
        nxt = self.model.next_to_review(scan.scan_id)  # the decided scan still counts as to review
        if nxt and nxt != scan.scan_id:
            self.show_scan(nxt, paint_now=True, skip=scan.scan_id)
            self._apply(decided)
        else:
            self._apply(decided)
            self.show_scan(scan.scan_id)
            self.window.status.show_message("All scans in the queue are reviewed.", 10000)
        record = self.spawn(self._record(scan, shortcode, note, seconds, shown))
        self._records.add(record)
        record.add_done_callback(self._records.discard)

    def _confirmed(self, scan_id: str, shortcode: str) -> bool:
        """Approving or denying a card nobody saw takes a second press of the same key; `X` (no image)
        and the other no-action reasons stay one key."""
        if scan_id in self._seen or not _needs_image(scan_id, shortcode):
            self._clear_confirm()
            return True
        if self._confirm == (scan_id, shortcode):
            self._clear_confirm()
            return True
        self._confirm = (scan_id, shortcode)
        if is_local(scan_id):  # a Jumio or Preventor item: its section's key, its own words
            source = source_of(scan_id)
            ident = binding_id(section_of_source(source), shortcode)
            verb = "approve" if shortcode == "approve" else "reject"
            what = f"No image of this {label_of(source)} was shown"
        else:
            ident = shortcode
            verb = "approve" if shortcode == "approved" else "deny"
            what = "The image of this scan was not shown"
        keys = self.keymap.key_for(ident)
        shown = display_keys(keys) if keys else shortcode
        self._confirm_keys = shown
        self.window.notices.show_notice(
            "confirm",
            f"{what}. Press {shown} again to {verb} it anyway, or Esc to go on looking.",
            level="warn",
        )
        return False

    def other_source_key(self, keys: str, ident: str) -> None:
        """A decision key of another source's section, pressed on this item: nothing is decided,
        and the notice bar says so briefly (docs/JUMIO.md, "Keys")."""
        section, code = split_binding_id(ident)
        shown_section = self.window.decision_pane.section()
        owner = SOURCE_NAMES.get(SECTION_SOURCES.get(section, ""), section)
        here = label_of(SECTION_SOURCES.get(shown_section, ""))
        option = {o.code: o for o in section_options(section)}.get(code)
        what = option.description if option is not None else code
        self.window.notices.show_notice(
            "other_source_key",
            f"{keys} is a {owner} key ({what}): it does nothing on a {here}.",
            level="info",
        )
        self._other_key_notices += 1
        mine = self._other_key_notices
        QTimer.singleShot(OTHER_KEY_NOTICE_MS, self, lambda: self._end_other_key_notice(mine))

    def _end_other_key_notice(self, which: int) -> None:
        if which == self._other_key_notices:  # not a newer one
            self.window.notices.clear("other_source_key")

    def _chord_changed(self, first: str) -> None:
        """A two-key sequence started ("D") or ended (""). Its start drops a pending confirmation,
        unless it can be that confirmation's second press ("D" while "D B" awaits it); an ended
        one decides (or not) through `_confirmed`, which looks at the confirmation itself."""
        if not first:
            return
        if self._confirm is not None and self._confirm_keys.startswith(f"{first} "):
            if "other_source_key" in self.window.notices.shown():
                self.window.notices.clear("other_source_key")
            return
        self._clear_confirm()

    def _clear_confirm(self) -> None:
        """Another item, a decision or a chord: a pending confirmation (and the notice about
        another source's key) no longer applies."""
        if "other_source_key" in self.window.notices.shown():
            self.window.notices.clear("other_source_key")
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
            # Its changes reach the views through `_apply` (the services publish them).
            await self.services.decide(scan, shortcode, note=note, seconds_on_scan=seconds, shown=shown)
        except Exception as exc:
            self.stop_deciding_not_recorded(scan, shortcode, exc)
            return
        self.decision_recorded.emit(scan.scan_id, shortcode)

    def stop_deciding_not_recorded(self, scan: Scan, shortcode: str, exc: Exception) -> None:
        """A decision could not be made durable (the disk is full, …): its row goes back as it
        was, the window goes back to that scan, and no key decides until the reviewer has read
        why, in a dialog that takes the focus. Decisions keyed just after it that fail too are
        counted in the same dialog."""
        self._apply(Changes.of(scans={scan.scan_id: ScanReview.of(scan)}))  # back: NOT recorded
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
        # A local decision (Jumio, Preventor) was never sent: it is taken back like a held one.
        if not entry.local and entry.status in (OutboxStatus.DELIVERED, OutboxStatus.IN_FLIGHT):
            self.show_scan(entry.scan_id)
            self.window.status.show_message(
                f"{entry.scan_id} was already sent as {entry.shortcode}: press a key to send a new decision."
            )
            return
        await self.services.undo(entry.id)  # its changes reach the views through `_apply`
        self.show_scan(entry.scan_id)
        self.window.status.show_message(f"Undid {entry.shortcode} on {entry.scan_id}.")

    async def settle_records(self) -> None:
        """Let decisions already keyed reach the outbox (only those: a slow sign-in or import
        must not hold undo back while the undo window runs out)."""
        pending = [t for t in self._records if not t.done()]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


def _needs_image(item: str, code: str) -> bool:
    """Whether the decision judges what the images show: approve or deny a card (a shortcode), or
    approve or reject a Jumio/Preventor item; escalating and the no-action reasons do not."""
    if not is_local(item):
        return needs_image(code)
    try:
        return local_decision(item, code).group != "no_action"
    except UnknownDecision:
        return False
