"""The queue for a window that may hold 1,000,000 scans: columns in memory, whole scans a page at a time.

`read_columns` (on the store thread) reads the ids and states of the whole queue in two C-speed
aggregates, never one Python object per row beyond the id itself; `QueuePages` is a second,
read-only connection for the GUI thread that reads whole scans (facts, decision, note) by id, a
page at a time, as the table shows them (WAL: it never waits for the store thread's writes).
See docs/PERFORMANCE.md ("Growth with the queue").
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.store.rows import _MAX_PARAMS, _SCAN_COLUMNS, _decode_all, _marks, _scan

log = logging.getLogger("reviewdesk.store")

#: A state's code in `QueueColumns.states`: one ASCII digit per row ("0" = to review, ...).
STATE_ORDER: tuple[ScanState, ...] = tuple(ScanState)
STATE_CODE: dict[ScanState, int] = {state: ord("0") + i for i, state in enumerate(STATE_ORDER)}
CODE_STATE: dict[int, ScanState] = {code: state for state, code in STATE_CODE.items()}

_SEPARATOR = "\n"  # a scan id never holds a control character (domain.scan_id)
_STATE_CASE = (
    "CASE state "
    + " ".join(f"WHEN '{s.value}' THEN '{chr(code)}'" for s, code in STATE_CODE.items())
    + f" ELSE '{chr(STATE_CODE[ScanState.TO_REVIEW])}' END"
)
#: A GUI-thread read gives up rather than freeze the window (WAL readers are not normally blocked).
_PAGE_BUSY_MS = 200


@dataclass
class QueueColumns:
    """The whole queue in order: `ids[row]`, `lower[row]` (the id lowered: the same list as `ids`
    when every id is lower-case already), `states[row]` (a `STATE_CODE`) and `index[id] = row`."""

    ids: list[str] = field(default_factory=list)
    lower: list[str] = field(default_factory=list)
    states: bytearray = field(default_factory=bytearray)
    index: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def ids_in(self, *states: ScanState) -> list[str]:
        """The ids of the rows in these states, in queue order (found in C, not row by row)."""
        rows: list[int] = []
        for state in states:
            code, at = STATE_CODE[state], -1
            while (at := self.states.find(code, at + 1)) >= 0:
                rows.append(at)
        return [self.ids[r] for r in sorted(rows)]

    def other_items(self, state: ScanState = ScanState.TO_REVIEW) -> list[str]:
        """The ids of items of other sources than Dyneti ("jumio:…", a ":" in the id) in `state`,
        in queue order: a bare scan id is skipped without parsing (a million take ~50 ms)."""
        code = STATE_CODE[state]
        states = self.states
        return [item for row, item in enumerate(self.ids) if ":" in item and states[row] == code]


def columns_of(ids: list[str], states: bytearray) -> QueueColumns:
    columns = QueueColumns(ids=[], lower=[], states=bytearray(), index={})
    _extend(columns, ids, states)
    return columns


def _extend(columns: QueueColumns, ids: list[str], states: bytes | bytearray) -> None:
    """Append rows. Each step is one C call over this chunk only: the GUI thread gets the GIL back
    between chunks (a 1,000,000-row `dict(zip(...))` alone holds it for ~150 ms)."""
    first = len(columns.ids)
    joined = _SEPARATOR.join(ids)
    lowered = joined.lower()
    lower = ids if lowered == joined else lowered.split(_SEPARATOR)
    if len(lower) != len(ids):  # lower-casing made a separator? never: but never lose a row either
        lower = [i.lower() for i in ids]
    if not columns.ids and lower is ids:
        columns.lower = columns.ids  # every id lower-case: one list for both
    elif columns.lower is columns.ids and lower is not ids:
        columns.lower = list(columns.ids)  # no longer shared
    columns.ids += ids
    if columns.lower is not columns.ids:
        columns.lower += lower
    columns.states += states
    columns.index.update(zip(ids, range(first, first + len(ids)), strict=True))


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
