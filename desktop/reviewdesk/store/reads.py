"""Reading the outbox: entries, counts, when the next is due, the routes."""

from __future__ import annotations

from reviewdesk.domain.route import Route
from reviewdesk.store.connection import StoreConnection
from reviewdesk.store.rows import (
    _CLAIMABLE,
    _ENTRY_COLUMNS,
    _ON_ROUTE,
    OutboxCounts,
    OutboxEntry,
    RouteSummary,
    _entry,
    _get_entry,
)


class ReadsStore(StoreConnection):
    """Reads of the outbox (no writes)."""

    def get_entry(self, entry_id: int) -> OutboxEntry | None:
        return _get_entry(self._db, entry_id)

    def entries_for_scan(self, scan_id: str) -> list[OutboxEntry]:
        rows = self._db.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE scan_id = ? ORDER BY id", (scan_id,)
        )
        return [_entry(r) for r in rows]

    def pending_entries(self) -> list[OutboxEntry]:
        """Undelivered entries (pending, in flight, failed), oldest first."""
        rows = self._db.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE status != 'delivered' ORDER BY id"
        )
        return [_entry(r) for r in rows]

    def counts(self, *, delivered: bool = True, route: Route | None = None) -> OutboxCounts:
        """How many entries in each status (of `route` only, confirmed ones, if given); local
        decisions (never sent) are not counted.
        `delivered=False` leaves delivered ones uncounted (0): cheaper, as they are most of a
        long-used outbox."""
        clauses, params = ["local = 0"], []  # local decisions are never sent: not the outbox's
        if not delivered:
            clauses.append("status IN ('pending', 'in_flight', 'failed')")
        if route is not None:
            clauses.append(_ON_ROUTE.replace("o.", ""))
            params += [route.server, route.identity]
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        found = dict(
            self._db.execute(
                f"SELECT status, count(*) FROM outbox {where} GROUP BY status", params
            ).fetchall()
        )
        return OutboxCounts(
            pending=found.get("pending", 0),
            in_flight=found.get("in_flight", 0),
            failed=found.get("failed", 0),
            delivered=found.get("delivered", 0),
        )

    def local_decisions(self) -> list[OutboxEntry]:
        """The local decisions (Jumio, Preventor items: kept here, never sent), oldest first."""
        rows = self._db.execute(f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE local = 1 ORDER BY id")
        return [_entry(r) for r in rows]

    def count_local(self) -> int:
        """How many local decisions the store keeps (never sent)."""
        return int(self._db.execute("SELECT count(*) FROM outbox WHERE local = 1").fetchone()[0])

    def recent_decisions(self, n: int = 10) -> list[OutboxEntry]:
        """The newest `n` decisions, delivered ones included, newest first."""
        rows = self._db.execute(f"SELECT {_ENTRY_COLUMNS} FROM outbox ORDER BY id DESC LIMIT ?", (n,))
        return [_entry(r) for r in rows]

    def next_wakeup(
        self, now: float | None = None, route: Route | None = None, *, backoff: bool = True
    ) -> float | None:
        """When the earliest waiting entry becomes due (may be in the past), or None.

        With `now`: if some entry is due by then, the due time of the OLDEST such entry is returned
        at once (a time <= now, not necessarily the earliest): a quick answer to "is anything due?"
        while a long backlog is being delivered, instead of a scan of every waiting entry.
        """
        on_route, params = (
            ("", []) if route is None else (f" AND {_ON_ROUTE}", [route.server, route.identity])
        )
        due = "max(o.not_before, o.next_attempt_at)" if backoff else "o.not_before"
        if now is not None:
            row = self._db.execute(
                f"SELECT {due} FROM outbox o WHERE {_CLAIMABLE}{on_route} AND {due} <= ? "
                "ORDER BY o.id LIMIT 1",
                (*params, now),
            ).fetchone()
            if row is not None:
                return float(row[0])
        row = self._db.execute(
            f"SELECT min({due}) FROM outbox o WHERE {_CLAIMABLE}{on_route}",
            params,
        ).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def delivery_state(
        self, now: float | None = None, route: Route | None = None, *, backoff: bool = True
    ) -> tuple[OutboxCounts, float | None, list[RouteSummary]]:
        """`counts(delivered=False, route=route)`, if anything is pending `next_wakeup(now, route)`,
        and every route's summary: what the delivery worker reports, in one trip to the store thread."""
        counts = self.counts(delivered=False, route=route)
        wake = self.next_wakeup(now, route, backoff=backoff) if counts.pending else None
        return counts, wake, self.routes()

    def routes(self) -> list[RouteSummary]:
        """The undelivered decisions per route (server, identity), oldest route first."""
        rows = self._db.execute(
            """
            SELECT server, identity, sum(status != 'failed'), sum(status = 'failed'), sum(unconfirmed)
            FROM outbox WHERE status IN ('pending', 'in_flight', 'failed')
            GROUP BY server, identity ORDER BY min(id)
            """
        ).fetchall()
        return [RouteSummary(Route(r[0], r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]
