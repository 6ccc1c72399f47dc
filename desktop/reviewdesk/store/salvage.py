"""Reading the undelivered decisions out of a damaged database that was moved aside.

The file is never written: it is copied (with its -wal, where the last decisions may be) into a
private temporary folder, and only the copy is opened. Rows are read whole-table first; when a
damaged page stops that, one by one by id, so that one bad page loses only the rows on it. Every
row read is checked (scan id, shortcode, annotationInfo) before it counts as a decision.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewdesk.domain import shortcodes
from reviewdesk.domain.scan_id import InvalidScanId, validate_scan_id
from reviewdesk.store.connection import SQLITE_HEADER
from reviewdesk.store.errors import StoreError
from reviewdesk.store.recording import check_local_code
from reviewdesk.store.rows import _ENTRY_COLUMNS, OutboxEntry, _entry

#: Ids probed one by one past the highest id seen, when the table's end cannot be read.
PROBE_PAST = 1000


@dataclass
class Salvage:
    """What could be read: undelivered decisions (oldest first), and how much could not."""

    entries: list[OutboxEntry] = field(default_factory=list)
    unreadable: int = 0  # ids (or rows) that could not be read or were not a valid decision
    whole: bool = True  # the outbox read in one go, without a damaged page in the way


def salvage_outbox(path: Path) -> Salvage:
    """The undelivered decisions readable in the database `path` (never modified)."""
    if not path.is_file():
        raise StoreError(f"{path} is not a file")
    with open(path, "rb") as fh:
        if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise StoreError(f"{path} is not a ReviewDesk database (not an SQLite file)")
    with tempfile.TemporaryDirectory(prefix="reviewdesk-recover-") as folder:
        copy = Path(folder) / "damaged.sqlite3"
        shutil.copyfile(path, copy)
        wal = path.with_name(path.name + "-wal")
        if wal.is_file():
            shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
        try:
            conn = sqlite3.connect(copy, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{path} cannot be opened at all ({exc})") from None
        try:
            return _read(conn, path)
        finally:
            conn.close()


# Columns an older database (schema 1, before decisions recorded their route) does not have, and
# what such a row reads as: no known server or identity (`recover` attributes it; see there).
_ROUTE_DEFAULTS = {"server": "''", "identity": "''", "unconfirmed": "0", "server_wait": "0", "local": "0"}


def _columns(conn: sqlite3.Connection) -> str:
    """`_ENTRY_COLUMNS`, with literal defaults for the columns this database predates."""
    try:
        have = {row[1] for row in conn.execute("PRAGMA table_info(outbox)")}
    except sqlite3.DatabaseError:
        return _ENTRY_COLUMNS
    if not have:
        return _ENTRY_COLUMNS
    names = [c.strip() for c in _ENTRY_COLUMNS.split(",")]
    return ", ".join(
        n if n in have or n not in _ROUTE_DEFAULTS else f"{_ROUTE_DEFAULTS[n]} AS {n}" for n in names
    )


def _read(conn: sqlite3.Connection, path: Path) -> Salvage:
    result = Salvage()
    rows: dict[int, tuple[Any, ...]] = {}
    columns = _columns(conn)
    try:
        for row in conn.execute(f"SELECT {columns} FROM outbox ORDER BY id"):
            rows[row[0]] = row
    except sqlite3.DatabaseError as exc:
        if "no such table" in str(exc):
            raise StoreError(f"{path} holds no outbox: it is not a ReviewDesk database") from None
        result.whole = False
        _probe(conn, rows, result, columns)
    for entry_id in sorted(rows):
        entry = _checked(rows[entry_id])
        if entry is None:
            result.unreadable += 1
        elif entry.status.value != "delivered" or entry.local:  # a local one exists nowhere else
            result.entries.append(entry)
    return result


def _probe(conn: sqlite3.Connection, rows: dict[int, tuple[Any, ...]], result: Salvage, columns: str) -> None:
    """Read the rows one id at a time, from 1 to past the highest id known."""
    highest = max(rows, default=0)
    for query in ("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'", "SELECT max(id) FROM outbox"):
        try:
            found = conn.execute(query).fetchone()
        except sqlite3.DatabaseError:
            continue
        if found and isinstance(found[0], int):
            highest = max(highest, found[0])
    entry_id, last_read = 0, highest
    while entry_id < max(highest, last_read + PROBE_PAST):
        entry_id += 1
        if entry_id in rows:
            continue
        try:
            row = conn.execute(f"SELECT {columns} FROM outbox WHERE id = ?", (entry_id,)).fetchone()
        except sqlite3.DatabaseError:
            if entry_id <= highest:
                result.unreadable += 1
            continue
        if row is not None:
            rows[entry_id] = row
            last_read = max(last_read, entry_id)


def _checked(row: tuple[Any, ...]) -> OutboxEntry | None:
    """The row as an entry if it is a whole, valid decision (a damaged page may yield garbage)."""
    try:
        entry = _entry(row)
        validate_scan_id(entry.scan_id)
        if entry.local:
            check_local_code(entry.shortcode)
        else:
            shortcodes.get(entry.shortcode)
    except (InvalidScanId, ValueError, TypeError, KeyError):
        return None
    if not isinstance(entry.annotation_info, dict) or not isinstance(entry.idempotency_key, str):
        return None
    if not entry.idempotency_key or not isinstance(entry.note, str):
        return None
    try:
        json.dumps(entry.annotation_info)
    except (TypeError, ValueError):
        return None
    return entry
