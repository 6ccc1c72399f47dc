"""Errors of the local store, each with a message a reviewer can act on."""

from __future__ import annotations

from pathlib import Path

from reviewdesk.errors import EXIT_STORE, Error


class StoreError(Error):
    """Base of the store's errors. `str(err)` is the one-line message."""

    exit_code = EXIT_STORE


class StoreLockedError(StoreError):
    """Another ReviewDesk (window or command) has the database open."""


class StoreCorruptError(StoreError):
    """The database file was unreadable; it was moved aside to `moved_to` (None: left in place)."""

    def __init__(self, message: str, moved_to: Path | None = None) -> None:
        super().__init__(message)
        self.moved_to = moved_to


class StoreWriteError(StoreError):
    """A change could not be made durable (the disk is full, an I/O error, a read-only file):
    nothing of it was kept."""


class StoreVersionError(StoreError):
    """The database was written by a newer ReviewDesk."""


class UndoError(StoreError):
    """A decision that can no longer be undone (in flight, delivered, or gone)."""


class EntryNotFoundError(StoreError):
    """No outbox entry with that id (delivered and pruned, superseded, or undone)."""
