"""DeliveryWorker rules with a scripted client (no network): backoff, 400, pause and resume."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reviewdesk.api import errors as e
from reviewdesk.api.auth import AdminKey, InvalidTokenError
from reviewdesk.domain.route import Route
from reviewdesk.domain.scan import ScanState
from reviewdesk.store import AsyncStore, OutboxStatus, Store
from reviewdesk.sync import DeliveryStatus, DeliveryWorker
from support.outbox import FAST, ClientHolder, info, wait_for

ROUTE = Route("https://reviews.test", "admin")


class FakeClient:
    """Stands in for ReviewsClient: `script(scan_id, n)` returns an error to raise, or None."""

    def __init__(self, key: str, script: Callable[[str, int], Exception | None] | None = None) -> None:
        self.credential = AdminKey(key)
        self.base_url = ROUTE.server
        self.script = script or (lambda scan_id, n: None)
        self.sent: list[tuple[str, str, str]] = []
        self.tries: dict[str, int] = {}

    @property
    def route(self) -> Route:
        return Route(self.base_url, self.credential.identity)

    async def send_feedback(self, scan_id: str, shortcode: str, annotation_info: dict[str, Any]) -> dict:
        await asyncio.sleep(0.001)
        n = self.tries[scan_id] = self.tries.get(scan_id, 0) + 1
        error = self.script(scan_id, n)
        if error is not None:
            raise error
        self.sent.append((scan_id, shortcode, annotation_info["idempotencyKey"]))
        return {}


@pytest.fixture
async def astore(tmp_path: Path):
    s = await AsyncStore.open(tmp_path / "reviewdesk.sqlite3")
    yield s
    await s.close()


def worker_for(astore: AsyncStore, provider: Callable[[], Any], **kw: Any) -> DeliveryWorker:
    kw.setdefault("base_delay", 0.02)
    kw.setdefault("max_delay", 0.1)
    return DeliveryWorker(astore, provider, **kw)


def count_pumps(worker: DeliveryWorker) -> list[int]:
    """How many times the worker looked at the outbox (one item per look)."""
    looks: list[int] = []
    real = worker._pump

    async def pump(claim_at: float | None) -> float | None:
        looks.append(1)
        return await real(claim_at)

    worker._pump = pump  # type: ignore[method-assign]
    return looks


async def looks_again(worker: DeliveryWorker, looks: list[int], times: int = 2) -> None:
    """Wake the worker and wait until it has looked at the outbox `times` more times."""
    for _ in range(times):
        seen = len(looks)
        worker.kick()
        await wait_for(lambda seen=seen: len(looks) > seen)


def test_backoff_is_full_jitter_capped_lower_while_the_server_answers(tmp_path: Path) -> None:
    w = DeliveryWorker(None, lambda: None, base_delay=1.0, max_delay=180.0, rng=random.Random(7))  # type: ignore[arg-type]
    ref = random.Random(7)
    for failures in range(12):
        assert w._backoff(failures, False) == ref.uniform(0, min(180.0, 2.0**failures))
    for failures in range(12):
        assert w._backoff(failures, True) == ref.uniform(0, min(60.0, 2.0**failures))
    assert 0 <= w._backoff(10**6, False) <= 180.0  # no overflow
    assert w.longest_wait == 600.0  # what a time further ahead is pulled back from


async def test_a_400_fails_only_that_decision_and_it_can_be_resent(astore: AsyncStore) -> None:
    client = FakeClient(
        "k1", lambda s, n: e.BadRequestError("malformed (server said: nope)") if s == "bad" else None
    )
    for scan in ("a", "bad", "b", "c"):
        await astore.run(Store.record_decision, scan, "approved", info(f"key-{scan}"), route=ROUTE)
    w = worker_for(astore, lambda: client)
    assert await w.drain(5) is True  # failed ones are not "pending"
    assert [s for s, _, _ in client.sent] == ["a", "b", "c"]
    (failed,) = await astore.run(Store.pending_entries)
    assert failed.status is OutboxStatus.FAILED and "nope" in (failed.last_error or "")
    scan = await astore.run(Store.get_scan, "bad")
    assert scan is not None and scan.state is ScanState.FAILED and "nope" in (scan.error or "")
    assert w.status.failed == 1
    client.script = lambda s, n: None
    await astore.run(Store.resend, failed.id, shortcode="denied_other")
    assert await w.drain(5) is True
    assert client.sent[-1][:2] == ("bad", "denied_other")
    assert (await astore.run(Store.get_scan, "bad")).state is ScanState.SENT  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "error",
    [
        e.UnauthorizedError("401; sign in again"),
        e.ForbiddenError("403"),
        e.TokenExpiredError("expired"),
        InvalidTokenError("the token cannot be used"),  # any of the family pauses, not a list of some
    ],
    ids=["401", "403", "expired", "invalid"],
)
async def test_auth_errors_pause_without_counting_and_resume(astore: AsyncStore, error: Exception) -> None:
    client = FakeClient("old", lambda s, n: error)
    holder = {"client": client}
    await astore.run(Store.record_decision, "a", "approved", info(), route=ROUTE)
    w = worker_for(astore, lambda: holder["client"])
    looks = count_pumps(w)
    w.start()
    await wait_for(lambda: w.status.state == "paused")
    assert w.status.last_error == str(error)
    await looks_again(w, looks)  # paused: it looks, but nothing more is tried
    tries = client.tries["a"]
    assert tries == 1
    (entry,) = await astore.run(Store.pending_entries)
    assert entry.status is OutboxStatus.PENDING and entry.attempts == 0
    assert w.paused
    if isinstance(error, e.ForbiddenError):  # a new credential resumes by itself
        holder["client"] = FakeClient("new")
    else:  # the same credential, but the window says "signed in again"
        client.script = lambda s, n: None
        w.resume()
    await wait_for(lambda: w.status.state == "idle" and w.status.queued == 0)
    assert client.tries["a"] == tries + (0 if isinstance(error, e.ForbiddenError) else 1)
    await w.stop()


@pytest.mark.parametrize(
    "error",
    [
        e.NotFoundError("not found (404)"),
        e.MethodNotAllowedError("405"),
        e.RedirectRefusedError("redirected to a login page"),
        e.ResponseTooLargeError("too large"),
    ],
    ids=["404", "405", "redirect", "too-large"],
)
async def test_answers_not_retried_within_a_call_are_retried_by_the_outbox(
    astore: AsyncStore, error: e.ReviewDeskError
) -> None:
    """`retryable` is False for these, yet the decision is not failed: a wrong server, a proxy or a
    captive portal answers so, and the decision goes again later."""
    assert not error.retryable
    client = FakeClient("k", lambda s, n: error if n == 1 else None)
    await astore.run(Store.record_decision, "a", "approved", info(), route=ROUTE)
    w = worker_for(astore, lambda: client)
    w.start()
    await wait_for(lambda: client.sent != [] and w.status.queued == 0)
    await w.stop()
    assert client.tries["a"] == 2 and w.status.failed == 0
    assert (await astore.run(Store.get_scan, "a")).state is ScanState.SENT  # type: ignore[union-attr]


async def test_no_client_pauses_until_one_appears(astore: AsyncStore) -> None:
    holder: dict[str, Any] = {"client": None}
    w = worker_for(astore, lambda: holder["client"], pause_poll=10)
    w.start()
    await astore.run(Store.record_decision, "a", "approved", info(), route=ROUTE)
    w.kick()
    await wait_for(lambda: w.status.state == "paused" and w.status.queued == 1)
    assert "sign in" in (w.status.last_error or "")
    holder["client"] = FakeClient("k")
    w.kick()  # e.g. after the sign-in dialog
    await wait_for(lambda: w.status.queued == 0)
    await w.stop()


async def test_stop_ends_even_when_a_wait_swallows_the_cancel(astore: AsyncStore, monkeypatch) -> None:
    """Python 3.11's wait_for can lose a cancel that lands as its wait ends; the worker's loop then
    went on and stop() (and quitting the window) hung. Here a wait_for that does exactly that once:
    the mock stands for a race of the interpreter, which no socket can bring about on demand."""
    real_wait_for = asyncio.wait_for
    waiting: list[bool] = []
    lost: list[bool] = []

    async def losing_wait_for(awaitable: Any, timeout: float | None) -> Any:
        waiting.append(True)
        try:
            return await real_wait_for(awaitable, timeout)
        except asyncio.CancelledError:
            if lost:
                raise
            lost.append(True)
            return None  # the wait ended as the cancel came: the cancel is gone

    monkeypatch.setattr(asyncio, "wait_for", losing_wait_for)
    w = worker_for(astore, lambda: FakeClient("k"))
    w.start()
    await wait_for(lambda: bool(waiting))  # the loop waits for work
    await real_wait_for(w.stop(), 10)
    assert lost == [True]


class Longest(random.Random):
    """Full jitter's longest draw: every wait is the whole backoff (deterministic tests)."""

    def uniform(self, a: float, b: float) -> float:
        return b


async def test_retryable_errors_back_off_then_deliver_and_the_status_says_so(astore: AsyncStore) -> None:
    errors = [
        e.NetworkError("cannot reach"),
        e.ServerError("server error 503", 503),
        e.RateLimitedError("429", 0.2),
    ]
    client = FakeClient("k", lambda s, n: errors[n - 1] if n <= len(errors) else None)
    seen: list[DeliveryStatus] = []
    await astore.run(Store.record_decision, "a", "approved", info(), route=ROUTE)
    w = worker_for(astore, lambda: client, base_delay=0.2, max_delay=1.0, rng=Longest())
    w.add_listener(seen.append)
    w.start()
    await wait_for(lambda: client.sent != [])
    await wait_for(lambda: w.status.queued == 0)
    await w.stop()
    assert client.tries["a"] == 4
    states = [s.state for s in seen]
    # each kind of trouble is told apart: no connection, a server error (with its code), a wait
    assert {"offline", "server_error", "waiting"} <= set(states) and states[-1] == "idle"
    assert next(s for s in seen if s.state == "offline").last_error == "cannot reach"
    assert next(s for s in seen if s.state == "server_error").server_status == 503
    assert (await astore.run(Store.get_scan, "a")).state is ScanState.SENT  # type: ignore[union-attr]


async def test_drain_once_tries_each_decision_at_most_once(astore: AsyncStore) -> None:
    client = FakeClient("k", lambda s, n: e.NetworkError("down"))
    for scan in ("a", "b", "c"):
        await astore.run(Store.record_decision, scan, "approved", info(), route=ROUTE)
    w = worker_for(astore, lambda: client, base_delay=0.0001, max_delay=0.0001)
    assert await w.drain(5, once=True) is False
    assert client.tries == {"a": 1, "b": 1, "c": 1}
    assert [x.attempts for x in await astore.run(Store.pending_entries)] == [1, 1, 1]
    assert w.status.state == "offline" and w.status.last_error == "down"


async def test_a_failure_holds_the_whole_route_off(astore: AsyncStore) -> None:
    client = FakeClient("k", lambda s, n: e.NetworkError("down"))
    for i in range(20):
        await astore.run(Store.record_decision, f"s{i}", "approved", info(), route=ROUTE)
    start = time.time()
    frozen = {"clock": lambda: start, "monotonic": lambda: 1000.0}  # no time passes: no wait ends
    w = worker_for(astore, lambda: client, concurrency=4, base_delay=10, max_delay=10, **frozen)
    w.rng = random.Random(1)  # the first wait: 1.3 s
    looks = count_pumps(w)
    w.start()
    await wait_for(lambda: sum(client.tries.values()) >= 1)
    await wait_for(lambda: w.status.state == "offline" and not w._sending)
    await looks_again(w, looks)
    # the four sent at once failed together; nothing else was tried: not one request per decision
    assert sum(client.tries.values()) <= 4
    assert w.status.state == "offline" and w.status.next_retry_at is not None
    await w.stop()
    assert (await astore.run(Store.counts)).in_flight == 0


async def test_stop_puts_an_in_flight_send_back(astore: AsyncStore) -> None:
    gate = asyncio.Event()

    class Slow(FakeClient):
        async def send_feedback(self, scan_id: str, shortcode: str, annotation_info: dict[str, Any]) -> dict:
            await gate.wait()
            return {}

    await astore.run(Store.record_decision, "a", "approved", info(), route=ROUTE)
    w = worker_for(astore, lambda: Slow("k"))
    w.start()
    await wait_for(lambda: w.status.in_flight == 1)
    await w.stop(grace=0.05)
    (entry,) = await astore.run(Store.pending_entries)
    assert entry.status is OutboxStatus.PENDING and entry.attempts == 0


async def test_a_late_auth_error_from_before_a_resume_does_not_pause_again(astore: AsyncStore) -> None:
    release = asyncio.Event()
    failing = True

    class Slow(FakeClient):
        async def send_feedback(self, scan_id: str, shortcode: str, annotation_info: dict[str, Any]) -> dict:
            if scan_id != "a":
                await release.wait()  # answers after the resume
            if failing:
                raise e.ForbiddenError("403 expired")
            self.sent.append((scan_id, shortcode, annotation_info["idempotencyKey"]))
            return {}

    client = Slow("k")
    for scan in ("a", "b", "c"):
        await astore.run(Store.record_decision, scan, "approved", info(), route=ROUTE)
    w = worker_for(astore, lambda: client)
    w.start()
    await wait_for(lambda: w.status.state == "paused" and w.status.in_flight == 2)
    failing = False
    w.resume()  # the server is fine again; the two old requests still answer 403
    release.set()
    await wait_for(lambda: w.status.queued == 0)
    assert sorted(s for s, _, _ in client.sent) == ["a", "b", "c"]
    await w.stop()


async def test_claimed_but_unsent_decisions_go_back_on_a_pause_and_on_stop(astore: AsyncStore) -> None:
    gate = asyncio.Event()

    class Gated(FakeClient):
        async def send_feedback(self, scan_id: str, shortcode: str, annotation_info: dict[str, Any]) -> dict:
            if scan_id == "s00":
                raise e.ForbiddenError("403")
            await gate.wait()
            return await super().send_feedback(scan_id, shortcode, annotation_info)

    for i in range(30):
        await astore.run(Store.record_decision, f"s{i:02d}", "approved", info(), route=ROUTE)
    client = Gated("k")
    w = worker_for(astore, lambda: client, concurrency=2, claim_batch=8, pause_poll=0.02)
    w.start()
    await wait_for(lambda: w.status.state == "paused")
    # one send is waiting on the wire; the rest of the claimed batch went back to pending
    await wait_for(lambda: w.status.in_flight == 1)
    entries = await astore.run(Store.pending_entries)
    assert sum(x.status is OutboxStatus.IN_FLIGHT for x in entries) == 1
    assert all(x.attempts == 0 for x in entries)
    await w.stop(grace=0.05)
    assert (await astore.run(Store.counts)).in_flight == 0
    gate.set()


async def test_a_long_outbox_is_delivered_in_order_with_batched_claims(astore: AsyncStore) -> None:
    client = FakeClient("k")
    keys = [
        (
            await astore.run(Store.record_decision, f"s{i:03d}", "approved", info(), route=ROUTE)
        ).idempotency_key
        for i in range(100)
    ]
    w = worker_for(astore, lambda: client, concurrency=3, claim_batch=16)
    w.start()
    # a newer decision for a scan whose first one may be claimed or in flight goes after it
    later = [
        (
            await astore.run(Store.record_decision, f"s{i:03d}", "denied_other", info(), route=ROUTE)
        ).idempotency_key
        for i in range(5)
    ]
    await wait_for(lambda: w.status.queued == 0 and len(client.sent) >= 100)
    await w.stop()
    sent = [k for _, _, k in client.sent]
    assert set(keys[5:]) <= set(sent) and set(later) <= set(sent)
    for i in range(5):  # the first decision was either superseded while waiting, or sent before
        mine = [k for s, _, k in client.sent if s == f"s{i:03d}"]
        assert mine[-1] == later[i] and mine in ([later[i]], [keys[i], later[i]])
    assert (await astore.run(Store.counts)).in_flight == 0
    assert {s.state for s in await astore.run(Store.scans)} == {ScanState.SENT}


async def test_the_worker_publishes_what_each_delivery_changed(sim, tmp_path: Path) -> None:
    """Against the simulator over loopback: the change listeners learn which decisions were
    claimed, delivered or refused and which scans went SENT or FAILED, with no read of their own."""
    from reviewdesk.store.changes import NO_CHANGES, Changes, ScanReview

    sim.config.fail_feedback_codes = {"refused-1": 400}
    holder = ClientHolder(sim.base_url, sim.mint_token("tester"))
    astore = await AsyncStore.open(tmp_path / "reviewdesk.sqlite3")
    heard: list[Changes | DeliveryStatus] = []
    worker = DeliveryWorker(astore, holder, **FAST)
    worker.add_change_listener(heard.append)
    worker.add_listener(heard.append)
    try:
        ok = await astore.run(Store.record_decision, "ok-1", "approved", info("k-ok"), route=holder.route)
        bad = await astore.run(
            Store.record_decision, "refused-1", "approved", info("k-bad"), route=holder.route
        )
        worker.start()
        await wait_for(lambda: worker.status.failed == 1 and worker.status.queued == 0)
        await worker.stop()
    finally:
        await holder.aclose()
        await astore.close()
    seen = NO_CHANGES
    for changes in heard:
        if isinstance(changes, Changes):
            seen = seen | changes
    assert seen.delivered == {ok.id} and set(seen.entries) == {bad.id} and not seen.removed
    assert seen.entries[bad.id].status is OutboxStatus.FAILED
    assert seen.scans["ok-1"] == ScanReview(ScanState.SENT, "approved")
    assert seen.scans["refused-1"].state is ScanState.FAILED and seen.scans["refused-1"].error
    assert set(seen.scans) == {"ok-1", "refused-1"}
    # The status that counts the refusal comes after the changes that report it.
    first_failed = next(i for i, h in enumerate(heard) if isinstance(h, DeliveryStatus) and h.failed)
    before = NO_CHANGES
    for changes in heard[:first_failed]:
        if isinstance(changes, Changes):
            before = before | changes
    assert before.entries[bad.id].status is OutboxStatus.FAILED
