"""Local state in one SQLite file: the review queue and the outbox of decisions. No Qt here."""

from reviewdesk.store.async_store import AsyncStore
from reviewdesk.store.errors import (
    EntryNotFoundError,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    StoreVersionError,
    UndoError,
)
from reviewdesk.store.store import (
    ImportSummary,
    OutboxCounts,
    OutboxEntry,
    OutboxStatus,
    RouteSummary,
    Store,
)

__all__ = [
    "AsyncStore",
    "EntryNotFoundError",
    "ImportSummary",
    "OutboxCounts",
    "OutboxEntry",
    "OutboxStatus",
    "RouteSummary",
    "Store",
    "StoreCorruptError",
    "StoreError",
    "StoreLockedError",
    "StoreVersionError",
    "UndoError",
]
