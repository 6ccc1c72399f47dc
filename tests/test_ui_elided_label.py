"""The one eliding label (ui/elided_label.py) and the places that use it."""

from __future__ import annotations

from PySide6.QtCore import Qt

from reviewdesk.ui.card_compare_view import Cell
from reviewdesk.ui.elided_label import ElidedLabel
from reviewdesk.ui.history_strip import HistoryEntry, HistoryRow
from reviewdesk.ui.scan_list import ScanListPane


def test_long_text_is_cut_to_the_width_and_kept_whole_in_full_text_and_tooltip(qtbot) -> None:
    label = ElidedLabel("<b>" + "cardholder " * 50 + "</b>")
    qtbot.addWidget(label)
    label.resize(120, 30)
    label.show()
    qtbot.waitExposed(label)
    full = label.full_text()
    assert full.startswith("<b>cardholder") and label.text() != full and label.text().endswith("…")
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width()
    assert label.textFormat() == Qt.TextFormat.PlainText  # outside text is never HTML
    assert "&lt;b&gt;cardholder" in label.toolTip()
    assert label.sizePolicy().horizontalPolicy().name == "Ignored"  # it never widens its window
    label.resize(label.fontMetrics().horizontalAdvance(full) + 40, 30)
    qtbot.waitUntil(lambda: label.text() == full)  # room enough: shown whole
    label.setText("short")  # setText sets the full text, like set_full_text
    assert label.full_text() == label.text() == "short"


def test_the_history_the_import_summary_and_card_cells_use_it(qtbot) -> None:
    # (a decision button paints its code elided itself: tests/test_ui_decision_pane.py)
    row = HistoryRow(HistoryEntry("scan-1", "denied_bin_mismatch", "sent"))
    pane = ScanListPane()
    cell = Cell("Ana María")
    for widget in (row, pane, cell):
        qtbot.addWidget(widget)
    assert isinstance(row.code_label, ElidedLabel) and row.code_label.full_text() == "denied_bin_mismatch"
    assert isinstance(pane.summary_label, ElidedLabel) and isinstance(cell, ElidedLabel)
    assert pane.summary_label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    pane.show_summary("Imported 3 scans")
    assert pane.summary_label.full_text() == "Imported 3 scans"
