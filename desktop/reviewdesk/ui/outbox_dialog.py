"""The outbox view: decisions not yet delivered, and failed ones, with their last error."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain.route import Route
from reviewdesk.services import Services
from reviewdesk.store.changes import Changes
from reviewdesk.store.store import OutboxEntry, OutboxStatus, RouteSummary
from reviewdesk.ui.plain_text import tooltip

COLUMNS = ("Scan id", "Decision", "State", "Tries", "Last error", "For")


def state_text(entry: OutboxEntry, now: float) -> str:
    if entry.status is OutboxStatus.FAILED:
        return "failed"
    if entry.status is OutboxStatus.IN_FLIGHT:
        return "sending"
    if entry.unconfirmed:
        return "to confirm"
    if entry.held(now):
        return f"held {entry.not_before - now:.0f}s (undo)"
    if entry.next_attempt_at > now:
        return f"retry in {entry.next_attempt_at - now:.0f}s"
    return "queued"


def routes_of(entries: list[OutboxEntry]) -> list[RouteSummary]:
    """The undelivered `entries` per route, oldest route first (as `Store.routes` counts them)."""
    summaries: dict[Route, RouteSummary] = {}
    for entry in entries:
        old = summaries.get(entry.route, RouteSummary(entry.route))
        failed = entry.status is OutboxStatus.FAILED
        summaries[entry.route] = RouteSummary(
            entry.route,
            old.pending + (not failed),
            old.failed + failed,
            old.unconfirmed + entry.unconfirmed,
        )
    return list(summaries.values())


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
        # Decisions made for another server or reviewer wait for a sign-in there; they can be
        # exported or discarded (asked first), and those of an earlier version confirmed.
        self.confirm_button = QPushButton("Confirm where they go…")
        self.confirm_button.clicked.connect(self._confirm)
        self.export_button = QPushButton("Export…")
        self.export_button.clicked.connect(self._export)
        self.discard_button = QPushButton("Discard selected reviewer's…")
        self.discard_button.clicked.connect(self._discard)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.send_now)
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self._entries: list[OutboxEntry] = []
        self._routes: list[RouteSummary] = []
        self.note = ""  # what the last action said (shown under the table's summary)

    async def refresh(self) -> None:
        """Read the undelivered decisions (when the dialog opens, and after its own actions)."""
        self._entries = await self.services.pending()
        self.render()

    def apply(self, changes: Changes) -> None:
        """Bring the table up to date with what changed (ui/controller_changes.py), without
        reading the store; only a change it cannot list (waits or routes of a whole backlog) is
        read again."""
        if changes.waits or changes.routes:
            self.spawn(self.refresh())
            return
        if not changes.decisions:
            return
        entries = {e.id: e for e in self._entries if e.id not in changes.delivered | changes.removed}
        entries.update(changes.entries)
        self._entries = [entries[i] for i in sorted(entries)]
        self.render()

    def render(self) -> None:
        """Show the entries it has and the delivery status (which routes wait for a sign-in)."""
        self._routes = routes_of(self._entries)
        now = time.time()
        self.table.setRowCount(len(self._entries))
        for row, entry in enumerate(self._entries):
            values = (
                entry.scan_id,
                entry.shortcode,
                state_text(entry, now),
                str(entry.attempts),
                entry.last_error or "",
                entry.route.describe(),
            )
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(tooltip(value))
                if entry.status is OutboxStatus.FAILED:
                    item.setForeground(Qt.GlobalColor.red)
                self.table.setItem(row, col, item)
        failed = sum(e.status is OutboxStatus.FAILED for e in self._entries)
        text = (
            f"{len(self._entries) - failed} waiting, {failed} failed. Failed decisions were refused by the "
            "server: open the scan (double-click) to change the decision, or retry."
            if self._entries
            else "Every decision has been delivered."
        )
        status = self.services.worker.status if self.services.worker is not None else None
        lines = status.elsewhere_lines() if status is not None else []
        self.summary.setText("\n".join([text, *lines, *([self.note] if self.note else [])]))
        self.confirm_button.setEnabled(any(r.unconfirmed or not r.route.identity for r in self._routes))
        self.export_button.setEnabled(bool(self._entries))

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
            left = await self.services.send_now()
            # A Retry-After still in force is kept: say when they go instead of resending now.
            self.note = (
                f"The server asked to wait: sending in {left:.0f} s "
                f"(at {time.strftime('%H:%M:%S', time.localtime(time.time() + left))})."
                if left > 0
                else "Sending now."
            )
            await self.refresh()

        self.spawn(go())

    def _ask(self, title: str, text: str, then: Callable[[], Coroutine[Any, Any, Any]]) -> QMessageBox:
        """A question that runs `then()` on Yes (open(), never exec(): a nested loop breaks qasync)."""
        box = QMessageBox(self)
        box.setWindowTitle(title)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(text)
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(
            lambda result: self.spawn(then()) if result == QMessageBox.StandardButton.Yes else None
        )
        box.open()
        self.question = box
        return box

    def _confirm(self) -> QMessageBox:
        session = self.services.session.route
        lines = [f"{r.unconfirmed} for {r.route.describe()}" for r in self._routes if r.unconfirmed]
        lines += [
            f"{r.undelivered} made while signed out: for {session.describe()}"
            for r in self._routes
            if not r.route.identity and session is not None
        ]

        async def go() -> None:
            n = await self.services.confirm_route(None)
            self.note = f"Confirmed {n} decision(s); each is sent to its server when you are signed in there."
            await self.refresh()

        return self._ask(
            "Confirm where decisions go",
            "These decisions were made before ReviewDesk recorded where each one goes. Send them to:\n\n"
            + "\n".join(lines)
            + "\n\n(Each is sent only when you are signed in as that reviewer on that server.)",
            go,
        )

    def _selected_route(self) -> Route | None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return self._entries[rows[0]].route if rows and rows[0] < len(self._entries) else None

    def _discard(self) -> QMessageBox | None:
        route = self._selected_route()
        if route is None:
            self.note = "Select a decision first: its reviewer's decisions on its server are discarded."
            self.spawn(self.refresh())
            return None
        n = sum(1 for e in self._entries if e.route == route and e.status is not OutboxStatus.IN_FLIGHT)

        async def go() -> None:
            gone = await self.services.discard_route(route)
            self.note = f"Discarded {len(gone)} decision(s) for {route.describe()}."
            await self.refresh()

        return self._ask(
            "Discard decisions",
            f"Delete the {n} undelivered decision(s) for {route.describe()}? They will never be sent. "
            "Export them first if you may need them.",
            go,
        )

    def _export(self) -> QFileDialog:
        dialog = QFileDialog(self, "Export the undelivered decisions", "undelivered-decisions.json")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("JSON (*.json)")
        dialog.fileSelected.connect(lambda name: self.spawn(self.export_to(Path(name))))
        dialog.open()
        return dialog

    async def export_to(self, path: Path) -> None:
        try:
            n = await self.services.export_outbox(path)
        except OSError as exc:
            self.note = f"Could not write {path}: {exc.strerror}"
        else:
            self.note = f"Exported {n} undelivered decision(s) to {path}."
        await self.refresh()
