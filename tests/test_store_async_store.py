"""The store thread's two lanes (store/async_store.py): the reviewer's calls go before the delivery
worker's calls that have not started yet; each lane keeps its own order. Ordering, not timing: the
store thread is held busy by a call that waits for the test, calls are queued behind it, then it
is let go and the order the calls ran in is read."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

from reviewdesk.domain.route import Route
from reviewdesk.store import AsyncStore, Store
from reviewdesk.sync import DeliveryWorker
from support.outbox import info, wait_for

ROUTE = Route("https://reviews.example", "ana")


class Held:
    """A call that holds the store thread until `release()`."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self._go = threading.Event()

    def __call__(self, store: Store) -> str:
        self.started.set()
        assert self._go.wait(30), "the test never let the store thread go"
        return "held"

    async def until_running(self) -> None:
        assert await asyncio.to_thread(self.started.wait, 30)

    def release(self) -> None:
        self._go.set()


async def queued(*coros: Any) -> list[asyncio.Task[Any]]:
    """Start the calls as tasks, in this order, and return once each has been queued."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    await asyncio.sleep(0)  # each task runs up to its await: the call is queued by then
    return tasks


async def test_a_call_made_later_runs_before_the_background_calls_waiting(tmp_path: Path) -> None:
    astore = await AsyncStore.open(tmp_path / "reviewdesk.sqlite3")
    ran: list[str] = []

    def note(store: Store, name: str) -> str:
        ran.append(name)
        return name

    held = Held()
    try:
        first = asyncio.ensure_future(astore.background.run(held))
        await held.until_running()
        tasks = await queued(
            astore.background.run(note, "worker 1"),
            astore.background.run(note, "worker 2"),
            astore.run(note, "reviewer 1"),
            astore.background.run(note, "worker 3"),
            astore.run(note, "reviewer 2"),
        )
        assert astore.waiting() == (2, 3)
        held.release()
        assert await first == "held"
        assert [await t for t in tasks] == ["worker 1", "worker 2", "reviewer 1", "worker 3", "reviewer 2"]
        assert ran == ["reviewer 1", "reviewer 2", "worker 1", "worker 2", "worker 3"]
        assert astore.waiting() == (0, 0)
    finally:
        held.release()
        await astore.close()


async def test_a_decision_made_while_the_workers_claim_waits_is_committed_first_and_claimed(
    tmp_path: Path,
) -> None:
    astore = await AsyncStore.open(tmp_path / "reviewdesk.sqlite3")
    held = Held()
    try:
        first = asyncio.ensure_future(astore.background.run(held))
        await held.until_running()
        claim, decide = await queued(
            astore.background.write(Store.claim_due, time.time() + 60, 10, ROUTE),
            astore.write(Store.record_decision, "scan-late", "approved", info("k-late"), route=ROUTE),
        )
        held.release()
        await first
        (entry, decided) = await decide
        (claimed, changes) = await claim
        assert [e.scan_id for e in claimed] == ["scan-late"]  # the decision ran before the claim
        assert claimed[0].id == entry.id and decided and changes
    finally:
        held.release()
        await astore.close()


async def test_a_cancelled_call_never_runs_and_the_next_one_still_does(tmp_path: Path) -> None:
    astore = await AsyncStore.open(tmp_path / "reviewdesk.sqlite3")
    ran: list[str] = []

    def note(store: Store, name: str) -> str:
        ran.append(name)
        return name

    held = Held()
    try:
        first = asyncio.ensure_future(astore.background.run(held))
        await held.until_running()
        gone, kept, worker = await queued(
            astore.run(note, "cancelled"), astore.run(note, "kept"), astore.background.run(note, "worker")
        )
        gone.cancel()
        await asyncio.sleep(0)
        assert gone.cancelled() and astore.waiting() == (1, 1)
        held.release()
        await first
        assert (await kept, await worker) == ("kept", "worker")
        assert ran == ["kept", "worker"]
    finally:
        held.release()
        await astore.close()


async def test_close_waits_for_the_background_calls_already_made(tmp_path: Path) -> None:
    astore = await AsyncStore.open(tmp_path / "reviewdesk.sqlite3")
    held = Held()
    first = asyncio.ensure_future(astore.background.run(held))
    await held.until_running()
    try:
        (count,) = await queued(astore.background.run(Store.counts))
        closing = asyncio.ensure_future(astore.close())
        await asyncio.sleep(0)
    finally:
        held.release()
    await first
    assert (await count).pending == 0  # ran on the open store, before the close
    await closing


async def test_the_delivery_worker_queues_its_store_calls_in_the_background_lane(tmp_path: Path) -> None:
    astore = await AsyncStore.open(tmp_path / "reviewdesk.sqlite3")
    worker = DeliveryWorker(astore, lambda: None)
    held = Held()
    first = asyncio.ensure_future(astore.run(held))
    try:
        await held.until_running()
        worker.start()  # its first call (leftovers of a crash put back) waits for the store thread
        await wait_for(lambda: astore.waiting() != (0, 0), timeout=10)
        assert astore.waiting() == (0, 1)
    finally:
        held.release()
        await first
        await worker.stop()
        await astore.close()
