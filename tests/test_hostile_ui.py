"""The window against a full disk, odd tokens and hostile text: real window, real key presses, the
simulator or a raw socket server on loopback.

Covers reviewdesk.ui (main_window, controller, sign_in, history_strip) and reviewdesk.store under the window.
"""

from __future__ import annotations

import json
import sys

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from reviewdesk.domain.scan import ScanState
from reviewdesk.store import Store
from reviewdesk.ui.history_strip import short_scan_id
from support.odd_server import OddServer, response
from support.tokens import raw_jwt
from support.window import WAIT, activate, press, queue, run_on_loop, sign_in, wait_image
from support.window import desk as desk  # noqa: F401  (the fixture)
from support.window import sim as sim  # noqa: F401  (the fixture)


def visible_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


# -- 14: the disk fills while deciding ---------------------------------------------------------------


def test_a_decision_that_cannot_be_saved_stops_the_reviewer_on_that_scan(qtbot, desk, sim) -> None:
    sign_in(qtbot, desk, sim.mint_token("kim"))
    ids = [f"ready-full{i:02d}" for i in range(40)]
    queue(qtbot, desk, ids)
    window, controller = desk.window, desk.controller
    store = desk.services.store

    def cap(s: Store) -> None:
        db = s._db
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")

    run_on_loop(qtbot, store.run(cap))
    activate(qtbot, window)
    recorded: list[str] = []
    controller.decision_recorded.connect(lambda scan_id, _code: recorded.append(scan_id))
    failed_on = None
    for _ in ids:  # the outbox's pages fill up within a few decisions
        before = controller.current
        wait_image(qtbot, desk, before)  # approving an image nobody saw would ask a second press
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
    # A decision keyed just before the first failure was seen fails too: told in the same box.
    late = window.scan_list.model.get(ids[-1])
    run_on_loop(qtbot, controller._record(late, "approved", "", 1.0))
    assert f"approved for {ids[-1]} was not saved either" in box.text()
    assert controller.current == failed_on
    assert window.scan_list.model.get(failed_on).state is ScanState.TO_REVIEW
    assert len(visible_boxes()) == 1
    entries = run_on_loop(qtbot, desk.services.pending()) + run_on_loop(qtbot, desk.services.recent(100))
    assert failed_on not in {e.scan_id for e in entries}
    assert {e.scan_id for e in entries} == set(recorded)

    # Space again, message read: the same key records the decision.
    run_on_loop(qtbot, store.run(lambda s: s._db.execute("PRAGMA max_page_count = 1000000")))
    box.done(0)
    qtbot.waitUntil(lambda: not visible_boxes())
    controller.show_scan(failed_on)
    activate(qtbot, window)
    wait_image(qtbot, desk, failed_on)
    press(qtbot, window, "A")
    qtbot.waitUntil(lambda: failed_on in recorded, timeout=WAIT)


# -- 3: a token whose exp is not a sane whole number; one error box at a time -----------------------


def test_a_token_with_an_infinite_exp_is_refused_in_the_sign_in_dialog(qtbot, desk) -> None:
    dialog = desk.controller._sign_in
    qtbot.waitExposed(dialog)
    for exp in ("1e999", "NaN"):
        dialog.as_reviewer.setChecked(True)
        dialog.token.setText(raw_jwt('{"revier_id":"inf","exp":' + exp + "}"))
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "expiry (exp) is not a whole number" in dialog.error.text(), timeout=WAIT)
        dialog.error.clear()
    assert desk.window.status.who.text() == "Not signed in"
    assert not desk.services.session.signed_in
    with qtbot.waitSignal(desk.controller._clock.timeout, timeout=WAIT):
        pass  # the status bar's clock ticks (once a second): it must not raise
    assert not visible_boxes()


def test_the_error_hook_never_stacks_boxes(qtbot, qapp) -> None:
    from PySide6.QtWidgets import QMainWindow

    from reviewdesk.app import install_excepthook

    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    saved = sys.excepthook
    install_excepthook(lambda: window)
    try:
        for i in range(5):
            try:
                raise OverflowError(f"cannot convert float infinity to integer ({i})")
            except OverflowError as exc:
                sys.excepthook(type(exc), exc, exc.__traceback__)
        boxes = visible_boxes()
        assert len(boxes) == 1
        assert "(0)" in boxes[0].text() and "4 more error(s) since" in boxes[0].text()
        boxes[0].done(0)
        qtbot.waitUntil(lambda: not visible_boxes())
        try:
            raise ValueError("later, <b>another</b>")
        except ValueError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
        assert len(visible_boxes()) == 1 and "<b>another</b>" in visible_boxes()[0].text()
        assert visible_boxes()[0].textFormat() == Qt.TextFormat.PlainText
        visible_boxes()[0].done(0)
    finally:
        sys.excepthook = saved


# -- 6: outside text is shown as the text it is ------------------------------------------------------


def rendered(text: str, fmt: Qt.TextFormat = Qt.TextFormat.AutoText) -> str:
    """What a label (or tooltip) with this text and format shows a person."""
    if fmt == Qt.TextFormat.PlainText:
        return text
    if fmt == Qt.TextFormat.RichText or QtGui.Qt.mightBeRichText(text):
        document = QTextDocument()
        document.setHtml(text)
        return document.toPlainText()
    return text


def test_a_server_message_with_html_is_shown_as_plain_text_at_sign_in(qtbot, desk) -> None:
    hostile = "<img src='http://127.0.0.1:1/pixel.png'> <a href='https://evil.example/'>click here</a>"
    with OddServer() as srv:
        srv.routes["/reviews/authorize"] = lambda *_: response(
            401, json.dumps({"message": hostile}).encode(), {"Content-Type": "application/json"}
        )
        dialog = desk.controller._sign_in
        qtbot.waitExposed(dialog)
        dialog.base_url.setText(srv.base_url)
        dialog.as_admin.setChecked(True)
        dialog.admin_key.setText("some-admin-key")
        dialog.reviewer_name.setText("kim")
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "server said" in dialog.error.text(), timeout=WAIT)
    shown = rendered(dialog.error.text(), dialog.error.textFormat())
    assert "<img src='http://127.0.0.1:1/pixel.png'>" in shown and "<a href=" in shown


def test_scan_ids_facts_and_claims_with_html_are_plain_text_everywhere(qtbot, desk, sim) -> None:
    sign_in(qtbot, desk, sim.mint_token("<i>ines</i>"))
    status = desk.window.status
    assert rendered(status.who.text(), status.who.textFormat()) == "Signed in as <i>ines</i>"
    ids = ["<b>bold</b>", "<a>link</a>", "ready-after"]
    desk.window.scan_list.import_text(json.dumps([{"scanId": i, "cardholder": "<img src=x>"} for i in ids]))
    qtbot.waitUntil(lambda: all(desk.window.scan_list.model.get(i) for i in ids), timeout=WAIT)
    window, controller = desk.window, desk.controller
    controller.show_scan("<b>bold</b>")
    facts = window.facts
    assert "<b>bold</b>" in rendered(facts.text(), facts.textFormat())
    assert "<img src=x>" in rendered(facts.text(), facts.textFormat())
    pane = window.decision_pane._scan_label
    assert f"Scan {short_scan_id('<b>bold</b>')} ·" in rendered(pane.text(), pane.textFormat())
    assert rendered(pane.toolTip()) == "<b>bold</b>"
    model = window.scan_list.model
    index = model.index(model.row_of("<b>bold</b>"), 0)
    assert "<b>bold</b>" in rendered(model.data(index, Qt.ItemDataRole.ToolTipRole))
    activate(qtbot, window)
    press(qtbot, window, "X")  # no image for such an id: "no image available" is one key
    qtbot.waitUntil(
        lambda: any(r.entry.scan_id == "<b>bold</b>" for r in window.history.rows()), timeout=WAIT
    )
    row = next(r for r in window.history.rows() if r.entry.scan_id == "<b>bold</b>")
    assert rendered(row.scan_label.text(), row.scan_label.textFormat()) == short_scan_id("<b>bold</b>")
    assert rendered(row.toolTip()).startswith("Scan <b>bold</b>\n")
