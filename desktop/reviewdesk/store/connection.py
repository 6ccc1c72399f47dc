"""Opening the database file: the lock, the pragmas, the check and the moving aside of a damaged
file, the migrations (steps in `schema`) and the pruning at open, and the transactions every part of
the store writes in.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from reviewdesk.limits import FILE_MODE
from reviewdesk.store.changes import NO_CHANGES, Changes
from reviewdesk.store.errors import (
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    StoreVersionError,
    StoreWriteError,
)
from reviewdesk.store.lock import LockFile
from reviewdesk.store.schema import MIGRATIONS, Migration

log = logging.getLogger("reviewdesk.store")

BUSY_TIMEOUT_MS = 5000
CACHE_KIB = 32 * 1024  # big imports stay in memory until the commit
#: Delivered entries older than this are pruned at open (the newest one per scan is kept).
KEEP_DELIVERED_SECONDS = 30 * 24 * 3600


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


class StoreConnection:
    """The connection and its lock, used from one thread; `Store` adds what is kept in it."""

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
        #: Whether writes note what they changed (AsyncStore turns it on; a command that writes a
        #: million decisions through a plain Store has no use for them).
        self.keep_changes = False
        self._changes = NO_CHANGES  # what the writes since the last take_changes() changed
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

    # -- what changed (store/changes.py) ---------------------------------------------------------

    def _note(self, changes: Changes) -> None:
        """A committed write's changes, for the next `take_changes()` (if changes are kept)."""
        if self.keep_changes:
            self._changes = self._changes | changes

    def take_changes(self) -> Changes:
        """What the writes since the last call changed (then forgotten). `AsyncStore` takes them
        after every call, so they never pile up there."""
        changes, self._changes = self._changes, NO_CHANGES
        return changes

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

    def __enter__(self) -> Self:
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
