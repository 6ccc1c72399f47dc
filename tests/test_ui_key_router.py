"""Keys go where the reviewer's keyboard goes: to whatever has focus, never a widget a test chose.

Every key here is sent to `QApplication.focusWidget()` (or the active window when nothing has
focus), which is what a keyboard does. The real-display tests in tests/e2e/ do the same through
XTEST on Xvfb.
"""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit

from reviewdesk.domain.keymap import Keymap
from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.ui.key_router import is_typing
from support.window import WAIT, activate, desk, latest_by_scan, queue, ready, sign_in, type_keys, wait_image
from support.window import sim as sim  # noqa: F401  (the fixture)

assert desk  # the fixture, imported for its name
PORTABLE = QKeySequence.SequenceFormat.PortableText


def test_first_key_after_sign_in_decides_and_focus_is_not_in_a_text_field(qtbot, desk, sim) -> None:
    ready(qtbot, desk, sim, ["ready-f1", "ready-f2"])
    assert not is_typing(QApplication.focusWidget())
    assert desk.window.scan_list.search_box.focusPolicy() == Qt.FocusPolicy.ClickFocus
    type_keys(qtbot, "A")
    qtbot.waitUntil(lambda: latest_by_scan(sim) == {"ready-f1": "approved"}, timeout=WAIT)
    assert desk.window.scan_list.search_box.text() == ""


def test_decision_keys_work_whatever_non_text_widget_has_focus(qtbot, desk, sim) -> None:
    ids = [f"ready-g{i}" for i in range(5)]
    ready(qtbot, desk, sim, ids)
    w = desk.window
    holders = [w.scan_list.view, w.scan_list.state_filter, w.image_view, w.history, w.decision_pane]
    for scan_id, holder in zip(ids, holders, strict=True):
        wait_image(qtbot, desk, scan_id)
        holder.setFocus(Qt.FocusReason.MouseFocusReason)
        type_keys(qtbot, "A")
        qtbot.waitUntil(lambda s=scan_id: w.scan_list.model.get(s).state is not ScanState.TO_REVIEW)
    qtbot.waitUntil(lambda: set(latest_by_scan(sim)) == set(ids), timeout=WAIT)


def test_search_is_entered_on_purpose_and_esc_returns_to_the_keys(qtbot, desk, sim) -> None:
    ready(qtbot, desk, sim, ["ready-s1", "ready-s2"])
    w = desk.window
    for enter in ("Ctrl+F", "/"):
        type_keys(qtbot, enter)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is w.scan_list.search_box)
        type_keys(qtbot, "A")  # typed into the search, not a decision
        assert w.scan_list.search_box.text().lower() == "a"
        assert sim.feedback() == []
        type_keys(qtbot, "Esc")
        assert QApplication.focusWidget() is w.image_view
        w.scan_list.search_box.clear()
    type_keys(qtbot, "A")
    qtbot.waitUntil(lambda: latest_by_scan(sim) == {"ready-s1": "approved"}, timeout=WAIT)


def test_a_pending_first_key_is_shown_and_esc_or_a_timeout_cancels_it(qtbot, desk, sim) -> None:
    ready(qtbot, desk, sim, ["ready-c1", "ready-c2"])
    pane = desk.window.decision_pane
    type_keys(qtbot, "D")
    assert "D" in pane._chord.text() and "Esc" in pane._chord.text() and pane._chord.isVisible()
    assert "palette(highlight)" in pane._chord.styleSheet()  # (styled when first shown)
    assert pane.button("denied_bin_mismatch").is_pending() and not pane.button("approved").is_pending()
    type_keys(qtbot, "Esc")
    assert not pane._chord.isVisible() and not pane.button("denied_bin_mismatch").is_pending()
    type_keys(qtbot, "B")  # B alone is nothing: the sequence was cancelled
    # A stray D followed by A: swallowed and said, never an approval.
    type_keys(qtbot, "D")
    type_keys(qtbot, "A")
    assert "D then A is not a key" in pane._chord.text()
    # A timeout cancels as Esc does.
    pane.router()._timer.setInterval(50)
    type_keys(qtbot, "N")
    assert pane.router().pending == "N"
    qtbot.waitUntil(lambda: pane.router().pending == "")
    type_keys(qtbot, "Q")
    assert desk.controller.current == "ready-c1" and sim.feedback() == []
    type_keys(qtbot, "D, B")
    qtbot.waitUntil(lambda: latest_by_scan(sim) == {"ready-c1": "denied_bin_mismatch"}, timeout=WAIT)


def test_approving_an_image_nobody_saw_takes_a_second_press_but_x_does_not(qtbot, desk, sim) -> None:
    sign_in(qtbot, desk, sim.mint_token("kim"))
    queue(qtbot, desk, ["corrupt-q1", "corrupt-q2", "ready-q3"])
    w = desk.window
    activate(qtbot, w)
    desk.controller.show_scan("corrupt-q1")
    w.focus_review()
    qtbot.waitUntil(
        lambda: w.image_view.state is not None and w.image_view.state.kind == "error", timeout=WAIT
    )
    type_keys(qtbot, "A")
    assert "was not shown" in w.notices.text("confirm") and "A again" in w.notices.text("confirm")
    assert desk.controller.current == "corrupt-q1"
    type_keys(qtbot, "Esc")  # changed their mind: the confirmation is gone
    assert w.notices.text("confirm") == ""
    type_keys(qtbot, "A")
    type_keys(qtbot, "A")
    qtbot.waitUntil(lambda: desk.controller.current == "corrupt-q2", timeout=WAIT)
    type_keys(qtbot, "X")  # "no image" is one key
    qtbot.waitUntil(
        lambda: (
            latest_by_scan(sim) == {"corrupt-q1": "approved", "corrupt-q2": "no_action_no_image_available"}
        ),
        timeout=WAIT,
    )


def test_denying_an_unseen_card_with_a_reason_takes_the_two_keys_twice(qtbot, desk, sim) -> None:
    # The second "D" starts a chord: it must keep, not drop, the confirmation "D B" awaits.
    sign_in(qtbot, desk, sim.mint_token("kim"))
    queue(qtbot, desk, ["corrupt-r1", "ready-r2"])
    w = desk.window
    activate(qtbot, w)
    desk.controller.show_scan("corrupt-r1")
    w.focus_review()
    qtbot.waitUntil(
        lambda: w.image_view.state is not None and w.image_view.state.kind == "error", timeout=WAIT
    )
    type_keys(qtbot, "D, B")
    assert "D B again" in w.notices.text("confirm")
    type_keys(qtbot, "D")
    assert "D B again" in w.notices.text("confirm")  # still awaited while the chord is pending
    type_keys(qtbot, "B")
    qtbot.waitUntil(lambda: latest_by_scan(sim) == {"corrupt-r1": "denied_bin_mismatch"}, timeout=WAIT)
    assert w.notices.text("confirm") == ""


HOSTILE_FACTS = {
    "bin": "4" * 300,
    "last4": "1" * 200,
    "expiry": "12/99" * 50,
    "cardholder": "Maximiliana Wilhelmina Theodora von und zu Hohenzollern-Sigmaringen " * 20,
    "amount": "9" * 120,
    "merchantRef": "ORD-" + "X" * 500,
}


def test_the_window_fits_small_screens_and_its_width_never_depends_on_the_scan(qtbot, desk) -> None:
    w = desk.window
    scans = [
        Scan("3f2504e0-4f89-11d3-9a0c-0305e82c3301", {"bin": "411111", "last4": "1111"}),
        Scan("x" * 700, HOSTILE_FACTS),
        Scan("y", {}),
    ]
    w.scan_list.set_scans(scans)
    w.show()
    qtbot.waitExposed(w)
    widths = set()
    for scan in scans:
        desk.controller.show_scan(scan.scan_id)
        w.decision_pane.set_scan(scan)
        QApplication.processEvents()
        hint = w.minimumSizeHint()
        widths.add(hint.width())
        assert hint.width() <= 1280 and hint.height() <= 720, (scan.scan_id[:20], hint)
    assert len(widths) == 1
    w.resize(1280, 720)
    QApplication.processEvents()
    assert (w.width(), w.height()) == (1280, 720)
    assert w.image_view.width() >= w.scan_list.width()  # the image gets the room, not the list


def test_layout_and_splitter_sizes_are_remembered(qtbot, desk) -> None:
    from reviewdesk.app import close
    from support.window import run_on_loop

    w = desk.window
    w.show()
    w.resize(1200, 700)
    w.splitter.setSizes([300, 560, 340])
    QApplication.processEvents()
    sizes = w.splitter.sizes()
    state = w.layout_state()
    run_on_loop(qtbot, close(desk))
    saved = json.loads(desk.services.paths.settings_file.read_text())
    assert saved["window_state"] == state["window_state"] and saved["window_geometry"]
    other = type(w)(Keymap.defaults())
    qtbot.addWidget(other)
    other.resize(w.size())  # the pretend offscreen screen is 800 px wide: its geometry would be clamped
    other.restore_layout("", saved["window_state"])
    other.show()
    QApplication.processEvents()
    assert other.splitter.sizes() == sizes


def test_history_is_reachable_by_keyboard(qtbot, desk, sim) -> None:
    ready(qtbot, desk, sim, ["ready-h1", "ready-h2", "ready-h3"])
    w = desk.window
    type_keys(qtbot, "A")
    qtbot.waitUntil(lambda: len(w.history.rows()) == 1, timeout=WAIT)
    assert desk.controller.current == "ready-h2"
    type_keys(qtbot, "Ctrl+H")
    assert QApplication.focusWidget() is w.history.rows()[0]
    type_keys(qtbot, "Return")
    qtbot.waitUntil(lambda: desk.controller.current == "ready-h1")
    type_keys(qtbot, "Esc")
    assert QApplication.focusWidget() is w.image_view


def test_a_note_is_sent_with_the_next_key_and_the_screen_says_so(qtbot, desk, sim) -> None:
    ready(qtbot, desk, sim, ["ready-n1", "ready-n2"])
    pane = desk.window.decision_pane
    assert "writes a note" in pane._note_help.text()
    type_keys(qtbot, "W")
    assert isinstance(QApplication.focusWidget(), QPlainTextEdit)
    qtbot.waitUntil(lambda: "Esc" in pane._note_help.text() and "Ctrl+Enter" in pane._note_help.text())
    qtbot.keyClicks(QApplication.focusWidget(), "corner bent")
    type_keys(qtbot, "Ctrl+Return")  # no decision chosen in the box: the hint says what to do
    assert pane.hint_visible() and "Esc" in pane._hint.text()
    type_keys(qtbot, "Esc")
    qtbot.waitUntil(lambda: "Note ready" in pane._note_help.text())
    type_keys(qtbot, "A")
    qtbot.waitUntil(lambda: len(sim.feedback()) == 1, timeout=WAIT)
    assert sim.feedback()[0].annotation_info["note"] == "corner bent"


def test_no_decision_key_decides_from_the_note_with_nothing_but_the_router_keeping_them(
    qtbot, desk, sim
) -> None:
    """The note keeps no keys of its own from shortcuts (the pane's old filter is gone): the
    router alone lets every decision's key type there."""
    ready(qtbot, desk, sim, ["ready-k1", "ready-k2"])
    recorded: list[str] = []
    desk.controller.decision_recorded.connect(lambda scan_id, _: recorded.append(scan_id))
    type_keys(qtbot, "W")
    note = QApplication.focusWidget()
    assert isinstance(note, QPlainTextEdit)
    keymap = desk.controller.keymap
    keys = [keymap.key_for(code) for code in keymap.shortcodes() if keymap.key_for(code)]
    assert len(keys) == len(keymap.shortcodes()) > 10
    for key in keys:  # "A", "X", "D, B", ...: every decision's whole key
        type_keys(qtbot, key)
        assert QApplication.focusWidget() is note, key
    assert recorded == [] and note.toPlainText().strip()
    assert desk.window.scan_list.model.get("ready-k1").state is ScanState.TO_REVIEW
    typed = note.toPlainText()
    type_keys(qtbot, "Esc")
    type_keys(qtbot, "A")  # out of the note, the key decides, with what was typed
    qtbot.waitUntil(lambda: recorded == ["ready-k1"], timeout=WAIT)
    qtbot.waitUntil(lambda: len(sim.feedback()) == 1, timeout=WAIT)
    assert sim.feedback()[0].annotation_info["note"] == typed.strip()


def test_a_clashing_binding_disables_only_itself_and_a_dialog_names_it(qtbot, qloop, sim, tmp_path) -> None:
    import argparse

    from reviewdesk.app import build, close
    from support.window import run_on_loop

    data = tmp_path / "data"
    (data / "config").mkdir(parents=True)
    keymap_file = data / "config" / "keymap.json"
    # J is next_scan's key: approving on J clashes. Undo on U is fine and must survive.
    keymap_file.write_text(json.dumps({"shortcodes": {"approved": "J"}, "actions": {"undo": "U"}}))
    args = argparse.Namespace(
        data_dir=str(data), base_url=sim.base_url, demo=False, files=[], screenshot=None
    )
    built = run_on_loop(qtbot, build(args))
    try:
        assert built.services.paths.keymap_file == keymap_file
        keymap = built.window.decision_pane.keymap()
        assert keymap.key_for("undo") == "U"  # kept
        assert keymap.key_for("approved") == "A" and keymap.key_for("next_scan") == "J"
        qtbot.waitUntil(lambda: built.keymap_box is not None and built.keymap_box.isVisible())
        assert "shortcodes.approved" in built.keymap_box.text()
        assert "could not be used" in built.window.notices.text("keymap")
    finally:
        if built.keymap_box is not None:
            built.keymap_box.close()
        run_on_loop(qtbot, close(built))
        built.window.allow_close()
        built.window.close()
        built.window.deleteLater()


def test_the_key_editor_checks_clashes_live_and_applies_without_a_restart(qtbot, desk, sim) -> None:
    ready(qtbot, desk, sim, ["ready-k1", "ready-k2"])
    editor = desk.controller.edit_keymap()
    editor.select("approved")
    editor._pressed(QKeySequence.fromString("J", PORTABLE))
    assert "next_scan" in editor.problem_text()
    assert not editor.buttons.button(editor.buttons.StandardButton.Save).isEnabled()
    editor.set_key("approved", "Y")
    assert "Y is free" in editor.problem_text() or editor.keymap().key_for("approved") == "Y"
    editor.save()
    assert json.loads(desk.services.paths.keymap_file.read_text())["shortcodes"] == {"approved": "Y"}
    desk.window.focus_review()
    type_keys(qtbot, "A")
    assert sim.feedback() == [] and desk.controller.current == "ready-k1"
    type_keys(qtbot, "Y")
    qtbot.waitUntil(lambda: latest_by_scan(sim) == {"ready-k1": "approved"}, timeout=WAIT)
    assert desk.window.decision_pane.button("approved").cap_text() == "Y"


@pytest.mark.parametrize("dark", [False, True])
def test_status_texts_have_aa_contrast_in_light_and_dark_palettes(qtbot, desk, dark) -> None:
    from PySide6.QtGui import QColor, QPalette

    from reviewdesk.ui.colours import contrast

    w = desk.window
    palette = QPalette(QColor("#202124") if dark else QColor("#f5f5f5"))
    w.setPalette(palette)
    w.statusBar().setPalette(palette)
    QApplication.processEvents()
    status = w.status
    background = w.statusBar().palette().color(QPalette.ColorRole.Window)
    for seconds in (3000, 100, -1):
        level = status.set_countdown(seconds)
        colour = QColor(status.countdown.styleSheet().split("color:")[1].split(";")[0].strip())
        assert contrast(colour, background) >= 4.5, (level, colour.name(), background.name())
    from reviewdesk.ui.history_strip import HistoryEntry

    original = QApplication.palette()
    QApplication.instance().setPalette(palette)  # the system's palette: dialogs and rows follow it
    try:
        w.history.set_entries(
            [
                HistoryEntry(f"s{i}", "approved", state)
                for i, state in enumerate(("held", "queued", "sent", "failed"))
            ]
        )
        for row in w.history.rows():
            sheet = row.state_label.styleSheet()
            colour = QColor(sheet.split("color:")[1].split(";")[0].strip())
            assert contrast(colour, background) >= 4.5, (row.entry.state, colour.name())
        dialog = desk.controller.prompt_sign_in()
        dialog.show_error("refused")
        colour = QColor(dialog.error.styleSheet().split("color:")[1].split(";")[0].strip())
        assert contrast(colour, dialog.palette().color(QPalette.ColorRole.Window)) >= 4.5
    finally:
        QApplication.instance().setPalette(original)
    notice = w.notices.show_notice("t", "test", level="bad")
    text = notice.styleSheet().split("#noticeText { color:")[1].split(";")[0].strip()
    assert contrast(QColor(text), w.palette().color(QPalette.ColorRole.Window)) >= 4.5


def test_typing_fields_are_only_the_search_and_the_note() -> None:
    assert is_typing(QLineEdit()) and is_typing(QPlainTextEdit())


def test_one_registry_serves_keys_and_menus_and_menu_keys_are_reserved(qtbot, desk, sim, tmp_path) -> None:
    from reviewdesk.domain.keymap import Keymap
    from reviewdesk.ui.main_window import MENU_KEYS

    ready(qtbot, desk, sim, ["ready-m1", "ready-m2"])
    w, controller = desk.window, desk.controller
    assert set(controller.actions.names()) == set(Keymap.defaults().actions())  # every action, one handler
    assert w.undo_action.shortcut().toString(PORTABLE) == "Ctrl+Z"  # the menu shows the keymap's key
    w.find_action.trigger()  # the menu entry runs the same handler as the key
    assert QApplication.focusWidget() is w.scan_list.search_box
    type_keys(qtbot, "Esc")
    type_keys(qtbot, "A")
    qtbot.waitUntil(lambda: desk.controller.current == "ready-m2", timeout=WAIT)
    type_keys(qtbot, "Ctrl+Z")  # once, though the menu shows the same key
    qtbot.waitUntil(lambda: desk.controller.current == "ready-m1", timeout=WAIT)
    qtbot.waitUntil(lambda: w.scan_list.model.get("ready-m1").state is ScanState.TO_REVIEW, timeout=WAIT)
    # A menu's own key is never given to a keymap binding: not at load, not in the editor.
    path = tmp_path / "keymap.json"
    path.write_text(json.dumps({"shortcodes": {"approved": "Ctrl+O"}, "actions": {"undo": "U"}}))
    keymap, notes = Keymap.load_lenient(path, reserved=MENU_KEYS)
    assert keymap.key_for("approved") == "A" and keymap.key_for("undo") == "U"
    assert any("File > Import scans" in n for n in notes)
    editor = controller.edit_keymap()
    editor.select("approved")
    editor._pressed(QKeySequence.fromString("Ctrl+Q", PORTABLE))
    assert "File > Quit" in editor.problem_text()
    editor.reject()
