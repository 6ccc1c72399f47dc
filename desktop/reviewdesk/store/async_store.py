"""The store for asyncio code: every call runs on ONE dedicated thread that owns the connection.

SQLite (and its fsync on commit) never runs on the event loop, and the connection is only ever
used by the thread that made it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from reviewdesk.domain.route import UNATTRIBUTED, Route
from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.store.store import ImportSummary, OutboxCounts, OutboxEntry, RouteSummary, Store

P = ParamSpec("P")
T = TypeVar("T")


def _settle(future: asyncio.Future[Any], outcome: tuple[bool, Any]) -> None:
    if future.cancelled():
        return
    ok, value = outcome
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


class AsyncStore:
    """`Store`'s methods as coroutines. Build it with `await AsyncStore.open(path)`, or wrap a
    `Store` made on the current thread (its connection is then re-made on the store thread)."""

    def __init__(self, store: Store, *, _executor: ThreadPoolExecutor | None = None) -> None:
        self.store = store
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reviewdesk-store")
            store.detach()  # on the thread that made the connection
            _executor.submit(store.attach).result()
        self._executor = _executor
        self._closed = False

    @classmethod
    async def open(cls, path: str | os.PathLike[str], **kwargs: Any) -> AsyncStore:
        """Open (and lock, check, migrate) the database on the store thread."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reviewdesk-store")
        try:
            store = await asyncio.get_running_loop().run_in_executor(
                executor, functools.partial(Store, path, **kwargs)
            )
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(store, _executor=executor)

    async def _run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        if self._closed:
            from reviewdesk.store.errors import StoreError

            raise StoreError("the store is closed")
        # Like `loop.run_in_executor`, with one callback on the loop per call instead of three:
        # the delivery worker makes several calls per second per decision, and on the Qt loop
        # every callback is a timer event on the GUI thread.
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def call() -> None:  # on the store thread
            try:
                outcome: tuple[bool, Any] = (True, fn(*args, **kwargs))
            except BaseException as exc:  # handed over to the awaiting coroutine
                outcome = (False, exc)
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting
                loop.call_soon_threadsafe(_settle, future, outcome)

        job = self._executor.submit(call)
        try:
            return await future
        except asyncio.CancelledError:
            job.cancel()  # not started yet: it never runs
            raise

    async def close(self) -> None:
        if self._closed:
            return
        try:
            await self._run(self.store.close)
        finally:
            self._closed = True
            self._executor.shutdown(wait=False)

    def close_blocking(self) -> None:
        """Close from synchronous code (e.g. at exit, with no loop running)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._executor.submit(self.store.close).result()
        finally:
            self._executor.shutdown(wait=True)

    # -- queue -------------------------------------------------------------------------------

    async def add_scans(self, scans: Iterable[Scan]) -> ImportSummary:
        return await self._run(self.store.add_scans, list(scans))

    async def scans(self) -> list[Scan]:
        return await self._run(self.store.scans)

    async def get_scan(self, scan_id: str) -> Scan | None:
        return await self._run(self.store.get_scan, scan_id)

    async def count_by_state(self) -> dict[ScanState, int]:
        return await self._run(self.store.count_by_state)

    async def set_position(self, scan_id: str | None) -> None:
        await self._run(self.store.set_position, scan_id)

    async def position(self) -> str | None:
        return await self._run(self.store.position)

    async def remove_scans(self, scan_ids: Iterable[str]) -> int:
        return await self._run(self.store.remove_scans, list(scan_ids))

    async def clear_queue(self) -> int:
        return await self._run(self.store.clear_queue)

    # -- outbox ------------------------------------------------------------------------------

    async def record_decision(
        self,
        scan_id: str,
        shortcode: str,
        annotation_info: Mapping[str, Any],
        *,
        note: str = "",
        hold_seconds: float = 0.0,
        now: float | None = None,
        route: Route = UNATTRIBUTED,
    ) -> OutboxEntry:
        return await self._run(
            self.store.record_decision,
            scan_id,
            shortcode,
            dict(annotation_info),
            note=note,
            hold_seconds=hold_seconds,
            now=now,
            route=route,
        )

    async def undo_decision(self, entry_id: int) -> Scan | None:
        return await self._run(self.store.undo_decision, entry_id)

    async def claim_due(
        self, now: float, limit: int, route: Route = UNATTRIBUTED, *, backoff: bool = True
    ) -> list[OutboxEntry]:
        return await self._run(self.store.claim_due, now, limit, route, backoff=backoff)

    async def mark_delivered_many(self, entry_ids: Iterable[int], *, now: float | None = None) -> None:
        await self._run(self.store.mark_delivered_many, list(entry_ids), now=now)

    async def mark_retry(
        self, entry_id: int, error: str, next_attempt_at: float, *, server_wait: bool = False
    ) -> None:
        await self._run(self.store.mark_retry, entry_id, error, next_attempt_at, server_wait=server_wait)

    async def requeue(self, entry_id: int, error: str | None = None) -> None:
        await self._run(self.store.requeue, entry_id, error)

    async def mark_failed(self, entry_id: int, error: str) -> None:
        await self._run(self.store.mark_failed, entry_id, error)

    async def resend(
        self,
        entry_id: int,
        shortcode: str | None = None,
        annotation_info: Mapping[str, Any] | None = None,
        *,
        note: str | None = None,
        now: float | None = None,
    ) -> OutboxEntry:
        info = dict(annotation_info) if annotation_info is not None else None
        return await self._run(self.store.resend, entry_id, shortcode, info, note=note, now=now)

    async def requeue_many(self, entry_ids: Iterable[int]) -> int:
        return await self._run(self.store.requeue_many, list(entry_ids))

    async def release_inflight(self) -> int:
        return await self._run(self.store.release_inflight)

    async def end_holds(self, now: float) -> int:
        return await self._run(self.store.end_holds, now)

    async def reset_backoff(self, now: float) -> int:
        return await self._run(self.store.reset_backoff, now)

    async def pull_back(self, now: float, horizon: float, hold_horizon: float) -> int:
        return await self._run(self.store.pull_back, now, horizon, hold_horizon)

    async def server_wait_until(self, route: Route, now: float) -> float | None:
        return await self._run(self.store.server_wait_until, route, now)

    async def routes(self) -> list[RouteSummary]:
        return await self._run(self.store.routes)

    async def attribute_unknown(self, server: str, admin: bool = False) -> int:
        return await self._run(self.store.attribute_unknown, server, admin)

    async def confirm(self, route: Route | None = None, *, adopt: Route | None = None) -> int:
        return await self._run(self.store.confirm, route, adopt=adopt)

    async def discard(self, route: Route) -> list[OutboxEntry]:
        return await self._run(self.store.discard, route)

    async def get_entry(self, entry_id: int) -> OutboxEntry | None:
        return await self._run(self.store.get_entry, entry_id)

    async def entries_for_scan(self, scan_id: str) -> list[OutboxEntry]:
        return await self._run(self.store.entries_for_scan, scan_id)

    async def pending_entries(self) -> list[OutboxEntry]:
        return await self._run(self.store.pending_entries)

    async def counts(self, route: Route | None = None) -> OutboxCounts:
        return await self._run(self.store.counts, route=route)

    async def recent_decisions(self, n: int = 10) -> list[OutboxEntry]:
        return await self._run(self.store.recent_decisions, n)

    async def next_wakeup(
        self, now: float | None = None, route: Route | None = None, *, backoff: bool = True
    ) -> float | None:
        return await self._run(self.store.next_wakeup, now, route, backoff=backoff)

    async def delivery_state(
        self, now: float | None = None, route: Route | None = None, *, backoff: bool = True
    ) -> tuple[OutboxCounts, float | None, list[RouteSummary]]:
        """`counts(route)`, if anything is pending `next_wakeup(now, route)`, and every route's
        summary, in one trip to the store thread."""
        return await self._run(self._delivery_state, now, route, backoff)

    def _delivery_state(
        self, now: float | None, route: Route | None, backoff: bool
    ) -> tuple[OutboxCounts, float | None, list[RouteSummary]]:
        counts = self.store.counts(delivered=False, route=route)
        wake = self.store.next_wakeup(now, route, backoff=backoff) if counts.pending else None
        return counts, wake, self.store.routes()
