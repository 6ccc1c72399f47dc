"""The review window on the simulator, driven by real key presses, and the decision pane alone.

Fixtures (`sim`, `desk`) are used by importing them into a test module:
`from support.window import desk, sim  # noqa: F401`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QKeyCombination, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMainWindow

from reviewdesk.app import Built, build, close
from reviewdesk.domain.keymap import Keymap
from reviewdesk.domain.scan import Scan
from reviewdesk.sim.config import SimConfig
from reviewdesk.sim.runner import SimServer
from reviewdesk.ui.decision_pane import DecisionPane


def run_on_loop(qtbot, awaitable, timeout: int = 20_000):
    """Run a coroutine on the qasync loop (the `qloop` fixture) from a synchronous test and return
    its result."""
    future = asyncio.ensure_future(awaitable)
    try:
        qtbot.waitUntil(future.done, timeout=timeout)
    except Exception:
        # What was still running: the tasks' stacks say what the coroutine waited on.
        for task in asyncio.all_tasks(asyncio.get_event_loop()):
            print("pending:", task, file=sys.stderr)
            task.print_stack(file=sys.stderr)
        raise
    return future.result()


PORTABLE = QKeySequence.SequenceFormat.PortableText
WAIT = 15_000


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=5, uploading_seconds=1.0)) as server:
        yield server


@pytest.fixture
def desk(qtbot, qloop, sim, tmp_path) -> Iterator[Built]:
    args = argparse.Namespace(
        data_dir=str(tmp_path / "data"), base_url=sim.base_url, demo=False, files=[], screenshot=None
    )
    built = run_on_loop(qtbot, build(args, delivery={"base_delay": 0.05, "max_delay": 0.5}))
    built.services.settings.undo_grace_seconds = 0.3
    yield built
    run_on_loop(qtbot, close(built))
    built.window.allow_close()
    built.window.close()
    built.window.deleteLater()


def press(qtbot, widget, keys: str) -> None:
    """Press `keys` (portable text, one or two strokes) the way a keyboard would."""
    sequence = QKeySequence.fromString(keys, PORTABLE)
    for i in range(sequence.count()):
        combo: QKeyCombination = sequence[i]
        qtbot.keyClick(widget, combo.key(), combo.keyboardModifiers())


def activate(qtbot, window) -> None:
    """Offscreen windows must be shown, exposed and active for window shortcuts to fire."""
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.setFocus()


def sign_in(qtbot, desk: Built, token: str) -> None:
    dialog = desk.controller._sign_in or desk.controller.prompt_sign_in()
    qtbot.waitExposed(dialog)
    dialog.as_reviewer.setChecked(True)
    dialog.token.clear()
    qtbot.keyClicks(dialog.token, token)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: desk.controller._sign_in is None, timeout=WAIT)
    assert desk.services.session.token is not None and desk.services.session.token.token == token


def queue(qtbot, desk: Built, ids: list[str]) -> None:
    desk.window.scan_list.import_text("\n".join(ids))
    qtbot.waitUntil(lambda: all(desk.window.scan_list.model.get(i) for i in ids), timeout=WAIT)


def wait_image(qtbot, desk: Built, scan_id: str) -> None:
    qtbot.waitUntil(
        lambda: (
            desk.controller.current == scan_id
            and desk.window.image_view.has_image
            and desk.window.image_view.state is not None
            and desk.window.image_view.state.is_ready
            or (desk.controller.current == scan_id and desk.controller.images.cached(scan_id) is not None)
        ),
        timeout=WAIT,
    )


def latest_by_scan(sim: SimServer) -> dict[str, str]:
    latest: dict[str, str] = {}
    for record in sim.feedback():
        latest[record.scan_id] = record.shortcode
    return latest


# -- the decision pane alone -------------------------------------------------------------------


class Recorder:
    def __init__(self, pane: DecisionPane) -> None:
        self.decisions: list[tuple[str, str]] = []
        self.actions: list[str] = []
        pane.decision_requested.connect(lambda code, note: self.decisions.append((code, note)))
        pane.action_triggered.connect(self.actions.append)


def make_window(qtbot, keymap: Keymap | None = None, scan: Scan | None = None):
    window = QMainWindow()
    pane = DecisionPane(keymap)
    window.setCentralWidget(pane)
    pane.install_shortcuts(window)
    pane.set_scan(scan if scan is not None else Scan("scan-0001"))
    qtbot.addWidget(window)
    window.resize(420, 700)
    activate(qtbot, window)
    return window, pane, Recorder(pane)


def focused():
    return QApplication.focusWidget() or QApplication.activeWindow()


def type_keys(qtbot, keys: str) -> None:
    """Press `keys` ("A", "D, B", "Ctrl+F") wherever focus is, one stroke at a time."""
    sequence = QKeySequence.fromString(keys, PORTABLE)
    for i in range(sequence.count()):
        combo: QKeyCombination = sequence[i]
        target = focused()
        assert target is not None, "no widget and no window has the keyboard"
        qtbot.keyClick(target, combo.key(), combo.keyboardModifiers())


def ready(qtbot, desk, sim, ids):
    sign_in(qtbot, desk, sim.mint_token("kim"))
    queue(qtbot, desk, ids)
    activate(qtbot, desk.window)
    desk.window.focus_review()
    wait_image(qtbot, desk, ids[0])
