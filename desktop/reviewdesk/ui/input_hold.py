"""The window's input held while it starts: the product shows the window before its services and
controller exist (docs/PERFORMANCE.md, "Start-up"), and for that moment (~0.1 s) no key or click
may reach a widget that is not wired yet (a key typed into the search field, a menu shortcut whose
action does nothing, a click on Import… with no one to take the file). Keys pressed then are not
used, and the status bar says how many; no queue is shown yet, so no decision can be lost that way.

Not an application-wide event filter: that sees every event of the application (every paint,
every layout), ~30 ms of a first paint in Python calls. Two narrow parts instead:
- a filter on the window's QWindow, where the window system's keys, clicks and wheel turns arrive
  before Qt hands them to a widget;
- a focus sink: a menu shortcut is matched before the key reaches any window, by asking the widget
  with the keyboard focus first (a ShortcutOverride event); an invisible widget holds the focus
  meanwhile (taking it back if the window's code moves it) and claims every key, so no shortcut
  fires.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QWidget

#: What is held at the window: keys, clicks and the wheel.
HELD = frozenset(
    {
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


class _FocusSink(QWidget):
    """Holds the keyboard focus while the window is held, and claims every shortcut check."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("inputHoldFocus")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setGeometry(0, 0, 1, 1)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)

        self.holding = True

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # claimed: the key comes as a key press (to the window's filter)
            return True
        return super().event(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        super().focusOutEvent(event)
        if self.holding and event.reason() != Qt.FocusReason.ActiveWindowFocusReason:
            QTimer.singleShot(0, self._take_back)

    def _take_back(self) -> None:
        if self.holding and self.isVisible():
            self.setFocus(Qt.FocusReason.OtherFocusReason)


class InputHold(QObject):
    """Until `release()`, keys and clicks meant for `window` (not for other windows) go nowhere."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self.keys = 0  # key presses held (auto-repeats and modifier keys alone not counted)
        window.winId()  # its QWindow exists from here (show() would make it anyway)
        self._handle = window.windowHandle()
        if self._handle is not None:
            self._handle.installEventFilter(self)
        self._sink = _FocusSink(window)
        self._sink.show()
        self._sink.setFocus(Qt.FocusReason.OtherFocusReason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        if kind not in HELD:
            return False
        if (
            kind == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and not event.isAutoRepeat()
            and event.key() not in MODIFIERS
        ):
            self.keys += 1
        return True

    def release(self, window: QWidget) -> None:
        """Input goes to the window again, the keyboard to where the reviewer decides; the
        reviewer is told of keys that were not used."""
        if self._handle is not None:
            self._handle.removeEventFilter(self)
        focus_review = getattr(window, "focus_review", None)
        self._sink.holding = False
        self._sink.hide()  # (gives the focus up)
        self._sink.deleteLater()
        if callable(focus_review):
            focus_review()
        if self.keys:
            status = getattr(window, "status", None)
            if status is not None:
                status.show_message(
                    f"{self.keys} key(s) pressed while ReviewDesk was starting were not used.", 10000
                )
        self.deleteLater()
