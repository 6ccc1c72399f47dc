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
