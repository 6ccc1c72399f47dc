"""The window's input held while it starts: the product shows the window before its services and
controller exist (docs/PERFORMANCE.md, "Start-up"), and for that moment (~0.1 s) no key or click
may reach a widget that is not wired yet (a key typed into the search field, a menu shortcut whose
action does nothing). Keys pressed then are not used, and the status bar says how many; no queue
is shown yet, so no decision can be lost that way.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

#: What is held: keys (and the shortcut check that comes before a key), clicks and the wheel.
HELD = frozenset(
    {
        QEvent.Type.ShortcutOverride,
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.Wheel,
    }
)

#: Keys that are not counted on their own (Ctrl+Q is one key pressed, not two).
MODIFIERS = frozenset(
    {
        Qt.Key.Key_Shift,
        Qt.Key.Key_Control,
        Qt.Key.Key_Alt,
        Qt.Key.Key_AltGr,
        Qt.Key.Key_Meta,
        Qt.Key.Key_Super_L,
    }
)


class InputHold(QObject):
    """Until `release()`, keys and clicks meant for `window` (not for other windows) go nowhere."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self.keys = 0  # key presses held (auto-repeats and modifier keys alone not counted)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        if kind not in HELD or not isinstance(watched, QWidget) or watched.window() is not self._window:
            return False
        if kind == QEvent.Type.ShortcutOverride:
            event.accept()  # taken here: no menu shortcut fires on it
        elif (
            kind == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and not event.isAutoRepeat()
            and event.key() not in MODIFIERS
        ):
            self.keys += 1
        return True

    def release(self, window: QWidget) -> None:
        """Input goes to the window again; the reviewer is told of keys that were not used."""
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        if self.keys:
            status = getattr(window, "status", None)
            if status is not None:
                status.show_message(
                    f"{self.keys} key(s) pressed while ReviewDesk was starting were not used.", 10000
                )
        self.deleteLater()
