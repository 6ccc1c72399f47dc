"""Delivery against the real simulator over loopback: failures, dropped connections, a server
that goes away and comes back, expiring tokens, and a decision the server refuses."""

from __future__ import annotations

import asyncio
import gc
import random
from pathlib import Path

import pytest

from reviewdesk.domain import shortcodes
from reviewdesk.domain.scan import ScanState
from reviewdesk.store import AsyncStore, OutboxStatus, Store
from reviewdesk.sync import DeliveryStatus, DeliveryWorker
from support.outbox import FAST, ClientHolder, Ticker, info, per_scan_first_arrivals, wait_for

pytestmark = pytest.mark.slow  # seconds to minutes: `-m "not slow"` leaves it out

CODES = [s.code for s in shortcodes.all_shortcodes()]


async def test_faults_and_an_outage_lose_nothing_keep_order_and_never_stall_the_loop(
    sim, tmp_path: Path
) -> None:
    sim.config.failure_rate = 0.3
    sim.config.drop_rate = 0.1
    holder = ClientHolder(sim.base_url, sim.mint_token("faults"))
    astore = await AsyncStore.open(tmp_path / "reviewdesk.sqlite3")
    worker = DeliveryWorker(astore, holder, concurrency=4, rng=random.Random(5), **FAST)
    seen: list[DeliveryStatus] = []
    worker.add_listener(seen.append)
    # A full collection of the test process's heap (pytest, every imported module) takes ~50-90 ms
    # on a busy 2-core box; that is not delivery stalling the loop. Freeze what exists now, as an
    # app does after start-up; the collector still runs on everything made from here on.
    gc.collect()
    gc.freeze()
    ticker = Ticker().start()
    worker.start()
    rng = random.Random(99)
    scans = [f"fault-{i:03d}" for i in range(60)]
    made: list[tuple[str, str]] = []

    async def decide(scan: str) -> None:
        key = f"fault-key-{len(made):04d}"
        await astore.run(Store.record_decision, scan, rng.choice(CODES), info(key), route=holder.route)
        made.append((scan, key))
        worker.kick()

    try:
        for n in range(150):  # every scan at least once, some many times
            await decide(scans[n] if n < len(scans) else rng.choice(scans[:20]))
            # Paced like a quick reviewer, so that some decisions are delivered before a newer
            # one for their scan (after a failure decisions go one at a time, oldest first).
            await asyncio.sleep(0.02)
        await asyncio.to_thread(sim.stop)  # the server goes away for a while
        for _ in range(40):
            await decide(rng.choice(scans))
            await asyncio.sleep(0.01)
        await wait_for(lambda: worker.status.state == "offline")
        # The outage lasts until the worker has tried again and failed three more times.
        retries = {s.next_retry_at for s in seen if s.state == "offline"}
        await wait_for(
            lambda: len({s.next_retry_at for s in seen if s.state == "offline"} - retries) >= 3, timeout=60
        )
        assert worker.status.queued > 0
        await asyncio.to_thread(sim.start)
        for _ in range(40):
            await decide(rng.choice(scans))
            await asyncio.sleep(0.005)
        assert await worker.drain(timeout=90)
    finally:
        await worker.stop()
        max_gap = await ticker.stop()
        gc.unfreeze()
        await holder.aclose()
        await astore.close()

    records = sim.feedback()
    received = {r.annotation_info["idempotencyKey"] for r in records}
    order = {key: i for i, (_, key) in enumerate(made)}
    last_made = {scan: key for scan, key in made}
    # the LAST decision made for each scan is the last one the server received for it
    assert {r.scan_id: r.annotation_info["idempotencyKey"] for r in records} == last_made
    # every decision arrived, or a later one for its scan replaced it before it was sent
    for i, (scan, key) in enumerate(made):
        assert key in received or any(s == scan and k in received for s, k in made[i + 1 :])
    # per scan, in the order made
    for scan, keys in per_scan_first_arrivals(records).items():
        assert [order[k] for k in keys] == sorted(order[k] for k in keys), scan
    states = [s.state for s in seen]
    assert "offline" in states and states[-1] == "idle"
    log = sim.requests_log()
    assert any(status == 503 for _, _, status in log) and any(status == 0 for _, _, status in log)
    multi = sum(1 for keys in per_scan_first_arrivals(records).values() if len(keys) > 1)
    assert multi >= 5  # the order check above had something to check
    print(
        f"\nfaults: {len(made)} decisions, {len(records)} requests received, {multi} scans received "
        f"several decisions, {ticker.summary()}"
    )
    assert max_gap < 0.1, f"the event loop stalled for {max_gap * 1000:.0f} ms"


async def test_an_expiring_token_pauses_delivery_and_a_new_one_resumes_it(sim, tmp_path: Path) -> None:
    holder = ClientHolder(sim.base_url, sim.mint_token("short", lifetime=2))
    astore = await AsyncStore.open(tmp_path / "reviewdesk.sqlite3")
    worker = DeliveryWorker(astore, holder, pause_poll=0.05, **FAST)
    worker.start()
    try:
        now_keys = [
            (
                await astore.run(
                    Store.record_decision, f"tok-{i}", "approved", info(f"now-{i}"), route=holder.route
                )
            ).idempotency_key
            for i in range(10)
        ]
        worker.kick()
        held = [
            (
                await astore.run(
                    Store.record_decision,
                    f"tok-{i}",
                    "denied_other",
                    info(f"held-{i}"),
                    hold_seconds=3.0,
                    route=holder.route,
                )
            ).id
            for i in range(10, 20)
        ]
        await wait_for(lambda: worker.status.state == "paused", timeout=15)
        assert "expired" in (worker.status.last_error or "") and "sign in again" in (
            worker.status.last_error or ""
        )
        assert {r.annotation_info["idempotencyKey"] for r in sim.feedback()} == set(now_keys)
        pending = await astore.run(Store.pending_entries)
        assert [e.id for e in pending] == held  # nothing lost
        assert all(e.status is OutboxStatus.PENDING and e.attempts == 0 for e in pending)
        holder.sign_in(sim.mint_token("short"))  # a new token: delivery resumes by itself
        await wait_for(lambda: worker.status.queued == 0, timeout=15)
        assert worker.status.state == "idle"
        assert len(sim.feedback()) == 20 and len(sim.feedback_unique()) == 20
    finally:
        await worker.stop()
        await holder.aclose()
        await astore.close()


async def test_a_server_side_403_pauses_and_resume_picks_up(sim, tmp_path: Path) -> None:
    holder = ClientHolder(sim.base_url, sim.mint_token("r"))
    astore = await AsyncStore.open(tmp_path / "reviewdesk.sqlite3")
    worker = DeliveryWorker(astore, holder, pause_poll=0.05, **FAST)
    worker.start()
    try:
        await astore.run(Store.record_decision, "srv-1", "approved", info(), route=holder.route)
        worker.kick()
        await wait_for(lambda: len(sim.feedback()) == 1)
        sim.config.clock_offset = 7200  # the server now thinks the token has expired
        for i in range(2, 6):
            await astore.run(Store.record_decision, f"srv-{i}", "approved", info(), route=holder.route)
        worker.kick()
        await wait_for(lambda: worker.status.state == "paused")
        assert "403" in (worker.status.last_error or "")
        assert all(e.attempts == 0 for e in await astore.run(Store.pending_entries))
        assert len(await astore.run(Store.pending_entries)) == 4
        sim.config.clock_offset = 0
        worker.resume()  # what the window calls after the reviewer signs in again
        await wait_for(lambda: worker.status.queued == 0)
        assert sorted(r.scan_id for r in sim.feedback()) == [f"srv-{i}" for i in range(1, 6)]
    finally:
        await worker.stop()
        await holder.aclose()
        await astore.close()


async def test_a_400_does_not_hold_back_the_others_and_can_be_edited_and_resent(sim, tmp_path: Path) -> None:
    sim.config.fail_feedback_codes = {"bad-1": 400}
    holder = ClientHolder(sim.base_url, sim.mint_token("r"))
    astore = await AsyncStore.open(tmp_path / "reviewdesk.sqlite3")
    worker = DeliveryWorker(astore, holder, **FAST)
    try:
        scans = ["ok-1", "bad-1", "ok-2", "ok-3", "ok-4", "ok-5"]
        for scan in scans:
            await astore.run(Store.record_decision, scan, "approved", info(), route=holder.route)
        assert await worker.drain(timeout=30)  # failed decisions are not left pending
        assert sorted(r.scan_id for r in sim.feedback()) == sorted(s for s in scans if s != "bad-1")
        (entry,) = await astore.run(Store.pending_entries)
        assert entry.status is OutboxStatus.FAILED and entry.attempts == 1
        assert "simulated 400" in (entry.last_error or "")
        scan = await astore.run(Store.get_scan, "bad-1")
        assert scan is not None and scan.state is ScanState.FAILED and "simulated 400" in (scan.error or "")
        assert worker.status.failed == 1
        sim.config.fail_feedback_codes = {}
        edited = await astore.run(Store.resend, entry.id, shortcode="denied_fake_card")
        assert (await astore.run(Store.get_scan, "bad-1")).state is ScanState.DECIDED  # type: ignore[union-attr]
        assert await worker.drain(timeout=30)
        last = sim.feedback()[-1]
        assert (last.scan_id, last.shortcode) == ("bad-1", "denied_fake_card")
        assert last.annotation_info["idempotencyKey"] == edited.idempotency_key
        assert (await astore.run(Store.get_scan, "bad-1")).state is ScanState.SENT  # type: ignore[union-attr]
        assert (await astore.run(Store.counts)).failed == 0
    finally:
        await holder.aclose()
        await astore.close()
