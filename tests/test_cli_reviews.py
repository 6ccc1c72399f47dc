"""The `reviewdesk` command line, run as a real process against the simulator.

Covers reviewdesk.cli (main, parser, reviews, login, window) and the `sim` command.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from reviewdesk.api.auth import ReviewerToken
from support.process import run_cli as run


@pytest.fixture
def admin_env(sim, tmp_path):
    return {
        "REVIEWDESK_BASE_URL": sim.base_url,
        "REVIEWDESK_ADMIN_KEY": sim.config.admin_key,
        "REVIEWDESK_DATA_DIR": str(tmp_path / "data"),
    }


@pytest.fixture
def reviewer_env(sim, tmp_path):
    return {
        "REVIEWDESK_BASE_URL": sim.base_url,
        "REVIEWDESK_TOKEN": sim.mint_token("cli-rev"),
        "REVIEWDESK_DATA_DIR": str(tmp_path / "data"),
    }


def test_authorize_prints_a_reviewer_token(sim, admin_env) -> None:
    result = run("authorize", "--reviewer", "nina", env=admin_env)
    assert result.returncode == 0, result.stderr
    assert ReviewerToken.parse(result.stdout.strip()).reviewer == "nina"


def test_url_admin_prints_image_src_and_status(sim, admin_env) -> None:
    result = run("url", "missing-3", "--expires-in", "120", env=admin_env)
    assert result.returncode == 0, result.stderr
    url, status = result.stdout.strip().splitlines()
    assert url.startswith(sim.base_url + "/") and status == "status: FILENOTFOUND"


def test_url_reviewer_prints_the_temporary_url(sim, reviewer_env) -> None:
    result = run("url", "ready-3", env=reviewer_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(sim.base_url) and "status" not in result.stdout


@pytest.mark.parametrize("who", ["admin", "reviewer"])
def test_image_saves_a_jpeg(sim, admin_env, reviewer_env, tmp_path, who: str) -> None:
    out = tmp_path / "scan.jpg"
    env = admin_env if who == "admin" else reviewer_env
    result = run("image", "ready-4", "-o", str(out), env=env)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:2] == b"\xff\xd8"
    assert not list(tmp_path.glob(".*.part"))
    assert os.name != "posix" or stat.S_IMODE(out.stat().st_mode) == 0o600  # a card image: owner-only


def test_tight_needs_admin_and_missing_image_exits_4(sim, admin_env, reviewer_env, tmp_path) -> None:
    tight = run("image", "ready-4", "-o", str(tmp_path / "t.jpg"), "--tight", env=reviewer_env)
    assert tight.returncode == 2 and "admin" in tight.stderr
    missing = run("image", "missing-4", "-o", str(tmp_path / "m.jpg"), env=admin_env)
    assert missing.returncode == 4 and not (tmp_path / "m.jpg").exists()
    assert len(missing.stderr.strip().splitlines()) == 1


def test_decide_sends_the_shortcode_with_info_and_note(sim, reviewer_env) -> None:
    result = run(
        "decide", "ready-5", "denied_screen_display", "--info", "case=42", "--note", "moire", env=reviewer_env
    )
    assert result.returncode == 0, result.stderr
    assert "delivered" in result.stdout
    (record,) = sim.feedback()
    assert (record.scan_id, record.shortcode, record.auth_kind) == (
        "ready-5",
        "denied_screen_display",
        "reviewer",
    )
    info = record.annotation_info
    assert info["case"] == "42" and info["note"] == "moire" and info["reviewer"] == "cli-rev"
    assert info["client"].startswith("ReviewDesk/") and info["idempotencyKey"]


def test_unknown_shortcode_is_refused_and_lists_the_valid_ones(sim, reviewer_env) -> None:
    result = run("decide", "ready-5", "ABC", env=reviewer_env)
    assert result.returncode == 2
    assert "no_action_bad_redaction_face" in result.stderr and "approved" in result.stderr
    assert not sim.feedback() and not sim.requests_log()


def test_exit_codes_for_auth_and_network(sim, admin_env, reviewer_env) -> None:
    bad_key = run("authorize", "--reviewer", "x", env={**admin_env, "REVIEWDESK_ADMIN_KEY": "wrong-key-123"})
    assert bad_key.returncode == 3 and "wrong-key-123" not in bad_key.stderr
    none = run("url", "ready-1", env={"REVIEWDESK_BASE_URL": sim.base_url})
    assert none.returncode == 3 and "REVIEWDESK_TOKEN" in none.stderr
    sim.config.clock_offset = -7200  # minted two hours ago: expired an hour ago
    old_token = sim.mint_token("old")
    sim.config.clock_offset = 0
    expired = run("url", "ready-1", env={**reviewer_env, "REVIEWDESK_TOKEN": old_token})
    assert expired.returncode == 3 and "expired" in expired.stderr
    sim.stop()
    down = run("authorize", "--reviewer", "x", env=admin_env)
    assert down.returncode == 5 and "cannot reach" in down.stderr


def test_usage_errors_exit_2_with_one_line(sim, reviewer_env) -> None:
    bad_id = run("url", "a\x01b", env=reviewer_env)
    assert bad_id.returncode == 2 and "control character" in bad_id.stderr
    bad_url = run("--base-url", "http://api.example.com", "url", "x", env=reviewer_env)
    assert bad_url.returncode == 2 and "only https" in bad_url.stderr
    assert run("decide", env=reviewer_env).returncode == 2


def test_command_line_never_imports_qt() -> None:
    code = (
        "import sys, reviewdesk.cli.parser as c; c.build_parser(); "
        "import reviewdesk.api.images, reviewdesk.sim.app; "
        "bad=[m for m in sys.modules if m.startswith(('PySide6','qasync'))]; print(bad); sys.exit(bool(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_command_imports_neither_the_simulator_nor_pyjwt_nor_httpxs_own_command_line() -> None:
    # What a CLI command and the window's start-up need; each of these cost 50-140 ms of every start.
    code = (
        "import sys, reviewdesk.cli.parser as c; c.build_parser(); "
        "import reviewdesk.services, reviewdesk.api.auth, reviewdesk.cli.outbox, httpx; "
        "assert callable(httpx.main) and httpx.AsyncClient; "
        "bad=[m for m in ('rich', 'pygments', 'jwt', 'cryptography', 'uvicorn', 'starlette', 'PIL', "
        "'importlib.metadata') if m in sys.modules]; print(bad); sys.exit(bool(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sim_command_prints_what_a_client_needs(tmp_path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "reviewdesk", "sim", "--port", "0", "--admin-key", "k-777"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = dict(proc.stdout.readline().strip().split(": ", 1) for _ in range(3))  # type: ignore[union-attr]
        assert lines["admin-key"] == "k-777" and lines["base-url"].startswith("http://127.0.0.1:")
        env = {"REVIEWDESK_BASE_URL": lines["base-url"], "REVIEWDESK_TOKEN": lines["reviewer-token"]}
        result = run("decide", "ready-1", "approved", env={**env, "REVIEWDESK_DATA_DIR": str(tmp_path)})
        assert result.returncode == 0, result.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0


def test_verbose_logs_never_show_the_token_or_url_signatures(sim, reviewer_env, tmp_path) -> None:
    result = run("-vv", "image", "ready-1", "-o", str(tmp_path / "x.jpg"), env=reviewer_env)
    assert result.returncode == 0, result.stderr
    assert "HTTP Request: GET" in result.stderr  # httpx's request log is there ...
    assert "/blackout-images/" in result.stderr
    assert reviewer_env["REVIEWDESK_TOKEN"] not in result.stderr  # ... without the secrets
    assert "X-Amz-Signature" not in result.stderr and "X-Amz-Credential" not in result.stderr
