"""The audit trail: an append-only, hash-chained log of what the reviewer did (docs/AUDIT.md).

Each record is one row of the `audit` table: `seq` (1, 2, 3, … without a gap), the UTC time, the
reviewer, the action, the item's source and id, and `detail` (a canonical JSON object: what was
shown, seconds on the item, the server's answer, …). `hash` is the SHA-256 of `prev_hash` followed
by the canonical JSON of the record's content (seq, at, reviewer, action, source, item, detail);
`prev_hash` is the previous record's `hash` (64 zeros for the first). Editing, deleting or
reordering a record breaks the chain at that record, which `verify_audit` names.

Records are written inside the transaction of the change they record (`append_audit` takes the
open connection), so a decision and its record are committed together or not at all. Never a
secret or an image: the callers pass names, ids, counts and the reviewer's own text only.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from reviewdesk.store.connection import StoreConnection

GENESIS = "0" * 64

# Actions (docs/AUDIT.md).
DECISION = "decision"
REDECISION = "re-decision"
UNDO = "undo"
ANSWER = "answer"  # what the server answered to a decision (delivered, or refused with its message)
SIGN_IN = "sign-in"
SIGN_OUT = "sign-out"
EXPORT = "export"
RECOVERY = "recovery"
IMPORT = "import"
DECISION_ACTIONS = (DECISION, REDECISION)

#: The sources whose item keys carry a prefix ("jumio:REF"); anything else is a Dyneti scan. The
#: same rule as `sources/base.ItemKey.parse` (the store sits below `sources`, so it keeps its own
#: copy; tests/test_store_audit.py checks that both agree).
PREFIXED_SOURCES = ("jumio", "preventor")
DEFAULT_SOURCE = "dyneti"


def source_of(item_key: str) -> tuple[str, str]:
    """(source, item id) of an item key: "jumio:abc" -> ("jumio", "abc"); "s1" -> ("dyneti", "s1")."""
    head, sep, rest = item_key.partition(":")
    if sep and rest and head in PREFIXED_SOURCES:
        return head, rest
    return DEFAULT_SOURCE, item_key


def canonical(value: Any) -> str:
    """The one JSON text of `value` that is hashed: keys sorted, no spaces, UTF-8 as is."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=str
    )


def utc_iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def reviewer_of(identity: str) -> str:
    """The reviewer as the audit log names them: "ana" for "reviewer:ana", "admin", or ""."""
    return identity.removeprefix("reviewer:")


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    at: str  # UTC, ISO 8601 with milliseconds and a Z
    reviewer: str
    action: str
    source: str
    item: str
    detail: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS
    hash: str = ""

    def content(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "reviewer": self.reviewer,
            "action": self.action,
            "source": self.source,
            "item": self.item,
            "detail": self.detail,
        }


def record_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(content)).encode("utf-8")).hexdigest()


_COLUMNS = "seq, at, reviewer, action, source, item, detail, prev_hash, hash"


def append_audit(
    c: sqlite3.Connection,
    action: str,
    *,
    now: float,
    reviewer: str = "",
    item_key: str = "",
    detail: Mapping[str, Any] | None = None,
) -> AuditRecord:
    """Append one record, inside the caller's open transaction (`c`)."""
    return append_audits(c, [AuditEntry(action, now, reviewer, item_key, detail)])[0]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What `append_audits` appends: the fields of `append_audit`'s call."""

    action: str
    now: float
    reviewer: str = ""
    item_key: str = ""
    detail: Mapping[str, Any] | None = None


def append_audits(c: sqlite3.Connection, entries: Sequence[AuditEntry]) -> list[AuditRecord]:
    """Append records in order, inside the caller's open transaction (`c`): the chain's end read
    once and one INSERT for all (the delivery worker's group commit: every statement on the
    store's thread waits for the GIL). Returns the records as written."""
    if not entries:
        return []
    last = c.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (0, GENESIS) if last is None else (int(last[0]), str(last[1]))
    records = []
    for entry in entries:
        seq += 1
        source, item = source_of(entry.item_key) if entry.item_key else ("", "")
        at, detail = utc_iso(entry.now), dict(entry.detail or {})
        content = AuditRecord(seq, at, entry.reviewer, entry.action, source, item, detail, prev).content()
        digest = record_hash(prev, content)
        records.append(AuditRecord(seq, at, entry.reviewer, entry.action, source, item, detail, prev, digest))
        prev = digest
    c.executemany(
        f"INSERT INTO audit ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (r.seq, r.at, r.reviewer, r.action, r.source, r.item, canonical(r.detail), r.prev_hash, r.hash)
            for r in records
        ],
    )
    return records


def _record(row: tuple[Any, ...]) -> AuditRecord:
    seq, at, reviewer, action, source, item, detail, prev_hash, digest = row
    try:
        parsed = json.loads(detail)
    except (TypeError, ValueError):
        parsed = {"unreadable": str(detail)}
    if not isinstance(parsed, dict):
        parsed = {"unreadable": str(detail)}
    return AuditRecord(seq, at, reviewer, action, source, item, parsed, prev_hash, digest)


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """What `verify_audit` found: `count` records read; `broken_at` the seq (or row position) of the
    first record that does not fit, with `reason`; None when the chain is whole."""

    count: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def check_chain(rows: Iterator[tuple[Any, ...]]) -> ChainCheck:
    """Walk the records in their stored order (by rowid) and check seq, prev_hash and hash."""
    prev = GENESIS
    count = 0
    for row in rows:
        count += 1
        seq, at, reviewer, action, source, item, detail, prev_hash, digest = row
        if seq != count:
            return ChainCheck(count - 1, seq, f"it is number {count} in the log but says {seq}")
        if prev_hash != prev:
            return ChainCheck(
                count - 1,
                seq,
                "it does not follow the record before it (a record before it was deleted, moved or changed)",
            )
        try:
            detail_value = json.loads(detail)
        except (TypeError, ValueError):
            return ChainCheck(count - 1, seq, "its detail is not JSON (it was edited)")
        content = AuditRecord(seq, at, reviewer, action, source, item, detail_value).content()
        if record_hash(prev_hash, content) != digest:
            return ChainCheck(count - 1, seq, "its content does not match its hash (it was edited)")
        prev = digest
    return ChainCheck(count)


class AuditStore(StoreConnection):
    """Reading and appending the audit trail."""

    def audit(
        self,
        action: str,
        *,
        now: float,
        reviewer: str = "",
        item_key: str = "",
        detail: Mapping[str, Any] | None = None,
    ) -> AuditRecord:
        """Append one record in a transaction of its own (sign-in, export, import, …)."""
        with self._tx() as c:
            return append_audit(c, action, now=now, reviewer=reviewer, item_key=item_key, detail=detail)

    def audit_records(self, *, since: str | None = None, until: str | None = None) -> list[AuditRecord]:
        """The records in order; `since`/`until` compare with `at` (ISO text: "2026-11-29" works)."""
        return list(self.iter_audit(since=since, until=until))

    def iter_audit(self, *, since: str | None = None, until: str | None = None) -> Iterator[AuditRecord]:
        """The records one by one (statistics over a long log), in order."""
        clauses, args = [], []
        if since:
            clauses.append("at >= ?")
            args.append(since)
        if until:
            clauses.append("at < ?")
            args.append(until)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        for row in self._db.execute(f"SELECT {_COLUMNS} FROM audit {where} ORDER BY seq", args):
            yield _record(row)

    def verify_audit(self) -> ChainCheck:
        try:
            cur = self._db.execute(f"SELECT {_COLUMNS} FROM audit ORDER BY rowid")
            return check_chain(iter(cur))
        except sqlite3.DatabaseError as exc:  # the table dropped or altered by hand
            return ChainCheck(0, 0, f"the audit table cannot be read ({exc})")
