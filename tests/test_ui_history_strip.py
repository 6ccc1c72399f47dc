"""The history strip: the last ten decisions, newest first; click or Enter goes back to a scan."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from reviewdesk.ui.history_strip import MAX_ENTRIES, HistoryEntry, HistoryStrip, clock_time, short_scan_id
from support.window import activate

STATES = ["held", "queued", "sent", "failed"]


def entries(count: int) -> list[HistoryEntry]:
    return [
        HistoryEntry(
            scan_id=f"{i:08d}-1111-4222-8333-444455556666",
            shortcode="approved" if i % 2 else "denied_bin_mismatch",
            state=STATES[i % 4],
            decided_at=f"2024-05-01T12:{i:02d}:00Z",
        )
        for i in range(count)
    ]


def make_strip(qtbot) -> HistoryStrip:
    strip = HistoryStrip()
    qtbot.addWidget(strip)
    strip.resize(420, 240)
    activate(qtbot, strip)
    return strip


def test_shows_the_last_ten_newest_first(qtbot):
    strip = make_strip(qtbot)
    given = entries(12)
    strip.set_entries(given)
    rows = strip.rows()
    assert len(rows) == MAX_ENTRIES
    assert [r.entry for r in rows] == given[:MAX_ENTRIES]
    first = rows[0]
    assert first.scan_label.text() == "00000000…"
    assert first.code_label.text() == "denied_bin_mismatch"
    assert first.state_label.text() == "held"
    assert rows[3].state_label.text() == "failed"
    assert "00000000-1111-4222-8333-444455556666" in first.toolTip()


def test_replacing_entries_and_empty(qtbot):
    strip = make_strip(qtbot)
    strip.set_entries(entries(3))
    strip.set_entries(entries(1))
    assert len(strip.rows()) == 1
    strip.set_entries([])
    assert strip.rows() == []
    assert not strip.focus_first()
    assert strip.findChild(QLabel, "historyEmpty").isVisible()
    strip.set_entries(entries(2))
    assert not strip.findChild(QLabel, "historyEmpty").isVisible()


def test_click_emits_the_scan_id(qtbot):
    strip = make_strip(qtbot)
    strip.set_entries(entries(5))
    row = strip.rows()[2]
    with qtbot.waitSignal(strip.entry_activated, timeout=1000) as blocker:
        qtbot.mouseClick(row, Qt.MouseButton.LeftButton)
    assert blocker.args == [row.entry.scan_id]


def test_enter_on_a_focused_row_emits_and_arrows_move(qtbot):
    strip = make_strip(qtbot)
    strip.set_entries(entries(5))
    activated: list[str] = []
    strip.entry_activated.connect(activated.append)
    assert strip.focus_first()
    first = strip.rows()[0]
    qtbot.waitUntil(first.hasFocus)
    qtbot.keyClick(first, Qt.Key.Key_Down)
    second = strip.rows()[1]
    assert second.hasFocus()
    qtbot.keyClick(second, Qt.Key.Key_Up)
    assert first.hasFocus()
    qtbot.keyClick(first, Qt.Key.Key_Up)  # stays on the newest
    assert first.hasFocus()
    qtbot.keyClick(first, Qt.Key.Key_Down)
    qtbot.keyClick(second, Qt.Key.Key_Return)
    qtbot.keyClick(second, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert activated == [second.entry.scan_id, second.entry.scan_id]


def test_short_ids_and_times():
    assert short_scan_id("abc") == "abc"
    assert short_scan_id("123456789") == "123456789"
    assert short_scan_id("1234567890") == "12345678…"
    assert clock_time(None) == ""
    assert clock_time("not a time") == ""
    assert clock_time(datetime(2024, 5, 1, 9, 5)) == "09:05"
    local = datetime(2024, 5, 1, 9, 5, tzinfo=UTC).astimezone().strftime("%H:%M")
    assert clock_time("2024-05-01T09:05:00Z") == local


def test_unknown_state_label(qtbot):
    strip = make_strip(qtbot)
    strip.set_entries([HistoryEntry("s-1", "approved", "retrying")])
    assert strip.rows()[0].state_label.text() == "retrying"
