"""The product's start in the order a reviewer needs it (docs/PERFORMANCE.md, "Start-up"): the
window painted before the services, the queue before the network stack and the keyring, and no
key or click reaching a widget that is not wired yet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from reviewdesk.cli.names import COMMAND_NAMES
from reviewdesk.domain.keymap import Keymap
from reviewdesk.ui.input_hold import InputHold
from reviewdesk.ui.main_window import MENU_KEYS, MainWindow
from support.process import queued_data_dir
from support.window import activate

#: Modules the start must not wait for before the window is painted, and those it must not wait for
#: before the queue is (the network stack, the keyring, every command's module).
NOT_BEFORE_SHOWN = (
    "httpx",
    "keyring",
    "reviewdesk.cli.parser",
    "reviewdesk.services",
    "reviewdesk.store.rows",
    "reviewdesk.store.store",
    "sqlite3",
    "reviewdesk.sync.worker",
    "reviewdesk.ui.controller",
    # needed once an item, a token or a decision is shown, not for the first frame
    "reviewdesk.session",
    "reviewdesk.sync.status",
    "reviewdesk.api.auth",
    "reviewdesk.ui.cheat_sheet",
    "html",
    "datetime",
)
NOT_BEFORE_READY = (
    "httpx",
    "keyring",
    "reviewdesk.cli.parser",
    "reviewdesk.api.reviews",
    "reviewdesk.domain.importer",
    "uuid",
)

SPY = textwrap.dedent(
    """
    import builtins, inspect, json, sys
    watched = json.loads(sys.argv[1])
    real_print = builtins.print
    real_getsource = inspect.getsource
    sources_read = []

    def getsource(obj):
        sources_read.append(getattr(obj, "__name__", "?"))
        return real_getsource(obj)

    inspect.getsource = getsource

    def spy(*args, **kwargs):
        if args and args[0] in ("shown", "ready"):
            loaded = sorted(name for name in watched if name in sys.modules)
            real_print("LOADED", args[0], json.dumps(loaded), flush=True)
            real_print("SOURCES", args[0], json.dumps(sources_read), flush=True)
        real_print(*args, **kwargs)

    builtins.print = spy
    sys.argv = ["reviewdesk", "--data-dir", sys.argv[2], "--exit-after-start"]
    from reviewdesk.cli import main
    sys.exit(main())
    """
)


def test_the_command_names_are_the_command_table() -> None:
    from reviewdesk.cli.parser import COMMANDS

    assert set(COMMAND_NAMES) == {name for name in COMMANDS if name is not None}
    assert len(set(COMMAND_NAMES)) == len(COMMAND_NAMES)


def test_the_window_is_painted_before_the_services_and_the_queue_before_the_network(tmp_path) -> None:
    data = queued_data_dir(tmp_path, 200)
    spy = tmp_path / "spy.py"
    spy.write_text(SPY, encoding="utf-8")
    watched = sorted(set(NOT_BEFORE_SHOWN) | set(NOT_BEFORE_READY))
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWDESK_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run(
        [sys.executable, str(spy), json.dumps(watched), str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    loaded = {
        parts[1]: json.loads(parts[2])
        for parts in (line.split(" ", 2) for line in done.stdout.splitlines())
        if parts[0] == "LOADED"
    }
    assert list(loaded) == ["shown", "ready"]
    # PySide6's import hook asks of each module imported after it whether it names PySide6; the
    # product answers with one read of the file, not inspect.getsource (lighten_pyside_import_hook)
    # (only shiboken6's own first imports, before the hook can be changed)
    lines = done.stdout.splitlines()
    read = [json.loads(line.split(" ", 2)[2]) for line in lines if line.startswith("SOURCES ")]
    assert len(read) == 2 and read[0] == read[1] and set(read[1]) <= {"shiboken6", "enum"}, read
    assert not set(loaded["shown"]) & set(NOT_BEFORE_SHOWN), loaded["shown"]
    assert not set(loaded["ready"]) & set(NOT_BEFORE_READY), loaded["ready"]
    # (and the services and the controller are there once the queue is: the check sees imports)
    assert {"reviewdesk.services", "reviewdesk.ui.controller"} <= set(loaded["ready"])


def test_the_lighter_import_hook_answers_as_pysides_own(monkeypatch) -> None:
    import json as plain_module
    import math

    import qasync

    import reviewdesk.domain.scan as without_qt
    import reviewdesk.ui.main_window as with_qt
    from reviewdesk.app import lighten_pyside_import_hook

    feature = sys.modules["shibokensupport.feature"]
    own = feature._mod_uses_pyside
    monkeypatch.setattr(feature, "_mod_uses_pyside", own)  # (put back after the test)
    lighten_pyside_import_hook()
    lighter = feature._mod_uses_pyside
    assert lighter is not own
    for module in (with_qt, without_qt, qasync, plain_module, math, sys.modules[__name__]):
        assert lighter(module) == own(module), module.__name__
    assert lighter(with_qt) and lighter(qasync) and not lighter(without_qt) and not lighter(math)


def type_at(qtbot, window, text: str) -> None:
    """Each character as the window system hands it to a window (QTest's QWindow path)."""
    for ch in text:
        qtbot.keyClick(window, Qt.Key(ord(ch.upper())))


def test_keys_and_clicks_before_the_window_is_wired_go_nowhere_and_the_reviewer_is_told(qtbot) -> None:
    """Typed at the window's QWindow, as the window system delivers keys: menu shortcuts are matched
    on the way, as for a real key press."""
    keymap, _ = Keymap.load_lenient(None, reserved=MENU_KEYS)
    window = MainWindow(keymap)
    qtbot.addWidget(window)
    quits: list[bool] = []
    window.quit_action.triggered.connect(lambda: quits.append(True))
    imports: list[bool] = []
    window.scan_list.import_button.clicked.connect(lambda: imports.append(True))
    activate(qtbot, window)
    search = window.scan_list.search_box
    typed_at = window.windowHandle()
    search.setFocus()
    type_at(qtbot, typed_at, "ab")
    assert search.text() == "ab"  # (typing reaches the focused field this way)
    search.clear()
    qtbot.keyClick(typed_at, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert quits == [True]  # (and the menu's shortcut works this way)
    quits.clear()

    hold = InputHold(window)
    search.setFocus()  # even with the focus put on the field by the window's code, it is taken back
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not search)
    type_at(qtbot, typed_at, "abc")
    qtbot.keyClick(typed_at, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)  # the menu's Quit
    button = window.scan_list.import_button
    qtbot.mouseClick(typed_at, Qt.MouseButton.LeftButton, pos=button.mapTo(window, button.rect().center()))
    assert search.text() == "" and not quits and not imports
    assert hold.keys == 4  # a, b, c and Ctrl+Q (the Ctrl key alone is not counted)

    hold.release(window)
    told = window.status.bar.currentMessage()
    assert "4 key(s) pressed while ReviewDesk was starting were not used" in told
    search.setFocus()
    type_at(qtbot, typed_at, "x")  # wired now: keys go where they are typed
    assert search.text() == "x"
    qtbot.keyClick(typed_at, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert quits == [True]
