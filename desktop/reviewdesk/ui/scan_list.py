"""The queue pane of the review window: the scan table, its filters, progress, and importing.

`ScanListPane` shows a `ScanTableModel` through a `ScanFilterProxy`. It tells the window which scan
the reviewer picked (`scan_activated`), which files were dropped on it or chosen in its Import dialog
(`files_chosen`: the window parses them off the GUI thread), and what pasted ids read
(`import_requested`, after parsing with `reviewdesk.domain.importer`); the window owns the queue and
calls `set_scans` / `add_scans` / `update_scan` / `select` back.

Dialogs are never run with exec(): the app runs asyncio on the Qt loop (qasync), and a nested event
loop would stall it. The file dialog is opened with open() and answers through filesSelected; the
paste dialog is a plain non-modal window.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QFontMetrics, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.store.queue_columns import QueueColumns
from reviewdesk.ui.elided_label import ElidedLabel
from reviewdesk.ui.queue_rows import Loader
from reviewdesk.ui.scan_table import (
    AMOUNT_COLUMN,
    COLUMNS,
    DECISION_COLUMN,
    ID_COLUMN,
    SCAN_ID_ROLE,
    STATE_COLUMN,
    ScanFilterProxy,
    ScanTableModel,
)

if TYPE_CHECKING:
    from reviewdesk.domain.importer import ImportResult


FILTERS: tuple[tuple[str, ScanState | None], ...] = (
    ("All", None),
    *((state.label, state) for state in ScanState),
)
SEARCH_PLACEHOLDER = "Search scan id…"
FILE_NAME_FILTERS = ["Scan lists (*.csv *.json *.txt)", "All files (*)"]

# Column widths in "0" digit widths. On screen, State and Decision come right after the scan id (the
# model keeps its column order): in a narrow pane they matter more than the card facts.
_COLUMN_CHARS = {
    ID_COLUMN: 16,
    STATE_COLUMN: 10,
    DECISION_COLUMN: 17,
    1: 8,
    2: 6,
    3: 7,
    4: 14,
    AMOUNT_COLUMN: 8,
}
_VISUAL_ORDER = (ID_COLUMN, STATE_COLUMN, DECISION_COLUMN)  # then the facts, in model order


def counts_text(counts: dict[ScanState, int]) -> str:
    """ "To review 83 · Decided 20 · Sent 15 · Failed 2" (and "Local 4" when there are any)"""
    return " · ".join(
        f"{state.label} {counts.get(state, 0)}"
        for state in ScanState
        if state is not ScanState.LOCAL or counts.get(state, 0)
    )


def progress_text(reviewed: int, total: int) -> str:
    return f"{reviewed} of {total} reviewed" if total else "No scans yet"


def supported_paths(urls: Iterable[QUrl]) -> list[Path]:
    """Local files among dropped URLs with a suffix the importer reads (.csv, .json, .txt)."""
    from reviewdesk.domain.importer import SUPPORTED_SUFFIXES as supported

    paths = []
    for url in urls:
        if url.isLocalFile():
            path = Path(url.toLocalFile())
            if path.suffix.lower() in supported:
                paths.append(path)
    return paths


class _MiddleElideDelegate(QStyledItemDelegate):
    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle  # type: ignore[attr-defined]


class PasteIdsDialog(QDialog):
    """A small non-modal window to paste scan ids (or CSV / JSON) into; `submitted(str)` on Import."""

    submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Paste scan ids")
        self.setModal(False)
        self.text_edit = QPlainTextEdit(self)
        self.text_edit.setPlaceholderText(
            "One scan id per line, or separated by commas, spaces or tabs.\n"
            "CSV with a scanId header row, and JSON, work too."
        )
        self.text_edit.setTabChangesFocus(True)
        self.buttons = QDialogButtonBox(self)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.import_button.setEnabled(False)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        self.text_edit.textChanged.connect(
            lambda: self.import_button.setEnabled(bool(self.text_edit.toPlainText().strip()))
        )
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Scan ids to add to the queue:", self))
        layout.addWidget(self.text_edit)
        layout.addWidget(self.buttons)
        self.resize(420, 300)

    def _submit(self) -> None:
        text = self.text_edit.toPlainText()
        if not text.strip():
            return
        self.accept()  # hide first: the import may take a moment for a very long paste
        self.text_edit.clear()
        self.submitted.emit(text)


class ScanListPane(QWidget):
    """The queue: search, state filter, table, progress, and the Import… / Paste ids… buttons."""

    scan_activated = Signal(str)  # the reviewer picked this scan (click, Enter, arrow keys)
    files_chosen = Signal(list)  # list[pathlib.Path]: files dropped on the pane or chosen in Import…
    import_requested = Signal(object)  # an ImportResult from the Import… or Paste ids… button
    search_left = Signal()  # Esc or Enter in the search box: the keyboard goes back to reviewing

    def __init__(self, parent: QWidget | None = None, model: ScanTableModel | None = None) -> None:
        super().__init__(parent)
        self.model = model if model is not None else ScanTableModel(parent=self)
        self.proxy = ScanFilterProxy(self.model, self)
        self._current_id: str | None = None  # the scan the window shows (restored after filtering)
        self._last_emitted: str | None = None
        self._quiet = 0  # > 0 while the pane itself moves the selection
        self._file_dialog: QFileDialog | None = None
        self._paste_dialog: PasteIdsDialog | None = None
        self.setAcceptDrops(True)

        self.search_box = QLineEdit(self)
        self.search_box.setPlaceholderText(SEARCH_PLACEHOLDER)
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setAcceptDrops(False)  # dropped files go to the pane, not into the search text
        self.search_box.setToolTip("Show only scans whose id contains this text (any case)")
        self.search_box.installEventFilter(self)
        # Entered on purpose only (a click, the search key, "/"): never the window's first focus.
        self.search_box.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

        self.state_filter = QComboBox(self)
        for label, state in FILTERS:
            self.state_filter.addItem(label, state.value if state else "")  # Qt keeps a StrEnum as str
        self.state_filter.setToolTip("Show only scans in this state")
        self.state_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.state_filter.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

        self.import_button = QPushButton("Import…", self)
        self.import_button.setToolTip("Add scans from .csv, .json or .txt files (or drop files on the list)")
        self.paste_button = QPushButton("Paste ids…", self)
        self.paste_button.setToolTip("Add scans by pasting their ids")
        for button in (self.import_button, self.paste_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space on a focused button is not a decision

        self.view = QTableView(self)
        self._setup_view()

        self.progress_bar = QProgressBar(self)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setMaximumHeight(QFontMetrics(self.font()).height() + 6)
        self.counts_label = QLabel(self)
        self.counts_label.setWordWrap(True)
        self.summary_label = ElidedLabel("", self, selectable=True)
        self.summary_label.hide()

        top = QHBoxLayout()
        top.setSpacing(4)
        top.addWidget(self.search_box, 1)
        top.addWidget(self.state_filter)
        adding = QHBoxLayout()
        adding.setSpacing(4)
        adding.addWidget(self.import_button, 1)
        adding.addWidget(self.paste_button, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(adding)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.counts_label)
        layout.addWidget(self.summary_label)

        self.search_box.textChanged.connect(lambda text: self.proxy.set_filter(search=text))
        self.search_box.returnPressed.connect(self._search_return)
        self.state_filter.currentIndexChanged.connect(
            lambda i: self.proxy.set_filter(state=self.filter_state())
        )
        self.import_button.clicked.connect(self.open_import_dialog)
        self.paste_button.clicked.connect(self.open_paste_dialog)
        self.view.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.view.activated.connect(self._activated)
        self.proxy.modelReset.connect(self._restore_selection)
        # Coalesced: QProgressBar.setValue repaints at once (and with it every dirty widget of the
        # window), which must not happen inside a keystroke; a burst of row updates costs one refresh.
        self._status_timer = QTimer(self)
        self._status_timer.setSingleShot(True)
        self._status_timer.setInterval(0)
        self._status_timer.timeout.connect(self.refresh_status_now)
        for signal in (self.model.dataChanged, self.model.rowsInserted, self.model.modelReset):
            signal.connect(self._refresh_status)
        self.refresh_status_now()

    def _setup_view(self) -> None:
        view = self.view
        view.setModel(self.proxy)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setWordWrap(False)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        view.setItemDelegateForColumn(ID_COLUMN, _MiddleElideDelegate(view))  # ids differ at both ends
        view.setShowGrid(False)
        view.setAlternatingRowColors(True)
        view.setSortingEnabled(False)
        view.setTabKeyNavigation(False)
        view.setCornerButtonEnabled(False)
        view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        metrics = QFontMetrics(view.font())
        rows = view.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # uniform row heights: cheap at 100k rows
        rows.setMinimumSectionSize(1)
        rows.setDefaultSectionSize(metrics.height() + 6)
        header = view.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # never ResizeToContents: O(rows)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for visual, column in enumerate(_VISUAL_ORDER):
            header.moveSection(header.visualIndex(column), visual)
        digit = metrics.horizontalAdvance("0")
        for column in range(len(COLUMNS)):
            header.resizeSection(column, digit * _COLUMN_CHARS.get(column, 10) + 12)

    # -- the queue -------------------------------------------------------------------------------------

    def set_scans(self, scans: Iterable[Scan]) -> None:
        self.model.set_scans(scans)

    def set_columns(self, columns: QueueColumns, loader: Loader | None) -> None:
        """The whole queue as the store's columns; whole scans read through `loader` (see ScanTableModel)."""
        self.model.set_columns(columns, loader)

    def add_scans(self, scans: Iterable[Scan]) -> tuple[int, int]:
        """Append new scans, merge facts into known ones; returns (added, merged)."""
        return self.model.add_scans(scans)

    def update_scan(self, scan: Scan) -> None:
        self.model.update_scan(scan)

    def current_scan_id(self) -> str | None:
        return self._current_id

    def select(self, scan_id: str | None) -> bool:
        """Select `scan_id` and scroll to it, without emitting scan_activated. False when it is not
        queued or hidden by the filter (it is selected again once a filter change shows it)."""
        self._current_id = scan_id
        self._last_emitted = scan_id
        return self._show_current()

    def _show_current(self) -> bool:
        row = self.model.row_of(self._current_id) if self._current_id is not None else None
        index = self.proxy.mapFromSource(self.model.index(row, 0)) if row is not None else QModelIndex()
        selection = self.view.selectionModel()
        self._quiet += 1
        try:
            if not index.isValid():
                selection.clear()
                return False
            selection.setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.view.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
            return True
        finally:
            self._quiet -= 1

    def _restore_selection(self) -> None:
        if self._current_id is not None:
            self._show_current()

    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def filter_state(self) -> ScanState | None:
        """The state the filter combo shows (None: all)."""
        value = self.state_filter.currentData()
        return ScanState(value) if value else None

    def set_state_filter(self, state: ScanState | None) -> None:
        self.state_filter.setCurrentIndex(self.state_filter.findData(state.value if state else ""))

    # -- reviewer's choice -----------------------------------------------------------------------------

    def _current_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._quiet or self.proxy.structure_changing or not current.isValid():
            return  # the pane or the model moved it, not the reviewer
        self._pick(current.data(SCAN_ID_ROLE))

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self._pick(index.data(SCAN_ID_ROLE))

    def _pick(self, scan_id: str | None) -> None:
        if scan_id is None:
            return
        self._current_id = scan_id
        if scan_id != self._last_emitted:
            self._last_emitted = scan_id
            self.scan_activated.emit(scan_id)

    def _search_return(self) -> None:
        """Enter in the search box: go to the first match (or keep the current one if it matches)."""
        self.proxy.settle()  # a search over many rows still being made: its rows, not the last ones
        if self.proxy.rowCount() == 0:
            return
        index = self.view.currentIndex()
        if not index.isValid():
            index = self.proxy.index(0, 0)
            self.view.setCurrentIndex(index)  # the reviewer's choice: emits scan_activated
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.search_box
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
        ):
            self.proxy.settle()  # a search over many rows still being made: its rows
            if self.proxy.rowCount():
                self._search_return()  # Down from the search box goes on into the list
                return True
        if (
            watched is self.search_box
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            self.search_left.emit()  # the filter stays; the keys decide again
            return True
        return super().eventFilter(watched, event)

    # -- status ----------------------------------------------------------------------------------------

    def _refresh_status(self, *_: object) -> None:
        if not self._status_timer.isActive():
            self._status_timer.start()

    def refresh_status_now(self) -> None:
        """The progress bar and the counts, from the model (normally coalesced by `_refresh_status`)."""
        counts = self.model.counts()
        total = len(self.model)
        reviewed = total - counts[ScanState.TO_REVIEW]
        self.counts_label.setText(counts_text(counts))
        self.progress_bar.setRange(0, max(total, 1))  # (0, 0) would be a "busy" bar
        self.progress_bar.setValue(reviewed)
        self.progress_bar.setFormat(progress_text(reviewed, total))

    def show_summary(self, text: str) -> None:
        self.summary_label.set_full_text(text)
        self.summary_label.setVisible(bool(text))

    # -- importing -------------------------------------------------------------------------------------

    def open_import_dialog(self) -> QFileDialog:
        """Open (or raise) the file dialog; chosen files are emitted as files_chosen (the controller
        parses them off the GUI thread)."""
        if self._file_dialog is None:
            dialog = QFileDialog(self, "Import scans")
            dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
            dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
            dialog.setNameFilters(FILE_NAME_FILTERS)
            dialog.filesSelected.connect(lambda files: self.files_chosen.emit([Path(f) for f in files]))
            self._file_dialog = dialog
        if self._file_dialog.isVisible():
            self._file_dialog.raise_()
            self._file_dialog.activateWindow()
        else:
            self._file_dialog.open()
        return self._file_dialog

    def open_paste_dialog(self) -> PasteIdsDialog:
        """Show (or raise) the non-modal paste window; Import there parses and emits import_requested."""
        if self._paste_dialog is None:
            self._paste_dialog = PasteIdsDialog(self)
            self._paste_dialog.submitted.connect(self.import_text)
        self._paste_dialog.show()
        self._paste_dialog.raise_()
        self._paste_dialog.activateWindow()
        self._paste_dialog.text_edit.setFocus()
        return self._paste_dialog

    def import_text(self, text: str) -> ImportResult:
        """Parse pasted text and emit import_requested."""
        from reviewdesk.domain.importer import ImportFailed, ImportResult, parse_pasted

        try:
            result = parse_pasted(text)
        except ImportFailed as exc:
            result = ImportResult.failed("pasted text", str(exc))
        self.show_summary(result.summary())
        self.import_requested.emit(result)
        return result

    # -- drag and drop ---------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if supported_paths(event.mimeData().urls() if event.mimeData().hasUrls() else []):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if supported_paths(event.mimeData().urls() if event.mimeData().hasUrls() else []):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = supported_paths(event.mimeData().urls() if event.mimeData().hasUrls() else [])
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.files_chosen.emit(paths)
