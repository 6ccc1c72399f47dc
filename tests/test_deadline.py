"""Every run with a timeout ends within it, even when what it waits for never comes."""

from __future__ import annotations

import time

from reviewdesk.deadline import EXIT_CODE
from support.process import run_cli


def test_a_screenshot_that_cannot_be_taken_ends_at_its_deadline(tmp_path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("ready-1\n")
    started = time.monotonic()
    # Signed out, so no image will ever show: the screenshot's own wait is a minute; --timeout wins.
    done = run_cli(
        "--data-dir",
        str(tmp_path / "data"),
        "--base-url",
        "http://127.0.0.1:9",
        "--screenshot",
        str(tmp_path / "shot.png"),
        "--timeout",
        "3",
        str(ids),
        env={"QT_QPA_PLATFORM": "offscreen"},
        timeout=60,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == EXIT_CODE, done.stderr
    assert "--screenshot did not finish within 3 s" in done.stderr
    assert elapsed < 30
    assert not (tmp_path / "shot.png").exists()


def test_a_run_that_finishes_in_time_is_not_stopped_afterwards() -> None:
    import subprocess
    import sys

    code = (
        "import time\n"
        "from reviewdesk.deadline import hard_deadline\n"
        "with hard_deadline(0.3, 'x'):\n"
        "    pass\n"
        "time.sleep(1.0)\n"
        "print('still here')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and done.stdout.strip() == "still here", done.stderr
