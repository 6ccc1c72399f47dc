"""Background delivery of the outbox (asyncio, no Qt): `worker`, and `export` (the outbox as JSON)."""

from reviewdesk.sync.worker import DeliveryStatus, DeliveryWorker

__all__ = ["DeliveryStatus", "DeliveryWorker"]
