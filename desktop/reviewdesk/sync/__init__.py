"""Background delivery of the outbox (asyncio, no Qt) and the `queue`/`sync`/`decide` commands."""

from reviewdesk.sync.worker import DeliveryStatus, DeliveryWorker

__all__ = ["DeliveryStatus", "DeliveryWorker"]
