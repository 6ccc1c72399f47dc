"""Status bar: who is signed in, the token countdown, and the delivery of decisions."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QLabel, QPushButton, QStatusBar

from reviewdesk.api.auth import format_duration
from reviewdesk.session import WARN_BEFORE
from reviewdesk.sync.worker import DeliveryStatus

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
        self.who.setText(f"Signed in as <b>{reviewer}</b>" + (" (admin)" if is_admin else ""))

    def set_countdown(self, seconds_left: float | None, refused: bool = False) -> str:
        """Show the time left on the token; returns the level ("ok", "warn", "bad"). `refused`:
        the server refused the token, whatever its clock says: shown as such, never as fine."""
        if seconds_left is None:
            self.countdown.setText("")
            return "plain"
        level = "bad" if seconds_left <= 0 or refused else "warn" if seconds_left <= WARN_BEFORE else "ok"
        if refused:
            text = "token refused: sign in again"
        else:
            text = "token expired" if seconds_left <= 0 else f"token {format_duration(seconds_left)}"
        self.countdown.setText(text)
        self.countdown.setStyleSheet(_STYLES[level])
        return level

    def set_delivery(self, status: DeliveryStatus) -> None:
        level = {
            "paused": "bad",
            "offline": "warn",
            "server_error": "warn",
            "waiting": "warn",
        }.get(status.state, "ok" if not status.failed else "warn")
        self.delivery.setText("Outbox: " + delivery_text(status))
        self.delivery.setStyleSheet(_STYLES[level])
        tip = status.last_error or "Decisions waiting to be sent. Click to see them."
        tips = [tip, *status.elsewhere_lines()]
        self.delivery.setToolTip("\n".join(tips))


def delivery_text(status: DeliveryStatus, now: float | None = None) -> str:
    """`offline (no connection), retrying · 3 queued · 12 wait for another sign-in`."""
    now = time.time() if now is None else now
    if status.state == "server_error" and status.unexpected_from:
        text = f"unexpected answer from {status.unexpected_from}, retrying"
    elif status.state == "server_error":
        code = f" {status.server_status}" if status.server_status else ""
        text = f"server error{code}, retrying"
    elif status.state == "waiting":
        left = max(0, round((status.next_retry_at or now) - now))
        text = f"waiting {left} s as the server asked" if left else "waiting as the server asked"
    else:
        text = {
            "online": "online",
            "idle": "online",
            "offline": "offline (no connection), retrying",
            "paused": "paused until sign-in",
        }.get(status.state, status.state)
    sendable = status.queued - status.waiting_elsewhere
    if sendable > 0:
        text += f" · {sendable} queued"
    if status.failed:
        text += f" · {status.failed} failed"
    if status.waiting_elsewhere:
        text += f" · {status.waiting_elsewhere} wait for another sign-in"
    return text
