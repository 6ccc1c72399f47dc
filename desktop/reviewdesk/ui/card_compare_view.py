"""The expected card beside the scanned card, field by field (docs/BOUNCER.md), as a standalone widget.

Two aligned columns, each row marked equal, different or missing by a symbol and a word *and* a
colour (never colour alone), the colours picked for contrast with the palette in use
(`ui/colours.py`). With one card only, its facts are listed. Every text is plain text, and every
label elides rather than widening the window: a 500-character cardholder cannot push the layout.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QGridLayout, QSizePolicy, QVBoxLayout, QWidget

from reviewdesk.domain.card_compare import (
    FIELDS,
    Outcome,
    compare,
    has_both_cards,
    has_scanned,
    suggests_bin_mismatch,
)
from reviewdesk.ui.colours import level_style
from reviewdesk.ui.elided_label import ElidedLabel

#: What each outcome shows, and its colour level: symbol and word first, colour on top.
MARKS: dict[Outcome, tuple[str, str]] = {
    Outcome.EQUAL: ("✓ same", "ok"),
    Outcome.DIFFERENT: ("✗ DIFFERENT", "bad"),
    Outcome.MISSING: ("? missing", "warn"),
}
EMPTY_VALUE = "—"
OTHER_FACTS = (("amount", "Amount"), ("currency", "Currency"), ("merchantRef", "Merchant ref"))
SUGGESTION = "BIN or last 4 differ: D B (denied_bin_mismatch) suggested"


class Cell(ElidedLabel):
    """One field of a card: an elided label (ui/elided_label.py) tinted by its outcome."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._level = ""
        self._bold = False

    @property
    def level(self) -> str:
        return self._level

    def set_level(self, level: str, *, bold: bool = False) -> None:
        self._level = level
        self._bold = bold
        self.retint()

    def retint(self) -> None:
        self.setStyleSheet(
            level_style(self._level, self.window().palette(), bold=self._bold) if self._level else ""
        )


class CardCompareView(QWidget):
    """`show_facts(facts)`: "compare" mode when both cards are known, "one" when one is, else "empty"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(12)
        outer.addLayout(self._grid)
        self.suggestion = Cell("", self)
        outer.addWidget(self.suggestion)
        self.mode = "empty"
        self.rows: dict[str, tuple[Cell, ...]] = {}

    def _clear(self) -> None:
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.rows = {}

    def _add_row(self, row: int, key: str, texts: tuple[str, ...]) -> tuple[Cell, ...]:
        cells = tuple(Cell(text, self) for text in texts)
        for column, cell in enumerate(cells):
            self._grid.addWidget(cell, row, column)
        self.rows[key] = cells
        return cells

    def show_facts(self, facts: Mapping[str, str]) -> None:
        self._clear()
        for column in range(4):
            self._grid.setColumnStretch(column, 0)
        if has_both_cards(facts):
            self._show_both(facts)
        else:
            self._show_one(facts)

    def _show_both(self, facts: Mapping[str, str]) -> None:
        self.mode = "compare"
        for cell in self._add_row(0, "header", ("", "Expected", "Scanned", "")):
            cell.setStyleSheet("font-weight: bold;")
        comparisons = compare(facts)
        for row, comparison in enumerate(comparisons, start=1):
            mark, level = MARKS[comparison.outcome]
            cells = self._add_row(
                row,
                comparison.field,
                (
                    comparison.label,
                    comparison.expected or EMPTY_VALUE,
                    comparison.scanned or EMPTY_VALUE,
                    mark,
                ),
            )
            different = comparison.outcome is Outcome.DIFFERENT
            cells[3].set_level(level, bold=different)
            if different:  # the values too, so the difference reads along the whole row
                cells[1].set_level(level, bold=True)
                cells[2].set_level(level, bold=True)
        for column, stretch in enumerate((2, 3, 3, 2)):
            self._grid.setColumnStretch(column, stretch)
        suggested = suggests_bin_mismatch(comparisons)
        self.suggestion.set_full_text(SUGGESTION if suggested else "")
        self.suggestion.set_level("bad" if suggested else "", bold=True)
        self.suggestion.setVisible(suggested)

    def _show_one(self, facts: Mapping[str, str]) -> None:
        column = 3 if has_scanned(facts) else 2  # (field, label, expected key, scanned key)
        shown = [(f[1], facts.get(f[column], "")) for f in FIELDS]
        shown += [(label, facts.get(key, "")) for key, label in OTHER_FACTS]
        shown = [(label, value) for label, value in shown if value]
        self.mode = "one" if shown else "empty"
        title = "Scanned card" if column == 3 else "Card"
        if shown:
            self._add_row(0, "header", (title, ""))[0].setStyleSheet("font-weight: bold;")
        for row, (label, value) in enumerate(shown, start=1):
            self._add_row(row, label, (label, value))
        self._grid.setColumnStretch(0, 2)
        self._grid.setColumnStretch(1, 5)
        self.suggestion.set_full_text("")
        self.suggestion.setVisible(False)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            for cells in self.rows.values():
                for cell in cells:
                    if cell.level:
                        cell.retint()
            if self.suggestion.level:
                self.suggestion.retint()
