"""The privacy screen: after a set time without input, the card image and facts are hidden.

`IdleWatch` is an application event filter that notes the time of every key press, mouse press,
mouse move and wheel turn in ReviewDesk's windows, and checks every second whether
`idle_seconds` have passed since (a window that is minimised or behind another program gets no
input, so it goes idle the same way). `PrivacyScreen` is an opaque cover over the window's
central area showing only how many scans are left; it stays until a key or a click.

The first key after it only wakes the screen: the key router asks `PrivacyScreen.gate` first and
swallows the key (and its auto-repeats) while the screen is up, so it never decides. The time the
reviewer was idle (from the last input to the wake) is reported with `woke(idle_seconds)`: the
controller leaves it out of the seconds on the item. With `sign_in_after_seconds` set, a wake
after that long asks for a sign-in first (`sign_in_required`) and the screen stays until
`signed_in_again()`.

The clock is injected (`clock`, monotonic seconds), so tests move time on without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

DEFAULT_IDLE_SECONDS = 300.0
CHECK_INTERVAL_MS = 1000
_INPUT = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
}


class IdleWatch(QObject):
    """Emits `idle` once `idle_seconds` pass without input in this application's windows."""

    idle = Signal()

    def __init__(
        self,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.idle_seconds = idle_seconds
        self.clock = clock
        self.last_input = clock()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def touch(self) -> None:
        self.last_input = self.clock()

    def idle_for(self) -> float:
        return max(0.0, self.clock() - self.last_input)

    def check(self) -> None:
        if self.idle_seconds > 0 and self.idle_for() >= self.idle_seconds:
            self.idle.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in _INPUT:  # to a widget or to its window (a mouse move without tracking)
            self.last_input = self.clock()
        return False


class PrivacyScreen(QWidget):
    """The cover over `host` (the window's central widget; the cover is a child of the window, not
    of the host, which may be a splitter that would take it for a pane): only the count left."""

    covered = Signal()  # the screen went up
    woke = Signal(float)  # seconds the reviewer was away (from the last input to the wake)
    sign_in_required = Signal(float)  # away that long: sign in before the screen lifts

    def __init__(
        self,
        host: QWidget,
        watch: IdleWatch,
        *,
        count: Callable[[], int] = lambda: 0,
        sign_in_after_seconds: float = 0.0,
    ) -> None:
        super().__init__(host.parentWidget() or host)
        self._host = host
        self.setObjectName("privacyScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAutoFillBackground(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.watch = watch
        self._count = count
        self.sign_in_after_seconds = sign_in_after_seconds
        self._away_since: float | None = None
        self._waiting_for_sign_in = False
        self._swallow_repeats = False
        self.count_label = QLabel()
        self.count_label.setObjectName("privacyCount")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.count_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        self.count_label.setFont(font)
        self.hint_label = QLabel("Hidden while you were away. Press any key or click to go on.")
        self.hint_label.setTextFormat(Qt.TextFormat.PlainText)
        self.hint_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.count_label)
        layout.addWidget(self.hint_label)
        layout.addStretch(1)
        self.hide()
        host.installEventFilter(self)
        watch.idle.connect(self._on_idle)

    # -- showing and waking ---------------------------------------------------------------------

    @property
    def is_up(self) -> bool:
        return self._away_since is not None

    def set_count(self, left: int) -> None:
        self.count_label.setText(f"{left} scan{'' if left == 1 else 's'} left to review")

    def _on_idle(self) -> None:
        if self._away_since is None:
            self.cover(self.watch.last_input)

    def cover(self, away_since: float | None = None) -> None:
        """Hide the window's content now (`away_since`: when the reviewer's last input was)."""
        self._away_since = self.watch.clock() if away_since is None else away_since
        self.set_count(self._count())
        self._fit()
        self.show()
        self.raise_()
        self.covered.emit()

    def wake(self) -> None:
        """A key or a click while the screen is up: lift it, or ask for a sign-in first."""
        if self._away_since is None:
            return
        away = max(0.0, self.watch.clock() - self._away_since)
        if self._waiting_for_sign_in or (0 < self.sign_in_after_seconds <= away):
            self._waiting_for_sign_in = True
            self.hint_label.setText("You were away for a while: sign in again to go on.")
            self.sign_in_required.emit(away)
            return
        self._lift(away)

    def signed_in_again(self) -> None:
        if self._waiting_for_sign_in and self._away_since is not None:
            self._waiting_for_sign_in = False
            self._lift(max(0.0, self.watch.clock() - self._away_since))

    def _lift(self, away: float) -> None:
        self._away_since = None
        self.hint_label.setText("Hidden while you were away. Press any key or click to go on.")
        self.hide()
        self.watch.touch()
        self.woke.emit(away)

    # -- input while up -----------------------------------------------------------------------------

    def gate(self, event: QKeyEvent) -> bool:
        """The key router asks first: True swallows the key. While the screen is up every key is
        swallowed and a press wakes it; the wake key's auto-repeats are swallowed after it."""
        if self._away_since is not None:
            if event.type() == QEvent.Type.KeyPress and not event.isAutoRepeat():
                self._swallow_repeats = True
                self.wake()
            return True
        if self._swallow_repeats:
            if event.isAutoRepeat():
                return True
            self._swallow_repeats = False
        return False

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        event.accept()
        self.wake()

    def _fit(self) -> None:
        host = self._host
        self.setGeometry(host.geometry() if host.parentWidget() is self.parentWidget() else host.rect())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if (
            event.type() in (QEvent.Type.Resize, QEvent.Type.Move)
            and watched is self._host
            and self.isVisible()
        ):
            self._fit()
        return False
