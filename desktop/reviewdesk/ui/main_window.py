"""The main window: scan list | card facts over the image | decision pane and history.

Layout and menus only; what happens on a key or a click is the controller's business.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain.keymap import Keymap
from reviewdesk.domain.scan import CARD_FACTS, Scan
from reviewdesk.ui.decision_pane import DecisionPane
from reviewdesk.ui.history_strip import HistoryStrip
from reviewdesk.ui.image_view import ImageView
from reviewdesk.ui.scan_list import ScanListPane
from reviewdesk.ui.status_bar import StatusWidgets


class FactsBar(QLabel):
    """The card facts of the scan shown, to compare with the image."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("factsBar")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setStyleSheet(
            "#factsBar { padding: 6px 10px; background: palette(base); border-bottom: 1px solid palette(mid);"
            " font-size: 13px; }"
        )
        self.show_scan(None)

    def show_scan(self, scan: Scan | None) -> None:
        if scan is None:
            self.setText("<span style='color:gray'>No scan selected</span>")
            return
        parts = [f"<b>{_esc(scan.scan_id)}</b>"]
        for key, header in CARD_FACTS:
            value = scan.facts.get(key)
            if value:
                if key == "amount" and scan.facts.get("currency"):
                    value = f"{value} {scan.facts['currency']}"
                parts.append(f"<span style='color:gray'>{header}</span> <b>{_esc(value)}</b>")
        if len(parts) == 1:
            parts.append("<span style='color:gray'>no card facts known</span>")
        self.setText(" &nbsp;·&nbsp; ".join(parts))


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class MainWindow(QMainWindow):
    close_requested = Signal()  # the user wants to quit; the controller decides when

    def __init__(self, keymap: Keymap, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("ReviewDesk")
        self.resize(1440, 880)
        self._closing_allowed = False

        self.scan_list = ScanListPane()
        self.facts = FactsBar()
        self.image_view = ImageView()
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.setSpacing(0)
        centre_layout.addWidget(self.facts)
        centre_layout.addWidget(self.image_view, 1)

        self.decision_pane = DecisionPane(keymap)
        self.history = HistoryStrip()
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.decision_pane, 1)
        right_layout.addWidget(self.history)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.scan_list)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([430, 620, 390])
        self.splitter.setChildrenCollapsible(False)
        self.scan_list.setMinimumWidth(380)
        right.setMinimumWidth(360)
        self.setCentralWidget(self.splitter)

        self.status = StatusWidgets(self.statusBar())
        self._build_menus()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.import_action = self._action(file_menu, "&Import scans…", QKeySequence.StandardKey.Open)
        self.paste_action = self._action(file_menu, "&Paste scan ids…", "Ctrl+Shift+V")
        file_menu.addSeparator()
        self.sign_in_action = self._action(file_menu, "&Sign in…")
        self.queue_action = self._action(file_menu, "&Outbox…", "Ctrl+Shift+O")
        self.keymap_action = self._action(file_menu, "Edit &keys…")
        file_menu.addSeparator()
        self.quit_action = self._action(file_menu, "&Quit", QKeySequence.StandardKey.Quit)
        view_menu = bar.addMenu("&View")
        self.prefetch_action = self._action(view_menu, "&Prefetch next images")
        self.prefetch_action.setCheckable(True)
        self.prefetch_action.setChecked(True)
        self.tight_action = self._action(view_menu, "&Tight crop (admin)")
        self.tight_action.setCheckable(True)
        help_menu = bar.addMenu("&Help")
        self.keys_action = self._action(help_menu, "&Keys")
        self.about_action = self._action(help_menu, "&About ReviewDesk")

    def _action(self, menu, text: str, shortcut=None) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        menu.addAction(action)
        return action

    def allow_close(self) -> None:
        self._closing_allowed = True

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self._closing_allowed:
            event.accept()
            return
        event.ignore()
        self.close_requested.emit()
