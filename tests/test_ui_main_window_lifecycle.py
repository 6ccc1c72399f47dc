"""The window across restarts, quitting with undelivered decisions, admin token renewal, and the GUI
thread under network faults: real window, real simulator, real key presses.

Covers reviewdesk.app (build, close), reviewdesk.ui.controller_session (renewal) and the quit path.
"""

from __future__ import annotations

import argparse
import gc
import threading

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from reviewdesk.app import build, close
from reviewdesk.domain.scan import ScanState
from reviewdesk.session import SignInRequest
from support.window import WAIT, activate, latest_by_scan, press, queue, run_on_loop, sign_in, wait_image
from support.window import sim as sim  # noqa: F401  (the fixture)

DELIVERY = {"base_delay": 0.05, "max_delay": 0.5}


def open_desk(qtbot, sim, data_dir, grace: float = 0.3):
    args = argparse.Namespace(
        data_dir=str(data_dir), base_url=sim.base_url, demo=False, files=[], screenshot=None
    )
    built = run_on_loop(qtbot, build(args, delivery=DELIVERY))
    built.services.settings.undo_grace_seconds = grace
    return built


def shut(qtbot, built) -> None:
    run_on_loop(qtbot, close(built))
    built.window.allow_close()
    built.window.close()
    built.window.deleteLater()


def message_box() -> QMessageBox | None:
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    return boxes[0] if boxes else None


def test_queue_decisions_and_position_survive_a_restart_and_undelivered_ones_go_out_next_time(
    qtbot, qloop, sim, tmp_path
) -> None:
    data = tmp_path / "data"
    first = open_desk(qtbot, sim, data, grace=30.0)  # held back long enough to still be unsent at quit
    sign_in(qtbot, first, sim.mint_token("lee"))
    queue(qtbot, first, ["ready-r1", "ready-r2", "ready-r3"])
    activate(qtbot, first.window)
    wait_image(qtbot, first, "ready-r1")
    press(qtbot, first.window, "A")
    qtbot.waitUntil(
        lambda: first.window.scan_list.model.get("ready-r1").state is ScanState.DECIDED, timeout=WAIT
    )
    qtbot.waitUntil(lambda: first.services.worker.status.queued == 1, timeout=WAIT)
    quit_seen = []
    first.controller.quit_ready.connect(lambda: quit_seen.append(True))
    first.window.close()  # the reviewer quits with one decision unsent: asked, not lost
    qtbot.waitUntil(lambda: message_box() is not None, timeout=WAIT)
    box = message_box()
    assert "1 decision(s) are not yet delivered" in box.text()
    quit_now = next(b for b in box.buttons() if b.text() == "Quit now")
    quit_now.click()
    qtbot.waitUntil(lambda: bool(quit_seen), timeout=WAIT)
    shut(qtbot, first)
    assert sim.feedback() == []

    second = open_desk(qtbot, sim, data)
    sign_in(qtbot, second, sim.mint_token("lee"))  # no keyring here: the token was memory-only
    model = second.window.scan_list.model
    assert [s.scan_id for s in model.scans()] == ["ready-r1", "ready-r2", "ready-r3"]
    assert second.controller.current == "ready-r2"  # where the reviewer was
    # Held for undo when the window closed: at the next start nobody can undo it, so it goes out.
    qtbot.waitUntil(lambda: latest_by_scan(sim) == {"ready-r1": "approved"}, timeout=WAIT)
    qtbot.waitUntil(lambda: model.get("ready-r1").state is ScanState.SENT, timeout=WAIT)
    shut(qtbot, second)


def test_an_admin_session_renews_its_reviewer_token_by_itself(qtbot, qloop, sim, tmp_path) -> None:
    sim.config.token_lifetime = 12  # renewed when a quarter (but at least 5 s) is left
    built = open_desk(qtbot, sim, tmp_path / "data")
    try:
        built.controller._sign_in.reject()  # the start-up prompt: signed in below without it
        run_on_loop(
            qtbot,
            built.services.session.sign_in(
                SignInRequest(
                    sim.base_url, admin_key=sim.config.admin_key, reviewer_name="ava", remember=False
                )
            ),
        )
        first = built.services.session.token
        assert built.services.session.renew_margin() == 5.0
        # No action from anyone: the status-bar clock notices and the session mints a new token.
        qtbot.waitUntil(lambda: built.services.session.token is not first, timeout=WAIT)
        renewed = built.services.session.token
        assert renewed.reviewer == "ava" and renewed.expires_at > first.expires_at
        assert [r[1] for r in sim.requests_log()].count("/reviews/authorize") == 2
        assert built.controller._sign_in is None  # nobody was asked for anything
    finally:
        shut(qtbot, built)


def test_gui_thread_never_stalls_while_the_network_misbehaves(qtbot, qloop, sim, tmp_path) -> None:
    built = open_desk(qtbot, sim, tmp_path / "data", grace=0.0)
    try:
        sign_in(qtbot, built, sim.mint_token("lee"))
        ids = [f"ready-f{i:02d}" for i in range(25)]
        queue(qtbot, built, ids)
        activate(qtbot, built.window)
        sim.config.failure_rate = 0.3
        sim.config.drop_rate = 0.1
        gc.collect()
        gc.freeze()  # a full collection of the test process's heap is not the window's doing
        clock = QElapsedTimer()
        clock.start()
        gaps: list[int] = []
        last = [clock.elapsed()]

        def tick() -> None:
            now = clock.elapsed()
            gaps.append(now - last[0])
            last[0] = now

        ticker = QTimer()
        ticker.setInterval(10)
        ticker.timeout.connect(tick)
        ticker.start()
        qtbot.waitUntil(lambda: len(gaps) >= 5, timeout=WAIT)

        def turn() -> None:
            """Let the event loop turn once (one tick of the ticker), as between a keyboard's keys."""
            seen = len(gaps)
            qtbot.waitUntil(lambda: len(gaps) > seen, timeout=WAIT)

        for scan_id in ids:
            qtbot.waitUntil(lambda s=scan_id: built.controller.current == s, timeout=WAIT)
            # Key presses arrive through the event loop, never two in one pass: let it turn, as
            # a keyboard would.
            turn()
            press(qtbot, built.window, "A")
            if "confirm" in built.window.notices.shown():  # the server is down: no image was shown
                turn()
                press(qtbot, built.window, "A")
            # The server goes down for a while, then comes back (from another thread: stopping and
            # starting it is the test's work, not the window's).
            if scan_id == ids[12]:
                threading.Thread(target=sim.stop).start()
            if scan_id == ids[18]:
                qtbot.waitUntil(lambda: not sim.running, timeout=WAIT)
                threading.Thread(target=sim.start).start()
        qtbot.waitUntil(lambda: latest_by_scan(sim).keys() == set(ids), timeout=60_000)
        ticker.stop()
        assert len(gaps) > 50
        worst = max(gaps)
        assert worst < 100, (
            f"the GUI thread stalled for {worst} ms (at tick {gaps.index(worst)} of {len(gaps)})"
        )
    finally:
        gc.unfreeze()
        shut(qtbot, built)
