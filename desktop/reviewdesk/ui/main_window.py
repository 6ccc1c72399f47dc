"""The main window: scan list | card facts over the image | decision pane and history.

Layout and menus only; what happens on a key or a click is the controller's business.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QMenuBar,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain.card_compare import has_both_cards
from reviewdesk.domain.keymap import Keymap, display_keys
from reviewdesk.domain.scan import CARD_FACTS, Scan
from reviewdesk.ui.card_compare_view import CardCompareView
from reviewdesk.ui.decision_pane import DecisionPane
from reviewdesk.ui.details_tree import DetailsTree
from reviewdesk.ui.history_strip import HistoryStrip
from reviewdesk.ui.image_strip import ImageStrip
from reviewdesk.ui.image_view import ImageView
from reviewdesk.ui.notice_bar import NoticeBar
from reviewdesk.ui.plain_text import escape, tooltip
from reviewdesk.ui.scan_list import ScanListPane
from reviewdesk.ui.status_bar import StatusWidgets

#: Outside text shown in the facts line is cut to this many characters (the tooltip has it all).
FACT_SHOWN_CHARS = 48
SCAN_ID_SHOWN_CHARS = 40
#: The window must fit these screens (scale 1): 1280x720 and 1366x768 (see docs/ and the tests).
DEFAULT_SIZE = (1240, 680)
#: Keys the menus answer to themselves (not in the keymap): the keymap may not use them.
MENU_KEYS = {
    "Ctrl+O": "File > Import scans",
    "Ctrl+Shift+V": "File > Paste scan ids",
    "Ctrl+Shift+O": "File > Outbox",
    "Ctrl+Shift+E": "File > Export decisions",
    "Ctrl+Shift+S": "View > Statistics",
    "Ctrl+Q": "File > Quit",
}
DEFAULT_SPLIT = (250, 640, 350)


def _cut(text: str, limit: int, *, middle: bool = False) -> str:
    if len(text) <= limit:
        return text
    if middle:
        half = (limit - 1) // 2
        return text[:half] + "…" + text[-(limit - 1 - half) :]
    return text[: limit - 1] + "…"


class FactsBar(QLabel):
    """The card facts of the scan shown, to compare with the image.

    Wrapped and cut, never wider than the pane: the window's width must not depend on the scan.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("factsBar")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setStyleSheet(
            "#factsBar { padding: 6px 10px; background: palette(base); border-bottom: 1px solid palette(mid);"
            " font-size: 13px; }"
        )
        self.show_scan(None)

    def show_scan(self, scan: Scan | None, *, without: tuple[str, ...] = ()) -> None:
        """The scan id and its facts; `without`: fact keys shown elsewhere (the card comparison)."""
        if scan is None:
            self.setText("<span style='color:gray'>No scan selected</span>")
            return
        parts = [f"<b>{escape(_cut(scan.scan_id, SCAN_ID_SHOWN_CHARS, middle=True))}</b>"]
        full = [scan.scan_id]
        for key, header in CARD_FACTS:
            value = scan.facts.get(key)
            if value and key not in without:
                if key == "amount" and scan.facts.get("currency"):
                    value = f"{value} {scan.facts['currency']}"
                full.append(f"{header}: {value}")
                parts.append(
                    f"<span style='color:gray'>{header}</span> <b>{escape(_cut(value, FACT_SHOWN_CHARS))}</b>"
                )
        if len(parts) == 1 and not without:
            parts.append("<span style='color:gray'>no card facts known</span>")
        self.setText(" · ".join(parts))
        self.setToolTip(tooltip("\n".join(_cut(f, 400) for f in full)))


class MainWindow(QWidget):
    """A plain window with a menu bar, the panes and a status bar in one layout, not a QMainWindow:
    QMainWindow lays its central widget out through an animator (a zero-length animation on every
    resize, the first one at start), and the first event of Qt's animation timer through the key
    router's application-wide filter made PySide create ~113 Python types nobody uses, ~15 ms of
    start-up (docs/PERFORMANCE.md). No dock widgets or tool bars are used: nothing else is lost.
    `menuBar()`, `statusBar()` and `centralWidget()` answer as QMainWindow's do."""

    close_requested = Signal()  # the user wants to quit; the controller decides when

    def __init__(self, keymap: Keymap, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)  # a window of its own, as a QMainWindow is
        self.setWindowTitle("ReviewDesk")
        self.resize(*DEFAULT_SIZE)
        self._closing_allowed = False
        self._shown_once = False

        self.scan_list = ScanListPane()
        self.notices = NoticeBar()
        self.facts = FactsBar()
        # The charged card beside the scanned one, when a scan has both (Bouncer CardVerify).
        self.compare = CardCompareView()
        self.compare.setObjectName("cardCompare")
        self.compare.setContentsMargins(10, 4, 10, 6)
        self.compare.hide()
        self._keymap = keymap
        self.image_view = ImageView()
        # The review surface: where the keyboard is whenever the reviewer is not typing on purpose.
        self.image_view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.setSpacing(0)
        centre_layout.addWidget(self.notices)
        centre_layout.addWidget(self.facts)
        centre_layout.addWidget(self.compare)
        # An item of another source (a Jumio transaction, a Preventor ticket): its images side by
        # side or one at a time over its details tree, in place of the one image of a Dyneti scan.
        self.item_images = ImageStrip()
        self.item_images.setObjectName("itemImages")
        self.item_images.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the review surface for such items
        self.item_images.own_keys = False  # the keymap's keys (next_image...), not the widget's own
        self.item_details = DetailsTree()
        self.item_details.setObjectName("itemDetails")
        self.item_details.tree.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.item_view = QSplitter(Qt.Orientation.Vertical)
        self.item_view.setObjectName("itemView")
        self.item_view.addWidget(self.item_images)
        self.item_view.addWidget(self.item_details)
        self.item_view.setStretchFactor(0, 1)
        self.item_view.setStretchFactor(1, 1)
        self.item_view.setSizes([300, 260])
        self.item_view.setChildrenCollapsible(False)
        self.viewer = QStackedWidget()
        self.viewer.addWidget(self.image_view)
        self.viewer.addWidget(self.item_view)
        centre_layout.addWidget(self.viewer, 1)

        self.decision_pane = DecisionPane(keymap)
        self.decision_pane.review_surface = self.image_view
        self.history = HistoryStrip()
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 4, 0)
        right_layout.addWidget(self.decision_pane)
        right_layout.addWidget(self.history)
        right_layout.addStretch(1)
        # Scrolls rather than grows: 16 wrapped decisions, the note and the history do not fit 720 px
        # of height at every font size, and the window must.
        self.right_scroll = QScrollArea()
        self.right_scroll.setObjectName("decisionScroll")
        self.right_scroll.setWidget(right)
        self.right_scroll.setWidgetResizable(True)
        self.right_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.right_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.right_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.scan_list)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.right_scroll)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes(list(DEFAULT_SPLIT))
        self.splitter.setChildrenCollapsible(False)
        self.scan_list.setMinimumWidth(200)
        self.right_scroll.setMinimumWidth(300)
        self._menu_bar = QMenuBar(self)
        self._status_bar = QStatusBar(self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.setMenuBar(self._menu_bar)
        outer.addWidget(self.splitter, 1)
        outer.addWidget(self._status_bar)

        self.status = StatusWidgets(self.statusBar())
        self._build_menus()
        self.setFocusProxy(self.image_view)

    def menuBar(self) -> QMenuBar:  # noqa: N802 - QMainWindow's name
        return self._menu_bar

    def statusBar(self) -> QStatusBar:  # noqa: N802 - QMainWindow's name
        return self._status_bar

    def centralWidget(self) -> QWidget:  # noqa: N802 - QMainWindow's name
        return self.splitter

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.import_action = self._action(file_menu, "&Import scans…", "Ctrl+O")
        self.paste_action = self._action(file_menu, "&Paste scan ids…", "Ctrl+Shift+V")
        file_menu.addSeparator()
        self.sign_in_action = self._action(file_menu, "&Sign in…")
        self.queue_action = self._action(file_menu, "&Outbox…", "Ctrl+Shift+O")
        self.keymap_action = self._action(file_menu, "Edit &keys…")
        self.export_action = self._action(file_menu, "&Export decisions…", "Ctrl+Shift+E")
        self.share_action = self._action(file_menu, "Import a s&hare of a team's file…")
        file_menu.addSeparator()
        self.quit_action = self._action(file_menu, "&Quit", "Ctrl+Q")
        edit_menu = bar.addMenu("&Edit")
        self.find_action = self._action(edit_menu, "&Find scan…")
        view_menu = bar.addMenu("&View")
        self.prefetch_action = self._action(view_menu, "&Prefetch next images")
        self.prefetch_action.setCheckable(True)
        self.prefetch_action.setChecked(True)
        self.tight_action = self._action(view_menu, "&Tight crop (admin)")
        self.tight_action.setCheckable(True)
        self.stats_action = self._action(view_menu, "&Statistics…", "Ctrl+Shift+S")
        self.undo_action = self._action(edit_menu, "&Undo last decision")
        self.history_action = self._action(edit_menu, "Recent &decisions")
        self.note_action = self._action(edit_menu, "Write a &note")
        help_menu = bar.addMenu("&Help")
        self.keys_action = self._action(help_menu, "&Keys")
        self.about_action = self._action(help_menu, "&About ReviewDesk")

    def _action(self, menu, text: str, shortcut=None) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        menu.addAction(action)
        return action

    def show_facts(self, scan: Scan | None) -> None:
        """The facts over the image: the id and facts line, and the two cards side by side when the
        scan knows both the charged and the scanned card (differences marked, D B suggested)."""
        both = scan is not None and has_both_cards(scan.facts)
        self.facts.show_scan(scan, without=("bin", "last4", "expiry", "cardholder") if both else ())
        if not both:
            self.compare.hide()
            return
        assert scan is not None
        self.compare.show_facts(scan.facts)
        if not self.compare.suggestion.isHidden():
            keys = display_keys(self._keymap.key_for("denied_bin_mismatch"))
            self.compare.suggestion.set_full_text(
                f"BIN or last 4 differ: {keys} (deny: bin or last 4 mismatch) suggested"
            )
        self.compare.show()

    def show_item_facts(self, title: str) -> None:
        """Over an item of another source: what it is (its details are in the tree below)."""
        self.compare.hide()
        self.facts.setText(f"<b>{escape(_cut(title, FACT_SHOWN_CHARS + SCAN_ID_SHOWN_CHARS))}</b>")
        self.facts.setToolTip(tooltip(title))

    def set_keymap(self, keymap: Keymap) -> None:
        self._keymap = keymap

    # -- focus, size and layout ----------------------------------------------------------------------

    def review_surface(self) -> QWidget:
        """Where the keyboard rests while reviewing: the image, or an item's images."""
        return self.item_images if self.viewer.currentWidget() is self.item_view else self.image_view

    def show_item_view(self, on: bool) -> None:
        """The images and details of an item of another source (on), or a Dyneti scan's image (off).
        The keyboard follows if it was on the surface put away."""
        before = self.review_surface()
        had_focus = before.hasFocus()
        self.viewer.setCurrentWidget(self.item_view if on else self.image_view)
        surface = self.review_surface()
        self.decision_pane.review_surface = surface
        self.setFocusProxy(surface)
        if surface is not before and had_focus:
            surface.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_review(self) -> None:
        """Put the keyboard back on the review surface, where every key decides."""
        if self.isVisible():
            # Also when Qt already counts it active: after a dialog closes, Qt may, while the
            # display's keyboard focus went back to the root window (no window manager gives it back).
            self.activateWindow()
        self.review_surface().setFocus(Qt.FocusReason.OtherFocusReason)

    def show_scan_title(self, scan_id: str | None, to_review: int | None = None) -> None:
        if not scan_id:
            self.setWindowTitle("ReviewDesk")
            return
        left = f" · {to_review} to review" if to_review is not None else ""
        self.setWindowTitle(f"ReviewDesk · {_cut(scan_id, SCAN_ID_SHOWN_CHARS, middle=True)}{left}")

    def layout_state(self) -> dict[str, str]:
        """Geometry and splitter sizes as text for the settings file."""
        return {
            "window_geometry": bytes(self.saveGeometry().toBase64().data()).decode(),
            "window_state": bytes(self.splitter.saveState().toBase64().data()).decode(),
        }

    def restore_layout(self, geometry: str, splitter: str) -> None:
        """Put the window back as it was left, but never larger than the screen it is on now."""
        if geometry:
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode()))
        if splitter:
            self.splitter.restoreState(QByteArray.fromBase64(splitter.encode()))
        self.fit_to_screen()

    def fit_to_screen(self) -> None:
        if QGuiApplication.platformName() == "offscreen":
            return  # a pretend 800x600 screen: tests and screenshots keep the size they ask for
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        frame = self.frameGeometry()
        extra_w = max(frame.width() - self.width(), 0)
        extra_h = max(frame.height() - self.height(), 0)
        width = min(self.width(), area.width() - extra_w)
        height = min(self.height(), area.height() - extra_h)
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        x = min(max(self.x(), area.left()), area.right() - width - extra_w + 1)
        y = min(max(self.y(), area.top()), area.bottom() - height - extra_h + 1)
        if (x, y) != (self.x(), self.y()):
            self.move(x, y)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.fit_to_screen()
            self.review_surface().setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.status.restyle()

    def allow_close(self) -> None:
        self._closing_allowed = True

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self._closing_allowed:
            event.accept()
            return
        event.ignore()
        self.close_requested.emit()
