"""The whole review window, driven by real key presses, against the simulator over loopback.

Covers reviewdesk.ui.main_window and the controller (controller, controller_decisions,
controller_session, controller_delivery).
"""

from __future__ import annotations

import argparse
import asyncio

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from reviewdesk.app import build, close
from reviewdesk.domain.scan import ScanState
from reviewdesk.store import Store
from support.window import (
    WAIT,
    activate,
    latest_by_scan,
    press,
    queue,
    run_on_loop,
    sign_in,
    wait_image,
)
from support.window import desk as desk  # noqa: F401  (the fixture)
from support.window import sim as sim  # noqa: F401  (the fixture)

# -- sign-in and import ----------------------------------------------------------------------------


def test_sign_in_shows_who_and_the_countdown(qtbot, desk, sim) -> None:
    assert desk.controller._sign_in is not None  # nothing in the keyring: the dialog asks
    dialog = desk.controller._sign_in
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert "Paste the reviewer token" in dialog.error.text()
    qtbot.keyClicks(dialog.token, "not-a-token")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not a valid JWT" in dialog.error.text(), timeout=WAIT)
    sign_in(qtbot, desk, sim.mint_token("ines"))
    assert "ines" in desk.window.status.who.text()
    assert desk.window.status.countdown.text().startswith("token 59m")
    assert "memory" in desk.window.statusBar().currentMessage()  # no keyring here: said so


def test_admin_signs_in_by_minting_a_token_for_a_reviewer(qtbot, desk, sim) -> None:
    dialog = desk.controller._sign_in
    dialog.as_admin.setChecked(True)
    qtbot.keyClicks(dialog.admin_key, sim.config.admin_key)
    dialog.reviewer_name.clear()
    qtbot.keyClicks(dialog.reviewer_name, "omar")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: desk.controller._sign_in is None, timeout=WAIT)
    assert desk.services.session.is_admin and desk.services.session.reviewer == "omar"
    assert "(admin)" in desk.window.status.who.text()
    assert desk.window.tight_action.isEnabled()
    settings_text = desk.services.paths.settings_file.read_text()
    assert sim.config.admin_key not in settings_text and "omar" in settings_text
    # An admin session sends feedback with the admin headers (the credential it holds).
    queue(qtbot, desk, ["ready-adm"])
    activate(qtbot, desk.window)
    wait_image(qtbot, desk, "ready-adm")
    press(qtbot, desk.window, "A")
    qtbot.waitUntil(lambda: len(sim.feedback()) == 1, timeout=WAIT)
    record = sim.feedback()[0]
    assert (record.scan_id, record.auth_kind) == ("ready-adm", "admin")
    assert record.annotation_info["reviewer"] == "omar"


def test_import_reports_bad_rows_and_keeps_good_ones(qtbot, desk, sim, tmp_path) -> None:
    sign_in(qtbot, desk, sim.mint_token("ines"))
    csv = tmp_path / "queue.csv"
    csv.write_text("scanId,bin,last4\nready-a,411111,1234\n,411111,0000\nready-b,41,9999\nready-a,,\n")
    desk.controller.import_files([csv])  # what a drop, File > Import and `reviewdesk FILE` do
    model = desk.window.scan_list.model
    qtbot.waitUntil(
        lambda: model.get("ready-a") is not None and model.get("ready-b") is not None, timeout=WAIT
    )
    # The rows show chunk by chunk; the import's report comes once it has ended.
    qtbot.waitUntil(lambda: desk.window.scan_list.summary_label.full_text() != "", timeout=WAIT)
    summary = desk.window.scan_list.summary_label.full_text()
    assert "line 3" in summary
    assert model.get("ready-a").facts.get("bin") == "411111"
    stored = run_on_loop(qtbot, desk.services.load_queue())[0]
    assert {s.scan_id for s in stored} == {"ready-a", "ready-b"}


def test_files_that_cannot_be_imported_still_answer(qtbot, desk, tmp_path) -> None:
    good, bad = tmp_path / "ids.txt", tmp_path / "scans.pdf"
    good.write_text("t1\nt2\n", encoding="utf-8")
    bad.write_bytes(b"%PDF")
    desk.controller.import_files([good, bad])
    label = desk.window.scan_list.summary_label
    qtbot.waitUntil(lambda: label.full_text() != "", timeout=WAIT)
    assert label.full_text() == (
        "ids.txt: Imported 2 scans  |  scans.pdf: Nothing imported from scans.pdf: "
        "scans.pdf: only .csv, .json and .txt files can be imported, not .pdf files"
    )
    assert [desk.window.scan_list.model.get(i) is not None for i in ("t1", "t2")] == [True, True]


# -- the review itself -------------------------------------------------------------------------------

PLAN = ["A", "D, B", "A", "N, Q", "A", "D, S", "A", "A", "N, M", "A",
        "A", "D, O", "A", "N, O", "A", "A", "D, V", "A", "A", "A"]  # fmt: skip


def test_full_keyboard_review_of_twenty_scans_with_a_change(qtbot, desk, sim) -> None:
    desk.services.settings.undo_grace_seconds = 5.0  # the product's default: Ctrl+Z takes it back unsent
    sign_in(qtbot, desk, sim.mint_token("kim"))
    ids = [f"ready-w{i:02d}" for i in range(20)]
    queue(qtbot, desk, ids)
    window = desk.window
    activate(qtbot, window)
    keymap = desk.keymap if hasattr(desk, "keymap") else window.decision_pane.keymap()
    intended: dict[str, str] = {}
    for scan_id, keys in zip(ids, PLAN, strict=True):
        wait_image(qtbot, desk, scan_id)
        press(qtbot, window, keys)
        intended[scan_id] = keymap.name_for(keys)
        qtbot.waitUntil(lambda s=scan_id: window.scan_list.model.get(s).state is not ScanState.TO_REVIEW)
        if scan_id == "ready-w09":
            # A mistake noticed at once: Ctrl+Z goes back to it, and another key decides again.
            press(qtbot, window, "Ctrl+Z")
            qtbot.waitUntil(lambda: desk.controller.current == "ready-w09", timeout=WAIT)
            press(qtbot, window, "D, C")
            intended["ready-w09"] = "denied_fake_card"
    # An older one changed from the history strip after it was sent.
    qtbot.waitUntil(lambda: latest_by_scan(sim).keys() >= set(ids), timeout=30_000)
    rows = window.history.rows()
    target = next(r for r in rows if r.entry.scan_id == "ready-w15")
    qtbot.mouseClick(target, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: desk.controller.current == "ready-w15")
    activate(qtbot, window)
    press(qtbot, window, "D, E")
    intended["ready-w15"] = "denied_digitally_altered"
    qtbot.waitUntil(lambda: latest_by_scan(sim) == intended, timeout=WAIT)
    received = sim.feedback()
    assert {r.auth_kind for r in received} == {"reviewer"}
    info = received[-1].annotation_info
    assert info["reviewer"] == "kim" and info["client"].startswith("ReviewDesk/")
    assert "secondsOnScan" in info and "decidedAt" in info and info["idempotencyKey"]
    assert ("ready-w09", "approved") not in [(r.scan_id, r.shortcode) for r in received]  # undone in time
    assert [r.shortcode for r in received if r.scan_id == "ready-w15"] == [
        "approved",
        "denied_digitally_altered",
    ]
    qtbot.waitUntil(lambda: window.scan_list.model.counts().get(ScanState.SENT, 0) == 20, timeout=WAIT)
    qtbot.waitUntil(lambda: window.scan_list.progress_bar.format() == "20 of 20 reviewed", timeout=WAIT)


def test_decision_keys_do_not_fire_in_the_note_and_ctrl_enter_decides_with_it(qtbot, desk, sim) -> None:
    sign_in(qtbot, desk, sim.mint_token("kim"))
    queue(qtbot, desk, ["ready-n1", "ready-n2"])
    window = desk.window
    activate(qtbot, window)
    wait_image(qtbot, desk, "ready-n1")
    press(qtbot, window, "W")  # focus the note
    note = window.decision_pane.note_edit()
    qtbot.waitUntil(note.hasFocus)
    qtbot.keyClicks(note, "A blurry DN")
    assert window.scan_list.model.get("ready-n1").state is ScanState.TO_REVIEW
    combo = window.decision_pane.decision_combo()
    combo.setCurrentIndex(combo.findData("no_action_poor_image_quality"))
    qtbot.keyClick(note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: [r.shortcode for r in sim.feedback()] == ["no_action_poor_image_quality"], timeout=WAIT
    )
    assert sim.feedback()[0].annotation_info["note"] == "A blurry DN"
    assert desk.controller.current == "ready-n2"


def test_token_expiring_mid_review_loses_nothing(qtbot, desk, sim) -> None:
    sign_in(qtbot, desk, sim.mint_token("kim", lifetime=3))
    ids = ["ready-e1", "ready-e2", "ready-e3"]
    queue(qtbot, desk, ids)
    window = desk.window
    activate(qtbot, window)
    wait_image(qtbot, desk, "ready-e1")
    press(qtbot, window, "A")
    qtbot.waitUntil(lambda: len(sim.feedback()) == 1, timeout=WAIT)
    # Expiry is a banner naming the sign-in key; nothing opens by itself and takes the keys.
    qtbot.waitUntil(lambda: "expired" in window.notices.text("session"), timeout=WAIT)
    assert "Ctrl+L" in window.notices.text("session")
    assert desk.controller._sign_in is None
    wait_image(qtbot, desk, "ready-e2")
    press(qtbot, window, "A")  # decided while signed out of date: queued, not lost
    qtbot.waitUntil(lambda: window.scan_list.model.get("ready-e2").state is ScanState.DECIDED, timeout=WAIT)
    assert desk.controller.current == "ready-e3"
    press(qtbot, window, "Ctrl+L")  # the reviewer's own choice: now the dialog opens
    qtbot.waitUntil(lambda: desk.controller._sign_in is not None, timeout=WAIT)
    sign_in(qtbot, desk, sim.mint_token("kim"))
    assert window.notices.text("session") == ""
    qtbot.waitUntil(
        lambda: latest_by_scan(sim) == {"ready-e1": "approved", "ready-e2": "approved"}, timeout=WAIT
    )
    assert desk.controller.current == "ready-e3"  # position kept


def test_expired_urls_are_refreshed_and_images_still_show(qtbot, desk, sim) -> None:
    sign_in(qtbot, desk, sim.mint_token("kim", lifetime=20000))
    queue(qtbot, desk, ["ready-u1", "ready-u2"])
    wait_image(qtbot, desk, "ready-u1")
    desk.controller.images.clear()  # nothing cached: the next show needs the (expired) URL again
    sim.config.clock_offset = 4000  # an hour and more later, for the server
    desk.controller.show_scan("ready-u2")
    wait_image(qtbot, desk, "ready-u2")
    desk.controller.show_scan("ready-u1")
    wait_image(qtbot, desk, "ready-u1")
    statuses = [s for _, p, s in sim.requests_log() if p.startswith("/blackout-images/")]
    assert 403 in statuses and statuses[-1] == 200


@pytest.mark.parametrize(
    ("scan_id", "kinds", "hint"),
    [
        # A reviewer's /reviews/b has no status: a 404 may be "still uploading", so the pane keeps
        # looking for a while (saying so: "checking whether the image exists"), and offers the
        # no-image key all along.
        ("missing-z", ("checking", "not_found"), "press X"),
        ("corrupt-z", ("error",), "Ctrl+R"),
        ("huge-z", ("too_large",), "too large"),
    ],
)
def test_images_that_cannot_show_are_explained_in_the_pane(qtbot, desk, sim, scan_id, kinds, hint) -> None:
    sign_in(qtbot, desk, sim.mint_token("kim"))
    queue(qtbot, desk, [scan_id, "ready-after"])
    desk.controller.show_scan(scan_id)
    view = desk.window.image_view
    qtbot.waitUntil(
        lambda: view.state is not None and view.state.kind in kinds and hint in view.hint, timeout=WAIT
    )
    assert not view.has_image
    if "not_found" in kinds:
        activate(qtbot, desk.window)
        press(qtbot, desk.window, "X")
        qtbot.waitUntil(
            lambda: latest_by_scan(sim) == {scan_id: "no_action_no_image_available"}, timeout=WAIT
        )


def test_a_missing_image_with_a_known_status_says_so_at_once(qtbot, desk, sim) -> None:
    sim.config.b_includes_status = True  # a server that takes the other side of the contradiction
    sign_in(qtbot, desk, sim.mint_token("kim"))
    queue(qtbot, desk, ["missing-s"])
    view = desk.window.image_view
    qtbot.waitUntil(lambda: view.state is not None and view.state.kind == "not_found", timeout=WAIT)
    assert "press X" in view.hint


def test_uploading_image_is_polled_until_ready(qtbot, desk, sim) -> None:
    sign_in(qtbot, desk, sim.mint_token("kim"))
    queue(qtbot, desk, ["uploading-q"])
    view = desk.window.image_view
    # a reviewer is not told UPLOADING (only a 404): the pane says it is checking, not a guess
    qtbot.waitUntil(lambda: view.state is not None and view.state.kind == "checking", timeout=WAIT)
    wait_image(qtbot, desk, "uploading-q")
    qtbot.waitUntil(lambda: view.has_image and view.state.is_ready, timeout=WAIT)


def test_undo_is_not_held_back_by_other_work(qtbot, desk, sim) -> None:
    desk.services.settings.undo_grace_seconds = 2.0
    sign_in(qtbot, desk, sim.mint_token("kim"))
    queue(qtbot, desk, ["ready-h1", "ready-h2"])
    window = desk.window
    activate(qtbot, window)
    wait_image(qtbot, desk, "ready-h1")
    desk.controller.spawn(asyncio.sleep(4))  # e.g. a slow import or sign-in still running
    with qtbot.waitSignal(desk.controller.decision_recorded, timeout=WAIT):
        press(qtbot, window, "A")
    press(qtbot, window, "Ctrl+Z")
    # Had the undo waited for the other work (4 s), the grace (2 s) would have run out first: the
    # decision would have been sent, and the undo refused (the scan would stay sent).
    qtbot.waitUntil(lambda: window.scan_list.model.get("ready-h1").state is ScanState.TO_REVIEW, timeout=WAIT)
    assert desk.controller.current == "ready-h1"
    # The undo took the decision out of the outbox: nothing is left that could leave later.
    assert run_on_loop(qtbot, desk.services.store.run(Store.entries_for_scan, "ready-h1")) == []
    assert sim.feedback() == []


def test_token_expiry_is_a_banner_and_never_a_dialog(qtbot, desk, sim) -> None:
    sign_in(qtbot, desk, sim.mint_token("kim", lifetime=2))
    window = desk.window
    qtbot.waitUntil(lambda: window.status.countdown.text() == "token expired", timeout=WAIT)
    qtbot.waitUntil(lambda: "expired" in window.notices.text("session"), timeout=WAIT)
    assert desk.controller._sign_in is None
    # The banner's button is the mouse's way to the dialog; the key named in it is the keyboard's.
    notice = window.notices._notices["session"]
    assert notice.action.focusPolicy() == Qt.FocusPolicy.NoFocus
    qtbot.mouseClick(notice.action, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: desk.controller._sign_in is not None, timeout=WAIT)


def test_a_refused_decision_is_failed_in_the_outbox_view_and_can_be_changed(qtbot, desk, sim) -> None:
    sim.config.fail_feedback_codes = {"ready-bad": 400}
    sign_in(qtbot, desk, sim.mint_token("kim"))
    queue(qtbot, desk, ["ready-bad", "ready-ok"])
    window = desk.window
    activate(qtbot, window)
    wait_image(qtbot, desk, "ready-bad")
    press(qtbot, window, "A")
    wait_image(qtbot, desk, "ready-ok")
    press(qtbot, window, "A")
    model = window.scan_list.model
    qtbot.waitUntil(lambda: model.get("ready-bad").state is ScanState.FAILED, timeout=WAIT)
    qtbot.waitUntil(lambda: model.get("ready-ok").state is ScanState.SENT, timeout=WAIT)  # not held back
    assert "rejected" in (model.get("ready-bad").error or "")
    # (the status bar's counts follow the worker's paced refresh, a moment after the rows)
    qtbot.waitUntil(lambda: "failed" in window.status.delivery.text(), timeout=WAIT)
    qtbot.mouseClick(window.status.delivery, Qt.MouseButton.LeftButton)  # the status bar opens the outbox
    dialog = desk.controller._outbox
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=WAIT)
    assert dialog.table.item(0, 0).text() == "ready-bad" and dialog.table.item(0, 2).text() == "failed"
    assert "rejected" in dialog.table.item(0, 4).text()
    # The reviewer opens it and decides again; the server accepts this time.
    sim.config.fail_feedback_codes = {}
    dialog.table.cellDoubleClicked.emit(0, 0)
    qtbot.waitUntil(lambda: desk.controller.current == "ready-bad", timeout=WAIT)
    activate(qtbot, window)
    press(qtbot, window, "D, B")
    qtbot.waitUntil(
        lambda: latest_by_scan(sim) == {"ready-bad": "denied_bin_mismatch", "ready-ok": "approved"},
        timeout=WAIT,
    )
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 0, timeout=WAIT)
    assert "Every decision has been delivered" in dialog.summary.text()


def test_files_named_on_the_command_line_are_queued(qtbot, qloop, sim, tmp_path) -> None:
    listing = tmp_path / "todo.txt"
    listing.write_text("ready-c1\nready-c2\n\nready-c1\n")
    args = argparse.Namespace(
        data_dir=str(tmp_path / "data"),
        base_url=sim.base_url,
        demo=False,
        files=[str(listing)],
        screenshot=None,
    )
    built = run_on_loop(qtbot, build(args, delivery={"base_delay": 0.05, "max_delay": 0.5}))
    try:
        model = built.window.scan_list.model
        qtbot.waitUntil(lambda: [s.scan_id for s in model.scans()] == ["ready-c1", "ready-c2"], timeout=WAIT)
        stored = run_on_loop(qtbot, built.services.load_queue())[0]
        assert [s.scan_id for s in stored] == ["ready-c1", "ready-c2"]
    finally:
        run_on_loop(qtbot, close(built))
        built.window.allow_close()
        built.window.close()
        built.window.deleteLater()


# -- the keystroke's paint -------------------------------------------------------------------------


def test_a_decision_paints_the_next_image_within_the_keystroke_before_the_table(qtbot, desk, sim) -> None:
    from PySide6.QtCore import QEvent, QObject

    sign_in(qtbot, desk, sim.mint_token("ines"))
    queue(qtbot, desk, ["ready-p1", "ready-p2", "ready-p3"])
    activate(qtbot, desk.window)
    wait_image(qtbot, desk, "ready-p1")
    qtbot.waitUntil(lambda: desk.controller.images.cached("ready-p2") is not None, timeout=WAIT)
    desk.window.repaint()  # paint everything pending now, so that what follows is the keystroke's

    view, table = desk.window.image_view, desk.window.scan_list.view.viewport()
    paints: list[tuple[str, str | None]] = []

    class Recorder(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                paints.append(("image" if watched is view else "table", desk.controller.current))
            return False

    recorder = Recorder()
    view.installEventFilter(recorder)
    table.installEventFilter(recorder)
    try:
        press(qtbot, desk.window, "A")  # the handler runs synchronously inside keyClick
        assert desk.controller.current == "ready-p2"
        # The next scan's image was painted inside the keystroke, and the table was not painted
        # before it (its row update and selection follow in the next frame).
        assert paints and paints[0] == ("image", "ready-p2"), paints
        assert view.has_image
        qtbot.waitUntil(lambda: ("table", "ready-p2") in paints, timeout=WAIT)
    finally:
        view.removeEventFilter(recorder)
        table.removeEventFilter(recorder)
    assert desk.window.scan_list.model.get("ready-p1").state is not ScanState.TO_REVIEW
    assert desk.window.scan_list.current_scan_id() == "ready-p2"


def test_the_image_service_sizes_previews_for_the_pane_as_it_is_resized(qtbot, desk) -> None:
    activate(qtbot, desk.window)
    view = desk.window.image_view
    ratio = view.devicePixelRatioF()
    qtbot.waitUntil(
        lambda: desk.controller.images.view_size.width() == round(view.width() * ratio), timeout=WAIT
    )
    desk.window.resize(desk.window.width() + 300, desk.window.height() + 120)
    qtbot.waitUntil(
        lambda: (
            (desk.controller.images.view_size.width(), desk.controller.images.view_size.height())
            == (round(view.width() * ratio), round(view.height() * ratio))
        ),
        timeout=WAIT,
    )


def test_the_sign_in_dialog_learns_the_keyring_after_it_opened(qtbot, desk) -> None:
    # The keyring is asked in a worker thread at start-up and nothing waits for it: a dialog opened
    # before the answer assumes a keyring, then says so when there is none (the tests' null keyring).
    from reviewdesk.ui.sign_in import SignInDialog

    dialog = desk.controller._sign_in or desk.controller.prompt_sign_in()
    qtbot.waitUntil(lambda: desk.controller.keyring_available is False, timeout=WAIT)
    assert not dialog.remember.isEnabled() and not dialog.remember.isChecked()
    assert "kept in memory" in dialog.keyring_note.text() and not dialog.keyring_note.isHidden()

    unknown = SignInDialog(desk.window, keyring_available=True)
    qtbot.addWidget(unknown)
    unknown.remember.setChecked(False)  # the reviewer's choice, made before the answer came
    unknown.set_keyring_available(True)
    assert unknown.remember.isEnabled() and not unknown.remember.isChecked()
    unknown.set_keyring_available(False)
    assert not unknown.remember.isEnabled() and not unknown.remember.isChecked()
