"""The window against a full disk, odd tokens and hostile text: real window, real key presses, the
simulator or a raw socket server on loopback."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMessageBox

from conftest import run_on_loop
from reviewdesk.domain.scan import ScanState
from test_ui_window import WAIT, activate, press, queue, sign_in
from test_ui_window import desk as desk  # noqa: F401  (the fixture)
from test_ui_window import sim as sim  # noqa: F401  (the fixture)


def visible_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


# -- 14: the disk fills while deciding ---------------------------------------------------------------


def test_a_decision_that_cannot_be_saved_stops_the_reviewer_on_that_scan(qtbot, desk, sim) -> None:
    sign_in(qtbot, desk, sim.mint_token("kim"))
    ids = [f"ready-full{i:02d}" for i in range(40)]
    queue(qtbot, desk, ids)
    window, controller = desk.window, desk.controller
    store = desk.services.store

    def cap() -> None:
        db = store.store._db
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")

    run_on_loop(qtbot, store._run(cap))
    activate(qtbot, window)
    recorded: list[str] = []
    controller.decision_recorded.connect(lambda scan_id, _code: recorded.append(scan_id))
    failed_on = None
    for _ in ids:  # the outbox's pages fill up within a few decisions
        before = controller.current
        press(qtbot, window, "A")
        qtbot.waitUntil(lambda b=before: b in recorded or bool(visible_boxes()), timeout=WAIT)
        if visible_boxes():
            failed_on = before
            break
    assert failed_on is not None, "the capped database never filled up"
    box = visible_boxes()[0]
    assert len(visible_boxes()) == 1
    assert f"approved for scan {failed_on} could not be saved" in box.text()
    assert "disk is full" in box.text()
    # Back on the scan whose decision was lost, its row as it was, and no key decides meanwhile.
    assert controller.current == failed_on
    assert window.scan_list.model.get(failed_on).state is ScanState.TO_REVIEW
    controller.decide("approved")  # as a key press would, even past the dialog
    assert controller.current == failed_on
    assert window.scan_list.model.get(failed_on).state is ScanState.TO_REVIEW
    assert len(visible_boxes()) == 1
    entries = run_on_loop(qtbot, desk.services.pending()) + run_on_loop(qtbot, desk.services.recent(100))
    assert failed_on not in {e.scan_id for e in entries}
    assert {e.scan_id for e in entries} == set(recorded)

    # Space again, message read: the same key records the decision.
    run_on_loop(qtbot, store._run(lambda: store.store._db.execute("PRAGMA max_page_count = 1000000")))
    box.done(0)
    qtbot.waitUntil(lambda: not visible_boxes())
    controller.show_scan(failed_on)
    activate(qtbot, window)
    press(qtbot, window, "A")
    qtbot.waitUntil(lambda: failed_on in recorded, timeout=WAIT)
