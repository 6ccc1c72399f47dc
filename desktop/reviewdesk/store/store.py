"""The local SQLite store: the review queue and the outbox of decisions.

One file (`Paths.database`), WAL with `synchronous=FULL`: a committed decision survives a crash
and a power cut. `record_decision` returning is the acknowledgement.

Outbox rules (per scan, decisions are delivered in the order they were made):

* An entry is `pending` (waiting; maybe held for undo or backing off), `in_flight` (being sent),
  `failed` (refused for good by the server, editable) or `delivered`.
* A new decision supersedes (deletes) an undelivered `pending` or `failed` entry of the same scan;
  an `in_flight` one is left alone (it may reach the server) and the new one is sent after it.
* `claim_due` never hands out an entry while an older undelivered one of its scan is pending or
  any of its scan is in flight.
* The scan's state follows its newest entry.

No credential, key or image link is ever written here; each decision keeps the server (base URL)
and the identity (reviewer name or admin) it was made under, to be delivered there only.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

from reviewdesk.domain import shortcodes
from reviewdesk.domain.route import ADMIN, UNATTRIBUTED, Route, reviewer_identity
from reviewdesk.domain.scan import Scan, ScanState, merge_facts
from reviewdesk.domain.scan_id import InvalidScanId, validate_scan_id
from reviewdesk.limits import FILE_MODE
from reviewdesk.store.errors import (
    EntryNotFoundError,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    StoreVersionError,
    StoreWriteError,
    UndoError,
)
from reviewdesk.store.lock import LockFile
from reviewdesk.store.schema import MIGRATIONS, Migration

log = logging.getLogger("reviewdesk.store")

BUSY_TIMEOUT_MS = 5000
CACHE_KIB = 32 * 1024  # big imports stay in memory until the commit
#: Delivered entries older than this are pruned at open (the newest one per scan is kept).
KEEP_DELIVERED_SECONDS = 30 * 24 * 3600
POSITION_KEY = "position"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    FAILED = "failed"
    DELIVERED = "delivered"


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: int
    scan_id: str
    shortcode: str
    annotation_info: dict[str, Any]
    idempotency_key: str
    note: str
    status: OutboxStatus
    created_at: float
    not_before: float  # end of the undo grace window
    next_attempt_at: float
    attempts: int
    last_error: str | None
    delivered_at: float | None
    route: Route = UNATTRIBUTED  # where it goes: its server, and whom it was made by
    unconfirmed: bool = False  # from before decisions recorded their route: waits for a confirmation
    server_wait: bool = False  # next_attempt_at is the server's Retry-After

    @property
    def due_at(self) -> float:
        return max(self.not_before, self.next_attempt_at)

    def held(self, now: float) -> bool:
        """Still inside its undo grace window."""
        return self.status is OutboxStatus.PENDING and self.not_before > now


@dataclass(frozen=True, slots=True)
class ImportSummary:
    added: int
    merged: int


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    pending: int = 0
    in_flight: int = 0
    failed: int = 0
    delivered: int = 0

    @property
    def queued(self) -> int:
        """Decisions still to deliver (pending or in flight)."""
        return self.pending + self.in_flight


_ENTRY_COLUMNS = (
    "id, scan_id, shortcode, annotation_info, idempotency_key, note, status, created_at, "
    "not_before, next_attempt_at, attempts, last_error, delivered_at, server, identity, unconfirmed, "
    "server_wait"
)
_SCAN_COLUMNS = "scan_id, facts, state, shortcode, note, error"
#: Ids per `IN (...)` list: well under SQLite's bound on host parameters (999 before 3.32).
_MAX_PARAMS = 500


def _marks(n: int) -> str:
    return ", ".join("?" * n)


# An entry may go out only when no older entry of its scan (on its server) is waiting and none
# is in flight.
# (By scan id: the planner would otherwise take the route index, every row of the server.)
_CLAIMABLE = """
    o.status = 'pending' AND NOT EXISTS (
        SELECT 1 FROM outbox p INDEXED BY outbox_by_scan
        WHERE p.scan_id = o.scan_id AND p.server = o.server AND p.id != o.id
          AND (p.status = 'in_flight' OR (p.status = 'pending' AND p.id < o.id))
    )
"""
# ... and only to its own server, with a credential of its own identity, once confirmed.
_ON_ROUTE = "o.server = ? AND o.identity = ? AND o.unconfirmed = 0"


@dataclass(frozen=True, slots=True)
class RouteSummary:
    """The undelivered decisions of one route."""

    route: Route
    pending: int = 0  # waiting or in flight
    failed: int = 0
    unconfirmed: int = 0  # of those, made before routes were recorded (waiting for a confirmation)

    @property
    def undelivered(self) -> int:
        return self.pending + self.failed


def _entry(row: Sequence[Any]) -> OutboxEntry:
    return OutboxEntry(
        id=row[0],
        scan_id=row[1],
        shortcode=row[2],
        annotation_info=json.loads(row[3]),
        idempotency_key=row[4],
        note=row[5],
        status=OutboxStatus(row[6]),
        created_at=row[7],
        not_before=row[8],
        next_attempt_at=row[9],
        attempts=row[10],
        last_error=row[11],
        delivered_at=row[12],
        route=Route(row[13], row[14]),
        unconfirmed=bool(row[15]),
        server_wait=bool(row[16]),
    )


_STATES = {s.value: s for s in ScanState}
_DECODER = json.JSONDecoder()


def _facts(text: str) -> dict[str, str]:
    return {} if text == "{}" else _DECODER.decode(text)


def _scan(row: Sequence[Any], facts: dict[str, str] | None = None) -> Scan:
    """A `_SCAN_COLUMNS` row as a Scan; `facts` when they are decoded already (see `_decode_all`)."""
    return Scan(row[0], _facts(row[1]) if facts is None else facts, _STATES[row[2]], row[3], row[4], row[5])


def _decode_all(texts: list[str]) -> list[dict[str, str]]:
    """The facts of many rows in one C call (the whole queue at start-up: ~4x faster than one
    decode per row); a row that is not a JSON object alone is read row by row, as `_scan` would."""
    try:
        decoded = _DECODER.decode("[" + ",".join(texts) + "]") if texts else []
    except ValueError:
        decoded = None
    if decoded is None or len(decoded) != len(texts) or not all(type(d) is dict for d in decoded):
        return [_facts(t) for t in texts]
    return decoded


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# The C encoder itself, made once: JSONEncoder.encode builds a new one per call, which is most of the
# cost of encoding a small dict (100,000 of them per large import). Same output, see _dumps.
_C_ENCODE = (
    c_make_encoder(None, None, encode_basestring, None, ":", ",", False, False, True)
    if c_make_encoder is not None
    else None
)


def _dumps(value: Any) -> str:
    """Compact JSON of plain data (str keys; str, int, float, bool, None, list and dict values)."""
    if _C_ENCODE is not None and type(value) is dict:
        return "".join(_C_ENCODE(value, 0))
    return _ENCODER.encode(value)


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return any(w in text for w in ("not a database", "malformed", "corrupt", "file is encrypted"))


def _is_busy(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _write_failure(exc: sqlite3.DatabaseError) -> str | None:
    """What a failed write means for the reviewer, or None if it is not a failed write."""
    text = str(exc).lower()
    if "full" in text:
        return "the disk is full; free some space"
    if "disk i/o error" in text:
        return "the disk reported an I/O error (it may be full or failing)"
    if "readonly" in text or "read-only" in text:
        return "the database file or its folder is read-only"
    return None


def _make_private(path: Path) -> None:
    """Create the database file owner-only before SQLite does (it gives its -wal and -shm the
    database's mode), and take group/other access away from one an older version left open."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    except IsADirectoryError:
        raise StoreError(f"the local database {path} is a folder, not a file; move it away") from None
    except OSError as exc:
        raise StoreError(f"cannot create the local database {path}: {exc.strerror}") from None
    try:
        if os.name == "posix" and os.fstat(fd).st_mode & 0o077:
            for sidecar in _sidecars(path):
                if sidecar.exists():
                    os.chmod(sidecar, FILE_MODE)
    finally:
        os.close(fd)


def _sidecars(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


SQLITE_HEADER = b"SQLite format 3\x00"


def _has_sqlite_header(path: Path) -> bool:
    """True for a missing or empty file (SQLite makes it) or one that starts like a database."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return True
    return head in (b"", SQLITE_HEADER)


def _move_aside(path: Path) -> Path:
    """Rename the database (and its -wal/-shm) to `<name>.corrupt-<timestamp>`; never delete."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while any(p.exists() for p in _sidecars(target)):
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    for src, dst in zip(_sidecars(path), _sidecars(target), strict=True):
        if src.exists():
            os.replace(src, dst)
    return target


class Store:
    """The store, used from one thread (the caller's, or AsyncStore's worker thread)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        read_only: bool = False,
        migrations: Sequence[Migration] = MIGRATIONS,
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._migrations = tuple(migrations)
        self._lock = LockFile(self.path.with_name(self.path.name + ".lock"))
        self._conn: sqlite3.Connection | None = None
        if read_only:
            try:
                self._conn = self._connect()
                self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.DatabaseError as exc:
                self._close_conn()
                if _is_corruption(exc):
                    raise StoreCorruptError(f"the local database {self.path} is damaged ({exc})") from None
                raise StoreError(f"cannot read the local database {self.path}: {exc}") from None
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StoreError(f"cannot create the folder {self.path.parent}: {exc.strerror}") from None
        if self.path.is_dir():
            raise StoreError(f"the local database {self.path} is a folder, not a file; move it away")
        self._lock.acquire()
        try:
            self._open()
        except BaseException:
            self._lock.release()
            raise

    # -- opening -----------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self.read_only:
            uri = self.path.resolve().as_uri() + "?mode=ro"
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        else:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not self.read_only:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _open(self) -> None:
        try:
            if not _has_sqlite_header(self.path):
                # Never let SQLite touch such a file (or its -wal): move it aside as it is.
                raise sqlite3.DatabaseError("file is not a database")
            self._check()
            _make_private(self.path)
            self._conn = self._connect()
            self._migrate()
            self._prune()
        except sqlite3.DatabaseError as exc:
            if _is_busy(exc):
                self._close_conn()
                raise StoreLockedError(
                    f"ReviewDesk seems to be running already: the database {self.path} is locked by "
                    "another program; close it and try again"
                ) from None
            if _is_corruption(exc):
                raise self._corrupt(exc) from None
            self._close_conn()
            reason = _write_failure(exc) or str(exc)
            raise StoreError(f"cannot open the local database {self.path}: {reason}") from None
        except BaseException:
            self._close_conn()
            raise

    def _check(self) -> None:
        """`PRAGMA quick_check` on a read-only connection: it never writes (no checkpoint on close),
        so a damaged file and its -wal are moved aside exactly as they were."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        uri = self.path.resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            row = conn.execute("PRAGMA quick_check").fetchone()
        finally:
            conn.close()
        if row is None or row[0] != "ok":
            raise sqlite3.DatabaseError(f"database disk image is malformed ({row and row[0]})")

    def _corrupt(self, exc: Exception) -> StoreCorruptError:
        """Move the damaged files aside (before closing, where the OS allows it, so that SQLite's
        clean-up on close cannot touch the -wal) and describe where they went."""
        try:
            moved = _move_aside(self.path)
        except OSError:
            self._close_conn()
            moved = _move_aside(self.path)
        self._close_conn()
        log.error("the database %s is unreadable (%s); moved it to %s", self.path, exc, moved)
        return StoreCorruptError(
            f"the local database {self.path} was damaged ({exc}); it was moved aside to "
            f"{moved} and nothing was deleted. ReviewDesk starts with an empty queue and "
            f"outbox; `reviewdesk recover {moved}` lists the decisions in it that were not yet "
            "delivered and can queue them again",
            moved,
        )

    def _migrate(self) -> None:
        conn = self._db
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(self._migrations):
            raise StoreVersionError(
                f"the local database {self.path} was written by a newer ReviewDesk (schema "
                f"{version}, this one knows {len(self._migrations)}); update ReviewDesk"
            )
        for target, step in enumerate(self._migrations[version:], start=version + 1):
            with self._tx() as c:
                step(c)
                c.execute(f"PRAGMA user_version = {target}")
            log.info("migrated %s to schema %d", self.path, target)

    def _prune(self) -> None:
        cutoff = time.time() - KEEP_DELIVERED_SECONDS
        with self._tx() as c:
            c.execute(
                """
                DELETE FROM outbox
                WHERE status = 'delivered' AND delivered_at < ?
                  AND id != (SELECT max(id) FROM outbox n WHERE n.scan_id = outbox.scan_id)
                """,
                (cutoff,),
            )

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError("the store is closed")
        return self._conn

    def _close_conn(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def close(self) -> None:
        self._close_conn()
        self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Used by AsyncStore: the connection is made on the thread that will use it.
    def detach(self) -> None:
        """Close the connection (on the thread that made it) but keep the lock."""
        self._close_conn()

    def attach(self) -> None:
        """Open the connection again, on the calling thread."""
        if self._conn is None:
            self._conn = self._connect()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        conn = self._db
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise StoreLockedError(
                    "ReviewDesk seems to be running already: the database is busy in another program"
                ) from None
            raise self._write_error(exc) from None
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError):
                raise self._write_error(exc) from None
            raise

    def _write_error(self, exc: sqlite3.OperationalError) -> Exception:
        """A failed write as a StoreWriteError that says why (disk full, I/O error, read-only)."""
        reason = _write_failure(exc)
        if reason is None:
            return exc
        log.info("cannot write to %s: %s", self.path, exc)
        return StoreWriteError(f"cannot save to the local database {self.path}: {reason}")

    # -- queue -------------------------------------------------------------------------------

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
                existing = dict(c.execute("SELECT scan_id, facts FROM scans"))
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
        return ImportSummary(added=len(new_rows), merged=total - len(new_rows))

    def scans(self) -> list[Scan]:
        rows = self._db.execute(f"SELECT {_SCAN_COLUMNS} FROM scans ORDER BY seq").fetchall()
        facts = _decode_all([r[1] for r in rows])
        return [_scan(r, f) for r, f in zip(rows, facts, strict=True)]

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
            return c.total_changes - before

    def clear_queue(self) -> int:
        """Empty the queue (and the position). The outbox is untouched: decisions still go out."""
        with self._tx() as c:
            n = c.execute("DELETE FROM scans").rowcount
            c.execute("DELETE FROM settings WHERE key = ?", (POSITION_KEY,))
            return int(n)

    # -- outbox: recording -------------------------------------------------------------------

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
    ) -> OutboxEntry:
        """Commit a decision to the outbox (one transaction); returning is the acknowledgement.

        `route`: the server and identity it was made under; it is delivered there only. A new
        decision replaces an undelivered one of the same scan on the same route only.
        Recording the same idempotency key again is a no-op that returns the stored entry.
        """
        try:
            validate_scan_id(scan_id)
        except InvalidScanId as exc:
            raise ValueError(f"invalid scan id: {exc}") from None
        shortcodes.get(shortcode)  # UnknownShortcode (a ValueError) lists the valid ones
        info = dict(annotation_info)
        key = info.get("idempotencyKey")
        if not isinstance(key, str) or not key:
            key = info["idempotencyKey"] = str(uuid.uuid4())
        info_text = _dumps(info)
        now = time.time() if now is None else now
        not_before = now + max(0.0, hold_seconds)
        try:
            entry_id = self._insert_decision(scan_id, shortcode, info_text, key, note, now, not_before, route)
        except StoreWriteError as exc:
            raise StoreWriteError(
                f"could not record the decision {shortcode} for scan {scan_id}: {exc}"
            ) from None
        if isinstance(entry_id, OutboxEntry):
            return entry_id
        return OutboxEntry(
            id=entry_id,
            scan_id=scan_id,
            shortcode=shortcode,
            annotation_info=info,
            idempotency_key=key,
            note=note,
            status=OutboxStatus.PENDING,
            created_at=now,
            not_before=not_before,
            next_attempt_at=now,
            attempts=0,
            last_error=None,
            delivered_at=None,
            route=route,
        )

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
    ) -> int | OutboxEntry:
        """The outbox row's id, or the entry already stored under that idempotency key."""
        with self._tx() as c:
            row = c.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE idempotency_key = ?", (key,)
            ).fetchone()
            if row is not None:
                return _entry(row)
            c.execute(
                "DELETE FROM outbox INDEXED BY outbox_by_scan WHERE scan_id = ? AND server = ? "
                "AND identity = ? AND status IN ('pending', 'failed')",
                (scan_id, route.server, route.identity),
            )
            cur = c.execute(
                """
                INSERT INTO outbox (scan_id, shortcode, annotation_info, idempotency_key, note, status,
                                    created_at, not_before, next_attempt_at, server, identity)
                VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)
                """,
                (
                    scan_id,
                    shortcode,
                    info_text,
                    key,
                    note,
                    now,
                    not_before,
                    now,
                    route.server,
                    route.identity,
                ),
            )
            entry_id = cur.lastrowid
            c.execute(
                """
                INSERT INTO scans (scan_id, state, shortcode, note)
                VALUES (?, 'decided', ?, ?)
                ON CONFLICT (scan_id) DO UPDATE SET
                    state = 'decided', shortcode = excluded.shortcode, note = excluded.note, error = NULL
                """,
                (scan_id, shortcode, note),
            )
        assert entry_id is not None
        return entry_id

    def undo_decision(self, entry_id: int) -> Scan | None:
        """Take back an undelivered decision. Returns the scan as it is now (None if not queued).

        The scan goes back to what its other entries say: an earlier decision still in flight
        (DECIDED), else the last delivered one (SENT), else TO_REVIEW.
        """
        with self._tx() as c:
            entry = self._get_entry(c, entry_id)
            if entry is None:
                raise UndoError("that decision is no longer in the outbox; it cannot be undone")
            if entry.status is OutboxStatus.IN_FLIGHT:
                raise UndoError(
                    f"the decision for scan {entry.scan_id} is being sent right now; "
                    "it can no longer be undone"
                )
            if entry.status is OutboxStatus.DELIVERED:
                raise UndoError(f"the decision for scan {entry.scan_id} was already delivered")
            c.execute("DELETE FROM outbox WHERE id = ?", (entry_id,))
            self._sync_scan_state(c, entry.scan_id)
            row = c.execute(
                f"SELECT {_SCAN_COLUMNS} FROM scans WHERE scan_id = ?", (entry.scan_id,)
            ).fetchone()
        return _scan(row) if row else None

    def _sync_scan_state(self, c: sqlite3.Connection, scan_id: str) -> None:
        """Set a scan's state from its newest remaining entry (after an undo)."""
        row = c.execute(
            "SELECT status, shortcode, note, last_error FROM outbox "
            "WHERE scan_id = ? ORDER BY id DESC LIMIT 1",
            (scan_id,),
        ).fetchone()
        if row is None:
            c.execute(
                "UPDATE scans SET state = 'to_review', shortcode = NULL, error = NULL WHERE scan_id = ?",
                (scan_id,),
            )
            return
        status, shortcode, note, error = row
        state = {"delivered": "sent", "failed": "failed"}.get(status, "decided")
        c.execute(
            "UPDATE scans SET state = ?, shortcode = ?, note = ?, error = ? WHERE scan_id = ?",
            (state, shortcode, note, error if state != "sent" else None, scan_id),
        )

    # -- outbox: delivery bookkeeping --------------------------------------------------------

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
        return [replace(_entry(r), status=OutboxStatus.IN_FLIGHT) for r in rows]

    def mark_delivered_many(self, entry_ids: Iterable[int], *, now: float | None = None) -> None:
        """Mark several entries delivered in ONE transaction (one commit, one fsync): the delivery
        worker's group commit. Each scan whose newest entry is among them goes SENT; ids no longer
        in the outbox are skipped.

        It runs as one script of four statements, with no Python in between: on the store thread,
        every statement gives up the GIL and has to win it back from a busy GUI thread (up to the
        5 ms switch interval each time), so the statement count, not SQLite, sets how long the
        delivery workers wait for it.
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
        statements.append("COMMIT")
        conn = self._db
        try:
            conn.executescript(";\n".join(statements) + ";")
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

    def mark_delivered(self, entry_id: int, *, now: float | None = None) -> None:
        """One entry delivered: `mark_delivered_many` of one, but an unknown id is an error."""
        self._require(self._db, entry_id)
        self.mark_delivered_many([entry_id], now=now)

    def mark_retry(
        self, entry_id: int, error: str, next_attempt_at: float, *, server_wait: bool = False
    ) -> None:
        """Back to pending after a failed attempt that may succeed later (counts as an attempt).
        `server_wait`: the time is the server's Retry-After ("send now" keeps it)."""
        with self._tx() as c:
            entry = self._require(c, entry_id)
            c.execute(
                "UPDATE outbox SET status = 'pending', attempts = attempts + 1, last_error = ?, "
                "next_attempt_at = ?, server_wait = ? WHERE id = ?",
                (error, next_attempt_at, int(server_wait), entry_id),
            )
            if self._is_newest(c, entry):
                c.execute("UPDATE scans SET error = ? WHERE scan_id = ?", (error, entry.scan_id))

    def requeue(self, entry_id: int, error: str | None = None) -> None:
        """Back to pending without counting an attempt (delivery paused, or stopped mid-send)."""
        with self._tx() as c:
            entry = self._require(c, entry_id)
            if entry.status is not OutboxStatus.IN_FLIGHT:
                return
            c.execute(
                "UPDATE outbox SET status = 'pending', last_error = coalesce(?, last_error) WHERE id = ?",
                (error, entry_id),
            )
            if error and self._is_newest(c, entry):
                c.execute("UPDATE scans SET error = ? WHERE scan_id = ?", (error, entry.scan_id))

    def mark_failed(self, entry_id: int, error: str) -> None:
        """Refused for good (400): the scan goes FAILED with the server's message; editable.

        If a newer decision for the scan was made meanwhile, that one stands: this entry is dropped.
        """
        with self._tx() as c:
            entry = self._require(c, entry_id)
            if not self._is_newest(c, entry):
                log.warning("a superseded decision for scan %s was refused: %s", entry.scan_id, error)
                c.execute("DELETE FROM outbox WHERE id = ?", (entry_id,))
                return
            c.execute(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error, entry_id),
            )
            c.execute(
                "UPDATE scans SET state = 'failed', error = ? WHERE scan_id = ?", (error, entry.scan_id)
            )

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
            entry = self._require(c, entry_id)
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
                key = info["idempotencyKey"] = str(uuid.uuid4()) if edited else entry.idempotency_key
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
            result = self._get_entry(c, entry_id)
        assert result is not None
        return result

    def requeue_many(self, entry_ids: Iterable[int]) -> int:
        """Put claimed entries that were never sent back to pending (one transaction; no attempt
        counted, the error kept). Entries no longer in flight are left alone. Returns how many."""
        ids = list(dict.fromkeys(entry_ids))
        n = 0
        with self._tx() as c:
            for start in range(0, len(ids), _MAX_PARAMS):
                chunk = ids[start : start + _MAX_PARAMS]
                n += c.execute(
                    f"UPDATE outbox SET status = 'pending' WHERE status = 'in_flight' "
                    f"AND id IN ({_marks(len(chunk))})",
                    chunk,
                ).rowcount
        return n

    def release_inflight(self) -> int:
        """At start-up: entries left in flight by a crash go back to pending (they may arrive twice)."""
        with self._tx() as c:
            return int(c.execute("UPDATE outbox SET status = 'pending' WHERE status = 'in_flight'").rowcount)

    def end_holds(self, now: float) -> int:
        """At the window's start-up: the undo window of a previous run is over, so held entries
        become due now (nobody can undo them any more)."""
        with self._tx() as c:
            return int(
                c.execute(
                    "UPDATE outbox SET not_before = ? WHERE status = 'pending' AND not_before > ?",
                    (now, now),
                ).rowcount
            )

    def reset_backoff(self, now: float) -> int:
        """Make every waiting entry due now (an explicit "sync now"), except where the server
        itself asked to wait (Retry-After); the undo hold still counts."""
        with self._tx() as c:
            return int(
                c.execute(
                    "UPDATE outbox SET next_attempt_at = ? WHERE status = 'pending' AND next_attempt_at > ? "
                    "AND server_wait = 0",
                    (now, now),
                ).rowcount
            )

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
        return int(n)

    def server_wait_until(self, route: Route, now: float) -> float | None:
        """The latest Retry-After still in force for `route`'s waiting decisions, or None."""
        row = self._db.execute(
            "SELECT max(next_attempt_at) FROM outbox o WHERE o.status = 'pending' AND o.server_wait = 1 "
            f"AND o.next_attempt_at > ? AND {_ON_ROUTE}",
            (now, route.server, route.identity),
        ).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    # -- outbox: reading ---------------------------------------------------------------------

    def get_entry(self, entry_id: int) -> OutboxEntry | None:
        return self._get_entry(self._db, entry_id)

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
        """How many entries in each status (of `route` only, confirmed ones, if given).
        `delivered=False` leaves delivered ones uncounted (0): cheaper, as they are most of a
        long-used outbox."""
        clauses, params = [], []
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

    # -- outbox: routes ----------------------------------------------------------------------

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
            for scan_id in dict.fromkeys(e.scan_id for e in entries):
                self._sync_scan_state(c, scan_id)
        return entries

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _get_entry(c: sqlite3.Connection, entry_id: int) -> OutboxEntry | None:
        row = c.execute(f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE id = ?", (entry_id,)).fetchone()
        return _entry(row) if row else None

    def _require(self, c: sqlite3.Connection, entry_id: int) -> OutboxEntry:
        entry = self._get_entry(c, entry_id)
        if entry is None:
            raise EntryNotFoundError(f"no decision #{entry_id} in the outbox")
        return entry

    @staticmethod
    def _is_newest(c: sqlite3.Connection, entry: OutboxEntry) -> bool:
        return (
            c.execute(
                "SELECT 1 FROM outbox WHERE scan_id = ? AND id > ? LIMIT 1", (entry.scan_id, entry.id)
            ).fetchone()
            is None
        )


__all__ = [
    "ImportSummary",
    "RouteSummary",
    "OutboxCounts",
    "OutboxEntry",
    "OutboxStatus",
    "Store",
]
