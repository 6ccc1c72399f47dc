"""The card comparison widget, offscreen: marks, colours with contrast, one-card mode, no widening."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

from reviewdesk.ui.card_compare_view import SUGGESTION, CardCompareView
from reviewdesk.ui.colours import contrast

BOTH = {
    "bin": "411111",
    "last4": "0123",
    "expiry": "01/24",
    "cardholder": "JOSÉ  PEÑA",
    "scanned.bin": "424242",
    "scanned.last4": "0123",
    "scanned.cardholder": "jose pena",
}


def view(qtbot, facts, width: int = 400) -> CardCompareView:
    host = QWidget()
    qtbot.addWidget(host)
    widget = CardCompareView(host)
    widget.keep_host = host  # type: ignore[attr-defined]  # qtbot holds widgets weakly
    widget.show_facts(facts)
    host.resize(width, 300)
    widget.resize(width, 300)
    host.show()
    qtbot.waitExposed(host)
    return widget


def texts(widget: CardCompareView, key: str) -> list[str]:
    return [cell.full_text() for cell in widget.rows[key]]


def test_two_cards_side_by_side_with_each_field_marked(qtbot) -> None:
    widget = view(qtbot, BOTH)
    assert widget.mode == "compare"
    assert texts(widget, "header") == ["", "Expected", "Scanned", ""]
    assert texts(widget, "bin") == ["BIN", "411111", "424242", "✗ DIFFERENT"]
    assert texts(widget, "last4") == ["Last 4", "0123", "0123", "✓ same"]
    assert texts(widget, "expiry") == ["Expiry", "01/24", "—", "? missing"]
    assert texts(widget, "name") == ["Name", "JOSÉ  PEÑA", "jose pena", "✓ same"]
    assert widget.suggestion.isVisible() and widget.suggestion.full_text() == SUGGESTION


def test_a_difference_is_a_symbol_a_word_and_a_readable_colour(qtbot) -> None:
    widget = view(qtbot, BOTH)
    mark = widget.rows["bin"][3]
    assert mark.level == "bad" and "font-weight: bold" in mark.styleSheet()
    assert {c.level for c in widget.rows["bin"][1:]} == {"bad"}  # the values too
    colour = QColor(mark.styleSheet().split("color:")[1].split(";")[0].strip())
    assert contrast(colour, widget.window().palette().color(QPalette.ColorRole.Window)) >= 4.5
    assert widget.rows["last4"][3].level == "ok" and widget.rows["last4"][1].level == ""
    dark = QPalette(QColor("#202020"))
    widget.window().setPalette(dark)
    qtbot.waitUntil(lambda: QColor(mark.styleSheet().split("color:")[1].split(";")[0].strip()) != colour)
    retinted = QColor(mark.styleSheet().split("color:")[1].split(";")[0].strip())
    assert contrast(retinted, dark.color(QPalette.ColorRole.Window)) >= 4.5


def test_no_suggestion_when_bin_and_last4_agree(qtbot) -> None:
    widget = view(qtbot, {**BOTH, "scanned.bin": "411111"})
    assert not widget.suggestion.isVisible()
    assert widget.rows["bin"][3].full_text() == "✓ same"


def test_one_card_shows_its_facts(qtbot) -> None:
    widget = view(qtbot, {"bin": "411111", "last4": "0123", "amount": "9.99"})
    assert widget.mode == "one"
    assert texts(widget, "header") == ["Card", ""]
    assert [texts(widget, k) for k in ("BIN", "Last 4", "Amount")] == [
        ["BIN", "411111"],
        ["Last 4", "0123"],
        ["Amount", "9.99"],
    ]
    assert "Expiry" not in widget.rows and not widget.suggestion.isVisible()
    scanned = view(qtbot, {"scanned.last4": "0123"})
    assert texts(scanned, "header") == ["Scanned card", ""] and texts(scanned, "Last 4") == ["Last 4", "0123"]
    assert view(qtbot, {}).mode == "empty"


def test_long_values_never_widen_and_html_is_shown_as_text(qtbot) -> None:
    short = view(qtbot, BOTH)
    long_name = "<b>" + "W" * 500 + "</b>"
    long = view(qtbot, {**BOTH, "cardholder": long_name, "scanned.cardholder": long_name})
    assert long.minimumSizeHint().width() == short.minimumSizeHint().width()
    assert long.sizeHint().width() == short.sizeHint().width()
    cell = long.rows["name"][1]
    assert cell.full_text() == long_name and cell.text() != long_name  # elided on screen
    assert cell.textFormat().name == "PlainText"
    one = view(qtbot, {"cardholder": long_name})
    assert one.minimumSizeHint().width() <= short.minimumSizeHint().width()
