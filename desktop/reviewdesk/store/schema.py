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

V2 = sql(
    # Where each decision goes: the server (normalized base URL) and the identity ("admin" or
    # "reviewer:NAME") it was made under. Not a secret: no token, no key, no image link.
    "ALTER TABLE outbox ADD COLUMN server TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE outbox ADD COLUMN identity TEXT NOT NULL DEFAULT ''",
    # 1: made before decisions recorded their server; waits until the reviewer confirms where it goes.
    "ALTER TABLE outbox ADD COLUMN unconfirmed INTEGER NOT NULL DEFAULT 0",
    # 1: next_attempt_at is the server's own Retry-After (kept by "send now" and `sync`).
    "ALTER TABLE outbox ADD COLUMN server_wait INTEGER NOT NULL DEFAULT 0",
    "UPDATE outbox SET unconfirmed = 1 WHERE status != 'delivered'",
    "CREATE INDEX outbox_by_route ON outbox (server, identity, status, id)",
)

V3 = sql(
    # 1: a local decision (a Jumio or Preventor item: the vendor has no feedback endpoint). It is
    # stored as 'delivered' (nothing is ever sent: no claim, count or route looks at it) and kept
    # here only (docs/JUMIO.md, "Decisions").
    "ALTER TABLE outbox ADD COLUMN local INTEGER NOT NULL DEFAULT 0",
    "CREATE INDEX outbox_local ON outbox (id) WHERE local = 1",  # `queue --all` lists them
)

AUDIT = sql(
    # The audit trail (store/audit.py, docs/AUDIT.md): append-only, hash-chained. Never a secret,
    # never an image. `seq` is the rowid: 1, 2, 3, … in the order the records were made.
    """
    CREATE TABLE audit (
        seq       INTEGER PRIMARY KEY,
        at        TEXT NOT NULL,
        reviewer  TEXT NOT NULL DEFAULT '',
        action    TEXT NOT NULL,
        source    TEXT NOT NULL DEFAULT '',
        item      TEXT NOT NULL DEFAULT '',
        detail    TEXT NOT NULL DEFAULT '{}',
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL
    )
    """,
    "CREATE INDEX audit_by_time ON audit (at)",
)

MIGRATIONS: Sequence[Migration] = (V1, V2, V3, AUDIT)
