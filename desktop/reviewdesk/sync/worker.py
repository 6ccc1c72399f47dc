"""Delivers the outbox to the Reviews API in the background: asyncio only, no Qt.

* Oldest first, up to `concurrency` requests at a time, never two of one scan at once (the store's
  `claim_due` sees to that), so per scan decisions arrive in the order they were made.
* The store work is batched, because on a busy machine it costs more than the request itself:
  decisions are claimed up to `claim_batch` per transaction into a local queue (claimed entries are
  `in_flight` in the store, so a newer decision for the same scan waits behind them); deliveries
  are marked in group commits (one transaction, one fsync, for every answer that came while the
  previous group was being written). A request slot is held until its delivery is written, so at
  most `concurrency` decisions are ever sent but not yet marked: what a crash can send again (the
  idempotency key allows it). Claimed entries not yet sent go back to pending on a pause, when the
  breaker trips, on `stop()`, at the end of `drain()`, and (after a crash) at the next start. A
  decision changed while its older one is claimed but not sent goes out after it (both are sent,
  in order), as for one on the wire.
* Network errors, timeouts, 429, 5xx and malformed answers are retried with exponential backoff
  and full jitter (`Retry-After` is a floor). After `breaker_threshold` such failures in a row
  the whole worker holds off too, so a dead server is probed, not hammered.
* A 400 is permanent for that decision only (it goes FAILED with the server's message).
* 401, 403 and an expired token pause delivery ("sign in again"); nothing counts as an attempt.
  Delivery resumes on `resume()`, or by itself once `client_provider()` hands out a client with
  another credential.
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
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from reviewdesk.api import errors as e
from reviewdesk.store.async_store import AsyncStore
from reviewdesk.store.errors import StoreWriteError
from reviewdesk.store.store import OutboxEntry

if TYPE_CHECKING:
    from reviewdesk.api.reviews import ReviewsClient

log = logging.getLogger("reviewdesk.sync")

State = Literal["online", "offline", "paused", "idle"]

#: A server's Retry-After is honoured up to this many seconds.
MAX_RETRY_AFTER = 3600.0
#: Decisions claimed per store transaction, at most.
CLAIM_BATCH = 32
NO_CLIENT_REASON = "not signed in; sign in again to send the queued decisions"


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    """What the status bar shows. `queued` counts pending and in-flight decisions."""

    state: State = "idle"
    queued: int = 0
    failed: int = 0
    last_error: str | None = None
    next_retry_at: float | None = None
    in_flight: int = 0

    @property
    def message(self) -> str:
        queued = f"{self.queued} queued" if self.queued else "nothing queued"
        failed = f", {self.failed} failed" if self.failed else ""
        if self.state == "paused":
            return f"Paused: sign in again ({queued}{failed})"
        if self.state == "offline":
            return f"Offline, retrying ({queued}{failed})"
        if self.state == "online":
            return f"Sending ({queued}{failed})"
        return f"Idle ({queued}{failed})"


AUTH_ERRORS = (e.TokenExpiredError, e.UnauthorizedError, e.ForbiddenError, e.NoCredentialError)
PERMANENT_ERRORS = (e.BadRequestError, e.UsageError)


class DeliveryWorker:
    def __init__(
        self,
        store: AsyncStore,
        client_provider: Callable[[], ReviewsClient | None],
        *,
        concurrency: int = 4,
        base_delay: float = 1.0,
        max_delay: float = 180.0,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        breaker_threshold: int = 3,
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
        self.clock = clock
        self.rng = rng if rng is not None else random.Random()
        self.breaker_threshold = breaker_threshold
        self.pause_poll = pause_poll
        self.status_interval = status_interval
        self.claim_batch = claim_batch

        self._task: asyncio.Task[None] | None = None
        self._queue: collections.deque[OutboxEntry] = collections.deque()  # claimed, not started
        self._sending: dict[int, asyncio.Task[None]] = {}  # entry -> its send task (one per slot)
        self._to_mark: list[tuple[int, asyncio.Future[None]]] = []  # delivered, for the next group
        self._marker: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._changed = asyncio.Event()
        self._released = False
        self._draining = False
        # pause: set by a 401/403/expired token, or while the provider has no client
        self._paused: str | None = None
        self._paused_credential: object = None
        self._epoch = 0  # +1 on every resume: an auth error from an older send does not pause again
        self._no_client = False
        # breaker
        self._failures_in_a_row = 0
        self._gate_until = 0.0
        self._last_error: str | None = None
        # status
        self._status = DeliveryStatus()
        self._listeners: list[Callable[[DeliveryStatus], object]] = []
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

    def add_listener(self, callback: Callable[[DeliveryStatus], object]) -> None:
        """`callback(status)` is called on the loop after every change of the status."""
        self._listeners.append(callback)

    def remove_listener(self, callback: Callable[[DeliveryStatus], object]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(callback)

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
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self._release_queue()
        await self._finish_sends(grace)
        with contextlib.suppress(Exception):
            await self.store.release_inflight()  # a claim cut short by the cancel
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

    async def drain(self, timeout: float | None = None, *, once: bool = False) -> bool:
        """Deliver what is due now, ignoring backoff; True when nothing is left pending.

        `once`: try each due decision at most once (for `reviewdesk decide`). Otherwise retries
        go on (with backoff) until everything is delivered, delivery pauses, or `timeout`.
        """
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        if self.running:
            await self.store.reset_backoff(self.clock())
            self._gate_until = 0.0
            return await self._wait_until_empty(deadline)
        await self._ensure_released()
        start = self.clock()
        await self.store.reset_backoff(start)
        self._gate_until = 0.0
        self._draining = True
        try:
            while True:
                self._wake.clear()
                wait = await self._pump(start if once else None)
                if self.paused and not self._sending:  # let the sends under way come back first
                    break
                if (
                    not self._sending
                    and not self._queue
                    and (once or (await self.store.counts()).queued == 0)
                ):
                    break
                if deadline is not None:
                    left = deadline - loop.time()
                    if left <= 0:
                        break
                    wait = left if wait is None else min(wait, left)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
        finally:
            self._draining = False
            with contextlib.suppress(Exception):
                await self._release_queue()
            await self._finish_sends(0.0)
        await self._settle()
        return (await self.store.counts()).queued == 0

    # -- the loop ----------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            await self._ensure_released()
            await self._refresh()
            while True:
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
            n = await self.store.release_inflight()
            if n:
                log.info("delivery: %d decision(s) were in flight at the last exit; sending again", n)
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

    async def _pump(self, claim_at: float | None) -> float | None:
        """Claim and start what can be started; return how long to sleep at most (None: until a
        kick or the end of a send)."""
        if self._client() is None:
            await self._release_queue()
            return self.pause_poll
        now = self.clock()
        if now < self._gate_until:
            await self._release_queue()
            return self._gate_until - now
        if len(self._queue) <= self.concurrency:  # running low: claim the next batch
            limit = self.claim_batch - len(self._queue)
            entries = await self.store.claim_due(now if claim_at is None else claim_at, limit)
            if entries:
                self._queue.extend(entries)
                self._refresh_soon()
            elif not self._queue and not self._sending:
                # Nothing due now and nothing under way: sleep until the next one is due. (While
                # sends are under way, the end of each one wakes the pump to claim again.)
                wake = await self.store.next_wakeup()
                return None if wake is None else max(0.0, wake - self.clock())
        self._start_sends()
        return None

    def _start_sends(self) -> None:
        """Give the free request slots to the next claimed decisions (unless paused or held off).

        A send task keeps its slot: once its decision is settled it goes on with the next one in
        the queue, so there is no task to make per decision."""
        if not self._queue or len(self._sending) >= self.concurrency:
            return
        client = self._client()
        if client is None or self.clock() < self._gate_until:
            return
        loop = asyncio.get_running_loop()
        while self._queue and len(self._sending) < self.concurrency:
            entry = self._queue.popleft()
            self._sending[entry.id] = loop.create_task(self._send(client, entry))

    def _next_entry(self) -> tuple[ReviewsClient, OutboxEntry] | None:
        """For a send task done with its decision: the next one, if it may go now."""
        if not self._queue:
            return None
        client = self._client()
        if client is None or self.clock() < self._gate_until:
            return None
        return client, self._queue.popleft()

    async def _release_queue(self) -> None:
        """Claimed decisions not sent yet go back to pending (one transaction)."""
        if not self._queue:
            return
        ids = [entry.id for entry in self._queue]
        self._queue.clear()
        await self.store.requeue_many(ids)
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
                await self.store.mark_delivered_many([entry_id for entry_id, _ in group])
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
                if len(self._queue) <= self.concurrency:
                    self._wake.set()  # the queue runs low: the pump claims the next batch
        finally:
            self._sending.pop(entry.id, None)
            self._wake.set()
            self._refresh_soon()

    async def _send_one(self, client: ReviewsClient, entry: OutboxEntry) -> bool:
        """Send one decision and record the outcome; True when it was delivered."""
        store = self.store
        epoch = self._epoch
        try:
            try:
                await client.send_feedback(entry.scan_id, entry.shortcode, entry.annotation_info)
            except AUTH_ERRORS as exc:
                await store.requeue(entry.id, str(exc))
                if epoch == self._epoch:
                    self._pause(str(exc), client.credential)
                # else: sent before the last resume; the resumed worker tries it again
            except PERMANENT_ERRORS as exc:
                log.warning("delivery: the decision for scan %s was refused: %s", entry.scan_id, exc)
                await store.mark_failed(entry.id, str(exc))
                self._failures_in_a_row = 0  # the server is there and answering
            except e.ReviewDeskError as exc:
                await self._retry_later(entry, str(exc), getattr(exc, "retry_after", None))
            except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
                raise
            except Exception as exc:
                log.exception("delivery: unexpected error sending the decision for scan %s", entry.scan_id)
                await self._retry_later(entry, f"unexpected error: {type(exc).__name__}: {exc}", None)
            else:
                self._failures_in_a_row = 0
                self._gate_until = 0.0
                self._last_error = None
                # The slot is held until the delivery is committed: at most `concurrency`
                # decisions are ever sent but not yet marked (what a crash can send twice).
                await self._mark_delivered(entry.id)
                return True
        except asyncio.CancelledError:
            # Stopped mid-send: back to pending (it may have reached the server: allowed).
            with contextlib.suppress(Exception):
                await asyncio.shield(store.requeue(entry.id))
            raise
        except StoreWriteError as exc:  # the disk is full: one line, not a traceback per decision
            log.error("delivery: cannot record the outcome for scan %s: %s", entry.scan_id, exc)
        except Exception:
            log.exception("delivery: cannot record the outcome for scan %s", entry.scan_id)
        return False

    async def _retry_later(self, entry: OutboxEntry, error: str, retry_after: float | None) -> None:
        delay = self._backoff(entry.attempts, retry_after)
        log.info("delivery: scan %s: %s; retrying in %.2f s", entry.scan_id, error, delay)
        self._last_error = error
        self._failures_in_a_row += 1
        if self._failures_in_a_row >= self.breaker_threshold:
            gate = self._backoff(self._failures_in_a_row - self.breaker_threshold, retry_after)
            self._gate_until = max(self._gate_until, self.clock() + gate)
        await self.store.mark_retry(entry.id, error, self.clock() + delay)

    def _backoff(self, attempts: int, retry_after: float | None) -> float:
        """Full jitter: uniform(0, min(max_delay, base_delay * 2**attempts)); Retry-After a floor."""
        cap = min(self.max_delay, self.base_delay * math.pow(2.0, min(attempts, 60)))
        delay = self.rng.uniform(0.0, cap)
        if retry_after is not None and retry_after > 0:
            delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
        return delay

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
            await self.store.requeue_many(ids)

    async def _wait_until_empty(self, deadline: float | None) -> bool:
        loop = asyncio.get_running_loop()
        self.kick()
        while True:
            self._changed.clear()
            if (await self.store.counts()).queued == 0:
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
        while self._refresh_dirty:
            self._refresh_dirty = False
            try:
                await self._refresh()
            except Exception:  # the store was closed under us
                log.debug("delivery: status refresh failed", exc_info=True)
                return
            if self._refresh_dirty:
                await asyncio.sleep(self.status_interval)

    async def _refresh(self) -> None:
        # `next_wakeup(now)` answers at once while something is due (a time <= now), instead of
        # scanning the whole backlog: a due time only matters when it is in the future.
        counts, wake = await self.store.delivery_state(self.clock())
        state: State
        if self.paused:
            state = "paused"
        elif self._failures_in_a_row > 0:
            state = "offline"
        elif counts.queued:
            state = "online"
        else:
            state = "idle"
        now = self.clock()
        next_retry = max(wake, self._gate_until) if wake is not None else None
        if next_retry is not None and next_retry <= now:
            next_retry = None
        last_error = self._paused or (NO_CLIENT_REASON if self._no_client else None) or self._last_error
        status = DeliveryStatus(
            state=state,
            queued=counts.queued,
            failed=counts.failed,
            last_error=last_error,
            next_retry_at=next_retry,
            in_flight=counts.in_flight,
        )
        if status != self._status:
            self._status = status
            for listener in list(self._listeners):
                try:
                    listener(status)
                except Exception:
                    log.exception("delivery: a status listener failed")
        self._changed.set()
