"""Delivery against the simulator: the server's Retry-After is the wait, decisions go oldest
first, a clock set back does not stall them, and a captive portal's page is not a delivery."""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

from reviewdesk.api.auth import ReviewerToken
from reviewdesk.api.reviews import normalize_base_url
from reviewdesk.domain.route import Route
from reviewdesk.store import AsyncStore, Store
from reviewdesk.sync import DeliveryWorker
from support.outbox import ClientHolder, info, wait_for
from support.process import run_cli as run


class Longest(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return b  # every wait the whole backoff: long enough for the status to show it


async def test_after_503s_asking_for_1_s_five_offline_decisions_arrive_oldest_first_promptly(
    sim, tmp_path: Path
) -> None:
    holder = ClientHolder(sim.base_url, sim.mint_token("ana"))
    astore = await AsyncStore.open(tmp_path / "reviewdesk.sqlite3")
    worker = DeliveryWorker(astore, holder)  # the product's own delays
    sim.stop()
    try:
        worker.start()
        for i in range(1, 6):
            await astore.run(
                Store.record_decision, f"scan-{i}", "approved", info(f"k{i}"), route=holder.route
            )
            worker.kick()
        await wait_for(lambda: worker.status.state == "offline", timeout=10)
        await asyncio.to_thread(sim.start)
        sim.config.unavailable = {"/reviews/feedback": 3}  # back, but busy: 503 Retry-After: 1, thrice
        up = time.monotonic()
        await worker.drain(timeout=30)
        took = time.monotonic() - up
    finally:
        await worker.stop()
        await holder.aclose()
        await astore.close()
    assert [r.scan_id for r in sim.feedback()] == [f"scan-{i}" for i in range(1, 6)]
    # three waits of the 1 s asked for (not 32, 46, 80, 160 s of growing backoff)
    assert took < 8, took
    assert [s for _, p, s in sim.requests_log() if p == "/reviews/feedback"][:3] == [503, 503, 503]


async def test_send_now_keeps_a_retry_after_in_force_and_says_how_long(sim, tmp_path: Path) -> None:
    holder = ClientHolder(sim.base_url, sim.mint_token("ana"))
    astore = await AsyncStore.open(tmp_path / "reviewdesk.sqlite3")
    worker = DeliveryWorker(astore, holder)
    sim.config.unavailable = {"/reviews/feedback": 1}
    sim.config.unavailable_retry_after = 4
    try:
        await astore.run(Store.record_decision, "scan-1", "approved", info("k1"), route=holder.route)
        worker.start()
        await wait_for(lambda: worker.status.state == "waiting")
        asked = time.monotonic()
        left = await worker.send_now()
        assert 3 < left <= 4
        assert worker.status.next_retry_at is not None and worker.status.next_retry_at > time.time() + 3
        await wait_for(lambda: worker.status.queued == 0, timeout=10)
        assert time.monotonic() - asked > 3  # not resent 0.28 s after a Retry-After: 4
    finally:
        await worker.stop()
        await holder.aclose()
        await astore.close()
    assert [s for _, p, s in sim.requests_log() if p == "/reviews/feedback"] == [503, 200]


async def test_a_captive_portal_page_is_not_a_delivery(sim, tmp_path: Path) -> None:
    holder = ClientHolder(sim.base_url, sim.mint_token("ana"))
    astore = await AsyncStore.open(tmp_path / "reviewdesk.sqlite3")
    worker = DeliveryWorker(astore, holder, base_delay=0.3, rng=Longest())
    sim.config.html_feedback = 1
    seen = []
    worker.add_listener(seen.append)
    try:
        await astore.run(Store.record_decision, "scan-1", "approved", info("k1"), route=holder.route)
        assert await worker.drain(timeout=10)
    finally:
        await worker.stop()
        await holder.aclose()
        await astore.close()
    assert [r.scan_id for r in sim.feedback()] == ["scan-1"]
    assert [s for _, p, s in sim.requests_log() if p == "/reviews/feedback"] == [200, 200]  # sent again
    assert any("unexpected answer from 127.0.0.1" in (s.last_error or "") for s in seen)
    assert any(s.state == "server_error" and s.unexpected_from == "127.0.0.1" for s in seen)


def hour_ahead(path: Path, sim, reviewer: str) -> None:
    """Two decisions made, then the clock set back one hour: their times are an hour ahead."""
    route = Route(normalize_base_url(sim.base_url), ReviewerToken.parse(sim.mint_token(reviewer)).identity)
    ahead = time.time() + 3600
    with Store(path) as store:
        for i in (1, 2):
            entry = store.record_decision(f"scan-{i}", "approved", info(f"k{i}"), now=ahead, route=route)
            store.claim_due(ahead, 1, route)
            store.mark_retry(entry.id, "cannot reach the server", ahead + 30)


def test_sync_after_the_clock_was_set_back_delivers(sim, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    hour_ahead(data / "reviewdesk.sqlite3", sim, "ana")
    env = {
        "REVIEWDESK_DATA_DIR": str(data),
        "REVIEWDESK_BASE_URL": sim.base_url,
        "REVIEWDESK_TOKEN": sim.mint_token("ana"),
    }
    result = run("sync", "--timeout", "10", env=env)
    assert result.returncode == 0 and "2 delivered, 0 queued" in result.stdout, result.stdout


async def test_the_window_worker_after_the_clock_was_set_back_delivers_at_start(sim, tmp_path: Path) -> None:
    path = tmp_path / "reviewdesk.sqlite3"
    hour_ahead(path, sim, "ana")
    holder = ClientHolder(sim.base_url, sim.mint_token("ana"))
    astore = await AsyncStore.open(path)
    worker = DeliveryWorker(astore, holder)
    try:
        worker.start()
        await wait_for(lambda: len(sim.feedback()) == 2, timeout=10)
    finally:
        await worker.stop()
        await holder.aclose()
        await astore.close()


def test_sync_says_when_a_retry_after_still_in_force_will_send(sim, tmp_path: Path) -> None:
    env = {
        "REVIEWDESK_DATA_DIR": str(tmp_path / "data"),
        "REVIEWDESK_BASE_URL": sim.base_url,
        "REVIEWDESK_TOKEN": sim.mint_token("ana"),
    }
    sim.config.unavailable = {"/reviews/feedback": 1}
    sim.config.unavailable_retry_after = 300
    first = run("decide", "scan-1", "approved", "--timeout", "1", env=env)
    assert "the server asked to wait 300 s; it goes out in" in first.stdout, first.stdout
    again = run("sync", "--timeout", "1", env=env)
    assert again.returncode == 5
    assert "asked to wait (Retry-After); 1 decision(s) go out at" in again.stdout, again.stdout
    # `sync` did not resend while the server's wait was in force
    assert [s for _, p, s in sim.requests_log() if p == "/reviews/feedback"] == [503]
