"""The store for asyncio code: every call runs on ONE dedicated thread that owns the connection.

SQLite (and its fsync on commit) never runs on the event loop, and the connection is only ever
used by the thread that made it. Calls wait in two lanes: `run`/`write` (the reviewer's) go before
`background.run`/`background.write` (the delivery worker's) that have not started yet.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Concatenate, ParamSpec, TypeVar

from reviewdesk.store.changes import Changes
from reviewdesk.store.store import Store

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


_FIRST, _BACKGROUND = 0, 1  # the lanes, in the order the store thread serves them


class _Job:
    __slots__ = ("cancelled", "run")

    def __init__(self, run: Callable[[], None]) -> None:
        self.run = run
        self.cancelled = False


class Background:
    """The same store, in the background lane: a call here runs after every `AsyncStore.run` or
    `write` call made before it starts, even one made later (the delivery worker's bookkeeping
    gives way to the reviewer's decisions). Calls in this lane keep their order among themselves."""

    def __init__(self, astore: AsyncStore) -> None:
        self._astore = astore

    async def run(self, fn: Callable[Concatenate[Store, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return (await self._astore._call(_BACKGROUND, fn, *args, **kwargs))[0]

    async def write(
        self, fn: Callable[Concatenate[Store, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> tuple[T, Changes]:
        return await self._astore._call(_BACKGROUND, fn, *args, **kwargs)


class AsyncStore:
    """A `Store` for coroutines: `await astore.run(Store.method, ...)`. Build it with
    `await AsyncStore.open(path)`, or wrap a `Store` made on the current thread (its connection is
    then re-made on the store thread)."""

    def __init__(self, store: Store, *, _executor: ThreadPoolExecutor | None = None) -> None:
        self.store = store
        store.keep_changes = True  # taken after every call: see `write`
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reviewdesk-store")
            store.detach()  # on the thread that made the connection
            _executor.submit(store.attach).result()
        self._executor = _executor
        self._closed = False
        self._lock = threading.Lock()
        self._lanes: tuple[collections.deque[_Job], ...] = (collections.deque(), collections.deque())
        self.background = Background(self)

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

    async def run(self, fn: Callable[Concatenate[Store, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(store, *args, **kwargs)` on the store thread, e.g.
        `await astore.run(Store.scans)`. Calls run one at a time, in the order they were made, ahead
        of every `background` call not yet started; an exception in `fn` is raised here. Arguments
        are used on the store thread: don't change them while the call runs. What a write changed is
        dropped: see `write`."""
        return (await self.write(fn, *args, **kwargs))[0]

    async def write(
        self, fn: Callable[Concatenate[Store, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> tuple[T, Changes]:
        """As `run`, with what the call changed (store/changes.py), e.g.
        `entry, changes = await astore.write(Store.record_decision, scan_id, code, info, route=route)`."""
        return await self._call(_FIRST, fn, *args, **kwargs)

    async def _call(
        self, lane: int, fn: Callable[Concatenate[Store, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> tuple[T, Changes]:
        if self._closed:
            from reviewdesk.store.errors import StoreError

            raise StoreError("the store is closed")
        # Like `loop.run_in_executor`, with one callback on the loop per call instead of three:
        # the delivery worker makes several calls per second per decision, and on the Qt loop
        # every callback is a timer event on the GUI thread.
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[T, Changes]] = loop.create_future()
        store = self.store

        def call() -> None:  # on the store thread
            try:
                outcome: tuple[bool, Any] = (True, (fn(store, *args, **kwargs), store.take_changes()))
            except BaseException as exc:  # handed over to the awaiting coroutine
                store.take_changes()  # (a write that failed noted nothing; an earlier one is gone)
                outcome = (False, exc)
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting
                loop.call_soon_threadsafe(_settle, future, outcome)

        job = _Job(call)
        with self._lock:
            self._lanes[lane].append(job)
        # One turn of the store thread per call; each turn runs the first job waiting, front lane
        # first (docs/PERFORMANCE.md, "decisions while a backlog drains").
        self._executor.submit(self._next_job)
        try:
            return await future
        except asyncio.CancelledError:
            job.cancelled = True  # not started yet: it never runs
            raise

    def waiting(self) -> tuple[int, int]:
        """How many calls wait for the store thread, not started yet: (front lane, background lane)."""
        with self._lock:
            return tuple(sum(not job.cancelled for job in lane) for lane in self._lanes)  # type: ignore[return-value]

    def _next_job(self) -> None:  # on the store thread, once per call made
        with self._lock:
            lane = next((lane for lane in self._lanes if lane), None)
            if lane is None:
                return
            job = lane.popleft()
        if not job.cancelled:
            job.run()

    async def close(self) -> None:
        if self._closed:
            return
        try:
            await self._call(_BACKGROUND, Store.close)  # after every call already made
        finally:
            self._closed = True
            self._executor.shutdown(wait=False)
