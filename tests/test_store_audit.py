"""The audit trail (store/audit.py): what each action records, the hash chain, and
`reviewdesk audit verify` finding an edited, a deleted and a reordered record."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from reviewdesk.domain.route import Route, reviewer_identity
from reviewdesk.errors import EXIT_TAMPERED
from reviewdesk.sources.base import ItemKey
from reviewdesk.store import Store
from reviewdesk.store.audit import GENESIS, PREFIXED_SOURCES, record_hash, source_of
from support.process import run_cli as run

ROUTE = Route("https://api.example.com", reviewer_identity("ana"))


def _decide(store: Store, scan_id: str, code: str = "approved", **kw) -> int:
    info = {"reviewer": "ana", "secondsOnScan": 4.2, "cardFacts": {"bin": "411111", "last4": "1234"}}
    return store.record_decision(scan_id, code, info, route=ROUTE, **kw).id


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / "data" / "reviewdesk.sqlite3")
    yield s
    s.close()


def test_decisions_undo_and_answers_are_recorded_in_a_chain(store: Store) -> None:
    first = _decide(store, "s1", shown={"image": True, "zoom": 1.5, "crop": "tight"}, now=1_700_000_000.0)
    second = _decide(store, "s1", "denied_bin_mismatch", note="BIN 4111 vs 5500")
    third = _decide(store, "jumio:ref-9", "approved")
    store.undo_decision(third)
    store.mark_delivered(second)  # the server's answer
    records = store.audit_records()
    assert [r.action for r in records] == ["decision", "re-decision", "decision", "undo", "answer"]
    one = records[0]
    assert (one.seq, one.reviewer, one.source, one.item) == (1, "ana", "dyneti", "s1")
    assert one.at == "2023-11-14T22:13:20.000Z"
    assert one.detail["seconds"] == 4.2 and one.detail["facts"] == {"bin": "411111", "last4": "1234"}
    assert one.detail["shown"] == {"image": True, "zoom": 1.5, "crop": "tight"}
    assert one.detail["shortcode"] == "approved" and one.detail["server"] == ROUTE.server
    assert records[1].detail["note"] == "BIN 4111 vs 5500"
    assert (records[2].source, records[2].item) == ("jumio", "ref-9")
    assert records[3].detail["outbox"] == third
    assert records[4].detail["answer"] == "delivered" and records[4].detail["outbox"] == second
    assert first != second
    prev = GENESIS
    for r in records:
        assert r.prev_hash == prev and r.hash == record_hash(prev, r.content())
        prev = r.hash
    assert store.verify_audit().ok and store.verify_audit().count == 5


def test_a_group_of_deliveries_and_their_answers_are_one_commit(store: Store) -> None:
    # The delivery worker's request slots wait for this commit (docs/PERFORMANCE.md): its answers
    # go in the same transaction, so a group costs one fsync, not two.
    ids = [_decide(store, f"g{i}", hold_seconds=0.0) for i in range(3)]
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    try:
        store.mark_delivered_many(ids)
    finally:
        store._db.set_trace_callback(None)
    assert sum(1 for s in statements if s.strip().upper().startswith("COMMIT")) == 1
    answers = [r for r in store.audit_records() if r.action == "answer"]
    assert [r.detail["outbox"] for r in answers] == ids
    assert store.verify_audit().ok and store.verify_audit().count == 6


def test_deliveries_whose_answers_cannot_be_written_stay_undelivered(store: Store, monkeypatch) -> None:
    import reviewdesk.store.delivery as delivery

    ids = [_decide(store, f"h{i}", hold_seconds=0.0) for i in range(2)]

    def broken(c, entries):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(delivery, "append_audits", broken)
    with pytest.raises(Exception, match="I/O|disk"):
        store.mark_delivered_many(ids)
    monkeypatch.undo()
    assert {e.id: e.status.value for e in store.pending_entries()} == {ids[0]: "pending", ids[1]: "pending"}
    assert [r.action for r in store.audit_records()] == ["decision", "decision"]
    store.mark_delivered_many(ids)  # and a later try goes through
    assert [r.action for r in store.audit_records()][-2:] == ["answer", "answer"]


def test_a_refusal_is_recorded_with_the_servers_message(store: Store) -> None:
    entry = _decide(store, "s2")
    store.mark_failed(entry, "400: scan s2 is not reviewable")
    answer = store.audit_records()[-1]
    assert answer.action == "answer"
    assert (
        answer.detail["answer"] == "refused" and answer.detail["message"] == "400: scan s2 is not reviewable"
    )


def test_a_decision_that_is_not_committed_leaves_no_record(store: Store) -> None:
    with pytest.raises(ValueError):
        store.record_decision("s1", "not-a-code", {}, route=ROUTE)
    _decide(store, "s1")
    info = {"idempotencyKey": "k-1"}
    store.record_decision("s3", "approved", info, route=ROUTE)
    store.record_decision("s3", "approved", info, route=ROUTE)  # the same key again: no new record
    assert [r.item for r in store.audit_records()] == ["s1", "s3"]


def test_the_source_rule_is_the_item_keys() -> None:
    for key in ("s1", "jumio:ref", "preventor:t-1", "dyneti:x", "other:y", "jumio:", ":a", "a:b:c"):
        parsed = ItemKey.parse(key, PREFIXED_SOURCES)
        assert source_of(key) == (parsed.source, parsed.item_id)


def _tamper(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db)
    with conn:
        for sql in statements:
            conn.execute(sql)
    conn.close()


@pytest.fixture
def logged(tmp_path: Path) -> tuple[dict[str, str], Path]:
    data = tmp_path / "data"
    with Store(data / "reviewdesk.sqlite3") as s:
        for i in range(1, 6):
            _decide(s, f"scan-{i}", note=f"note {i}")
    return {"REVIEWDESK_DATA_DIR": str(data)}, data / "reviewdesk.sqlite3"


def test_verify_passes_an_intact_trail(logged) -> None:
    env, _ = logged
    result = run("audit", "verify", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "the audit trail is intact: 5 record(s)"


@pytest.mark.parametrize(
    ("statements", "broken"),
    [
        # an edited record: another shortcode written into record 3
        (["UPDATE audit SET detail = replace(detail, 'approved', 'denied_other') WHERE seq = 3"], 3),
        # an edited reviewer
        (["UPDATE audit SET reviewer = 'bob' WHERE seq = 2"], 2),
        # a deleted record: 4 is gone, 5 no longer follows 3
        (["DELETE FROM audit WHERE seq = 4"], 5),
        # the first record deleted
        (["DELETE FROM audit WHERE seq = 1"], 2),
        # reordered: records 2 and 3 swap places (their seq numbers swapped)
        (
            [
                "UPDATE audit SET seq = 100 WHERE seq = 2",
                "UPDATE audit SET seq = 2 WHERE seq = 3",
                "UPDATE audit SET seq = 3 WHERE seq = 100",
            ],
            2,
        ),
    ],
    ids=["edited-detail", "edited-reviewer", "deleted", "deleted-first", "reordered"],
)
def test_verify_names_the_first_broken_record(logged, statements: list[str], broken: int) -> None:
    env, db = logged
    _tamper(db, *statements)
    result = run("audit", "verify", env=env)
    assert result.returncode == EXIT_TAMPERED
    assert f"the audit trail is broken at record {broken}:" in result.stderr
    assert result.stdout == ""


def test_a_recomputed_hash_still_breaks_the_next_record(logged) -> None:
    """Someone who edits a record and recomputes its hash breaks the link to the next one."""
    env, db = logged
    conn = sqlite3.connect(db)
    seq, at, reviewer, action, source, item, detail, prev = conn.execute(
        "SELECT seq, at, reviewer, action, source, item, detail, prev_hash FROM audit WHERE seq = 2"
    ).fetchone()
    content = {
        "seq": seq,
        "at": at,
        "reviewer": "mallory",
        "action": action,
        "source": source,
        "item": item,
        "detail": json.loads(detail),
    }
    with conn:
        conn.execute(
            "UPDATE audit SET reviewer = 'mallory', hash = ? WHERE seq = 2", (record_hash(prev, content),)
        )
    conn.close()
    result = run("audit", "verify", env=env)
    assert result.returncode == EXIT_TAMPERED and "broken at record 3:" in result.stderr


def test_seconds_the_log_cannot_hold_do_not_stop_the_decision(store: Store) -> None:
    """A recovered annotationInfo may hold NaN (Python's json reads it): the decision is made and
    its record has no seconds."""
    store.record_decision("s9", "approved", {"secondsOnScan": float("nan")}, route=ROUTE)
    (record,) = store.audit_records()
    assert record.detail["seconds"] is None and store.verify_audit().ok


def test_a_dropped_audit_table_is_reported_not_a_traceback(logged) -> None:
    env, db = logged
    _tamper(db, "DROP TABLE audit")
    result = run("audit", "verify", env=env)
    assert result.returncode == EXIT_TAMPERED and "Traceback" not in result.stderr
    assert "the audit trail is broken: the audit table cannot be read" in result.stderr
