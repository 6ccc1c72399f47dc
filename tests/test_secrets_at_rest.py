"""A whole session leaves no secret on disk: not the admin key, not a reviewer token, not the
signature of a presigned image URL, in neither the log, the database, nor the settings.

One window session against the simulator: an admin signs in through the dialog (the app mints a
reviewer token with the key), reviews with key presses, and the decisions are delivered; then a
reviewer signs in with a short-lived token, which expires mid-review, and signs in again with a
new one; then the command line works on the same data folder (`-vv`, so it logs everything).
The log level is DEBUG throughout, so httpx and httpcore log every request they make.

Covers reviewdesk.logs, reviewdesk.store, reviewdesk.settings, reviewdesk.keychain through a whole
window session.
"""

from __future__ import annotations

import argparse
import json
import logging
import logging.handlers
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from reviewdesk.app import build, close
from reviewdesk.sim import presign as sim_presign
from reviewdesk.sim.config import SimConfig
from reviewdesk.sim.runner import SimServer
from support.window import WAIT, activate, latest_by_scan, press, queue, run_on_loop, sign_in, wait_image

ADMIN_KEY = "admin-key-7f3c9a1e5b2d4c6e8a0f"


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=11, uploading_seconds=0.5, admin_key=ADMIN_KEY)) as server:
        yield server


@pytest.fixture
def issued_urls(monkeypatch) -> list[str]:
    """Every presigned URL the simulator hands out (to the window and to the command line)."""
    urls: list[str] = []
    original = sim_presign.presign

    def recording(*args, **kwargs) -> str:
        url = original(*args, **kwargs)
        urls.append(url)
        return url

    monkeypatch.setattr(sim_presign, "presign", recording)
    return urls


@pytest.fixture
def own_log_file() -> Iterator[None]:
    """The app logs to the first folder a process set up; this test needs its own log file."""
    root = logging.getLogger()
    saved = [h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
    level = root.level
    for handler in saved:
        root.removeHandler(handler)
    try:
        yield
    finally:
        for handler in [h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]:
            root.removeHandler(handler)
            handler.close()
        for handler in saved:
            root.addHandler(handler)
        root.setLevel(level)


def signatures(url: str) -> list[str]:
    """The signature of a presigned URL, as it appears raw and percent-encoded."""
    values = [v for k, v in parse_qsl(urlsplit(url).query) if k in ("X-Amz-Signature", "Signature")]
    assert values, f"no signature in {url[:60]}..."
    return [form for v in values for form in {v, quote(v, safe="")}]


def jwt_forms(token: str) -> list[str]:
    """A token, and its signature part alone (a truncated token must not leak either)."""
    return [token, token.rsplit(".", 1)[-1]]


def sign_in_as_admin(qtbot, desk, reviewer: str) -> None:
    dialog = desk.controller._sign_in or desk.controller.prompt_sign_in()
    qtbot.waitExposed(dialog)
    dialog.as_admin.setChecked(True)
    dialog.admin_key.clear()
    qtbot.keyClicks(dialog.admin_key, ADMIN_KEY)
    dialog.reviewer_name.clear()
    qtbot.keyClicks(dialog.reviewer_name, reviewer)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: desk.controller._sign_in is None, timeout=WAIT)
    assert desk.services.session.is_admin and desk.services.session.reviewer == reviewer


def review(qtbot, desk, plan: dict[str, str]) -> None:
    queue(qtbot, desk, list(plan))
    activate(qtbot, desk.window)
    for scan_id, keys in plan.items():
        desk.controller.show_scan(scan_id)
        wait_image(qtbot, desk, scan_id)
        press(qtbot, desk.window, keys)


def run_cli(data_dir: Path, env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("REVIEWDESK_") or k == "REVIEWDESK_BASE_URL"
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "reviewdesk", "--data-dir", str(data_dir), "-vv", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
    )


def test_a_whole_session_leaves_no_secret_on_disk(qtbot, qloop, sim, issued_urls, own_log_file, tmp_path):
    data_dir = tmp_path / "data"
    (data_dir / "config").mkdir(parents=True)
    (data_dir / "config" / "settings.json").write_text(json.dumps({"log_level": "DEBUG"}))
    args = argparse.Namespace(
        data_dir=str(data_dir), base_url=sim.base_url, demo=False, files=[], screenshot=None
    )
    desk = run_on_loop(qtbot, build(args, delivery={"base_delay": 0.05, "max_delay": 0.5}))
    tokens: set[str] = set()
    session = desk.services.session
    session.add_listener(lambda: session.token and tokens.add(session.token.token))
    try:
        desk.services.settings.undo_grace_seconds = 0.2

        # 1. An admin: the key mints a reviewer token; images come through /reviews/image (SigV4).
        sign_in_as_admin(qtbot, desk, "omar")
        review(qtbot, desk, {"ready-s1": "A", "ready-s2": "D, B"})
        qtbot.waitUntil(lambda: set(latest_by_scan(sim)) == {"ready-s1", "ready-s2"}, timeout=WAIT)

        # 2. A reviewer with a token about to expire; the image host now signs SigV2-style.
        sim.config.url_style = "sigv2"
        short = sim.mint_token("kim", lifetime=4)
        sign_in(qtbot, desk, short)
        review(qtbot, desk, {"ready-s3": "A"})
        qtbot.waitUntil(lambda: "ready-s3" in latest_by_scan(sim), timeout=WAIT)
        # Expired: a banner asks for a new one (no dialog opens by itself).
        qtbot.waitUntil(lambda: "expired" in desk.window.notices.text("session"), timeout=WAIT)
        fresh = sim.mint_token("kim")
        sign_in(qtbot, desk, fresh)
        review(qtbot, desk, {"ready-s4": "N, Q"})
        qtbot.waitUntil(lambda: "ready-s4" in latest_by_scan(sim), timeout=WAIT)
        tokens.update({short, fresh})
    finally:
        run_on_loop(qtbot, close(desk))
        desk.window.allow_close()
        desk.window.close()
        desk.window.deleteLater()
    for handler in logging.getLogger().handlers:
        handler.flush()

    # 3. The command line on the same data folder, logging at DEBUG on stderr.
    cli_token = sim.mint_token("cli-user")
    tokens.add(cli_token)
    admin_env = {"REVIEWDESK_BASE_URL": sim.base_url, "REVIEWDESK_ADMIN_KEY": ADMIN_KEY}
    reviewer_env = {"REVIEWDESK_BASE_URL": sim.base_url, "REVIEWDESK_TOKEN": cli_token}
    runs = [
        run_cli(data_dir, admin_env, "url", "ready-s5"),
        run_cli(data_dir, reviewer_env, "image", "ready-s6", "-o", str(tmp_path / "card.jpg")),
        run_cli(data_dir, reviewer_env, "decide", "ready-s7", "approved", "--note", "fine"),
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert (tmp_path / "card.jpg").stat().st_size > 1000
    assert runs[0].stdout.startswith(sim.base_url)  # the URL asked for goes to stdout, never to a log

    # What must never be at rest.
    assert len(tokens) >= 4 and len(issued_urls) >= 6
    assert any("X-Amz-Signature=" in u for u in issued_urls) and any("&Signature=" in u for u in issued_urls)
    secrets = {ADMIN_KEY: "the admin key"}
    for token in tokens:
        secrets.update(dict.fromkeys(jwt_forms(token), "a reviewer token"))
    for url in issued_urls:
        secrets.update(dict.fromkeys(signatures(url), "a presigned URL signature"))

    files = sorted(p for p in data_dir.rglob("*") if p.is_file())
    names = {p.relative_to(data_dir).as_posix() for p in files}
    assert {"reviewdesk.sqlite3", "config/settings.json", "logs/reviewdesk.log"} <= names, names
    leaks = [
        f"{what} in {path.relative_to(data_dir)}"
        for path in files
        for secret, what in secrets.items()
        if secret.encode() in path.read_bytes()
    ]
    assert not leaks, leaks
    for run in runs:  # nor on the terminal, but for the URL that `url` was asked to print
        stderr = run.stderr
        assert not [what for secret, what in secrets.items() if secret in stderr], stderr[-2000:]
        assert "HTTP Request:" in stderr

    # Not vacuous: the log holds the session, httpx's request lines included, with the query cut.
    log = (data_dir / "logs" / "reviewdesk.log").read_text(encoding="utf-8")
    requests = [line for line in log.splitlines() if "HTTP Request:" in line]
    assert any("/reviews/authorize" in line for line in requests)
    assert any("/blackout-images/" in line and "?<redacted>" in line for line in requests)
    assert any("/reviews/image?<redacted>" in line for line in requests)
    assert any("DEBUG httpcore" in line for line in log.splitlines())  # the level was honoured


JPEG_MARKERS = (b"\xff\xd8\xff", b"\\xff\\xd8\\xff")  # raw, and as Python writes bytes in a repr


def test_a_debug_log_holds_no_image(qtbot, qloop, sim, own_log_file, tmp_path) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "config").mkdir(parents=True)
    (data_dir / "config" / "settings.json").write_text(json.dumps({"log_level": "DEBUG"}))
    args = argparse.Namespace(
        data_dir=str(data_dir), base_url=sim.base_url, demo=False, files=[], screenshot=None
    )
    desk = run_on_loop(qtbot, build(args))
    try:
        sign_in(qtbot, desk, sim.mint_token("kim"))
        queue(qtbot, desk, ["ready-i1"])
        wait_image(qtbot, desk, "ready-i1")
        qtbot.waitUntil(lambda: desk.window.image_view.has_image, timeout=WAIT)
    finally:
        run_on_loop(qtbot, close(desk))
        desk.window.allow_close()
        desk.window.close()
        desk.window.deleteLater()
    for handler in logging.getLogger().handlers:
        handler.flush()
    log = (data_dir / "logs" / "reviewdesk.log").read_bytes()
    assert b"image ready-i1: ready" in log  # the image was decoded while DEBUG was on
    assert not [m for m in JPEG_MARKERS if m in log]
    images = [p for p in data_dir.rglob("*") if p.is_file() and JPEG_MARKERS[0] in p.read_bytes()]
    assert not images
