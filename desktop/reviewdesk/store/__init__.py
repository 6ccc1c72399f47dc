"""Local state in one SQLite file: the review queue and the outbox of decisions. No Qt here.

The names below are imported from their modules at first use (PEP 562), not with the package: the
window imports `store.queue_columns` before it shows, and the rest of the store (its ~20 modules)
after (docs/PERFORMANCE.md, "Start-up").
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: name -> the module of the package that defines it
_WHERE = {
    "AsyncStore": "async_store",
    "EntryNotFoundError": "errors",
    "StoreCorruptError": "errors",
    "StoreError": "errors",
    "StoreLockedError": "errors",
    "StoreVersionError": "errors",
    "UndoError": "errors",
    "ImportSummary": "store",
    "OutboxCounts": "store",
    "OutboxEntry": "store",
    "OutboxStatus": "store",
    "RouteSummary": "store",
    "Store": "store",
}

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


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value
    return value
