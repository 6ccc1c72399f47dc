"""The window with decisions of two reviewers on one data folder, a refused token, and a status
bar that tells offline, server error, waiting and paused apart.

Covers reviewdesk.ui.controller_delivery, reviewdesk.ui.status_bar, reviewdesk.ui.outbox_dialog.
"""

from __future__ import annotations

import json

from PySide6.QtWidgets import QMessageBox

from reviewdesk.domain.route import Route
from reviewdesk.sim.config import SimConfig
from reviewdesk.sim.runner import SimServer
from reviewdesk.store.store import RouteSummary, Store
from reviewdesk.sync.worker import DeliveryStatus
from reviewdesk.ui.status_bar import delivery_text
from support.window import WAIT, activate, desk, press, queue, run_on_loop, sign_in, wait_image
from support.window import sim as sim  # noqa: F401  (the fixture)

assert desk  # the fixture, imported for its name


def reviewers_seen(sim) -> list[tuple[str, str | None, str]]:
    return [(r.scan_id, r.reviewer, r.annotation_info["reviewer"]) for r in sim.feedback()]


def test_decisions_wait_for_their_own_reviewer_and_are_never_sent_as_another(qtbot, desk, sim) -> None:
    window = desk.window
    sign_in(qtbot, desk, sim.mint_token("ana"))
    queue(qtbot, desk, ["ready-a1", "ready-b1"])
    activate(qtbot, window)
    sim.config.unavailable = {"/reviews/feedback": 1000}  # busy: ana's decision cannot go yet
    sim.config.unavailable_retry_after = 1
    wait_image(qtbot, desk, "ready-a1")
    press(qtbot, window, "A")
    qtbot.waitUntil(lambda: desk.services.worker.status.state == "waiting", timeout=WAIT)

    sign_in(qtbot, desk, sim.mint_token("bo"))  # another reviewer, same data folder
    sim.config.unavailable = {}
    qtbot.waitUntil(lambda: "1 wait for another sign-in" in window.status.delivery.text(), timeout=WAIT)
    line = f"1 decision for ana on {sim.base_url}: sign in as ana on {sim.base_url} to send them"
    assert line in window.status.delivery.toolTip()
    qtbot.waitUntil(lambda: line in window.statusBar().currentMessage(), timeout=WAIT)
    desk.controller.show_scan("ready-b1")
    wait_image(qtbot, desk, "ready-b1")
    activate(qtbot, window)
    press(qtbot, window, "A")
    qtbot.waitUntil(lambda: len(sim.feedback()) == 1, timeout=WAIT)
    assert reviewers_seen(sim) == [("ready-b1", "bo", "bo")]  # ana's is not sent under bo's name

    sign_in(qtbot, desk, sim.mint_token("ana"))
    qtbot.waitUntil(lambda: len(sim.feedback()) == 2, timeout=WAIT)
    assert reviewers_seen(sim)[1] == ("ready-a1", "ana", "ana")


def test_a_waiting_reviewer_s_decisions_can_be_discarded_after_a_question(qtbot, desk, sim) -> None:
    sign_in(qtbot, desk, sim.mint_token("bo"))
    store = desk.services.store
    ana = Route(sim.base_url, "reviewer:ana")

    async def made_by_ana() -> None:
        for i in range(3):
            await store.run(Store.record_decision, f"ana-{i}", "approved", {"reviewer": "ana"}, route=ana)

    run_on_loop(qtbot, made_by_ana())
    desk.controller.open_outbox()
    dialog = desk.controller._outbox
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 3, timeout=WAIT)
    assert dialog.table.item(0, 5).text() == f"ana on {sim.base_url}"
    dialog.table.selectRow(0)
    box = dialog._discard()
    assert box is not None and "Delete the 3 undelivered decision(s) for ana on" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    # A discard would go to the store's thread before this read does (one thread, in order): the
    # read sees all three, so the cancel discarded nothing.
    assert len(run_on_loop(qtbot, store.run(Store.pending_entries))) == 3
    assert dialog.table.rowCount() == 3  # cancelled: nothing lost
    box = dialog._discard()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 0, timeout=WAIT)
    assert sim.feedback() == []


def test_a_token_the_server_refuses_is_not_shown_as_fine(qtbot, desk, sim) -> None:
    with SimServer(SimConfig(seed=3)) as other:
        forged = other.mint_token("ana")  # signed with another secret: this server refuses it
    window = desk.window
    sign_in(qtbot, desk, forged)
    assert window.status.countdown.text().startswith("token ")
    queue(qtbot, desk, ["ready-r1"])  # its image link is refused (403), while our clock says 59 min
    qtbot.waitUntil(lambda: window.status.countdown.text() == "token refused: sign in again", timeout=WAIT)
    assert window.status.level(window.status.countdown) == "bad"  # red, not the green of "ok"
    # and signing in again is asked for, by a banner naming the key (no dialog takes the keys)
    assert "Ctrl+L" in window.notices.text("session")
    assert desk.controller._sign_in is None


def test_the_outbox_status_tells_offline_server_error_waiting_and_paused_apart() -> None:
    now = 1000.0
    texts = {
        state: delivery_text(
            DeliveryStatus(state=state, queued=2, server_status=503, next_retry_at=now + 4), now
        )
        for state in ("offline", "server_error", "waiting", "paused", "online")
    }
    assert texts == {
        "offline": "offline (no connection), retrying · 2 queued",
        "server_error": "server error 503, retrying · 2 queued",
        "waiting": "waiting 4 s as the server asked · 2 queued",
        "paused": "paused until sign-in · 2 queued",
        "online": "online · 2 queued",
    }
    portal = DeliveryStatus(state="server_error", queued=1, unexpected_from="portal.example")
    assert delivery_text(portal, now) == "unexpected answer from portal.example, retrying · 1 queued"
    ana = RouteSummary(Route("https://a.example", "reviewer:ana"), pending=12)
    status = DeliveryStatus(state="idle", queued=12, elsewhere=(ana,))
    assert delivery_text(status, now) == "online · 12 wait for another sign-in"
    assert status.elsewhere_lines() == [
        "12 decisions for ana on https://a.example: sign in as ana on https://a.example to send them"
    ]


def test_the_outbox_exports_and_confirms_decisions_of_an_earlier_version(qtbot, desk, sim, tmp_path) -> None:
    sign_in(qtbot, desk, sim.mint_token("ana"))
    store = desk.services.store
    ana = Route(sim.base_url, "reviewer:ana")

    def from_an_earlier_version(s: Store) -> None:
        # In one call on the store's thread: the worker cannot claim it before it is unconfirmed.
        entry = s.record_decision("old-1", "approved", {"reviewer": "ana"}, route=ana)
        s._db.execute("UPDATE outbox SET unconfirmed = 1 WHERE id = ?", (entry.id,))  # as migrated

    run_on_loop(qtbot, store.run(from_an_earlier_version))
    desk.controller.open_outbox()
    dialog = desk.controller._outbox
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1 and dialog.confirm_button.isEnabled(), timeout=WAIT)
    assert dialog.table.item(0, 2).text() == "to confirm"
    assert sim.feedback() == []  # nothing goes before the reviewer confirms

    out = tmp_path / "waiting.json"
    run_on_loop(qtbot, dialog.export_to(out))
    assert [row["scanId"] for row in json.loads(out.read_text())] == ["old-1"]
    assert "Exported 1 undelivered decision(s)" in dialog.summary.text()

    box = dialog._confirm()
    assert f"1 for ana on {sim.base_url}" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: [r.scan_id for r in sim.feedback()] == ["old-1"], timeout=WAIT)
    assert sim.feedback()[0].reviewer == "ana"
