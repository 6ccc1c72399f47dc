"""One label for text that may not fit: it ends in … instead of widening its window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from reviewdesk.ui.plain_text import plain, tooltip


class ElidedLabel(QLabel):
    """A one-line plain-text label that elides its text to its width and never asks for more (a
    500-character cardholder or file name cannot push the layout); the full text is its tooltip.

    `setText` / `set_full_text` set the full text and `full_text()` gives it back; `text()` is
    what is shown."""

    def __init__(
        self, text: str = "", parent: QWidget | None = None, *, min_width: int = 8, selectable: bool = False
    ) -> None:
        super().__init__(parent)
        plain(self)  # outside text (file names, server messages, card facts): shown as it is
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(min_width)
        if selectable:
            self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._full = ""
        self.set_full_text(text)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(tooltip(text))
        self._elide()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        self.set_full_text(text)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.contentsRect().width() - 2, 8)
        super().setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width))
