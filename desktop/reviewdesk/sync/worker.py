"""Delivers the outbox to the Reviews API in the background: asyncio only, no Qt.

* Each decision goes only to the server it was made against, with a credential of the identity it
  was made under (its `Route`): the worker delivers the route of the client `client_provider()`
  hands out, and the others wait for a sign-in there (the status says which, and for whom).
* Oldest first, up to `concurrency` requests at a time, never two of one scan at once (the store's
  `claim_due` sees to that), so per scan decisions arrive in the order they were made.
* The store work is batched, because on a busy machine it costs more than the request itself:
  decisions are claimed up to `claim_batch` per transaction into a local queue (claimed entries are
  `in_flight` in the store, so a newer decision for the same scan waits behind them); deliveries
  are marked in group commits (one transaction, one fsync, for every answer that came while the
  previous group was being written). A request slot is held until its delivery is written, so at
  most `concurrency` decisions are ever sent but not yet marked: what a crash can send again (the
  idempotency key allows it). Claimed entries not yet sent go back to pending on a pause, while
  the route waits, on `stop()`, at the end of `drain()`, and (after a crash) at the next start. A
  decision changed while its older one is claimed but not sent goes out after it (both are sent,
  in order), as for one on the wire.
* A transient failure (network error, timeout, 429, 5xx, an answer that is not the API's) makes the
  whole route wait: exactly as long as the server's `Retry-After` says (up to `MAX_RETRY_AFTER`),
  else full-jitter exponential backoff over the failures in a row, capped at `reachable_max_delay`
  while the server answers and at `max_delay` while it cannot be reached. Waits are measured on the
  monotonic clock. After a failure, decisions go one at a time, oldest first, until the backlog is
  through (so they arrive in the order they were made); then `concurrency` at a time again.
* A 400 is permanent for that decision only (it goes FAILED with the server's message).
* 401, 403 and an expired token pause delivery ("sign in again"); nothing counts as an attempt.
  Delivery resumes on `resume()`, or by itself once `client_provider()` hands out a client with
  another credential.
* Wall-clock times in the store (next attempt, undo hold) further ahead than any wait ReviewDesk
  makes are pulled back to now at start and at every `drain()` (a clock set back must not stall
  delivery).
* The credential comes from `client_provider()` at send time; the outbox holds none.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from reviewdesk import limits
from reviewdesk.api import errors as e
from reviewdesk.domain.route import Route
from reviewdesk.store.async_store import AsyncStore
from reviewdesk.store.changes import NO_CHANGES, Changes
from reviewdesk.store.errors import StoreWriteError
from reviewdesk.store.store import OutboxEntry, Store
from reviewdesk.sync.status import DeliveryStatus, State

if TYPE_CHECKING:
    from reviewdesk.api.reviews import ReviewsClient

log = logging.getLogger("reviewdesk.sync")

P = ParamSpec("P")
T = TypeVar("T")


MAX_RETRY_AFTER = limits.OUTBOX_MAX_RETRY_AFTER
REACHABLE_MAX_DELAY = limits.OUTBOX_REACHABLE_MAX_DELAY
MAX_HOLD_AHEAD = limits.OUTBOX_MAX_HOLD_AHEAD
#: Decisions claimed per store transaction, at most.
CLAIM_BATCH = 32
REFRESH_SHARE_INVERSE = 20  # a status refresh holds the store thread at most ~1/20 of the time
NO_CLIENT_REASON = "not signed in; sign in again to send the queued decisions"


# What an attempt's error means for the decision. Not `ReviewDeskError.retryable`: that says
# whether repeating the same request within one call may help, while the outbox retries for as
# long as it takes. A 404, a 405, a refused redirect or an oversized answer is not retried within
# a call, but it is what a wrong server, a proxy or a captive portal answers: the decision waits and
# goes again later. Only two kinds of answer end an attempt otherwise:
#: Any credential trouble (the AuthError family): delivery pauses until the reviewer signs in again.
AUTH_ERRORS = e.AuthError
#: The server (400) or ReviewDesk (a bad shortcode or scan id) refused this decision: it fails, editable.
PERMANENT_ERRORS = (e.BadRequestError, e.UsageError)
#: Errors that show the server is there and answering (backoff capped at reachable_max_delay).
ANSWERED_ERRORS = (e.ServerError, e.RateLimitedError, e.ProtocolError)


def route_of(client: object) -> Route:
    route = getattr(client, "route", None)
    return route if isinstance(route, Route) else Route()


class DeliveryWorker:
    def __init__(
        self,
        store: AsyncStore,
        client_provider: Callable[[], ReviewsClient | None],
        *,
        concurrency: int = 4,
        base_delay: float = 1.0,
        max_delay: float = limits.OUTBOX_MAX_DELAY,
        reachable_max_delay: float = REACHABLE_MAX_DELAY,
        max_retry_after: float = MAX_RETRY_AFTER,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        pause_poll: float = 1.0,
        status_interval: float = 0.05,
        claim_batch: int = CLAIM_BATCH,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if claim_batch < 1:
            raise ValueError("claim_batch must be at least 1")
        self.store = store
        self.client_provider = client_provider
        self.concurrency = concurrency
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.reachable_max_delay = min(reachable_max_delay, max_delay)
        self.max_retry_after = max_retry_after
        self.clock = clock  # wall clock: the times kept in the store
        self.monotonic = monotonic  # every wait in this process
        self.rng = rng if rng is not None else random.Random()
        self.pause_poll = pause_poll
        self.status_interval = status_interval
        self.claim_batch = claim_batch

        self._task: asyncio.Task[None] | None = None
        self._queue: collections.deque[OutboxEntry] = collections.deque()  # claimed, not started
        self._sending: dict[int, asyncio.Task[None]] = {}  # entry -> its send task (one per slot)
        self._to_mark: list[tuple[int, asyncio.Future[None]]] = []  # delivered, for the next group
        self._marker: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False  # stop() is under way: the loop ends at its next turn
        self._changed = asyncio.Event()
        self._released = False
        # pause: set by a 401/403/expired token, or while the provider has no client
        self._paused: str | None = None
        self._paused_credential: object = None
        self._epoch = 0  # +1 on every resume: an auth error from an older send does not pause again
        self._no_client = False
        # the route being delivered, and its wait after a transient failure (monotonic times)
        self._route: Route | None = None
        self._failures_in_a_row = 0
        self._round = 0  # +1 per failure that set the wait: sends of an older round only follow it
        self._gate_until = 0.0
        self._server_wait_until = 0.0  # the part of the wait the server asked for (Retry-After)
        self._serial = False  # after a failure: one at a time, oldest first, until the backlog is through
        self._problem: State | None = None
        self._server_status: int | None = None
        self._unexpected_from: str | None = None
        self._last_error: str | None = None
        # status
        self._status = DeliveryStatus()
        self._listeners: list[Callable[[DeliveryStatus], object]] = []
        self._change_listeners: list[Callable[[Changes], object]] = []
        self._unpublished = NO_CHANGES  # what this worker's writes changed, not yet published
        self._refresh_task: asyncio.Task[None] | None = None
        self._refresh_dirty = False

    # -- public ------------------------------------------------------------------------------

    @property
    def status(self) -> DeliveryStatus:
        return self._status

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def paused(self) -> bool:
        return self._paused is not None or self._no_client

    @property
    def longest_wait(self) -> float:
        """No wait of this worker is ever longer (what `pull_back` measures against)."""
        return max(self.max_delay, self.max_retry_after)

    def server_wait_left(self) -> float:
        """Seconds left of a Retry-After still in force (0 when none)."""
        return max(0.0, self._server_wait_until - self.monotonic())

    def add_listener(self, callback: Callable[[DeliveryStatus], object]) -> None:
        """`callback(status)` is called on the loop after every change of the status."""
        self._listeners.append(callback)

    def add_change_listener(self, callback: Callable[[Changes], object]) -> None:
        """`callback(changes)` is called on the loop with what the worker's writes changed (which
        decisions were claimed, delivered, failed, put back; which scans went SENT or FAILED),
        a burst of writes folded into one call, just before the status listeners are."""
        self._change_listeners.append(callback)

    async def _write(self, fn: Callable[Concatenate[Store, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """A store write; what it changed is published with the next status refresh. The worker's
        calls all go in the store's background lane: a reviewer's decision waits for none of them
        that has not started (store/async_store.py)."""
        value, changes = await self.store.background.write(fn, *args, **kwargs)
        if changes:
            self._unpublished = self._unpublished | changes
            self._refresh_soon()
        return value

    def _publish_changes(self) -> None:
        changes, self._unpublished = self._unpublished, NO_CHANGES
        if not changes:
            return
        for listener in list(self._change_listeners):
            try:
                listener(changes)
            except Exception:
                log.exception("delivery: a change listener failed")

    def start(self) -> None:
        """Run in the background on the running loop (in-flight leftovers of a crash go back first)."""
        if self.running:
            return
        self._task = asyncio.get_running_loop().create_task(self._run(), name="reviewdesk-delivery")
        self._task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        """Delivery must never stop unnoticed: an error that ends the task is logged and shown."""
        if task.cancelled() or task.exception() is None:
            return
        exc = task.exception()
        log.error("delivery stopped: %s", exc, exc_info=exc)
        self._last_error = f"delivery stopped: {exc}; restart ReviewDesk"
        self._status = replace(self._status, state="offline", last_error=self._last_error)
        for listener in list(self._listeners):
            listener(self._status)

    async def stop(self, grace: float = 2.0) -> None:
        """Stop; sends still running after `grace` seconds are cancelled (they go back to pending)."""
        task, self._task = self._task, None
        if task is not None:
            self._stopping = True
            # Python 3.11's wait_for can swallow a cancel that lands as its wait ends (the wake
            # set at the same moment): the loop then goes on. It also checks `_stopping`, and the
            # cancel is repeated until the task has ended, so stopping (and quitting) never hangs.
            while not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=0.5)
            await asyncio.gather(task, return_exceptions=True)
            self._stopping = False
        with contextlib.suppress(Exception):
            await self._release_queue()
        await self._finish_sends(grace)
        with contextlib.suppress(Exception):
            await self._write(Store.release_inflight)  # a claim cut short by the cancel
        await self._settle()

    def kick(self) -> None:
        """Look at the outbox now (a new decision was recorded, the user signed in, ...)."""
        self._wake.set()
        self._refresh_soon()

    def resume(self) -> None:
        """Resume after a pause for authentication (call it after a new sign-in)."""
        self._paused = None
        self._paused_credential = None
        self._epoch += 1
        self.kick()

    async def send_now(self) -> float:
        """ "Send now": waiting decisions become due and the backoff ends, but a Retry-After the
        server gave is still honoured. Returns how many seconds that one has left (0: none)."""
        await self._write(Store.pull_back, self.clock(), self.longest_wait, MAX_HOLD_AHEAD)
        await self._write(Store.reset_backoff, self.clock())
        left = self.server_wait_left()
        if left <= 0:
            self._gate_until = 0.0
        self.kick()
        return left

    async def drain(self, timeout: float | None = None, *, once: bool = False) -> bool:
        """Deliver what is due now, ignoring backoff (not a Retry-After); True when nothing of
        the route is left pending.

        `once`: try each due decision at most once. Otherwise retries go on (with backoff) until
        everything of the route is delivered, delivery pauses, or `timeout`.
        """
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        if self.running:
            await self.send_now()
            return await self._wait_until_empty(deadline)
        await self._ensure_released()
        start = self.clock()
        await self._write(Store.reset_backoff, start)
        if self.server_wait_left() <= 0:
            self._gate_until = 0.0
        try:
            while True:
                self._wake.clear()
                wait = await self._pump(start if once else None)
                if self.paused and not self._sending:  # let the sends under way come back first
                    break
                if not self._sending and not self._queue and (once or await self._route_empty()):
                    break
                if deadline is not None:
                    left = deadline - loop.time()
                    if left <= 0:
                        break
                    wait = left if wait is None else min(wait, left)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
        finally:
            with contextlib.suppress(Exception):
                await self._release_queue()
            await self._finish_sends(0.0)
        await self._settle()
        return await self._route_empty()

    async def _route_empty(self) -> bool:
        if self._route is None:
            return False
        return (await self.store.background.run(Store.counts, route=self._route)).queued == 0

    # -- the loop ----------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            await self._ensure_released()
            await self._refresh()
            while not self._stopping:
                self._wake.clear()
                try:
                    wait = await self._pump(None)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # a store error: keep going, but say so
                    log.exception("delivery: unexpected error")
                    self._last_error = f"delivery error: {exc}"
                    self._refresh_soon()
                    wait = max(self.base_delay, 1.0)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
        finally:
            self._refresh_soon()

    async def _ensure_released(self) -> None:
        if not self._released:
            n = await self._write(Store.release_inflight)
            if n:
                log.info("delivery: %d decision(s) were in flight at the last exit; sending again", n)
            pulled = await self._write(Store.pull_back, self.clock(), self.longest_wait, MAX_HOLD_AHEAD)
            if pulled:
                log.info("delivery: %d wait(s) ended further ahead than any wait (clock set back?)", pulled)
            self._released = True

    def _client(self) -> ReviewsClient | None:
        """The client to send with, or None while paused (resuming when the credential changed)."""
        client = self.client_provider()
        if client is None or client.credential is None:
            if not self._no_client:
                self._no_client = True
                self._refresh_soon()
            return None
        if self._no_client:
            self._no_client = False
            self._refresh_soon()
        if self._paused is not None:
            if client.credential == self._paused_credential:
                return None
            log.info("delivery: new credential; resuming")
            self._paused = None
            self._paused_credential = None
            self._epoch += 1
            self._refresh_soon()
        return client

    async def _enter_route(self, route: Route) -> None:
        """Another server or identity: its own wait (a Retry-After kept in the store) applies."""
        await self._release_queue()
        self._route = route
        self._failures_in_a_row = 0
        self._serial = False
        self._problem = self._server_status = self._unexpected_from = None
        self._gate_until = self._server_wait_until = 0.0
        now = self.clock()
        until = await self.store.background.run(Store.server_wait_until, route, now)
        if until is not None:
            wait = min(until - now, self.max_retry_after)
            self._gate_until = self._server_wait_until = self.monotonic() + wait
            self._problem = "waiting"
        self._refresh_soon()

    def _slots(self) -> int:
        return 1 if self._serial else self.concurrency

    async def _pump(self, claim_at: float | None) -> float | None:
        """Claim and start what can be started; return how long to sleep at most (None: until a
        kick or the end of a send)."""
        client = self._client()
        if client is None:
            await self._release_queue()
            return self.pause_poll
        route = route_of(client)
        if route != self._route:
            await self._enter_route(route)
        mono = self.monotonic()
        if mono < self._gate_until:
            await self._release_queue()
            return self._gate_until - mono
        slots = self._slots()
        if len(self._queue) <= slots:  # running low: claim the next batch
            limit = (1 if self._serial else self.claim_batch) - len(self._queue)
            # The route's wait is kept here; `once` tries only what was due when it began.
            once = claim_at is not None
            now = claim_at if claim_at is not None else self.clock()
            entries = await self._write(Store.claim_due, now, limit, route, backoff=once)
            if entries:
                self._queue.extend(entries)
                self._refresh_soon()
            elif not self._queue and not self._sending:
                # Nothing due now and nothing under way: the backlog is through. Sleep until the
                # next one is due. (While sends are under way, the end of each one wakes the pump.)
                self._serial = False
                wake = await self.store.background.run(Store.next_wakeup, None, route, backoff=once)
                if wake is None:
                    return None
                ahead = wake - self.clock()
                if ahead > MAX_HOLD_AHEAD:  # the clock went back: no hold is that long
                    await self._write(Store.pull_back, self.clock(), self.longest_wait, MAX_HOLD_AHEAD)
                    return 0.0
                return max(0.0, ahead)
        self._start_sends()
        return None

    def _start_sends(self) -> None:
        """Give the free request slots to the next claimed decisions (unless paused or held off).

        A send task keeps its slot: once its decision is settled it goes on with the next one in
        the queue, so there is no task to make per decision."""
        slots = self._slots()
        if not self._queue or len(self._sending) >= slots:
            return
        client = self._client()
        if client is None or route_of(client) != self._route or self.monotonic() < self._gate_until:
            return
        loop = asyncio.get_running_loop()
        while self._queue and len(self._sending) < slots:
            entry = self._queue.popleft()
            self._sending[entry.id] = loop.create_task(self._send(client, entry))

    def _next_entry(self) -> tuple[ReviewsClient, OutboxEntry] | None:
        """For a send task done with its decision: the next one, if it may go now."""
        if not self._queue or len(self._sending) >= self._slots():
            return None
        client = self._client()
        if client is None or route_of(client) != self._route or self.monotonic() < self._gate_until:
            return None
        return client, self._queue.popleft()

    async def _release_queue(self) -> None:
        """Claimed decisions not sent yet go back to pending (one transaction)."""
        if not self._queue:
            return
        ids = [entry.id for entry in self._queue]
        self._queue.clear()
        await self._write(Store.requeue_many, ids)
        self._refresh_soon()

    async def _mark_delivered(self, entry_id: int) -> None:
        """Group commit: wait until this delivery is written along with every other one that
        came in meanwhile (one transaction and one fsync per group)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._to_mark.append((entry_id, future))
        if self._marker is None or self._marker.done():
            self._marker = asyncio.get_running_loop().create_task(self._write_marks())
        await future

    async def _write_marks(self) -> None:
        while self._to_mark:
            group, self._to_mark = self._to_mark, []
            try:
                await self._write(Store.mark_delivered_many, [entry_id for entry_id, _ in group])
            except asyncio.CancelledError:
                for _, future in group + self._to_mark:
                    future.cancel()
                self._to_mark = []
                raise
            except Exception as exc:
                for _, future in group:
                    if not future.done():
                        future.set_exception(exc)
            else:
                for _, future in group:
                    if not future.done():
                        future.set_result(None)

    async def _send(self, client: ReviewsClient, entry: OutboxEntry) -> None:
        """Send `entry`, then the next queued ones while all goes well (one request at a time)."""
        task = asyncio.current_task()
        assert task is not None
        try:
            while True:
                delivered = await self._send_one(client, entry)
                self._sending.pop(entry.id, None)
                self._refresh_soon()
                following = self._next_entry() if delivered else None
                if following is None:
                    break
                client, entry = following
                self._sending[entry.id] = task
                if len(self._queue) <= self._slots():
                    self._wake.set()  # the queue runs low: the pump claims the next batch
        finally:
            self._sending.pop(entry.id, None)
            self._wake.set()
            self._refresh_soon()

    async def _send_one(self, client: ReviewsClient, entry: OutboxEntry) -> bool:
        """Send one decision and record the outcome; True when it was delivered."""
        epoch, round_ = self._epoch, self._round
        try:
            try:
                await client.send_feedback(entry.scan_id, entry.shortcode, entry.annotation_info)
            except AUTH_ERRORS as exc:
                await self._write(Store.requeue, entry.id, str(exc))
                if epoch == self._epoch:
                    self._pause(str(exc), client.credential)
                # else: sent before the last resume; the resumed worker tries it again
            except PERMANENT_ERRORS as exc:
                log.warning("delivery: the decision for scan %s was refused: %s", entry.scan_id, exc)
                await self._write(Store.mark_failed, entry.id, str(exc))
                self._failures_in_a_row = 0  # the server is there and answering
                self._problem = None
            except e.ReviewDeskError as exc:
                await self._retry_later(entry, exc, round_)
            except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
                raise
            except Exception as exc:
                log.exception("delivery: unexpected error sending the decision for scan %s", entry.scan_id)
                error = e.ProtocolError(f"unexpected error: {type(exc).__name__}: {exc}")
                await self._retry_later(entry, error, round_)
            else:
                self._failures_in_a_row = 0
                self._problem = self._server_status = self._unexpected_from = None
                self._last_error = None
                # The slot is held until the delivery is committed: at most `concurrency`
                # decisions are ever sent but not yet marked (what a crash can send twice).
                await self._mark_delivered(entry.id)
                return True
        except asyncio.CancelledError:
            # Stopped mid-send: back to pending (it may have reached the server: allowed).
            with contextlib.suppress(Exception):
                await asyncio.shield(self._write(Store.requeue, entry.id))
            raise
        except StoreWriteError as exc:  # the disk is full: one line, not a traceback per decision
            log.error("delivery: cannot record the outcome for scan %s: %s", entry.scan_id, exc)
        except Exception:
            log.exception("delivery: cannot record the outcome for scan %s", entry.scan_id)
        return False

    async def _retry_later(self, entry: OutboxEntry, exc: e.ReviewDeskError, round_: int) -> None:
        """A transient failure: the whole route waits (the first failure of a round sets how long;
        sends of the same round that fail too follow it), then goes on one at a time."""
        error = str(exc)
        mono = self.monotonic()
        if round_ == self._round:
            self._round += 1
            self._failures_in_a_row += 1
            retry_after = getattr(exc, "retry_after", None)
            if retry_after is not None:
                wait = min(max(0.0, retry_after), self.max_retry_after)
                self._server_wait_until = mono + wait
                self._problem = "waiting"
            else:
                wait = self._backoff(self._failures_in_a_row - 1, isinstance(exc, ANSWERED_ERRORS))
                self._server_wait_until = 0.0
                self._problem = "offline" if isinstance(exc, e.NetworkError) else "server_error"
            self._server_status = exc.status if isinstance(exc, e.ServerError | e.RateLimitedError) else None
            self._unexpected_from = exc.host if isinstance(exc, e.UnexpectedAnswerError) else None
            self._gate_until = mono + wait
            self._serial = True
            self._last_error = error
            log.info("delivery: scan %s: %s; the route waits %.2f s", entry.scan_id, error, wait)
        wait = max(0.0, self._gate_until - mono)
        server_wait = self._server_wait_until > mono
        await self._write(Store.mark_retry, entry.id, error, self.clock() + wait, server_wait=server_wait)
        self._refresh_soon()

    def _backoff(self, failures: int, answered: bool) -> float:
        """Full jitter: uniform(0, min(cap, base_delay * 2**failures)), the cap smaller while the
        server answers."""
        cap = self.reachable_max_delay if answered else self.max_delay
        return self.rng.uniform(0.0, min(cap, self.base_delay * math.pow(2.0, min(failures, 60))))

    def _pause(self, reason: str, credential: object) -> None:
        if self._paused is None:
            log.warning("delivery paused: %s", reason)
        self._paused = reason
        self._paused_credential = credential
        self._last_error = reason
        self._refresh_soon()

    async def _finish_sends(self, grace: float) -> None:
        ids, tasks = list(self._sending), list(self._sending.values())
        if not tasks:
            return
        if grace > 0:
            await asyncio.wait(tasks, timeout=grace)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._sending.clear()
        # A send cancelled before it began put nothing back; entries no longer in flight are untouched.
        with contextlib.suppress(Exception):
            await self._write(Store.requeue_many, ids)

    async def _wait_until_empty(self, deadline: float | None) -> bool:
        loop = asyncio.get_running_loop()
        self.kick()
        while True:
            self._changed.clear()
            if await self._route_empty():
                return True
            if self.paused:
                return False
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    # -- status ------------------------------------------------------------------------------

    async def _settle(self) -> None:
        """Bring the status up to date and leave no refresh task behind."""
        task = self._refresh_task
        if task is not None and not task.done():
            await asyncio.gather(task, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self._refresh()

    def _refresh_soon(self) -> None:
        self._refresh_dirty = True
        if self._refresh_task is None or self._refresh_task.done():
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            self._refresh_task = loop.create_task(self._refresh_loop())

    async def _refresh_loop(self) -> None:
        # At most one refresh per `status_interval`: a burst of deliveries costs one query pair.
        # While a long backlog drains, the refresh's counts take milliseconds of the one store
        # thread, where a reviewer's decision may have to wait for them: the pause after a refresh
        # is also at least REFRESH_SHARE_INVERSE times what the refresh took (docs/PERFORMANCE.md).
        while self._refresh_dirty:
            self._refresh_dirty = False
            started = time.perf_counter()  # (real time: `monotonic` may be a test's clock)
            try:
                await self._refresh()
            except Exception:  # the store was closed under us
                log.debug("delivery: status refresh failed", exc_info=True)
                return
            if self._refresh_dirty:
                took = time.perf_counter() - started
                await asyncio.sleep(max(self.status_interval, REFRESH_SHARE_INVERSE * took))

    async def _refresh(self) -> None:
        self._publish_changes()
        # `next_wakeup(now)` answers at once while something is due (a time <= now), instead of
        # scanning the whole backlog: a due time only matters when it is in the future.
        route = self._route
        counts, wake, routes = await self.store.background.run(
            Store.delivery_state, self.clock(), route, backoff=False
        )
        sendable = counts.queued if route is not None else 0
        state: State
        if self.paused:
            state = "paused"
        elif self._failures_in_a_row > 0 and self._problem is not None:
            state = self._problem
        elif sendable:
            state = "online"
        else:
            state = "idle"
        now, mono = self.clock(), self.monotonic()
        next_retry = now + (self._gate_until - mono) if self._gate_until > mono else None
        if next_retry is None and wake is not None and wake > now:
            next_retry = wake
        last_error = self._paused or (NO_CLIENT_REASON if self._no_client else None) or self._last_error
        elsewhere = tuple(
            r for r in routes if (r.route != route and r.pending) or (r.route == route and r.unconfirmed)
        )
        status = DeliveryStatus(
            state=state,
            queued=sum(r.pending for r in routes),
            failed=sum(r.failed for r in routes),
            last_error=last_error,
            next_retry_at=next_retry,
            in_flight=counts.in_flight,
            route=route,
            sendable=sendable,
            elsewhere=elsewhere,
            server_status=self._server_status if state == "server_error" else None,
            unexpected_from=self._unexpected_from if state == "server_error" else None,
        )
        if status != self._status:
            self._status = status
            for listener in list(self._listeners):
                try:
                    listener(status)
                except Exception:
                    log.exception("delivery: a status listener failed")
        self._changed.set()
