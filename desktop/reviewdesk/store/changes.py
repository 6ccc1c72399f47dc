"""What a store write changed: which scans and which decisions, and how they are now.

Every write of the store notes its `Changes` once its transaction has committed; the caller takes
them with `Store.take_changes()` (or gets them with the result from `AsyncStore.write`). The window
updates its views from them alone (docs/ARCHITECTURE.md, "What changed"), the way Anki's operations
return an `OpChanges`: it never asks the store what became of the scans it shows.

Scans and decisions are listed with their state as it is now, so a view needs no read. Writes that
touch a whole backlog at once (waits ended or pulled back, routes confirmed, scans imported) set a
flag instead of listing every decision: a view that shows those reads them again itself.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.store.rows import _MAX_PARAMS, OutboxEntry, OutboxStatus, _marks


@dataclass(frozen=True, slots=True)
class ScanReview:
    """A scan's review state in the store now (a decision never changes its facts)."""

    state: ScanState
    shortcode: str | None = None
    note: str = ""
    error: str | None = None

    def applied_to(self, scan: Scan) -> Scan:
        """`scan` (its facts as the window has them) with this review state."""
        if (scan.state, scan.shortcode, scan.note, scan.error) == (
            self.state,
            self.shortcode,
            self.note,
            self.error,
        ):
            return scan
        return replace(scan, state=self.state, shortcode=self.shortcode, note=self.note, error=self.error)

    @classmethod
    def of(cls, scan: Scan) -> ScanReview:
        return cls(scan.state, scan.shortcode, scan.note, scan.error)


@dataclass(frozen=True, slots=True)
class Changes:
    """What one or more writes changed. `a | b` is both, `b` winning where they differ (later).
    Treat it as read-only (it is shared by every listener)."""

    #: scan id -> its review state now
    scans: Mapping[str, ScanReview] = field(default_factory=dict)
    #: decisions changed that are not delivered, as they are now (new, in flight, waiting, failed)
    entries: Mapping[int, OutboxEntry] = field(default_factory=dict)
    #: decisions delivered
    delivered: frozenset[int] = frozenset()
    #: local decisions recorded (Jumio, Preventor items: kept here, never delivered), as they are now
    local: Mapping[int, OutboxEntry] = field(default_factory=dict)
    #: decisions gone from the outbox (undone, superseded, discarded)
    removed: frozenset[int] = frozenset()
    #: scans were added to the queue or removed from it, or their facts merged
    queue: bool = False
    #: the waiting times (undo hold, next attempt) of undelivered decisions changed, not listed
    waits: bool = False
    #: where undelivered decisions go (route, confirmation) changed, not listed
    routes: bool = False

    @property
    def decisions(self) -> frozenset[int]:
        """The ids of every decision that changed."""
        return frozenset(self.entries) | frozenset(self.local) | self.delivered | self.removed

    def __bool__(self) -> bool:
        listed = self.scans or self.entries or self.local or self.delivered or self.removed
        return bool(listed or self.queue or self.waits or self.routes)

    def __or__(self, later: Changes) -> Changes:
        if not later:
            return self
        if not self:
            return later
        gone = later.delivered | later.removed
        entries = {i: e for i, e in self.entries.items() if i not in gone}
        entries.update(later.entries)
        local = {i: e for i, e in self.local.items() if i not in later.removed}
        local.update(later.local)
        return Changes(
            scans={**self.scans, **later.scans},
            entries=entries,
            delivered=self.delivered.difference(later.removed, later.entries) | later.delivered,
            local=local,
            removed=self.removed.difference(later.delivered, later.entries, later.local) | later.removed,
            queue=self.queue or later.queue,
            waits=self.waits or later.waits,
            routes=self.routes or later.routes,
        )

    @classmethod
    def of(
        cls,
        *,
        scans: Mapping[str, ScanReview] | None = None,
        entries: Iterable[OutboxEntry] = (),
        delivered: Iterable[int] = (),
        removed: Iterable[int] = (),
        queue: bool = False,
        waits: bool = False,
        routes: bool = False,
    ) -> Changes:
        """Changes from plain collections; a delivered entry counts as delivered, a local one as
        local."""
        undelivered: dict[int, OutboxEntry] = {}
        local: dict[int, OutboxEntry] = {}
        done = set(delivered)
        for entry in entries:
            if entry.local:
                local[entry.id] = entry
            elif entry.status is OutboxStatus.DELIVERED:
                done.add(entry.id)
            else:
                undelivered[entry.id] = entry
        return cls(
            scans=dict(scans or {}),
            entries=undelivered,
            delivered=frozenset(done),
            local=local,
            removed=frozenset(removed).difference(undelivered, done, local),
            queue=queue,
            waits=waits,
            routes=routes,
        )


NO_CHANGES = Changes()

_STATES = {s.value: s for s in ScanState}


def _read_reviews(c: sqlite3.Connection, scan_ids: Iterable[str]) -> dict[str, ScanReview]:
    """The review state of these scans as the store has them now (queued ones only)."""
    ids = list(dict.fromkeys(scan_ids))
    found: dict[str, ScanReview] = {}
    for start in range(0, len(ids), _MAX_PARAMS):
        chunk = ids[start : start + _MAX_PARAMS]
        rows = c.execute(
            "SELECT scan_id, state, shortcode, note, error FROM scans "
            f"WHERE scan_id IN ({_marks(len(chunk))})",
            chunk,
        )
        for scan_id, state, shortcode, note, error in rows:
            found[scan_id] = ScanReview(_STATES[state], shortcode, note, error)
    return found
