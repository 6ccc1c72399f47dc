"""`reviewdesk decide` / `queue` / `sync` with the outbox, as real processes against the simulator."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reviewdesk.api.auth import ReviewerToken
from reviewdesk.cli import outbox as commands
from reviewdesk.cli.common import CliError
from reviewdesk.cli.parser import COMMANDS
from reviewdesk.domain.route import Route
from reviewdesk.store import Store
from support.outbox import database_bytes
from support.process import run_cli as run


def test_the_command_line_wires_the_outbox_commands() -> None:
    assert COMMANDS["decide"] is commands.cmd_decide
    assert COMMANDS["queue"] is commands.cmd_queue and COMMANDS["sync"] is commands.cmd_sync


@pytest.fixture
def env(sim, tmp_path: Path) -> dict[str, str]:
    return {
        "REVIEWDESK_BASE_URL": sim.base_url,
        "REVIEWDESK_TOKEN": sim.mint_token("cli-rev"),
        "REVIEWDESK_DATA_DIR": str(tmp_path / "data"),
    }


def test_decide_delivers_and_keeps_no_credential(sim, env: dict[str, str], tmp_path: Path) -> None:
    result = run("decide", "ready-1", "approved", "--note", "fine", "--info", "case=7", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("delivered")
    (record,) = sim.feedback()
    assert (record.scan_id, record.shortcode) == ("ready-1", "approved")
    assert record.annotation_info["note"] == "fine" and record.annotation_info["case"] == "7"
    assert record.annotation_info["reviewer"] == "cli-rev"
    queue = run("queue", env=env)
    assert queue.returncode == 0 and queue.stdout.strip() == "nothing queued"
    stored = database_bytes(tmp_path / "data")
    assert b"ready-1" in stored
    assert env["REVIEWDESK_TOKEN"].encode() not in stored
    assert env["REVIEWDESK_TOKEN"].split(".")[1].encode() not in stored
    # the decision keeps the server it goes to (not a secret), never an image link
    assert sim.base_url.encode() in stored
    assert b"X-Amz-" not in stored and b"blackout-images" not in stored


def test_server_down_queues_then_sync_delivers(sim, env: dict[str, str]) -> None:
    sim.stop()
    first = run("decide", "scan-a", "approved", "--timeout", "1", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("queued: the decision for scan scan-a (approved): ")
    assert "cannot reach the server" in first.stdout
    second = run("decide", "scan-b", "denied_other", "--note", "odd", "--timeout", "1", env=env)
    assert second.returncode == 0 and second.stdout.startswith("queued: the decision for scan scan-b")
    # about scan-b, never scan-a's error
    assert "scan-a" not in second.stdout and "cannot be reached" in second.stdout.replace(
        "reach the", "be reached"
    )
    queue = run("queue", env=env)
    assert queue.returncode == 0, queue.stderr
    lines = queue.stdout.strip().splitlines()
    assert len(lines) == 3
    # the second `decide` tried the first decision again (oldest first)
    assert lines[0].split()[:3] == ["scan-a", "approved", "retrying"] and int(lines[0].split()[3]) >= 2
    assert lines[0].split()[4] == "cli-rev" and "cannot reach" in lines[0]
    assert lines[1].split()[:2] == ["scan-b", "denied_other"] and "scan-a" not in lines[1]
    assert lines[2] == f"-> 2 decisions for cli-rev on {sim.base_url}"
    down = run("sync", "--timeout", "1", env=env)
    assert down.returncode == 5, down.stdout + down.stderr
    assert "0 delivered, 2 queued" in down.stdout
    sim.start()
    up = run("sync", env=env)
    assert up.returncode == 0, up.stdout + up.stderr
    assert "delivered: scan-a approved" in up.stdout and "delivered: scan-b denied_other" in up.stdout
    # sent concurrently: order is kept per scan, not across scans
    assert sorted((r.scan_id, r.shortcode) for r in sim.feedback()) == [
        ("scan-a", "approved"),
        ("scan-b", "denied_other"),
    ]
    assert run("queue", env=env).stdout.strip() == "nothing queued"
    assert run("sync", env=env).returncode == 0  # nothing to do is fine


def test_unknown_shortcode_or_no_credential_stores_nothing(sim, env: dict[str, str], tmp_path: Path) -> None:
    bad = run("decide", "ready-2", "ABC", env=env)
    assert bad.returncode == 2
    assert "approved" in bad.stderr and "no_action_other" in bad.stderr
    nocred = run("decide", "ready-2", "approved", env={**env, "REVIEWDESK_TOKEN": ""})
    assert nocred.returncode == 3 and "no credential" in nocred.stderr
    assert not sim.requests_log()
    assert run("queue", env=env).stdout.strip() == "nothing queued"


def test_an_expired_token_queues_and_sync_says_sign_in(sim, env: dict[str, str]) -> None:
    sim.config.clock_offset = -600.0  # the server's clock ten minutes behind: it mints a token
    token = sim.mint_token("cli-rev", lifetime=60)  # that expired here five minutes ago
    sim.config.clock_offset = 0.0
    assert ReviewerToken.parse(token).is_expired()
    expired = {**env, "REVIEWDESK_TOKEN": token}
    result = run("decide", "scan-x", "approved", env=expired)
    assert result.returncode == 0 and result.stdout.startswith("queued: ") and "expired" in result.stdout
    paused = run("sync", env=expired)
    assert paused.returncode == 3 and "1 queued" in paused.stdout
    queue = run("queue", env=env)
    assert queue.stdout.split()[:4] == ["scan-x", "approved", "pending", "0"]  # not an attempt
    fine = run("sync", env=env)
    assert fine.returncode == 0 and "delivered: scan-x approved" in fine.stdout
    assert [r.reviewer for r in sim.feedback()] == ["cli-rev"]


def test_a_refused_decision_is_failed_and_a_new_one_replaces_it(sim, env: dict[str, str]) -> None:
    sim.config.fail_feedback_codes = {"scan-r": 400}
    refused = run("decide", "scan-r", "approved", env=env)
    assert (
        refused.returncode == 2
        and refused.stdout.startswith("failed: ")
        and "simulated 400" in refused.stdout
    )
    queue = run("queue", env=env)
    assert queue.stdout.split()[:3] == ["scan-r", "approved", "failed"] and "simulated 400" in queue.stdout
    assert run("sync", env=env).returncode == 2  # nothing can be sent, but one is refused
    sim.config.fail_feedback_codes = {}
    again = run("decide", "scan-r", "denied_other", env=env)
    assert again.returncode == 0 and again.stdout.startswith("delivered")
    assert [(r.scan_id, r.shortcode) for r in sim.feedback()] == [("scan-r", "denied_other")]
    assert run("queue", env=env).stdout.strip() == "nothing queued"


def test_a_running_reviewdesk_locks_decide_but_not_queue(sim, env: dict[str, str], tmp_path: Path) -> None:
    store = Store(tmp_path / "data" / "reviewdesk.sqlite3")
    try:
        store.record_decision("held-1", "approved", {"idempotencyKey": "k"}, hold_seconds=600)
        locked = run("decide", "ready-3", "approved", env=env)
        assert locked.returncode == 1 and "ReviewDesk seems to be running already" in locked.stderr
        queue = run("queue", env=env)
        assert queue.returncode == 0 and queue.stdout.split()[:3] == ["held-1", "approved", "held"]
    finally:
        store.close()
    assert not sim.feedback()


def test_commands_in_process(sim, env: dict[str, str], monkeypatch, capsys) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", default=env["REVIEWDESK_BASE_URL"])
    parser.add_argument("--data-dir", default=env["REVIEWDESK_DATA_DIR"])
    sub = parser.add_subparsers(dest="command")
    commands.add_decide_parser(sub)
    commands.add_parsers(sub)
    args = parser.parse_args(["decide", "ready-9", "approved", "--hold", "0.2", "--note", "n"])
    assert args.hold == 0.2
    assert commands.cmd_decide(args) == 0
    out = capsys.readouterr().out
    assert "sending in 0.2 s" in out and "delivered: ready-9 approved" in out
    sim.stop()
    assert commands.cmd_decide(parser.parse_args(["decide", "ready-10", "approved", "--timeout", "0.5"])) == 0
    assert capsys.readouterr().out.startswith("queued: ")
    assert commands.cmd_queue(parser.parse_args(["queue"])) == 0
    assert capsys.readouterr().out.startswith("ready-10")
    assert commands.cmd_sync(parser.parse_args(["sync", "--timeout", "0.5"])) == 5
    sim.start()
    assert commands.cmd_sync(parser.parse_args(["sync"])) == 0
    assert "delivered: ready-10 approved" in capsys.readouterr().out
    with pytest.raises(CliError) as caught:
        commands.cmd_decide(parser.parse_args(["decide", "ready-11", "nope"]))
    assert caught.value.exit_code == 2 and "valid shortcodes" in str(caught.value)
    assert [r.scan_id for r in sim.feedback()] == ["ready-9", "ready-10"]


def test_python_m_reviewdesk_has_queue_and_sync(env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reviewdesk", "queue"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
    )
    assert result.returncode == 0 and "nothing queued" in result.stdout


def test_decide_with_a_backlog_speaks_of_its_own_decision_only(
    sim, tmp_path: Path, env: dict[str, str]
) -> None:
    route = Route(sim.base_url, "reviewer:cli-rev")
    with Store(tmp_path / "data" / "reviewdesk.sqlite3") as store:  # older decisions, not sent yet
        for i in range(5):
            entry = store.record_decision(f"scan-old-{i}", "approved", {"reviewer": "cli-rev"}, route=route)
            store.claim_due(time.time(), 1, route)
            store.mark_retry(
                entry.id, f"sending the decision for scan scan-old-{i} failed: boom", time.time()
            )
    sim.stop()
    mine = run("decide", "scan-new", "denied_other", "--timeout", "0.5", env=env)
    assert mine.returncode == 0
    assert mine.stdout.startswith("queued: the decision for scan scan-new (denied_other): "), mine.stdout
    assert "scan-old" not in mine.stdout and "boom" not in mine.stdout  # never another scan's error
    assert "earlier decision for scan" not in mine.stdout  # there is none for scan-new
    assert "cannot be reached" in mine.stdout and "5 earlier decisions go first" in mine.stdout
