"""Status bar: who is signed in, the token countdown, and the delivery of decisions."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QStatusBar, QWidget

from reviewdesk.ui.colours import level_style
from reviewdesk.ui.plain_text import tooltip

if TYPE_CHECKING:  # (the session's and the outbox's modules: not before the window is painted)
    from reviewdesk.sync.status import DeliveryStatus

WHO_MAX_WIDTH = 260  # a reviewer id from a token may be long: elided, never widening the window


class StatusWidgets:
    def __init__(self, bar: QStatusBar) -> None:
        self.bar = bar
        self.delivery = QPushButton("Outbox: idle")
        self.delivery.setFlat(True)
        self.delivery.setObjectName("deliveryStatus")
        self.delivery.setToolTip("Decisions waiting to be sent. Click to see them.")
        self.who = QLabel("Not signed in")
        self.who.setObjectName("whoLabel")
        self.who.setTextFormat(Qt.TextFormat.PlainText)
        self.who.setMaximumWidth(WHO_MAX_WIDTH)
        self.who.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.countdown = QLabel("")
        self.countdown.setObjectName("tokenCountdown")
        for widget in (self.delivery, self.who, self.countdown):
            bar.addPermanentWidget(widget)
        self.delivery_clicked = self.delivery.clicked
        self._levels: dict[QWidget, str] = {}

    def _set_level(self, widget: QWidget, level: str) -> None:
        self._levels[widget] = level
        bold = level in ("warn", "bad")
        widget.setStyleSheet(level_style(level, self.bar.palette(), bold=bold))

    def level(self, widget: QWidget) -> str:
        return self._levels.get(widget, "plain")

    def restyle(self) -> None:
        """The palette changed (the system switched to dark, say): pick readable shades again."""
        for widget, level in list(self._levels.items()):
            self._set_level(widget, level)

    def show_message(self, text: str, ms: int = 8000) -> None:
        self.bar.showMessage(text, ms)

    def set_who(self, reviewer: str, is_admin: bool) -> None:
        if not reviewer:
            self.who.setText("Not signed in")
            self.countdown.setText("")
            return
        text = f"Signed in as {reviewer}" + (" (admin)" if is_admin else "")
        self.who.setToolTip(tooltip(text))
        metrics = self.who.fontMetrics()
        self.who.setText(metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, WHO_MAX_WIDTH - 4))

    def set_countdown(self, seconds_left: float | None, refused: bool = False) -> str:
        """Show the time left on the token; returns the level ("ok", "warn", "bad"). `refused`:
        the server refused the token, whatever its clock says: shown as such, never as fine."""
        if seconds_left is None:
            self.countdown.setText("")
            return "plain"
        from reviewdesk.api.auth import format_duration
        from reviewdesk.session import WARN_BEFORE

        level = "bad" if seconds_left <= 0 or refused else "warn" if seconds_left <= WARN_BEFORE else "ok"
        if refused:
            text = "token refused: sign in again"
        else:
            text = "token expired" if seconds_left <= 0 else f"token {format_duration(seconds_left)}"
        self.countdown.setText(text)
        self._set_level(self.countdown, level)
        return level

    def set_delivery(self, status: DeliveryStatus) -> None:
        level = {
            "paused": "bad",
            "offline": "warn",
            "server_error": "warn",
            "waiting": "warn",
        }.get(status.state, "ok" if not status.failed else "warn")
        self.delivery.setText("Outbox: " + delivery_text(status))
        self._set_level(self.delivery, level)
        tip = status.last_error or "Decisions waiting to be sent. Click to see them."
        tips = [tip, *status.elsewhere_lines()]
        self.delivery.setToolTip(tooltip("\n".join(tips)))


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
