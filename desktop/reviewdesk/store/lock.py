"""An exclusive lock file next to the database: one ReviewDesk at a time per data folder.

The OS drops the lock when the process ends, however it ends (a crash, SIGKILL, a power cut),
so a stale lock file never blocks the next start.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import IO

from reviewdesk.limits import FILE_MODE
from reviewdesk.store.errors import StoreError, StoreLockedError


class LockFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[bytes] | None = None

    def acquire(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), FILE_MODE)
            fh = os.fdopen(fd, "r+b")  # held open for the store's lifetime
        except OSError as exc:
            raise StoreError(
                f"cannot write in the data folder {self.path.parent} ({exc.strerror}); ReviewDesk needs "
                "a folder it can write to (choose another with --data-dir)"
            ) from None
        try:
            _lock(fh)
        except OSError:
            fh.close()
            raise StoreLockedError(
                "ReviewDesk seems to be running already (another window or command has "
                f"{self.path.parent} open); close it and try again"
            ) from None
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"{os.getpid()}\n".encode())
            fh.flush()
        except OSError:
            pass  # the pid is only informative
        self._fh = fh

    def release(self) -> None:
        fh, self._fh = self._fh, None
        if fh is not None:
            try:
                _unlock(fh)
            finally:
                fh.close()

    @property
    def held(self) -> bool:
        return self._fh is not None


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fh: IO[bytes]) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(fh: IO[bytes]) -> None:
        fh.seek(0)
        with contextlib.suppress(OSError):
            msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fh: IO[bytes]) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fh: IO[bytes]) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
