"""Delivery bookkeeping: claims, what an attempt came to, waits and holds, and the routes'
confirmations and discards.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from reviewdesk.domain import shortcodes
from reviewdesk.domain.route import ADMIN, UNATTRIBUTED, Route, reviewer_identity
from reviewdesk.domain.scan import ScanState
from reviewdesk.ids import uuid4_text
from reviewdesk.store.audit import ANSWER, AuditEntry, append_audit, append_audits, reviewer_of
from reviewdesk.store.changes import Changes, ScanReview, _read_reviews
from reviewdesk.store.connection import StoreConnection, _is_busy
from reviewdesk.store.errors import StoreError, StoreLockedError
from reviewdesk.store.rows import (
    _CLAIMABLE,
    _ENTRY_COLUMNS,
    _MAX_PARAMS,
    _ON_ROUTE,
    OutboxEntry,
    OutboxStatus,
    _dumps,
    _entry,
    _get_entry,
    _is_newest,
    _marks,
    _require,
    _sync_scan_state,
)

log = logging.getLogger("reviewdesk.store")


class DeliveryStore(StoreConnection):
    """What the delivery worker and the route commands write."""

    def claim_due(
        self, now: float, limit: int, route: Route = UNATTRIBUTED, *, backoff: bool = True
    ) -> list[OutboxEntry]:
        """Mark up to `limit` due entries of `route` in flight (oldest first, one per scan) and
        return them. `backoff=False`: an entry's own next attempt time is not looked at (the
        delivery worker keeps the route's wait in memory); the undo hold always is."""
        if limit <= 0 or not route.known:
            return []
        with self._tx() as c:
            rows = c.execute(
                f"""
                SELECT {_ENTRY_COLUMNS} FROM outbox o
                WHERE {_CLAIMABLE} AND {_ON_ROUTE} AND o.not_before <= ? AND o.next_attempt_at <= ?
                ORDER BY o.id LIMIT ?
                """,
                (route.server, route.identity, now, now if backoff else math.inf, limit),
            ).fetchall()
            ids = [r[0] for r in rows]
            for start in range(0, len(ids), _MAX_PARAMS):  # not one statement per row
                chunk = ids[start : start + _MAX_PARAMS]
                c.execute(f"UPDATE outbox SET status = 'in_flight' WHERE id IN ({_marks(len(chunk))})", chunk)
        claimed = [replace(_entry(r), status=OutboxStatus.IN_FLIGHT) for r in rows]
        if claimed:
            self._note(Changes.of(entries=claimed))
        return claimed

    def mark_delivered_many(self, entry_ids: Iterable[int], *, now: float | None = None) -> None:
        """Mark several entries delivered in ONE transaction (one commit, one fsync): the delivery
        worker's group commit. Each scan whose newest entry is among them goes SENT; ids no longer
        in the outbox are skipped. The audit trail's `answer` record of each goes in the same
        transaction (with a transaction of its own, every group paid a second fsync: the drain's
        request slots wait for this commit; docs/PERFORMANCE.md).

        The updates run as one script of statements with no Python in between: on the store
        thread, every statement gives up the GIL and has to win it back from a busy GUI thread (up
        to the 5 ms switch interval each time), so the statement count, not SQLite, sets how long
        the delivery workers wait for it. The audit records (their hash chain is made in Python)
        and the commit follow; one more statement, after the commit, reads the scans that went
        SENT for the changes it notes.
        """
        ids = [int(i) for i in dict.fromkeys(entry_ids)]
        if not ids:
            return
        at = float(time.time() if now is None else now)
        statements = ["BEGIN IMMEDIATE"]
        for start in range(0, len(ids), _MAX_PARAMS):
            listed = ", ".join(map(str, ids[start : start + _MAX_PARAMS]))
            statements += [
                f"""
                UPDATE scans SET state = 'sent', error = NULL, (shortcode, note) = (
                    SELECT o.shortcode, o.note FROM outbox o
                    WHERE o.id IN ({listed}) AND o.scan_id = scans.scan_id ORDER BY o.id DESC LIMIT 1
                )
                WHERE scan_id IN (
                    SELECT o.scan_id FROM outbox o WHERE o.id IN ({listed})
                      AND NOT EXISTS (SELECT 1 FROM outbox n WHERE n.scan_id = o.scan_id AND n.id > o.id)
                )
                """,
                f"UPDATE outbox SET status = 'delivered', delivered_at = {at!r}, last_error = NULL "
                f"WHERE id IN ({listed})",
            ]
        conn = self._db
        try:
            conn.executescript(";\n".join(statements) + ";")  # (the transaction stays open)
            self._audit_answers(conn, ids, at)
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if _is_busy(exc):
                raise StoreLockedError(
                    "ReviewDesk seems to be running already: the database is busy in another program"
                ) from None
            raise self._write_error(exc) from None
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if self.keep_changes:  # (the read of the scans costs a statement: only when kept)
            self._note(Changes.of(scans=self._sent_scans(ids), delivered=ids))

    def _sent_scans(self, ids: list[int]) -> dict[str, ScanReview]:
        """The scans whose newest decision is among `ids` (delivered: they are SENT), as they are now."""
        found: dict[str, ScanReview] = {}
        for start in range(0, len(ids), _MAX_PARAMS):
            listed = ", ".join(map(str, ids[start : start + _MAX_PARAMS]))
            rows = self._db.execute(
                f"""
                SELECT s.scan_id, s.state, s.shortcode, s.note, s.error FROM scans s
                WHERE s.scan_id IN (
                    SELECT o.scan_id FROM outbox o WHERE o.id IN ({listed})
                      AND NOT EXISTS (SELECT 1 FROM outbox n WHERE n.scan_id = o.scan_id AND n.id > o.id)
                )
                """
            )
            for scan_id, state, shortcode, note, error in rows:
                found[scan_id] = ScanReview(ScanState(state), shortcode, note, error)
        return found

    def _audit_answers(self, c: sqlite3.Connection, ids: list[int], at: float) -> None:
        """The server's answer in the audit trail: one `answer` record per delivered decision, in
        the transaction `c` has open (the group commit's), appended in one statement."""
        entries: list[AuditEntry] = []
        for start in range(0, len(ids), _MAX_PARAMS):
            chunk = ids[start : start + _MAX_PARAMS]
            rows = c.execute(
                f"SELECT id, scan_id, identity, shortcode, idempotency_key FROM outbox "
                f"WHERE id IN ({_marks(len(chunk))}) AND status = 'delivered' ORDER BY id",
                chunk,
            ).fetchall()
            entries += [
                AuditEntry(
                    ANSWER,
                    at,
                    reviewer_of(identity),
                    scan_id,
                    {"shortcode": shortcode, "outbox": entry_id, "key": key, "answer": "delivered"},
                )
                for entry_id, scan_id, identity, shortcode, key in rows
            ]
        append_audits(c, entries)

    def mark_delivered(self, entry_id: int, *, now: float | None = None) -> None:
        """One entry delivered: `mark_delivered_many` of one, but an unknown id is an error."""
        _require(self._db, entry_id)
        self.mark_delivered_many([entry_id], now=now)

    def mark_retry(
        self, entry_id: int, error: str, next_attempt_at: float, *, server_wait: bool = False
    ) -> None:
        """Back to pending after a failed attempt that may succeed later (counts as an attempt).
        `server_wait`: the time is the server's Retry-After ("send now" keeps it)."""
        with self._tx() as c:
            entry = _require(c, entry_id)
            c.execute(
                "UPDATE outbox SET status = 'pending', attempts = attempts + 1, last_error = ?, "
                "next_attempt_at = ?, server_wait = ? WHERE id = ?",
                (error, next_attempt_at, int(server_wait), entry_id),
            )
            reviews = {}
            if _is_newest(c, entry):
                c.execute("UPDATE scans SET error = ? WHERE scan_id = ?", (error, entry.scan_id))
                reviews = _read_reviews(c, [entry.scan_id])
        waiting = replace(
            entry,
            status=OutboxStatus.PENDING,
            attempts=entry.attempts + 1,
            last_error=error,
            next_attempt_at=next_attempt_at,
            server_wait=server_wait,
        )
        self._note(Changes.of(scans=reviews, entries=[waiting]))

    def requeue(self, entry_id: int, error: str | None = None) -> None:
        """Back to pending without counting an attempt (delivery paused, or stopped mid-send)."""
        with self._tx() as c:
            entry = _require(c, entry_id)
            if entry.status is not OutboxStatus.IN_FLIGHT:
                return
            c.execute(
                "UPDATE outbox SET status = 'pending', last_error = coalesce(?, last_error) WHERE id = ?",
                (error, entry_id),
            )
            reviews = {}
            if error and _is_newest(c, entry):
                c.execute("UPDATE scans SET error = ? WHERE scan_id = ?", (error, entry.scan_id))
                reviews = _read_reviews(c, [entry.scan_id])
        waiting = replace(entry, status=OutboxStatus.PENDING, last_error=error or entry.last_error)
        self._note(Changes.of(scans=reviews, entries=[waiting]))

    def mark_failed(self, entry_id: int, error: str) -> None:
        """Refused for good (400): the scan goes FAILED with the server's message; editable.

        If a newer decision for the scan was made meanwhile, that one stands: this entry is dropped.
        """
        with self._tx() as c:
            entry = _require(c, entry_id)
            if not _is_newest(c, entry):
                log.warning("a superseded decision for scan %s was refused: %s", entry.scan_id, error)
                c.execute("DELETE FROM outbox WHERE id = ?", (entry_id,))
                self._note(Changes.of(removed=[entry_id]))
                return
            c.execute(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error, entry_id),
            )
            append_audit(
                c,
                ANSWER,
                now=time.time(),
                reviewer=reviewer_of(entry.route.identity),
                item_key=entry.scan_id,
                detail={
                    "shortcode": entry.shortcode,
                    "outbox": entry.id,
                    "key": entry.idempotency_key,
                    "answer": "refused",
                    "message": error,
                },
            )
            c.execute(
                "UPDATE scans SET state = 'failed', error = ? WHERE scan_id = ?", (error, entry.scan_id)
            )
            reviews = _read_reviews(c, [entry.scan_id])
        failed = replace(entry, status=OutboxStatus.FAILED, attempts=entry.attempts + 1, last_error=error)
        self._note(Changes.of(scans=reviews, entries=[failed]))

    def resend(
        self,
        entry_id: int,
        shortcode: str | None = None,
        annotation_info: Mapping[str, Any] | None = None,
        *,
        note: str | None = None,
        now: float | None = None,
    ) -> OutboxEntry:
        """Send a failed (or waiting) decision again, maybe edited.

        An edit (new shortcode or annotation_info) gets a new idempotency key unless the new
        annotation_info brings its own: it is a different decision.
        """
        if shortcode is not None:
            shortcodes.get(shortcode)
        now = time.time() if now is None else now
        with self._tx() as c:
            entry = _require(c, entry_id)
            if entry.status not in (OutboxStatus.FAILED, OutboxStatus.PENDING):
                raise StoreError(
                    f"the decision for scan {entry.scan_id} is {entry.status.value.replace('_', ' ')}; "
                    "only a failed or waiting decision can be sent again"
                )
            new_code = shortcode if shortcode is not None else entry.shortcode
            info = dict(annotation_info) if annotation_info is not None else dict(entry.annotation_info)
            edited = new_code != entry.shortcode or (
                annotation_info is not None and dict(annotation_info) != entry.annotation_info
            )
            key = info.get("idempotencyKey")
            if not isinstance(key, str) or not key or (edited and key == entry.idempotency_key):
                key = info["idempotencyKey"] = uuid4_text() if edited else entry.idempotency_key
            new_note = entry.note if note is None else note
            c.execute(
                """
                UPDATE outbox SET status = 'pending', shortcode = ?, annotation_info = ?,
                    idempotency_key = ?, note = ?, attempts = 0, last_error = NULL,
                    not_before = min(not_before, ?), next_attempt_at = ?
                WHERE id = ?
                """,
                (new_code, _dumps(info), key, new_note, now, now, entry_id),
            )
            c.execute(
                "UPDATE scans SET state = 'decided', shortcode = ?, note = ?, error = NULL WHERE scan_id = ?",
                (new_code, new_note, entry.scan_id),
            )
            result = _get_entry(c, entry_id)
            reviews = _read_reviews(c, [entry.scan_id])
        assert result is not None
        self._note(Changes.of(scans=reviews, entries=[result]))
        return result

    def requeue_many(self, entry_ids: Iterable[int]) -> int:
        """Put claimed entries that were never sent back to pending (one transaction; no attempt
        counted, the error kept). Entries no longer in flight are left alone. Returns how many."""
        ids = list(dict.fromkeys(entry_ids))
        back: list[OutboxEntry] = []
        with self._tx() as c:
            for start in range(0, len(ids), _MAX_PARAMS):
                chunk = ids[start : start + _MAX_PARAMS]
                rows = c.execute(
                    f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE status = 'in_flight' "
                    f"AND id IN ({_marks(len(chunk))})",
                    chunk,
                ).fetchall()
                c.execute(
                    f"UPDATE outbox SET status = 'pending' WHERE status = 'in_flight' "
                    f"AND id IN ({_marks(len(chunk))})",
                    chunk,
                )
                back += [replace(_entry(r), status=OutboxStatus.PENDING) for r in rows]
        if back:
            self._note(Changes.of(entries=back))
        return len(back)

    def release_inflight(self) -> int:
        """At start-up: entries left in flight by a crash go back to pending (they may arrive twice)."""
        with self._tx() as c:
            rows = c.execute(f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE status = 'in_flight'").fetchall()
            c.execute("UPDATE outbox SET status = 'pending' WHERE status = 'in_flight'")
        if rows:
            self._note(Changes.of(entries=[replace(_entry(r), status=OutboxStatus.PENDING) for r in rows]))
        return len(rows)

    def end_holds(self, now: float) -> int:
        """At the window's start-up: the undo window of a previous run is over, so held entries
        become due now (nobody can undo them any more)."""
        with self._tx() as c:
            n = int(
                c.execute(
                    "UPDATE outbox SET not_before = ? WHERE status = 'pending' AND not_before > ?",
                    (now, now),
                ).rowcount
            )
        return self._waits_changed(n)

    def _waits_changed(self, n: int) -> int:
        """A write that changed `n` waiting times (maybe a whole backlog): noted as a flag."""
        if n:
            self._note(Changes(waits=True))
        return n

    def reset_backoff(self, now: float) -> int:
        """Make every waiting entry due now (an explicit "sync now"), except where the server
        itself asked to wait (Retry-After); the undo hold still counts."""
        with self._tx() as c:
            n = int(
                c.execute(
                    "UPDATE outbox SET next_attempt_at = ? WHERE status = 'pending' AND next_attempt_at > ? "
                    "AND server_wait = 0",
                    (now, now),
                ).rowcount
            )
        return self._waits_changed(n)

    def pull_back(self, now: float, horizon: float, hold_horizon: float) -> int:
        """Times further ahead than any wait ReviewDesk makes come back to now: after the clock
        was set back, a decision must not wait for the old clock to come round again."""
        with self._tx() as c:
            n = c.execute(
                "UPDATE outbox SET next_attempt_at = ?, server_wait = 0 "
                "WHERE status = 'pending' AND next_attempt_at > ?",
                (now, now + horizon),
            ).rowcount
            n += c.execute(
                "UPDATE outbox SET not_before = ? WHERE status = 'pending' AND not_before > ?",
                (now, now + hold_horizon),
            ).rowcount
        return self._waits_changed(int(n))

    def server_wait_until(self, route: Route, now: float) -> float | None:
        """The latest Retry-After still in force for `route`'s waiting decisions, or None."""
        row = self._db.execute(
            "SELECT max(next_attempt_at) FROM outbox o WHERE o.status = 'pending' AND o.server_wait = 1 "
            f"AND o.next_attempt_at > ? AND {_ON_ROUTE}",
            (now, route.server, route.identity),
        ).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    # -- routes ----------------------------------------------------------------------------

    def attribute_unknown(self, server: str, admin: bool = False) -> int:
        """Decisions from before routes were recorded: attributed to `server` (the one the window
        remembers) and to the reviewer their annotationInfo names (or the admin), still marked
        unconfirmed: they wait until the reviewer confirms (`confirm`)."""
        with self._tx() as c:
            rows = c.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE server = '' AND status != 'delivered'"
            ).fetchall()
            for row in rows:
                entry = _entry(row)
                name = entry.annotation_info.get("reviewer")
                identity = (
                    ADMIN if admin or not isinstance(name, str) or not name else reviewer_identity(name)
                )
                c.execute(
                    "UPDATE outbox SET server = ?, identity = ?, unconfirmed = 1 WHERE id = ?",
                    (server, identity, entry.id),
                )
        if rows:
            self._note(Changes(routes=True))
        return len(rows)

    def confirm(self, route: Route | None = None, *, adopt: Route | None = None) -> int:
        """The reviewer confirmed where these unconfirmed decisions go (all, or `route`'s).
        `adopt`: decisions made while signed out (no identity) of `adopt`'s server go to it too."""
        where, params = (
            ("", [])
            if route is None
            else (" AND server = ? AND identity = ?", [route.server, route.identity])
        )
        with self._tx() as c:
            n = c.execute(f"UPDATE outbox SET unconfirmed = 0 WHERE unconfirmed = 1{where}", params).rowcount
            if adopt is not None and adopt.known:
                n += c.execute(
                    "UPDATE outbox SET identity = ?, unconfirmed = 0 WHERE identity = '' "
                    "AND server IN ('', ?) AND status IN ('pending', 'failed')",
                    (adopt.identity, adopt.server),
                ).rowcount
                c.execute(
                    "UPDATE outbox SET server = ? WHERE server = '' AND identity = ? "
                    "AND status IN ('pending', 'failed')",
                    (adopt.server, adopt.identity),
                )
        if n:
            self._note(Changes(routes=True))
        return int(n)

    def discard(self, route: Route) -> list[OutboxEntry]:
        """Delete the undelivered decisions of `route` (not those in flight); returns them."""
        with self._tx() as c:
            rows = c.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE server = ? AND identity = ? "
                "AND status IN ('pending', 'failed') ORDER BY id",
                (route.server, route.identity),
            ).fetchall()
            entries = [_entry(r) for r in rows]
            for entry in entries:
                c.execute("DELETE FROM outbox WHERE id = ?", (entry.id,))
            scan_ids = list(dict.fromkeys(e.scan_id for e in entries))
            for scan_id in scan_ids:
                _sync_scan_state(c, scan_id)
            reviews = _read_reviews(c, scan_ids)
        if entries:
            self._note(Changes.of(scans=reviews, removed=[e.id for e in entries], routes=True))
        return entries
