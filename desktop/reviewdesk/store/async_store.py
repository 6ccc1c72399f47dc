"""The store for asyncio code: every call runs on ONE dedicated thread that owns the connection.

SQLite (and its fsync on commit) never runs on the event loop, and the connection is only ever
used by the thread that made it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
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
        `await astore.run(Store.scans)`. Calls run one at a time, in the order they were made; an
        exception in `fn` is raised here. Arguments are used on the store thread: don't change
        them while the call runs. What a write changed is dropped: see `write`."""
        return (await self.write(fn, *args, **kwargs))[0]

    async def write(
        self, fn: Callable[Concatenate[Store, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> tuple[T, Changes]:
        """As `run`, with what the call changed (store/changes.py), e.g.
        `entry, changes = await astore.write(Store.record_decision, scan_id, code, info, route=route)`."""
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
            await self.run(Store.close)
        finally:
            self._closed = True
            self._executor.shutdown(wait=False)
