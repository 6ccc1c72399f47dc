"""The privacy screen (ui/privacy_screen.py): after a set time without input the image and facts
are hidden behind a screen that shows only the count left; the first key only wakes it; idle time
is not time on the item; a setting asks for a sign-in after a long absence. The clock is injected:
nothing here waits real minutes."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from reviewdesk.domain.scan import ScanState
from reviewdesk.store import Store
from support.window import WAIT, desk, latest_by_scan, ready, run_on_loop, sign_in, type_keys
from support.window import sim as sim  # noqa: F401  (the fixture)

assert desk  # the fixture, imported for its name


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _fake_clock(desk) -> Clock:
    clock = Clock()
    desk.controller.record.watch.clock = clock
    desk.controller.record.watch.touch()
    return clock


def _audit(qtbot, desk):
    return run_on_loop(qtbot, desk.services.store.run(Store.audit_records))


def test_idle_hides_the_scan_and_the_first_key_only_wakes(qtbot, desk, sim) -> None:
    ids = ["ready-p1", "ready-p2", "ready-p3"]
    ready(qtbot, desk, sim, ids)
    w, rec = desk.window, desk.controller.record
    clock = _fake_clock(desk)
    assert desk.services.settings.privacy_idle_seconds == 300.0  # the default: 5 minutes
    clock.now += 299
    rec.watch.check()
    assert not rec.screen.is_up and rec.screen.isHidden()
    clock.now += 2
    rec.watch.check()
    assert rec.screen.is_up and rec.screen.isVisible()
    assert rec.screen.geometry() == w.centralWidget().geometry()  # over the list, facts, image, pane
    assert rec.screen.count_label.text() == "3 scans left to review"
    shown = rec.screen.grab().toImage()
    assert shown.size().width() >= w.image_view.width()
    # The first key, a decision key, sent to whatever has focus: it only wakes the screen.
    type_keys(qtbot, "A")
    assert not rec.screen.is_up and rec.screen.isHidden()
    assert desk.controller.current == "ready-p1"
    assert w.scan_list.model.get("ready-p1").state is ScanState.TO_REVIEW
    # The next A decides (the same scan: the first one did not).
    type_keys(qtbot, "A")
    qtbot.waitUntil(lambda: latest_by_scan(sim) == {"ready-p1": "approved"}, timeout=WAIT)
    assert [r.item for r in _audit(qtbot, desk) if r.action == "decision"] == ["ready-p1"]


def test_a_held_wake_key_does_not_decide_and_a_click_wakes_too(qtbot, desk, sim) -> None:
    ready(qtbot, desk, sim, ["ready-q1", "ready-q2"])
    rec = desk.controller.record
    clock = _fake_clock(desk)
    clock.now += 400
    rec.watch.check()
    qtbot.keyPress(QApplication.focusWidget(), Qt.Key.Key_A)
    for _ in range(3):  # the key held down: auto-repeats
        QApplication.sendEvent(
            QApplication.focusWidget(),
            QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "a", True),
        )
    qtbot.keyRelease(QApplication.focusWidget(), Qt.Key.Key_A)
    assert not rec.screen.is_up
    assert desk.window.scan_list.model.get("ready-q1").state is ScanState.TO_REVIEW
    clock.now += 400
    rec.watch.check()
    assert rec.screen.is_up
    qtbot.mouseClick(rec.screen, Qt.MouseButton.LeftButton)
    assert not rec.screen.is_up
    assert desk.controller.current == "ready-q1" and sim.feedback() == []


def test_input_keeps_the_screen_away_and_an_inactive_window_goes_idle(qtbot, desk, sim) -> None:
    ready(qtbot, desk, sim, ["ready-r1", "ready-r2"])
    rec = desk.controller.record
    clock = _fake_clock(desk)
    clock.now += 200
    type_keys(qtbot, "J")  # next scan: input
    clock.now += 200
    rec.watch.check()
    assert not rec.screen.is_up
    # Another window has the focus (ReviewDesk is behind it, or minimised): no input reaches it.
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is other)
    clock.now += 301
    rec.watch.check()
    assert rec.screen.is_up


def test_idle_time_is_not_time_on_the_item(qtbot, desk, sim) -> None:
    ready(qtbot, desk, sim, ["ready-t1", "ready-t2"])
    c, rec = desk.controller, desk.controller.record
    clock = _fake_clock(desk)
    c._shown_at -= 400  # the scan has been on screen for 400 s (of which 350 away, below)
    clock.now += 350
    rec.watch.check()
    type_keys(qtbot, "A")  # wakes
    type_keys(qtbot, "A")  # decides
    qtbot.waitUntil(lambda: len(sim.feedback()) == 1, timeout=WAIT)
    (decision,) = [r for r in _audit(qtbot, desk) if r.action == "decision"]
    assert 50 <= decision.detail["seconds"] < 80  # 400 on the item, less the 350 away
    (record,) = sim.feedback()
    assert 50 <= record.annotation_info["secondsOnScan"] < 80


def test_a_long_absence_asks_for_a_sign_in_before_the_screen_lifts(qtbot, desk, sim) -> None:
    ready(qtbot, desk, sim, ["ready-s1", "ready-s2"])
    rec = desk.controller.record
    rec.screen.sign_in_after_seconds = 900.0  # settings.privacy_sign_in_after_seconds
    clock = _fake_clock(desk)
    clock.now += 901
    rec.watch.check()
    type_keys(qtbot, "A")
    qtbot.waitUntil(lambda: desk.controller._sign_in is not None)
    assert rec.screen.is_up  # still hidden: a sign-in first
    assert desk.controller._sign_in.reason.text() == "You were away for 15 minutes: sign in again to go on."
    sign_in(qtbot, desk, sim.mint_token("kim"))
    qtbot.waitUntil(lambda: not rec.screen.is_up)
    run_on_loop(qtbot, desk.controller.settle())
    again = [r for r in _audit(qtbot, desk) if r.action == "sign-in" and r.detail.get("again")]
    assert [r.reviewer for r in again] == ["kim"]
    assert desk.window.scan_list.model.get("ready-s1").state is ScanState.TO_REVIEW and sim.feedback() == []


def test_open_dialogs_and_the_scan_id_in_the_title_are_hidden_too(qtbot, desk, sim) -> None:
    ready(qtbot, desk, sim, ["ready-d1", "ready-d2"])
    w, rec = desk.window, desk.controller.record
    desk.controller.open_outbox()
    outbox = desk.controller._outbox
    qtbot.waitUntil(outbox.isVisible)
    assert "ready-d1" in w.windowTitle()
    clock = _fake_clock(desk)
    clock.now += 301
    rec.watch.check()
    assert rec.screen.is_up and not outbox.isVisible() and w.windowTitle() == "ReviewDesk"
    qtbot.mouseClick(rec.screen, Qt.MouseButton.LeftButton)
    assert outbox.isVisible() and "ready-d1" in w.windowTitle()


def test_a_sign_in_dialog_open_when_the_screen_went_up_comes_back_for_the_sign_in(qtbot, desk, sim) -> None:
    ready(qtbot, desk, sim, ["ready-k1", "ready-k2"])
    rec = desk.controller.record
    rec.screen.sign_in_after_seconds = 900.0
    desk.controller.open_outbox()
    dialog = desk.controller.prompt_sign_in("token expired")  # open when the reviewer walked away
    clock = _fake_clock(desk)
    clock.now += 1000
    rec.watch.check()
    assert not dialog.isVisible() and not desk.controller._outbox.isVisible()
    type_keys(qtbot, "A")
    qtbot.waitUntil(dialog.isVisible)
    assert rec.screen.is_up and not desk.controller._outbox.isVisible()  # only the sign-in is back
    sign_in(qtbot, desk, sim.mint_token("kim"))
    qtbot.waitUntil(lambda: not rec.screen.is_up)
    assert desk.controller._outbox.isVisible() and sim.feedback() == []
