"""The review queue: scans in their order, their facts, and the reviewer's position."""

from __future__ import annotations

from collections.abc import Iterable

from reviewdesk.domain.scan import Scan, ScanState, merge_facts
from reviewdesk.store.changes import Changes
from reviewdesk.store.connection import StoreConnection
from reviewdesk.store.queue_columns import QueueColumns
from reviewdesk.store.queue_read import read_columns
from reviewdesk.store.rows import (
    _DECODER,
    _MAX_PARAMS,
    _SCAN_COLUMNS,
    ImportSummary,
    _decode_all,
    _dumps,
    _marks,
    _scan,
)

POSITION_KEY = "position"


class QueueStore(StoreConnection):
    """Scans in the queue and the position."""

    def add_scans(self, scans: Iterable[Scan]) -> ImportSummary:
        """Append scans to the queue; a duplicate merges its facts and keeps its first position."""
        incoming: dict[str, dict[str, str]] = {}
        total = 0
        for scan in scans:
            total += 1
            old = incoming.get(scan.scan_id)
            incoming[scan.scan_id] = scan.facts if old is None else merge_facts(old, scan.facts)
        with self._tx() as c:
            existing: dict[str, str] = {}
            if incoming and c.execute("SELECT 1 FROM scans LIMIT 1").fetchone():
                # Only the incoming ids (by the unique index), not the whole queue: an import in
                # chunks into a queue of 1,000,000 reads each chunk's own rows.
                ids = list(incoming)
                for at in range(0, len(ids), _MAX_PARAMS):
                    batch = ids[at : at + _MAX_PARAMS]
                    existing.update(
                        c.execute(
                            f"SELECT scan_id, facts FROM scans WHERE scan_id IN ({_marks(len(batch))})", batch
                        )
                    )
            new_rows: list[tuple[str, str]] = []
            updates: list[tuple[str, str]] = []
            for scan_id, facts in incoming.items():
                old_facts = existing.get(scan_id)
                if old_facts is None:
                    new_rows.append((scan_id, _dumps(facts) if facts else "{}"))
                elif facts:
                    merged = _dumps(merge_facts(_DECODER.decode(old_facts), facts))
                    if merged != old_facts:
                        updates.append((merged, scan_id))
            c.executemany("INSERT INTO scans (scan_id, facts) VALUES (?, ?)", new_rows)
            c.executemany("UPDATE scans SET facts = ? WHERE scan_id = ?", updates)
        if new_rows or updates:
            self._note(Changes(queue=True))
        return ImportSummary(added=len(new_rows), merged=total - len(new_rows))

    def scans(self) -> list[Scan]:
        rows = self._db.execute(f"SELECT {_SCAN_COLUMNS} FROM scans ORDER BY seq").fetchall()
        facts = _decode_all([r[1] for r in rows])
        return [_scan(r, f) for r, f in zip(rows, facts, strict=True)]

    def queue_columns(self) -> QueueColumns:
        """The queue as columns (ids, lowered ids, state codes, id -> row), in queue order: what the
        window keeps of 1,000,000 scans; their facts are read a page at a time (`QueuePages`)."""
        return read_columns(self._db)

    def get_scan(self, scan_id: str) -> Scan | None:
        row = self._db.execute(f"SELECT {_SCAN_COLUMNS} FROM scans WHERE scan_id = ?", (scan_id,)).fetchone()
        return _scan(row) if row else None

    def count_by_state(self) -> dict[ScanState, int]:
        counts = dict.fromkeys(ScanState, 0)
        for state, n in self._db.execute("SELECT state, count(*) FROM scans GROUP BY state"):
            counts[ScanState(state)] = n
        return counts

    def set_position(self, scan_id: str | None) -> None:
        with self._tx() as c:
            if scan_id is None:
                c.execute("DELETE FROM settings WHERE key = ?", (POSITION_KEY,))
            else:
                c.execute(
                    "INSERT INTO settings (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (POSITION_KEY, scan_id),
                )

    def position(self) -> str | None:
        """The scan the reviewer was at, if it is still in the queue."""
        row = self._db.execute(
            "SELECT s.value FROM settings s JOIN scans ON scans.scan_id = s.value WHERE s.key = ?",
            (POSITION_KEY,),
        ).fetchone()
        return row[0] if row else None

    def remove_scans(self, scan_ids: Iterable[str]) -> int:
        """Remove scans from the queue. Their undelivered decisions stay in the outbox."""
        with self._tx() as c:
            before = c.total_changes
            c.executemany("DELETE FROM scans WHERE scan_id = ?", [(s,) for s in scan_ids])
            n = c.total_changes - before
        if n:
            self._note(Changes(queue=True))
        return n

    def clear_queue(self) -> int:
        """Empty the queue (and the position). The outbox is untouched: decisions still go out."""
        with self._tx() as c:
            n = int(c.execute("DELETE FROM scans").rowcount)
            c.execute("DELETE FROM settings WHERE key = ?", (POSITION_KEY,))
        if n:
            self._note(Changes(queue=True))
        return n
