"""Reading the queue's columns (`read_columns`, on the store thread) and whole scans a page at a
time for the GUI thread (`QueuePages`). See store/queue_columns.py and docs/PERFORMANCE.md
("Growth with the queue")."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Sequence

from reviewdesk.domain.scan import Scan
from reviewdesk.store.queue_columns import _SEPARATOR, _STATE_CASE, QueueColumns, _extend
from reviewdesk.store.rows import _MAX_PARAMS, _SCAN_COLUMNS, _decode_all, _marks, _scan

log = logging.getLogger("reviewdesk.store")

#: A GUI-thread read gives up rather than freeze the window (WAL readers are not normally blocked).
_PAGE_BUSY_MS = 200

#: Rows per read of `read_columns`: ~1.5 MB of ids, a few ms of C work per step (100,000 rows
#: a step held the GIL 50-70 ms each under load, with the window waiting: docs/PERFORMANCE.md).
CHUNK_ROWS = 25_000


def read_columns(db: sqlite3.Connection, chunk: int = CHUNK_ROWS) -> QueueColumns:
    """The queue's columns in queue order: per chunk of rows, one string per column from SQLite,
    split in C."""
    columns = QueueColumns()
    after = -1
    while True:
        last, n, ids_text, states_text = db.execute(
            f"SELECT max(seq), count(*), group_concat(scan_id, char(10)), group_concat({_STATE_CASE}, '') "
            "FROM (SELECT seq, scan_id, state FROM scans WHERE seq > ? ORDER BY seq LIMIT ?)",
            (after, chunk),
        ).fetchone()
        if not n:
            return columns
        ids = ids_text.split(_SEPARATOR)
        states = states_text.encode("ascii")
        if len(ids) != n or len(states) != n:  # an id with a line break (not valid, but never lose it)
            rows = db.execute(
                f"SELECT scan_id, {_STATE_CASE} FROM scans WHERE seq > ? ORDER BY seq LIMIT ?", (after, chunk)
            ).fetchall()
            ids = [r[0] for r in rows]
            states = "".join(r[1] for r in rows).encode("ascii")
        _extend(columns, ids, states)
        after = last


class QueuePages:
    """Whole scans by id, for the GUI thread: a read-only connection of its own, made and used on
    the thread that made it. A read that cannot be made (busy, damaged) answers nothing for those
    ids (the window shows the id and state it has), it never raises."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._db: sqlite3.Connection | None = sqlite3.connect(os.fspath(path), isolation_level=None)
        self._db.execute(f"PRAGMA busy_timeout = {_PAGE_BUSY_MS}")
        self._db.execute("PRAGMA query_only = ON")

    def scans(self, ids: Sequence[str]) -> dict[str, Scan]:
        found: dict[str, Scan] = {}
        if self._db is None:
            return found
        try:
            for at in range(0, len(ids), _MAX_PARAMS):
                batch = list(ids[at : at + _MAX_PARAMS])
                rows = self._db.execute(
                    f"SELECT {_SCAN_COLUMNS} FROM scans WHERE scan_id IN ({_marks(len(batch))})", batch
                ).fetchall()
                facts = _decode_all([r[1] for r in rows])
                for row, fact in zip(rows, facts, strict=True):
                    found[row[0]] = _scan(row, fact)
        except sqlite3.Error as exc:
            log.warning("could not read a page of the queue: %s", exc)
        return found

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
