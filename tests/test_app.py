"""app.build and the product's start: the window is shown before the queue is read."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from reviewdesk.app import build, close
from reviewdesk.domain.scan import Scan
from reviewdesk.paths import resolve_paths
from reviewdesk.store import Store
from support.window import run_on_loop


def queued_data_dir(tmp_path, n: int):
    data = tmp_path / "data"
    paths = resolve_paths(str(data))
    paths.ensure()
    store = Store(paths.database)
    store.add_scans([Scan(f"s{i}") for i in range(n)])
    store.close()
    return data


def test_build_with_load_later_returns_before_the_queue_is_read(qtbot, qloop, tmp_path) -> None:
    data = queued_data_dir(tmp_path, 500)
    args = argparse.Namespace(data_dir=str(data), base_url=None, demo=False, files=[], screenshot=None)
    built = run_on_loop(qtbot, build(args, load_later=True))
    try:
        model = built.window.scan_list.model
        assert len(model) == 0 and not built.loaded.done()  # the window can be shown now
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
