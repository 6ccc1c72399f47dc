"""Recording a decision in the outbox (the acknowledgement), and taking one back."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from typing import Any

from reviewdesk.domain import shortcodes
from reviewdesk.domain.route import UNATTRIBUTED, Route
from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.domain.scan_id import InvalidScanId, validate_scan_id
from reviewdesk.ids import uuid4_text
from reviewdesk.store.audit import DECISION, REDECISION, UNDO, append_audit, reviewer_of
from reviewdesk.store.changes import Changes, ScanReview
from reviewdesk.store.connection import StoreConnection
from reviewdesk.store.errors import StoreWriteError, UndoError
from reviewdesk.store.rows import (
    _ENTRY_COLUMNS,
    _SCAN_COLUMNS,
    OutboxEntry,
    OutboxStatus,
    _dumps,
    _entry,
    _get_entry,
    _marks,
    _scan,
    _sync_scan_state,
)


class RecordingStore(StoreConnection):
    """Decisions into the outbox, and undo."""

    def record_decision(
        self,
        scan_id: str,
        shortcode: str,
        annotation_info: Mapping[str, Any],
        *,
        note: str = "",
        hold_seconds: float = 0.0,
        now: float | None = None,
        route: Route = UNATTRIBUTED,
        local: bool = False,
        shown: Mapping[str, Any] | None = None,
    ) -> OutboxEntry:
        """Commit a decision to the outbox (one transaction); returning is the acknowledgement.

        The same transaction appends its audit record (store/audit.py): a `decision`, or a
        `re-decision` when the item was decided before; `shown` is what the reviewer saw (image
        shown or not, zoom, crop), beside the facts and the seconds on the item from `annotation_info`.

        `route`: the server and identity it was made under; it is delivered there only. A new
        decision replaces an undelivered one of the same scan on the same route only.
        Recording the same idempotency key again is a no-op that returns the stored entry.

        `local`: an item of a source with no feedback endpoint (Jumio, Preventor; the caller has
        checked `shortcode` against that source's decisions). It is kept here and never sent: stored
        as delivered, with no route, it replaces the item's earlier local decision, and the item
        goes LOCAL (docs/JUMIO.md, "Decisions").
        """
        try:
            validate_scan_id(scan_id)
        except InvalidScanId as exc:
            raise ValueError(f"invalid scan id: {exc}") from None
        if local:
            check_local_code(shortcode)
            route, hold_seconds = UNATTRIBUTED, 0.0
        else:
            shortcodes.get(shortcode)  # UnknownShortcode (a ValueError) lists the valid ones
        info = dict(annotation_info)
        key = info.get("idempotencyKey")
        if not isinstance(key, str) or not key:
            key = info["idempotencyKey"] = uuid4_text()
        info_text = _dumps(info)
        now = time.time() if now is None else now
        not_before = now + max(0.0, hold_seconds)
        try:
            inserted = self._insert_decision(
                scan_id,
                shortcode,
                info_text,
                key,
                note,
                now,
                not_before,
                route,
                _audit_detail(info, shown, note),
                local,
            )
        except StoreWriteError as exc:
            raise StoreWriteError(
                f"could not record the decision {shortcode} for scan {scan_id}: {exc}"
            ) from None
        if isinstance(inserted, OutboxEntry):
            return inserted  # recorded before: nothing changed
        entry_id, superseded = inserted
        entry = OutboxEntry(
            id=entry_id,
            scan_id=scan_id,
            shortcode=shortcode,
            annotation_info=info,
            idempotency_key=key,
            note=note,
            status=OutboxStatus.DELIVERED if local else OutboxStatus.PENDING,
            created_at=now,
            not_before=not_before,
            next_attempt_at=now,
            attempts=0,
            last_error=None,
            delivered_at=None,
            route=route,
            local=local,
        )
        review = ScanReview(ScanState.LOCAL if local else ScanState.DECIDED, shortcode, note, None)
        self._note(Changes.of(scans={scan_id: review}, entries=[entry], removed=superseded))
        return entry

    def _insert_decision(
        self,
        scan_id: str,
        shortcode: str,
        info_text: str,
        key: str,
        note: str,
        now: float,
        not_before: float,
        route: Route,
        audit_detail: dict[str, Any],
        local: bool = False,
    ) -> tuple[int, list[int]] | OutboxEntry:
        """The outbox row's id and the ids of the decisions it superseded, or the entry already
        stored under that idempotency key."""
        with self._tx() as c:
            row = c.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE idempotency_key = ?", (key,)
            ).fetchone()
            if row is not None:
                return _entry(row)
            before = c.execute("SELECT state FROM scans WHERE scan_id = ?", (scan_id,)).fetchone()
            redecided = before is not None and before[0] in ("decided", "sent", "failed", "local")
            if local:  # the item's earlier local decision is replaced, as an unsent one would be
                superseded = [
                    r[0]
                    for r in c.execute(
                        "SELECT id FROM outbox INDEXED BY outbox_by_scan WHERE scan_id = ? AND local = 1",
                        (scan_id,),
                    )
                ]
            else:
                superseded = [
                    r[0]
                    for r in c.execute(
                        "SELECT id FROM outbox INDEXED BY outbox_by_scan WHERE scan_id = ? AND server = ? "
                        "AND identity = ? AND status IN ('pending', 'failed')",
                        (scan_id, route.server, route.identity),
                    )
                ]
            if superseded:
                c.execute(f"DELETE FROM outbox WHERE id IN ({_marks(len(superseded))})", superseded)
            cur = c.execute(
                """
                INSERT INTO outbox (scan_id, shortcode, annotation_info, idempotency_key, note, status,
                                    created_at, not_before, next_attempt_at, server, identity, local)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    scan_id,
                    shortcode,
                    info_text,
                    key,
                    note,
                    "delivered" if local else "pending",
                    now,
                    not_before,
                    now,
                    route.server,
                    route.identity,
                    int(local),
                ),
            )
            entry_id = cur.lastrowid
            c.execute(
                """
                INSERT INTO scans (scan_id, state, shortcode, note)
                VALUES (?, ?, ?, ?)
                ON CONFLICT (scan_id) DO UPDATE SET
                    state = excluded.state, shortcode = excluded.shortcode, note = excluded.note, error = NULL
                """,
                (scan_id, "local" if local else "decided", shortcode, note),
            )
            assert entry_id is not None
            append_audit(
                c,
                REDECISION if redecided else DECISION,
                now=now,
                # The identity it goes under; annotationInfo's reviewer (an admin's "as omar") stays
                # in the detail as `reviewer`. A local decision has no route: its reviewer is
                # annotationInfo's.
                reviewer=reviewer_of(route.identity) or str(audit_detail.get("reviewer", "")),
                item_key=scan_id,
                detail={
                    **audit_detail,
                    "shortcode": shortcode,
                    "outbox": entry_id,
                    "key": key,
                    "server": route.server,
                    **({"local": True} if local else {}),
                },
            )
        return entry_id, superseded

    def undo_decision(self, entry_id: int, *, now: float | None = None) -> Scan | None:
        """Take back an undelivered decision, or a local one (never sent: it can always be taken
        back). Returns the scan as it is now (None if not queued).

        The scan goes back to what its other entries say: an earlier decision still in flight
        (DECIDED), else the last delivered one (SENT), else TO_REVIEW.
        """
        with self._tx() as c:
            entry = _get_entry(c, entry_id)
            if entry is None:
                raise UndoError("that decision is no longer in the outbox; it cannot be undone")
            if entry.status is OutboxStatus.IN_FLIGHT:
                raise UndoError(
                    f"the decision for scan {entry.scan_id} is being sent right now; "
                    "it can no longer be undone"
                )
            if entry.status is OutboxStatus.DELIVERED and not entry.local:
                raise UndoError(f"the decision for scan {entry.scan_id} was already delivered")
            c.execute("DELETE FROM outbox WHERE id = ?", (entry_id,))
            _sync_scan_state(c, entry.scan_id)
            append_audit(
                c,
                UNDO,
                now=time.time() if now is None else now,
                reviewer=reviewer_of(entry.route.identity) or str(entry.annotation_info.get("reviewer", "")),
                item_key=entry.scan_id,
                detail={"shortcode": entry.shortcode, "outbox": entry.id, "key": entry.idempotency_key},
            )
            row = c.execute(
                f"SELECT {_SCAN_COLUMNS} FROM scans WHERE scan_id = ?", (entry.scan_id,)
            ).fetchone()
        scan = _scan(row) if row else None
        reviews = {scan.scan_id: ScanReview.of(scan)} if scan is not None else {}
        self._note(Changes.of(scans=reviews, removed=[entry_id]))
        return scan


_LOCAL_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")


def check_local_code(code: object) -> None:
    """A local decision's code is its source's ("reject_fraud"): the caller checks which ones
    the source takes; here only that it is such a name (never free text)."""
    if not isinstance(code, str) or not _LOCAL_CODE.fullmatch(code):
        raise ValueError(f"invalid decision code {code!r}: expected a name like reject_fraud")


def _audit_detail(info: Mapping[str, Any], shown: Mapping[str, Any] | None, note: str) -> dict[str, Any]:
    """What the audit record of a decision keeps from its annotationInfo: the facts shown, the
    seconds on the item (idle time left out by the window), the note; and what else was shown."""
    detail: dict[str, Any] = {
        "reviewer": info.get("reviewer", ""),
        "note": note or info.get("note", ""),
        "seconds": _finite(info.get("secondsOnScan")),
        "facts": info.get("cardFacts", {}),
        "decidedAt": info.get("decidedAt", ""),
    }
    if shown:
        detail["shown"] = dict(shown)
    return detail


def _finite(value: object) -> float | None:
    """A number of seconds the log can hold (JSON has no NaN or infinity), else None."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None
