"""The last decisions, newest first: click one (or focus it and press Enter) to go back to its scan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from reviewdesk.ui.colours import LEVELS, level_style
from reviewdesk.ui.elided_label import ElidedLabel
from reviewdesk.ui.plain_text import plain, tooltip

if TYPE_CHECKING:
    from datetime import datetime

MAX_ENTRIES = 10

# state label -> (colour, text shown)
# state label -> (colour level, see ui/colours.py, text shown)
STATE_STYLES: dict[str, tuple[str, str]] = {
    "held": ("warn", "held"),  # waiting out the undo delay: Ctrl+Z still takes it back
    "queued": ("info", "queued"),
    "sent": ("ok", "sent"),
    "failed": ("bad", "failed"),
    "local": ("info", "local"),  # a Jumio or Preventor decision: kept here, never sent
}
_UNKNOWN_STATE_COLOUR = "plain"  # the palette's own text colour


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    scan_id: str
    shortcode: str
    state: str  # "held", "queued", "sent", "failed" or "local" (others are shown as they are, in grey)
    decided_at: datetime | str | None = None  # a datetime or an ISO 8601 text ("2024-05-01T12:00:00Z")


def short_scan_id(scan_id: str, length: int = 8) -> str:
    return scan_id if len(scan_id) <= length + 1 else scan_id[:length] + "…"


def clock_time(decided_at: datetime | str | None) -> str:
    """ "14:32" in local time, or "" when unknown or unreadable."""
    if decided_at is None:
        return ""
    moment = decided_at
    if isinstance(moment, str):
        from datetime import datetime  # (not before the window is painted)

        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%H:%M")


def _tinted(label: QLabel, level: str) -> None:
    # A style sheet, not the palette: the strip's style sheet would reset a palette colour. The shade
    # is picked for contrast with the window's palette (light or dark), see ui/colours.py.
    host = label.window()
    label.setStyleSheet(level_style(level, host.palette()) if level in LEVELS else "")


class HistoryRow(QPushButton):
    """One decision: marker, short scan id, shortcode, state and time. Activates on click or Enter."""

    step_requested = Signal(int)  # Up (-1) or Down (+1) pressed on this row

    def __init__(self, entry: HistoryEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyRow")
        # Click focus only: Qt gives a newly active window's focus to its first Tab-focusable widget,
        # and a row holding it would reopen an old scan on a stray Enter or Space.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))

        self.marker = QLabel("●")
        self.scan_label = plain(QLabel())
        self.scan_label.setFont(mono)
        self.code_label = ElidedLabel("", min_width=20)
        self.state_label = QLabel()
        self.state_label.setFont(small)
        self.time_label = QLabel()
        self.time_label.setFont(small)
        self.time_label.setEnabled(False)  # the palette's dimmed text colour

        layout = self._layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 1, 6, 1)
        layout.setSpacing(6)
        for widget in (self.marker, self.scan_label, self.code_label, self.state_label, self.time_label):
            widget.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            layout.addWidget(widget, 1 if widget is self.code_label else 0)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.entry = entry
        self._shown: HistoryEntry | None = None
        self.set_entry(entry)

    def set_entry(self, entry: HistoryEntry) -> None:
        """Show another decision in this row (rows are reused: building widgets per decision is
        slow enough to be felt on every keystroke)."""
        self.entry = entry
        if entry == self._shown:
            return
        self._shown = entry
        colour, state_text = STATE_STYLES.get(entry.state, (_UNKNOWN_STATE_COLOUR, entry.state))
        _tinted(self.marker, colour)
        self.scan_label.setText(short_scan_id(entry.scan_id))
        self.code_label.setText(entry.shortcode)
        self.state_label.setText(state_text)
        _tinted(self.state_label, colour)
        self.time_label.setText(clock_time(entry.decided_at))
        when = f"\nDecided at {entry.decided_at}" if entry.decided_at else ""
        self.setToolTip(
            tooltip(f"Scan {entry.scan_id}\n{entry.shortcode} ({state_text}){when}\nClick to open it again")
        )
        self.setAccessibleName(f"Scan {entry.scan_id}, {entry.shortcode}, {state_text}")

    def retint(self) -> None:
        """The palette changed: pick the state's shade for it again."""
        self._shown = None
        self.set_entry(self.entry)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self._layout.sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self._layout.minimumSize()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
            event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            self.click()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            self.step_requested.emit(1 if event.key() == Qt.Key.Key_Down else -1)
            event.accept()
            return
        super().keyPressEvent(event)


class HistoryStrip(QWidget):
    """The last `MAX_ENTRIES` decisions, newest first. `entry_activated(scan_id)` on click or Enter."""

    entry_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, title: str = "Recent decisions") -> None:
        super().__init__(parent)
        self.setObjectName("historyStrip")
        self._entries: list[HistoryEntry] = []
        self._rows: list[HistoryRow] = []

        self._title = QLabel(title)
        bold = QFont(self._title.font())
        bold.setBold(True)
        self._title.setFont(bold)
        self._empty = QLabel("No decisions yet")
        self._empty.setObjectName("historyEmpty")
        self._empty.setEnabled(False)

        self._rows_box = QVBoxLayout()
        self._rows_box.setContentsMargins(0, 0, 0, 0)
        self._rows_box.setSpacing(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self._title)
        layout.addWidget(self._empty)
        layout.addLayout(self._rows_box)
        self.setStyleSheet(
            "QPushButton#historyRow { text-align: left; border: 1px solid transparent; border-radius: 3px;"
            " background: transparent; padding: 0px; }"
            " QPushButton#historyRow:hover { background: palette(midlight); border-color: palette(mid); }"
            " QPushButton#historyRow:focus { border-color: palette(highlight); }"
        )

    def set_entries(self, entries: Sequence[HistoryEntry]) -> None:
        """Show `entries` (newest first); only the first MAX_ENTRIES are kept."""
        self._entries = list(entries)[:MAX_ENTRIES]
        for index, entry in enumerate(self._entries):
            if index < len(self._rows):
                self._rows[index].set_entry(entry)
            else:
                row = HistoryRow(entry, self)
                row.clicked.connect(self._on_row_clicked)
                row.step_requested.connect(self._on_row_step)
                self._rows_box.addWidget(row)
                self._rows.append(row)
        for index, row in enumerate(self._rows):
            visible = index < len(self._entries)
            if row.isVisibleTo(self) != visible:
                if not visible and row.hasFocus():
                    self.setFocus(Qt.FocusReason.OtherFocusReason)
                row.setVisible(visible)
        self._empty.setVisible(not self._entries)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            for row in self._rows:
                row.retint()

    def focus_first(self) -> bool:
        """Put the keyboard on the newest row (Up/Down move, Enter opens). False when empty."""
        if not self._entries:
            return False
        self._rows[0].setFocus(Qt.FocusReason.ShortcutFocusReason)
        return True

    def entries(self) -> list[HistoryEntry]:
        return list(self._entries)

    def rows(self) -> list[HistoryRow]:
        """The rows in use (spare ones are hidden)."""
        return self._rows[: len(self._entries)]

    def _on_row_step(self, step: int) -> None:
        row = self.sender()
        if isinstance(row, HistoryRow) and row in self._rows:
            target = self._rows.index(row) + step
            if 0 <= target < len(self._entries):
                self._rows[target].setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_row_clicked(self) -> None:
        row = self.sender()
        if isinstance(row, HistoryRow):
            self.entry_activated.emit(row.entry.scan_id)
