"""Status bar: who is signed in, the token countdown, and the delivery of decisions."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QStatusBar

from reviewdesk.api.auth import format_duration
from reviewdesk.session import WARN_BEFORE
from reviewdesk.sync.worker import DeliveryStatus
from reviewdesk.ui.plain_text import tooltip

_STYLES = {
    "ok": "color: #1e7d32;",
    "warn": "color: #b26a00; font-weight: bold;",
    "bad": "color: #c0392b; font-weight: bold;",
    "plain": "",
}


class StatusWidgets:
    def __init__(self, bar: QStatusBar) -> None:
        self.bar = bar
        self.delivery = QPushButton("Outbox: idle")
        self.delivery.setFlat(True)
        self.delivery.setObjectName("deliveryStatus")
        self.delivery.setToolTip("Decisions waiting to be sent. Click to see them.")
        self.who = QLabel("Not signed in")
        self.who.setTextFormat(Qt.TextFormat.RichText)  # the reviewer's name in it is escaped
        self.who.setObjectName("whoLabel")
        self.countdown = QLabel("")
        self.countdown.setObjectName("tokenCountdown")
        for widget in (self.delivery, self.who, self.countdown):
            bar.addPermanentWidget(widget)
        self.delivery_clicked = self.delivery.clicked

    def show_message(self, text: str, ms: int = 8000) -> None:
        self.bar.showMessage(text, ms)

    def set_who(self, reviewer: str, is_admin: bool) -> None:
        if not reviewer:
            self.who.setText("Not signed in")
            self.countdown.setText("")
            return
        self.who.setText(f"Signed in as <b>{html.escape(reviewer)}</b>" + (" (admin)" if is_admin else ""))

    def set_countdown(self, seconds_left: float | None) -> str:
        """Show the time left on the token; returns the level ("ok", "warn", "bad")."""
        if seconds_left is None:
            self.countdown.setText("")
            return "plain"
        level = "bad" if seconds_left <= 0 else "warn" if seconds_left <= WARN_BEFORE else "ok"
        text = "token expired" if seconds_left <= 0 else f"token {format_duration(seconds_left)}"
        self.countdown.setText(text)
        self.countdown.setStyleSheet(_STYLES[level])
        return level

    def set_delivery(self, status: DeliveryStatus) -> None:
        level = {"paused": "bad", "offline": "warn"}.get(status.state, "ok" if not status.failed else "warn")
        parts = {
            "online": "online",
            "idle": "online",
            "offline": "offline",
            "paused": "paused until sign-in",
        }
        text = f"Outbox: {parts.get(status.state, status.state)}"
        if status.queued:
            text += f" · {status.queued} queued"
        if status.failed:
            text += f" · {status.failed} failed"
        self.delivery.setText(text)
        self.delivery.setStyleSheet(_STYLES[level])
        self.delivery.setToolTip(
            tooltip(status.last_error) or "Decisions waiting to be sent. Click to see them."
        )
