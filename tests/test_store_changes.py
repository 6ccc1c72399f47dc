"""What each store write reports as changed (store/changes.py), on a real store on disk: the exact
scan and decision ids, and their state as it is now."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from reviewdesk.domain.route import Route
from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.store import AsyncStore, OutboxStatus, Store
from reviewdesk.store.changes import NO_CHANGES, Changes, ScanReview
from support.outbox import info

T0 = 1_700_000_000.0
ROUTE = Route("https://reviews.test", "reviewer:tester")
DECIDED, SENT, FAILED, TO_REVIEW = ScanState.DECIDED, ScanState.SENT, ScanState.FAILED, ScanState.TO_REVIEW


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / "data" / "reviewdesk.sqlite3")
    s.keep_changes = True
    yield s
    s.close()


def test_recording_reports_the_scan_and_the_new_decision_and_what_it_superseded(store: Store) -> None:
    store.add_scans([Scan("a", {"bin": "411111"}), Scan("b")])
    assert store.take_changes() == Changes(queue=True)
    first = store.record_decision("a", "approved", info("k1"), note="n", now=T0, route=ROUTE)
    assert store.take_changes() == Changes(
        scans={"a": ScanReview(DECIDED, "approved", "n")}, entries={first.id: first}
    )
    assert store.take_changes() == NO_CHANGES  # taken once
    second = store.record_decision("a", "denied_other", info("k2"), now=T0, route=ROUTE)
    changes = store.take_changes()
    assert changes.removed == {first.id} and set(changes.entries) == {second.id}
    assert changes.decisions == {first.id, second.id}
    assert changes.scans == {"a": ScanReview(DECIDED, "denied_other", "")}
    # The same idempotency key again is a no-op: nothing changed.
    store.record_decision("a", "approved", {"idempotencyKey": second.idempotency_key}, route=ROUTE)
    assert not store.take_changes()
    # What is reported is what a read gives.
    assert ScanReview.of(store.get_scan("a")) == changes.scans["a"]  # type: ignore[arg-type]


def test_a_local_decision_is_reported_as_local_and_its_replacement_removes_it(store: Store) -> None:
    store.add_scans([Scan("jumio:abc")])
    store.take_changes()
    first = store.record_decision("jumio:abc", "approve", info("j1"), now=T0, local=True)
    assert store.take_changes() == Changes(
        scans={"jumio:abc": ScanReview(ScanState.LOCAL, "approve", "")}, local={first.id: first}
    )
    second = store.record_decision("jumio:abc", "reject_fraud", info("j2"), now=T0, local=True)
    changes = store.take_changes()
    assert changes.removed == {first.id} and set(changes.local) == {second.id} and not changes.entries
    assert changes.decisions == {first.id, second.id}
    store.undo_decision(second.id)
    assert store.take_changes().removed == {second.id}


def test_a_plain_store_keeps_no_changes_unless_asked(tmp_path: Path) -> None:
    with Store(tmp_path / "reviewdesk.sqlite3") as plain:
        entry = plain.record_decision("a", "approved", info(), route=ROUTE)
        plain.mark_delivered_many([entry.id])
        assert plain.take_changes() == NO_CHANGES


def test_a_write_that_fails_reports_nothing(store: Store) -> None:
    with pytest.raises(ValueError):
        store.record_decision("a", "not-a-code", info(), route=ROUTE)
    assert store.take_changes() == NO_CHANGES


def test_undo_reports_the_removed_decision_and_the_scan_as_it_is_back(store: Store) -> None:
    store.add_scans([Scan("a")])
    first = store.record_decision("a", "approved", info(), note="first", now=T0, route=ROUTE)
    store.take_changes()
    store.undo_decision(first.id)
    assert store.take_changes() == Changes(
        scans={"a": ScanReview(TO_REVIEW, None, "first")}, removed={first.id}
    )
    # An earlier decision still in flight: the scan is back to that one.
    first = store.record_decision("a", "approved", info(), note="first", now=T0, route=ROUTE)
    store.claim_due(T0, 10, ROUTE)
    second = store.record_decision("a", "denied_other", info(), hold_seconds=5, now=T0 + 1, route=ROUTE)
    store.take_changes()
    store.undo_decision(second.id)
    assert store.take_changes() == Changes(
        scans={"a": ScanReview(DECIDED, "approved", "first")}, removed={second.id}
    )


def test_delivery_bookkeeping_reports_each_decision_and_only_the_scans_it_changed(store: Store) -> None:
    a = store.record_decision("a", "approved", info(), now=T0, route=ROUTE)
    b = store.record_decision("b", "approved", info(), now=T0, route=ROUTE)
    c1 = store.record_decision("c", "approved", info(), now=T0, route=ROUTE)
    store.take_changes()
    claimed = store.claim_due(T0, 10, ROUTE)
    assert [e.id for e in claimed] == [a.id, b.id, c1.id]
    changes = store.take_changes()
    assert changes.entries == {e.id: e for e in claimed} and not changes.scans
    assert all(e.status is OutboxStatus.IN_FLIGHT for e in changes.entries.values())
    # A newer decision for "c" while its first is on the wire: "c" stays DECIDED when that one lands.
    c2 = store.record_decision("c", "denied_other", info(), now=T0, route=ROUTE)
    store.take_changes()
    store.mark_delivered_many([a.id, b.id, c1.id], now=T0 + 1)
    assert store.take_changes() == Changes(
        scans={"a": ScanReview(SENT, "approved"), "b": ScanReview(SENT, "approved")},
        delivered=frozenset({a.id, b.id, c1.id}),
    )
    (claimed_c2,) = store.claim_due(T0 + 1, 10, ROUTE)
    store.take_changes()
    store.mark_retry(c2.id, "server error 503", T0 + 30)
    changes = store.take_changes()
    assert changes.scans == {"c": ScanReview(DECIDED, "denied_other", "", "server error 503")}
    waiting = changes.entries[c2.id]
    assert (waiting.status, waiting.attempts, waiting.last_error, waiting.next_attempt_at) == (
        OutboxStatus.PENDING,
        1,
        "server error 503",
        T0 + 30,
    )
    assert waiting == store.get_entry(c2.id)  # the entry as it is now, without reading it
    store.claim_due(T0 + 30, 10, ROUTE)
    store.take_changes()
    store.mark_failed(c2.id, "rejected: bad shortcode")
    changes = store.take_changes()
    assert changes.scans == {"c": ScanReview(FAILED, "denied_other", "", "rejected: bad shortcode")}
    assert changes.entries == {c2.id: store.get_entry(c2.id)}
    assert changes.entries[c2.id].status is OutboxStatus.FAILED
    assert claimed_c2.id == c2.id
    store.resend(c2.id)
    changes = store.take_changes()
    assert changes.scans == {"c": ScanReview(DECIDED, "denied_other")}
    assert changes.entries == {c2.id: store.get_entry(c2.id)}


def test_a_refused_decision_that_was_superseded_is_reported_removed(store: Store) -> None:
    first = store.record_decision("a", "approved", info(), now=T0, route=ROUTE)
    store.claim_due(T0, 10, ROUTE)
    store.record_decision("a", "denied_other", info(), now=T0, route=ROUTE)
    store.take_changes()
    store.mark_failed(first.id, "rejected")
    assert store.take_changes() == Changes(removed={first.id})


def test_putting_claims_back_reports_those_decisions_pending(store: Store) -> None:
    ids = [store.record_decision(s, "approved", info(), now=T0, route=ROUTE).id for s in "abc"]
    store.claim_due(T0, 10, ROUTE)
    store.take_changes()
    assert store.requeue_many([ids[0], 999]) == 1
    changes = store.take_changes()
    assert set(changes.entries) == {ids[0]} and changes.entries[ids[0]].status is OutboxStatus.PENDING
    store.requeue(ids[1], "paused: sign in again")
    changes = store.take_changes()
    assert changes.entries == {ids[1]: store.get_entry(ids[1])}
    assert changes.scans == {"b": ScanReview(DECIDED, "approved", "", "paused: sign in again")}
    assert store.release_inflight() == 1  # a crash left "c" in flight
    changes = store.take_changes()
    assert changes.entries == {ids[2]: store.get_entry(ids[2])} and not changes.scans


def test_backlog_wide_writes_set_a_flag_only_when_something_changed(store: Store) -> None:
    store.record_decision("a", "approved", info(), hold_seconds=30, now=T0, route=ROUTE)
    store.take_changes()
    assert store.reset_backoff(T0) == 0 and store.take_changes() == NO_CHANGES
    assert store.end_holds(T0 + 1) == 1 and store.take_changes() == Changes(waits=True)
    (entry,) = store.claim_due(T0 + 1, 10, ROUTE)
    store.mark_retry(entry.id, "503", T0 + 100)
    store.take_changes()
    assert store.reset_backoff(T0 + 2) == 1 and store.take_changes() == Changes(waits=True)
    assert store.pull_back(T0 + 2, 600, 60) == 0 and store.take_changes() == NO_CHANGES


def test_route_writes_report_routes_and_discard_reports_what_it_removed(store: Store) -> None:
    store.add_scans([Scan("a"), Scan("b")])
    a = store.record_decision("a", "approved", info(), now=T0)  # from before routes were recorded
    store.take_changes()
    assert store.attribute_unknown(ROUTE.server, admin=True) == 1 and store.take_changes() == Changes(
        routes=True
    )
    assert store.confirm() == 1 and store.take_changes() == Changes(routes=True)
    assert store.confirm() == 0 and store.take_changes() == NO_CHANGES
    b = store.record_decision("b", "approved", info(), now=T0, route=ROUTE)
    store.take_changes()
    gone = store.discard(Route(ROUTE.server, "reviewer:tester"))
    assert [e.id for e in gone] == [b.id]
    assert store.take_changes() == Changes(
        scans={"b": ScanReview(TO_REVIEW)}, removed=frozenset({b.id}), routes=True
    )
    assert a.id not in {e.id for e in gone}


def test_the_queue_reports_a_change_only_when_it_changed(store: Store) -> None:
    store.add_scans([Scan("a"), Scan("b", {"bin": "4"})])
    assert store.take_changes() == Changes(queue=True)
    store.add_scans([Scan("a"), Scan("b", {"bin": "4"})])  # nothing new
    assert store.take_changes() == NO_CHANGES
    store.set_position("a")
    assert store.take_changes() == NO_CHANGES
    assert store.remove_scans(["a"]) == 1 and store.take_changes() == Changes(queue=True)
    assert store.clear_queue() == 1 and store.take_changes() == Changes(queue=True)


def test_changes_merge_with_the_later_winning() -> None:
    old = replace(_entry(1), status=OutboxStatus.IN_FLIGHT)
    first = Changes.of(scans={"a": ScanReview(DECIDED, "approved")}, entries=[old, _entry(2)])
    later = Changes.of(scans={"a": ScanReview(SENT, "approved")}, delivered=[1], removed=[2], waits=True)
    merged = first | later
    assert merged == Changes(
        scans={"a": ScanReview(SENT, "approved")},
        delivered=frozenset({1}),
        removed=frozenset({2}),
        waits=True,
    )
    again = merged | Changes.of(entries=[_entry(2)])  # (ids are never reused; merging still orders)
    assert again.entries == {2: _entry(2)} and again.removed == frozenset()
    assert (NO_CHANGES | first) is first and (first | NO_CHANGES) is first and not NO_CHANGES


def _entry(entry_id: int):
    from reviewdesk.store import OutboxEntry

    return OutboxEntry(
        id=entry_id,
        scan_id="a",
        shortcode="approved",
        annotation_info={},
        idempotency_key=f"k{entry_id}",
        note="",
        status=OutboxStatus.PENDING,
        created_at=T0,
        not_before=T0,
        next_attempt_at=T0,
        attempts=0,
        last_error=None,
        delivered_at=None,
        route=ROUTE,
    )


async def test_async_store_write_returns_the_changes_and_run_leaves_none_behind(tmp_path: Path) -> None:
    astore = await AsyncStore.open(tmp_path / "reviewdesk.sqlite3")
    try:
        await astore.run(Store.add_scans, [Scan("a")])  # dropped, not piled up for the next call
        entry, changes = await astore.write(Store.record_decision, "a", "approved", info(), route=ROUTE)
        assert changes == Changes(scans={"a": ScanReview(DECIDED, "approved")}, entries={entry.id: entry})
        with pytest.raises(ValueError):
            await astore.write(Store.record_decision, "a", "nope", info(), route=ROUTE)
        scans, changes = await astore.write(Store.scans)
        assert [s.scan_id for s in scans] == ["a"] and changes == NO_CHANGES
        _, changes = await astore.write(Store.mark_delivered_many, [entry.id], now=time.time())
        assert changes == Changes(scans={"a": ScanReview(SENT, "approved")}, delivered=frozenset({entry.id}))
    finally:
        await astore.close()
