"""The review queue as a Qt table model, and a filter proxy fast enough for 100,000 scans.

`ScanTableModel` holds the scans in queue order with an id -> row index and incrementally kept
per-state counts. `ScanFilterProxy` filters by state and by a case-insensitive scan-id substring; it
does not ask Python whether each row is accepted (QSortFilterProxyModel.filterAcceptsRow would be
called 100,000 times per keystroke) but computes the visible rows with one list comprehension over
pre-lowered ids and resets. Decisions that change a scan's state move just that row in or out.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from types import EllipsisType
from typing import Any

from PySide6.QtCore import (
    QAbstractProxyModel,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPixmap

from reviewdesk.domain import shortcodes
from reviewdesk.domain.scan import CARD_FACTS, Scan, ScanState, merge_facts
from reviewdesk.store.queue_columns import QueueColumns
from reviewdesk.ui.plain_text import tooltip
from reviewdesk.ui.queue_rows import Loader, QueueRows, Rows

Index = QModelIndex | QPersistentModelIndex

COLUMNS: tuple[str, ...] = ("Scan id", *(header for _, header in CARD_FACTS), "State", "Decision")
ID_COLUMN = 0
FACT_COLUMNS = {i + 1: key for i, (key, _) in enumerate(CARD_FACTS)}  # column -> fact key
STATE_COLUMN = len(CARD_FACTS) + 1
DECISION_COLUMN = STATE_COLUMN + 1
AMOUNT_COLUMN = next(c for c, key in FACT_COLUMNS.items() if key == "amount")

_MEMO = 4  # filter results kept for Backspace (a list of up to 1,000,000 row numbers each)
#: A search over more rows than twice this is made this many rows at a time, the loop turning in
#: between: over 1,000,000 rows one keystroke's search held the GUI thread 50-126 ms
#: (docs/PERFORMANCE.md); a step is ~5 ms.
SEARCH_STEP_ROWS = 100_000
SCAN_ROLE = int(Qt.ItemDataRole.UserRole) + 1  # the row's Scan
SCAN_ID_ROLE = int(Qt.ItemDataRole.UserRole) + 2  # the row's scan id (any column)

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ROLES = frozenset({_DISPLAY, _ALIGNMENT, _DECORATION, _FOREGROUND, _TOOLTIP, SCAN_ID_ROLE, SCAN_ROLE})
_ALIGNMENTS = tuple(
    (Qt.AlignmentFlag.AlignRight if column == AMOUNT_COLUMN else Qt.AlignmentFlag.AlignLeft)
    | Qt.AlignmentFlag.AlignVCenter
    for column in range(len(COLUMNS))
)

STATE_COLOURS: dict[ScanState, str] = {
    ScanState.TO_REVIEW: "#8c96a8",  # slate: waiting
    ScanState.DECIDED: "#d99a00",  # amber: decided here, not yet delivered
    ScanState.SENT: "#2e9d5b",  # green: the server has it
    ScanState.FAILED: "#d64545",  # red: refused, needs attention
    ScanState.LOCAL: "#3b7dd8",  # blue: decided and kept here (a source without a feedback endpoint)
}
_FAILED_COLOUR = QColor(STATE_COLOURS[ScanState.FAILED])  # the State text of a failed scan


_state_icons: dict[ScanState, QIcon] = {}


def state_icon(state: ScanState) -> QIcon:
    """A filled dot in the state's colour (drawn at 2x so it stays crisp on high-DPI screens).
    A null icon while there is no QGuiApplication (pixmaps need one)."""
    icon = _state_icons.get(state)
    if icon is not None:
        return icon
    if not isinstance(QCoreApplication.instance(), QGuiApplication):
        return QIcon()
    pixmap = QPixmap(24, 24)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(STATE_COLOURS[state]))
    painter.drawEllipse(2, 2, 8, 8)  # logical pixels, centred in 12 x 12
    painter.end()
    icon = _state_icons[state] = QIcon(pixmap)
    return icon


def _decision_tooltip(scan: Scan) -> str:
    parts = []
    if scan.shortcode:
        code = shortcodes.by_code().get(scan.shortcode)
        parts.append(f"{scan.shortcode}: {code.description}" if code else scan.shortcode)
    if scan.note:
        parts.append(f"Note: {scan.note}")
    return "\n".join(parts)


def _amount_text(scan: Scan) -> str:
    """The amount with its currency when the import had one: "12.50 USD"."""
    amount = scan.facts.get("amount", "")
    currency = scan.facts.get("currency", "")
    return f"{amount} {currency}" if amount and currency else amount


class ScanTableModel(QAbstractTableModel):
    """The review queue, in queue order. Rows never move or disappear; scans are replaced whole.

    The rows are columns (`queue_rows.QueueRows`): with `set_columns` and a loader, whole scans are
    read from the store a page at a time as they are asked for, so 1,000,000 queued scans never
    become 1,000,000 Python objects with their facts."""

    def __init__(self, scans: Iterable[Scan] = (), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows = QueueRows()
        #: What a source says of an item beside its state ("Jumio PENDING · next poll in 20 s").
        self._notes: dict[str, str] = {}
        #: True while a dataChanged that changed no row's state is emitted (facts merged, a note):
        #: which rows a filter shows cannot have changed (ScanFilterProxy skips looking).
        self.states_kept = False
        if scans:
            self.set_scans(list(scans))

    def set_note(self, scan_id: str, note: str) -> None:
        """Shown after the item's state (the source's own state, when it is polled)."""
        if self._notes.get(scan_id, "") == note:
            return
        if note:
            self._notes[scan_id] = note
        else:
            self._notes.pop(scan_id, None)
        row = self.row_of(scan_id)
        if row is not None:
            index = self.index(row, STATE_COLUMN)
            self._emit_kept_states(index, index)

    def _emit_kept_states(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        self.states_kept = True
        try:
            self.dataChanged.emit(top_left, bottom_right)
        finally:
            self.states_kept = False

    def note(self, scan_id: str) -> str:
        return self._notes.get(scan_id, "")

    # -- reading ---------------------------------------------------------------------------------------

    def scans(self) -> list[Scan]:
        """Every scan, whole (reads the store for rows it does not hold: for small queues and tests)."""
        return [self._rows.scan(row) for row in range(len(self._rows))]

    def scan_at(self, row: int) -> Scan:
        return self._rows.scan(row)

    def scan_id_at(self, row: int) -> str:
        return self._rows.ids[row]

    def state_at(self, row: int) -> ScanState:
        return self._rows.state(row)

    def row_of(self, scan_id: str) -> int | None:
        return self._rows.index.get(scan_id)

    def get(self, scan_id: str) -> Scan | None:
        row = self._rows.index.get(scan_id)
        return None if row is None else self._rows.scan(row)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, scan_id: object) -> bool:
        return scan_id in self._rows.index

    def counts(self) -> dict[ScanState, int]:
        """Scans per state (every state present, zeros included); kept up to date, O(1)."""
        return dict(self._rows.counts)

    def reviewed_count(self) -> int:
        return len(self._rows) - self._rows.counts[ScanState.TO_REVIEW]

    def next_to_review(self, after_scan_id: str | None) -> str | None:
        """The next scan to review after `after_scan_id` in queue order, wrapping around; never that
        scan itself. From the top when it is None or unknown; None when nothing else is to review."""
        found = self._rows.upcoming(after_scan_id, 1)
        return found[0] if found else None

    def upcoming(self, scan_id: str | None, n: int) -> list[str]:
        """The next `n` scans to review after `scan_id` (as next_to_review), e.g. to prefetch images."""
        return self._rows.upcoming(scan_id, n)

    # -- changing --------------------------------------------------------------------------------------

    def set_columns(self, columns: QueueColumns, loader: Loader | None) -> None:
        """Replace the whole queue with the store's columns; whole scans come from `loader`."""
        self.beginResetModel()
        self._rows.adopt(columns, loader)
        self.endResetModel()

    def set_scans(self, scans: Iterable[Scan]) -> None:
        """Replace the whole queue (a repeated id is merged into its first occurrence)."""
        self.beginResetModel()
        self._rows.replace(scans)
        self.endResetModel()

    def add_scans(self, scans: Iterable[Scan]) -> tuple[int, int]:
        """Append new scans; for ids already queued, merge the facts in (their state, decision and
        note stay). Returns (added, merged). With a loader the store has them already (the new rows
        are read from it as they are shown)."""
        rows = self._rows
        fresh: dict[str, Scan] = {}
        changed: list[int] = []
        for scan in scans:
            row = rows.index.get(scan.scan_id)
            if row is not None:
                if rows.merge_facts(row, scan):
                    changed.append(row)
                continue
            first = fresh.get(scan.scan_id)
            fresh[scan.scan_id] = (
                scan if first is None else first.with_(facts=merge_facts(first.facts, scan.facts))
            )
        if changed:  # one signal for the span, not one per row: a re-import may touch thousands
            # (rows far apart, e.g. an id repeated in a later part of a big file, make a wide span:
            # no row's state changed, so the filter proxy does not look through it)
            self._emit_kept_states(self.index(min(changed), 0), self.index(max(changed), len(COLUMNS) - 1))
        if fresh:
            first_row = len(rows)
            self.beginInsertRows(QModelIndex(), first_row, first_row + len(fresh) - 1)
            rows.append_new(list(fresh.values()), hold=False)
            self.endInsertRows()
        return len(fresh), len(changed)

    def update_scan(self, scan: Scan) -> None:
        """Replace the queued scan with the same id (KeyError if it is not queued); only its row changes."""
        before = self._rows.state(self._rows.index[scan.scan_id])
        row = self._rows.update(scan)
        top_left, bottom_right = self.index(row, 0), self.index(row, len(COLUMNS) - 1)
        if scan.state is before:
            self._emit_kept_states(top_left, bottom_right)
        else:
            self.dataChanged.emit(top_left, bottom_right)

    # -- Qt model --------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return _ALIGNMENTS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        return self.cell(index.row(), index.column(), role)

    def cell(self, row: int, column: int, role: int) -> Any:
        """data() without a QModelIndex (the proxy calls this: a view repaint asks ~1,500 times)."""
        rows = self._rows
        if role not in _ROLES or not 0 <= row < len(rows):
            return None
        if role == SCAN_ID_ROLE or (role == _DISPLAY and column == ID_COLUMN):
            return rows.ids[row]  # no page read for the id
        if column == STATE_COLUMN and role in (_DISPLAY, _DECORATION, _FOREGROUND):
            state = rows.state(row)
            if role == _DISPLAY:
                note = self._notes.get(rows.ids[row]) if self._notes else None
                return f"{state.label} · {note}" if note else state.label
            if role == _DECORATION:
                return state_icon(state)
            return _FAILED_COLOUR if state is ScanState.FAILED else None
        if role == _ALIGNMENT:
            return _ALIGNMENTS[column] if 0 <= column < len(COLUMNS) else None
        if role in (_DECORATION, _FOREGROUND):
            return None
        scan = rows.scan(row)
        if role == _DISPLAY:
            if column == ID_COLUMN:
                return scan.scan_id
            if column == STATE_COLUMN:
                note = self._notes.get(scan.scan_id)
                return f"{scan.state.label} · {note}" if note else scan.state.label
            if column == DECISION_COLUMN:
                return scan.shortcode or ""
            if column == AMOUNT_COLUMN:
                return _amount_text(scan)
            key = FACT_COLUMNS.get(column)
            return scan.facts.get(key, "") if key else None
        if role == _ALIGNMENT:
            return _ALIGNMENTS[column] if 0 <= column < len(COLUMNS) else None
        if role == _DECORATION:
            return state_icon(scan.state) if column == STATE_COLUMN else None
        if role == _FOREGROUND:
            return _FAILED_COLOUR if column == STATE_COLUMN and scan.state is ScanState.FAILED else None
        if role == _TOOLTIP:
            if column == STATE_COLUMN and scan.scan_id in self._notes:
                return tooltip(f"{scan.state.label}: {self._notes[scan.scan_id]}")
            return self._tooltip(scan, column)
        if role == SCAN_ID_ROLE:
            return scan.scan_id
        return scan  # SCAN_ROLE

    @staticmethod
    def _tooltip(scan: Scan, column: int) -> str | None:
        problem = f"{scan.state.label}: {scan.error}" if scan.error else ""
        if column == STATE_COLUMN:
            return tooltip(problem or scan.state.label)
        if column == ID_COLUMN:
            text = scan.scan_id
        elif column == DECISION_COLUMN:
            text = _decision_tooltip(scan)
        elif column == AMOUNT_COLUMN:
            text = _amount_text(scan)
        else:
            text = scan.facts.get(FACT_COLUMNS.get(column, ""), "")
        text = "\n".join(part for part in (text, problem) if part)  # anywhere on a failed row, say why
        return tooltip(text) or None


class ScanFilterProxy(QAbstractProxyModel):
    """State filter and case-insensitive scan-id search over a ScanTableModel, in queue order.

    `structure_changing` is True while this proxy resets, inserts or removes rows: views moving their
    current index in reaction are not the reviewer choosing a scan.
    """

    def __init__(self, source: ScanTableModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._rows: list[int] | range = range(0)  # visible source rows, ascending (a range: all)
        self._memo: OrderedDict[tuple[ScanState | None, str], list[int] | range] = OrderedDict()
        self._state: ScanState | None = None
        self._search = ""
        self._shown: tuple[ScanState | None, str] = (None, "")  # the filter `_rows` are for
        # A search over many rows, made a step at a time (`SEARCH_STEP_ROWS`): until it is done
        # the rows of the filter before it stay shown.
        self._job: Iterator[list[int] | None] | None = None
        self._job_end = 0  # the rows queued when the part of the search being made began
        self._job_found: list[int] = []  # rows found by the parts of the search done before
        self._job_touched: set[int] = set()  # rows whose state changed while it ran
        self._job_timer = QTimer(self)
        self._job_timer.setSingleShot(True)
        self._job_timer.setInterval(0)
        self._job_timer.timeout.connect(self._job_step)
        self.structure_changing = False
        self.setSourceModel(source)
        source.modelAboutToBeReset.connect(self._source_about_to_reset)
        source.modelReset.connect(self._source_reset)
        source.rowsInserted.connect(self._source_rows_inserted)
        source.dataChanged.connect(self._source_data_changed)
        source.headerDataChanged.connect(self.headerDataChanged)
        self._rows = self._compute_rows()

    # -- filter ----------------------------------------------------------------------------------------

    @property
    def state_filter(self) -> ScanState | None:
        return self._state

    @property
    def search_text(self) -> str:
        return self._search

    def set_filter(self, state: ScanState | None | EllipsisType = ..., search: str | None = None) -> None:
        """Change the state filter (None: all states) and/or the id search; omitted ones stay.
        A search over more than 2 x `SEARCH_STEP_ROWS` rows is shown when done (`searching`),
        the loop turning between its steps; any other filter at once."""
        new_state = self._state if state is ... else state
        new_search = self._search if search is None else search.strip().lower()
        if new_state is self._state and new_search == self._search:
            return
        self._state, self._search = new_state, new_search
        self._stop_job()
        key = (new_state, new_search)
        remembered = self._memo.pop(key, None)
        if remembered is not None or key == self._shown:
            self._show(key, remembered if remembered is not None else self._rows)
            return
        # Typing one more letter narrows the rows shown (when they are few: else from scratch, in C);
        # Backspace gets the rows it had a moment ago back from the memo.
        shown_state, shown_search = self._shown
        narrowing = (
            new_state is shown_state
            and shown_search in new_search
            and len(self._rows) * 2 < len(self._source)  # else from scratch is faster
        )
        within = self._rows if narrowing else None
        if new_search and len(self._rows if narrowing else self._source) > 2 * SEARCH_STEP_ROWS:
            state_too = None if narrowing else new_state  # (the rows shown are in the state already)
            self._start_job(state_too, within, [])
            return
        source_rows = self._source._rows  # (narrowing: the rows shown are in the state already)
        self._show(key, source_rows.narrow(self._rows, new_search) if narrowing else self._compute_rows())

    @property
    def searching(self) -> bool:
        """A search is being made; the rows shown are those of the filter before it."""
        return self._job is not None

    def settle(self) -> None:
        """Finish the search being made now (its rows shown when this returns)."""
        while self._job is not None:
            self._job_step()

    def _start_job(self, state: ScanState | None, within: Rows | None, found: list[int]) -> None:
        """Search `within` (None: every row queued now) for the search being made, `state` (None:
        any) too; `found`: rows found by the part of this search done before."""
        source = self._source._rows
        self._job = source.search_steps(state, self._search, SEARCH_STEP_ROWS, within)
        self._job_end = len(source)  # rows appended from here on are looked at after
        self._job_found = found
        self._job_timer.start()

    def _job_step(self) -> None:
        job = self._job
        if job is None:
            return
        try:
            rows = next(job)
        except BaseException:
            self._stop_job()  # never left "searching" for good
            raise
        if rows is None:
            self._job_timer.start()  # the next step after the loop has gone round
            return
        found = self._job_found + rows if self._job_found else rows
        queued = len(self._source._rows)
        if queued > self._job_end:  # rows appended while it ran (an import): those too
            self._start_job(self._state, range(self._job_end, queued), found)
            return
        touched, self._job_touched = self._job_touched, set()
        for row in sorted(touched):  # rows whose state changed while it ran: held to it again
            at = bisect_left(found, row)
            present, wanted = at < len(found) and found[at] == row, self._accepts(row)
            if wanted and not present:
                found.insert(at, row)
            elif present and not wanted:
                del found[at]
        self._job = None
        self._show((self._state, self._search), found)

    def _stop_job(self) -> None:
        self._job = None
        self._job_found = []
        self._job_touched = set()
        self._job_timer.stop()

    def _show(self, key: tuple[ScanState | None, str], rows: list[int] | range) -> None:
        self._begin_structure()
        self.beginResetModel()
        self._rows, self._shown = rows, key
        self._memo.pop(key, None)
        self._memo[key] = rows
        while len(self._memo) > _MEMO:
            self._memo.popitem(last=False)
        self.endResetModel()
        self._end_structure()

    def _compute_rows(self) -> list[int] | range:
        return self._source._rows.matching(self._state, self._search)

    def _accepts(self, row: int) -> bool:
        return self._source._rows.accepts(row, self._state, self._search)

    def _editable_rows(self) -> list[int]:
        if isinstance(self._rows, range):  # everything shown until now: a list from here on
            self._rows = list(self._rows)
        return self._rows

    def visible_count(self) -> int:
        self.settle()
        return len(self._rows)

    def source_rows(self) -> list[int]:
        self.settle()
        return list(self._rows)

    # -- source changes --------------------------------------------------------------------------------

    def _begin_structure(self) -> None:
        self.structure_changing = True

    def _end_structure(self) -> None:
        self.structure_changing = False

    def _source_about_to_reset(self) -> None:
        self._stop_job()
        self._begin_structure()
        self.beginResetModel()

    def _source_reset(self) -> None:
        self._memo.clear()
        self._rows, self._shown = self._compute_rows(), (self._state, self._search)
        self.endResetModel()
        self._end_structure()

    def _source_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        self._memo.clear()
        if self._job is not None:
            return  # the search being made looks at them when it is done (_job_step)
        if self._state is None and not self._search:
            new: list[int] | range = range(first, last + 1)
        else:
            new = [r for r in range(first, last + 1) if self._accepts(r)]
        if not new:
            return
        # Our model only appends, so new rows come after every visible one.
        at = len(self._rows)
        self._begin_structure()
        self.beginInsertRows(QModelIndex(), at, at + len(new) - 1)
        if isinstance(self._rows, range) and len(new) == last + 1 - first and self._rows.stop == first:
            self._rows = range(self._rows.stop + len(new))  # still every row
        else:
            self._editable_rows().extend(new)
        self.endInsertRows()
        self._end_structure()

    def _source_data_changed(
        self, top_left: QModelIndex, bottom_right: QModelIndex, roles: list[int]
    ) -> None:
        rows = self._rows
        span = range(top_left.row(), bottom_right.row() + 1)
        # With no row's state changed (facts merged, a note) no row comes or goes, whatever the span
        # (an id repeated far apart in a big file spans most of the queue): only repainted.
        if not self._source.states_kept:
            self._memo.clear()
            if self._job is not None:
                self._job_touched.update(span)  # held to the search being made when it is done
            else:
                for source_row in span:
                    at = bisect_left(rows, source_row)
                    shown = at < len(rows) and rows[at] == source_row
                    wanted = self._accepts(source_row)
                    if shown and not wanted:  # e.g. decided while the filter shows only scans to review
                        rows = self._editable_rows()
                        self._begin_structure()
                        self.beginRemoveRows(QModelIndex(), at, at)
                        del rows[at]
                        self.endRemoveRows()
                        self._end_structure()
                    elif wanted and not shown:
                        rows = self._editable_rows()
                        self._begin_structure()
                        self.beginInsertRows(QModelIndex(), at, at)
                        rows.insert(at, source_row)
                        self.endInsertRows()
                        self._end_structure()
        first = bisect_left(rows, top_left.row())
        last = bisect_left(rows, bottom_right.row() + 1) - 1
        if first <= last:  # the visible rows of the changed span (rows just moved in included)
            self.dataChanged.emit(
                self.index(first, top_left.column()), self.index(last, bottom_right.column()), roles
            )

    # -- Qt proxy --------------------------------------------------------------------------------------

    def mapToSource(self, proxy_index: Index) -> QModelIndex:
        if not proxy_index.isValid() or proxy_index.row() >= len(self._rows):
            return QModelIndex()
        return self._source.index(self._rows[proxy_index.row()], proxy_index.column())

    def mapFromSource(self, source_index: Index) -> QModelIndex:
        if not source_index.isValid():
            return QModelIndex()
        at = bisect_left(self._rows, source_index.row())
        if at < len(self._rows) and self._rows[at] == source_index.row():
            return self.createIndex(at, source_index.column())
        return QModelIndex()

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid() or not (0 <= row < len(self._rows) and 0 <= column < len(COLUMNS)):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, index: Index | None = None) -> Any:  # type: ignore[override]
        if index is None:  # QObject.parent()
            return QObject.parent(self)
        return QModelIndex()

    def sibling(self, row: int, column: int, index: Index) -> QModelIndex:
        return self.index(row, column)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and bool(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = index.row()
        if not 0 <= row < len(self._rows):  # an invalid index has row -1
            return None
        return self._source.cell(self._rows[row], index.column(), role)

    _FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def flags(self, index: Index) -> Qt.ItemFlag:
        # The source's (QAbstractTableModel's) flags for every cell. QAbstractProxyModel's own
        # flags() calls the Python mapToSource for each painted cell: ~15% of a filter keystroke.
        return self._FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal:
            return self._source.headerData(section, orientation, role)
        if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._rows):
            return str(self._rows[section] + 1)  # the queue position
        return None
