"""The operations the window calls: queue, decisions, delivery and the session. No Qt here.

The window never reaches into SQL or HTTP: it calls these, and listens to the session and the
delivery worker.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from reviewdesk.api.http import make_http_client
from reviewdesk.domain.decision import build_annotation_info
from reviewdesk.domain.importer import ImportResult
from reviewdesk.domain.route import Route
from reviewdesk.domain.scan import Scan
from reviewdesk.paths import Paths
from reviewdesk.session import Session
from reviewdesk.settings import Settings, remembered_server
from reviewdesk.store.async_store import AsyncStore
from reviewdesk.store.errors import StoreCorruptError
from reviewdesk.store.queue_columns import QueueColumns, QueuePages
from reviewdesk.store.store import ImportSummary, OutboxEntry, RouteSummary, Store
from reviewdesk.sync.worker import DeliveryWorker

log = logging.getLogger("reviewdesk.services")


@dataclass(frozen=True, slots=True)
class Decided:
    entry: OutboxEntry
    scan: Scan


class Services:
    def __init__(self, paths: Paths, settings: Settings, *, http: httpx.AsyncClient | None = None) -> None:
        self.paths = paths
        self.settings = settings
        self._http = http
        self.session = Session(http)
        self.store: AsyncStore | None = None
        self._pages: QueuePages | None = None
        self.worker: DeliveryWorker | None = None
        self.startup_warning = ""  # e.g. a corrupt database that was moved aside

    async def open(self, *, base_delay: float = 1.0, max_delay: float = 180.0) -> None:
        """Open the database (a corrupt one is moved aside and a fresh one made) and start delivery."""
        self.paths.ensure()
        if self._http is None:
            # The TLS context parses the CA bundle (~40 ms): in a worker thread, while the store opens.
            http = asyncio.get_running_loop().run_in_executor(None, make_http_client)
        try:
            self.store = await AsyncStore.open(self.paths.database)
        except StoreCorruptError as exc:
            self.startup_warning = str(exc)
            log.error("database corrupt: %s", exc)
            self.store = await AsyncStore.open(self.paths.database)
        finally:
            if self._http is None:
                self._http = self.session.http = await http
        await self.store.run(Store.end_holds, time.time())  # decisions held for undo when the last run ended
        await self._attribute_old_decisions()
        # Feedback goes with the credential the session holds: admin headers for an admin
        # session, the Bearer token for a reviewer (docs/REVIEWS_API.md).
        self.worker = DeliveryWorker(
            self.store,
            lambda: self.session.admin_client() or self.session.client(),
            base_delay=base_delay,
            max_delay=max_delay,
        )
        self.session.add_listener(self._session_changed)
        self.worker.start()

    async def _attribute_old_decisions(self) -> None:
        """Decisions from before the outbox recorded where they go: attributed to the server the
        window remembers, and left for the reviewer to confirm (nothing is sent meanwhile)."""
        assert self.store is not None
        server = remembered_server(self.settings)
        if server:
            n = await self.store.run(
                Store.attribute_unknown, server, admin=self.settings.sign_in_mode == "admin"
            )
            if n:
                log.warning("%d decision(s) from an earlier version attributed to %s; to confirm", n, server)

    async def confirm_route(self, route: Route | None = None) -> int:
        """The reviewer confirmed where the unconfirmed decisions go; delivery may send them.
        Decisions made here while signed out go to the session signed in now."""
        n = await self._store().run(Store.confirm, route, adopt=self.session.route)
        if self.worker is not None:
            self.worker.kick()
        return n

    async def discard_route(self, route: Route) -> list[OutboxEntry]:
        entries = await self._store().run(Store.discard, route)
        if self.worker is not None:
            self.worker.kick()
        return entries

    async def routes(self) -> list[RouteSummary]:
        return await self._store().run(Store.routes)

    async def export_outbox(self, path: Path) -> int:
        """Write every undelivered decision, with where it goes, to `path` (JSON)."""
        from reviewdesk.sync.commands import export_entries

        entries = await self._store().run(Store.pending_entries)
        return await asyncio.get_running_loop().run_in_executor(None, export_entries, path, entries)

    async def send_now(self) -> float:
        """Send what waits now (a Retry-After still in force is kept: its seconds left)."""
        if self.worker is None:
            return 0.0
        return await self.worker.send_now()

    def _session_changed(self) -> None:
        if self.worker is not None and self.session.signed_in:
            self.worker.resume()

    @property
    def http(self) -> httpx.AsyncClient:
        return self.session.http

    async def close(self) -> None:
        if self._pages is not None:
            self._pages.close()
            self._pages = None
        if self.worker is not None:
            await self.worker.stop()
        if self.store is not None:
            await self.store.close()
        if self._http is not None:
            await self._http.aclose()

    def _store(self) -> AsyncStore:
        if self.store is None:
            raise RuntimeError("the store is not open")
        return self.store

    # -- queue -------------------------------------------------------------------------------

    async def load_queue(self) -> tuple[list[Scan], str | None]:
        store = self._store()
        return await store.run(Store.scans), await store.run(Store.position)

    async def load_queue_columns(self) -> tuple[QueueColumns, str | None]:
        """The queue as columns (what the window keeps of it) and the position; whole scans are
        read by `queue_pages()` as the window shows them."""
        store = self._store()
        return await store.run(Store.queue_columns), await store.run(Store.position)

    def queue_pages(self) -> QueuePages:
        """The read-only connection of the calling thread (the GUI's) for pages of the queue."""
        if self._pages is None:
            self._pages = QueuePages(self.paths.database)
        return self._pages

    async def import_scans(self, result: ImportResult) -> ImportSummary:
        return await self._store().run(Store.add_scans, list(result.scans))

    async def set_position(self, scan_id: str | None) -> None:
        await self._store().run(Store.set_position, scan_id)

    # -- decisions ---------------------------------------------------------------------------

    async def decide(
        self,
        scan: Scan,
        shortcode: str,
        *,
        note: str = "",
        seconds_on_scan: float | None = None,
        hold_seconds: float | None = None,
    ) -> Decided:
        """Commit the decision to the outbox (the acknowledgement), then wake delivery."""
        info = build_annotation_info(
            reviewer=self.session.reviewer or "unknown",
            note=note or None,
            seconds_on_scan=seconds_on_scan,
            card_facts=scan.facts,
        )
        hold = self.settings.undo_grace_seconds if hold_seconds is None else hold_seconds
        # Delivered only to this server, under this identity; made while signed out, it waits
        # (for an unknown reviewer) until the reviewer says where it goes.
        route = self.session.route or Route(remembered_server(self.settings), "")
        entry = await self._store().run(
            Store.record_decision,
            scan.scan_id,
            shortcode,
            info,
            note=note,
            hold_seconds=hold,
            now=time.time(),
            route=route,
        )
        updated = await self._store().run(Store.get_scan, scan.scan_id)
        if self.worker is not None:
            self.worker.kick()
        return Decided(entry, updated or scan.with_(shortcode=shortcode, note=note))

    async def undo(self, entry_id: int) -> Scan | None:
        scan = await self._store().run(Store.undo_decision, entry_id)
        if self.worker is not None:
            self.worker.kick()
        return scan

    async def recent(self, n: int = 10) -> list[OutboxEntry]:
        return await self._store().run(Store.recent_decisions, n)

    async def pending(self) -> list[OutboxEntry]:
        return await self._store().run(Store.pending_entries)

    async def resend(self, entry_id: int) -> None:
        await self._store().run(Store.resend, entry_id)
        if self.worker is not None:
            self.worker.kick()

    async def queued(self) -> int:
        """How many decisions wait to be delivered (0 while the store is not open)."""
        return (await self.store.run(Store.counts)).queued if self.store is not None else 0

    async def get_scan(self, scan_id: str) -> Scan | None:
        return await self._store().run(Store.get_scan, scan_id)
