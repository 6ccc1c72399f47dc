"""The cheat sheet opens on "?" (however the keyboard reports it), lists every key, and is non-modal."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFrame, QVBoxLayout, QWidget

from reviewdesk.domain.keymap import ACTIONS, Keymap, display_keys
from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.domain.shortcodes import all_shortcodes
from reviewdesk.ui.cheat_sheet import WINDOW_ACTIONS_TITLE, CheatSheet
from reviewdesk.ui.decision_pane import DecisionPane, short_description
from reviewdesk.ui.history_strip import HistoryEntry, HistoryStrip
from support.window import activate, make_window

QUESTION_PRESSES = [
    (Qt.Key.Key_Question, Qt.KeyboardModifier.NoModifier),  # what QTest and some layouts send
    (Qt.Key.Key_Question, Qt.KeyboardModifier.ShiftModifier),  # a real Shift+/ on a US keyboard
    (Qt.Key.Key_Slash, Qt.KeyboardModifier.ShiftModifier),
]


def open_sheet(qtbot, window, pane, key, modifiers) -> CheatSheet:
    qtbot.keyClick(window, key, modifiers)
    qtbot.waitUntil(lambda: pane.cheat_sheet() is not None and pane.cheat_sheet().isVisible())
    sheet = pane.cheat_sheet()
    assert sheet is not None
    return sheet


@pytest.mark.parametrize(("key", "modifiers"), QUESTION_PRESSES)
def test_question_mark_opens_and_closes_it(qtbot, key, modifiers):
    window, pane, rec = make_window(qtbot)
    sheet = open_sheet(qtbot, window, pane, key, modifiers)
    assert not sheet.isModal()
    assert QApplication.activeModalWidget() is None
    qtbot.waitUntil(lambda: QApplication.activeWindow() is sheet)
    qtbot.keyClick(sheet, key, modifiers)
    qtbot.waitUntil(lambda: not sheet.isVisible())
    # Focus is back on the window and its keys decide again.
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_A)
    assert rec.decisions == [("approved", "")]
    assert rec.actions == []


def test_escape_closes_it(qtbot):
    window, pane, rec = make_window(qtbot)
    sheet = open_sheet(qtbot, window, pane, *QUESTION_PRESSES[0])
    qtbot.waitUntil(lambda: QApplication.activeWindow() is sheet)
    qtbot.keyClick(sheet, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not sheet.isVisible())
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    # Opened again, it is the same (non-modal) dialog.
    assert open_sheet(qtbot, window, pane, *QUESTION_PRESSES[1]) is sheet


def test_it_lists_every_shortcode_by_group_then_the_actions(qtbot):
    window, pane, rec = make_window(qtbot)
    sheet = open_sheet(qtbot, window, pane, *QUESTION_PRESSES[0])
    rows = sheet.rows()
    sources = (
        "Jumio transactions",
        "Preventor tickets",
    )  # their own sections: tests/test_ui_local_decisions.py
    shortcode_rows = [r for r in rows if r[0] not in (WINDOW_ACTIONS_TITLE, *sources)]
    assert len(shortcode_rows) == 16
    keymap = pane.keymap()
    assert [(r[0], r[1], r[2], r[3]) for r in shortcode_rows] == [
        (s.group.label, display_keys(keymap.key_for(s.code)), s.description, s.code) for s in all_shortcodes()
    ]
    action_rows = [r for r in rows if r[0] == WINDOW_ACTIONS_TITLE]
    assert [r[3] for r in action_rows] == [a.name for a in ACTIONS]
    assert ("Window", "Ctrl+Z", "Undo the last decision", "undo") in action_rows


def test_it_follows_a_custom_keymap(qtbot):
    keymap = Keymap.from_data({"actions": {"cheat_sheet": "F1"}, "shortcodes": {"approved": "Space"}})
    window, pane, rec = make_window(qtbot, keymap)
    qtbot.keyClick(window, Qt.Key.Key_Question)
    assert pane.cheat_sheet() is None
    sheet = open_sheet(qtbot, window, pane, Qt.Key.Key_F1, Qt.KeyboardModifier.NoModifier)
    assert ("Approve", "Space", "Approved - card looks ok", "approved") in sheet.rows()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is sheet)
    qtbot.keyClick(sheet, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: not sheet.isVisible())


def test_pane_and_history_render_legibly(qtbot, tmp_path):
    """The pane with the strip under it fits 420 px of width and renders every description whole,
    whatever fonts the machine has: wrapped lines are measured against the label that shows them."""
    host = QWidget()
    layout = QVBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    pane = DecisionPane()
    strip = HistoryStrip()
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    layout.addWidget(pane)
    layout.addWidget(line)
    layout.addWidget(strip)
    layout.setContentsMargins(0, 0, 0, 6)
    strip.setContentsMargins(8, 0, 8, 0)
    pane.install_shortcuts(host)
    pane.set_scan(
        Scan(
            "c87390be-50a3-4f0e-9d1c-1f2e3d4c5b6a", state=ScanState.DECIDED, shortcode="denied_screen_display"
        )
    )
    codes = [s.code for s in all_shortcodes()]
    states = ["held", "queued", "sent", "sent", "failed"]
    strip.set_entries(
        [
            HistoryEntry(
                f"{i:x}{i:x}a7c0de-0000-4000-8000-00000000000{i}", codes[(i * 5) % 16], states[i % 5], None
            )
            for i in range(10)
        ]
    )
    qtbot.addWidget(host)
    host.resize(420, 800)
    activate(qtbot, host)
    assert host.minimumSizeHint().width() <= 420
    host.resize(420, max(host.heightForWidth(420), host.sizeHint().height(), 200))
    qtbot.waitUntil(lambda: all(b.width() > 0 for b in pane.buttons().values() if b.isVisibleTo(pane)))
    for button in pane.buttons().values():
        if not button.isVisibleTo(pane):
            continue  # (another source's section)
        assert button.description_text() == short_description(button.shortcode)  # never cut with an ellipsis
        assert button.description_fits(), button.shortcode.code  # wrapped, whole
    path = tmp_path / "decision_pane.png"
    assert host.grab().save(str(path))
    assert path.stat().st_size > 10_000
