"""Local decisions in the store (store/recording.py, schema V3): a Jumio or Preventor item's decision
is recorded by the same `record_decision` as a Dyneti one, durable at once, but never sent: no
claim, count, route or wake-up sees it; undo takes it back; a new one replaces it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from reviewdesk.domain.route import UNATTRIBUTED, Route
from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.store import OutboxStatus, Store
from reviewdesk.store.salvage import salvage_outbox
from reviewdesk.store.schema import MIGRATIONS
from support.outbox import info

T0 = 1_700_000_000.0
ROUTE = Route("https://reviews.test", "reviewer:tester")
JUMIO = "jumio:7c9a2f1e-0000-4000-8000-000000000001"
PREVENTOR = "preventor:T-1001"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "reviewdesk.sqlite3"


@pytest.fixture
def store(db: Path):
    s = Store(db)
    yield s
    s.close()


def test_a_local_decision_is_kept_and_never_handed_to_delivery(store: Store) -> None:
    store.add_scans([Scan("scan-1"), Scan(JUMIO), Scan(PREVENTOR)])
    store.record_decision("scan-1", "approved", info(), now=T0, route=ROUTE)
    j = store.record_decision(JUMIO, "reject_fraud", info(), note="forged", now=T0, route=ROUTE, local=True)
    p = store.record_decision(PREVENTOR, "escalate", info(), now=T0, hold_seconds=30, local=True)

    assert j.local and j.status is OutboxStatus.DELIVERED and j.route == UNATTRIBUTED  # no route applies
    assert p.not_before == T0  # no undo hold: nothing is ever sent, so nothing to hold back
    assert store.get_scan(JUMIO) == Scan(JUMIO, {}, ScanState.LOCAL, "reject_fraud", "forged", None)
    assert store.get_scan(PREVENTOR).state is ScanState.LOCAL  # type: ignore[union-attr]
    # delivery sees only the Dyneti decision, whatever route it asks for
    assert [e.scan_id for e in store.pending_entries()] == ["scan-1"]
    assert store.counts().queued == 1 and store.counts().delivered == 0
    assert [(r.route, r.pending) for r in store.routes()] == [(ROUTE, 1)]
    assert store.next_wakeup(T0 + 3600) is not None
    routes = (UNATTRIBUTED, Route("https://o.test", "admin"), ROUTE)
    claimed = [store.claim_due(T0 + 3600, 100, r) for r in routes]
    assert [[e.scan_id for e in c] for c in claimed] == [[], [], ["scan-1"]]
    # ... and the history has all three, newest first; the list of local decisions the two
    assert [e.scan_id for e in store.recent_decisions(10)] == [PREVENTOR, JUMIO, "scan-1"]
    assert [(e.scan_id, e.shortcode) for e in store.local_decisions()] == [
        (JUMIO, "reject_fraud"),
        (PREVENTOR, "escalate"),
    ]


def test_only_local_decisions_leave_nothing_to_wake_for(store: Store) -> None:
    store.record_decision(JUMIO, "approve", info(), now=T0, local=True)
    assert store.next_wakeup(T0) is None
    counts, wake, routes = store.delivery_state(T0)
    assert counts.queued == 0 and counts.failed == 0 and wake is None and routes == []


def test_a_local_decision_is_durable_once_recorded(db: Path) -> None:
    with Store(db) as s:
        s.record_decision(JUMIO, "approve", info(key="k-1"), now=T0, local=True)
    # another connection (another process would see the same): the commit is on disk
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT scan_id, shortcode, status, local FROM outbox").fetchall()
    finally:
        conn.close()
    assert rows == [(JUMIO, "approve", "delivered", 1)]
    with Store(db) as s:
        (entry,) = s.local_decisions()
        assert entry.idempotency_key == "k-1" and s.get_scan(JUMIO).state is ScanState.LOCAL  # type: ignore[union-attr]


def test_undo_takes_a_local_decision_back_at_any_time(store: Store) -> None:
    store.add_scans([Scan(JUMIO)])
    entry = store.record_decision(JUMIO, "approve", info(), now=T0, local=True)
    scan = store.undo_decision(entry.id)  # long after: it was never sent, so it can be taken back
    assert scan is not None and scan.state is ScanState.TO_REVIEW and scan.shortcode is None
    assert store.recent_decisions(10) == []


def test_deciding_again_replaces_the_local_decision(store: Store) -> None:
    store.add_scans([Scan(JUMIO)])
    store.record_decision(JUMIO, "approve", info(), now=T0, local=True)
    second = store.record_decision(JUMIO, "reject_mismatch", info(), now=T0 + 1, local=True)
    assert [(e.id, e.shortcode) for e in store.local_decisions()] == [(second.id, "reject_mismatch")]
    assert store.get_scan(JUMIO).shortcode == "reject_mismatch"  # type: ignore[union-attr]
    store.undo_decision(second.id)
    assert store.get_scan(JUMIO).state is ScanState.TO_REVIEW  # type: ignore[union-attr]


def test_recording_the_same_idempotency_key_again_returns_the_stored_local_decision(store: Store) -> None:
    first = store.record_decision(JUMIO, "approve", info(key="same"), now=T0, local=True)
    again = store.record_decision(JUMIO, "approve", info(key="same"), now=T0 + 5, local=True)
    assert again.id == first.id and again.local and len(store.local_decisions()) == 1


@pytest.mark.parametrize("code", ["", "Approve", "reject fraud", "a" * 80, "x;DROP"])
def test_a_local_decision_needs_a_code_name(store: Store, code: str) -> None:
    with pytest.raises(ValueError, match="invalid decision code"):
        store.record_decision(JUMIO, code, info(), now=T0, local=True)
    assert store.recent_decisions(10) == []


def test_a_dyneti_decision_still_needs_a_shortcode(store: Store) -> None:
    with pytest.raises(ValueError, match="unknown shortcode"):
        store.record_decision("scan-1", "reject_fraud", info(), now=T0, route=ROUTE)


def test_a_database_of_schema_2_migrates_with_its_decisions_intact(db: Path) -> None:
    with Store(db, migrations=MIGRATIONS[:2]) as old:  # the schema as the previous version made it
        assert old.schema_version == 2
    conn = sqlite3.connect(db)  # its rows as the previous version wrote them
    conn.executescript(
        """
        INSERT INTO scans (scan_id, state, shortcode, note) VALUES ('a', 'sent', 'approved', 'ok'),
            ('b', 'decided', 'denied_fake_card', ''), ('jumio:r-1', 'to_review', NULL, '');
        INSERT INTO outbox (scan_id, shortcode, annotation_info, idempotency_key, note, status, created_at,
            not_before, next_attempt_at, delivered_at, server, identity) VALUES
            ('a', 'approved', '{}', 'k-a', 'ok', 'delivered', 1, 1, 1, 2, 'https://reviews.test',
             'reviewer:tester'),
            ('b', 'denied_fake_card', '{}', 'k-b', '', 'pending', 1, 1, 1, NULL, 'https://reviews.test',
             'reviewer:tester');
        """
    )
    conn.close()
    with Store(db) as s:
        assert s.schema_version == len(MIGRATIONS) >= 3
        entries = {e.scan_id: e for e in s.recent_decisions(10)}
        assert entries["a"].status is OutboxStatus.DELIVERED and entries["a"].note == "ok"
        assert entries["b"].status is OutboxStatus.PENDING and entries["b"].idempotency_key == "k-b"
        assert not entries["a"].local and not entries["b"].local
        assert s.get_scan("a").state is ScanState.SENT  # type: ignore[union-attr]
        assert [e.scan_id for e in s.claim_due(T0, 10, ROUTE)] == ["b"]
        s.record_decision("jumio:r-1", "escalate", info(), now=T0, local=True)
        assert s.get_scan("jumio:r-1").state is ScanState.LOCAL  # type: ignore[union-attr]


def test_salvage_reads_local_decisions_too(db: Path) -> None:
    """A damaged database's local decisions exist nowhere else: `recover` must see them."""
    with Store(db) as s:
        s.record_decision(JUMIO, "reject_expired", info(), now=T0, local=True)
        done = s.record_decision("a", "approved", info(), now=T0, route=ROUTE)
        s.mark_delivered(done.id, now=T0)
    found = salvage_outbox(db)
    assert [(e.scan_id, e.local) for e in found.entries] == [(JUMIO, True)]
