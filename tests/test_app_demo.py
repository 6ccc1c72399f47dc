"""The issue's bar: a reviewer clears the 50-scan demo queue with the keyboard alone, never waiting
on the network while prefetch is ahead, and the simulator holds all 50 decisions as intended.

Covers reviewdesk.app (--demo, --screenshot) with the window and the simulator's catalog.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from reviewdesk.app import build, close
from reviewdesk.sim.catalog import DEMO_SOURCE_ITEMS, demo_catalog
from reviewdesk.sim.traits import DEMO_MISMATCH, DEMO_MISSING, DEMO_UPLOADING
from support.window import activate, press, run_on_loop

KEYS = {"approved": "A", "denied_bin_mismatch": "D, B", "no_action_no_image_available": "X"}


def intended(index: int) -> str:
    if index in DEMO_MISSING:
        return "no_action_no_image_available"
    if index in DEMO_MISMATCH:
        return "denied_bin_mismatch"
    return "approved"


def test_the_demo_queue_is_cleared_by_keyboard(qtbot, qloop, tmp_path) -> None:
    args = argparse.Namespace(
        data_dir=str(tmp_path / "demo"), base_url=None, demo=True, files=[], screenshot=None
    )
    built = run_on_loop(qtbot, build(args, delivery={"base_delay": 0.05, "max_delay": 0.5}), timeout=30_000)
    try:
        built.services.settings.undo_grace_seconds = 0.2
        controller, window, images = built.controller, built.window, built.controller.images
        assert built.services.session.reviewer == "demo-reviewer" and controller._sign_in is None
        ids = [entry["scanId"] for entry in demo_catalog()]
        queued = [s.scan_id for s in window.scan_list.model.scans()]
        assert queued == ids + list(DEMO_SOURCE_ITEMS)  # the scans first, then Jumio and Preventor
        ready_on_arrival: dict[str, bool] = {}
        controller.scan_shown.connect(
            lambda sid: ready_on_arrival.setdefault(sid, images.cached(sid) is not None)
        )
        # Prefetch is ahead: every scan with an image (but the first, and those still uploading when
        # prefetched) is decoded and in memory before the reviewer reaches it.
        expected_ready = [
            s for i, s in enumerate(ids) if i > 0 and i not in DEMO_MISSING and i not in DEMO_UPLOADING
        ]
        activate(qtbot, window)
        view = window.image_view
        for index, scan_id in enumerate(ids):
            qtbot.waitUntil(lambda s=scan_id: controller.current == s, timeout=10_000)
            if index in DEMO_MISSING:
                qtbot.waitUntil(
                    lambda: (
                        view.state is not None
                        and view.state.kind in ("checking", "uploading", "not_found")
                        and "X" in view.hint
                    ),
                    timeout=10_000,
                )
            else:  # look at the image before deciding (an uploading one arrives after a while)
                qtbot.waitUntil(lambda: view.has_image, timeout=30_000)
            # The reviewer looks at this card until the next one is in memory: prefetch fetched and
            # decoded it meanwhile (how long a reviewer would wait for it is bench/'s business).
            following = ids[index + 1] if index + 1 < len(ids) else None
            if following in expected_ready:
                qtbot.waitUntil(lambda n=following: images.cached(n) is not None, timeout=30_000)
            press(qtbot, window, KEYS[intended(index)])
        want = {scan_id: intended(i) for i, scan_id in enumerate(ids)}
        sim = built.sim

        def delivered() -> dict[str, str]:
            return {r.scan_id: r.shortcode for r in sim.feedback()}

        qtbot.waitUntil(lambda: delivered() == want, timeout=30_000)
        assert len(sim.feedback()) == 50
        late = [s for s in expected_ready if not ready_on_arrival.get(s)]
        assert not late, f"waited on the network for {late}"
    finally:
        run_on_loop(qtbot, close(built))
        built.window.allow_close()
        built.window.close()
        built.window.deleteLater()


def test_demo_screenshot_command(tmp_path) -> None:
    shot = tmp_path / "shot.png"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "reviewdesk",
            "--data-dir",
            str(tmp_path / "d"),
            "--demo",
            "--screenshot",
            str(shot),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
