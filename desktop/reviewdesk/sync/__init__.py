"""Background delivery of the outbox (asyncio, no Qt): `worker`, `status` (what it reports), and
`export` (the outbox as JSON). `DeliveryWorker` and `DeliveryStatus` are imported from their
modules at first use (PEP 562): the window needs the status before it shows, the worker after."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reviewdesk.sync.status import DeliveryStatus
    from reviewdesk.sync.worker import DeliveryWorker

_WHERE = {"DeliveryStatus": "status", "DeliveryWorker": "worker"}

__all__ = ["DeliveryStatus", "DeliveryWorker"]


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value
    return value
