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

from reviewdesk.store.audit import AuditStore
from reviewdesk.store.connection import StoreConnection
from reviewdesk.store.delivery import DeliveryStore
from reviewdesk.store.queue import QueueStore
from reviewdesk.store.reads import ReadsStore
from reviewdesk.store.recording import RecordingStore
from reviewdesk.store.rows import ImportSummary, OutboxCounts, OutboxEntry, OutboxStatus, RouteSummary


class Store(QueueStore, RecordingStore, DeliveryStore, ReadsStore, AuditStore, StoreConnection):
    """The store, used from one thread (the caller's, or AsyncStore's worker thread).

    One class, one part per concern: opening, locking, recovery and migrations
    (`connection`), the queue (`queue`), recording decisions (`recording`), delivery bookkeeping
    and routes (`delivery`), reads (`reads`), the audit trail (`audit`); rows and shared queries in `rows`.
    """


__all__ = [
    "ImportSummary",
    "RouteSummary",
    "OutboxCounts",
    "OutboxEntry",
    "OutboxStatus",
    "Store",
]
