"""What changed, applied to the views: the list's rows, the decision pane, the history strip and the
outbox dialog. `_apply` is the one place they learn it (docs/ARCHITECTURE.md, "What changed").

A mixin of `ReviewController`: its state is set up in the controller's __init__.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable
from dataclasses import replace

from reviewdesk.domain.scan import Scan
from reviewdesk.store.changes import Changes, ScanReview
from reviewdesk.store.store import OutboxEntry, OutboxStatus
from reviewdesk.ui.history_strip import HistoryEntry

log = logging.getLogger("reviewdesk.ui")

HISTORY_SIZE = 10


def history_label(entry: OutboxEntry, now: float) -> str:
    if entry.local:  # a Jumio or Preventor decision: kept here, never sent
        return "local"
    if entry.status is OutboxStatus.DELIVERED:
        return "sent"
    if entry.status is OutboxStatus.FAILED:
        return "failed"
    return "held" if entry.held(now) else "queued"


class ChangesPart:
    """A part of `ReviewController` (ui/controller.py); see the module's docstring."""

    def _apply(self, changes: Changes) -> None:
        """Bring the views up to date with `changes` (a store write's, the delivery worker's, or the
        window's own before the store has answered); nothing is read from the store here. A row is
        written only when its state differs, so the store confirming what a key press already
        showed writes nothing."""
        for scan_id, review in changes.scans.items():
            scan = self.model.get(scan_id)
            if scan is not None:
                self._show_review(scan, review)
        if changes.decisions:
            self._apply_history(changes)
        if self._outbox is not None and self._outbox.isVisible():
            self._outbox.apply(changes)

    def _show_review(self, scan: Scan, review: ScanReview) -> None:
        updated = review.applied_to(scan)
        if updated is scan:
            return
        self.model.update_scan(updated)
        if scan.scan_id == self.current:
            self.window.decision_pane.set_scan(updated)

    # -- the history strip: the newest decisions, kept from the changes ---------------------------

    def _apply_history(self, changes: Changes) -> None:
        recent = self._recent
        before = dict(recent)
        for entry_id in changes.removed:
            recent.pop(entry_id, None)
        for entry_id in changes.delivered & recent.keys():
            recent[entry_id] = replace(recent[entry_id], status=OutboxStatus.DELIVERED)
        # Every decision is known while the strip holds all there are; else only those newer
        # than its oldest belong in it (an older one being sent is not shown).
        full = len(before) >= HISTORY_SIZE or not self._recent_complete
        oldest = min(before) if full and before else 0
        for entry_id, entry in {**changes.entries, **changes.local}.items():
            if entry_id in recent or entry_id > oldest:
                recent[entry_id] = entry
        for entry_id in sorted(recent, reverse=True)[HISTORY_SIZE:]:
            del recent[entry_id]
            self._recent_complete = False
        if recent == before:
            return
        if len(recent) < HISTORY_SIZE and not self._recent_complete:
            # Undone or discarded ones left a gap that older decisions fill: read them (rare).
            self.spawn(self.refresh_history())
            return
        self._show_history()

    def _show_history(self) -> None:
        now = time.time()
        self.window.history.set_entries(
            [
                HistoryEntry(
                    e.scan_id, e.shortcode, history_label(e, now), e.annotation_info.get("decidedAt")
                )
                for _, e in sorted(self._recent.items(), reverse=True)
            ]
        )

    async def refresh_history(self, reading: Awaitable[list[OutboxEntry]] | None = None) -> None:
        """Read the history strip from the store (at start, and to fill a gap); calls that
        overlap are folded into one more read. `reading`: the read already asked for (the start
        asks with the queue's, so that both come back in one turn of the store's thread)."""
        if self._history_busy:
            self._history_again = True
            return
        self._history_busy = True
        try:
            while True:
                self._history_again = False
                entries = await (reading if reading is not None else self.services.recent(HISTORY_SIZE))
                reading = None
                self._recent = {e.id: e for e in entries}
                self._recent_complete = len(entries) < HISTORY_SIZE
                self._show_history()
                if not self._history_again:
                    break
        finally:
            self._history_busy = False
