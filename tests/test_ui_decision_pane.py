"""The decision pane with real key presses: one key decides, held keys do not repeat, the note types."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from reviewdesk.domain.keymap import ACTIONS, Keymap
from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.domain.shortcodes import all_shortcodes
from reviewdesk.ui.decision_pane import CHOOSE_FIRST_HINT, DecisionButton, DecisionPane, short_description
from support.window import Recorder, activate, make_window, press

CODES = [s.code for s in all_shortcodes()]
PANE_ACTIONS = {"focus_note", "cheat_sheet"}  # the pane carries these out itself
PORTABLE = QKeySequence.SequenceFormat.PortableText


@pytest.fixture
def setup(qtbot):
    return make_window(qtbot)


# -- deciding with keys ---------------------------------------------------------------------------


def test_a_approves(qtbot, setup):
    window, pane, rec = setup
    with qtbot.waitSignal(pane.decision_requested, timeout=1000) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_A)
    assert blocker.args == ["approved", ""]
    assert rec.decisions == [("approved", "")]


def test_activating_the_window_leaves_the_keys_deciding(qtbot):
    # Qt focuses the first Tab-focusable widget of a newly active window: it must not be the note.
    window = QMainWindow()
    pane = DecisionPane()
    window.setCentralWidget(pane)
    pane.install_shortcuts(window)
    pane.set_scan(Scan("scan-0001"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    assert not pane.note_edit().hasFocus()
    rec = Recorder(pane)
    qtbot.keyClick(window, Qt.Key.Key_A)
    assert rec.decisions == [("approved", "")]


def test_two_key_sequence_denies(qtbot, setup):
    window, pane, rec = setup
    qtbot.keyClick(window, Qt.Key.Key_D)
    assert rec.decisions == []
    qtbot.keyClick(window, Qt.Key.Key_B)
    assert rec.decisions == [("denied_bin_mismatch", "")]


@pytest.mark.parametrize("code", CODES)
def test_every_shortcode_has_a_working_key(qtbot, setup, code):
    window, pane, rec = setup
    press(qtbot, window, pane.keymap().key_for(code))
    assert rec.decisions == [(code, "")]


def test_stray_prefix_then_approve_key_does_not_deny(qtbot, setup):
    window, pane, rec = setup
    qtbot.keyClick(window, Qt.Key.Key_D)  # starts a deny sequence...
    qtbot.keyClick(window, Qt.Key.Key_A)  # ...which A does not complete: swallowed, nothing decided
    assert rec.decisions == []
    qtbot.keyClick(window, Qt.Key.Key_A)
    assert rec.decisions == [("approved", "")]


def test_escape_cancels_a_started_sequence(qtbot, setup):
    window, pane, rec = setup
    qtbot.keyClick(window, Qt.Key.Key_N)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.keyClick(window, Qt.Key.Key_Q)
    assert rec.decisions == []


def test_held_key_decides_once(qtbot, setup):
    window, pane, rec = setup
    a = Qt.Key.Key_A.value
    QTest.simulateEvent(window, True, a, Qt.KeyboardModifier.NoModifier, "a", False)
    for _ in range(3):  # the keyboard's auto-repeat while the key stays down
        QTest.simulateEvent(window, True, a, Qt.KeyboardModifier.NoModifier, "a", True)
    QTest.simulateEvent(window, False, a, Qt.KeyboardModifier.NoModifier, "a", False)
    assert rec.decisions == [("approved", "")]


def test_held_zoom_key_repeats_but_rotate_does_not(qtbot, setup):
    window, pane, rec = setup
    for key, text in ((Qt.Key.Key_Plus, "+"), (Qt.Key.Key_R, "r")):
        QTest.simulateEvent(window, True, key.value, Qt.KeyboardModifier.NoModifier, text, False)
        QTest.simulateEvent(window, True, key.value, Qt.KeyboardModifier.NoModifier, text, True)
        QTest.simulateEvent(window, False, key.value, Qt.KeyboardModifier.NoModifier, text, False)
    assert rec.actions == ["zoom_in", "zoom_in", "rotate"]


def test_clicking_a_button_decides_with_the_note(qtbot, setup):
    window, pane, rec = setup
    pane.note_edit().setPlainText("  glare on the corner \n")
    qtbot.mouseClick(pane.button("denied_other"), Qt.MouseButton.LeftButton)
    assert rec.decisions == [("denied_other", "glare on the corner")]
    assert pane.note() == ""


def test_a_key_decision_carries_the_note_too(qtbot, setup):
    window, pane, rec = setup
    pane.note_edit().setPlainText("seen before")
    qtbot.keyClick(window, Qt.Key.Key_X)
    assert rec.decisions == [("no_action_no_image_available", "seen before")]
    assert pane.note() == ""


def test_note_of_the_next_scan_survives_the_decision(qtbot, setup):
    window, pane, rec = setup
    # The window moves on to the next scan while handling the decision.
    pane.decision_requested.connect(lambda *_: pane.set_scan(Scan("scan-0002", note="earlier note")))
    pane.note_edit().setPlainText("mine")
    qtbot.keyClick(window, Qt.Key.Key_A)
    assert rec.decisions == [("approved", "mine")]
    assert pane.scan().scan_id == "scan-0002"
    assert pane.note() == "earlier note"


# -- the note -------------------------------------------------------------------------------------


def focus_note_by_key(qtbot, window, pane) -> None:
    press(qtbot, window, pane.keymap().key_for("focus_note"))
    qtbot.waitUntil(lambda: pane.note_edit().hasFocus())


def test_focus_note_key_focuses_the_note_without_typing_into_it(qtbot, setup):
    window, pane, rec = setup
    focus_note_by_key(qtbot, window, pane)
    assert pane.note() == ""
    assert rec.actions == []  # handled by the pane itself


def test_typing_in_the_note_types_and_does_not_decide(qtbot, setup):
    window, pane, rec = setup
    focus_note_by_key(qtbot, window, pane)
    note = pane.note_edit()
    qtbot.keyClicks(note, "A DB NQ X? jk+-1rtfw")
    qtbot.keyClick(note, Qt.Key.Key_Question, Qt.KeyboardModifier.ShiftModifier)
    assert note.toPlainText() == "A DB NQ X? jk+-1rtfw?"
    assert rec.decisions == []
    assert rec.actions == []
    assert pane.cheat_sheet() is None or not pane.cheat_sheet().isVisible()


def test_decision_keys_with_modifiers_do_not_fire_in_the_note(qtbot):
    keymap = Keymap.from_data({"shortcodes": {"approved": "Ctrl+1", "denied_other": "Ctrl+D, O"}})
    window, pane, rec = make_window(qtbot, keymap)
    focus_note_by_key(qtbot, window, pane)
    note = pane.note_edit()
    qtbot.keyClick(note, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(note, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(note, Qt.Key.Key_O)
    assert rec.decisions == []
    # ...while they do from the window, and window actions with Ctrl still work from the note.
    qtbot.keyClick(note, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert rec.actions == ["focus_search"]
    qtbot.keyClick(note, Qt.Key.Key_Escape)
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert rec.decisions == [("approved", "o")]  # the O typed into the note


@pytest.mark.parametrize(
    ("key", "modifiers"),
    [
        (Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_Enter, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.KeypadModifier),
    ],
)
def test_ctrl_enter_decides_with_the_note_and_the_chosen_shortcode(qtbot, setup, key, modifiers):
    window, pane, rec = setup
    focus_note_by_key(qtbot, window, pane)
    note = pane.note_edit()
    qtbot.keyClicks(note, "Screen moire visible")
    combo = pane.decision_combo()
    combo.setCurrentIndex(combo.findData("denied_screen_display"))
    qtbot.keyClick(note, key, modifiers)
    assert rec.decisions == [("denied_screen_display", "Screen moire visible")]
    assert pane.note() == ""
    assert not note.hasFocus()  # back to the keys
    qtbot.keyClick(window, Qt.Key.Key_A)
    assert rec.decisions[-1] == ("approved", "")


def test_ctrl_enter_without_a_chosen_shortcode_asks_for_one(qtbot, setup):
    window, pane, rec = setup
    focus_note_by_key(qtbot, window, pane)
    note = pane.note_edit()
    qtbot.keyClicks(note, "hmm")
    assert pane.decision_combo().currentIndex() == -1
    assert not pane.hint_visible()
    qtbot.keyClick(note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert rec.decisions == []
    assert pane.hint_visible()
    assert pane.findChild(QWidget, "noteHint").text() == CHOOSE_FIRST_HINT
    assert "font-weight: bold" in pane.findChild(QWidget, "noteHint").styleSheet()  # (styled when shown)
    assert note.toPlainText() == "hmm"
    assert note.hasFocus()
    pane.decision_combo().setCurrentIndex(0)
    assert not pane.hint_visible()


def test_combo_starts_at_the_scans_existing_decision(qtbot):
    scan = Scan("scan-0042", state=ScanState.SENT, shortcode="denied_fake_card", note="old")
    window, pane, rec = make_window(qtbot, scan=scan)
    assert pane.decision_combo().currentData() == "denied_fake_card"
    assert pane.note() == "old"
    focus_note_by_key(qtbot, window, pane)
    qtbot.keyClick(pane.note_edit(), Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(pane.note_edit(), " and new")
    qtbot.keyClick(pane.note_edit(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert rec.decisions == [("denied_fake_card", "old and new")]


def test_escape_in_the_note_returns_to_the_keys(qtbot, setup):
    window, pane, rec = setup
    focus_note_by_key(qtbot, window, pane)
    qtbot.keyClicks(pane.note_edit(), "draft")
    qtbot.keyClick(pane.note_edit(), Qt.Key.Key_Escape)
    assert not pane.note_edit().hasFocus()
    assert pane.note() == "draft"  # kept: it goes with the next decision
    qtbot.keyClick(window, Qt.Key.Key_D)
    qtbot.keyClick(window, Qt.Key.Key_O)
    assert rec.decisions == [("denied_other", "draft")]


def test_tab_moves_between_note_and_combo(qtbot, setup):
    window, pane, rec = setup
    focus_note_by_key(qtbot, window, pane)
    qtbot.keyClick(pane.note_edit(), Qt.Key.Key_Tab)
    assert pane.decision_combo().hasFocus()
    qtbot.keyClick(pane.decision_combo(), Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert pane.note_edit().hasFocus()
    assert pane.note() == ""


def test_clicking_a_button_while_typing_returns_to_the_keys(qtbot, setup):
    window, pane, rec = setup
    focus_note_by_key(qtbot, window, pane)
    qtbot.keyClicks(pane.note_edit(), "blurry")
    qtbot.mouseClick(pane.button("no_action_poor_image_quality"), Qt.MouseButton.LeftButton)
    assert rec.decisions == [("no_action_poor_image_quality", "blurry")]
    assert not pane.note_edit().hasFocus()
    qtbot.keyClick(window, Qt.Key.Key_A)
    assert rec.decisions[-1] == ("approved", "")


def test_letters_in_the_decision_combo_search_it_instead_of_deciding(qtbot, setup):
    window, pane, rec = setup
    combo = pane.decision_combo()
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    qtbot.keyClick(combo, Qt.Key.Key_A)
    assert rec.decisions == []
    assert combo.currentData() == "approved"
    qtbot.keyClick(combo, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert rec.decisions == [("approved", "")]


# -- the scan -------------------------------------------------------------------------------------


def test_no_scan_disables_deciding_but_not_the_actions(qtbot, setup):
    window, pane, rec = setup
    pane.set_scan(None)
    assert all(not b.isEnabled() for b in pane.buttons().values())
    assert not pane.note_edit().isEnabled()
    assert "No scan selected" in pane.findChild(QWidget, "scanLabel").text()
    qtbot.keyClick(window, Qt.Key.Key_A)
    press(qtbot, window, "D, B")
    qtbot.keyClick(window, Qt.Key.Key_J)
    assert rec.decisions == []
    assert rec.actions == ["next_scan"]
    pane.set_scan(Scan("scan-0002"))
    qtbot.keyClick(window, Qt.Key.Key_A)
    assert rec.decisions == [("approved", "")]


def test_current_decision_is_highlighted(qtbot, setup):
    window, pane, rec = setup
    pane.set_scan(Scan("scan-0007", state=ScanState.DECIDED, shortcode="no_action_bad_redaction_cvv"))
    current = [code for code, b in pane.buttons().items() if b.is_current()]
    assert current == ["no_action_bad_redaction_cvv"]
    label = pane.findChild(QWidget, "scanLabel").text()
    assert "scan-000" in label and "Decided" in label and "no_action_bad_redaction_cvv" in label
    pane.set_scan(Scan("scan-0008"))
    assert not any(b.is_current() for b in pane.buttons().values())
    assert pane.decision_combo().currentIndex() == -1


def test_buttons_show_key_description_and_code(qtbot, setup):
    window, pane, rec = setup
    button = pane.button("denied_bin_mismatch")
    assert button.text_line() == "[D B] Card bin or last 4 mismatch with image (denied_bin_mismatch)"
    assert button.cap_text() == "D B"
    assert "denied_bin_mismatch" in button.toolTip()
    assert not button.code_shown()
    pane.set_show_codes(True)
    assert button.code_shown()
    assert button.focusPolicy() == Qt.FocusPolicy.NoFocus
    face = next(s for s in all_shortcodes() if s.code == "no_action_bad_redaction_face")
    assert short_description(face) == "An identifiable human face is visible"
    assert pane.button("no_action_other").description_text() == "Another reason"


def test_a_button_is_painted_for_its_state_and_its_code_takes_a_line(qtbot, setup):
    window, pane, rec = setup
    button = pane.button("approved")
    qtbot.waitUntil(lambda: button.isVisible() and button.width() > 0)

    def centre_tint(image):  # the fill colour between the key cap and the text's end
        colour = image.pixelColor(image.width() - 3, image.height() // 2)
        return colour.green() - colour.red()

    plain = button.grab().toImage()
    button.set_current(True)
    current = button.grab().toImage()
    button.set_current(False)
    button.set_pending(True)
    pending = button.grab().toImage()
    button.set_pending(False)
    assert plain != current and plain != pending and current != pending
    assert button.grab().toImage() == plain
    assert centre_tint(current) > centre_tint(plain)  # the approve group's green
    pane.button("denied_bin_mismatch").set_current(True)
    denied = pane.button("denied_bin_mismatch").grab().toImage()
    assert centre_tint(denied) < 0  # the deny group's red

    one_line = button.heightForWidth(300)
    pane.set_show_codes(True)
    assert button.heightForWidth(300) > one_line  # the code, in small type, under the description
    assert button.minimumSizeHint().width() < 150  # (a long code is cut, it never widens the pane)


def test_legend_lists_the_action_keys(qtbot, setup):
    window, pane, rec = setup
    legend = pane.findChild(QWidget, "keyLegend").text()
    for key in ("Ctrl+Z", "?", "+", "-", "F", "R", "J", "K", "W"):
        assert f"<b>{key}</b>" in legend
    for word in ("undo", "zoom", "fit", "rotate", "note"):
        assert word in legend


# -- actions --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [a.name for a in ACTIONS if a.name not in PANE_ACTIONS])
def test_every_window_action_is_signalled(qtbot, setup, name):
    window, pane, rec = setup
    press(qtbot, window, pane.keymap().key_for(name))
    assert rec.actions == [name]
    assert rec.decisions == []


@pytest.mark.parametrize(
    ("key", "modifiers"),
    [
        (Qt.Key.Key_Plus, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_Plus, Qt.KeyboardModifier.ShiftModifier),  # US: Shift and the =/+ key
        (Qt.Key.Key_Equal, Qt.KeyboardModifier.ShiftModifier),
        (Qt.Key.Key_Plus, Qt.KeyboardModifier.KeypadModifier),
    ],
)
def test_zoom_in_from_every_plus_key(qtbot, setup, key, modifiers):
    window, pane, rec = setup
    qtbot.keyClick(window, key, modifiers)
    assert rec.actions == ["zoom_in"]


def test_custom_keymap_relabels_and_rebinds(qtbot, setup):
    window, pane, rec = setup
    keymap = Keymap.from_data({"shortcodes": {"approved": "Ctrl+Shift+A"}, "actions": {"undo": "U"}})
    pane.install_shortcuts(window, keymap)
    assert pane.button("approved").cap_text() == "Ctrl+Shift+A"
    qtbot.keyClick(window, Qt.Key.Key_A)
    assert rec.decisions == []
    qtbot.keyClick(
        window, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    qtbot.keyClick(window, Qt.Key.Key_U)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert rec.decisions == [("approved", "")]
    assert rec.actions == ["undo"]
    # set_keymap on an installed pane rebinds too.
    pane.set_keymap(Keymap.defaults())
    qtbot.keyClick(window, Qt.Key.Key_A)
    assert rec.decisions == [("approved", ""), ("approved", "")]
    assert pane.button("approved").cap_text() == "A"


def test_a_sources_section_is_built_when_an_item_of_it_is_first_shown_keeping_focus_and_key_caps(qtbot):
    # Only the live section is made with the window (a faster start: docs/PERFORMANCE.md); the
    # Jumio section comes with the first Jumio item, lined up with the others, and the keyboard
    # stays where it was (as the window starts: no scan shown yet).
    window = QMainWindow()
    pane = DecisionPane()
    window.setCentralWidget(pane)
    pane.install_shortcuts(window)
    qtbot.addWidget(window)
    activate(qtbot, window)
    rec = Recorder(pane)
    pane.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is pane)
    assert {b.section for b in pane.findChildren(DecisionButton)} == {"shortcodes"}

    pane.set_scan(Scan("jumio:ref-7"))
    QApplication.processEvents()  # (what the new widgets' showing posts)
    buttons = pane.findChildren(DecisionButton)
    jumio = [b for b in buttons if b.section == "jumio"]
    assert [b.ident for b in jumio if b.isVisibleTo(pane)] == [b.ident for b in jumio] != []
    assert all(not b.isVisibleTo(pane) for b in buttons if b.section == "shortcodes")
    assert QApplication.focusWidget() is pane
    qtbot.keyClick(pane, Qt.Key.Key_A)  # Jumio's approve, from the section made just now
    assert rec.decisions[-1] == ("approve", "")

    every = pane.buttons()  # builds the rest (Preventor)
    assert {b.section for b in every.values()} == {"shortcodes", "jumio", "preventor"}
    assert len({b.cap_width() for b in every.values()}) == 1  # one key-cap width for all
