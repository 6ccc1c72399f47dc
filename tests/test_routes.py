"""Each decision goes to the server it was made against, under the identity it was made with:
two servers and two reviewers on one data folder, old databases, export and discard.

Covers reviewdesk.domain.route, reviewdesk.store (routes, discard, confirm), reviewdesk.cli.outbox and
reviewdesk.sync.worker.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from reviewdesk.domain.route import Route
from reviewdesk.sim.config import SimConfig
from reviewdesk.sim.runner import SimServer
from reviewdesk.store import Store
from reviewdesk.store.schema import MIGRATIONS
from support.outbox import info
from support.process import run_cli as run


@pytest.fixture
def sim2():
    with SimServer(SimConfig(seed=99)) as server:
        yield server


def remember(data: Path, base_url: str, mode: str = "token") -> None:
    """What the window writes when someone signs in: the server (never a secret)."""
    (data / "config").mkdir(parents=True, exist_ok=True)
    (data / "config" / "settings.json").write_text(json.dumps({"base_url": base_url, "sign_in_mode": mode}))


def test_two_servers_and_two_reviewers_never_mix(sim, sim2, tmp_path: Path) -> None:
    data = tmp_path / "data"
    ana1, bo2 = sim.mint_token("ana"), sim2.mint_token("bo")
    sim.stop()
    sim2.stop()
    base = {"REVIEWDESK_DATA_DIR": str(data)}
    made = run(
        "decide",
        "scan-1",
        "approved",
        "--timeout",
        "0.3",
        env={**base, "REVIEWDESK_BASE_URL": sim.base_url, "REVIEWDESK_TOKEN": ana1},
    )
    assert made.returncode == 0 and made.stdout.startswith("queued: "), made.stdout + made.stderr
    made = run(
        "decide",
        "scan-2",
        "denied_other",
        "--timeout",
        "0.3",
        env={**base, "REVIEWDESK_BASE_URL": sim2.base_url, "REVIEWDESK_TOKEN": bo2},
    )
    assert made.returncode == 0 and made.stdout.startswith("queued: ")
    sim.start()
    sim2.start()

    queue = run("queue", env=base).stdout
    assert f"-> 1 decision for ana on {sim.base_url}: sign in as ana on {sim.base_url} to send them" in queue
    assert f"-> 1 decision for bo on {sim2.base_url}: sign in as bo on {sim2.base_url} to send them" in queue

    # ana signed in on the other server: nothing of hers goes there, and bo's waits for bo
    wrong_server = run(
        "sync",
        "--timeout",
        "2",
        env={**base, "REVIEWDESK_BASE_URL": sim2.base_url, "REVIEWDESK_TOKEN": sim2.mint_token("ana")},
    )
    assert wrong_server.returncode == 3, wrong_server.stdout
    assert f"waiting: 1 decision for bo on {sim2.base_url}: sign in as bo" in wrong_server.stdout
    # bo signed in on ana's server: ana's decision is not sent under bo's name
    wrong_reviewer = run(
        "sync",
        "--timeout",
        "2",
        env={**base, "REVIEWDESK_BASE_URL": sim.base_url, "REVIEWDESK_TOKEN": sim.mint_token("bo")},
    )
    assert wrong_reviewer.returncode == 3 and "0 delivered" in wrong_reviewer.stdout
    assert sim.feedback() == [] and sim2.feedback() == []

    right = run("sync", env={**base, "REVIEWDESK_BASE_URL": sim.base_url, "REVIEWDESK_TOKEN": ana1})
    assert "delivered: scan-1 approved" in right.stdout, right.stdout
    assert right.returncode == 3  # bo's decision still waits for bo
    ((record,),) = [sim.feedback()]
    assert (record.scan_id, record.reviewer, record.annotation_info["reviewer"]) == ("scan-1", "ana", "ana")
    assert sim2.feedback() == []

    # `sync` with no --base-url: the server the window remembers, with the credential for it
    remember(data, sim2.base_url)
    rest = run("sync", env={**base, "REVIEWDESK_TOKEN": bo2})
    assert rest.returncode == 0 and "delivered: scan-2 denied_other" in rest.stdout, rest.stdout
    assert [(r.scan_id, r.reviewer) for r in sim2.feedback()] == [("scan-2", "bo")]
    assert len(sim.feedback()) == 1
    assert run("queue", env=base).stdout.strip() == "nothing queued"


def test_the_command_line_uses_the_server_the_window_remembers(sim, tmp_path: Path) -> None:
    data = tmp_path / "data"
    remember(data, sim.base_url)
    env = {"REVIEWDESK_DATA_DIR": str(data), "REVIEWDESK_TOKEN": sim.mint_token("ana")}
    result = run("decide", "ready-1", "approved", env=env)
    assert result.returncode == 0 and result.stdout.startswith("delivered"), result.stdout + result.stderr
    assert [r.scan_id for r in sim.feedback()] == ["ready-1"]


def old_database(data: Path) -> None:
    """A database of the version before decisions recorded their server: two undelivered ones."""
    data.mkdir(parents=True, exist_ok=True)
    path = data / "reviewdesk.sqlite3"
    Store(path, migrations=MIGRATIONS[:1]).close()
    conn = sqlite3.connect(path)
    for scan_id, code in (("old-1", "approved"), ("old-2", "denied_other")):
        annotation = info(f"key-{scan_id}") | {"reviewer": "ana"}
        conn.execute(
            "INSERT INTO outbox (scan_id, shortcode, annotation_info, idempotency_key, created_at, "
            "not_before, next_attempt_at) VALUES (?, ?, ?, ?, 1, 1, 1)",
            (scan_id, code, json.dumps(annotation), annotation["idempotencyKey"]),
        )
    conn.commit()
    conn.close()


def test_decisions_of_an_old_database_wait_until_confirmed(sim, tmp_path: Path) -> None:
    data = tmp_path / "data"
    old_database(data)
    remember(data, sim.base_url)
    env = {
        "REVIEWDESK_DATA_DIR": str(data),
        "REVIEWDESK_BASE_URL": sim.base_url,
        "REVIEWDESK_TOKEN": sim.mint_token("ana"),
    }
    queue = run("queue", env=env).stdout
    assert queue.splitlines()[0].split()[:5] == ["old-1", "approved", "unconfirmed", "0", "ana"]
    assert f"2 decisions for ana on {sim.base_url} from before ReviewDesk recorded where" in queue
    held = run("sync", "--timeout", "1", env=env)
    assert "0 delivered, 2 queued" in held.stdout and sim.feedback() == []
    unconfirmed = run("queue", "--confirm", env=env)
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    confirmed = run("queue", "--confirm", "--yes", env=env)
    assert confirmed.returncode == 0 and "confirmed 2 decision(s)" in confirmed.stdout
    sent = run("sync", env=env)
    assert sent.returncode == 0, sent.stdout
    assert sorted((r.scan_id, r.reviewer) for r in sim.feedback()) == [("old-1", "ana"), ("old-2", "ana")]


def test_waiting_decisions_can_be_exported_and_discarded_with_confirmation(sim, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with Store(data / "reviewdesk.sqlite3") as store:
        for i in range(3):
            store.record_decision(
                f"bo-{i}", "approved", info(f"bo-{i}"), route=Route(sim.base_url, "reviewer:bo")
            )
        store.record_decision("ana-1", "approved", info("ana-1"), route=Route(sim.base_url, "reviewer:ana"))
    env = {"REVIEWDESK_DATA_DIR": str(data)}
    out = tmp_path / "waiting.json"
    exported = run("queue", "--export", str(out), env=env)
    assert exported.returncode == 0 and "exported 4 undelivered decision(s)" in exported.stdout
    assert os.name != "posix" or stat.S_IMODE(out.stat().st_mode) == 0o600  # who decided what: owner-only
    rows = json.loads(out.read_text())
    assert [(r["scanId"], r["reviewer"], r["server"]) for r in rows][:2] == [
        ("bo-0", "bo", sim.base_url),
        ("bo-1", "bo", sim.base_url),
    ]
    refused = run("queue", "--discard", f"bo@{sim.base_url}", env=env)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert len(json.loads(out.read_text())) == 4
    gone = run("queue", "--discard", f"bo@{sim.base_url}", "--yes", env=env)
    assert (
        gone.returncode == 0
        and f"discarded 3 undelivered decision(s) for bo on {sim.base_url}" in gone.stdout
    )
    assert [line.split()[0] for line in gone.stdout.splitlines()[1:] if not line.startswith("->")] == [
        "ana-1"
    ]
    assert sim.requests_log() == []


def test_sync_with_no_base_url_sends_each_decision_to_its_own_server_with_its_keyring_token(
    sim, sim2, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    secrets = tmp_path / "keyring.json"
    account = "ReviewDesk/reviewer-token@"  # keychain.SERVICE / keychain._account(...)
    secrets.write_text(
        json.dumps(
            {account + sim.base_url: sim.mint_token("ana"), account + sim2.base_url: sim2.mint_token("bo")}
        )
    )
    keyring_env = {
        "PYTHON_KEYRING_BACKEND": "support.file_keyring.FileKeyring",
        "PYTHONPATH": str(Path(__file__).parent),
        "REVIEWDESK_TEST_KEYRING": str(secrets),
        "REVIEWDESK_DATA_DIR": str(data),
    }
    sim.stop()
    sim2.stop()
    for server, scan in ((sim, "scan-ana"), (sim2, "scan-bo")):
        made = run(
            "--base-url", server.base_url, "decide", scan, "approved", "--timeout", "0.3", env=keyring_env
        )
        assert made.stdout.startswith("queued: "), made.stdout + made.stderr
    sim.start()
    sim2.start()
    result = run("sync", env=keyring_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [(r.scan_id, r.reviewer) for r in sim.feedback()] == [("scan-ana", "ana")]
    assert [(r.scan_id, r.reviewer) for r in sim2.feedback()] == [("scan-bo", "bo")]
