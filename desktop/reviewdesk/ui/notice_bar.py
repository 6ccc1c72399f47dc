"""Banners across the top of the image: what needs the reviewer, without taking the keyboard.

A dialog that opens by itself steals the keys a reviewer is already typing ("n", "o" went into a
token field). A banner never takes focus: it says what happened and which key acts on it (a token
that expired: "press Ctrl+L to sign in again"), and the keys go on deciding meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from reviewdesk.ui.colours import level_colour


class Notice(QFrame):
    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.level = "info"
        self.setObjectName("notice")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.text = QLabel()
        self.text.setObjectName("noticeText")
        self.text.setTextFormat(Qt.TextFormat.PlainText)  # outside text (server messages) is never markup
        self.text.setWordWrap(True)
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.action = QPushButton()
        self.action.setObjectName("noticeAction")
        self.action.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the key named in the text is the way
        self.action.hide()
        self._callback: Callable[[], None] | None = None
        self.action.clicked.connect(self._act)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 5, 6, 5)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.action)

    def set(
        self, text: str, level: str, action: str = "", callback: Callable[[], None] | None = None
    ) -> None:
        self.level = level
        self.text.setText(text)
        self.action.setText(action)
        self.action.setVisible(bool(action))
        self._callback = callback
        self.restyle()

    def restyle(self) -> None:
        # The bar's palette, not this frame's: a widget with a style sheet of its own may be
        # polished from the application palette, while what shows behind it is the window's.
        host = self.parentWidget() or self
        palette = host.palette()
        colour = level_colour(
            self.level, palette.color(QPalette.ColorRole.Window), palette.color(QPalette.ColorRole.WindowText)
        )
        self.setStyleSheet(
            f"#notice {{ border: 2px solid {colour.name()}; border-radius: 4px; }}"
            f" #noticeText {{ color: {colour.name()}; font-weight: bold; }}"
        )

    def _act(self) -> None:
        if self._callback is not None:
            self._callback()


class NoticeBar(QWidget):
    """Zero or more notices, one per `key` ("session", "confirm", "keymap"...), newest last."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBar")
        self._notices: dict[str, Notice] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 0)
        self._layout.setSpacing(3)
        self.hide()

    def show_notice(
        self,
        key: str,
        text: str,
        *,
        level: str = "warn",
        action: str = "",
        callback: Callable[[], None] | None = None,
    ) -> Notice:
        notice = self._notices.get(key)
        if notice is None:
            notice = self._notices[key] = Notice(key, self)
            self._layout.addWidget(notice)
        notice.set(text, level, action, callback)
        notice.show()
        self.show()
        return notice

    def clear(self, key: str) -> None:
        notice = self._notices.pop(key, None)
        if notice is not None:
            notice.hide()
            notice.deleteLater()
        if not self._notices:
            self.hide()

    def text(self, key: str) -> str:
        notice = self._notices.get(key)
        return notice.text.text() if notice is not None else ""

    def shown(self) -> list[str]:
        return list(self._notices)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            for notice in self._notices.values():
                notice.restyle()
