"""The outbox view: decisions not yet delivered, and failed ones, with their last error."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.services import Services
from reviewdesk.store.store import OutboxEntry, OutboxStatus
from reviewdesk.ui.plain_text import tooltip

COLUMNS = ("Scan id", "Decision", "State", "Tries", "Last error")


def state_text(entry: OutboxEntry, now: float) -> str:
    if entry.status is OutboxStatus.FAILED:
        return "failed"
    if entry.status is OutboxStatus.IN_FLIGHT:
        return "sending"
    if entry.held(now):
        return f"held {entry.not_before - now:.0f}s (undo)"
    if entry.next_attempt_at > now:
        return f"retry in {entry.next_attempt_at - now:.0f}s"
    return "queued"


class OutboxDialog(QDialog):
    scan_requested = Signal(str)

    def __init__(
        self,
        services: Services,
        spawn: Callable[[Coroutine[Any, Any, Any]], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.spawn = spawn
        self.setWindowTitle("Outbox: decisions not yet delivered")
        self.resize(760, 360)
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.cellDoubleClicked.connect(self._open_scan)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.retry_button = QPushButton("Retry selected")
        self.retry_button.clicked.connect(self._retry_selected)
        self.send_now = QPushButton("Send now")
        self.send_now.clicked.connect(self._send_now)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.send_now)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self._entries: list[OutboxEntry] = []

    async def refresh(self) -> None:
        self._entries = await self.services.pending()
        now = time.time()
        self.table.setRowCount(len(self._entries))
        for row, entry in enumerate(self._entries):
            values = (
                entry.scan_id,
                entry.shortcode,
                state_text(entry, now),
                str(entry.attempts),
                entry.last_error or "",
            )
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(tooltip(value))
                if entry.status is OutboxStatus.FAILED:
                    item.setForeground(Qt.GlobalColor.red)
                self.table.setItem(row, col, item)
        failed = sum(e.status is OutboxStatus.FAILED for e in self._entries)
        self.summary.setText(
            f"{len(self._entries) - failed} waiting, {failed} failed. Failed decisions were refused by the "
            "server: open the scan (double-click) to change the decision, or retry."
            if self._entries
            else "Every decision has been delivered."
        )

    def _open_scan(self, row: int, _col: int) -> None:
        if 0 <= row < len(self._entries):
            self.scan_requested.emit(self._entries[row].scan_id)

    def _retry_selected(self) -> None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        ids = [self._entries[r].id for r in rows if self._entries[r].status is OutboxStatus.FAILED]
        self.spawn(self._retry(ids))

    async def _retry(self, ids: list[int]) -> None:
        for entry_id in ids:
            await self.services.resend(entry_id)
        await self.refresh()

    def _send_now(self) -> None:
        async def go() -> None:
            if self.services.store is not None:
                await self.services.store.reset_backoff(time.time())
            if self.services.worker is not None:
                self.services.worker.kick()
            await self.refresh()

        self.spawn(go())
