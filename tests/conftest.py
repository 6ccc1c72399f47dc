"""Shared test set-up: offscreen Qt, a private data dir per test, and a simulator on loopback."""

from __future__ import annotations

import os

# Set before anything imports Qt: tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
# Keep tests away from the developer's real keyring and folders.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
for _name in ("REVIEWDESK_BASE_URL", "REVIEWDESK_DATA_DIR", "REVIEWDESK_ADMIN_KEY", "REVIEWDESK_TOKEN"):
    os.environ.pop(_name, None)

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# No time limit per example: on a busy machine a slow example (the first one pays for imports) is
# not a failure. Tests must not depend on timing (tests/README.md).
settings.register_profile("reviewdesk", deadline=None)
settings.load_profile("reviewdesk")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A fresh, private data dir for one test (REVIEWDESK_DATA_DIR points at it)."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("REVIEWDESK_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def sim():
    """A fresh simulator on 127.0.0.1 (its knobs can be changed while it runs)."""
    from reviewdesk.sim.config import SimConfig
    from reviewdesk.sim.runner import SimServer

    with SimServer(SimConfig(seed=1234, uploading_seconds=0.5)) as server:
        yield server


@pytest.fixture
def qloop(qapp):
    """A qasync loop made the running asyncio loop of the main thread, driven by qtbot's waits.

    Tests stay synchronous: every `qtbot.waitUntil` / `waitSignal` spins Qt, which runs the
    asyncio tasks. The loop is never stopped (its stop() would leave Qt's quit flag set and make
    every later wait return at once), only closed.
    """
    import asyncio
    import gc

    import qasync
    import shiboken6

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    asyncio.events._set_running_loop(loop)
    try:
        yield loop
    finally:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        for _ in range(200):
            if all(task.done() for task in pending):
                break
            qapp.processEvents()
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)
        loop.close()  # waits for its executor threads; never loop.stop(): see above
        # Calls from the executor threads queued before the close still arrive: let them land.
        qapp.sendPostedEvents()
        # qasync's timer QObject has no parent: left to the cyclic GC it may be destroyed on
        # another thread ("Timers cannot be stopped from another thread"), and the GUI thread
        # then crashes on a timer of a deleted object. Destroy it here, on the GUI thread.
        shiboken6.delete(loop._timer)
        del loop
        gc.collect()
