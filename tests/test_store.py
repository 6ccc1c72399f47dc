"""The local store: schema and migrations, the queue, the outbox rules, corruption and locking.

Covers the reviewdesk.store package through its `Store` (store.py): schema, queue, recording, delivery,
connection, lock.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from reviewdesk.domain.route import Route
from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.store import (
    AsyncStore,
    OutboxStatus,
    Store,
    StoreCorruptError,
    StoreLockedError,
    StoreVersionError,
    UndoError,
)
from reviewdesk.store.schema import MIGRATIONS, sql
from support.outbox import info

T0 = 1_700_000_000.0
ROUTE = Route("https://reviews.test", "reviewer:tester")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "reviewdesk.sqlite3"


@pytest.fixture
def store(db: Path):
    s = Store(db)
    yield s
    s.close()


def state(store: Store, scan_id: str) -> tuple[ScanState, str | None]:
    scan = store.get_scan(scan_id)
    assert scan is not None
    return scan.state, scan.shortcode


# -- schema, pragmas, migrations -------------------------------------------------------------


def test_fresh_database_has_the_schema_and_pragmas(store: Store, db: Path) -> None:
    assert store.schema_version == len(MIGRATIONS)
    conn = store._db
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"scans", "outbox", "settings"} <= tables
    assert oct(db.parent.stat().st_mode & 0o777) == oct(0o700)


def test_no_column_can_hold_a_credential(store: Store) -> None:
    columns = {
        row[1].lower()
        for table in ("scans", "outbox", "settings")
        for row in store._db.execute(f"PRAGMA table_info({table})")
    }
    for word in ("token", "key_", "admin", "url", "secret", "password", "authorization"):
        assert not any(word in c for c in columns - {"idempotency_key"}), columns


def test_migrations_step_by_step_and_keep_the_data(db: Path) -> None:
    with Store(db) as s:
        s.add_scans([Scan("a", {"bin": "411111"})])
        s.record_decision("a", "approved", info("k1"), route=ROUTE)
    later = (*MIGRATIONS, sql("ALTER TABLE scans ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0"))
    with Store(db, migrations=later) as s:
        assert s.schema_version == len(MIGRATIONS) + 1
        assert s._db.execute("SELECT flagged FROM scans WHERE scan_id = 'a'").fetchone() == (0,)
        assert s.get_scan("a") == Scan("a", {"bin": "411111"}, ScanState.DECIDED, "approved")
        assert [e.idempotency_key for e in s.pending_entries()] == ["k1"]
    with Store(db, migrations=later) as s:  # nothing left to do
        assert s.schema_version == len(MIGRATIONS) + 1


def test_a_failing_migration_leaves_the_old_version(db: Path) -> None:
    Store(db).close()
    broken = (*MIGRATIONS, sql("ALTER TABLE scans ADD COLUMN x INTEGER", "THIS IS NOT SQL"))
    with pytest.raises(Exception):  # noqa: B017 - whatever sqlite says
        Store(db, migrations=broken)
    with Store(db) as s:
        assert s.schema_version == len(MIGRATIONS)
        assert "x" not in {r[1] for r in s._db.execute("PRAGMA table_info(scans)")}


def test_a_database_from_a_newer_version_is_refused_and_kept(db: Path) -> None:
    Store(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    conn.close()
    with pytest.raises(StoreVersionError, match="newer ReviewDesk"):
        Store(db)
    assert db.exists()
    with pytest.raises(StoreVersionError):  # and the lock was released
        Store(db)


# -- corruption and locking ------------------------------------------------------------------


def test_garbage_file_is_moved_aside_never_overwritten(db: Path) -> None:
    db.parent.mkdir(parents=True)
    garbage = b"this is not an sqlite database at all " * 200
    db.write_bytes(garbage)
    wal = db.with_name(db.name + "-wal")
    wal.write_bytes(b"wal bytes")
    with pytest.raises(StoreCorruptError) as caught:
        Store(db)
    moved = caught.value.moved_to
    assert moved is not None and moved.name.startswith("reviewdesk.sqlite3.corrupt-")
    assert moved.read_bytes() == garbage
    assert moved.with_name(moved.name + "-wal").read_bytes() == b"wal bytes"
    assert str(moved) in str(caught.value) and "moved aside" in str(caught.value)
    assert not db.exists() and not wal.exists()
    with Store(db) as fresh:  # the caller may then open a fresh store
        assert fresh.scans() == [] and fresh.pending_entries() == []
    assert moved.read_bytes() == garbage


def test_damaged_pages_fail_the_check_and_are_moved_aside(db: Path) -> None:
    with Store(db) as s:
        s.add_scans(Scan(f"scan-{i}", {"cardholder": "x" * 200}) for i in range(3000))
        s._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db.read_bytes())
    assert len(data) > 20 * 4096
    for offset in range(8 * 4096, len(data) - 4096, 4096 * 3):
        data[offset : offset + 64] = b"\xff" * 64
    db.write_bytes(bytes(data))
    with pytest.raises(StoreCorruptError) as caught:
        Store(db)
    assert caught.value.moved_to is not None
    assert caught.value.moved_to.read_bytes() == bytes(data)
    assert str(caught.value.moved_to) in str(caught.value)


def test_a_second_store_on_the_same_database_is_refused(db: Path) -> None:
    first = Store(db)
    with pytest.raises(StoreLockedError, match="ReviewDesk seems to be running already"):
        Store(db)
    first.close()
    Store(db).close()


def test_the_lock_of_a_killed_process_does_not_linger(db: Path) -> None:
    code = (
        "import sys, time; from reviewdesk.store import Store; "
        f"s = Store({str(db)!r}); print('open', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
        with pytest.raises(StoreLockedError) as caught:
            Store(db)
        assert "running already" in str(caught.value)
        with Store(db, read_only=True) as reader:  # `reviewdesk queue` still works
            assert reader.pending_entries() == []
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    Store(db).close()


# -- the queue -------------------------------------------------------------------------------


def test_add_scans_merges_duplicates_and_keeps_first_positions(store: Store) -> None:
    summary = store.add_scans(
        [Scan("b", {"bin": "4111"}), Scan("a"), Scan("b", {"last4": "1234", "bin": ""}), Scan("c")]
    )
    assert (summary.added, summary.merged) == (3, 1)
    summary = store.add_scans([Scan("d"), Scan("a", {"amount": "10"}), Scan("b", {"bin": "5555"})])
    assert (summary.added, summary.merged) == (1, 2)
    assert [(s.scan_id, s.facts) for s in store.scans()] == [
        ("b", {"bin": "5555", "last4": "1234"}),
        ("a", {"amount": "10"}),
        ("c", {}),
        ("d", {}),
    ]
    assert store.get_scan("zz") is None


def test_a_big_import_is_one_transaction(store: Store) -> None:
    summary = store.add_scans(Scan(f"scan-{i:06d}") for i in range(100_000))
    assert (summary.added, summary.merged) == (100_000, 0)
    summary = store.add_scans(Scan(f"scan-{i:06d}", {"bin": "4"}) for i in range(99_990, 100_010))
    assert (summary.added, summary.merged) == (10, 10)
    assert store.count_by_state()[ScanState.TO_REVIEW] == 100_010
    assert store.scans()[-1].scan_id == "scan-100009"


def test_position_is_persisted(db: Path) -> None:
    with Store(db) as s:
        s.add_scans([Scan("a"), Scan("b")])
        assert s.position() is None
        s.set_position("b")
    with Store(db) as s:
        assert s.position() == "b"
        s.remove_scans(["b"])
        assert s.position() is None  # gone from the queue
        s.set_position("a")
        s.set_position(None)
        assert s.position() is None


def test_count_remove_and_clear_keep_the_outbox(store: Store) -> None:
    store.add_scans([Scan("a"), Scan("b"), Scan("c")])
    store.record_decision("b", "approved", info(), route=ROUTE)
    assert store.count_by_state() == {
        ScanState.TO_REVIEW: 2,
        ScanState.DECIDED: 1,
        ScanState.SENT: 0,
        ScanState.FAILED: 0,
        ScanState.LOCAL: 0,
    }
    assert store.remove_scans(["a", "nope"]) == 1
    store.set_position("c")
    assert store.clear_queue() == 2
    assert store.scans() == [] and store.position() is None
    assert [e.scan_id for e in store.pending_entries()] == ["b"]  # still to be delivered
    (entry,) = store.claim_due(time.time(), 5, ROUTE)
    store.mark_delivered(entry.id)  # no scan row: nothing breaks


# -- recording, supersede, undo --------------------------------------------------------------


def test_record_decision_marks_the_scan_and_appends_unknown_ones(store: Store) -> None:
    store.add_scans([Scan("a"), Scan("b")])
    entry = store.record_decision("b", "denied_other", info("key-1"), note="looks off", now=T0, route=ROUTE)
    assert entry.status is OutboxStatus.PENDING and entry.idempotency_key == "key-1"
    assert entry.annotation_info["idempotencyKey"] == "key-1"
    assert entry.not_before == entry.next_attempt_at == entry.created_at == T0
    assert store.get_scan("b") == Scan("b", {}, ScanState.DECIDED, "denied_other", "looks off")
    store.record_decision("new", "approved", info(), route=ROUTE)
    assert [s.scan_id for s in store.scans()] == ["a", "b", "new"]
    assert store.get_scan("new").state is ScanState.DECIDED  # type: ignore[union-attr]


def test_record_decision_validates_and_stores_nothing_on_error(store: Store) -> None:
    with pytest.raises(ValueError, match="valid shortcodes are"):
        store.record_decision("a", "ABC", info(), route=ROUTE)
    with pytest.raises(ValueError, match="invalid scan id"):
        store.record_decision("a\x01", "approved", info(), route=ROUTE)
    assert store.pending_entries() == [] and store.scans() == []


def test_a_missing_idempotency_key_is_made_and_a_repeated_one_is_a_no_op(store: Store) -> None:
    entry = store.record_decision("a", "approved", {"reviewer": "r"}, route=ROUTE)
    assert entry.idempotency_key and entry.annotation_info["idempotencyKey"] == entry.idempotency_key
    again = store.record_decision("a", "denied_other", {"idempotencyKey": entry.idempotency_key}, route=ROUTE)
    assert again.id == entry.id and again.shortcode == "approved"
    assert len(store.pending_entries()) == 1


def test_a_new_decision_supersedes_a_pending_or_failed_one(store: Store) -> None:
    first = store.record_decision("a", "approved", info("k1"), route=ROUTE)
    second = store.record_decision("a", "denied_other", info("k2"), route=ROUTE)
    assert [e.id for e in store.pending_entries()] == [second.id]
    assert store.get_entry(first.id) is None
    (claimed,) = store.claim_due(time.time(), 10, ROUTE)
    store.mark_failed(claimed.id, "bad request")
    assert state(store, "a") == (ScanState.FAILED, "denied_other")
    third = store.record_decision("a", "no_action_other", info("k3"), route=ROUTE)
    assert [e.id for e in store.pending_entries()] == [third.id]
    assert state(store, "a") == (ScanState.DECIDED, "no_action_other")


def test_an_in_flight_decision_is_not_superseded_and_goes_first(store: Store) -> None:
    now = time.time()
    first = store.record_decision("a", "approved", info("k1"), now=now, route=ROUTE)
    assert [e.id for e in store.claim_due(now, 10, ROUTE)] == [first.id]
    second = store.record_decision("a", "denied_other", info("k2"), now=now, route=ROUTE)
    assert [e.status for e in store.pending_entries()] == [OutboxStatus.IN_FLIGHT, OutboxStatus.PENDING]
    assert store.claim_due(now, 10, ROUTE) == []  # one per scan at a time
    assert store.next_wakeup(route=ROUTE) is None  # nothing can go until the in-flight one is done
    store.mark_delivered(first.id)
    assert state(store, "a") == (ScanState.DECIDED, "denied_other")  # the newest decides
    assert [e.id for e in store.claim_due(now, 10, ROUTE)] == [second.id]
    store.mark_delivered(second.id)
    assert state(store, "a") == (ScanState.SENT, "denied_other")


def test_undo_within_the_grace_window(store: Store) -> None:
    store.add_scans([Scan("a")])
    entry = store.record_decision("a", "approved", info(), note="n", hold_seconds=5, now=T0, route=ROUTE)
    assert entry.held(T0 + 1) and not entry.held(T0 + 5)
    assert store.claim_due(T0 + 4.9, 10, ROUTE) == []
    assert store.next_wakeup(route=ROUTE) == T0 + 5
    scan = store.undo_decision(entry.id)
    assert scan is not None and (scan.state, scan.shortcode, scan.error) == (ScanState.TO_REVIEW, None, None)
    assert store.pending_entries() == [] and store.next_wakeup(route=ROUTE) is None
    with pytest.raises(UndoError, match="no longer in the outbox"):
        store.undo_decision(entry.id)


def test_undo_goes_back_to_the_last_delivered_decision(store: Store) -> None:
    first = store.record_decision("a", "approved", info(), note="first", now=T0, route=ROUTE)
    store.claim_due(T0, 10, ROUTE)
    store.mark_delivered(first.id)
    second = store.record_decision("a", "denied_other", info(), hold_seconds=5, now=T0 + 10, route=ROUTE)
    assert state(store, "a") == (ScanState.DECIDED, "denied_other")
    scan = store.undo_decision(second.id)
    assert scan == Scan("a", {}, ScanState.SENT, "approved", "first")


def test_undo_refuses_in_flight_and_delivered_decisions(store: Store) -> None:
    entry = store.record_decision("a", "approved", info(), now=T0, route=ROUTE)
    store.claim_due(T0, 10, ROUTE)
    with pytest.raises(UndoError, match="being sent right now"):
        store.undo_decision(entry.id)
    store.mark_delivered(entry.id)
    with pytest.raises(UndoError, match="already delivered"):
        store.undo_decision(entry.id)


def test_undo_behind_an_in_flight_decision_shows_that_one(store: Store) -> None:
    first = store.record_decision("a", "approved", info(), now=T0, route=ROUTE)
    store.claim_due(T0, 10, ROUTE)
    second = store.record_decision("a", "denied_other", info(), now=T0, route=ROUTE)
    store.undo_decision(second.id)
    assert state(store, "a") == (ScanState.DECIDED, "approved")
    assert [e.id for e in store.pending_entries()] == [first.id]


# -- delivery bookkeeping --------------------------------------------------------------------


def test_claim_due_is_oldest_first_and_one_per_scan(store: Store) -> None:
    ids = [store.record_decision(f"s{i}", "approved", info(), now=T0 + i, route=ROUTE).id for i in range(5)]
    claimed = store.claim_due(T0 + 10, 3, ROUTE)
    assert [e.id for e in claimed] == ids[:3]
    assert all(e.status is OutboxStatus.IN_FLIGHT for e in claimed)
    assert [e.id for e in store.claim_due(T0 + 10, 3, ROUTE)] == ids[3:]
    assert store.claim_due(T0 + 10, 3, ROUTE) == []
    assert store.counts().in_flight == 5


def test_a_backing_off_decision_holds_back_the_newer_one_of_its_scan(store: Store) -> None:
    first = store.record_decision("a", "approved", info(), now=T0, route=ROUTE)
    store.claim_due(T0, 10, ROUTE)
    store.record_decision("a", "denied_other", info(), now=T0, route=ROUTE)  # not superseding: in flight
    other = store.record_decision("b", "approved", info(), now=T0, route=ROUTE)
    store.mark_retry(first.id, "server error 503", T0 + 30)
    assert [e.id for e in store.claim_due(T0 + 1, 10, ROUTE)] == [other.id]  # "a" waits for its first one
    assert store.next_wakeup(route=ROUTE) == T0 + 30
    assert [e.id for e in store.claim_due(T0 + 30, 10, ROUTE)] == [first.id]


def test_mark_retry_counts_attempts_and_keeps_the_error(store: Store) -> None:
    entry = store.record_decision("a", "approved", info(), now=T0, route=ROUTE)
    store.claim_due(T0, 1, ROUTE)
    store.mark_retry(entry.id, "cannot reach the server", T0 + 2)
    got = store.get_entry(entry.id)
    assert got is not None
    assert (got.status, got.attempts, got.last_error, got.next_attempt_at) == (
        OutboxStatus.PENDING,
        1,
        "cannot reach the server",
        T0 + 2,
    )
    assert store.get_scan("a").error == "cannot reach the server"  # type: ignore[union-attr]
    assert store.claim_due(T0 + 1, 1, ROUTE) == [] and store.next_wakeup(route=ROUTE) == T0 + 2


def test_requeue_does_not_count_an_attempt(store: Store) -> None:
    entry = store.record_decision("a", "approved", info(), now=T0, route=ROUTE)
    store.claim_due(T0, 1, ROUTE)
    store.requeue(entry.id, "the token expired; sign in again")
    got = store.get_entry(entry.id)
    assert got is not None and got.status is OutboxStatus.PENDING and got.attempts == 0
    assert got.last_error == "the token expired; sign in again"


def test_failed_then_edited_and_resent(store: Store) -> None:
    entry = store.record_decision("a", "approved", info("k1"), now=T0, route=ROUTE)
    store.claim_due(T0, 1, ROUTE)
    store.mark_failed(entry.id, "malformed (server said: bad)")
    got = store.get_entry(entry.id)
    assert got is not None and got.status is OutboxStatus.FAILED
    assert store.get_scan("a") == Scan(
        "a", {}, ScanState.FAILED, "approved", "", "malformed (server said: bad)"
    )
    assert store.claim_due(T0 + 100, 10, ROUTE) == [] and store.next_wakeup(route=ROUTE) is None
    assert store.counts().failed == 1 and store.counts().queued == 0
    # resent as it is: the same key
    same = store.resend(entry.id, now=T0 + 1)
    assert (same.status, same.idempotency_key, same.attempts) == (OutboxStatus.PENDING, "k1", 0)
    store.claim_due(T0 + 1, 1, ROUTE)
    store.mark_failed(entry.id, "again")
    # edited: a new decision, a new key
    edited = store.resend(entry.id, shortcode="denied_other", now=T0 + 2)
    assert edited.shortcode == "denied_other" and edited.idempotency_key != "k1"
    assert edited.annotation_info["idempotencyKey"] == edited.idempotency_key
    assert state(store, "a") == (ScanState.DECIDED, "denied_other")
    assert store.get_scan("a").error is None  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        store.resend(entry.id, shortcode="nope")


def test_a_refused_superseded_decision_is_dropped(store: Store) -> None:
    first = store.record_decision("a", "approved", info(), now=T0, route=ROUTE)
    store.claim_due(T0, 1, ROUTE)
    second = store.record_decision("a", "denied_other", info(), now=T0, route=ROUTE)
    store.mark_failed(first.id, "bad")
    assert [e.id for e in store.pending_entries()] == [second.id]
    assert state(store, "a") == (ScanState.DECIDED, "denied_other")


def test_release_inflight_after_a_crash(db: Path) -> None:
    with Store(db) as s:
        for i in range(3):
            s.record_decision(f"s{i}", "approved", info(), now=T0, route=ROUTE)
        s.claim_due(T0, 2, ROUTE)
    with Store(db) as s:
        assert s.counts().in_flight == 2
        assert s.release_inflight() == 2
        assert s.counts().pending == 3 and s.counts().in_flight == 0
        assert [e.attempts for e in s.pending_entries()] == [0, 0, 0]


def test_reset_backoff_makes_waiting_entries_due_but_keeps_the_hold(store: Store) -> None:
    a = store.record_decision("a", "approved", info(), now=T0, route=ROUTE)
    store.record_decision("b", "approved", info(), hold_seconds=60, now=T0, route=ROUTE)
    store.claim_due(T0, 1, ROUTE)
    store.mark_retry(a.id, "x", T0 + 100)
    assert store.reset_backoff(T0 + 1) == 1
    assert [e.scan_id for e in store.claim_due(T0 + 1, 10, ROUTE)] == ["a"]


def test_pending_counts_recent_and_next_wakeup(store: Store) -> None:
    assert store.next_wakeup(route=ROUTE) is None and store.recent_decisions() == []
    a = store.record_decision("a", "approved", info(), now=T0, route=ROUTE)
    b = store.record_decision("b", "denied_other", info(), now=T0 + 1, hold_seconds=3, route=ROUTE)
    c = store.record_decision("c", "approved", info(), now=T0 + 2, route=ROUTE)
    store.claim_due(T0, 1, ROUTE)
    store.mark_delivered(a.id)
    store.claim_due(T0 + 2, 5, ROUTE)
    store.mark_failed(c.id, "refused")
    assert [e.id for e in store.pending_entries()] == [b.id, c.id]
    counts = store.counts()
    assert (counts.pending, counts.in_flight, counts.failed, counts.delivered) == (1, 0, 1, 1)
    assert [e.id for e in store.recent_decisions()] == [c.id, b.id, a.id]
    assert [e.id for e in store.recent_decisions(2)] == [c.id, b.id]
    assert store.next_wakeup(route=ROUTE) == T0 + 4


def test_mark_delivered_many_is_one_group_and_the_newest_decides_the_scan(store: Store) -> None:
    a1 = store.record_decision("a", "approved", info(), note="first", now=T0, route=ROUTE)
    b = store.record_decision("b", "denied_other", info(), note="nb", now=T0, route=ROUTE)
    claimed = store.claim_due(T0, 10, ROUTE)
    assert [e.id for e in claimed] == [a1.id, b.id]
    a2 = store.record_decision("a", "no_action_other", info(), note="second", now=T0, route=ROUTE)  # after a1
    store.mark_delivered_many([a1.id, b.id, a1.id, 10**9], now=T0 + 1)  # a repeat, a missing id
    assert state(store, "b") == (ScanState.SENT, "denied_other")
    assert state(store, "a") == (ScanState.DECIDED, "no_action_other")  # a2 is newer and waiting
    got = {e.id: e for e in store.entries_for_scan("a") + store.entries_for_scan("b")}
    assert got[a1.id].status is OutboxStatus.DELIVERED and got[a1.id].delivered_at == T0 + 1
    assert got[b.id].status is OutboxStatus.DELIVERED and got[a2.id].status is OutboxStatus.PENDING
    (entry,) = store.claim_due(T0, 10, ROUTE)
    store.mark_delivered_many([entry.id])
    assert state(store, "a") == (ScanState.SENT, "no_action_other")
    store.mark_delivered_many([])  # nothing to do


def test_requeue_many_releases_claims_only(store: Store) -> None:
    a = store.record_decision("a", "approved", info(), now=T0, route=ROUTE)
    b = store.record_decision("b", "approved", info(), now=T0, route=ROUTE)
    c = store.record_decision("c", "approved", info(), now=T0, route=ROUTE)
    store.claim_due(T0, 10, ROUTE)
    store.mark_retry(a.id, "down", T0 + 50)
    store.mark_delivered(c.id)
    assert store.requeue_many([a.id, b.id, c.id]) == 1  # only b was still in flight
    statuses = {e.id: (e.status, e.attempts) for e in store.pending_entries()}
    assert statuses == {a.id: (OutboxStatus.PENDING, 1), b.id: (OutboxStatus.PENDING, 0)}
    assert [e.id for e in store.claim_due(T0, 10, ROUTE)] == [b.id]


def test_next_wakeup_with_now_answers_at_once_when_something_is_due(store: Store) -> None:
    store.record_decision("a", "approved", info(), hold_seconds=30, now=T0, route=ROUTE)
    store.record_decision("b", "approved", info(), now=T0 + 5, route=ROUTE)
    assert store.next_wakeup(route=ROUTE) == T0 + 5
    assert store.next_wakeup(T0 + 10) == T0 + 5  # due by then: some due time <= now
    assert store.next_wakeup(T0 + 1) == T0 + 5  # nothing due yet: the earliest, as without `now`
    store.claim_due(T0 + 10, 10, ROUTE)
    assert store.next_wakeup(T0 + 10) == T0 + 30
    counts = store.counts(delivered=False)
    assert (counts.pending, counts.in_flight, counts.delivered) == (1, 1, 0)


# -- AsyncStore ------------------------------------------------------------------------------


async def test_async_store_runs_on_one_dedicated_thread(db: Path) -> None:
    astore = await AsyncStore.open(db)
    try:
        threads = {await astore.run(lambda _store: threading.get_ident()) for _ in range(5)}
        assert len(threads) == 1 and threading.get_ident() not in threads
        entry = await astore.run(Store.record_decision, "a", "approved", info(), route=ROUTE)
        assert [e.id for e in await astore.run(Store.pending_entries)] == [entry.id]
        # many concurrent callers are serialised on that thread
        await asyncio.gather(
            *(astore.run(Store.record_decision, f"s{i}", "approved", info(), route=ROUTE) for i in range(50))
        )
        assert (await astore.run(Store.counts)).pending == 51
    finally:
        await astore.close()
    Store(db).close()  # the lock is gone


async def test_async_store_can_wrap_a_store_made_here(db: Path) -> None:
    store = Store(db)
    store.add_scans([Scan("a")])
    astore = AsyncStore(store)
    try:
        assert [s.scan_id for s in await astore.run(Store.scans)] == ["a"]
        with pytest.raises(sqlite3.ProgrammingError):  # the connection now belongs to the store thread
            store.scans()
    finally:
        await astore.close()


def test_store_files_are_private(db: Path) -> None:
    with Store(db):
        pass
    if os.name == "posix":
        assert db.parent.stat().st_mode & 0o077 == 0


def test_a_damaged_database_with_a_hot_wal_is_moved_aside_byte_for_byte(db: Path) -> None:
    db.parent.mkdir(parents=True)
    code = (
        "import os, signal; from reviewdesk.store import Store; from reviewdesk.domain.scan import Scan; "
        f"s = Store({str(db)!r}); "
        "s.add_scans(Scan(f'scan-{i}', {'cardholder': 'x' * 300}) for i in range(3000)); "
        "s._db.execute('PRAGMA wal_checkpoint(TRUNCATE)'); "
        "[s.record_decision(f'scan-{i}', 'approved', {}) for i in range(50)]; "
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    subprocess.run([sys.executable, "-c", code], timeout=60)
    wal = db.with_name(db.name + "-wal")
    assert wal.stat().st_size > 0  # the decisions are only in the WAL
    data = bytearray(db.read_bytes())
    for offset in range(16 * 4096, len(data) - 4096, 4096 * 4):
        data[offset : offset + 64] = b"\xee" * 64
    db.write_bytes(bytes(data))
    wal_before = wal.read_bytes()
    with pytest.raises(StoreCorruptError) as caught:
        Store(db)
    moved = caught.value.moved_to
    assert moved is not None and str(moved) in str(caught.value)
    assert moved.read_bytes() == bytes(data)
    assert moved.with_name(moved.name + "-wal").read_bytes() == wal_before


# -- routes: the server and identity each decision goes to -----------------------------------

BO = Route("https://reviews.test", "reviewer:bo")
OTHER_SERVER = Route("https://other.test", "reviewer:tester")


def test_decisions_are_claimed_only_by_their_own_route(store: Store) -> None:
    mine = store.record_decision("a", "approved", info(), now=T0, route=ROUTE)
    bos = store.record_decision("b", "approved", info(), now=T0, route=BO)
    elsewhere = store.record_decision("c", "approved", info(), now=T0, route=OTHER_SERVER)
    assert [e.id for e in store.claim_due(T0, 10, ROUTE)] == [mine.id]
    assert [e.id for e in store.claim_due(T0, 10, BO)] == [bos.id]
    assert [e.id for e in store.claim_due(T0, 10, OTHER_SERVER)] == [elsewhere.id]
    assert store.claim_due(T0, 10) == []  # no route: nothing


def test_a_new_decision_replaces_one_of_its_own_route_only(store: Store) -> None:
    store.record_decision("a", "approved", info("ana-1"), now=T0, route=ROUTE)
    store.record_decision("a", "denied_other", info("bo-1"), now=T0, route=BO)
    store.record_decision("a", "no_action_other", info("ana-2"), now=T0, route=ROUTE)
    assert [e.idempotency_key for e in store.pending_entries()] == ["bo-1", "ana-2"]


def test_routes_summarise_what_waits_for_whom(store: Store) -> None:
    for i in range(3):
        store.record_decision(f"b{i}", "approved", info(), now=T0, route=BO)
    store.record_decision("a", "approved", info(), now=T0, route=ROUTE)
    (a,) = store.claim_due(T0, 1, ROUTE)
    store.mark_failed(a.id, "refused")
    summaries = {s.route: s for s in store.routes()}
    assert summaries[BO].pending == 3 and summaries[BO].failed == 0
    assert summaries[ROUTE].pending == 0 and summaries[ROUTE].failed == 1


def test_an_old_database_migrates_and_its_decisions_wait_for_a_confirmation(db: Path) -> None:
    with Store(db, migrations=MIGRATIONS[:1]):
        pass
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO outbox (scan_id, shortcode, annotation_info, idempotency_key, created_at, not_before, "
        "next_attempt_at) VALUES ('old', 'approved', '{\"reviewer\": \"ana\"}', 'k-old', 1, 1, 1)"
    )
    conn.execute(
        "INSERT INTO outbox (scan_id, shortcode, annotation_info, idempotency_key, created_at, not_before, "
        "next_attempt_at, status, delivered_at) "
        "VALUES ('sent', 'approved', '{}', 'k-sent', 1, 1, 1, 'delivered', 1)"
    )
    conn.commit()
    conn.close()
    ana = Route("https://reviews.test", "reviewer:ana")
    with Store(db) as s:
        assert s.schema_version == len(MIGRATIONS)
        assert s.attribute_unknown("https://reviews.test") == 1
        (entry,) = s.pending_entries()
        assert entry.route == ana and entry.unconfirmed
        assert s.claim_due(T0, 10, ana) == []  # not before the reviewer confirms
        assert s.confirm() == 1
        assert [e.scan_id for e in s.claim_due(T0, 10, ana)] == ["old"]


def test_discard_deletes_one_route_and_the_scans_go_back(store: Store) -> None:
    store.add_scans([Scan("a"), Scan("b")])
    store.record_decision("a", "approved", info(), now=T0, route=BO)
    store.record_decision("b", "approved", info(), now=T0, route=ROUTE)
    gone = store.discard(BO)
    assert [e.scan_id for e in gone] == ["a"]
    assert [e.scan_id for e in store.pending_entries()] == ["b"]
    assert store.get_scan("a").state is ScanState.TO_REVIEW  # type: ignore[union-attr]


def test_times_a_clock_set_back_left_ahead_are_pulled_back_and_a_server_wait_is_kept(store: Store) -> None:
    now = T0
    ahead = store.record_decision("a", "approved", info(), now=now + 3600, route=ROUTE)  # clock went back 1 h
    waiting = store.record_decision("b", "approved", info(), now=now, route=ROUTE)
    store.claim_due(now + 3600, 10, ROUTE)
    store.mark_retry(ahead.id, "x", now + 3700)
    store.mark_retry(waiting.id, "busy", now + 30, server_wait=True)
    assert store.pull_back(now, 600, 120) == 2  # next attempt and undo hold of "a"
    assert store.reset_backoff(now) == 0  # "b" waits as the server asked: kept
    assert store.server_wait_until(ROUTE, now) == now + 30
    assert [e.scan_id for e in store.claim_due(now, 10, ROUTE)] == ["a"]


def test_decisions_made_while_signed_out_wait_until_adopted_by_a_confirmation(store: Store) -> None:
    signed_out = Route("https://reviews.test", "")
    store.record_decision("a", "approved", info(), now=T0, route=signed_out)
    assert store.claim_due(T0, 10, ROUTE) == [] and store.claim_due(T0, 10, signed_out) == []
    assert store.confirm() == 0  # a plain confirmation does not say who made them
    assert store.confirm(adopt=ROUTE) == 1
    assert [e.scan_id for e in store.claim_due(T0, 10, ROUTE)] == ["a"]
