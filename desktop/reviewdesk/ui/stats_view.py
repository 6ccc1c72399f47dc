"""The Statistics view: the numbers of `reviewdesk stats` (store/stats.py, one computation for
both), with bar charts painted with QPainter: decisions per day and the share of each shortcode."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.store.stats import Stats, Summary


def _num(value: float | None, fmt: str, unit: str = "") -> str:
    return "–" if value is None else f"{value:{fmt}}{unit}"


def _undo(s: Summary) -> str:
    return _num(None if s.undo_rate is None else s.undo_rate * 100, ".1f", " %")


TIPS = {
    "decided": "Decisions made (re-decisions included; an undone decision was still made)",
    "per hour": "Decisions per hour spent on items (idle time behind the privacy screen left out)",
    "median": "Median seconds on an item",
    "p90": "90 % of the decisions took no longer than this (nearest rank)",
    "undo": "Undos per decision",
}


class BarChart(QWidget):
    """Horizontal bars: one row per (label, value, text), scaled to the largest value."""

    ROW = 22

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, float, str]] = []
        self.setMinimumHeight(self.ROW)

    def set_rows(self, rows: Sequence[tuple[str, float, str]]) -> None:
        self._rows = list(rows)
        self.setMinimumHeight(max(1, len(self._rows)) * self.ROW + 4)
        self.updateGeometry()
        self.update()

    def rows(self) -> list[tuple[str, float, str]]:
        return list(self._rows)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(420, max(1, len(self._rows)) * self.ROW + 4)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        metrics = painter.fontMetrics()
        widest = max((metrics.horizontalAdvance(r[0]) for r in self._rows), default=0)
        label_w = min(widest + 8, self.width() // 2)
        text_w = max((metrics.horizontalAdvance(r[2]) for r in self._rows), default=0) + 8
        top = max((r[1] for r in self._rows), default=0.0) or 1.0
        bar_area = max(self.width() - label_w - text_w, 10)
        for i, (label, value, text) in enumerate(self._rows):
            y = 2 + i * self.ROW
            painter.setPen(pal.color(QPalette.ColorRole.WindowText))
            painter.drawText(
                QRectF(0, y, label_w - 8, self.ROW - 4),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(label, Qt.TextElideMode.ElideMiddle, label_w - 8),
            )
            width = bar_area * value / top
            bar = QRectF(label_w, y + 3, max(width, 1.0), self.ROW - 10)
            painter.fillRect(bar, pal.color(QPalette.ColorRole.Highlight))
            painter.drawText(
                QRectF(label_w + width + 6, y, text_w, self.ROW - 4),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                text,
            )
        painter.end()


class StatsDialog(QDialog):
    """The view: totals, decisions per day and shortcode shares as bars, a table per day and source."""

    COLUMNS = ("decided", "per hour", "median", "p90", "undo")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Statistics")
        self.setObjectName("statsDialog")
        self.totals: dict[str, QLabel] = {}
        grid = QGridLayout()
        for col, (key, title) in enumerate(
            (
                ("decided", "Decisions"),
                ("per hour", "Per hour"),
                ("median", "Median time"),
                ("p90", "90th percentile"),
                ("undo", "Undo rate"),
            )
        ):
            head = QLabel(title)
            head.setToolTip(TIPS[key])
            value = QLabel("–")
            font = value.font()
            font.setPointSizeF(font.pointSizeF() * 1.5)
            font.setBold(True)
            value.setFont(font)
            value.setObjectName(f"total-{key.replace(' ', '-')}")
            grid.addWidget(head, 0, col)
            grid.addWidget(value, 1, col)
            self.totals[key] = value
        self.days_chart = BarChart()
        self.codes_chart = BarChart()
        charts = QHBoxLayout()
        for title, chart in (("Decisions per day (UTC)", self.days_chart), ("Shortcodes", self.codes_chart)):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(chart)
            charts.addWidget(box, 1)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.empty = QLabel("No decisions yet.")
        self.empty.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.empty)
        layout.addLayout(charts)
        layout.addWidget(QLabel("Per day (UTC) and per source"))
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(900, 600)

    def set_stats(self, stats: Stats) -> None:
        total = stats.total
        self.empty.setVisible(total.decisions == 0)
        for key, text in zip(self.COLUMNS, self._cells(total), strict=True):
            self.totals[key].setText(text)
        self.days_chart.set_rows([(day, s.decisions, str(s.decisions)) for day, s in stats.by_day.items()])
        shares = total.shares().items()
        self.codes_chart.set_rows([(c, v, f"{v * 100:.1f} % ({total.codes[c]})") for c, v in shares])
        rows = list(stats.by_day.items()) + list(stats.by_source.items())
        self.table.setRowCount(len(rows))
        self.table.setVerticalHeaderLabels([label for label, _ in rows])
        for r, (_, s) in enumerate(rows):
            for c, text in enumerate(self._cells(s)):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)

    @staticmethod
    def _cells(s: Summary) -> list[str]:
        return [
            str(s.decisions),
            _num(s.per_hour, ".1f"),
            _num(s.median_seconds, ".1f", " s"),
            _num(s.p90_seconds, ".1f", " s"),
            _undo(s),
        ]
