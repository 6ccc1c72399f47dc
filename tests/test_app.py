"""app.build and the product's start: the window is shown before the queue is read."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from reviewdesk.app import build, close
from support.process import queued_data_dir
from support.window import run_on_loop


def test_build_with_load_later_returns_before_the_queue_is_read(qtbot, qloop, tmp_path) -> None:
    data = queued_data_dir(tmp_path, 500)
    args = argparse.Namespace(data_dir=str(data), base_url=None, demo=False, files=[], screenshot=None)

    async def build_and_look():  # looked at as build returns, before the loop turns again
        built = await build(args, load_later=True)
        return built, len(built.window.scan_list.model), built.loaded.done()

    built, rows, loaded = run_on_loop(qtbot, build_and_look())
    try:
        model = built.window.scan_list.model
        assert rows == 0 and not loaded  # the window can be shown now
        built.window.show()
        qtbot.waitExposed(built.window)
        qtbot.waitUntil(built.loaded.done)
        assert len(model) == 500 and built.controller.current == "s0"
    finally:
        run_on_loop(qtbot, close(built))
        built.window.allow_close()
        built.window.close()


def test_exit_after_start_says_shown_then_ready(tmp_path) -> None:
    data = queued_data_dir(tmp_path, 50)
    done = subprocess.run(
        [sys.executable, "-m", "reviewdesk", "--data-dir", str(data), "--exit-after-start"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line in ("shown", "ready")]
    assert lines == ["shown", "ready"]


def test_a_network_part_that_cannot_start_is_said_and_the_sign_in_still_offered(
    qtbot, qloop, tmp_path, monkeypatch
) -> None:
    # The HTTP client cannot be made (a broken CA bundle, say): the window says so, the queue is
    # there, the sign-in dialog is offered; signing in tries again.
    import reviewdesk.session as session

    def broken() -> None:
        raise OSError("the CA bundle cannot be read")

    monkeypatch.setattr(session, "_make_http_client", broken)
    data = queued_data_dir(tmp_path, 20)
    args = argparse.Namespace(data_dir=str(data), base_url=None, demo=False, files=[], screenshot=None)
    built = run_on_loop(qtbot, build(args))
    try:
        assert len(built.window.scan_list.model) == 20
        told = built.window.status.bar.currentMessage()
        assert "The network part could not start: the CA bundle cannot be read" in told
        assert built.controller._sign_in is not None  # the prompt is there all the same
        assert not built.services.session.connected
        monkeypatch.undo()  # the next try (the dialog's sign-in) makes the client
        run_on_loop(qtbot, built.services.connect())
        assert built.services.session.connected
    finally:
        built.controller.dismiss_sign_in()
        run_on_loop(qtbot, close(built))
        built.window.allow_close()
        built.window.close()
