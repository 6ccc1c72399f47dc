"""Issue 16 in the window: a scan with both the charged and the scanned card shows them side by
side, differences marked with a symbol and a word, and D B suggested; the window never widens.

Covers reviewdesk.ui.main_window with reviewdesk.ui.card_compare_view.
"""

from __future__ import annotations

import json

from PySide6.QtWidgets import QApplication

from reviewdesk.domain.scan import Scan
from support.window import WAIT, desk, sign_in
from support.window import sim as sim  # noqa: F401  (the fixture)

assert desk  # the fixture, imported for its name

BODY = {
    "scanId": "ready-cv1",
    "card_challenged": {"bin": "424242", "last4": "4242", "exp_month": "12", "exp_year": "27",
                        "card_name": "José Álvarez"},
    "ocr_result": {"bin": "411111", "last4": "4242", "exp_month": "12", "exp_year": "2027",
                   "card_name": "JOSE  ALVAREZ"},
    "payload": "ENCRYPTED-PAYLOAD-NEVER-KEPT",
}  # fmt: skip


def test_both_cards_are_compared_over_the_image_and_d_b_is_suggested(qtbot, desk, sim, tmp_path) -> None:
    sign_in(qtbot, desk, sim.mint_token("kim"))
    queue_file = tmp_path / "cardverify.json"
    queue_file.write_text(json.dumps([BODY, {"scanId": "ready-cv2", "bin": "411111", "last4": "1111"}]))
    desk.controller.import_files([queue_file])
    model = desk.window.scan_list.model
    qtbot.waitUntil(lambda: None not in (model.get("ready-cv1"), model.get("ready-cv2")), timeout=WAIT)
    w = desk.window
    w.show()
    desk.controller.show_scan("ready-cv1")
    compare = w.compare
    assert compare.isVisible() and compare.mode == "compare"
    bin_row = [cell.full_text() for cell in compare.rows["bin"]]
    assert bin_row[1:3] == ["424242", "411111"] and "DIFFERENT" in bin_row[3]
    assert "same" in compare.rows["last4"][3].full_text()
    assert "same" in compare.rows["name"][3].full_text()  # case, accents and spacing do not count
    assert compare.suggestion.isVisible() and "D B" in compare.suggestion.full_text()
    assert "bin or last 4 mismatch" in compare.suggestion.full_text()  # worded from the keymap's view
    assert "424242" not in w.facts.text()  # shown once, in the comparison
    assert "ENCRYPTED" not in json.dumps(model.get("ready-cv1").facts)
    # One card only: the facts line as before, no comparison.
    desk.controller.show_scan("ready-cv2")
    assert not compare.isVisible() and "411111" in w.facts.text()
    # Neither scan changes the window's minimum width.
    widths = set()
    for scan_id in ("ready-cv1", "ready-cv2"):
        desk.controller.show_scan(scan_id)
        QApplication.processEvents()
        widths.add(w.minimumSizeHint().width())
    assert len(widths) == 1 and widths.pop() <= 1280


def test_a_long_scanned_name_never_widens_the_window(qtbot, desk) -> None:
    w = desk.window
    facts = {"bin": "424242", "last4": "1", "scanned.bin": "4" * 8, "scanned.last4": "2",
             "cardholder": "A" * 250, "scanned.cardholder": "B " * 120}  # fmt: skip
    w.scan_list.set_scans([Scan("wide", facts)])
    w.show()
    desk.controller.show_scan("wide")
    QApplication.processEvents()
    assert w.compare.mode == "compare"
    assert w.minimumSizeHint().width() <= 1280
