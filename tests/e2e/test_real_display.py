"""The real `reviewdesk` process on a real X display (Xvfb, 1366x768), typed at through XTEST.

Nothing here chooses a widget to send keys to: xdotool presses keys and X delivers them to whatever
has the keyboard, as it does for a reviewer. The simulator runs in the test process; assertions are
on what it received. Screenshots of each step are written next to the test's files (and to
$REVIEWDESK_E2E_SHOTS when set) to be looked at.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from xdisplay import SCREEN, START_TIMEOUT, App, XDisplay, colourful, tools_missing, wait_for, xvfb

from reviewdesk.api.auth import ReviewerToken
from reviewdesk.sim.config import SimConfig
from reviewdesk.sim.runner import SimServer

pytestmark = [
    pytest.mark.skipif(
        bool(tools_missing()), reason=f"needs {tools_missing()} (scripts/system-deps.sh --tests)"
    ),
    pytest.mark.e2e,
    pytest.mark.slow,
]

MAIN = "ReviewDesk"
SIGN_IN = "Sign in to ReviewDesk"
STEP = 30.0  # seconds any one step may take on a slow machine; the steps take well under one


@pytest.fixture
def display(tmp_path) -> Iterator[XDisplay]:
    with xvfb(tmp_path / "shots") as screen:
        yield screen


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=11, uploading_seconds=0.5)) as server:
        yield server


def start(display: XDisplay, sim: SimServer, tmp_path, queue_file, *extra: str) -> App:
    data = tmp_path / "data"
    args = ["--data-dir", str(data), "--base-url", sim.base_url, *extra, str(queue_file)]
    return App(display, args, tmp_path / "reviewdesk.log")


def main_window(display: XDisplay):
    entry = display.window(MAIN + " ·") or display.window(MAIN)
    return entry if entry and not entry[0].startswith(SIGN_IN) else None


def image_shown(display: XDisplay) -> bool:
    """The drawn card is on screen in the middle of the window (not "Loading…" on grey)."""
    window = main_window(display)
    if window is None:
        return False
    _, x, y, w, h = window
    return colourful(display.grab((x + int(w * 0.3), y + int(h * 0.2), int(w * 0.35), int(h * 0.6)))) > 0.01


def focused_is(display: XDisplay, prefix: str) -> bool:
    return display.focused_window_name().startswith(prefix)


def sign_in_by_typing(display: XDisplay, token: str) -> None:
    """The dialog has the keyboard (nothing else to do at a cold start): paste, Enter."""
    wait_for(lambda: display.window(SIGN_IN), START_TIMEOUT, "the sign-in dialog")
    wait_for(lambda: focused_is(display, SIGN_IN), STEP, "the sign-in dialog to have the keyboard")
    display.screenshot("1-sign-in")
    display.type(token)
    display.key("Return")
    wait_for(lambda: display.window(SIGN_IN) is None, STEP, "the dialog to close after signing in")


def test_cold_start_paste_a_token_enter_then_ten_a_approve_ten_scans(display, sim, tmp_path) -> None:
    ids = [f"ready-x{i:02d}" for i in range(12)]
    queue_file = tmp_path / "queue.txt"
    queue_file.write_text("\n".join(ids) + "\n")
    app = start(display, sim, tmp_path, queue_file)
    try:
        sign_in_by_typing(display, sim.mint_token("xena"))
        wait_for(lambda: focused_is(display, MAIN), STEP, "the review window to have the keyboard")
        wait_for(lambda: image_shown(display), STEP, "the first card on screen")
        display.screenshot("2-first-scan")
        for n in range(10):
            display.key("a")
            following = ids[n + 1]
            wait_for(lambda s=following: s in main_window(display)[0], STEP, f"{following} shown")
            wait_for(lambda: image_shown(display), STEP, "the next card on screen")
        display.screenshot("3-after-ten")
        # Each decision is held for the undo delay (5 s), then sent.
        wait_for(lambda: len(sim.feedback()) >= 10, STEP, "ten approvals at the server")
        # (up to four go at once, so they may arrive a few ms apart in any order)
        got = sorted((r.scan_id, r.shortcode) for r in sim.feedback())
        assert got == [(scan_id, "approved") for scan_id in ids[:10]]
        assert {r.annotation_info["reviewer"] for r in sim.feedback()} == {"xena"}
        # The window fits the screen, all of it.
        _, x, y, w, h = main_window(display)
        assert x >= 0 and y >= 0 and x + w <= SCREEN[0] and y + h <= SCREEN[1], (x, y, w, h)
    finally:
        app.stop()


def test_long_facts_never_push_the_window_off_a_1366_screen(display, sim, tmp_path) -> None:
    long_name = "Maximiliana Wilhelmina Theodora von und zu Hohenzollern-Sigmaringen " * 6
    scans = [
        {
            "scanId": f"ready-{'l' * 60}{i}",
            "bin": "411111",
            "last4": "1111",
            "cardholder": long_name,
            "merchantRef": "ORD-" + "X" * 90,
            "amount": "123456789.00",
        }
        for i in range(3)
    ]
    queue_file = tmp_path / "queue.json"
    queue_file.write_text(json.dumps(scans))
    app = start(display, sim, tmp_path, queue_file)
    try:
        sign_in_by_typing(display, sim.mint_token("lee"))
        wait_for(lambda: focused_is(display, MAIN), STEP, "the review window to have the keyboard")
        sizes = set()
        for i in range(3):
            wait_for(
                lambda i=i: main_window(display) and f"l{i}" in main_window(display)[0], STEP, f"scan {i}"
            )
            wait_for(lambda: image_shown(display), STEP, "the card on screen")
            _, x, y, w, h = main_window(display)
            assert x + w <= SCREEN[0] and y + h <= SCREEN[1], (x, y, w, h)
            sizes.add((w, h))
            display.screenshot(f"long-facts-{i}")
            display.key("j")  # next scan, no decision
        assert len(sizes) == 1  # the width does not change from scan to scan
        assert sim.feedback() == []
    finally:
        app.stop()


def test_token_expiry_mid_review_loses_and_misroutes_no_key(display, sim, tmp_path) -> None:
    ids = [f"ready-t{i}" for i in range(6)]
    queue_file = tmp_path / "queue.txt"
    queue_file.write_text("\n".join(ids) + "\n")
    app = start(display, sim, tmp_path, queue_file)
    try:
        token = sim.mint_token("tara", lifetime=12.0)  # long enough to type it in
        sign_in_by_typing(display, token)
        wait_for(lambda: focused_is(display, MAIN), STEP, "the review window to have the keyboard")
        wait_for(lambda: image_shown(display), STEP, "the first card")
        display.key("a")
        wait_for(lambda: len(sim.feedback()) == 1, STEP, "the first approval")
        # The token runs out while the reviewer works: nothing opens by itself, keys keep deciding.
        wait_for(lambda: ReviewerToken.parse(token).is_expired(), 12.0 + STEP, "the token to expire")
        display.screenshot("expiry-1-banner")
        assert display.window(SIGN_IN) is None
        assert focused_is(display, MAIN)
        wait_for(lambda: image_shown(display), STEP, "the second card")
        display.key("n", "o")  # "no action: other": once went into the token field as two dots
        display.key("x")
        assert [r.scan_id for r in sim.feedback()] == ["ready-t0"]
        # The reviewer signs in when they choose, with the key the banner names.
        display.key("ctrl+l")
        wait_for(lambda: focused_is(display, SIGN_IN), STEP, "the sign-in dialog, opened by its key")
        display.type(sim.mint_token("tara"))
        display.key("Return")
        wait_for(lambda: display.window(SIGN_IN) is None, STEP, "the dialog to close")
        wait_for(lambda: len(sim.feedback()) == 3, STEP, "the queued decisions after signing in again")
        display.screenshot("expiry-2-signed-in-again")
        got = {r.scan_id: r.shortcode for r in sim.feedback()}
        assert got == {
            "ready-t0": "approved",
            "ready-t1": "no_action_other",
            "ready-t2": "no_action_no_image_available",
        }
        # Nothing reached the server while the token was expired: no decision was ever refused.
        sent = [status for method, path, status in sim.requests_log() if path == "/reviews/feedback"]
        assert sent == [200, 200, 200], sent
        assert focused_is(display, MAIN)
    finally:
        app.stop()
