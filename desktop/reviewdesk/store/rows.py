"""What the store hands out (outbox entries, counts, route summaries), how its rows become them,
and the few queries every part of the store shares. The `_` names are private to `reviewdesk.store`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

from reviewdesk.domain.route import UNATTRIBUTED, Route
from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.store.errors import EntryNotFoundError


class OutboxStatus(StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    FAILED = "failed"
    DELIVERED = "delivered"


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: int
    scan_id: str
    shortcode: str
    annotation_info: dict[str, Any]
    idempotency_key: str
    note: str
    status: OutboxStatus
    created_at: float
    not_before: float  # end of the undo grace window
    next_attempt_at: float
    attempts: int
    last_error: str | None
    delivered_at: float | None
    route: Route = UNATTRIBUTED  # where it goes: its server, and whom it was made by
    unconfirmed: bool = False  # from before decisions recorded their route: waits for a confirmation
    server_wait: bool = False  # next_attempt_at is the server's Retry-After
    local: bool = False  # kept here, never sent (a Jumio or Preventor item); status is DELIVERED

    @property
    def due_at(self) -> float:
        return max(self.not_before, self.next_attempt_at)

    def held(self, now: float) -> bool:
        """Still inside its undo grace window."""
        return self.status is OutboxStatus.PENDING and self.not_before > now


@dataclass(frozen=True, slots=True)
class ImportSummary:
    added: int
    merged: int


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    pending: int = 0
    in_flight: int = 0
    failed: int = 0
    delivered: int = 0

    @property
    def queued(self) -> int:
        """Decisions still to deliver (pending or in flight)."""
        return self.pending + self.in_flight


_ENTRY_COLUMNS = (
    "id, scan_id, shortcode, annotation_info, idempotency_key, note, status, created_at, "
    "not_before, next_attempt_at, attempts, last_error, delivered_at, server, identity, unconfirmed, "
    "server_wait, local"
)
_SCAN_COLUMNS = "scan_id, facts, state, shortcode, note, error"
#: Ids per `IN (...)` list: well under SQLite's bound on host parameters (999 before 3.32).
_MAX_PARAMS = 500


def _marks(n: int) -> str:
    return ", ".join("?" * n)


# An entry may go out only when no older entry of its scan (on its server) is waiting and none
# is in flight.
# (By scan id: the planner would otherwise take the route index, every row of the server.)
_CLAIMABLE = """
    o.status = 'pending' AND NOT EXISTS (
        SELECT 1 FROM outbox p INDEXED BY outbox_by_scan
        WHERE p.scan_id = o.scan_id AND p.server = o.server AND p.id != o.id
          AND (p.status = 'in_flight' OR (p.status = 'pending' AND p.id < o.id))
    )
"""
# ... and only to its own server, with a credential of its own identity, once confirmed.
_ON_ROUTE = "o.server = ? AND o.identity = ? AND o.unconfirmed = 0"


@dataclass(frozen=True, slots=True)
class RouteSummary:
    """The undelivered decisions of one route."""

    route: Route
    pending: int = 0  # waiting or in flight
    failed: int = 0
    unconfirmed: int = 0  # of those, made before routes were recorded (waiting for a confirmation)

    @property
    def undelivered(self) -> int:
        return self.pending + self.failed


def _entry(row: Sequence[Any]) -> OutboxEntry:
    return OutboxEntry(
        id=row[0],
        scan_id=row[1],
        shortcode=row[2],
        annotation_info=json.loads(row[3]),
        idempotency_key=row[4],
        note=row[5],
        status=OutboxStatus(row[6]),
        created_at=row[7],
        not_before=row[8],
        next_attempt_at=row[9],
        attempts=row[10],
        last_error=row[11],
        delivered_at=row[12],
        route=Route(row[13], row[14]),
        unconfirmed=bool(row[15]),
        server_wait=bool(row[16]),
        local=bool(row[17]),
    )


_STATES = {s.value: s for s in ScanState}
_DECODER = json.JSONDecoder()


def _facts(text: str) -> dict[str, str]:
    return {} if text == "{}" else _DECODER.decode(text)


def _scan(row: Sequence[Any], facts: dict[str, str] | None = None) -> Scan:
    """A `_SCAN_COLUMNS` row as a Scan; `facts` when they are decoded already (see `_decode_all`)."""
    return Scan(row[0], _facts(row[1]) if facts is None else facts, _STATES[row[2]], row[3], row[4], row[5])


def _decode_all(texts: list[str]) -> list[dict[str, str]]:
    """The facts of many rows in one C call (the whole queue at start-up: ~4x faster than one
    decode per row); a row that is not a JSON object alone is read row by row, as `_scan` would."""
    try:
        decoded = _DECODER.decode("[" + ",".join(texts) + "]") if texts else []
    except ValueError:
        decoded = None
    if decoded is None or len(decoded) != len(texts) or not all(type(d) is dict for d in decoded):
        return [_facts(t) for t in texts]
    return decoded


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# The C encoder itself, made once: JSONEncoder.encode builds a new one per call, which is most of the
# cost of encoding a small dict (100,000 of them per large import). Same output, see _dumps.
_C_ENCODE = (
    c_make_encoder(None, None, encode_basestring, None, ":", ",", False, False, True)
    if c_make_encoder is not None
    else None
)


def _dumps(value: Any) -> str:
    """Compact JSON of plain data (str keys; str, int, float, bool, None, list and dict values)."""
    if _C_ENCODE is not None and type(value) is dict:
        return "".join(_C_ENCODE(value, 0))
    return _ENCODER.encode(value)


# -- queries on a connection inside a transaction, shared by the parts of the store --------


def _get_entry(c: sqlite3.Connection, entry_id: int) -> OutboxEntry | None:
    row = c.execute(f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE id = ?", (entry_id,)).fetchone()
    return _entry(row) if row else None


def _require(c: sqlite3.Connection, entry_id: int) -> OutboxEntry:
    entry = _get_entry(c, entry_id)
    if entry is None:
        raise EntryNotFoundError(f"no decision #{entry_id} in the outbox")
    return entry


def _is_newest(c: sqlite3.Connection, entry: OutboxEntry) -> bool:
    return (
        c.execute(
            "SELECT 1 FROM outbox WHERE scan_id = ? AND id > ? LIMIT 1", (entry.scan_id, entry.id)
        ).fetchone()
        is None
    )


def _sync_scan_state(c: sqlite3.Connection, scan_id: str) -> None:
    """Set a scan's state from its newest remaining entry (after an undo)."""
    row = c.execute(
        "SELECT status, shortcode, note, last_error, local FROM outbox WHERE scan_id = ? "
        "ORDER BY id DESC LIMIT 1",
        (scan_id,),
    ).fetchone()
    if row is None:
        c.execute(
            "UPDATE scans SET state = 'to_review', shortcode = NULL, error = NULL WHERE scan_id = ?",
            (scan_id,),
        )
        return
    status, shortcode, note, error, local = row
    state = "local" if local else {"delivered": "sent", "failed": "failed"}.get(status, "decided")
    c.execute(
        "UPDATE scans SET state = ?, shortcode = ?, note = ?, error = ? WHERE scan_id = ?",
        (state, shortcode, note, error if state != "sent" else None, scan_id),
    )
