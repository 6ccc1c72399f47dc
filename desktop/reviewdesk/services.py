"""The operations the window calls: queue, decisions, delivery and the session. No Qt here.

The window never reaches into SQL or HTTP: it calls these, and listens to the session and the
delivery worker.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from reviewdesk.domain.decision import build_annotation_info
from reviewdesk.domain.route import Route
from reviewdesk.domain.scan import Scan
from reviewdesk.paths import Paths
from reviewdesk.session import Session
from reviewdesk.settings import Settings, remembered_server
from reviewdesk.sources.dyneti import DynetiSource
from reviewdesk.sources.local import is_local, local_decision, source_of
from reviewdesk.sources.registry import SourceRegistry
from reviewdesk.store.async_store import AsyncStore
from reviewdesk.store.audit import IMPORT, SIGN_IN, SIGN_OUT, reviewer_of
from reviewdesk.store.changes import Changes
from reviewdesk.store.errors import StoreCorruptError
from reviewdesk.store.queue_columns import QueueColumns
from reviewdesk.store.queue_read import QueuePages
from reviewdesk.store.store import ImportSummary, OutboxEntry, Store
from reviewdesk.sync.worker import DeliveryWorker

if TYPE_CHECKING:
    import httpx

    from reviewdesk.domain.importer import ImportResult
    from reviewdesk.store.stats import Stats

log = logging.getLogger("reviewdesk.services")

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class QueueRead:
    """The queue as the window keeps it, read in one call on the store's thread."""

    columns: QueueColumns
    position: str | None  # where the reviewer was
    items: list[str]  # the other sources' items still to review (QueueColumns.other_items)


def _read_queue(store: Store) -> QueueRead:
    columns = store.queue_columns()
    return QueueRead(columns, store.position(), columns.other_items())


@dataclass(frozen=True, slots=True)
class Decided:
    entry: OutboxEntry
    changes: Changes  # what recording it changed (the scan's row, the decision, any it superseded)


class Services:
    def __init__(self, paths: Paths, settings: Settings, *, http: httpx.AsyncClient | None = None) -> None:
        self.paths = paths
        self.settings = settings
        self.session = Session(http)
        #: Which source each queued item comes from (sources/registry.py): Dyneti always; Jumio
        #: and Preventor once `configure_sources` finds their credentials.
        self.sources = SourceRegistry(DynetiSource(self.session.image_resolver))
        self.store: AsyncStore | None = None
        self._pages: QueuePages | None = None
        self.worker: DeliveryWorker | None = None
        self.startup_warning = ""  # e.g. a corrupt database that was moved aside
        self._audited_route: Route | None = None  # the session last written to the audit trail
        self._audits: set[asyncio.Future[Any]] = set()
        self._change_listeners: list[Callable[[Changes], object]] = []

    def add_change_listener(self, callback: Callable[[Changes], object]) -> None:
        """`callback(changes)` after every write that changed something, the window's own (a
        decision, an undo, a retry, ...) and the delivery worker's: the one place the window
        learns what changed (docs/ARCHITECTURE.md, "What changed")."""
        self._change_listeners.append(callback)

    def _publish(self, changes: Changes) -> None:
        if not changes:
            return
        for listener in list(self._change_listeners):
            try:
                listener(changes)
            except Exception:
                log.exception("a change listener failed")

    async def _write(self, fn: Callable[Concatenate[Store, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """A store write; what it changed is published, then delivery is woken."""
        value, changes = await self._store().write(fn, *args, **kwargs)
        self._publish(changes)
        if self.worker is not None and changes:
            self.worker.kick()
        return value

    async def open(self, *, base_delay: float = 1.0, max_delay: float = 180.0, network: bool = True) -> None:
        """Open the database (a corrupt one is moved aside and a fresh one made) and start delivery.
        With `network`, the HTTP client is made meanwhile and delivery starts (`connect`); the
        window opens without them, shows the queue, then connects: nothing can be delivered before
        a sign-in anyway, and the queue is read first (docs/PERFORMANCE.md, "Start-up")."""
        self.paths.ensure()
        # The HTTP client (importing httpx, the CA bundle): in a worker thread, while the store opens.
        connecting = asyncio.ensure_future(self.connect()) if network else None
        try:
            self.store = await AsyncStore.open(self.paths.database)
        except StoreCorruptError as exc:
            self.startup_warning = str(exc)
            log.error("database corrupt: %s", exc)
            self.store = await AsyncStore.open(self.paths.database)
        finally:
            if connecting is not None:
                await connecting
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
        self.worker.add_change_listener(self._publish)
        self.session.add_listener(self._session_changed)
        if network:
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
        n = await self._write(Store.confirm, route, adopt=self.session.route)
        if self.worker is not None:
            self.worker.kick()
        return n

    async def discard_route(self, route: Route) -> list[OutboxEntry]:
        return await self._write(Store.discard, route)

    async def export_outbox(self, path: Path) -> int:
        """Write every undelivered decision, with where it goes, to `path` (JSON)."""
        from reviewdesk.sync.export import export_entries

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
        self._audit_session()

    # -- the audit trail (store/audit.py) -------------------------------------------------------

    def _audit_session(self) -> None:
        """A sign-in, a sign-out, or both (another reviewer or server) in the audit trail."""
        route = self.session.route
        if route == self._audited_route or self.store is None:
            return
        old, self._audited_route = self._audited_route, route
        now = time.time()
        for action, which in ((SIGN_OUT, old), (SIGN_IN, route)):
            if which is not None:
                task = asyncio.ensure_future(self._audit(action, which, now))
                self._audits.add(task)
                task.add_done_callback(self._audits.discard)

    async def _audit(self, action: str, route: Route, now: float) -> None:
        mode = "admin" if route.identity == "admin" else "reviewer"
        detail = {"server": route.server, "mode": mode}
        reviewer = reviewer_of(route.identity)
        await self._store().run(Store.audit, action, now=now, reviewer=reviewer, detail=detail)

    async def audit(self, action: str, detail: Mapping[str, Any]) -> None:
        """One record of the reviewer signed in now (or the remembered one)."""
        route = self.session.route
        reviewer = reviewer_of(route.identity) if route else self.settings.reviewer_name
        await self._store().run(Store.audit, action, now=time.time(), reviewer=reviewer, detail=detail)

    async def export_decisions(self, path: Path, fmt: str, *, since: str | None = None) -> int:
        """*File → Export…*: every decision with its audit fields (store/export.py)."""
        route = self.session.route
        reviewer = reviewer_of(route.identity) if route else self.settings.reviewer_name
        from reviewdesk.store.export import export_decisions

        return await self._store().run(export_decisions, path, fmt, since=since, reviewer=reviewer)

    async def stats(self, since: str | None = None) -> Stats:
        """The statistics view's numbers: the same computation as `reviewdesk stats`."""

        from reviewdesk.store.stats import compute

        def read(store: Store) -> Stats:  # on the store's thread: a long log is not read on the GUI's
            return compute(store.iter_audit(since=since))

        return await self._store().run(read)

    @property
    def http(self) -> httpx.AsyncClient:
        return self.session.http

    async def connect(self) -> None:
        """Delivery started and the HTTP client made, if not yet (Session.connect): needed to sign
        in, to deliver, and by the sources that fetch. Decisions recorded before this wait in the
        outbox (committed) and are delivered once it has run."""
        if self.worker is not None and not self.worker.running:
            self.worker.start()
        await self.session.connect()

    async def configure_sources(self, *, demo_base: str | None = None) -> list[str]:
        """Add Jumio and Preventor to the registry when their credentials are configured (the
        environment or the OS keyring, as their commands read them; never a file), or, for the demo,
        against the simulator at `demo_base` with its credentials. Returns the names added."""
        from reviewdesk.source_setup import demo_sources, sources_from_environment

        await self.connect()
        if demo_base is not None:
            found = demo_sources(demo_base, self.http)
        else:
            loop = asyncio.get_running_loop()  # the keyring may be slow: off the event loop
            found = await loop.run_in_executor(None, sources_from_environment, self.settings, self.http)
        for source in found:
            self.sources.add(source)
        return [source.name for source in found]

    async def close(self) -> None:
        if self._pages is not None:
            self._pages.close()
            self._pages = None
        if self.worker is not None:
            await self.worker.stop()
        if self._audits:
            await asyncio.gather(*list(self._audits), return_exceptions=True)
        if self.store is not None and self._audited_route is not None:
            try:
                await self._audit(SIGN_OUT, self._audited_route, time.time())
            except Exception as exc:  # quitting goes on; the log says why the record is missing
                log.error("could not record the sign-out: %s", exc)
            self._audited_route = None
        if self.store is not None:
            await self.store.close()
        await self.session.close()

    def _store(self) -> AsyncStore:
        if self.store is None:
            raise RuntimeError("the store is not open")
        return self.store

    # -- queue -------------------------------------------------------------------------------

    async def load_queue(self) -> tuple[list[Scan], str | None]:
        store = self._store()
        return await store.run(Store.scans), await store.run(Store.position)

    async def read_queue(self) -> QueueRead:
        """The queue as columns (what the window keeps of it), the position and the other sources'
        items, in one call on the store's thread (a million ids are looked at there, not on the
        GUI's); whole scans are read by `queue_pages()` as the window shows them."""
        return await self._store().run(_read_queue)

    def queue_pages(self) -> QueuePages:
        """The read-only connection of the calling thread (the GUI's) for pages of the queue."""
        if self._pages is None:
            self._pages = QueuePages(self.paths.database)
        return self._pages

    async def import_scans(
        self, result: ImportResult, *, share: str = "", audit: bool = True
    ) -> ImportSummary:
        """Queue the file's scans (one write, its changes published); with `audit`, the import's
        audit record too (a window importing in chunks audits once, with `audit_import`)."""
        summary = await self._write(Store.add_scans, list(result.scans))
        if audit:
            await self.audit_import(result, summary.added, summary.merged, share=share)
        return summary

    async def audit_import(self, result: ImportResult, added: int, merged: int, *, share: str = "") -> None:
        detail = {
            "file": os.path.basename(result.source) or result.source,
            "scans": result.imported,
            "added": added,
            "merged": merged,
            "share": share,
            "badRows": result.bad_rows,
        }
        await self.audit(IMPORT, detail)

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
        shown: Mapping[str, Any] | None = None,
    ) -> Decided:
        """Commit the decision to the outbox (the acknowledgement), then wake delivery. On an item
        whose source takes no decisions (Jumio, Preventor) it is recorded locally and never sent
        (`decide_locally`)."""
        if is_local(scan.scan_id):
            return await self.decide_locally(
                scan, shortcode, note=note, seconds_on_scan=seconds_on_scan, shown=shown
            )
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
        entry, changes = await self._store().write(
            Store.record_decision,
            scan.scan_id,
            shortcode,
            info,
            note=note,
            hold_seconds=hold,
            now=time.time(),
            route=route,
            shown=shown,
        )
        self._publish(changes)
        if self.worker is not None:
            self.worker.kick()
        return Decided(entry, changes)

    async def decide_locally(
        self,
        scan: Scan,
        code: str,
        *,
        note: str = "",
        seconds_on_scan: float | None = None,
        shown: Mapping[str, Any] | None = None,
    ) -> Decided:
        """The same record (and history, and undo) as a Dyneti decision, kept here: no route, no
        hold, nothing for delivery. `code` must be one of the item's source's decisions."""
        local_decision(scan.scan_id, code)  # UnknownDecision names the valid ones
        info = build_annotation_info(
            reviewer=self.session.reviewer or "unknown",
            note=note or None,
            seconds_on_scan=seconds_on_scan,
            extra={"source": source_of(scan.scan_id)},
        )
        entry, changes = await self._store().write(
            Store.record_decision,
            scan.scan_id,
            code,
            info,
            note=note,
            now=time.time(),
            local=True,
            shown=shown,
        )
        self._publish(changes)
        return Decided(entry, changes)

    async def undo(self, entry_id: int) -> Scan | None:
        return await self._write(Store.undo_decision, entry_id)

    async def recent(self, n: int = 10) -> list[OutboxEntry]:
        return await self._store().run(Store.recent_decisions, n)

    async def pending(self) -> list[OutboxEntry]:
        return await self._store().run(Store.pending_entries)

    async def resend(self, entry_id: int) -> None:
        await self._write(Store.resend, entry_id)

    async def queued(self) -> int:
        """How many decisions wait to be delivered (0 while the store is not open)."""
        return (await self.store.run(Store.counts)).queued if self.store is not None else 0
