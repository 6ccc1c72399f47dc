"""Deciding a mixed queue by keyboard (ui/controller_decisions.py with the decision pane and the key
router): Dyneti scans go to the simulator; Jumio transactions and Preventor tickets are decided
with their own keymap sections and kept locally, in the same store, history and undo, and nothing
about them reaches any server. Keys are pressed into whatever has the focus."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QKeyCombination
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from reviewdesk.app import Built
from reviewdesk.domain.scan import ScanState
from reviewdesk.sim.config import SimConfig
from reviewdesk.sim.runner import SimServer
from support.jumio import add_sources
from support.window import desk, run_on_loop

assert desk  # the fixture (its `sim` is this module's own), imported for its name

PORTABLE = QKeySequence.SequenceFormat.PortableText
WAIT = 15_000
JUMIO = "jumio:done-passport-h4"
PREVENTOR = "preventor:T-h4-1"
QUEUE = ["ready-h4-1", JUMIO, "ready-h4-2", PREVENTOR]


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=7, uploading_seconds=0.5)) as server:
        yield server


def press(qtbot, keys: str) -> None:
    """Each key of `keys` ("D, C") pressed into the widget that has the keyboard focus now."""
    sequence = QKeySequence.fromString(keys, PORTABLE)
    for i in range(sequence.count()):
        combo: QKeyCombination = sequence[i]
        target = QApplication.focusWidget()
        assert target is not None, "nothing has the keyboard focus"
        qtbot.keyClick(target, combo.key(), combo.keyboardModifiers())


def sign_in(qtbot, desk: Built, token: str) -> None:
    dialog = desk.controller._sign_in or desk.controller.prompt_sign_in()
    qtbot.waitExposed(dialog)
    dialog.as_reviewer.setChecked(True)
    dialog.token.clear()
    qtbot.keyClicks(dialog.token, token)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.click()
    qtbot.waitUntil(lambda: desk.controller._sign_in is None, timeout=WAIT)


def activate(qtbot, window) -> None:
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)


def import_queue(qtbot, desk: Built, folder: Path) -> None:
    path = folder / "mixed.txt"
    path.write_text("\n".join(QUEUE) + "\n", encoding="utf-8")
    desk.controller.import_files([path])
    qtbot.waitUntil(lambda: all(desk.window.scan_list.model.get(i) for i in QUEUE), timeout=WAIT)


def state(desk: Built, item: str) -> tuple[ScanState, str | None]:
    scan = desk.window.scan_list.model.get(item)
    assert scan is not None
    return scan.state, scan.shortcode


def wait_current(qtbot, desk: Built, item: str) -> None:
    qtbot.waitUntil(lambda: desk.controller.current == item, timeout=WAIT)


def wait_seen(qtbot, desk: Built, scan_id: str) -> None:
    """An item's image was shown (approving or rejecting an unseen item asks for a second press)."""
    qtbot.waitUntil(lambda: scan_id in desk.controller._seen, timeout=WAIT)


def test_a_mixed_queue_is_decided_by_keyboard_and_local_decisions_reach_no_server(
    qtbot, desk, sim, tmp_path
) -> None:
    add_sources(desk, sim)  # the simulator's Jumio and Preventor, so their items' images show
    sign_in(qtbot, desk, sim.mint_token("kim"))
    import_queue(qtbot, desk, tmp_path)
    window, pane = desk.window, desk.window.decision_pane
    activate(qtbot, window)

    # A Dyneti scan: the Dyneti decisions, A approves.
    wait_current(qtbot, desk, "ready-h4-1")
    assert pane.section() == "shortcodes"
    wait_seen(qtbot, desk, "ready-h4-1")
    press(qtbot, "A")

    # A Jumio transaction: its own decisions; Dyneti-only keys decide nothing and say so.
    wait_current(qtbot, desk, JUMIO)
    wait_seen(qtbot, desk, JUMIO)
    assert pane.section() == "jumio"
    visible = [b.ident for b in pane.buttons().values() if b.isVisibleTo(pane)]
    assert visible == [
        "jumio.approve",
        "jumio.reject_fraud",
        "jumio.reject_mismatch",
        "jumio.reject_unreadable",
        "jumio.reject_expired",
        "jumio.reject_other",
        "jumio.escalate",
    ]
    combo = pane.decision_combo()  # Ctrl+Enter with a note: the Jumio decisions too
    assert [combo.itemData(i) for i in range(combo.count())] == [b.split(".")[1] for b in visible]
    assert combo.itemText(1) == "Reject: forged, manipulated or fake document"
    press(qtbot, "X")
    qtbot.waitUntil(lambda: "other_source_key" in window.notices.shown())
    assert window.notices.text("other_source_key") == (
        "X is a Dyneti key (No action taken because no image is available): "
        "it does nothing on a Jumio transaction."
    )
    press(qtbot, "D, B")  # Dyneti's "deny: BIN mismatch"
    qtbot.waitUntil(lambda: window.notices.text("other_source_key").startswith("D B is a Dyneti key"))
    assert state(desk, JUMIO) == (ScanState.TO_REVIEW, None) and desk.controller.current == JUMIO
    press(qtbot, "D")  # the chord lights the Jumio reasons
    assert {b.ident for b in pane.buttons().values() if b.is_pending()} == {
        "jumio.reject_fraud",
        "jumio.reject_mismatch",
        "jumio.reject_unreadable",
        "jumio.reject_expired",
        "jumio.reject_other",
    }
    press(qtbot, "C")  # D then C: reject, forged document
    qtbot.waitUntil(lambda: state(desk, JUMIO) == (ScanState.LOCAL, "reject_fraud"), timeout=WAIT)

    # The next Dyneti scan: the Dyneti keys are live again.
    wait_current(qtbot, desk, "ready-h4-2")
    assert pane.section() == "shortcodes"
    wait_seen(qtbot, desk, "ready-h4-2")
    press(qtbot, "D, B")

    # A Preventor ticket: N then E escalates.
    wait_current(qtbot, desk, PREVENTOR)
    assert pane.section() == "preventor"
    press(qtbot, "N, E")
    qtbot.waitUntil(lambda: state(desk, PREVENTOR) == (ScanState.LOCAL, "escalate"), timeout=WAIT)

    # Undo takes the local decision back (it was never sent), and a new key decides again.
    press(qtbot, "Ctrl+Z")
    qtbot.waitUntil(lambda: state(desk, PREVENTOR) == (ScanState.TO_REVIEW, None), timeout=WAIT)
    wait_current(qtbot, desk, PREVENTOR)
    wait_seen(qtbot, desk, PREVENTOR)
    press(qtbot, "A")
    qtbot.waitUntil(lambda: state(desk, PREVENTOR) == (ScanState.LOCAL, "approve"), timeout=WAIT)

    # Back to the Jumio transaction (K, K) to change its decision: the new one replaces it.
    press(qtbot, "K")
    press(qtbot, "K")
    wait_current(qtbot, desk, JUMIO)
    press(qtbot, "D, M")
    qtbot.waitUntil(lambda: state(desk, JUMIO) == (ScanState.LOCAL, "reject_mismatch"), timeout=WAIT)

    # The Dyneti decisions reach the simulator; nothing of the Jumio and Preventor ones does.
    want = {"ready-h4-1": "approved", "ready-h4-2": "denied_bin_mismatch"}
    qtbot.waitUntil(lambda: {r.scan_id: r.shortcode for r in sim.feedback()} == want, timeout=WAIT)
    qtbot.waitUntil(lambda: state(desk, "ready-h4-2")[0] is ScanState.SENT, timeout=WAIT)
    # (Only reads reach the Jumio and Preventor paths, or any other; the one write is feedback.)
    writes = [(method, path) for method, path, _ in sim.requests_log() if method not in ("GET", "HEAD")]
    assert writes and all(path == "/reviews/feedback" for _, path in writes), writes
    assert sorted(r.scan_id for r in sim.feedback()) == ["ready-h4-1", "ready-h4-2"]
    assert run_on_loop(qtbot, desk.services.queued()) == 0  # the outbox counts no local decision

    # The history shows every decision, the local ones marked so.
    def history() -> list[tuple[str, str, str]]:
        return [(r.entry.scan_id, r.entry.shortcode, r.entry.state) for r in window.history.rows()]

    qtbot.waitUntil(
        lambda: (
            history()
            == [
                (JUMIO, "reject_mismatch", "local"),
                (PREVENTOR, "approve", "local"),
                ("ready-h4-2", "denied_bin_mismatch", "sent"),
                ("ready-h4-1", "approved", "sent"),
            ]
        ),
        timeout=WAIT,
    )


def test_the_key_editor_and_the_cheat_sheet_have_the_sources_sections(qtbot, desk, sim, tmp_path) -> None:
    import json

    add_sources(desk, sim)  # the simulator's Jumio and Preventor, so their items' images show
    sign_in(qtbot, desk, sim.mint_token("kim"))
    import_queue(qtbot, desk, tmp_path)
    window = desk.window
    activate(qtbot, window)
    press(qtbot, "J")  # to the Jumio transaction, undecided
    wait_current(qtbot, desk, JUMIO)
    wait_seen(qtbot, desk, JUMIO)

    # The cheat sheet lists each source's section, with its keys.
    press(qtbot, "?")
    sheet = window.decision_pane.cheat_sheet()
    qtbot.waitUntil(lambda: sheet is not None and sheet.isVisible())
    rows = sheet.rows()
    assert (
        "Jumio transactions",
        "D C",
        "Reject: forged, manipulated or fake document",
        "jumio.reject_fraud",
    ) in rows
    assert (
        "Preventor tickets",
        "N E",
        "Escalate: a senior reviewer should look",
        "preventor.escalate",
    ) in rows
    sheet.close()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)

    # The editor: a Jumio key may be one Dyneti uses, never one of the window's actions.
    editor = desk.controller.edit_keymap()
    editor.select("preventor.escalate")
    editor._pressed(QKeySequence.fromString("F", PORTABLE))
    assert "actions.fit" in editor.problem_text()
    editor.set_key("jumio.approve", "X")
    assert editor.keymap().key_for("jumio.approve") == "X"
    editor.save()
    assert json.loads(desk.services.paths.keymap_file.read_text())["jumio"] == {"approve": "X"}
    activate(qtbot, window)
    window.focus_review()
    press(qtbot, "A")  # no longer a Jumio key: Dyneti's approve, which does nothing here
    qtbot.waitUntil(lambda: window.notices.text("other_source_key").startswith("A is a Dyneti key"))
    assert state(desk, JUMIO) == (ScanState.TO_REVIEW, None)
    press(qtbot, "X")
    qtbot.waitUntil(lambda: state(desk, JUMIO) == (ScanState.LOCAL, "approve"), timeout=WAIT)
    assert "other_source_key" not in window.notices.shown()  # gone with the decision
    assert window.decision_pane.button("jumio.approve").cap_text() == "X"


def test_approving_or_rejecting_an_item_whose_images_were_not_shown_takes_a_second_press(
    qtbot, desk, sim, tmp_path
) -> None:
    # No Jumio or Preventor source is configured here: their items' images never show.
    sign_in(qtbot, desk, sim.mint_token("kim"))
    import_queue(qtbot, desk, tmp_path)
    window = desk.window
    activate(qtbot, window)
    press(qtbot, "J")
    wait_current(qtbot, desk, JUMIO)
    assert JUMIO not in desk.controller._seen
    press(qtbot, "D, C")  # reject, forged document: not yet
    qtbot.waitUntil(lambda: "confirm" in window.notices.shown())
    assert window.notices.text("confirm") == (
        "No image of this Jumio transaction was shown. Press D C again to reject it anyway, "
        "or Esc to go on looking."
    )
    assert state(desk, JUMIO) == (ScanState.TO_REVIEW, None)
    press(qtbot, "D, C")  # the second press decides
    qtbot.waitUntil(lambda: state(desk, JUMIO) == (ScanState.LOCAL, "reject_fraud"), timeout=WAIT)
    # Escalating judges nothing in the images: one press.
    press(qtbot, "J")
    press(qtbot, "J")
    wait_current(qtbot, desk, PREVENTOR)
    press(qtbot, "N, E")
    qtbot.waitUntil(lambda: state(desk, PREVENTOR) == (ScanState.LOCAL, "escalate"), timeout=WAIT)
