"""The views update from what changed alone (ui/controller_changes.py): the window against the
simulator over loopback, driven by real key presses to whatever has the focus; the store's reads are
counted to show that the window never asks it what became of a decision."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QKeyCombination, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from reviewdesk.app import Built
from reviewdesk.domain.scan import ScanState
from reviewdesk.sim.runner import SimServer
from reviewdesk.store import Store
from support.window import desk
from support.window import sim as sim  # noqa: F401  (the fixture)

assert desk  # the fixture, imported for its name

WAIT = 15_000
#: The store's reads of scans and decisions: what the window used to ask after each delivery.
READS = ("get_scan", "scans", "pending_entries", "recent_decisions", "entries_for_scan", "get_entry")


@pytest.fixture
def reads(monkeypatch) -> Counter[str]:
    """How often each read of `READS` ran on the store (counted on the store thread)."""
    counts: Counter[str] = Counter()

    def counting(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def read(self: Store, *args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return method(self, *args, **kwargs)

        return read

    for name in READS:
        monkeypatch.setattr(Store, name, counting(name, getattr(Store, name)))
    return counts


def press(qtbot, keys: str) -> None:
    """Real key presses, to whatever has the keyboard focus."""
    sequence = QKeySequence.fromString(keys, QKeySequence.SequenceFormat.PortableText)
    for i in range(sequence.count()):
        combo: QKeyCombination = sequence[i]
        target = QApplication.focusWidget()
        assert target is not None
        qtbot.keyClick(target, combo.key(), combo.keyboardModifiers())


def sign_in(qtbot, desk: Built, sim: SimServer, reviewer: str) -> None:
    dialog = desk.controller._sign_in or desk.controller.prompt_sign_in()
    qtbot.waitExposed(dialog)
    dialog.as_reviewer.setChecked(True)
    dialog.token.clear()
    qtbot.keyClicks(dialog.token, sim.mint_token(reviewer))
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: desk.controller._sign_in is None, timeout=WAIT)


def start(qtbot, desk: Built, sim: SimServer, ids: list[str]) -> None:
    """Sign in, queue `ids`, and wait until the first one's image is shown with the keys on it."""
    sign_in(qtbot, desk, sim, "kim")
    desk.window.scan_list.import_text("\n".join(ids))
    model = desk.window.scan_list.model
    qtbot.waitUntil(lambda: all(model.get(i) for i in ids), timeout=WAIT)
    window = desk.window
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.focus_review()
    qtbot.waitUntil(
        lambda: desk.controller.current == ids[0] and desk.controller.images.cached(ids[0]) is not None,
        timeout=WAIT,
    )


def row_writes(desk: Built) -> list[str]:
    """The scan id of every row the list's model changed, one per change, from now on."""
    model = desk.window.scan_list.model
    written: list[str] = []
    model.dataChanged.connect(
        lambda first, last, *_: written.extend(
            model.scan_at(r).scan_id for r in range(first.row(), last.row() + 1)
        )
    )
    return written


def history(desk: Built) -> list[tuple[str, str, str]]:
    return [(e.scan_id, e.shortcode, e.state) for e in desk.window.history.entries()]


def test_a_delivery_updates_the_row_and_the_counts_without_reading_the_store(qtbot, desk, sim, reads) -> None:
    start(qtbot, desk, sim, ["ready-c1", "ready-c2"])
    model, window = desk.window.scan_list.model, desk.window
    written = row_writes(desk)
    reads.clear()
    press(qtbot, "A")
    assert model.get("ready-c1").state is ScanState.DECIDED  # within the keystroke
    qtbot.waitUntil(lambda: model.get("ready-c1").state is ScanState.SENT, timeout=WAIT)
    assert [r.scan_id for r in sim.feedback()] == ["ready-c1"]
    window.scan_list.refresh_status_now()
    assert "Decided 0 · Sent 1" in window.scan_list.counts_label.text()
    qtbot.waitUntil(lambda: history(desk) == [("ready-c1", "approved", "sent")], timeout=WAIT)
    qtbot.waitUntil(lambda: "queued" not in window.status.delivery.text(), timeout=WAIT)
    # Written once when the key was pressed (the store's answer, the same state, writes nothing)
    # and once when it was delivered.
    assert written.count("ready-c1") == 2
    assert sum(reads.values()) == 0, reads


def test_a_refused_delivery_shows_on_its_row_its_pane_and_the_open_outbox(qtbot, desk, sim, reads) -> None:
    sim.config.fail_feedback_codes = {"ready-bad": 400}
    start(qtbot, desk, sim, ["ready-bad", "ready-ok"])
    model, controller = desk.window.scan_list.model, desk.controller
    controller.open_outbox()
    dialog = controller._outbox
    qtbot.waitUntil(lambda: reads["pending_entries"] == 1, timeout=WAIT)  # read once, when it opens
    desk.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is desk.window)
    desk.window.focus_review()
    press(qtbot, "A")
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=WAIT)  # held, then sent, then failed
    qtbot.waitUntil(lambda: model.get("ready-bad").state is ScanState.FAILED, timeout=WAIT)
    assert "rejected" in (model.get("ready-bad").error or "")
    qtbot.waitUntil(lambda: dialog.table.item(0, 2).text() == "failed", timeout=WAIT)
    assert dialog.table.item(0, 0).text() == "ready-bad" and "rejected" in dialog.table.item(0, 4).text()
    assert "0 waiting, 1 failed" in dialog.summary.text()
    qtbot.waitUntil(lambda: history(desk) == [("ready-bad", "approved", "failed")], timeout=WAIT)
    # Back on it, the pane says so too.
    press(qtbot, "K")  # previous scan
    qtbot.waitUntil(lambda: controller.current == "ready-bad", timeout=WAIT)
    assert "Failed" in desk.window.decision_pane._scan_label.text()
    assert reads["pending_entries"] == 1 and reads["get_scan"] == reads["recent_decisions"] == 0, reads


def test_undo_and_a_new_decision_update_the_row_and_the_history(qtbot, desk, sim, reads) -> None:
    desk.services.settings.undo_grace_seconds = 30.0  # nothing leaves while the test undoes
    start(qtbot, desk, sim, ["ready-u1", "ready-u2"])
    model, controller = desk.window.scan_list.model, desk.controller
    written = row_writes(desk)
    recorded: list[str] = []
    controller.decision_recorded.connect(lambda scan_id, _: recorded.append(scan_id))
    press(qtbot, "A")
    qtbot.waitUntil(lambda: recorded == ["ready-u1"], timeout=WAIT)
    assert history(desk) == [("ready-u1", "approved", "held")]
    press(qtbot, "Ctrl+Z")
    qtbot.waitUntil(lambda: model.get("ready-u1").state is ScanState.TO_REVIEW, timeout=WAIT)
    assert controller.current == "ready-u1" and history(desk) == []
    press(qtbot, "D, B")
    qtbot.waitUntil(lambda: len(recorded) == 2, timeout=WAIT)
    assert model.get("ready-u1").shortcode == "denied_bin_mismatch"
    assert history(desk) == [("ready-u1", "denied_bin_mismatch", "held")]
    # A new decision for the same scan while that one waits replaces it, in the row and the history.
    press(qtbot, "K")  # previous scan
    qtbot.waitUntil(lambda: controller.current == "ready-u1", timeout=WAIT)
    press(qtbot, "X")
    qtbot.waitUntil(lambda: len(recorded) == 3, timeout=WAIT)
    assert model.get("ready-u1").shortcode == "no_action_no_image_available"
    assert history(desk) == [("ready-u1", "no_action_no_image_available", "held")]
    # One write per change of the row: decided, undone, decided, decided again.
    assert written.count("ready-u1") == 4
    assert reads["get_scan"] == reads["scans"] == reads["pending_entries"] == 0, reads
    assert reads["recent_decisions"] == 1  # the undo looked up which decision is the newest
    assert sim.feedback() == []


def test_the_history_keeps_its_length_after_an_undo_by_reading_the_older_decisions_once(
    qtbot, desk, sim, reads
) -> None:
    desk.services.settings.undo_grace_seconds = 30.0
    ids = [f"ready-h{i:02d}" for i in range(12)]
    start(qtbot, desk, sim, ids)
    recorded: list[str] = []
    desk.controller.decision_recorded.connect(lambda scan_id, _: recorded.append(scan_id))
    for n in range(11):  # X needs no image: one key each
        press(qtbot, "X")
        qtbot.waitUntil(lambda n=n: len(recorded) == n + 1, timeout=WAIT)
    shown = [scan_id for scan_id, _, _ in history(desk)]
    assert shown == ids[10:0:-1]  # the newest ten, kept from the changes alone
    assert reads["recent_decisions"] == 0
    press(qtbot, "Ctrl+Z")
    qtbot.waitUntil(lambda: [s for s, _, _ in history(desk)] == ids[9::-1], timeout=WAIT)
    # One read by the undo (which decision is newest), one to fill the gap it left.
    assert reads["recent_decisions"] == 2


def test_the_open_outbox_says_which_decisions_wait_for_another_sign_in_without_a_read(
    qtbot, desk, sim, reads
) -> None:
    desk.services.settings.undo_grace_seconds = 30.0
    start(qtbot, desk, sim, ["ready-w1", "ready-w2"])
    controller = desk.controller
    recorded: list[str] = []
    controller.decision_recorded.connect(lambda scan_id, _: recorded.append(scan_id))
    press(qtbot, "X")
    qtbot.waitUntil(lambda: recorded == ["ready-w1"], timeout=WAIT)
    controller.open_outbox()
    dialog = controller._outbox
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=WAIT)
    read_so_far = reads["pending_entries"]
    sign_in(qtbot, desk, sim, "bo")  # kim's decision now waits for kim
    line = f"1 decision for kim on {sim.base_url}: sign in as kim on {sim.base_url} to send them"
    qtbot.waitUntil(lambda: line in dialog.summary.text(), timeout=WAIT)
    assert reads["pending_entries"] == read_so_far
