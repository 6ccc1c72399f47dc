"""The database schema as a list of migration steps, keyed by `PRAGMA user_version`.

`MIGRATIONS[i]` takes a database from version i to i + 1. Steps are only ever appended:
a later version adds a step (a column, an index), never edits an old one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

Migration = Callable[[sqlite3.Connection], None]


def sql(*statements: str) -> Migration:
    """A migration step made of plain SQL statements (run inside the step's transaction)."""

    def step(conn: sqlite3.Connection) -> None:
        for statement in statements:
            conn.execute(statement)

    return step


V1 = sql(
    # The review queue. `seq` (the rowid) is the queue order: a scan keeps its first position.
    """
    CREATE TABLE scans (
        seq       INTEGER PRIMARY KEY,
        scan_id   TEXT NOT NULL UNIQUE,
        facts     TEXT NOT NULL DEFAULT '{}',
        state     TEXT NOT NULL DEFAULT 'to_review',  -- a ScanState (no CHECK: it slows imports 2x)
        shortcode TEXT,
        note      TEXT NOT NULL DEFAULT '',
        error     TEXT
    )
    """,
    # Small settings of the queue (the reviewer's position). Never a credential.
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT)",
    # Decisions to deliver, and delivered ones (for history and undo). No credential, no URL.
    """
    CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        scan_id         TEXT NOT NULL,
        shortcode       TEXT NOT NULL,
        annotation_info TEXT NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE,
        note            TEXT NOT NULL DEFAULT '',
        status          TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'in_flight', 'failed', 'delivered')),
        created_at      REAL NOT NULL,
        not_before      REAL NOT NULL,
        next_attempt_at REAL NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        last_error      TEXT,
        delivered_at    REAL
    )
    """,
    "CREATE INDEX outbox_by_scan ON outbox (scan_id, status)",
    "CREATE INDEX outbox_by_status ON outbox (status, id)",
)

MIGRATIONS: Sequence[Migration] = (V1,)
